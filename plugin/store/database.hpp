// A thin RAII layer over one SQLite connection to the state database (eckid.db), shared by
// the pupil store and the outbox. Every failure throws eckid::Error(ECKID_E_STATE) naming the
// file and what to do.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace eckid {

class Logger;

/// One connection: WAL journal, synchronous=FULL, foreign keys on, secure_delete on (freed
/// pages are zeroed). Opening creates the state directory (0700) and file (0600) when missing
/// and migrates the schema (store/schema.hpp). Safe for any number of processes and handles
/// opening the same (fresh) folder at once: the WAL switch waits up to the busy timeout, and the
/// migration runs in one BEGIN IMMEDIATE transaction that reads user_version inside it. A
/// statement that meets another process's lock is retried about every millisecond until the
/// busy timeout (busy_wait in database.cpp).
/// Not thread-safe: guard it with a mutex.
class Database {
 public:
  Database(const std::filesystem::path &directory, long busy_timeout_ms, const Logger &logger);
  ~Database();
  Database(const Database &) = delete;
  Database &operator=(const Database &) = delete;

  /// Runs SQL without results.
  void exec(const char *sql);
  /// Runs fn inside BEGIN IMMEDIATE ... COMMIT; rolls back and rethrows on failure.
  template <class Fn>
  void transaction(Fn &&fn) {
    exec("BEGIN IMMEDIATE");
    try {
      fn();
      exec("COMMIT");
    } catch (...) {
      rollback();
      throw;
    }
  }
  /// Rows changed by the last statement.
  int changes() const noexcept;
  [[noreturn]] void fail(const std::string &what) const;
  const std::filesystem::path &path() const noexcept { return path_; }

  /// A prepared statement, finalized on scope exit.
  class Statement {
   public:
    Statement(Database &db, const char *sql);
    Statement(Database &db, const std::string &sql) : Statement(db, sql.c_str()) {}
    ~Statement();
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &bind(int i, std::string_view v);
    Statement &bind(int i, std::int64_t v);
    Statement &bind_blob(int i, const void *data, std::size_t size);
    Statement &bind_null(int i);
    /// True while a row is available; false when done.
    bool step();
    std::string text(int col) const;
    std::string blob(int col) const;
    std::int64_t integer(int col) const;
    bool is_null(int col) const;

   private:
    void check(int rc);
    Database &db_;
    sqlite3_stmt *stmt_ = nullptr;
  };

 private:
  void rollback() noexcept;
  void use_wal(long busy_timeout_ms);
  static int busy_wait(void *self, int tries) noexcept;
  void migrate();

  std::filesystem::path path_;
  sqlite3 *db_ = nullptr;
  std::chrono::milliseconds busy_timeout_;
  std::chrono::steady_clock::time_point busy_since_;  // of the wait busy_wait is in
};

}  // namespace eckid
