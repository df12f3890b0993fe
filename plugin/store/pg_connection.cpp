#include "store/pg_connection.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "config/config.hpp"
#include "store/database.hpp"
#include "util/encoding.hpp"
#include "util/error.hpp"
#include "util/secret.hpp"
#include "util/secure.hpp"

namespace eckid::pg {

namespace {

using namespace std::chrono_literals;

// libpq's message on one line: "a\n\tb\n" -> "a b".
std::string trimmed(const std::string &message) {
  std::string s;
  for (const char c : message) {
    if (c == '\n' || c == '\t') {
      if (!s.empty() && s.back() != ' ') s += ' ';
    } else {
      s += c;
    }
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string or_unknown(const char *s) {
  return s != nullptr && *s != '\0' ? s : "(default)";
}

std::string sqlstate(const PGresult *r) {
  const char *s = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  return s != nullptr ? s : "";
}

// [a-z_][a-z0-9_]{0,62}, and not pg_* (PostgreSQL's own). Quoted where used all the same, so
// a reserved word (e.g. "user") works too.
void check_schema(const std::string &schema) {
  const bool valid = !schema.empty() && schema.size() <= 63 &&
                     !(schema[0] >= '0' && schema[0] <= '9') && !schema.starts_with("pg_") &&
                     std::all_of(schema.begin(), schema.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                     });
  if (!valid) {
    throw Error(ECKID_E_STATE, "[state] schema \"" + schema +
                                   "\" is not a schema name this plugin can use; write 1 to 63 "
                                   "lowercase letters, digits and '_', not beginning with a "
                                   "digit or pg_");
  }
}

// [state] url must be a connection string without a password. libpq's parse error is not
// shown: it may quote the url, password and all.
void check_url(const std::string &url) {
  char *error = nullptr;
  PQconninfoOption *options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    throw Error(ECKID_E_STATE,
                "[state] url is not a PostgreSQL connection string; write it as "
                "postgresql://user@host:port/database or as key=value pairs (host=... "
                "dbname=... user=...)");
  }
  bool password = false;
  for (PQconninfoOption *o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (std::strcmp(o->keyword, "password") == 0 && *o->val != '\0') password = true;
    secure_clear(o->val, std::strlen(o->val));
  }
  PQconninfoFree(options);
  if (password) {
    throw Error(ECKID_E_STATE,
                "[state] url holds a password; remove it from the url and put it in the file "
                "named by [state] password_file or the environment variable named by [state] "
                "password_env");
  }
}

}  // namespace

Connection::Connection(const StateConfig &config, const Logger &logger)
    : logger_(logger),
      schema_(config.schema),
      owner_(new_handle_name()),
      retry_window_(std::max(config.busy_timeout_ms, 1L)) {
  check_schema(schema_);
  check_url(config.url);
  std::string problem;
  auto password = read_password(
      {config.password_file, "[state] password_file", config.password_env, "[state] password_env"},
      problem);
  if (!password) throw Error(ECKID_E_STATE, problem);
  // Ours first, so that the url may override them; the password last.
  const std::string timeout_s = std::to_string(std::max(2L, (config.busy_timeout_ms + 999) / 1000));
  const char *keys[] = {"application_name",
                        "connect_timeout",
                        "keepalives",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "dbname",
                        "password",
                        nullptr};
  const char *values[] = {
      "eckid", timeout_s.c_str(), "1", "10", "5", "3", config.url.c_str(), password->c_str(),
      nullptr};
  if (password->empty()) keys[7] = nullptr;
  conn_.reset(PQconnectdbParams(keys, values, 1));
  secure_clear(password->data(), password->size());
  if (!conn_) throw std::bad_alloc();
  PQsetNoticeProcessor(conn_.get(), &Connection::notice, this);
  name_ = "PostgreSQL database " + or_unknown(PQdb(conn_.get())) + " on " +
          or_unknown(PQhost(conn_.get())) + ":" + or_unknown(PQport(conn_.get())) + ", schema " +
          schema_;
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    throw Error(ECKID_E_STATE,
                "cannot connect to the state database, " + name_ + ": " +
                    trimmed(PQerrorMessage(conn_.get())) +
                    "; check [state] url, that the server runs and accepts connections from "
                    "this host (listen_addresses, pg_hba.conf), and the role's password ([state] "
                    "password_file or password_env)");
  }
  if (!set_up_session()) fail("cannot set up the connection to");
}

LockKeys Connection::keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

std::string Connection::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

std::string Connection::last_sqlstate() const {
  std::lock_guard lock(mutex_);
  return last_sqlstate_;
}

void Connection::fail(const std::string &what) const {
  throw Error(ECKID_E_STATE, what + " " + name_ + ": " + last_error() +
                                 "; check that the server runs and that the role of [state] url "
                                 "may use schema " +
                                 schema_ + " (USAGE and CREATE on it, and its tables)");
}

// A statement with parameters is prepared once per session (for its SQL and parameter types)
// and then only executed: a short statement took 128 us with PQexecParams and 52 us prepared
// on 127.0.0.1. Named statements outlive transactions, not the session: the cache is emptied
// at each reconnect. The tables name the columns they read, so a plan never meets a changed
// result type.
Result Connection::call(const std::string &sql, const Params *params) {
  if (params == nullptr) return Result(PQexec(conn_.get(), sql.c_str()));
  std::string key = sql;
  if (params->count() > 0) {
    key.append(reinterpret_cast<const char *>(params->types()),
               static_cast<std::size_t>(params->count()) * sizeof(Oid));
  }
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    if (prepared_.size() >= kMaxPrepared) {
      PQclear(PQexec(conn_.get(), "DEALLOCATE ALL"));
      prepared_.clear();
    }
    std::string statement = "eckid_" + std::to_string(++statements_made_);
    Result r(
        PQprepare(conn_.get(), statement.c_str(), sql.c_str(), params->count(), params->types()));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return r;
    it = prepared_.emplace(std::move(key), std::move(statement)).first;
  }
  return Result(PQexecPrepared(conn_.get(), it->second.c_str(), params->count(), params->values(),
                               params->lengths(), params->formats(), 0));
}

// The primary message and SQLSTATE only: a DETAIL may quote the row's values.
void Connection::note_error(const PGresult *r) {
  const char *primary = r != nullptr ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  last_sqlstate_ = sqlstate(r);
  const std::string &state = last_sqlstate_;
  last_error_ = primary != nullptr ? primary : trimmed(PQerrorMessage(conn_.get()));
  if (!state.empty()) last_error_ += " (SQLSTATE " + state + ")";
}

bool Connection::lost(const PGresult *r) const {
  if (PQstatus(conn_.get()) == CONNECTION_BAD) return true;
  const std::string state = sqlstate(r);
  // connection_exception (08...), admin_shutdown, crash_shutdown, cannot_connect_now
  return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03";
}

Result Connection::run(const std::string &sql, const Params *params) {
  std::lock_guard lock(mutex_);
  const auto deadline = Clock::now() + retry_window_;
  for (;;) {
    if (in_transaction_ && transaction_epoch_ != epoch_) {
      throw RetryTransaction("the connection to " + name_ + " was lost during a transaction (" +
                             last_error_ + ") and made again");
    }
    if (!in_transaction_ && !owner_locked_) retake_owner_lock();
    Result r = call(sql, params);
    const ExecStatusType status = PQresultStatus(r.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
      const std::string_view command = PQcmdStatus(r.get());
      if (command.starts_with("INSERT") || command.starts_with("UPDATE") ||
          command.starts_with("DELETE") || command.starts_with("MERGE")) {
        changes_ = std::atoll(PQcmdTuples(r.get()));
      }
      return r;
    }
    note_error(r.get());
    if (lost(r.get())) {
      ++epoch_;
      logger_.warn("lost the connection to the state database, " + name_ + " (" + last_error_ +
                   "); connecting again");
      reconnect(deadline);
      if (in_transaction_) {
        throw RetryTransaction("the connection to " + name_ +
                               " was lost during a transaction and made again");
      }
      continue;
    }
    const std::string state = sqlstate(r.get());
    if (state == "40001" || state == "40P01") {
      if (in_transaction_) {
        throw RetryTransaction("a transaction on " + name_ + " met concurrent ones (" +
                               last_error_ + ") and ran again until [state] busy_timeout_ms (" +
                               std::to_string(retry_window_.count()) +
                               " ms) had passed; raise busy_timeout_ms or lower the load");
      }
      if (Clock::now() < deadline) {  // alone, so nothing of it took effect
        std::this_thread::sleep_for(1ms);
        continue;
      }
    }
    if (state == "23505" && in_transaction_) {  // unique_violation (Isolation::read_committed)
      throw RetryTransaction("a transaction on " + name_ +
                             " kept adding a row whose key another transaction had just added (" +
                             last_error_ + ") until [state] busy_timeout_ms had passed");
    }
    fail("cannot read or write the state database,");
  }
}

void Connection::run_if_connected(const std::string &sql, const Params &params,
                                  std::uint64_t epoch) {
  std::lock_guard lock(mutex_);
  if (epoch == epoch_ && PQstatus(conn_.get()) == CONNECTION_OK) call(sql, &params);
}

// After every (re)connect: the schema, how long a statement waits for a lock ([state]
// busy_timeout_ms, as SQLite's busy timeout), the advisory lock keys of this schema and the
// owner lock that tells other handles this one is open.
bool Connection::set_up_session() {
  const std::string setup = "SET search_path TO \"" + schema_ +
                            "\"; SET lock_timeout = " + std::to_string(retry_window_.count());
  Result r = call(setup, nullptr);
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    note_error(r.get());
    return false;
  }
  Params p;
  p.text(1, schema_);
  p.text(2, owner_);
  r = call(
      "SELECT hashtext('eckid:' || $1), hashtext('eckid-lease:' || $1), "
      "hashtext('eckid-pupil:' || $1), pg_try_advisory_lock(hashtext('eckid:' || $1), "
      "hashtext($2))",
      &p);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    note_error(r.get());
    return false;
  }
  keys_.owner = static_cast<std::int32_t>(integer_value(r.get(), 0, 0));
  keys_.lease = static_cast<std::int32_t>(integer_value(r.get(), 0, 1));
  keys_.pupil = static_cast<std::int32_t>(integer_value(r.get(), 0, 2));
  owner_locked_ = integer_value(r.get(), 0, 3) == 1;
  return true;
}

// A session of this handle that the server has not noticed is gone (a network failure
// rather than a restart) still holds the owner lock: taken again before a later statement.
void Connection::retake_owner_lock() {
  Params p;
  p.integer(1, keys_.owner);
  p.text(2, owner_);
  const Result r = call("SELECT pg_try_advisory_lock($1::int4, hashtext($2))", &p);
  owner_locked_ = PQresultStatus(r.get()) == PGRES_TUPLES_OK && integer_value(r.get(), 0, 0) == 1;
}

void Connection::reconnect(Clock::time_point deadline) {
  auto pause = 50ms;
  for (;;) {
    PQreset(conn_.get());
    prepared_.clear();
    if (PQstatus(conn_.get()) == CONNECTION_OK && set_up_session()) {
      logger_.info("connected again to the state database, " + name_);
      return;
    }
    if (PQstatus(conn_.get()) != CONNECTION_OK) note_error(nullptr);
    const auto now = Clock::now();
    if (now >= deadline) {
      throw Error(ECKID_E_STATE,
                  "the state database, " + name_ + ", is unreachable: " + last_error_ +
                      "; tried again for [state] busy_timeout_ms (" +
                      std::to_string(retry_window_.count()) +
                      " ms); check that the server runs and accepts connections from this "
                      "host ([state] url, pg_hba.conf)");
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(1000));
  }
}

void Connection::begin(const char *sql) {
  std::unique_lock lock(mutex_);
  if (in_transaction_) {
    throw Error(ECKID_E_INTERNAL, "a transaction on " + name_ + " began inside another one");
  }
  run(sql, nullptr);
  in_transaction_ = true;
  transaction_epoch_ = epoch_;
  transaction_lock_ = std::move(lock);
}

void Connection::commit() {
  const Result r = run("COMMIT", nullptr);
  // COMMIT of a transaction that met an error (which its function then ignored) rolls back.
  if (std::string_view(PQcmdStatus(r.get())) == "ROLLBACK") {
    last_error_ = "an earlier statement of the transaction failed";
    fail("a transaction was rolled back on");
  }
  in_transaction_ = false;
  transaction_lock_ = {};
}

void Connection::rollback() noexcept {
  if (in_transaction_ && transaction_epoch_ == epoch_ && PQstatus(conn_.get()) == CONNECTION_OK) {
    PQclear(PQexec(conn_.get(), "ROLLBACK"));
  }
  in_transaction_ = false;
  if (transaction_lock_.owns_lock()) transaction_lock_.unlock();
}

void Connection::notice(void *self, const char *message) {
  static_cast<Connection *>(self)->logger_.debug("state database: " + trimmed(message));
}

}  // namespace eckid::pg
