// PostgreSQL engine: the state in the database at [state] url, in the schema [state] schema,
// through libpq. One connection per handle; a lost connection is made again (PQreset) until
// [state] busy_timeout_ms has passed. Transactions are SERIALIZABLE; serialization failures,
// deadlocks and a connection lost inside a transaction run it again (RetryTransaction).
// Locks among handles are advisory locks in three key spaces derived from the schema name:
// owners (one session lock per open handle, for handle_open()), leases (session locks) and
// pupils (transaction locks, lock_pupil()).
#pragma once

#include <memory>

#include "store/database.hpp"

namespace eckid {

/// Connects to [state] url with the password of [state] password_file or password_env (or
/// libpq's own ways when both are empty), creates the schema when missing and migrates it
/// (store/schema.hpp), several processes at once taking turns. Throws Error(ECKID_E_STATE)
/// naming the database (never the password), what failed and what to do: a url holding a
/// password, an invalid schema name, an unreadable password, an unreachable server, a refused
/// login, missing rights, a schema newer than this plugin's. The Database and its leases are
/// thread-safe among themselves (one internal mutex), but statements follow Database's rule.
std::unique_ptr<Database> open_pg_database(const StateConfig &config, const Logger &logger);

}  // namespace eckid
