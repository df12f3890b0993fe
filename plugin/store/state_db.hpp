// The state database (eckid.db) and its one owner: every table of it (pupil records, the
// outbox, onboarding) is read and written through the one connection and the one lock held
// here, by the table classes built on it (SqliteStore, Outbox, OnboardTable). Opening it
// creates and migrates the schema once (store/schema.hpp).
#pragma once

#include <mutex>

#include "config/config.hpp"
#include "log/logger.hpp"
#include "store/database.hpp"

namespace eckid {

/// Owns the connection to `[state] directory`/eckid.db (Database: WAL, synchronous=FULL,
/// secure_delete) and the mutex that guards it. A table class locks mutex() for each of its
/// statements or transactions, so that the statements of all tables of one handle run one at
/// a time on one connection and a transaction sees every write before it (other processes on
/// the same folder are serialised by SQLite's own locking, `busy_timeout_ms`). Throws
/// eckid::Error(ECKID_E_STATE) naming the path when the database cannot be opened.
/// Thread-safe through mutex(); outlives every table built on it.
class StateDb {
 public:
  StateDb(const StateConfig &config, const Logger &logger)
      : directory_(config.directory), db_(config.directory, config.busy_timeout_ms, logger) {}
  StateDb(const StateDb &) = delete;
  StateDb &operator=(const StateDb &) = delete;

  /// The state directory ([state] directory).
  const std::filesystem::path &directory() const noexcept { return directory_; }
  /// The connection; use it only while holding mutex().
  Database &database() noexcept { return db_; }
  std::mutex &mutex() noexcept { return mutex_; }

 private:
  std::filesystem::path directory_;
  Database db_;
  std::mutex mutex_;
};

}  // namespace eckid
