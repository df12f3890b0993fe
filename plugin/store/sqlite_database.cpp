#include "store/sqlite_database.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "config/config.hpp"
#include "store/schema.hpp"
#include "store/state_files.hpp"
#include "store/state_lease.hpp"
#include "util/error.hpp"

namespace eckid {

namespace {

// PostgreSQL's strpos(text, search) and chr(code), which the common SQL of the tables uses
// (store/database.hpp) and SQLite lacks (it has instr and char).
void sql_strpos(sqlite3_context *context, int, sqlite3_value **argv) {
  const auto *text = reinterpret_cast<const char *>(sqlite3_value_text(argv[0]));
  const auto *search = reinterpret_cast<const char *>(sqlite3_value_text(argv[1]));
  if (text == nullptr || search == nullptr) {
    sqlite3_result_null(context);
    return;
  }
  // UTF-8 text: count characters up to the match (1-based; 0 when absent), as strpos does.
  const char *found = std::strstr(text, search);
  if (found == nullptr) {
    sqlite3_result_int64(context, 0);
    return;
  }
  std::int64_t position = 1;
  for (const char *p = text; p < found; ++p) position += (*p & 0xC0) != 0x80 ? 1 : 0;
  sqlite3_result_int64(context, position);
}

void sql_chr(sqlite3_context *context, int, sqlite3_value **argv) {
  const sqlite3_int64 code = sqlite3_value_int64(argv[0]);
  if (code < 1 || code > 127) {
    sqlite3_result_error(context, "chr(): only ASCII codes 1-127 are used", -1);
    return;
  }
  const char c = static_cast<char>(code);
  sqlite3_result_text(context, &c, 1, SQLITE_TRANSIENT);
}

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(const StateConfig &config)
      : path_(config.directory / kStateDatabaseFile),
        claims_(config.directory / "claims"),
        owner_(new_handle_name()),
        busy_timeout_(config.busy_timeout_ms) {
    const mode_t old_mask = ::umask(077);
    const int rc = sqlite3_open_v2(
        path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
        nullptr);
    ::umask(old_mask);
    try {
      if (rc != SQLITE_OK) fail("cannot open the state database");
      // The busy handler first: every later statement may meet another process opening the
      // same folder at this moment.
      sqlite3_busy_handler(db_, &SqliteDatabase::busy_wait, this);
      constexpr int kFlags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
      sqlite3_create_function_v2(db_, "strpos", 2, kFlags, nullptr, sql_strpos, nullptr, nullptr,
                                 nullptr);
      sqlite3_create_function_v2(db_, "chr", 1, kFlags, nullptr, sql_chr, nullptr, nullptr,
                                 nullptr);
      use_wal(config.busy_timeout_ms);
      exec("PRAGMA synchronous=FULL");
      exec("PRAGMA foreign_keys=ON");
      exec("PRAGMA secure_delete=ON");
      migrate();
      open_claims();
    } catch (...) {
      sqlite3_close_v2(db_);
      throw;
    }
  }
  ~SqliteDatabase() override { sqlite3_close_v2(db_); }

  StateEngine engine() const noexcept override { return StateEngine::sqlite; }

  void exec(const std::string &sql) override {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      fail("cannot read or write the state database");
    }
  }

  std::int64_t changes() const noexcept override { return sqlite3_changes64(db_); }

  [[noreturn]] void fail(const std::string &what) const override {
    throw Error(ECKID_E_STATE, what + " " + path_.string() + ": " +
                                   (db_ ? sqlite3_errmsg(db_) : "out of memory") +
                                   "; check free disk space and the permissions of [state] "
                                   "directory, or restore the file from a backup");
  }

  std::string name() const override { return path_.string(); }
  const std::string &owner() const noexcept override { return owner_; }

  bool handle_open(const std::string &owner) noexcept override {
    // A name this plugin wrote names a lock file; anything else is no handle's.
    return is_handle_name(owner) && StateLease::held_elsewhere(claims_ / (owner + ".lock"));
  }

  std::unique_ptr<Lease> lease(const std::string &name) override {
    return std::make_unique<StateLease>(path_.parent_path() / (name + ".lock"));
  }

  void lock_pupil(std::string_view) override {}  // BEGIN IMMEDIATE: one writer at a time

  // The deleted rows are zeroed in eckid.db (secure_delete), but the journal (eckid.db-wal)
  // still holds the pages written before: copy them back and empty it. Best effort: when
  // another connection is reading, the journal is emptied at a later checkpoint.
  void scrub_deleted() noexcept override {
    sqlite3_exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  }

 protected:
  std::unique_ptr<Cursor> prepare(const std::string &sql) override;
  void begin(Isolation) override { exec("BEGIN IMMEDIATE"); }  // one writer: serializable
  void commit() override { exec("COMMIT"); }
  void rollback() noexcept override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }
  std::chrono::milliseconds retry_window() const noexcept override { return busy_timeout_; }

 private:
  class SqliteCursor;
  static int busy_wait(void *self, int tries) noexcept;
  void use_wal(long busy_timeout_ms);
  void migrate();
  void open_claims();

  std::filesystem::path path_;
  std::filesystem::path claims_;  // <state directory>/claims
  std::string owner_;
  sqlite3 *db_ = nullptr;
  std::chrono::milliseconds busy_timeout_;
  std::chrono::steady_clock::time_point busy_since_;  // of the wait busy_wait is in
  /// claims/<owner_>.lock, held while this handle is open: other handles see it alive.
  std::unique_ptr<StateLease> alive_;
};

// SQLite's own busy timeout sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms between
// tries and is not woken when the lock is freed: a writer that meets another process's commit
// (held for a few ms) waited up to 100 ms per try (outbox_process_bench: acceptance p99 of
// about 105 ms with three processes on one folder). Here every try waits 1 ms until the busy
// timeout has passed (sqlite3_busy_handler: nonzero tries again, 0 gives SQLITE_BUSY). The
// connection is used by one thread at a time (class comment), so busy_since_ is not shared.
int SqliteDatabase::busy_wait(void *self, int tries) noexcept {
  auto &db = *static_cast<SqliteDatabase *>(self);
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
void SqliteDatabase::use_wal(long busy_timeout_ms) {
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
void SqliteDatabase::migrate() {
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
    for (int v = current; v < kStateSchemaVersion; ++v)
      exec(state_migration(static_cast<std::size_t>(v), StateEngine::sqlite));
    if (current < kStateSchemaVersion) {
      exec("PRAGMA user_version = " + std::to_string(kStateSchemaVersion));
    }
  });
}

// claims/<owner>.lock, held while this handle is open; lock files left by handles that are
// gone (a process that died) are removed.
void SqliteDatabase::open_claims() {
  std::error_code ec;
  std::filesystem::create_directory(claims_, ec);
  if (!ec) {
    std::filesystem::permissions(claims_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  if (ec) {
    throw Error(ECKID_E_STATE, "cannot create " + claims_.string() + ": " + ec.message() +
                                   "; check that the state directory is writable");
  }
  for (const auto &entry : std::filesystem::directory_iterator(claims_, ec)) {
    if (entry.path().extension() == ".lock") StateLease::held_elsewhere(entry.path());
  }
  alive_ = StateLease::create_held(claims_ / (owner_ + ".lock"));
}

class SqliteDatabase::SqliteCursor final : public Cursor {
 public:
  SqliteCursor(SqliteDatabase &db, const std::string &sql) : db_(db) {
    if (sqlite3_prepare_v2(db.db_, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      db.fail("cannot read the state database (is it damaged?)");
    }
  }
  ~SqliteCursor() override { sqlite3_finalize(stmt_); }

  void bind(int i, std::string_view v) override {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  void bind(int i, std::int64_t v) override { check(sqlite3_bind_int64(stmt_, i, v)); }
  void bind_blob(int i, const void *data, std::size_t size) override {
    check(sqlite3_bind_blob(stmt_, i, data, static_cast<int>(size), SQLITE_TRANSIENT));
  }
  void bind_null(int i) override { check(sqlite3_bind_null(stmt_, i)); }

  bool step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_.fail("cannot read or write the state database");
  }
  std::string text(int col) const override {
    const auto *p = sqlite3_column_text(stmt_, col);
    return p ? reinterpret_cast<const char *>(p) : "";
  }
  std::string blob(int col) const override {
    const auto *p = static_cast<const char *>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : "";
  }
  std::int64_t integer(int col) const override { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) db_.fail("cannot bind a value for");
  }
  SqliteDatabase &db_;
  sqlite3_stmt *stmt_ = nullptr;
};

std::unique_ptr<Database::Cursor> SqliteDatabase::prepare(const std::string &sql) {
  return std::make_unique<SqliteCursor>(*this, sql);
}

}  // namespace

std::unique_ptr<Database> open_sqlite_database(const StateConfig &config) {
  return std::make_unique<SqliteDatabase>(config);
}

}  // namespace eckid
