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

/// Where a state on PostgreSQL goes: the cluster's connection URI without password
/// ("postgresql://eckid@127.0.0.1:PORT/eckid") and a file holding the password. Empty: SQLite.
struct PostgresTarget {
  std::string url;
  std::filesystem::path password_file;
  bool empty() const noexcept { return url.empty(); }
};

/// The folder of ECKID_TEST_POSTGRES; empty when it is unset.
inline std::filesystem::path test_postgres_folder() {
  const char *folder = std::getenv("ECKID_TEST_POSTGRES");
  return folder != nullptr ? std::filesystem::path(folder) : std::filesystem::path();
}

/// The cluster of ECKID_TEST_POSTGRES (its folder's url and password files); empty when the
/// variable is unset. Throws std::runtime_error when the folder holds no cluster.
inline PostgresTarget test_postgres() {
  const auto folder = test_postgres_folder();
  if (folder.empty()) return {};
  std::ifstream in(folder / "url");
  std::string url;
  if (!std::getline(in, url) || url.empty()) {
    throw std::runtime_error("ECKID_TEST_POSTGRES=" + folder.string() +
                             " holds no PostgreSQL cluster (no url file): start one with "
                             "python3 tests/adapters/private_postgres.py start " +
                             folder.string());
  }
  return {url, folder / "password"};
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
/// and, for a PostgreSQL target, its url, its password file and the schema of `dir`.
inline std::string state_table(const std::filesystem::path &dir, const std::string &lines,
                               const PostgresTarget &postgres) {
  std::string table = "\n[state]\n" + lines;
  if (!postgres.empty()) {
    table += "url = \"" + postgres.url + "\"\npassword_file = \"" +
             postgres.password_file.string() + "\"\nschema = \"" + schema_for(dir) + "\"\n";
  }
  return table;
}

}  // namespace eckid_events
