#include "store/database.hpp"

#include "config/config.hpp"
#include "store/pg_database.hpp"
#include "store/sqlite_database.hpp"

namespace eckid {

std::unique_ptr<Database> open_database(const StateConfig &config, const Logger &logger) {
  if (config.url.empty()) return open_sqlite_database(config);
  return open_pg_database(config, logger);
}

}  // namespace eckid
