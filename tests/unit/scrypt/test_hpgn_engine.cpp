// HpgnHasher on the fast engine: vectors, concurrent callers, the memory budget.
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "pgn/hpgn.hpp"
#include "scrypt/scrypt.hpp"
#include "scrypt_test_support.hpp"
#include "util/encoding.hpp"
#include "util/error.hpp"

namespace {
eckid::SecureBytes salt() {
  return std::move(*eckid::base64_decode(eckid_test::sandbox_salt()));
}
}  // namespace

TEST_CASE("concurrent HPgns on the fast engine give the vectors", "[hpgn][engine]") {
  // 512 MiB: one workspace, callers take turns; 1024 MiB: two hashes side by side.
  for (const std::uint64_t budget : {512u, 1024u}) {
    eckid::HashConfig config;
    config.engine = eckid::HashConfig::Engine::fast;
    config.memory_budget_mib = budget;
    const auto s = salt();
    const eckid::HpgnHasher hasher(config, s.span());
    const auto vectors = eckid_scrypt_test::hpgn_vectors();
    std::vector<std::string> got(vectors.size());
    std::vector<std::thread> callers;
    for (std::size_t i = 0; i < vectors.size(); ++i) {
      callers.emplace_back([&, i] { got[i] = hasher.hpgn(vectors[i].pgn, ECKID_PGN_PUPIL); });
    }
    for (auto &c : callers) c.join();
    for (std::size_t i = 0; i < vectors.size(); ++i) {
      INFO("budget " << budget << " MiB");
      CHECK(got[i] == vectors[i].hpgn);
    }
  }
}

TEST_CASE("a memory budget below one lane is refused", "[hpgn][engine]") {
  eckid::HashConfig config;
  config.engine = eckid::HashConfig::Engine::fast;
  config.memory_budget_mib = eckid::scrypt::lane_bytes(eckid::scrypt::kHpgnParams) / (1 << 20) - 1;
  const auto s = salt();
  try {
    eckid::HpgnHasher hasher(config, s.span());
    FAIL("a budget of " << config.memory_budget_mib << " MiB was accepted");
  } catch (const eckid::Error &e) {
    CHECK(e.status() == ECKID_E_CONFIG);
    CHECK_THAT(e.what(), Catch::Contains("[hash] memory_budget_mib") && Catch::Contains("128"));
  }
}
