// A private PostgreSQL 15 cluster for tests: initdb and pg_ctl in a fresh temporary folder
// (as the postgres system user through runuser when the tests run as root, else as the
// current user), listening on a free port on 127.0.0.1 with password logins (scram-sha-256),
// the superuser reachable without a password only on the cluster's own socket folder. It
// holds a role `eckid` with a random password and a database `eckid` owned by it.
// Independent of the machine's own clusters. Needs Debian's postgresql-15.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace eckid_test {

class PrivatePostgres {
 public:
  /// Whether postgresql-15 is installed (its initdb). Tests without it are skipped.
  static bool available();

  /// Makes, starts and fills the cluster. Throws std::runtime_error with the failing
  /// command's output.
  PrivatePostgres();
  /// Stops the cluster and removes its folder.
  ~PrivatePostgres();
  PrivatePostgres(const PrivatePostgres &) = delete;
  PrivatePostgres &operator=(const PrivatePostgres &) = delete;

  /// postgresql://eckid@127.0.0.1:<port>/eckid (no password).
  std::string url() const;
  int port() const noexcept { return port_; }
  /// The role eckid's password, and a file (0600) holding it on its first line.
  const std::string &password() const noexcept { return password_; }
  const std::filesystem::path &password_file() const noexcept { return password_file_; }

  /// Stops the server (fast shutdown: sessions are ended) and waits until it is down.
  void stop();
  /// Starts it again on the same data and port and waits until it accepts connections.
  void start();

  /// Runs SQL as the superuser in `database` (psql); returns the rows, columns '|'-separated,
  /// one per line. Throws std::runtime_error with psql's output when it fails.
  std::string sql(const std::string &statement, const std::string &database = "eckid") const;

 private:
  // Stops the server if it runs and removes the folder.
  void remove() noexcept;
  // Runs a program of postgresql-15 as the cluster's owner; throws on a nonzero exit.
  std::string run(const std::string &program, const std::vector<std::string> &args) const;

  std::filesystem::path root_;
  std::filesystem::path data_;
  std::filesystem::path socket_;
  std::filesystem::path password_file_;
  std::string password_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace eckid_test
