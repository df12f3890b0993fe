// The "state database" findings of eckid_check() (state_findings()) for a PostgreSQL state,
// against a private cluster: reachable, the schema and its version, the role's rights, and
// that the check changes nothing. The expected schema version is store/schema.hpp's constant;
// rights are given and taken with the superuser's psql, independent of the plugin.
#include <string>
#include <vector>

#include "check/check.hpp"
#include "pg_test_support.hpp"
#include "store/schema.hpp"

using eckid::Finding;
using V = Finding::Verdict;
using namespace eckid_pg_test;

namespace {

// The "state database" findings of `config` (after the folder's, which are not looked at).
std::vector<Finding> pg_findings(const eckid::StateConfig &config) {
  std::vector<Finding> out;
  for (auto &f : eckid::state_findings(config)) {
    if (f.check != "state database") continue;
    CHECK(f.key == "state.url");
    out.push_back(f);
  }
  return out;
}

bool has(const Finding &f, V verdict, const std::string &text) {
  INFO(f.message);
  return f.verdict == verdict && f.message.find(text) != std::string::npos;
}

// A second login role with its own password file.
eckid::StateConfig second_role(const eckid_test::PrivatePostgres &pg,
                               const eckid_test::TempDir &dir) {
  pg.sql("CREATE ROLE eckid2 LOGIN PASSWORD 'second-secret'", "postgres");
  auto c = state_config(pg);
  c.url = "postgresql://eckid2@127.0.0.1:" + std::to_string(pg.port()) + "/eckid";
  c.password_file = dir.write("eckid2.pass", "second-secret\n");
  c.directory = dir.path() / "state";
  return c;
}

const std::string kVersion = std::to_string(eckid::kStateSchemaVersion);

}  // namespace

TEST_CASE("the check of a fresh database says the schema is made at first open, and makes none") {
  const auto pg = start_cluster();
  const eckid_test::TempDir dir;
  auto c = state_config(*pg);
  c.directory = dir.path() / "state";
  const auto findings = pg_findings(c);
  REQUIRE(findings.size() == 2);
  CHECK(has(findings[0], V::ok,
            "PostgreSQL database eckid on 127.0.0.1:" + std::to_string(pg->port()) +
                ", schema eckid: reachable as role eckid (PostgreSQL 15."));
  CHECK(has(findings[1], V::ok,
            "schema eckid: the schema does not exist yet; made at first open by role eckid"));
  CHECK(pg->sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'eckid'") == "0\n");
}

TEST_CASE("the check reads the schema version: this library's, older, newer") {
  const auto pg = start_cluster();
  const eckid_test::TempDir dir;
  auto c = state_config(*pg);
  c.directory = dir.path() / "state";
  open(c);
  auto findings = pg_findings(c);
  REQUIRE(findings.size() == 3);
  CHECK(has(findings[1], V::ok, "has schema version " + kVersion + ", this library's"));
  CHECK(has(findings[2], V::ok, "role eckid may read and write every table of schema eckid"));

  pg->sql("UPDATE eckid.schema_version SET version = 5");
  findings = pg_findings(c);
  REQUIRE(findings.size() == 3);
  CHECK(has(findings[1], V::ok,
            "has schema version 5, older than this library's " + kVersion +
                "; migrated at the next open"));
  CHECK(pg->sql("SELECT version FROM eckid.schema_version") == "5\n");  // not migrated

  pg->sql("UPDATE eckid.schema_version SET version = 99");
  findings = pg_findings(c);
  REQUIRE(findings.size() == 3);
  CHECK(has(findings[1], V::fail,
            "has schema version 99, made by a newer eckid (this library's is " + kVersion +
                "); upgrade libeckid"));
}

TEST_CASE("a role without rights on the schema is told the GRANT to run") {
  const auto pg = start_cluster();
  const eckid_test::TempDir dir;
  open(state_config(*pg));  // made by role eckid, which owns the tables
  const auto c = second_role(*pg, dir);

  auto findings = pg_findings(c);
  REQUIRE(findings.size() == 3);
  CHECK(has(findings[1], V::fail, "role eckid2 may not read the schema version"));
  CHECK(has(findings[2], V::fail,
            "role eckid2 may not use schema eckid; run GRANT USAGE ON SCHEMA eckid TO eckid2"));

  pg->sql(
      "GRANT USAGE ON SCHEMA eckid TO eckid2; GRANT SELECT ON ALL TABLES IN SCHEMA eckid TO "
      "eckid2; GRANT UPDATE ON eckid.outbox TO eckid2");
  findings = pg_findings(c);
  REQUIRE(findings.size() == 3);
  CHECK(has(findings[1], V::ok, "this library's"));
  CHECK(has(findings[2], V::fail,
            "role eckid2 lacks rights on onboard_batch (INSERT, UPDATE, DELETE)"));
  CHECK(has(findings[2], V::fail, "outbox (INSERT, DELETE)"));
  CHECK(has(findings[2], V::fail,
            "; run GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA eckid TO eckid2"));

  pg->sql("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA eckid TO eckid2");
  findings = pg_findings(c);
  REQUIRE(findings.size() == 3);
  CHECK(has(findings[2], V::ok, "role eckid2 may read and write every table of schema eckid"));
  // Those rights suffice: the role opens the state and adds a row with an identity id.
  const auto db = open(c);
  eckid::Database::Statement(*db,
                             "INSERT INTO onboard_batch (school_key, next_ms, created_ms) "
                             "VALUES ('99ZZ', 0, 0)")
      .step();
  CHECK(pg->sql("SELECT id FROM eckid.onboard_batch") == "1\n");

  // An older version needs the tables' owner to migrate.
  pg->sql("UPDATE eckid.schema_version SET version = 5");
  findings = pg_findings(c);
  REQUIRE(findings.size() == 3);
  CHECK(has(findings[1], V::fail, "role eckid2 does not own its tables"));
  CHECK(has(findings[1], V::fail, "open once as their owner"));
}

TEST_CASE("a role that may not create the schema is told how to make it") {
  const auto pg = start_cluster();
  const eckid_test::TempDir dir;
  const auto c = second_role(*pg, dir);
  const auto findings = pg_findings(c);
  REQUIRE(findings.size() == 2);
  CHECK(has(findings[1], V::fail,
            "schema eckid: the schema does not exist and role eckid2 may not create it; as the "
            "database's "
            "owner run CREATE SCHEMA eckid AUTHORIZATION eckid2"));
}

TEST_CASE("an unreachable server or a refused login is one FAIL without the password") {
  const auto pg = start_cluster();
  const eckid_test::TempDir dir;
  auto c = state_config(*pg);
  c.directory = dir.path() / "state";
  c.password_file = dir.write("wrong.pass", "Wr0ngSecret\n");
  auto findings = pg_findings(c);
  REQUIRE(findings.size() == 1);
  CHECK(has(findings[0], V::fail, "password authentication failed for user \"eckid\""));
  CHECK(findings[0].message.find("Wr0ngSecret") == std::string::npos);

  c.password_file = pg->password_file();
  pg->stop();
  findings = pg_findings(c);
  REQUIRE(findings.size() == 1);
  CHECK(has(findings[0], V::fail, "cannot connect to the state database"));
  CHECK(has(findings[0], V::fail, "check [state] url, that the server runs"));
  CHECK(findings[0].message.find(pg->password()) == std::string::npos);
}
