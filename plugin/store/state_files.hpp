// The state folder's files as seen from outside a connection: the database's name in the
// folder, the rule for a folder other users may access, and the schema version read without
// changing anything (for `eckid doctor`, plugin/check/state.cpp).
#pragma once

#include <filesystem>
#include <string>

namespace eckid {

class Logger;

/// The state database's file name inside [state] directory.
inline constexpr const char *kStateDatabaseFile = "eckid.db";

/// Creates [state] directory (and missing parents; the folder itself owner-only, 0700) when it
/// does not exist, and logs state_folder_warning() for it. Both engines need it: SQLite keeps
/// eckid.db there, and every engine the outbox key (outbox.key). Throws
/// Error(ECKID_E_STATE) naming the folder when it cannot be made.
void prepare_state_directory(const std::filesystem::path &directory, const Logger &logger);

/// The warning for a state folder that users other than its owner may access (any group or
/// other permission bit), or "" when only its owner may or its mode cannot be read. The
/// plugin logs it at open; `eckid doctor` reports it. Never throws except std::bad_alloc.
std::string state_folder_warning(const std::filesystem::path &directory);

/// What reading a state database's schema version without changing it found.
struct SchemaReading {
  enum class Outcome {
    read,    // version holds PRAGMA user_version
    busy,    // another connection held a lock longer than the busy timeout
    failed,  // not readable as an SQLite database: error says why (SQLite's message)
  };
  Outcome outcome = Outcome::failed;
  int version = 0;
  std::string error;
};

/// Reads PRAGMA user_version of the database `file` (which must exist) read-only: never
/// creates, migrates or writes anything and never takes a write lock. A database in WAL mode
/// whose -wal and -shm files exist (a connection is open, or one was not closed) is read
/// through them, waiting up to busy_timeout_ms (ms) for a lock; without them it is opened
/// immutable, so no -wal or -shm file is made (a read-only connection would create both and
/// leave them, owned by the user who ran it). Never throws except std::bad_alloc.
/// Thread-safe (its own connection).
SchemaReading read_schema_version(const std::filesystem::path &file, long busy_timeout_ms);

}  // namespace eckid
