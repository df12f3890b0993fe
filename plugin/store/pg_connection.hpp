// PostgreSQL engine: one libpq connection to the state database, made again when lost. Used
// by store/pg_database.cpp, which builds the Database contract on it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "log/logger.hpp"
#include "store/pg_sql.hpp"

namespace eckid {
struct StateConfig;
}

namespace eckid::pg {

/// The advisory lock keys (first of two int4 keys) of one schema, so that handles on two
/// schemas of one database never meet: hashtext('eckid:' || schema) for the handles' owner
/// locks, 'eckid-lease:' for leases, 'eckid-pupil:' for lock_pupil(); computed by the server.
struct LockKeys {
  std::int32_t owner = 0;
  std::int32_t lease = 0;
  std::int32_t pupil = 0;
};

/// A connection to [state] url with search_path [state] schema, lock_timeout [state]
/// busy_timeout_ms, and a session advisory lock (keys().owner, hashtext(owner())) held while it
/// is up, which tells other handles this one is open. Every method locks mutex() itself; a
/// transaction holds it from begin() to commit() or rollback(), so calls from other threads
/// (leases) wait for its end and never run inside it.
class Connection {
 public:
  /// Checks [state] schema and url (no password in it), reads the password ([state]
  /// password_file or password_env), connects (application_name eckid, connect_timeout
  /// busy_timeout_ms but at least 2 s, TCP keepalives) and sets the session up. Throws
  /// Error(ECKID_E_STATE) naming the database (never the password) and what to do.
  Connection(const StateConfig &config, const Logger &logger);
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;

  /// "PostgreSQL database D on H:P, schema S".
  const std::string &name() const noexcept { return name_; }
  const std::string &schema() const noexcept { return schema_; }
  /// This handle's name: 32 random hex digits (OpenSSL RAND_bytes).
  const std::string &owner() const noexcept { return owner_; }
  std::chrono::milliseconds retry_window() const noexcept { return retry_window_; }
  LockKeys keys() const;
  /// Counts the losses of the connection: a session lock taken in an older epoch is gone.
  std::uint64_t epoch() const noexcept { return epoch_.load(); }
  /// Rows changed by the last INSERT, UPDATE, DELETE or MERGE.
  std::int64_t changes() const noexcept { return changes_; }
  std::recursive_mutex &mutex() const noexcept { return mutex_; }

  /// Runs one statement with `params` (prepared once per session), or several without
  /// (`params` null). A lost connection is made again, with pauses, until retry_window() has
  /// passed (then Error: unreachable); a serialization failure or deadlock (SQLSTATE 40001,
  /// 40P01) outside a transaction runs the statement again. Inside a transaction both throw
  /// RetryTransaction. Any other failure: fail().
  Result run(const std::string &sql, const Params *params);
  /// Runs a statement only while the connection of `epoch` is up; its result is ignored.
  void run_if_connected(const std::string &sql, const Params &params, std::uint64_t epoch);
  /// BEGIN (`sql`, with its isolation level), COMMIT (a transaction that failed and rolled
  /// back instead throws), ROLLBACK (nothing when the connection was lost since begin()).
  void begin(const char *sql);
  void commit();
  void rollback() noexcept;

  /// The last failure: the server's primary message and SQLSTATE (never its DETAIL, which may
  /// quote a row), or libpq's message; and the SQLSTATE alone ("" for none).
  std::string last_error() const;
  std::string last_sqlstate() const;
  /// Throws Error(ECKID_E_STATE): what, name(), last_error() and what to check.
  [[noreturn]] void fail(const std::string &what) const;

 private:
  using Clock = std::chrono::steady_clock;
  struct ConnDeleter {
    void operator()(PGconn *c) const noexcept { PQfinish(c); }
  };

  Result call(const std::string &sql, const Params *params);
  void note_error(const PGresult *r);
  bool lost(const PGresult *r) const;
  bool set_up_session();
  void reconnect(Clock::time_point deadline);
  void retake_owner_lock();
  static void notice(void *self, const char *message);

  Logger logger_;
  std::string schema_;
  std::string owner_;
  std::chrono::milliseconds retry_window_;
  std::string name_;
  std::unique_ptr<PGconn, ConnDeleter> conn_;
  mutable std::recursive_mutex mutex_;
  std::unique_lock<std::recursive_mutex> transaction_lock_;  // held from begin to its end
  bool in_transaction_ = false;
  std::uint64_t transaction_epoch_ = 0;
  std::atomic<std::uint64_t> epoch_{1};
  bool owner_locked_ = false;  // this session holds the owner lock
  LockKeys keys_;
  std::int64_t changes_ = 0;
  // Prepared statements of this session: SQL and parameter types -> name (call()).
  static constexpr std::size_t kMaxPrepared = 256;
  std::unordered_map<std::string, std::string> prepared_;
  std::uint64_t statements_made_ = 0;
  std::string last_error_;
  std::string last_sqlstate_;
};

}  // namespace eckid::pg
