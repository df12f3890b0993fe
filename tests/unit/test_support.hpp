// Helpers shared by the unit tests: temporary folders, config files, the shared vectors.
#pragma once

#include <toml++/toml.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>

namespace eckid_test {

/// A fresh folder under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("eckid-test-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::filesystem::path &path() const { return path_; }
  /// Copies files of the test PKI (made by packaging/make-test-pki.sh at build time).
  void add_pki(std::initializer_list<const char *> names = {"client.p12", "client.p12.pass",
                                                            "ca.pem"}) const {
    for (const char *n : names) {
      std::filesystem::copy_file(std::filesystem::path(ECKID_TEST_PKI_DIR) / n, path_ / n);
    }
  }
  std::filesystem::path write(const std::string &name, std::string_view text) const {
    const auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::filesystem::path path_;
};

/// ../shared/nv/vectors.toml, parsed (the known-good HPgn values).
inline const toml::table &vectors() {
  static const toml::table t = toml::parse_file(std::string(ECKID_SHARED_DIR) + "/nv/vectors.toml");
  return t;
}

inline std::string sandbox_salt() {
  return *vectors()["scrypt"]["salt_base64"].value<std::string>();
}
inline std::string test_chain() {
  return *vectors()["test_environment"]["chain_id"].value<std::string>();
}
inline std::string test_sector() {
  return *vectors()["test_environment"]["sector_id"].value<std::string>();
}

/// A valid configuration with one enabled school, using the public sandbox salt.
/// `extra_service` lines are added to [service]; `extra` is appended at the end.
inline std::string minimal_config(std::string_view extra_service = "",
                                  std::string_view extra = "") {
  return "[service]\nenvironment = \"sandbox\"\nsalt = \"" + sandbox_salt() +
         "\"\nclient_certificate = \"client.p12\"\nkey_password_file = \"client.p12.pass\"\n" +
         "ca_bundle = \"ca.pem\"\n" + std::string(extra_service) +
         "\n[[school]]\nkey = \"99ZZ\"\noin = \"0000000700099ZZ12345\"\n" + "sector = \"" +
         test_sector() + "\"\nchains = [\"" + test_chain() + "\"]\nenabled = true\n" +
         std::string(extra);
}

}  // namespace eckid_test
