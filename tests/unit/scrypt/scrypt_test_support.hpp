// Helpers for the scrypt tests: the fast paths this CPU has, the shared HPgn vectors.
#pragma once

#include <string>
#include <vector>

#include "scrypt/scrypt.hpp"
#include "test_support.hpp"

namespace eckid_scrypt_test {

/// Our kernels this CPU can run (scalar and sse2 always).
inline std::vector<eckid::scrypt::Path> fast_paths() {
  using eckid::scrypt::Path;
  std::vector<Path> out;
  for (const Path p : {Path::scalar, Path::sse2, Path::avx2, Path::avx512}) {
    if (eckid::scrypt::path_supported(p)) out.push_back(p);
  }
  return out;
}

struct Vector {
  std::string pgn;
  std::string hpgn;
};

/// The [[hpgn]] entries of ../shared/nv/vectors.toml.
inline std::vector<Vector> hpgn_vectors() {
  std::vector<Vector> out;
  for (const auto &entry : *eckid_test::vectors()["hpgn"].as_array()) {
    const auto &t = *entry.as_table();
    out.push_back({*t["pgn"].value<std::string>(), *t["hpgn"].value<std::string>()});
  }
  return out;
}

}  // namespace eckid_scrypt_test
