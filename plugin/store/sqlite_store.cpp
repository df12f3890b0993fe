#include <sqlite3.h>
#include <sys/stat.h>

#include <ctime>
#include <mutex>

#include "store/store.hpp"
#include "util/error.hpp"

namespace eckid {

namespace {

// Each entry moves the schema from version i to i + 1. Never edit a shipped entry: add one.
constexpr const char *kMigrations[] = {
    R"sql(
CREATE TABLE pupil (
  school_key TEXT NOT NULL,
  pupil_key  TEXT NOT NULL,
  hpgn       TEXT NOT NULL,
  sector     TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (school_key, pupil_key)
);
CREATE TABLE pupil_eckid (
  school_key TEXT NOT NULL,
  pupil_key  TEXT NOT NULL,
  position   INTEGER NOT NULL,
  chain      TEXT NOT NULL,
  eckid      TEXT NOT NULL,
  PRIMARY KEY (school_key, pupil_key, chain),
  FOREIGN KEY (school_key, pupil_key) REFERENCES pupil (school_key, pupil_key)
    ON DELETE CASCADE
);
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

class SqliteStore final : public Store {
 public:
  SqliteStore(const StateConfig &config, const Logger &logger)
      : path_(config.directory / "eckid.db") {
    prepare_directory(config.directory, logger);
    const mode_t old_mask = ::umask(077);
    const int rc = sqlite3_open_v2(
        path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
        nullptr);
    ::umask(old_mask);
    try {
      if (rc != SQLITE_OK) fail("cannot open the state database");
      sqlite3_busy_timeout(db_, static_cast<int>(config.busy_timeout_ms));
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=FULL");
      exec("PRAGMA foreign_keys=ON");
      migrate();
    } catch (...) {
      sqlite3_close_v2(db_);
      throw;
    }
  }
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  std::optional<PupilRecord> find(std::string_view school_key,
                                  std::string_view pupil_key) override {
    std::lock_guard lock(mutex_);
    Statement pupil(*this,
                    "SELECT hpgn, sector, created_at, updated_at FROM pupil "
                    "WHERE school_key = ?1 AND pupil_key = ?2");
    pupil.bind(1, school_key).bind(2, pupil_key);
    if (!pupil.step()) return std::nullopt;
    PupilRecord r{std::string(school_key), std::string(pupil_key), pupil.text(0), pupil.text(1), {},
                  pupil.integer(2),        pupil.integer(3)};
    Statement ids(*this,
                  "SELECT chain, eckid FROM pupil_eckid WHERE school_key = ?1 AND pupil_key = ?2 "
                  "ORDER BY position");
    ids.bind(1, school_key).bind(2, pupil_key);
    while (ids.step()) r.eckids.emplace_back(ids.text(0), ids.text(1));
    return r;
  }

  void save(const PupilRecord &record) override {
    std::lock_guard lock(mutex_);
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    exec("BEGIN IMMEDIATE");
    try {
      Statement upsert(*this,
                       "INSERT INTO pupil (school_key, pupil_key, hpgn, sector, created_at, "
                       "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) "
                       "ON CONFLICT (school_key, pupil_key) DO UPDATE SET hpgn = excluded.hpgn, "
                       "sector = excluded.sector, updated_at = excluded.updated_at");
      upsert.bind(1, record.school_key).bind(2, record.pupil_key).bind(3, record.hpgn);
      upsert.bind(4, record.sector).bind(5, now);
      upsert.step();
      Statement clear(*this, "DELETE FROM pupil_eckid WHERE school_key = ?1 AND pupil_key = ?2");
      clear.bind(1, record.school_key).bind(2, record.pupil_key);
      clear.step();
      for (std::size_t i = 0; i < record.eckids.size(); ++i) {
        Statement add(*this,
                      "INSERT INTO pupil_eckid (school_key, pupil_key, position, chain, eckid) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)");
        add.bind(1, record.school_key).bind(2, record.pupil_key);
        add.bind(3, static_cast<std::int64_t>(i));
        add.bind(4, record.eckids[i].first).bind(5, record.eckids[i].second);
        add.step();
      }
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

 private:
  // A prepared statement, finalized on scope exit.
  class Statement {
   public:
    Statement(SqliteStore &store, const char *sql) : store_(store) {
      if (sqlite3_prepare_v2(store.db_, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
        store.fail("cannot prepare a statement");
      }
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &bind(int i, std::string_view v) {
      check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
      return *this;
    }
    Statement &bind(int i, std::int64_t v) {
      check(sqlite3_bind_int64(stmt_, i, v));
      return *this;
    }
    // True while a row is available.
    bool step() {
      const int rc = sqlite3_step(stmt_);
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      store_.fail("cannot read or write the state database");
    }
    std::string text(int col) const {
      const auto *p = sqlite3_column_text(stmt_, col);
      return p ? reinterpret_cast<const char *>(p) : "";
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

   private:
    void check(int rc) {
      if (rc != SQLITE_OK) store_.fail("cannot bind a value");
    }
    SqliteStore &store_;
    sqlite3_stmt *stmt_ = nullptr;
  };

  static void prepare_directory(const std::filesystem::path &dir, const Logger &logger) {
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
      std::filesystem::create_directories(dir, ec);
      if (ec) {
        throw Error(ECKID_E_STATE, "cannot create the state directory " + dir.string() + ": " +
                                       ec.message() + "; create it or set [state] directory");
      }
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    }
    const auto perms = std::filesystem::status(dir, ec).permissions();
    if (!ec && (perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) !=
                   std::filesystem::perms::none) {
      logger.warn("the state directory " + dir.string() +
                  " is readable by other users; restrict it (chmod 700)");
    }
  }

  [[noreturn]] void fail(const std::string &what) const {
    throw Error(ECKID_E_STATE, what + " " + path_.string() + ": " +
                                   (db_ ? sqlite3_errmsg(db_) : "out of memory") +
                                   "; check the disk, the permissions of [state] directory, or "
                                   "restore the file from a backup");
  }

  void exec(const char *sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail("cannot update");
  }

  void migrate() {
    Statement version(*this, "PRAGMA user_version");
    version.step();
    const int current = static_cast<int>(version.integer(0));
    if (current > kSchemaVersion) {
      throw Error(ECKID_E_STATE, "the state database " + path_.string() + " has schema version " +
                                     std::to_string(current) + ", newer than this plugin's " +
                                     std::to_string(kSchemaVersion) +
                                     "; install the newer plugin again");
    }
    for (int v = current; v < kSchemaVersion; ++v) {
      exec("BEGIN IMMEDIATE");
      try {
        exec(kMigrations[v]);
        exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
        exec("COMMIT");
      } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    }
  }

  std::filesystem::path path_;
  sqlite3 *db_ = nullptr;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const StateConfig &config, const Logger &logger) {
  return std::make_unique<SqliteStore>(config, logger);
}

}  // namespace eckid
