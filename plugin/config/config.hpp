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
  /// How long a call waits for a database another thread or process holds, in ms.
  long busy_timeout_ms = 5'000;
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

/// Parses and checks TOML text. `source` names the file in messages; relative paths in the
/// text are taken relative to its folder. Problems that do not stop the plugin (an unknown
/// key, a school without `enabled`) are appended to `warnings`. Throws eckid::Error with
/// ECKID_E_CONFIG naming file, line, key and what is expected.
Config parse_config(std::string_view text, const std::filesystem::path &source,
                    std::vector<std::string> &warnings);

/// Reads the file, then parse_config(). Throws eckid::Error(ECKID_E_CONFIG) when the file
/// cannot be read.
Config load_config(const std::filesystem::path &path, std::vector<std::string> &warnings);

}  // namespace eckid
