// A private PostgreSQL 15 cluster for tests, made and run by tests/adapters/private_postgres.py
// (the one implementation; its command line on a fresh temporary folder): initdb and pg_ctl as
// the postgres system user when the tests run as root, else as the current user, listening on a
// free port on 127.0.0.1 with password logins (scram-sha-256), the superuser reachable without a
// password only on the cluster's own socket folder, fsync off. It holds a role `eckid` with a
// random password and a database `eckid` owned by it. Independent of the machine's own
// clusters. Needs Debian's postgresql-15 and python3 (the interpreter CMake found).
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace eckid_test {

class PrivatePostgres {
 public:
  /// Whether postgresql-15 (its initdb) and python3 are installed. Tests without them are
  /// skipped.
  static bool available();

  /// Makes, starts and fills the cluster (`private_postgres.py start`). Throws
  /// std::runtime_error with the script's output when it fails.
  PrivatePostgres();
  /// Stops the cluster and removes its folder.
  ~PrivatePostgres();
  PrivatePostgres(const PrivatePostgres &) = delete;
  PrivatePostgres &operator=(const PrivatePostgres &) = delete;

  /// postgresql://eckid@127.0.0.1:<port>/eckid (no password).
  const std::string &url() const noexcept { return url_; }
  int port() const noexcept { return port_; }
  /// The role eckid's password, and a file (0600) holding it on its first line.
  const std::string &password() const noexcept { return password_; }
  const std::filesystem::path &password_file() const noexcept { return password_file_; }

  /// Stops the server (fast shutdown: sessions are ended) and waits until it is down. Throws
  /// std::runtime_error when it fails.
  void stop();
  /// Starts it again on the same data and port and waits until it accepts connections. Throws
  /// std::runtime_error when it fails.
  void start();

  /// Runs SQL as the superuser in `database` (psql; the statement goes to its standard input);
  /// returns the rows, columns '|'-separated, one per line. Throws std::runtime_error with
  /// psql's output when it fails. Calls are serialised; safe in any thread.
  std::string sql(const std::string &statement, const std::string &database = "eckid") const;

 private:
  // Runs `private_postgres.py <command> <folder> ARGS...` with `input` on its standard input;
  // returns its standard output; throws std::runtime_error with its output on a nonzero exit.
  std::string run(const std::string &command, const std::vector<std::string> &args = {},
                  const std::string &input = "") const;

  std::filesystem::path folder_;
  std::filesystem::path password_file_;
  std::string url_;
  std::string password_;
  int port_ = 0;
  mutable std::mutex run_mutex_;  // run() uses files of folder_
};

}  // namespace eckid_test
