// One connection to the state database, whichever engine holds it: SQLite in [state] directory
// (store/sqlite_database.cpp) or PostgreSQL at [state] url (store/pg_database.cpp). The tables
// (SqlStore, Outbox, OnboardTable) write one SQL text for both: the engines' common SQL,
// parameters as ?1, ?2, ... (PostgreSQL gets $1, $2, ...), and where the two differ the
// PostgreSQL spelling (strpos, chr), which the SQLite connection defines for itself. Every
// failure throws eckid::Error(ECKID_E_STATE) naming the database and what to do.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace eckid {

class Logger;
struct StateConfig;

/// Which engine holds the state: PostgreSQL when [state] url is set, else SQLite.
enum class StateEngine { sqlite, postgresql };

/// A transaction that must run again from its start: it met a concurrent writer (PostgreSQL
/// SQLSTATE 40001 serialization_failure, 40P01 deadlock_detected) or its connection was lost
/// and made again. Database::transaction() catches it and runs its function again.
class RetryTransaction : public Error {
 public:
  explicit RetryTransaction(const std::string &what) : Error(ECKID_E_STATE, what) {}
};

/// An exclusive claim shared by every handle (in any process, on any machine) on one state:
/// SQLite: flock on a file in the state folder; PostgreSQL: a session advisory lock. Non-
/// blocking; released on destruction, when the process dies, or (PostgreSQL) when the
/// connection is lost, after which held() is false until try_acquire() succeeds again.
/// Thread-safe.
class Lease {
 public:
  virtual ~Lease() = default;
  /// Takes the claim if no other handle holds it. True while this object holds it.
  virtual bool try_acquire() = 0;
  virtual bool held() const = 0;
};

/// How much of other transactions a transaction may see (PostgreSQL; SQLite has one writer at a
/// time, so every transaction there is serializable).
enum class Isolation {
  /// As if transactions ran one after another: what a transaction read still holds when it
  /// commits (PostgreSQL SERIALIZABLE; conflicts rerun it).
  serializable,
  /// Each statement sees what committed before it (PostgreSQL READ COMMITTED): for a
  /// transaction whose rules are kept by row locks and unique keys alone. A row another
  /// transaction inserted with the same unique key at the same time (SQLSTATE 23505) reruns it.
  read_committed,
};

/// One connection. Not thread-safe: StateDb's mutex guards it (except lease objects, which
/// lock it themselves when they use it).
class Database {
 public:
  virtual ~Database() = default;

  virtual StateEngine engine() const noexcept = 0;
  /// Runs SQL without parameters or results (may hold several statements).
  virtual void exec(const std::string &sql) = 0;
  /// Runs fn as one transaction (SQLite: BEGIN IMMEDIATE, one writer at a time; PostgreSQL:
  /// `isolation`). Rolls back and rethrows on failure; on RetryTransaction runs fn again from
  /// its start until [state] busy_timeout_ms has passed, so fn must set its results anew.
  template <class Fn>
  void transaction(Fn &&fn, Isolation isolation = Isolation::serializable) {
    const auto deadline = std::chrono::steady_clock::now() + retry_window();
    for (;;) {
      begin(isolation);
      try {
        fn();
        commit();
        return;
      } catch (const RetryTransaction &) {
        rollback();
        if (std::chrono::steady_clock::now() >= deadline) throw;
      } catch (...) {
        rollback();
        throw;
      }
    }
  }
  /// Rows changed by the last INSERT, UPDATE or DELETE.
  virtual std::int64_t changes() const noexcept = 0;
  /// Throws Error(ECKID_E_STATE): what, the database's name(), the engine's message and what
  /// to do.
  [[noreturn]] virtual void fail(const std::string &what) const = 0;
  /// The database for messages: the file's path, or "PostgreSQL database D on H:P, schema S"
  /// (never a password).
  virtual std::string name() const = 0;

  /// This handle's name among all handles on the state (32 hex digits, random per open); an
  /// outbox claim carries it (Outbox::next_due()).
  virtual const std::string &owner() const noexcept = 0;
  /// Whether the handle named `owner` is still open (its process alive and, for PostgreSQL,
  /// its connection up). A name no handle of this plugin could have is not open. Never throws:
  /// what cannot be checked counts as open.
  virtual bool handle_open(const std::string &owner) noexcept = 0;
  /// An exclusive claim named `name` (e.g. "onboarding") among the handles on this state.
  virtual std::unique_ptr<Lease> lease(const std::string &name) = 0;
  /// Inside a transaction that adds events of one pupil: waits until no other transaction adds
  /// events of `pupil_key`, so event ids follow their commit order per pupil (the outbox's
  /// per-pupil order). SQLite: nothing (one writer at a time).
  virtual void lock_pupil(std::string_view pupil_key) = 0;
  /// After rows were deleted for privacy (Store::forget()): makes them unreadable on disk where
  /// the engine allows it now (SQLite: empties the WAL journal). Best effort; never throws.
  virtual void scrub_deleted() noexcept = 0;

  /// A statement's cursor: parameters bound by number (1-based), then rows read by column
  /// (0-based).
  class Cursor {
   public:
    virtual ~Cursor() = default;
    virtual void bind(int i, std::string_view v) = 0;
    virtual void bind(int i, std::int64_t v) = 0;
    virtual void bind_blob(int i, const void *data, std::size_t size) = 0;
    virtual void bind_null(int i) = 0;
    /// Runs the statement on the first call; true while a row is available.
    virtual bool step() = 0;
    virtual std::string text(int col) const = 0;
    virtual std::string blob(int col) const = 0;
    virtual std::int64_t integer(int col) const = 0;
    virtual bool is_null(int col) const = 0;
  };

  /// A statement, released on scope exit.
  class Statement {
   public:
    Statement(Database &db, const std::string &sql) : cursor_(db.prepare(sql)) {}
    Statement &bind(int i, std::string_view v) {
      cursor_->bind(i, v);
      return *this;
    }
    Statement &bind(int i, const char *v) { return bind(i, std::string_view(v)); }
    Statement &bind(int i, const std::string &v) { return bind(i, std::string_view(v)); }
    Statement &bind(int i, std::int64_t v) {
      cursor_->bind(i, v);
      return *this;
    }
    Statement &bind_blob(int i, const void *data, std::size_t size) {
      cursor_->bind_blob(i, data, size);
      return *this;
    }
    Statement &bind_null(int i) {
      cursor_->bind_null(i);
      return *this;
    }
    bool step() { return cursor_->step(); }
    std::string text(int col) const { return cursor_->text(col); }
    std::string blob(int col) const { return cursor_->blob(col); }
    std::int64_t integer(int col) const { return cursor_->integer(col); }
    bool is_null(int col) const { return cursor_->is_null(col); }

   private:
    std::unique_ptr<Cursor> cursor_;
  };

 protected:
  virtual std::unique_ptr<Cursor> prepare(const std::string &sql) = 0;
  virtual void begin(Isolation isolation) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  /// How long transaction() runs a function again ([state] busy_timeout_ms).
  virtual std::chrono::milliseconds retry_window() const noexcept = 0;
};

/// A new handle name for Database::owner(): 16 random bytes (OpenSSL RAND_bytes) as 32
/// lowercase hex digits. Throws Error(ECKID_E_CRYPTO) without random bytes.
std::string new_handle_name();
/// Whether `name` has the form new_handle_name() gives (claims in other forms are no handle's).
bool is_handle_name(std::string_view name) noexcept;

/// Opens the state database of `config` ([state] url: PostgreSQL, else SQLite in [state]
/// directory, which must exist: StateDb prepares it) and migrates its schema (store/schema.hpp).
/// Throws Error(ECKID_E_STATE) naming the database, what failed and what to do.
std::unique_ptr<Database> open_database(const StateConfig &config, const Logger &logger);

}  // namespace eckid
