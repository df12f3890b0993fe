#include "store/database.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "log/logger.hpp"
#include "store/schema.hpp"
#include "store/state_files.hpp"
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
  if (const std::string warning = state_folder_warning(dir); !warning.empty()) {
    logger.warn(warning);
  }
}

}  // namespace

Database::Database(const std::filesystem::path &directory, long busy_timeout_ms,
                   const Logger &logger)
    : path_(directory / kStateDatabaseFile), busy_timeout_(busy_timeout_ms) {
  prepare_directory(directory, logger);
  const mode_t old_mask = ::umask(077);
  const int rc =
      sqlite3_open_v2(path_.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  ::umask(old_mask);
  try {
    if (rc != SQLITE_OK) fail("cannot open the state database");
    // The busy timeout first: every later statement may meet another process opening the
    // same folder at this moment.
    sqlite3_busy_handler(db_, &Database::busy_wait, this);
    use_wal(busy_timeout_ms);
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

// SQLite's own busy timeout sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms between
// tries and is not woken when the lock is freed: a writer that meets another process's commit
// (held for a few ms) waited up to 100 ms per try (outbox_process_bench: acceptance p99 of
// about 105 ms with three processes on one folder). Here every try waits 1 ms until the busy
// timeout has passed (sqlite3_busy_handler: nonzero tries again, 0 gives SQLITE_BUSY). The
// connection is used by one thread at a time (class comment), so busy_since_ is not shared.
int Database::busy_wait(void *self, int tries) noexcept {
  auto &db = *static_cast<Database *>(self);
  const auto now = std::chrono::steady_clock::now();
  if (tries == 0) db.busy_since_ = now;
  if (now - db.busy_since_ >= db.busy_timeout_) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 1;
}

// Switching a fresh file to WAL takes an exclusive lock; SQLite answers SQLITE_BUSY at once
// (without the busy handler) when another process holds a lock it cannot wait for safely, so
// the switch is retried until the busy timeout has passed. A file already in WAL mode is left
// alone (the query takes no write lock).
void Database::use_wal(long busy_timeout_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(busy_timeout_ms, 1L));
  for (;;) {
    bool wal = false;
    int rc = SQLITE_OK;
    {
      sqlite3_stmt *stmt = nullptr;
      rc = sqlite3_prepare_v2(db_, "PRAGMA journal_mode", -1, &stmt, nullptr);
      if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
          const auto *mode = reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0));
          wal = mode != nullptr && std::strcmp(mode, "wal") == 0;
          rc = SQLITE_OK;
        }
      }
      sqlite3_finalize(stmt);
    }
    if (rc == SQLITE_OK && wal) return;
    if (rc == SQLITE_OK) {
      // Read the mode back on the next round: SQLite may keep the old one without an error.
      rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    }
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
      fail("cannot switch to WAL mode");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      fail(
          "cannot switch to WAL mode (another process holds the database longer than [state] "
          "busy_timeout_ms)");
    }
    if (rc != SQLITE_OK) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// One BEGIN IMMEDIATE transaction reads user_version and applies the missing migrations:
// processes opening the same fresh folder at once take turns, and each later one finds the
// schema done (the version read inside the write lock, never a stale one from before it).
void Database::migrate() {
  transaction([&] {
    int current = 0;
    {
      Statement version(*this, "PRAGMA user_version");
      version.step();
      current = static_cast<int>(version.integer(0));
    }
    if (current > kStateSchemaVersion) {
      throw Error(ECKID_E_STATE, "the state database " + path_.string() + " has schema version " +
                                     std::to_string(current) + ", newer than this plugin's " +
                                     std::to_string(kStateSchemaVersion) +
                                     "; install the newer plugin again");
    }
    for (int v = current; v < kStateSchemaVersion; ++v) exec(kStateMigrations[v]);
    if (current < kStateSchemaVersion) {
      exec(("PRAGMA user_version = " + std::to_string(kStateSchemaVersion)).c_str());
    }
  });
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
