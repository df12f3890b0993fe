// A test's own connection to a plugin state (state_engine.hpp), beside the plugin, to check what
// the plugin stored or to damage it: SQLite's eckid.db in the state folder, or the state's schema
// in PostgreSQL through libpq as the plugin's role. One SQL text for both engines (their common
// SQL), parameters ?1, ?2, ... (PostgreSQL gets $1, $2, ...). Not thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "state_engine.hpp"

namespace eckid_events {

class StateDb {
 public:
  /// The state of a configuration in `dir` with the default state folder: SQLite's
  /// dir/state/eckid.db when `postgres` is empty, else schema_for(dir) at `postgres`. Throws
  /// std::runtime_error when it cannot connect.
  StateDb(const std::filesystem::path &dir, const PostgresTarget &postgres);
  ~StateDb();
  StateDb(const StateDb &) = delete;
  StateDb &operator=(const StateDb &) = delete;

  bool postgresql() const noexcept;
  /// The rows of a query, each column as text ("" for NULL). Throws std::runtime_error with
  /// the statement and the engine's message.
  std::vector<std::vector<std::string>> rows(const std::string &sql,
                                             const std::vector<std::string> &params = {});
  /// Runs statements without results. Throws std::runtime_error as rows() does.
  void exec(const std::string &sql);
  /// PostgreSQL: every row of every table of the schema as text, bytea in its escape form (so
  /// text stored in one shows as itself). SQLite: "" (its files are searched instead,
  /// state_holds()).
  std::string all_rows();

 private:
  struct Engine;
  std::unique_ptr<Engine> engine_;
};

/// True when the state of a configuration in `dir` holds the text anywhere: in any file of its
/// state folder (SQLite: the database, its journal and free pages; both: the outbox key, lock
/// files) and, on PostgreSQL, in any row of its schema. The server's own files are not
/// searched: a deleted row stays in them until the server reuses the space.
bool state_holds(const std::filesystem::path &dir, const PostgresTarget &postgres,
                 const std::string &text);

}  // namespace eckid_events
