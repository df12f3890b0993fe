// Every scrypt path gives the shared vectors and OpenSSL's results, whatever the lanes,
// threads and locale.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <clocale>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "scrypt/scrypt.hpp"
#include "scrypt_test_support.hpp"
#include "util/encoding.hpp"
#include "util/error.hpp"

namespace scrypt = eckid::scrypt;
using eckid_scrypt_test::fast_paths;

namespace {

std::vector<std::uint8_t> bytes_of(const std::string &s) {
  return {s.begin(), s.end()};
}

std::vector<std::uint8_t> sandbox_salt() {
  auto salt = eckid::base64_decode(eckid_test::sandbox_salt());
  REQUIRE(salt);
  return {salt->data(), salt->data() + salt->size()};
}

std::string hex_derive(scrypt::Path path, std::span<const std::uint8_t> password,
                       std::span<const std::uint8_t> salt, const scrypt::Params &params,
                       std::size_t dk_len, scrypt::Workspace &ws, unsigned threads) {
  std::vector<std::uint8_t> out(dk_len);
  scrypt::derive(path, password, salt, params, out, ws, threads);
  return eckid::hex_lower(out);
}

std::string hex_openssl(std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
                        const scrypt::Params &params, std::size_t dk_len) {
  std::vector<std::uint8_t> out(dk_len);
  scrypt::derive_openssl(password, salt, params, out);
  return eckid::hex_lower(out);
}

// Restores the environment variable and the override when a test ends.
struct PathGuard {
  ~PathGuard() {
    unsetenv("ECKID_SCRYPT_PATH");
    scrypt::override_path(std::nullopt);
  }
};

}  // namespace

TEST_CASE("every path gives the shared HPgn vectors", "[scrypt][vectors]") {
  const auto &v = eckid_test::vectors()["scrypt"];
  const scrypt::Params params{static_cast<std::uint64_t>(*v["N"].value<std::int64_t>()),
                              static_cast<std::uint32_t>(*v["r"].value<std::int64_t>()),
                              static_cast<std::uint32_t>(*v["p"].value<std::int64_t>())};
  const auto dk_len = static_cast<std::size_t>(*v["dk_len"].value<std::int64_t>());
  REQUIRE(params.N == scrypt::kHpgnParams.N);
  const auto salt = sandbox_salt();
  scrypt::Workspace ws(params.N, params.r, params.p);
  for (const auto path : fast_paths()) {
    for (const auto &vec : eckid_scrypt_test::hpgn_vectors()) {
      INFO("path " << scrypt::to_string(path) << ", vector " << vec.hpgn);
      CHECK(hex_derive(path, bytes_of(vec.pgn), salt, params, dk_len, ws, 2) == vec.hpgn);
    }
  }
}

TEST_CASE("every path equals OpenSSL on random inputs at small N", "[scrypt][random]") {
  std::mt19937_64 rng(20240917);
  auto pick = [&rng](std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
  };
  const auto paths = fast_paths();
  for (int n = 0; n < 200; ++n) {
    // N*r*p at most 2^14 (2 MiB per lane at most) keeps the 200 inputs quick.
    const std::uint64_t N = std::uint64_t{1} << pick(10, 14);
    const auto r = static_cast<std::uint32_t>(pick(1, std::min<std::uint64_t>(8, 16384 / N)));
    const auto p = static_cast<std::uint32_t>(pick(1, std::min<std::uint64_t>(4, 16384 / N / r)));
    const scrypt::Params params{N, r, p};
    // Lengths include 0 (an empty password or salt) and dkLen across several SHA-256 blocks.
    std::vector<std::uint8_t> password(n % 17 == 0 ? 0 : pick(0, 80));
    std::vector<std::uint8_t> salt(pick(0, 48));
    for (auto &b : password) b = static_cast<std::uint8_t>(pick(0, 255));
    for (auto &b : salt) b = static_cast<std::uint8_t>(pick(0, 255));
    const std::size_t dk_len = pick(1, 100);
    const std::string want = hex_openssl(password, salt, params, dk_len);
    scrypt::Workspace ws(params.N, params.r, static_cast<unsigned>(pick(1, params.p)));
    for (const auto path : paths) {
      const auto threads = static_cast<unsigned>(pick(1, 3));
      INFO("input " << n << ", path " << scrypt::to_string(path) << ", N " << params.N << ", r "
                    << params.r << ", p " << params.p << ", lanes " << ws.lanes() << ", threads "
                    << threads << ", password " << password.size() << " B, salt " << salt.size()
                    << " B, dkLen " << dk_len);
      REQUIRE(hex_derive(path, password, salt, params, dk_len, ws, threads) == want);
    }
  }
}

TEST_CASE("every path equals OpenSSL on a random input at the real parameters",
          "[scrypt][random][real]") {
  std::mt19937_64 rng(7914);
  std::vector<std::uint8_t> password(11), salt(16);
  for (auto &b : password) b = static_cast<std::uint8_t>(rng());
  for (auto &b : salt) b = static_cast<std::uint8_t>(rng());
  const std::string want = hex_openssl(password, salt, scrypt::kHpgnParams, 32);
  scrypt::Workspace ws(scrypt::kHpgnParams.N, scrypt::kHpgnParams.r, scrypt::kHpgnParams.p);
  for (const auto path : fast_paths()) {
    INFO("path " << scrypt::to_string(path));
    CHECK(hex_derive(path, password, salt, scrypt::kHpgnParams, 32, ws, 2) == want);
  }
}

TEST_CASE("several inputs at once equal OpenSSL on every path", "[scrypt][random][many]") {
  std::mt19937_64 rng(1127);
  auto pick = [&rng](std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
  };
  for (int n = 0; n < 20; ++n) {
    const scrypt::Params params{std::uint64_t{1} << pick(10, 11),
                                static_cast<std::uint32_t>(pick(1, 4)),
                                static_cast<std::uint32_t>(pick(1, 4))};
    const std::size_t count = pick(1, 3);
    std::vector<std::vector<std::uint8_t>> passwords(count), salts(count), outs(count);
    std::vector<scrypt::Input> inputs;
    std::vector<std::string> want;
    for (std::size_t i = 0; i < count; ++i) {
      passwords[i].resize(pick(0, 20));
      salts[i].resize(pick(0, 20));
      for (auto &b : passwords[i]) b = static_cast<std::uint8_t>(pick(0, 255));
      for (auto &b : salts[i]) b = static_cast<std::uint8_t>(pick(0, 255));
      outs[i].resize(pick(1, 64));
      want.push_back(hex_openssl(passwords[i], salts[i], params, outs[i].size()));
      inputs.push_back({passwords[i], salts[i], outs[i]});
    }
    scrypt::Workspace ws(params.N, params.r, static_cast<unsigned>(pick(1, count * params.p)));
    for (const auto path : fast_paths()) {
      const auto threads = static_cast<unsigned>(pick(1, 2));
      scrypt::derive_many(path, inputs, params, ws, threads);
      for (std::size_t i = 0; i < count; ++i) {
        INFO("batch " << n << ", input " << i << " of " << count << ", path "
                      << scrypt::to_string(path) << ", lanes " << ws.lanes() << ", threads "
                      << threads);
        CHECK(eckid::hex_lower(outs[i]) == want[i]);
      }
    }
  }
}

TEST_CASE("the vectors at once, two hashes per chain", "[scrypt][vectors][many]") {
  const auto vectors = eckid_scrypt_test::hpgn_vectors();
  const auto salt = sandbox_salt();
  std::vector<std::vector<std::uint8_t>> passwords,
      outs(vectors.size(), std::vector<std::uint8_t>(32));
  std::vector<scrypt::Input> inputs;
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    passwords.push_back(bytes_of(vectors[i].pgn));
  }
  for (std::size_t i = 0; i < vectors.size(); ++i) inputs.push_back({passwords[i], salt, outs[i]});
  const auto &params = scrypt::kHpgnParams;
  scrypt::Workspace ws(params.N, params.r, 2 * params.p);
  // One thread: the widest kernel gets all eight lanes of the first two inputs.
  scrypt::derive_many(fast_paths().back(), inputs, params, ws, 1);
  for (std::size_t i = 0; i < vectors.size(); ++i)
    CHECK(eckid::hex_lower(outs[i]) == vectors[i].hpgn);
}

TEST_CASE("the locale does not change a result", "[scrypt][locale]") {
  const scrypt::Params params{1024, 8, 4};
  const auto password = bytes_of("ABCdef0123"), salt = bytes_of("Salt");
  scrypt::Workspace ws(params.N, params.r, 4);
  const std::string want = hex_openssl(password, salt, params, 32);
  const std::string old = std::setlocale(LC_ALL, nullptr);
  for (const char *name : {"tr_TR.UTF-8", "nl_NL.UTF-8", "C.UTF-8", "C"}) {
    if (std::setlocale(LC_ALL, name) == nullptr) continue;  // not installed here
    for (const auto path : fast_paths()) {
      INFO("locale " << name << ", path " << scrypt::to_string(path));
      CHECK(hex_derive(path, password, salt, params, 32, ws, 2) == want);
    }
  }
  std::setlocale(LC_ALL, old.c_str());
}

TEST_CASE("the path is chosen by override, environment, then CPU", "[scrypt][path]") {
  PathGuard guard;
  for (const auto path : {scrypt::Path::openssl, scrypt::Path::scalar, scrypt::Path::sse2,
                          scrypt::Path::avx2, scrypt::Path::avx512}) {
    CHECK(scrypt::path_from_string(scrypt::to_string(path)) == path);
    if (scrypt::path_supported(path)) {
      setenv("ECKID_SCRYPT_PATH", std::string(scrypt::to_string(path)).c_str(), 1);
      CHECK(scrypt::selected_path() == path);
      unsetenv("ECKID_SCRYPT_PATH");
      scrypt::override_path(path);
      CHECK(scrypt::selected_path() == path);
      scrypt::override_path(std::nullopt);
    } else {
      CHECK_THROWS_WITH(scrypt::override_path(path), Catch::Contains("does not support"));
      setenv("ECKID_SCRYPT_PATH", std::string(scrypt::to_string(path)).c_str(), 1);
      CHECK_THROWS_WITH(scrypt::selected_path(), Catch::Contains("does not support"));
    }
  }
  unsetenv("ECKID_SCRYPT_PATH");
  CHECK(scrypt::selected_path() == fast_paths().back());  // the fastest this CPU has
  setenv("ECKID_SCRYPT_PATH", "avx1024", 1);
  CHECK_THROWS_WITH(scrypt::selected_path(), Catch::Contains("not one of"));
}

TEST_CASE("bad parameters are refused", "[scrypt][params]") {
  CHECK_THROWS_AS(scrypt::Workspace(1000, 8, 1), eckid::Error);  // N not a power of two
  CHECK_THROWS_AS(scrypt::Workspace(1024, 0, 1), eckid::Error);
  CHECK_THROWS_AS(scrypt::Workspace(1024, 8, 0), eckid::Error);
  scrypt::Workspace ws(1024, 1, 1);
  std::array<std::uint8_t, 32> out{};
  const auto path = fast_paths().back();
  CHECK_THROWS_WITH(scrypt::derive(path, {}, {}, {2048, 1, 1}, out, ws, 1),
                    Catch::Contains("other N and r"));
  CHECK_THROWS_WITH(scrypt::derive(path, {}, {}, {1024, 1, 0}, out, ws, 1),
                    Catch::Contains("p must be"));
}
