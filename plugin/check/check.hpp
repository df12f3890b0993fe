// The configuration check behind eckid_check(): every problem of a configuration (file, line,
// key, what is expected), the client certificate (readable, key match, validity), the salt
// (length, environment) and the state database (folder, rights, schema version), without
// opening the plugin, calling the service or changing a file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "nv/credentials.hpp"

namespace eckid {

/// One result of a check.
struct Finding {
  enum class Verdict { ok, warn, fail };
  Verdict verdict = Verdict::ok;
  /// What was checked: "config", "certificate", "certificate key", "certificate validity",
  /// "salt", "salt environment", "state" or "state database".
  std::string check;
  std::string file;   // the file it is about, "" when none
  unsigned line = 0;  // 1-based line in file, 0 when none
  std::string key;    // the configuration key ("service.salt_file"), "" when none
  std::string message;
};

/// Everything eckid_check() reports.
struct CheckReport {
  std::vector<Finding> findings;
  /// The schools that read without an error, in the configuration's order.
  std::vector<SchoolConfig> schools;
};

/// Reads the configuration with read_config() and checks what it names: "config" findings
/// for each problem (an error FAIL, a warning WARN), then the certificate, salt and state
/// findings (certificate_findings(), salt_findings(), state_findings()) as far as the
/// configuration names them (no state findings when the file was not read or its [state]
/// directory is wrong). Never writes a secret (salt, password, key) or anything stored in the
/// state database into a finding. Throws only std::bad_alloc. Thread-safe (reads files; no
/// shared state).
CheckReport check_configuration(const ConfigSource &source);

/// The client certificate findings: "certificate" (readable, with subject, serial and
/// issuer, or FAIL naming the file and what to do), "certificate key" (the key belongs to the
/// certificate) and "certificate validity" (certificate_validity()). A check that cannot be
/// made for lack of the certificate is left out.
std::vector<Finding> certificate_findings(const ClientCertificate &client);

/// Days a certificate may have left before its validity is a warning.
inline constexpr std::int64_t kCertificateWarnDays = 60;

/// "certificate validity" at Unix time now (seconds): FAIL when not valid yet or expired,
/// WARN within kCertificateWarnDays of the end, else OK; whole days counted as UTC calendar
/// days, with the date shown.
Finding certificate_validity(const nv::CertificateFacts &certificate, std::int64_t now);

/// The salt findings of a salt that read well: "salt" (its length: WARN under 16 or over 64
/// bytes, NIST SP 800-132 5.1) and "salt environment" (the public sandbox salt, spec "The
/// three tiers", belongs to the sandbox environment only).
std::vector<Finding> salt_findings(const ServiceConfig &service);

/// The state findings, key "state.directory", for the user this check runs as (effective
/// uid), named in the messages (with [state] url, the folder's and then pg_state_findings()):
/// - "state": the folder exists, or this user may make it (OK, made at first open), else
///   FAIL naming the folder and what to do; this user may read, write and search it, else
///   FAIL saying that a host and `eckid deliver` must run as a user that may write it; WARN
///   when other users may access it (state_folder_warning(), as the plugin warns at open).
/// - "state database": eckid.db absent (OK, made at first open), or its schema version read
///   read-only (read_schema_version()): this library's kStateSchemaVersion or older (OK,
///   migrated at the next open), newer (FAIL: upgrade libeckid), unreadable or not a
///   database (FAIL with what to do); busy (OK, version not read).
/// Reads nothing from the tables and changes nothing on disk (no file or folder made, no
/// write lock taken). Throws only std::bad_alloc.
std::vector<Finding> state_findings(const StateConfig &state);

/// The "state database" findings of a PostgreSQL state ([state] url), key "state.url", read
/// in a READ ONLY transaction (nothing created or migrated): reachable as which role (else one
/// FAIL: the connection's error, never the password, and what to check); the schema absent (OK
/// when the role may create it, else FAIL naming CREATE SCHEMA ... AUTHORIZATION), without
/// eckid's tables (OK when the role may create them), its schema_version this library's or
/// older (OK, migrated at the next open; FAIL when the role does not own the tables to migrate)
/// or newer (FAIL: upgrade libeckid); the rights: USAGE on the schema, SELECT, INSERT, UPDATE
/// and DELETE on each of its tables (FAIL naming the missing ones and the GRANT to run).
/// Throws only std::bad_alloc.
std::vector<Finding> pg_state_findings(const StateConfig &state);

}  // namespace eckid
