// The "state database" findings of a PostgreSQL state ([state] url): reachable, the schema and
// its version, the role's rights; read in a READ ONLY transaction, so nothing is created or
// migrated.
#include <string>
#include <vector>

#include "check/check.hpp"
#include "log/logger.hpp"
#include "store/pg_connection.hpp"
#include "store/schema.hpp"
#include "util/error.hpp"

namespace eckid {

namespace {

using V = Finding::Verdict;

Finding finding(V verdict, std::string message) {
  return {verdict, "state database", "", 0, "state.url", std::move(message)};
}

// The first value of a one-row query with the schema name as $1.
std::string value(pg::Connection &conn, const std::string &sql, const std::string &schema) {
  pg::Params p;
  p.text(1, schema);
  const pg::Result r = conn.run(sql, &p);
  return PQntuples(r.get()) > 0 && !PQgetisnull(r.get(), 0, 0) ? PQgetvalue(r.get(), 0, 0) : "";
}

// The schema and its version: absent (OK when the role may create it), without eckid's
// tables, older, this library's or newer.
Finding schema_finding(pg::Connection &conn, const std::string &role, bool &has_tables) {
  const std::string &schema = conn.schema();
  const std::string db = conn.name();
  has_tables = false;
  if (value(conn, "SELECT 1 FROM pg_namespace WHERE nspname = $1", schema).empty()) {
    if (value(conn, "SELECT has_database_privilege(current_database(), 'CREATE')", schema) == "t") {
      return finding(
          V::ok, db + ": the schema does not exist yet; made at first " + "open by role " + role);
    }
    return finding(V::fail, db + ": the schema does not exist and role " + role +
                                " may not create it; as the database's owner run CREATE SCHEMA " +
                                schema + " AUTHORIZATION " + role +
                                " (or GRANT CREATE ON DATABASE to the role)");
  }
  const std::string version_table = "\"" + schema + "\".schema_version";
  // The catalog, not to_regclass(), which finds nothing in a schema the role may not use.
  if (value(conn,
            "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
            "n.nspname = $1 AND c.relname = 'schema_version'",
            schema)
          .empty()) {
    if (value(conn, "SELECT has_schema_privilege($1, 'CREATE')", schema) == "t") {
      return finding(V::ok, db + ": the schema holds no eckid tables yet; made at " +
                                "first open by role " + role);
    }
    return finding(V::fail, db + ": the schema holds no eckid tables and role " + role +
                                " may not create them; run GRANT CREATE ON SCHEMA " + schema +
                                " TO " + role);
  }
  has_tables = true;
  if (value(conn, "SELECT has_schema_privilege($1, 'USAGE')", schema) != "t" ||
      value(conn, "SELECT has_table_privilege($1, 'SELECT')", version_table) != "t") {
    return finding(V::fail, db + ": role " + role + " may not read the schema version (see " +
                                "the rights below)");
  }
  const std::string version = value(conn, "SELECT max(version) FROM " + version_table, schema);
  const std::string ours = std::to_string(kStateSchemaVersion);
  const long found = version.empty() ? 0 : std::stol(version);
  if (found > kStateSchemaVersion) {
    return finding(V::fail, db + " has schema version " + version +
                                ", made by a newer eckid (this library's is " + ours +
                                "); upgrade libeckid");
  }
  if (found < kStateSchemaVersion) {
    // Migrating alters the tables, which only their owner (or a member of its role) may do.
    const std::string not_owned = value(
        conn,
        "SELECT string_agg(c.relname, ', ' ORDER BY c.relname) FROM pg_class c JOIN "
        "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' AND "
        "NOT pg_has_role(c.relowner, 'USAGE')",
        schema);
    if (!not_owned.empty()) {
      return finding(V::fail, db + " has schema version " + version + ", older than this " +
                                  "library's " + ours + ", and role " + role +
                                  " does not own its tables " + not_owned +
                                  ", so it cannot migrate them at the next open; open once as " +
                                  "their owner");
    }
    return finding(V::ok, db + " has schema version " + version + ", older than this " +
                              "library's " + ours + "; migrated at the next open");
  }
  return finding(V::ok, db + " has schema version " + version + ", this library's");
}

// USAGE on the schema, and SELECT, INSERT, UPDATE, DELETE on each of its tables.
Finding rights_finding(pg::Connection &conn, const std::string &role) {
  const std::string &schema = conn.schema();
  if (value(conn, "SELECT has_schema_privilege($1, 'USAGE')", schema) != "t") {
    return finding(V::fail, conn.name() + ": role " + role + " may not use schema " + schema +
                                "; run GRANT USAGE ON SCHEMA " + schema + " TO " + role);
  }
  // has_table_privilege() with several privileges is true when any one is held: one each.
  const std::string missing = value(
      conn,
      "SELECT string_agg(t.relname || ' (' || array_to_string(t.lacks, ', ') || ')', ', ' ORDER "
      "BY t.relname) FROM (SELECT c.relname, ARRAY(SELECT p FROM unnest(ARRAY['SELECT', "
      "'INSERT', 'UPDATE', 'DELETE']) p WHERE NOT has_table_privilege(c.oid, p)) AS lacks FROM "
      "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND "
      "c.relkind = 'r') t WHERE cardinality(t.lacks) > 0",
      schema);
  if (!missing.empty()) {
    return finding(V::fail, conn.name() + ": role " + role + " lacks rights on " + missing +
                                "; run GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN " +
                                "SCHEMA " + schema + " TO " + role);
  }
  return finding(V::ok, conn.name() + ": role " + role +
                            " may read and write every table of schema " + schema);
}

}  // namespace

std::vector<Finding> pg_state_findings(const StateConfig &state) {
  std::vector<Finding> out;
  try {
    pg::Connection conn(state, Logger());
    conn.begin("BEGIN READ ONLY");
    const std::string role = value(conn, "SELECT current_user", "");
    out.push_back(finding(V::ok, conn.name() + ": reachable as role " + role + " (PostgreSQL " +
                                     value(conn, "SELECT current_setting('server_version')", "") +
                                     ")"));
    bool has_tables = false;
    out.push_back(schema_finding(conn, role, has_tables));
    if (has_tables) out.push_back(rights_finding(conn, role));
    conn.rollback();
  } catch (const Error &e) {
    out.push_back(finding(V::fail, e.what()));
  }
  return out;
}

}  // namespace eckid
