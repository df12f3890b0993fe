// The SQLite engine of the state database: eckid.db in [state] directory.
#pragma once

#include <memory>

#include "store/database.hpp"

namespace eckid {

/// Opens (creating the file 0600 when missing; the folder must exist:
/// prepare_state_directory()) and migrates `config.directory`/eckid.db: WAL journal,
/// synchronous=FULL, foreign keys on, secure_delete on (freed pages are zeroed). Safe for any
/// number of processes and handles opening the same (fresh) folder at once: the WAL switch waits up
/// to the busy timeout, and the migration runs in one BEGIN IMMEDIATE transaction that reads
/// user_version inside it. A statement that meets another process's lock is retried about every
/// millisecond until [state] busy_timeout_ms. Handles are told apart by lock files in
/// <directory>/claims (flock: a dead process's lock is gone with it). Throws Error(ECKID_E_STATE)
/// naming the file.
std::unique_ptr<Database> open_sqlite_database(const StateConfig &config);

}  // namespace eckid
