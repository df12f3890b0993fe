#include "store/pg_database.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "store/pg_connection.hpp"
#include "store/pg_sql.hpp"
#include "store/schema.hpp"
#include "util/error.hpp"

namespace eckid {

namespace {

using pg::Result;

class PgDatabase final : public Database {
 public:
  PgDatabase(const StateConfig &config, const Logger &logger) : conn_(config, logger) { migrate(); }

  StateEngine engine() const noexcept override { return StateEngine::postgresql; }
  void exec(const std::string &sql) override { conn_.run(sql, nullptr); }
  std::int64_t changes() const noexcept override { return conn_.changes(); }
  [[noreturn]] void fail(const std::string &what) const override { conn_.fail(what); }
  std::string name() const override { return conn_.name(); }
  const std::string &owner() const noexcept override { return conn_.owner(); }
  bool handle_open(const std::string &other) noexcept override;
  std::unique_ptr<Lease> lease(const std::string &lease_name) override;
  void lock_pupil(std::string_view pupil_key) override;
  // Deleted rows stay in the table's pages until VACUUM reuses their space (autovacuum or the
  // administrator's); an ordinary connection cannot make that happen now, so nothing here.
  void scrub_deleted() noexcept override {}

 protected:
  std::unique_ptr<Cursor> prepare(const std::string &sql) override;
  void begin(Isolation isolation) override {
    conn_.begin(isolation == Isolation::serializable ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                                                     : "BEGIN ISOLATION LEVEL READ COMMITTED");
  }
  void commit() override { conn_.commit(); }
  void rollback() noexcept override { conn_.rollback(); }
  std::chrono::milliseconds retry_window() const noexcept override { return conn_.retry_window(); }

 private:
  void migrate();
  void migrate_schema();  // inside migrate()'s transaction

  pg::Connection conn_;
};

class PgCursor final : public Database::Cursor {
 public:
  PgCursor(pg::Connection &db, const std::string &sql)
      : db_(db), sql_(pg::dollar_parameters(sql)) {}
  void bind(int i, std::string_view v) override { params_.text(i, v); }
  void bind(int i, std::int64_t v) override { params_.integer(i, v); }
  void bind_blob(int i, const void *data, std::size_t size) override {
    params_.bytes(i, data, size);
  }
  void bind_null(int i) override { params_.null(i); }
  bool step() override {
    if (!result_) result_ = db_.run(sql_, &params_);
    if (row_ < PQntuples(result_.get())) ++row_;
    return row_ < PQntuples(result_.get());
  }
  std::string text(int col) const override {
    return present(col) ? PQgetvalue(result_.get(), row_, col) : "";
  }
  std::string blob(int col) const override {
    return present(col) ? pg::bytes_value(result_.get(), row_, col) : "";
  }
  std::int64_t integer(int col) const override {
    return present(col) ? pg::integer_value(result_.get(), row_, col) : 0;
  }
  bool is_null(int col) const override {
    return !present(col) || PQgetisnull(result_.get(), row_, col) != 0;
  }

 private:
  bool present(int col) const {
    return result_ && row_ >= 0 && row_ < PQntuples(result_.get()) && col >= 0 &&
           col < PQnfields(result_.get());
  }

  pg::Connection &db_;
  std::string sql_;
  pg::Params params_;
  Result result_;
  int row_ = -1;
};

// A session advisory lock in the lease key space, on the handle's connection. Must not
// outlive the Database.
class PgLease final : public Lease {
 public:
  PgLease(pg::Connection &db, std::string name) : db_(db), name_(std::move(name)) {}
  ~PgLease() override {
    std::lock_guard lock(db_.mutex());
    const std::uint64_t epoch = held_epoch_.load();
    if (epoch != 0) {
      try {
        db_.run_if_connected("SELECT pg_advisory_unlock($1::int4, hashtext($2))", params(), epoch);
      } catch (...) {
        // Out of memory: the lock goes with the session.
      }
    }
  }
  PgLease(const PgLease &) = delete;
  PgLease &operator=(const PgLease &) = delete;

  bool try_acquire() override {
    std::lock_guard lock(db_.mutex());
    if (held()) return true;  // taking it again would stack a second hold on the session
    const pg::Params p = params();
    const Result r = db_.run("SELECT pg_try_advisory_lock($1::int4, hashtext($2))", &p);
    const bool got = pg::integer_value(r.get(), 0, 0) == 1;
    held_epoch_ = got ? db_.epoch() : 0;
    return got;
  }
  bool held() const override {
    const std::uint64_t epoch = held_epoch_.load();
    return epoch != 0 && epoch == db_.epoch();
  }

 private:
  pg::Params params() const {
    pg::Params p;
    p.integer(1, db_.keys().lease);
    p.text(2, name_);
    return p;
  }

  pg::Connection &db_;
  const std::string name_;
  std::atomic<std::uint64_t> held_epoch_{0};  // the epoch it was taken in; 0: not held
};

std::unique_ptr<Database::Cursor> PgDatabase::prepare(const std::string &sql) {
  return std::make_unique<PgCursor>(conn_, sql);
}

bool PgDatabase::handle_open(const std::string &other) noexcept {
  if (!is_handle_name(other)) return false;
  if (other == conn_.owner()) return true;
  try {
    pg::Params p;
    p.integer(1, conn_.keys().owner);
    p.text(2, other);
    // pg_locks shows a two-key advisory lock as classid = key 1, objid = key 2 (as oid:
    // negative keys wrap to 2^32 + key, as the int4 -> oid cast does) and objsubid = 2.
    const Result r = conn_.run(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
        "database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND "
        "classid = $1::int4::oid AND objid = hashtext($2)::oid AND objsubid = 2)",
        &p);
    return pg::integer_value(r.get(), 0, 0) == 1;
  } catch (...) {
    return true;
  }
}

std::unique_ptr<Lease> PgDatabase::lease(const std::string &lease_name) {
  return std::make_unique<PgLease>(conn_, lease_name);
}

void PgDatabase::lock_pupil(std::string_view pupil_key) {
  pg::Params p;
  p.integer(1, conn_.keys().pupil);
  p.text(2, pupil_key);
  conn_.run("SELECT pg_advisory_xact_lock($1::int4, hashtext($2))", &p);
}

// Several processes opening a fresh database at once take turns (a transaction lock), and
// each reads the version after the one before it committed (READ COMMITTED: every statement
// sees what committed before it began).
void PgDatabase::migrate() {
  transaction([&] { migrate_schema(); }, Isolation::read_committed);
}

void PgDatabase::migrate_schema() {
  const std::string &name = conn_.schema();
  pg::Params schema;
  schema.text(1, name);
  conn_.run("SELECT pg_advisory_xact_lock(hashtext('eckid-migration:' || $1))", &schema);
  // CREATE SCHEMA IF NOT EXISTS needs the CREATE right on the database even when the schema
  // exists (made by an administrator for a role without that right): asked first.
  if (PQntuples(conn_.run("SELECT 1 FROM pg_namespace WHERE nspname = $1", &schema).get()) == 0) {
    try {
      conn_.run("CREATE SCHEMA \"" + name + "\"", nullptr);
    } catch (const Error &) {
      if (conn_.last_sqlstate() != "42501") throw;
      throw Error(ECKID_E_STATE, "the role of [state] url may not create schema " + name + " in " +
                                     conn_.name() + " (" + conn_.last_error() +
                                     "); create it as the database's owner (CREATE SCHEMA " + name +
                                     " AUTHORIZATION <role>) or grant the role CREATE "
                                     "on the database");
    }
  }
  const std::string exists =
      "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname "
      "= $1 AND c.relname = 'schema_version'";
  if (PQntuples(conn_.run(exists, &schema).get()) == 0) {
    conn_.run(
        "CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version "
        "VALUES (0)",
        nullptr);
  }
  const Result version = conn_.run("SELECT version FROM schema_version", nullptr);
  const std::int64_t current = pg::integer_value(version.get(), 0, 0);
  if (current > kStateSchemaVersion) {
    throw Error(ECKID_E_STATE, "the state database, " + conn_.name() + ", has schema version " +
                                   std::to_string(current) + ", newer than this plugin's " +
                                   std::to_string(kStateSchemaVersion) +
                                   "; install the newer plugin again");
  }
  for (auto v = static_cast<std::size_t>(current); v < std::size(kStateMigrations); ++v) {
    conn_.run(state_migration(v, StateEngine::postgresql), nullptr);
  }
  if (current < kStateSchemaVersion) {
    conn_.run("UPDATE schema_version SET version = " + std::to_string(kStateSchemaVersion),
              nullptr);
  }
}

}  // namespace

std::unique_ptr<Database> open_pg_database(const StateConfig &config, const Logger &logger) {
  return std::make_unique<PgDatabase>(config, logger);
}

}  // namespace eckid
