// The state database on PostgreSQL (store/pg_database.cpp) against a private cluster: opening
// (the schema migrated, checked through information_schema as the superuser; several opens at
// once; a newer schema; refused urls, passwords and schema names, none echoing a password),
// statements with every kind of parameter, and SERIALIZABLE transactions run again after a
// conflict.
#include <atomic>
#include <barrier>
#include <cstdlib>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "pg_test_support.hpp"
#include "store/schema.hpp"

using eckid::Database;
using namespace eckid_pg_test;

namespace {

// The tables of store/schema.hpp's migrations, with the version table, as psql lists them.
constexpr const char *kTables =
    "onboard_batch\nonboard_known\noutbox\npupil\npupil_eckid\nschema_version\nstate_meta\n";

std::string tables(const eckid_test::PrivatePostgres &pg, const std::string &schema) {
  return pg.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = '" + schema +
                "' ORDER BY 1");
}

}  // namespace

TEST_CASE("opening migrates a new schema with PostgreSQL's types, owned by the url's role") {
  const auto pg = start_cluster();
  open(state_config(*pg));
  CHECK(pg->sql("SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'eckid'") == "eckid\n");
  CHECK(tables(*pg, "eckid") == kTables);
  const auto column = [&](const char *table, const char *name) {
    return pg->sql(std::string("SELECT data_type, is_identity FROM information_schema.columns "
                               "WHERE table_schema = 'eckid' AND table_name = '") +
                   table + "' AND column_name = '" + name + "'");
  };
  CHECK(column("outbox", "id") == "bigint|YES\n");
  CHECK(column("onboard_batch", "id") == "bigint|YES\n");
  CHECK(column("outbox", "kind") == "bigint|NO\n");
  CHECK(column("outbox", "sealed_pgns") == "bytea|NO\n");
  CHECK(column("outbox", "sealed_hpgns") == "bytea|NO\n");
  CHECK(column("outbox", "claim_until_ms") == "bigint|NO\n");
  CHECK(column("pupil", "hpgn") == "text|NO\n");
  CHECK(pg->sql("SELECT indexname FROM pg_indexes WHERE schemaname = 'eckid' AND tablename = "
                "'outbox' ORDER BY 1") ==
        "outbox_batch\noutbox_due\noutbox_idempotency_key_key\noutbox_pkey\noutbox_pupil\n");
  CHECK(pg->sql("SELECT version FROM eckid.schema_version") ==
        std::to_string(eckid::kStateSchemaVersion) + "\n");
  // Opened again: nothing to do, one version row.
  open(state_config(*pg));
  CHECK(pg->sql("SELECT count(*), max(version) FROM eckid.schema_version") ==
        "1|" + std::to_string(eckid::kStateSchemaVersion) + "\n");
  // A second schema beside it, named by a reserved word, in the same database.
  open(state_config(*pg, "user"));
  CHECK(tables(*pg, "user") == kTables);
}

TEST_CASE("handles opening a fresh database at once all succeed") {
  const auto pg = start_cluster();
  constexpr int kHandles = 4;
  std::latch go(kHandles);
  std::vector<std::string> errors(kHandles);
  std::vector<std::thread> threads;
  for (int i = 0; i < kHandles; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      errors[i] = error_of([&] { open(state_config(*pg)); });
    });
  }
  for (auto &t : threads) t.join();
  for (const auto &e : errors) CHECK(e == "");
  CHECK(pg->sql("SELECT count(*), max(version) FROM eckid.schema_version") ==
        "1|" + std::to_string(eckid::kStateSchemaVersion) + "\n");
}

TEST_CASE("a schema newer than the plugin's is refused") {
  const auto pg = start_cluster();
  open(state_config(*pg));
  pg->sql("UPDATE eckid.schema_version SET version = 99");
  const std::string e = error_of([&] { open(state_config(*pg)); });
  CHECK(e.find("has schema version 99, newer than this plugin's " +
               std::to_string(eckid::kStateSchemaVersion)) != std::string::npos);
  CHECK(e.find("install the newer plugin") != std::string::npos);
  CHECK(e.find("PostgreSQL database eckid on 127.0.0.1:" + std::to_string(pg->port()) +
               ", schema eckid") != std::string::npos);
}

TEST_CASE("a role that may not create the schema uses one its administrator made") {
  const auto pg = start_cluster();
  pg->sql("REVOKE CREATE ON DATABASE eckid FROM eckid; ALTER DATABASE eckid OWNER TO postgres");
  const std::string e = error_of([&] { open(state_config(*pg)); });
  CHECK(e.find("may not create schema eckid") != std::string::npos);
  CHECK(e.find("SQLSTATE 42501") != std::string::npos);
  CHECK(e.find("CREATE SCHEMA eckid AUTHORIZATION") != std::string::npos);
  pg->sql("CREATE SCHEMA eckid AUTHORIZATION eckid");
  CHECK(error_of([&] { open(state_config(*pg)); }) == "");
  CHECK(tables(*pg, "eckid") == kTables);
}

TEST_CASE("a url with a password is refused without showing it") {
  const auto pg = start_cluster();
  const std::string secret = "Secr3tInUrl";
  const std::string port = std::to_string(pg->port());
  for (const std::string &url :
       {"postgresql://eckid:" + secret + "@127.0.0.1:" + port + "/eckid",
        "host=127.0.0.1 port=" + port + " dbname=eckid user=eckid password=" + secret,
        "postgresql://127.0.0.1:" + port + "/eckid?user=eckid&password=" + secret}) {
    auto c = state_config(*pg);
    c.url = url;
    const std::string e = error_of([&] { open(c); });
    CHECK(e.find("[state] url holds a password") != std::string::npos);
    CHECK(e.find("[state] password_file") != std::string::npos);
    CHECK(e.find(secret) == std::string::npos);
  }
  // Not a connection string at all: libpq's message (which quotes it) is not shown.
  auto c = state_config(*pg);
  c.url = "postgresql://eckid:" + secret + "@127.0.0.1:" + port + "/eckid?no_such_option=1";
  const std::string e = error_of([&] { open(c); });
  CHECK(e.find("[state] url is not a PostgreSQL connection string") != std::string::npos);
  CHECK(e.find(secret) == std::string::npos);
}

TEST_CASE("a wrong or missing password and a stopped server are clear errors") {
  const auto pg = start_cluster();
  const eckid_test::TempDir dir;
  const std::string wrong = "WrongPassw0rd";
  auto c = state_config(*pg);
  c.password_file = dir.write("wrong.pass", wrong + "\n");
  std::string e = error_of([&] { open(c); });
  CHECK(e.find("cannot connect to the state database, PostgreSQL database eckid on 127.0.0.1:" +
               std::to_string(pg->port()) + ", schema eckid") != std::string::npos);
  CHECK(e.find("password authentication failed for user \"eckid\"") != std::string::npos);
  CHECK(e.find("pg_hba.conf") != std::string::npos);
  CHECK(e.find(wrong) == std::string::npos);

  c.password_file = dir.path() / "missing.pass";
  e = error_of([&] { open(c); });
  CHECK(e.find("cannot read " + c.password_file.string() + " ([state] password_file)") !=
        std::string::npos);

  c.password_file.clear();
  c.password_env = "ECKID_PG_TEST_PASSWORD";
  ::unsetenv("ECKID_PG_TEST_PASSWORD");
  e = error_of([&] { open(c); });
  CHECK(e.find("the environment variable ECKID_PG_TEST_PASSWORD ([state] password_env) is not "
               "set") != std::string::npos);
  ::setenv("ECKID_PG_TEST_PASSWORD", pg->password().c_str(), 1);
  CHECK(error_of([&] { open(c); }) == "");
  ::unsetenv("ECKID_PG_TEST_PASSWORD");

  pg->stop();
  e = error_of([&] { open(state_config(*pg)); });
  CHECK(e.find("cannot connect to the state database") != std::string::npos);
  CHECK(e.find("Connection refused") != std::string::npos);
  CHECK(e.find("check [state] url, that the server runs") != std::string::npos);
}

TEST_CASE("a schema name other than 1-63 lowercase letters, digits and _ is refused") {
  // Checked before connecting: no cluster needed.
  eckid::StateConfig c;
  c.url = "postgresql://eckid@127.0.0.1:1/eckid";
  for (const std::string &schema :
       {std::string("Eckid"), std::string("1st"), std::string("pg_state"), std::string(""),
        std::string("a-b"), std::string("a\"; DROP SCHEMA x; --"), std::string(64, 'a')}) {
    c.schema = schema;
    const std::string e = error_of([&] { open(c); });
    INFO(schema);
    CHECK(e.find("[state] schema \"" + schema + "\" is not a schema name") != std::string::npos);
  }
}

TEST_CASE("statements bind and read text, integers, bytes and NULL") {
  const auto pg = start_cluster();
  const auto db = open(state_config(*pg));
  db->exec(
      "CREATE TABLE t (id BIGINT, name TEXT, data BYTEA, note TEXT); CREATE TABLE u (n "
      "BIGINT)");
  const std::string bytes("\0\xff\x01?1'\\x00", 10);
  const std::string text = "it's ?2 \"quoted\" \xc3\xa9";
  Database::Statement(*db, "INSERT INTO t (id, name, data, note) VALUES (?1, ?2, ?3, ?4)")
      .bind(1, std::int64_t{INT64_MAX})
      .bind(2, text)
      .bind_blob(3, bytes.data(), bytes.size())
      .bind_null(4)
      .step();
  CHECK(db->changes() == 1);
  // Read back as the server stored it, independent of our reading.
  CHECK(pg->sql("SELECT id, encode(data, 'hex'), note IS NULL FROM eckid.t") ==
        "9223372036854775807|00ff013f31275c783030|t\n");
  {
    Database::Statement q(*db, "SELECT id, name, data, note, id < ?1 FROM t WHERE name = ?2");
    q.bind(1, std::int64_t{0}).bind(2, text);
    REQUIRE(q.step());
    CHECK(q.integer(0) == INT64_MAX);
    CHECK(q.text(1) == text);
    CHECK(q.blob(2) == bytes);
    CHECK(q.is_null(3));
    CHECK(q.text(3) == "");
    CHECK(q.integer(3) == 0);
    CHECK(q.integer(4) == 0);  // bool false
    CHECK(q.is_null(5));       // no such column
    CHECK_FALSE(q.step());
    CHECK_FALSE(q.step());
  }
  // A marker inside a literal or a quoted name is text, not a parameter.
  Database::Statement q(*db, "SELECT '?1', ?1 AS \"?2\", ?2, ?3");
  q.bind(1, "one").bind(2, std::int64_t{-42}).bind_blob(3, "", 0);
  REQUIRE(q.step());
  CHECK(q.text(0) == "?1");
  CHECK(q.text(1) == "one");
  CHECK(q.integer(2) == -42);
  CHECK(q.blob(3) == "");
  CHECK_FALSE(q.is_null(3));

  db->exec("INSERT INTO u SELECT generate_series(1, 5)");
  Database::Statement(*db, "UPDATE u SET n = n * 10 WHERE n > ?1").bind(1, std::int64_t{2}).step();
  CHECK(db->changes() == 3);
  CHECK(one_text(*db, "SELECT count(*) FROM u") == "5");
  CHECK(db->changes() == 3);  // a SELECT leaves it
  Database::Statement(*db, "DELETE FROM u WHERE n < 10").step();
  CHECK(db->changes() == 2);
  CHECK(pg->sql("SELECT string_agg(n::text, ',' ORDER BY n) FROM eckid.u") == "30,40,50\n");

  // Shapes the tables' common SQL uses: RETURNING, a compare-and-set against NULL, an upsert,
  // strpos() and chr().
  db->exec(
      "CREATE TABLE c (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, owner "
      "TEXT, k TEXT UNIQUE, n BIGINT)");
  {
    Database::Statement add(*db, "INSERT INTO c (owner, k, n) VALUES (?1, ?2, 1) RETURNING id");
    add.bind_null(1).bind(2, "k1");
    REQUIRE(add.step());
    CHECK(add.integer(0) == 1);
    CHECK(db->changes() == 1);
  }
  const auto claim = [&] {
    Database::Statement(*db,
                        "UPDATE c SET owner = ?1 WHERE id = 1 AND owner IS NOT DISTINCT "
                        "FROM ?2")
        .bind(1, "me")
        .bind_null(2)
        .step();
    return db->changes();
  };
  CHECK(claim() == 1);
  CHECK(claim() == 0);  // no longer NULL
  Database::Statement(*db,
                      "INSERT INTO c (k, n) VALUES (?1, 1) ON CONFLICT (k) DO UPDATE SET n "
                      "= c.n + 1")
      .bind(1, "k1")
      .step();
  CHECK(pg->sql("SELECT owner, n FROM eckid.c") == "me|2\n");
  {
    Database::Statement tab(*db, "SELECT strpos(?1, chr(9))");
    tab.bind(1, "a\tb");
    REQUIRE(tab.step());
    CHECK(tab.integer(0) == 2);
  }

  // Text with a NUL byte, which libpq would cut off there, is refused (bytes go as bytes).
  const std::string nul =
      error_of([&] { Database::Statement(*db, "SELECT ?1").bind(1, std::string("a\0b", 3)); });
  CHECK(nul.starts_with("[status 11] text parameter ?1 holds a NUL byte"));

  // A failing statement names the database and the server's message.
  const std::string e = error_of([&] { Database::Statement(*db, "SELECT * FROM nowhere").step(); });
  CHECK(e.find("relation \"nowhere\" does not exist (SQLSTATE 42P01)") != std::string::npos);
  CHECK(e.find(db->name()) != std::string::npos);
}

TEST_CASE("transaction() runs a transaction again after a serialization failure") {
  const auto pg = start_cluster();
  const auto a = open(state_config(*pg));
  const auto b = open(state_config(*pg));
  a->exec(
      "CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL); INSERT INTO "
      "counter VALUES (1, 0)");
  std::atomic<int> runs{0};
  // Both read, then both write: the second writer waits for the first one's row lock and,
  // once that commits, fails with SQLSTATE 40001; its transaction runs again.
  const auto increment = [&](Database &db, std::barrier<> *together) {
    db.transaction([&] {
      ++runs;
      Database::Statement read(db, "SELECT n FROM counter WHERE id = 1");
      read.step();  // no Catch2 assertion in a thread
      const std::int64_t n = read.integer(0);
      if (together != nullptr) {
        together->arrive_and_wait();
        together = nullptr;  // only on the first run
      }
      Database::Statement(db, "UPDATE counter SET n = ?1 WHERE id = 1").bind(1, n + 1).step();
    });
  };
  std::barrier together(2);
  std::string error_a, error_b;
  std::thread ta([&] { error_a = error_of([&] { increment(*a, &together); }); });
  std::thread tb([&] { error_b = error_of([&] { increment(*b, &together); }); });
  ta.join();
  tb.join();
  CHECK(error_a == "");
  CHECK(error_b == "");
  CHECK(pg->sql("SELECT n FROM eckid.counter") == "2\n");
  CHECK(runs == 3);

  constexpr int kEach = 50;
  const auto many = [&](Database &db) {
    for (int i = 0; i < kEach; ++i) increment(db, nullptr);
  };
  std::thread ma([&] { error_a = error_of([&] { many(*a); }); });
  std::thread mb([&] { error_b = error_of([&] { many(*b); }); });
  ma.join();
  mb.join();
  CHECK(error_a == "");
  CHECK(error_b == "");
  CHECK(pg->sql("SELECT n FROM eckid.counter") == std::to_string(2 + 2 * kEach) + "\n");
}
