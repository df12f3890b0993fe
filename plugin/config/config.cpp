#include "config/config.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <ctime>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "pgn/pgn.hpp"
#include "scrypt/scrypt.hpp"
#include "util/datetime.hpp"
#include "util/encoding.hpp"
#include "util/error.hpp"

namespace eckid {

std::string_view to_string(Environment e) noexcept {
  switch (e) {
    case Environment::sandbox:
      return "sandbox";
    case Environment::acceptance:
      return "acceptance";
    case Environment::qualification:
      return "qualification";
    case Environment::production:
      return "production";
  }
  return "?";
}

Date today_local() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  return Date{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

const SchoolConfig *Config::find_school(std::string_view key) const noexcept {
  for (const auto &s : schools) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

const SchoolConfig &Config::school(std::string_view key) const {
  if (const SchoolConfig *s = find_school(key)) return *s;
  throw Error(ECKID_E_UNKNOWN_SCHOOL, "no [[school]] with key " + quoted_key(key) + " in " +
                                          source.string() +
                                          "; add it or check the host's school key");
}

namespace {

// Published service hosts (spec "Environments").
std::string default_endpoint(Environment e) {
  switch (e) {
    case Environment::sandbox:
      return "https://service-s.ketenid.nl/eck/ws/201703";
    case Environment::acceptance:
      return "https://service-a.ketenid.nl/eck/ws/201703";
    case Environment::qualification:
      return "https://service-q.ketenid.nl/eck/ws/201703";
    case Environment::production:
      return "https://service.ketenid.nl/eck/ws/201703";
  }
  return {};
}

// What every table reader shares: where relative paths start, and the problems found.
struct Context {
  std::filesystem::path folder;
  std::vector<ConfigProblem> &problems;
};

// Reads one table of the configuration, recording every problem with where it is (file, line,
// TOML path) and going on with the default, so that one reading finds all of them.
class TableReader {
 public:
  // name: the table as the file writes it ("[service]"); path: its TOML path ("service",
  // "school[0]", "" for the top level).
  TableReader(const toml::table &table, std::string name, std::string path, Context &context)
      : table_(table), name_(std::move(name)), path_(std::move(path)), context_(context) {}

  // Records an error at node `at` (nullptr: the table) for key.
  void fail(const toml::node *at, std::string_view key, std::string_view what) const {
    add(ConfigProblem::Severity::error, at, key,
        name_ + " " + std::string(key) + ": " + std::string(what));
  }

  void warn(const toml::node *at, std::string_view key, std::string message) const {
    add(ConfigProblem::Severity::warning, at, key, std::move(message));
  }

  const toml::node *get(std::string_view key) {
    seen_.insert(std::string(key));
    return table_.get(key);
  }

  std::optional<std::string> string(std::string_view key) {
    const toml::node *n = get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_string()) {
      fail(n, key, "expected a string in double quotes");
      return std::nullopt;
    }
    return n->value<std::string>();
  }

  // "" after an error.
  std::string required_string(std::string_view key, std::string_view meaning) {
    const toml::node *n = table_.get(key);
    auto s = string(key);
    if (!s) {
      if (n == nullptr) fail(nullptr, key, "missing; expected " + std::string(meaning));
      return {};
    }
    if (s->empty()) fail(n, key, "empty; expected " + std::string(meaning));
    return *s;
  }

  std::optional<std::filesystem::path> path(std::string_view key) {
    auto s = string(key);
    if (!s) return std::nullopt;
    if (s->empty()) {
      fail(get(key), key, "empty; expected a file path");
      return std::nullopt;
    }
    std::filesystem::path p(*s);
    if (p.is_relative()) p = context_.folder / p;
    return p;
  }

  // Empty after an error.
  std::filesystem::path required_path(std::string_view key, std::string_view meaning) {
    const bool present = table_.get(key) != nullptr;
    auto p = path(key);
    if (!p && !present) fail(nullptr, key, "missing; expected " + std::string(meaning));
    return p.value_or(std::filesystem::path());
  }

  std::optional<bool> boolean(std::string_view key) {
    const toml::node *n = get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_boolean()) {
      fail(n, key, "expected true or false");
      return std::nullopt;
    }
    return n->value<bool>();
  }

  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                      std::string_view unit) {
    const toml::node *n = get(key);
    if (n == nullptr) return std::nullopt;
    const auto v = n->value<std::int64_t>();
    if (!n->is_integer() || !v || *v < min || *v > max) {
      fail(n, key,
           "expected a whole number of " + std::string(unit) + " from " + std::to_string(min) +
               " to " + std::to_string(max));
      return std::nullopt;
    }
    return v;
  }

  std::optional<Date> date(std::string_view key) {
    const toml::node *n = get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_date()) {
      // A host's setting (no source file) is text; a file's date is written without quotes.
      fail(n, key,
           n->source().path ? "expected a date without quotes, like 2026-08-01"
                            : "expected a date that exists, written YYYY-MM-DD (like 2026-08-01)");
      return std::nullopt;
    }
    const auto d = *n->value<toml::date>();
    return Date{d.year, d.month, d.day};
  }

  // A duration in ms in [min, max], or fallback when absent or wrong.
  long milliseconds(std::string_view key, std::int64_t min, std::int64_t max, long fallback) {
    return static_cast<long>(integer(key, min, max, "milliseconds").value_or(fallback));
  }

  // Unknown keys are warnings: an old plugin keeps working with a newer file.
  void warn_unknown() const {
    for (const auto &[k, v] : table_) {
      if (!seen_.contains(std::string(k.str()))) {
        warn(&v, k.str(),
             name_ + " " + std::string(k.str()) +
                 ": unknown key, ignored (check "
                 "the spelling)");
      }
    }
  }

 private:
  void add(ConfigProblem::Severity severity, const toml::node *at, std::string_view key,
           std::string message) const {
    const toml::source_region &src = at ? at->source() : table_.source();
    ConfigProblem p;
    p.severity = severity;
    p.file = src.path ? *src.path : kHostSettings;
    p.line = static_cast<unsigned>(src.begin.line);
    p.key = path_.empty() ? std::string(key) : key.empty() ? path_ : path_ + "." + std::string(key);
    p.message = std::move(message);
    context_.problems.push_back(std::move(p));
  }

  static constexpr const char *kHostSettings = "host settings";
  const toml::table &table_;
  std::string name_;
  std::string path_;
  Context &context_;
  std::set<std::string> seen_;
};

const std::regex &begrippenkader_uri() {
  static const std::regex re(
      "http://purl\\.edustandaard\\.nl/begrippenkader/"
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  return re;
}

// Records an error unless value is a begrippenkader id; false then.
bool check_begrippenkader(TableReader &r, const toml::node *at, std::string_view key,
                          const std::string &value) {
  if (std::regex_match(value, begrippenkader_uri())) return true;
  std::string what =
      "'" + value +
      "' is not of the form http://purl.edustandaard.nl/begrippenkader/<uuid> (lowercase uuid)";
  if (value.starts_with("https://")) what += "; the service's ids use http://, not https://";
  r.fail(at, key, what);
  return false;
}

// A salt file holds one base64 line; anything much larger is the wrong file (or a device).
constexpr std::size_t kMaxSaltFileBytes = 4096;

// The salt text of salt_file (trimmed), or nullopt after an error.
std::optional<std::string> read_salt_file(TableReader &r, const std::filesystem::path &file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    r.fail(
        r.get("salt_file"), "salt_file",
        "cannot read " + file.string() + "; check the path and that the host's user may read it");
    return std::nullopt;
  }
  std::string text(kMaxSaltFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxSaltFileBytes) {
    secure_clear(text.data(), text.size());
    r.fail(r.get("salt_file"), "salt_file",
           file.string() + " is larger than " + std::to_string(kMaxSaltFileBytes) +
               " bytes; a salt file holds one line of base64: is this the right file?");
    return std::nullopt;
  }
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  std::string trimmed =
      first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
  secure_clear(text.data(), text.size());
  return trimmed;
}

// The environment salt, decoded; empty after an error.
SecureBytes read_salt(TableReader &r) {
  const auto inline_salt = r.string("salt");
  const auto salt_file = r.path("salt_file");
  if (inline_salt && salt_file) {
    r.fail(r.get("salt_file"), "salt_file", "set either salt or salt_file, not both");
    return {};
  }
  if (!inline_salt && !salt_file) {
    if (r.get("salt") == nullptr && r.get("salt_file") == nullptr) {
      r.fail(nullptr, "salt",
             "missing; set salt (base64 text) or salt_file (a file holding it): the environment "
             "salt from the service operator, without it no HPgn can be computed");
    }
    return {};
  }
  const std::string_view key = inline_salt ? "salt" : "salt_file";
  std::optional<std::string> text = inline_salt ? inline_salt : read_salt_file(r, *salt_file);
  if (!text) return {};
  auto salt = base64_decode(*text);
  const bool empty = text->empty();
  secure_clear(text->data(), text->size());
  if (empty) {
    r.fail(r.get(key), key, "the salt is empty; set the environment salt (base64)");
    return {};
  }
  if (!salt) {
    r.fail(r.get(key), key,
           "the salt is not base64 (A-Z a-z 0-9 + /, '=' padding, length a multiple of 4)");
    return {};
  }
  return std::move(*salt);
}

ServiceConfig read_service(const toml::table &t, Context &context) {
  TableReader r(t, "[service]", "service", context);
  ServiceConfig s;
  const std::string env =
      r.required_string("environment", "one of sandbox, acceptance, qualification, production");
  if (env == "sandbox") {
    s.environment = Environment::sandbox;
  } else if (env == "acceptance") {
    s.environment = Environment::acceptance;
  } else if (env == "qualification") {
    s.environment = Environment::qualification;
  } else if (env == "production") {
    s.environment = Environment::production;
  } else if (!env.empty()) {
    r.fail(r.get("environment"), "environment",
           "'" + env + "' is not one of sandbox, acceptance, qualification, production");
  }
  s.endpoint = r.string("endpoint").value_or(default_endpoint(s.environment));
  if (!s.endpoint.starts_with("https://")) {
    r.fail(r.get("endpoint"), "endpoint",
           "expected an https:// URL (the service requires mutual TLS)");
  }
  s.salt = read_salt(r);

  s.client.certificate = r.required_path(
      "client_certificate", "the path of the client certificate (PKCS#12 .p12, or PEM)");
  s.client.key = r.path("client_key").value_or(std::filesystem::path());
  s.client.password_file = r.path("key_password_file").value_or(std::filesystem::path());
  s.client.password_env = r.string("key_password_env").value_or("");
  if (!s.client.password_file.empty() && !s.client.password_env.empty()) {
    r.fail(r.get("key_password_env"), "key_password_env",
           "set either key_password_file or key_password_env, not both");
  }
  s.ca_bundle = r.required_path(
      "ca_bundle",
      "the path of the PEM file with the CA certificates that sign the service's certificate");
  s.connect_timeout_ms =
      r.integer("connect_timeout_ms", 100, 600'000, "milliseconds").value_or(s.connect_timeout_ms);
  s.request_timeout_ms = r.integer("request_timeout_ms", 100, 3'600'000, "milliseconds")
                             .value_or(s.request_timeout_ms);
  s.max_response_bytes =
      static_cast<std::size_t>(r.integer("max_response_bytes", 4096, 1 << 30, "bytes")
                                   .value_or(static_cast<std::int64_t>(s.max_response_bytes)));
  r.warn_unknown();
  return s;
}

HashConfig read_hash(const toml::table &t, Context &context) {
  TableReader r(t, "[hash]", "hash", context);
  HashConfig h;
  if (const auto engine = r.string("engine")) {
    if (*engine == "fast") {
      h.engine = HashConfig::Engine::fast;
    } else if (*engine == "openssl") {
      h.engine = HashConfig::Engine::openssl;
    } else {
      r.fail(r.get("engine"), "engine", "expected \"fast\" or \"openssl\"");
    }
  }
  // One scrypt lane (128*r*N bytes) at the HPgn's parameters must fit.
  constexpr auto kMinBudget =
      static_cast<std::int64_t>(scrypt::lane_bytes(scrypt::kHpgnParams) >> 20);
  h.memory_budget_mib =
      static_cast<std::uint64_t>(r.integer("memory_budget_mib", kMinBudget, 1 << 20,
                                           "MiB (128 MiB per scrypt lane, at least one lane)")
                                     .value_or(static_cast<std::int64_t>(h.memory_budget_mib)));
  r.warn_unknown();
  return h;
}

StateConfig read_state(const toml::table &t, Context &context) {
  TableReader r(t, "[state]", "state", context);
  StateConfig s;
  s.directory = r.path("directory").value_or(context.folder / "state");
  s.busy_timeout_ms =
      r.integer("busy_timeout_ms", 0, 600'000, "milliseconds").value_or(s.busy_timeout_ms);
  s.url = r.string("url").value_or("");
  if (const auto schema = r.string("schema")) {
    const bool name = !schema->empty() && schema->size() <= 63 &&
                      (schema->front() < '0' || schema->front() > '9') &&
                      std::ranges::all_of(*schema, [](char c) {
                        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                      });
    if (!name) {
      r.fail(r.get("schema"), "schema",
             "expected a PostgreSQL schema name: 1 to 63 lowercase letters, digits and '_', not "
             "starting with a digit");
    }
    s.schema = *schema;
  }
  s.password_file = r.path("password_file").value_or(std::filesystem::path());
  s.password_env = r.string("password_env").value_or("");
  if (!s.password_file.empty() && !s.password_env.empty()) {
    r.fail(r.get("password_env"), "password_env",
           "set either password_file or password_env, not both");
  }
  if (s.url.empty()) {
    for (const char *key : {"schema", "password_file", "password_env"}) {
      if (r.get(key) != nullptr) {
        r.fail(r.get(key), key, "only for PostgreSQL: set [state] url too, or remove it");
      }
    }
  }
  r.warn_unknown();
  return s;
}

OutboxConfig read_outbox(const toml::table &t, Context &context) {
  TableReader r(t, "[outbox]", "outbox", context);
  OutboxConfig o;
  o.workers = static_cast<unsigned>(r.integer("workers", 1, 64, "threads").value_or(o.workers));
  o.deadline_ms = r.milliseconds("deadline_ms", 0, 3'600'000, o.deadline_ms);
  o.max_attempts =
      static_cast<int>(r.integer("max_attempts", 1, 1000, "attempts").value_or(o.max_attempts));
  o.retry_base_ms = r.milliseconds("retry_base_ms", 10, 3'600'000, o.retry_base_ms);
  o.retry_max_ms = r.milliseconds("retry_max_ms", 10, 86'400'000, o.retry_max_ms);
  o.breaker_threshold = static_cast<int>(
      r.integer("breaker_threshold", 1, 1000, "failures").value_or(o.breaker_threshold));
  o.breaker_cooldown_ms =
      r.milliseconds("breaker_cooldown_ms", 10, 3'600'000, o.breaker_cooldown_ms);
  o.shutdown_wait_ms = r.milliseconds("shutdown_wait_ms", 0, 600'000, o.shutdown_wait_ms);
  r.warn_unknown();
  return o;
}

OnboardingConfig read_onboarding(const toml::table &t, Context &context) {
  TableReader r(t, "[onboarding]", "onboarding", context);
  OnboardingConfig o;
  o.batch_size =
      static_cast<unsigned>(r.integer("batch_size", 1, 100'000, "pupils").value_or(o.batch_size));
  o.hash_workers =
      static_cast<unsigned>(r.integer("hash_workers", 0, 256, "threads").value_or(o.hash_workers));
  o.poll_delay_ms = r.milliseconds("poll_delay_ms", 10, 3'600'000, o.poll_delay_ms);
  o.max_polls = static_cast<int>(r.integer("max_polls", 1, 10'000, "polls").value_or(o.max_polls));
  o.blocked_delay_ms = r.milliseconds("blocked_delay_ms", 10, 3'600'000, o.blocked_delay_ms);
  o.blocked_delay_max_ms =
      r.milliseconds("blocked_delay_max_ms", 10, 86'400'000, o.blocked_delay_max_ms);
  o.max_blocked =
      static_cast<int>(r.integer("max_blocked", 1, 1'000, "answers").value_or(o.max_blocked));
  r.warn_unknown();
  return o;
}

// An OIN is 20 digits and upper-case letters (spec "Transport": the 20-character
// organisation number in wsa:From, ...?oin=<OIN>). Any other character, lower case included,
// is reported at open rather than left to a later "not authorised" from the service. An OIN
// is not personal data: the message shows it.
void check_oin(TableReader &r, const std::string &oin) {
  if (oin.empty()) return;  // reported as missing or empty
  if (oin.size() != 20) {
    r.fail(
        r.get("oin"), "oin",
        "'" + oin + "' has " + std::to_string(oin.size()) + " characters; an OIN has exactly 20");
    return;
  }
  const auto bad = std::find_if(oin.begin(), oin.end(), [](char c) {
    return !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'));
  });
  if (bad == oin.end()) return;
  const bool only_case = std::all_of(oin.begin(), oin.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  });
  if (only_case) {
    std::string upper = oin;
    for (char &c : upper) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    r.fail(r.get("oin"), "oin",
           "'" + oin +
               "' has lower-case letters; an OIN is digits and upper-case letters: write "
               "it in upper case, '" +
               upper + "'");
    return;
  }
  const auto position = std::to_string(bad - oin.begin() + 1);
  const auto c = static_cast<unsigned char>(*bad);
  const std::string shown = c > 0x20 && c < 0x7f ? "'" + std::string(1, *bad) + "'"
                            : c >= 0x80          ? "a non-ASCII character"
                                                 : "a space or control character";
  r.fail(r.get("oin"), "oin",
         "'" + oin + "' has " + shown + " at position " + position +
             "; an OIN has only digits 0-9 and upper-case letters A-Z (copy it from the "
             "school's registration)");
}

// One [[school]] table; nullopt when it has an error (then it is not listed).
std::optional<SchoolConfig> read_school(const toml::table &t, std::size_t index, Context &context) {
  const std::size_t before = context.problems.size();
  const std::string path = "school[" + std::to_string(index) + "]";
  TableReader r(t, "[[school]] #" + std::to_string(index + 1), path, context);
  SchoolConfig s;
  s.key = r.required_string("key", "the host's identifier of the school (for example its BRIN)");
  TableReader named(
      t, s.key.empty() ? "[[school]] #" + std::to_string(index + 1) : "[[school]] '" + s.key + "'",
      path, context);
  s.oin = named.required_string("oin", "the school's 20-character OIN");
  check_oin(named, s.oin);
  s.sector = named.required_string(
      "sector", "the sector id, http://purl.edustandaard.nl/begrippenkader/<uuid>");
  if (!s.sector.empty()) check_begrippenkader(named, named.get("sector"), "sector", s.sector);
  const toml::node *chains = named.get("chains");
  if (chains == nullptr || !chains->is_array() || chains->as_array()->empty()) {
    named.fail(chains, "chains",
               "expected a non-empty list of chain ids, [\"http://purl.edustandaard.nl/"
               "begrippenkader/<uuid>\"]");
  } else {
    for (const auto &c : *chains->as_array()) {
      if (!c.is_string()) {
        named.fail(&c, "chains", "every chain id must be a string in quotes");
        continue;
      }
      s.chains.push_back(*c.value<std::string>());
      check_begrippenkader(named, &c, "chains", s.chains.back());
    }
  }
  const auto enabled = named.boolean("enabled");
  if (!enabled && named.get("enabled") == nullptr) {
    named.warn(nullptr, "enabled",
               "[[school]] '" + s.key +
                   "' has no 'enabled' key: it stays disabled until you set enabled = true");
  }
  s.enabled = enabled.value_or(false);
  s.start_date = named.date("start_date");
  named.get("key");
  named.warn_unknown();
  const bool failed = std::any_of(
      context.problems.begin() + static_cast<std::ptrdiff_t>(before), context.problems.end(),
      [](const ConfigProblem &p) { return p.severity == ConfigProblem::Severity::error; });
  if (failed) return std::nullopt;
  return s;
}

// Parses TOML text into root; false after recording the syntax error.
bool parse_into(toml::table &root, std::string_view text, const std::string &name,
                std::vector<ConfigProblem> &problems) {
  try {
    root = toml::parse(text, name);
    return true;
  } catch (const toml::parse_error &e) {
    problems.push_back({ConfigProblem::Severity::error, name,
                        static_cast<unsigned>(e.source().begin.line), "",
                        "not valid TOML: " + std::string(e.description())});
    return false;
  }
}

// Moves into root every value of defaults that root does not set, tables key by key. Moved
// (not copied) so that each value keeps where it came from ("host defaults", its line).
void add_defaults(toml::table &root, toml::table &defaults) {
  for (auto &&[key, value] : defaults) {
    toml::node *mine = root.get(key.str());
    if (mine == nullptr) {
      root.insert(key, std::move(value));
    } else if (mine->is_table() && value.is_table()) {
      add_defaults(*mine->as_table(), *value.as_table());
    }
  }
}

// A host's school as the [[school]] table a file would hold.
toml::table school_table(const SchoolSettings &s) {
  toml::array chains;
  for (const auto &c : s.chains) chains.push_back(c);
  toml::table t{{"key", s.key},
                {"oin", s.oin},
                {"sector", s.sector},
                {"chains", std::move(chains)},
                {"enabled", s.enabled}};
  if (!s.start_date.empty()) {
    // A valid date becomes a TOML date; anything else stays a string, which the reader
    // reports as not a date.
    if (const auto d = parse_calendar_date(s.start_date)) {
      t.insert("start_date", toml::date{d->year, d->month, d->day});
    } else {
      t.insert("start_date", s.start_date);
    }
  }
  return t;
}

// The whole configuration from its parsed root.
Config read_root(const toml::table &root, Context &context) {
  TableReader top(root, "top level", "", context);
  Config c;
  static const toml::table kEmpty;
  const auto table = [&](std::string_view key, std::string_view name) -> const toml::table * {
    const toml::node *n = top.get(key);
    if (n != nullptr && !n->is_table()) {
      top.fail(n, name, "expected a table");
      return nullptr;
    }
    return n ? n->as_table() : nullptr;
  };
  if (const toml::node *service = root.get("service"); service == nullptr) {
    top.fail(nullptr, "[service]",
             "missing table; expected [service] with environment, salt, "
             "client_certificate and ca_bundle");
  }
  if (const auto *t = table("service", "[service]")) c.service = read_service(*t, context);
  if (const auto *t = table("hash", "[hash]")) c.hash = read_hash(*t, context);
  const auto *state = table("state", "[state]");
  c.state = read_state(state ? *state : kEmpty, context);
  const auto *outbox = table("outbox", "[outbox]");
  c.outbox = read_outbox(outbox ? *outbox : kEmpty, context);
  const auto *onboarding = table("onboarding", "[onboarding]");
  c.onboarding = read_onboarding(onboarding ? *onboarding : kEmpty, context);

  const toml::node *schools = top.get("school");
  if (schools == nullptr || !schools->is_array_of_tables() || schools->as_array()->empty()) {
    top.fail(schools, "[[school]]", "missing; expected at least one [[school]] table");
  } else {
    std::set<std::string> keys;
    const auto &list = *schools->as_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      auto s = read_school(*list[i].as_table(), i, context);
      if (!s) continue;
      if (!keys.insert(s->key).second) {
        top.fail(&list[i], "[[school]]",
                 "two schools have the key '" + s->key + "'; each school key must be unique");
        continue;
      }
      c.schools.push_back(std::move(*s));
    }
  }
  top.warn_unknown();
  return c;
}

// The file's text, or nullopt after recording why it cannot be read.
std::optional<std::string> read_file_text(const std::filesystem::path &path,
                                          std::vector<ConfigProblem> &problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems.push_back({ConfigProblem::Severity::error, path.string(), 0, "",
                        "cannot read the configuration file (check the path and that the "
                        "host's user may read it)"});
    return std::nullopt;
  }
  // Read at most one byte more than the limit: a huge file (or a device) is refused, not read.
  std::string text(ECKID_MAX_CONFIG_BYTES + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > ECKID_MAX_CONFIG_BYTES) {
    problems.push_back({ConfigProblem::Severity::error, path.string(), 0, "",
                        "the configuration file is larger than ECKID_MAX_CONFIG_BYTES (" +
                            std::to_string(ECKID_MAX_CONFIG_BYTES) +
                            " bytes); is this the right file?"});
    return std::nullopt;
  }
  return text;
}

}  // namespace

std::string ConfigProblem::text() const {
  std::string s;
  if (!file.empty()) s += file + ":";
  if (line > 0) s += std::to_string(line) + ":";
  return s.empty() ? message : s + " " + message;
}

bool ConfigReading::usable() const noexcept {
  return std::none_of(problems.begin(), problems.end(), [](const ConfigProblem &p) {
    return p.severity == ConfigProblem::Severity::error;
  });
}

ConfigReading read_config(const ConfigSource &source) {
  ConfigReading reading;
  reading.config.source = source.path;
  Context context{source.path.parent_path(), reading.problems};
  const auto text = source.text ? source.text : read_file_text(source.path, reading.problems);
  if (!text) return reading;
  toml::table root;
  if (!parse_into(root, *text, source.path.string(), reading.problems)) return reading;
  if (!source.defaults.empty()) {
    toml::table defaults;
    if (!parse_into(defaults, source.defaults, "host defaults", reading.problems)) {
      return reading;
    }
    add_defaults(root, defaults);
  }
  if (!source.schools.empty()) {
    toml::node *schools = root.get("school");
    if (schools == nullptr) schools = &root.insert("school", toml::array{}).first->second;
    if (auto *list = schools->as_array(); list != nullptr && list->is_array_of_tables()) {
      for (const auto &s : source.schools) list->push_back(school_table(s));
    } else if (auto *empty = schools->as_array(); empty != nullptr && empty->empty()) {
      for (const auto &s : source.schools) empty->push_back(school_table(s));
    }
  }
  reading.config = read_root(root, context);
  reading.config.source = source.path;
  return reading;
}

Config load_config(const ConfigSource &source, std::vector<std::string> &warnings) {
  ConfigReading reading = read_config(source);
  const ConfigProblem *first = nullptr;
  std::size_t errors = 0;
  for (const auto &p : reading.problems) {
    if (p.severity == ConfigProblem::Severity::warning) {
      warnings.push_back(p.text());
    } else if (errors++ == 0) {
      first = &p;
    }
  }
  if (first != nullptr) {
    std::string message = first->text();
    if (errors > 1) {
      message += " (and " + std::to_string(errors - 1) +
                 " more problem(s): `eckid doctor` lists them all)";
    }
    throw Error(ECKID_E_CONFIG, message);
  }
  return std::move(reading.config);
}

Config parse_config(std::string_view text, const std::filesystem::path &source,
                    std::vector<std::string> &warnings) {
  return load_config(ConfigSource::of_text(source, std::string(text)), warnings);
}

Config load_config(const std::filesystem::path &path, std::vector<std::string> &warnings) {
  return load_config(ConfigSource::file(path), warnings);
}

}  // namespace eckid
