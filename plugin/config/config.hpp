// Per-school configuration (TOML): the [service] the plugin talks to, how it hashes, and one
// [[school]] table per school. Format: README "Configuration" and packaging/eckid.sample.toml.
#pragma once

#include <compare>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/secure.hpp"

namespace eckid {

/// The Nummervoorziening environments (spec "Environments"); each has its own salt.
enum class Environment { sandbox, acceptance, qualification, production };

/// Name of an environment as written in the configuration ("sandbox", ...).
std::string_view to_string(Environment e) noexcept;

/// A calendar date (TOML local date).
struct Date {
  int year = 0;
  int month = 0;
  int day = 0;
  auto operator<=>(const Date &) const = default;
};

/// Today's date in the local time zone of the host.
Date today_local();

/// The client certificate for mutual TLS: a PKCS#12 file, or a PEM certificate with a PEM
/// key (in `key`, or in the certificate file when `key` is empty). The key password comes
/// from a file or an environment variable, never from the configuration itself.
struct ClientCertificate {
  std::filesystem::path certificate;
  std::filesystem::path key;            // empty: PKCS#12, or key inside `certificate`
  std::filesystem::path password_file;  // empty: none
  std::string password_env;             // empty: none
};

/// [service]: where and how to reach the Nummervoorziening.
struct ServiceConfig {
  Environment environment = Environment::sandbox;
  std::string endpoint;  // https URL; the environment's published one when not configured
  SecureBytes salt;      // the environment salt, base64-decoded
  ClientCertificate client;
  std::filesystem::path ca_bundle;
  long connect_timeout_ms = 10'000;
  long request_timeout_ms = 30'000;
  std::size_t max_response_bytes = 4u << 20;
};

/// [hash]: how HPgns are computed.
struct HashConfig {
  /// fast: our SIMD scrypt (plugin/scrypt); openssl: OpenSSL's, the reference.
  enum class Engine { fast, openssl };
  Engine engine = Engine::fast;
  /// Memory the plugin may use for scrypt, in MiB: 128 MiB per lane at once, at least one
  /// lane (checked when the file is read).
  std::uint64_t memory_budget_mib = 512;
};

/// [state]: where the plugin keeps what it remembers (an SQLite database).
struct StateConfig {
  /// Folder of the state database, created owner-only when missing. Default: "state" beside
  /// the configuration file.
  std::filesystem::path directory;
  /// How long a call waits for a database another thread or process holds, in ms; with
  /// PostgreSQL also how long a call waits for a lost connection to come back.
  long busy_timeout_ms = 5'000;
  /// [state] url: PostgreSQL instead of SQLite, as a libpq connection URI
  /// ("postgresql://user@host:port/database") or key=value string, without a password (the
  /// reader refuses one). Empty: SQLite in `directory`. With PostgreSQL, `directory` still
  /// holds outbox.key, which every server on the database must share.
  std::string url;
  /// [state] schema: the PostgreSQL schema of the plugin's tables, so they can live in the
  /// host's own database. Lowercase letters, digits and '_'.
  std::string schema = "eckid";
  /// [state] password_file / password_env: where the PostgreSQL password is read from (a
  /// file's first line, or an environment variable), as [service] key_password_file and
  /// key_password_env. Both empty: libpq's own ways (~/.pgpass, PGPASSWORD, peer or
  /// certificate authentication).
  std::filesystem::path password_file;
  std::string password_env;
};

/// [outbox]: asynchronous delivery, retries and shutdown (plugin/outbox).
struct OutboxConfig {
  unsigned workers = 4;              // threads that process events
  long deadline_ms = 30'000;         // how long a synchronous event call waits
  int max_attempts = 10;             // transient failures before an event is failed
  long retry_base_ms = 1'000;        // first retry delay; doubles per attempt, with jitter
  long retry_max_ms = 300'000;       // longest retry delay
  int breaker_threshold = 5;         // consecutive transient failures that open the breaker
  long breaker_cooldown_ms = 5'000;  // first pause before a ping probe; doubles to 5 min
  long shutdown_wait_ms = 5'000;     // how long close waits for events in progress
};

/// [onboarding]: whole-school onboarding with the batch operations (eckid_onboard(); spec
/// "Operations" and "Transport" for the batch states).
struct OnboardingConfig {
  unsigned batch_size = 1'000;          // pupils per submitted batch
  unsigned hash_workers = 0;            // threads computing HPgns; 0: one per core
  long poll_delay_ms = 30'000;          // wait between retrieveBatch polls (not finished)
  int max_polls = 40;                   // polls per batch before it waits for the next round
  long blocked_delay_ms = 60'000;       // first back-off after TemporaryBlockedException; doubles
  long blocked_delay_max_ms = 900'000;  // longest back-off
  int max_blocked = 6;                  // TemporaryBlockedException answers in a row per request
};

/// One [[school]]: a school as the host knows it.
struct SchoolConfig {
  std::string key;  // the host's school identifier
  std::string oin;  // 20 characters; goes into wsa:From
  std::string sector;
  std::vector<std::string> chains;
  bool enabled = false;
  std::optional<Date> start_date;

  /// True when requests may be sent for this school on `today` (enabled, start date reached).
  bool active_on(const Date &today) const noexcept {
    return enabled && (!start_date || *start_date <= today);
  }
};

/// A whole configuration file.
struct Config {
  std::filesystem::path source;
  ServiceConfig service;
  HashConfig hash;
  StateConfig state;
  OutboxConfig outbox;
  OnboardingConfig onboarding;
  std::vector<SchoolConfig> schools;

  /// The school with this key, or nullptr.
  const SchoolConfig *find_school(std::string_view key) const noexcept;
  /// The school with this key. Throws eckid::Error(ECKID_E_UNKNOWN_SCHOOL) naming the key.
  const SchoolConfig &school(std::string_view key) const;
};

/// One problem found in a configuration: where it is and what is wrong.
struct ConfigProblem {
  enum class Severity { warning, error };
  Severity severity = Severity::error;
  /// Where the value came from: the file's path, "host settings" for a school a host passed
  /// (ConfigSource::schools), "host defaults" for ConfigSource::defaults; "" when unknown.
  std::string file;
  /// 1-based line in `file`; 0 when unknown (values a host passed have none).
  unsigned line = 0;
  /// The TOML path of the value ("service.salt_file", "school[0].oin"); "" for the whole file.
  std::string key;
  /// What is wrong and what is expected, naming the table and key as the file writes them
  /// ("[service] salt: missing; ..."). Never a PGN; never a secret's value.
  std::string message;

  /// "file:line: message" (file and line left out when unknown): one line for a log.
  std::string text() const;
};

/// One school as a host keeps it in its own settings: the fields of a [[school]] table
/// (README "Configuration"), checked exactly as if the file held them.
struct SchoolSettings {
  std::string key;
  std::string oin;
  std::string sector;
  std::vector<std::string> chains;
  bool enabled = false;
  std::string start_date;  // "YYYY-MM-DD", or "" for none
};

/// Where a configuration comes from: a file, or text, plus what a host adds.
struct ConfigSource {
  /// The configuration file. With `text`, only its name (in messages) and its folder (for
  /// relative paths and the default state folder) are used.
  std::filesystem::path path;
  /// The TOML text itself instead of the file's content (at most ECKID_MAX_CONFIG_BYTES).
  std::optional<std::string> text;
  /// TOML text with values that apply where the configuration sets none (a host's own
  /// defaults, such as a short [outbox] deadline_ms for a web request); "" for none.
  std::string defaults;
  /// Schools the host keeps in its own settings, added to the [[school]] tables.
  std::vector<SchoolSettings> schools;

  /// The file at path, with nothing added.
  static ConfigSource file(std::filesystem::path path) {
    ConfigSource s;
    s.path = std::move(path);
    return s;
  }
  /// TOML text, named as the file at path, with nothing added.
  static ConfigSource of_text(std::filesystem::path path, std::string text) {
    ConfigSource s = file(std::move(path));
    s.text = std::move(text);
    return s;
  }
};

/// A configuration as far as it could be read, with every problem found.
struct ConfigReading {
  /// What could be read: on errors, the values that read well, the rest defaults (not fit
  /// to run the plugin; the schools are those whose tables read without an error).
  Config config;
  std::vector<ConfigProblem> problems;
  /// True when no problem is an error.
  bool usable() const noexcept;
};

/// Reads and checks a configuration, collecting every problem (file, line, key, what is
/// expected) instead of stopping at the first. Throws only std::bad_alloc.
ConfigReading read_config(const ConfigSource &source);

/// read_config(), for the plugin: the warnings are appended to `warnings` (as
/// ConfigProblem::text()). Throws eckid::Error(ECKID_E_CONFIG) with the first error and how
/// many more there are.
Config load_config(const ConfigSource &source, std::vector<std::string> &warnings);

/// load_config() of TOML text; `source` names the file in messages and its folder anchors
/// relative paths.
Config parse_config(std::string_view text, const std::filesystem::path &source,
                    std::vector<std::string> &warnings);

/// load_config() of a file.
Config load_config(const std::filesystem::path &path, std::vector<std::string> &warnings);

}  // namespace eckid
