// The state database and its one owner: every table of it (pupil records, the outbox,
// onboarding) is read and written through the one connection and the one lock held here, by
// the table classes built on it (SqlStore, Outbox, OnboardTable). Opening it creates and
// migrates the schema once (store/schema.hpp), in SQLite or PostgreSQL (store/database.hpp).
#pragma once

#include <memory>
#include <mutex>

#include "config/config.hpp"
#include "log/logger.hpp"
#include "store/database.hpp"
#include "store/state_files.hpp"

namespace eckid {

/// Owns the connection to the state database (open_database(): `[state] directory`/eckid.db,
/// or PostgreSQL at `[state] url`) and the mutex that guards it. A table class locks mutex()
/// for each of its statements or transactions, so that the statements of all tables of one
/// handle run one at a time on one connection and a transaction sees every write before it
/// (other processes and machines are kept apart by the engine: SQLite's locking, PostgreSQL's
/// serializable transactions, `busy_timeout_ms`). Throws eckid::Error(ECKID_E_STATE) naming
/// the database when it cannot be opened. Thread-safe through mutex(); outlives every table
/// built on it.
class StateDb {
 public:
  StateDb(const StateConfig &config, const Logger &logger) : directory_(config.directory) {
    prepare_state_directory(directory_, logger);
    db_ = open_database(config, logger);
  }
  StateDb(const StateDb &) = delete;
  StateDb &operator=(const StateDb &) = delete;

  /// The state directory ([state] directory; with PostgreSQL it holds outbox.key only).
  const std::filesystem::path &directory() const noexcept { return directory_; }
  /// The connection; use it only while holding mutex().
  Database &database() noexcept { return *db_; }
  std::mutex &mutex() noexcept { return mutex_; }

 private:
  std::filesystem::path directory_;
  std::unique_ptr<Database> db_;
  std::mutex mutex_;
};

}  // namespace eckid
