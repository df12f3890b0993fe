#include "state_access.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace eckid_events {

namespace {

std::string read_first_line(const std::filesystem::path &file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// ?1, ?2, ... as PostgreSQL's $1, $2, ...
std::string dollar_parameters(std::string sql) {
  for (std::size_t i = 0; i + 1 < sql.size(); ++i) {
    if (sql[i] == '?' && sql[i + 1] >= '0' && sql[i + 1] <= '9') sql[i] = '$';
  }
  return sql;
}

}  // namespace

struct StateDb::Engine {
  std::string name;  // for messages
  sqlite3 *lite = nullptr;
  PGconn *pg = nullptr;

  ~Engine() {
    sqlite3_close(lite);
    PQfinish(pg);
  }
  [[noreturn]] void fail(const std::string &sql) const {
    throw std::runtime_error(name + ": " + sql + ": " +
                             (pg != nullptr ? PQerrorMessage(pg) : sqlite3_errmsg(lite)));
  }

  std::vector<std::vector<std::string>> pg_rows(const std::string &sql,
                                                const std::vector<std::string> &params) {
    std::vector<const char *> values;
    for (const auto &p : params) values.push_back(p.c_str());
    PGresult *r = PQexecParams(pg, dollar_parameters(sql).c_str(), static_cast<int>(values.size()),
                               nullptr, values.data(), nullptr, nullptr, 0);
    const auto status = PQresultStatus(r);
    std::vector<std::vector<std::string>> out;
    if (status == PGRES_TUPLES_OK) {
      for (int row = 0; row < PQntuples(r); ++row) {
        out.emplace_back();
        for (int col = 0; col < PQnfields(r); ++col) out.back().push_back(PQgetvalue(r, row, col));
      }
    }
    PQclear(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(sql);
    return out;
  }

  std::vector<std::vector<std::string>> lite_rows(const std::string &sql,
                                                  const std::vector<std::string> &params) {
    sqlite3_stmt *st = nullptr;
    if (sqlite3_prepare_v2(lite, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) fail(sql);
    for (std::size_t i = 0; i < params.size(); ++i) {
      sqlite3_bind_text(st, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
    }
    std::vector<std::vector<std::string>> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      out.emplace_back();
      for (int col = 0; col < sqlite3_column_count(st); ++col) {
        const auto *text = sqlite3_column_text(st, col);
        out.back().push_back(text != nullptr ? reinterpret_cast<const char *>(text) : "");
      }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) fail(sql);
    return out;
  }
};

StateDb::StateDb(const std::filesystem::path &dir, const PostgresTarget &postgres)
    : engine_(std::make_unique<Engine>()) {
  if (postgres.empty()) {
    const auto file = dir / "state" / "eckid.db";
    engine_->name = file.string();
    if (sqlite3_open_v2(file.c_str(), &engine_->lite, SQLITE_OPEN_READWRITE, nullptr) !=
        SQLITE_OK) {
      engine_->fail("open");
    }
    sqlite3_busy_timeout(engine_->lite, 5000);
    return;
  }
  const std::string &url = postgres.url;
  const std::string password = read_first_line(postgres.password_file);
  const std::string options = "-c search_path=" + schema_for(dir);
  engine_->name = url + ", schema " + schema_for(dir);
  const char *keys[] = {"dbname",           "password",        "options",
                        "application_name", "connect_timeout", nullptr};
  const char *values[] = {url.c_str(), password.c_str(), options.c_str(), "eckid test",
                          "10",        nullptr};
  engine_->pg = PQconnectdbParams(keys, values, 1);
  if (PQstatus(engine_->pg) != CONNECTION_OK) engine_->fail("connect");
}

StateDb::~StateDb() = default;

bool StateDb::postgresql() const noexcept {
  return engine_->pg != nullptr;
}

std::vector<std::vector<std::string>> StateDb::rows(const std::string &sql,
                                                    const std::vector<std::string> &params) {
  return postgresql() ? engine_->pg_rows(sql, params) : engine_->lite_rows(sql, params);
}

void StateDb::exec(const std::string &sql) {
  if (postgresql()) {
    PGresult *r = PQexec(engine_->pg, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    if (!ok) engine_->fail(sql);
  } else if (sqlite3_exec(engine_->lite, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    engine_->fail(sql);
  }
}

std::string StateDb::all_rows() {
  if (!postgresql()) return "";
  exec("SET bytea_output = 'escape'");
  std::string text;
  for (const auto &table :
       rows("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")) {
    text += table[0] + ":\n";
    for (const auto &row : rows("SELECT t::text FROM \"" + table[0] + "\" t")) {
      text += row[0] + "\n";
    }
  }
  return text;
}

bool state_holds(const std::filesystem::path &dir, const PostgresTarget &postgres,
                 const std::string &text) {
  const auto folder = dir / "state";
  if (std::filesystem::exists(folder)) {
    for (const auto &entry : std::filesystem::recursive_directory_iterator(folder)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      if (bytes.find(text) != std::string::npos) return true;
    }
  }
  return !postgres.empty() && StateDb(dir, postgres).all_rows().find(text) != std::string::npos;
}

}  // namespace eckid_events
