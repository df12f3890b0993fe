#include "store/database.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include "log/logger.hpp"
#include "store/schema.hpp"
#include "util/error.hpp"

namespace eckid {

namespace {

void prepare_directory(const std::filesystem::path &dir, const Logger &logger) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) {
      throw Error(ECKID_E_STATE, "cannot create the state directory " + dir.string() + ": " +
                                     ec.message() + "; create it or set [state] directory");
    }
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  const auto perms = fs::status(dir, ec).permissions();
  if (!ec && (perms & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
    logger.warn("the state directory " + dir.string() +
                " is readable by other users; restrict it (chmod 700)");
  }
}

}  // namespace

Database::Database(const std::filesystem::path &directory, long busy_timeout_ms,
                   const Logger &logger)
    : path_(directory / "eckid.db") {
  prepare_directory(directory, logger);
  const mode_t old_mask = ::umask(077);
  const int rc =
      sqlite3_open_v2(path_.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  ::umask(old_mask);
  try {
    if (rc != SQLITE_OK) fail("cannot open the state database");
    sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout_ms));
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=ON");
    exec("PRAGMA secure_delete=ON");
    migrate();
  } catch (...) {
    sqlite3_close_v2(db_);
    throw;
  }
}

Database::~Database() {
  sqlite3_close_v2(db_);
}

void Database::fail(const std::string &what) const {
  throw Error(ECKID_E_STATE, what + " " + path_.string() + ": " +
                                 (db_ ? sqlite3_errmsg(db_) : "out of memory") +
                                 "; check free disk space and the permissions of [state] "
                                 "directory, or restore the file from a backup");
}

void Database::exec(const char *sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail("cannot read or write the state database");
  }
}

void Database::rollback() noexcept {
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

int Database::changes() const noexcept {
  return sqlite3_changes(db_);
}

void Database::migrate() {
  Statement version(*this, "PRAGMA user_version");
  version.step();
  const int current = static_cast<int>(version.integer(0));
  if (current > kStateSchemaVersion) {
    throw Error(ECKID_E_STATE, "the state database " + path_.string() + " has schema version " +
                                   std::to_string(current) + ", newer than this plugin's " +
                                   std::to_string(kStateSchemaVersion) +
                                   "; install the newer plugin again");
  }
  for (int v = current; v < kStateSchemaVersion; ++v) {
    transaction([&] {
      exec(kStateMigrations[v]);
      exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
    });
  }
}

Database::Statement::Statement(Database &db, const char *sql) : db_(db) {
  if (sqlite3_prepare_v2(db.db_, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
    db.fail("cannot read the state database (is it damaged?)");
  }
}

Database::Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Database::Statement::check(int rc) {
  if (rc != SQLITE_OK) db_.fail("cannot bind a value for");
}

Database::Statement &Database::Statement::bind(int i, std::string_view v) {
  check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  return *this;
}

Database::Statement &Database::Statement::bind(int i, std::int64_t v) {
  check(sqlite3_bind_int64(stmt_, i, v));
  return *this;
}

Database::Statement &Database::Statement::bind_blob(int i, const void *data, std::size_t size) {
  check(sqlite3_bind_blob(stmt_, i, data, static_cast<int>(size), SQLITE_TRANSIENT));
  return *this;
}

Database::Statement &Database::Statement::bind_null(int i) {
  check(sqlite3_bind_null(stmt_, i));
  return *this;
}

bool Database::Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail("cannot read or write the state database");
}

std::string Database::Statement::text(int col) const {
  const auto *p = sqlite3_column_text(stmt_, col);
  return p ? reinterpret_cast<const char *>(p) : "";
}

std::string Database::Statement::blob(int col) const {
  const auto *p = static_cast<const char *>(sqlite3_column_blob(stmt_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : "";
}

std::int64_t Database::Statement::integer(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

bool Database::Statement::is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

}  // namespace eckid
