// Which engine holds a test's plugin state (issue 18): SQLite in the state folder by default, or
// PostgreSQL when ECKID_TEST_POSTGRES names a cluster folder made by
// `tests/adapters/private_postgres.py start DIR` (DIR/url, DIR/password). Every test and
// benchmark that writes a configuration takes its [state] table from state_table() (world.hpp,
// tests/bench/outbox_process_bench.cpp), so each state gets an empty schema of its own in the
// one database. No Catch2 here: the benchmarks use it too.
#pragma once

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace eckid_events {

/// The cluster folder of ECKID_TEST_POSTGRES; empty when it is unset (SQLite).
inline std::filesystem::path test_postgres() {
  const char *folder = std::getenv("ECKID_TEST_POSTGRES");
  return folder != nullptr ? std::filesystem::path(folder) : std::filesystem::path();
}

/// The connection URI (without password) of the cluster in `folder` (its file url). Throws
/// std::runtime_error when the folder holds no cluster.
inline std::string postgres_url(const std::filesystem::path &folder) {
  std::ifstream in(folder / "url");
  std::string url;
  if (!std::getline(in, url) || url.empty()) {
    throw std::runtime_error(folder.string() +
                             " holds no PostgreSQL cluster (no url file): start one with "
                             "python3 tests/adapters/private_postgres.py start " +
                             folder.string());
  }
  return url;
}

/// The PostgreSQL schema of a state whose configuration is in `dir`: "t_" and dir's name in
/// lowercase letters, digits and '_' (a TempDir's random part makes it unique in the cluster;
/// the same folder gives the same schema, so a plugin opened again finds its state).
inline std::string schema_for(const std::filesystem::path &dir) {
  std::string schema = "t_";
  for (const char c : dir.filename().string()) {
    const auto u = static_cast<unsigned char>(c);
    schema += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
  }
  return schema.substr(0, 63);
}

/// The [state] table of a configuration in `dir`: `lines` (e.g. "busy_timeout_ms = 20000\n")
/// and, with a cluster folder `postgres`, its url, its password file and the schema of `dir`.
/// Throws std::runtime_error when `postgres` holds no cluster.
inline std::string state_table(const std::filesystem::path &dir, const std::string &lines = "",
                               const std::filesystem::path &postgres = test_postgres()) {
  std::string table = "\n[state]\n" + lines;
  if (!postgres.empty()) {
    table += "url = \"" + postgres_url(postgres) + "\"\npassword_file = \"" +
             (postgres / "password").string() + "\"\nschema = \"" + schema_for(dir) + "\"\n";
  }
  return table;
}

}  // namespace eckid_events
