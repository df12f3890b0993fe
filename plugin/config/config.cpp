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

// Reads one table of the file, reporting every problem with file, line and key.
class TableReader {
 public:
  TableReader(const toml::table &table, std::string name, const std::filesystem::path &file,
              std::vector<std::string> &warnings)
      : table_(table), name_(std::move(name)), file_(file), warnings_(warnings) {}

  [[noreturn]] void fail(const toml::node *at, std::string_view key, std::string_view what) const {
    throw Error(ECKID_E_CONFIG,
                where(at) + name_ + " " + std::string(key) + ": " + std::string(what));
  }

  const toml::node *get(std::string_view key) {
    seen_.insert(std::string(key));
    return table_.get(key);
  }

  std::optional<std::string> string(std::string_view key) {
    const toml::node *n = get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_string()) fail(n, key, "expected a string in double quotes");
    return n->value<std::string>();
  }

  std::string required_string(std::string_view key, std::string_view meaning) {
    auto s = string(key);
    if (!s) fail(nullptr, key, "missing; expected " + std::string(meaning));
    if (s->empty()) fail(get(key), key, "empty; expected " + std::string(meaning));
    return *s;
  }

  std::optional<std::filesystem::path> path(std::string_view key) {
    auto s = string(key);
    if (!s) return std::nullopt;
    if (s->empty()) fail(get(key), key, "empty; expected a file path");
    std::filesystem::path p(*s);
    if (p.is_relative()) p = file_.parent_path() / p;
    return p;
  }

  std::filesystem::path required_path(std::string_view key, std::string_view meaning) {
    auto p = path(key);
    if (!p) fail(nullptr, key, "missing; expected " + std::string(meaning));
    return *p;
  }

  std::optional<bool> boolean(std::string_view key) {
    const toml::node *n = get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_boolean()) fail(n, key, "expected true or false");
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
    }
    return v;
  }

  std::optional<Date> date(std::string_view key) {
    const toml::node *n = get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_date()) fail(n, key, "expected a date without quotes, like 2026-08-01");
    const auto d = *n->value<toml::date>();
    return Date{d.year, d.month, d.day};
  }

  // Unknown keys are warnings: an old plugin keeps working with a newer file.
  // A duration in ms in [min, max], or fallback when absent.
  long milliseconds(std::string_view key, std::int64_t min, std::int64_t max, long fallback) {
    return static_cast<long>(integer(key, min, max, "milliseconds").value_or(fallback));
  }

  void warn_unknown() const {
    for (const auto &[k, v] : table_) {
      if (!seen_.contains(std::string(k.str()))) {
        warnings_.push_back(where(&v) + name_ + " " + std::string(k.str()) +
                            ": unknown key, ignored (check the spelling)");
      }
    }
  }

  std::string where(const toml::node *at) const {
    std::string s = file_.string() + ":";
    const auto &src = at ? at->source() : table_.source();
    if (src.begin.line > 0) s += std::to_string(src.begin.line) + ":";
    return s + " ";
  }

  void warn(std::string message) { warnings_.push_back(where(nullptr) + std::move(message)); }
  const std::filesystem::path &file() const { return file_; }

 private:
  const toml::table &table_;
  std::string name_;
  const std::filesystem::path &file_;
  std::vector<std::string> &warnings_;
  std::set<std::string> seen_;
};

const std::regex &begrippenkader_uri() {
  static const std::regex re(
      "http://purl\\.edustandaard\\.nl/begrippenkader/"
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  return re;
}

void check_begrippenkader(TableReader &r, const toml::node *at, std::string_view key,
                          const std::string &value) {
  if (std::regex_match(value, begrippenkader_uri())) return;
  std::string what =
      "'" + value +
      "' is not of the form http://purl.edustandaard.nl/begrippenkader/<uuid> (lowercase uuid)";
  if (value.starts_with("https://")) what += "; the service's ids use http://, not https://";
  r.fail(at, key, what);
}

SecureBytes read_salt(TableReader &r) {
  const auto inline_salt = r.string("salt");
  const auto salt_file = r.path("salt_file");
  if (inline_salt && salt_file) {
    r.fail(r.get("salt_file"), "salt_file", "set either salt or salt_file, not both");
  }
  if (!inline_salt && !salt_file) {
    r.fail(nullptr, "salt",
           "missing; set salt (base64 text) or salt_file (a file holding it): the environment "
           "salt from the service operator, without it no HPgn can be computed");
  }
  std::string text;
  std::string_view key = "salt";
  if (inline_salt) {
    text = *inline_salt;
  } else {
    key = "salt_file";
    std::ifstream in(*salt_file, std::ios::binary);
    if (!in) r.fail(r.get("salt_file"), key, "cannot read " + salt_file->string());
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    const auto first = text.find_first_not_of(" \t\r\n");
    const auto last = text.find_last_not_of(" \t\r\n");
    text = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
  }
  auto salt = base64_decode(text);
  secure_clear(text.data(), text.size());
  if (!salt) {
    r.fail(r.get(key), key,
           "the salt is not base64 (A-Z a-z 0-9 + /, '=' padding, length a multiple of 4)");
  }
  return std::move(*salt);
}

ServiceConfig read_service(const toml::table &t, const std::filesystem::path &file,
                           std::vector<std::string> &warnings) {
  TableReader r(t, "[service]", file, warnings);
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
  } else {
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

HashConfig read_hash(const toml::table &t, const std::filesystem::path &file,
                     std::vector<std::string> &warnings) {
  TableReader r(t, "[hash]", file, warnings);
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

StateConfig read_state(const toml::table &t, const std::filesystem::path &file,
                       std::vector<std::string> &warnings) {
  TableReader r(t, "[state]", file, warnings);
  StateConfig s;
  s.directory = r.path("directory").value_or(file.parent_path() / "state");
  s.busy_timeout_ms =
      r.integer("busy_timeout_ms", 0, 600'000, "milliseconds").value_or(s.busy_timeout_ms);
  r.warn_unknown();
  return s;
}

OutboxConfig read_outbox(const toml::table &t, const std::filesystem::path &file,
                         std::vector<std::string> &warnings) {
  TableReader r(t, "[outbox]", file, warnings);
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

OnboardingConfig read_onboarding(const toml::table &t, const std::filesystem::path &file,
                                 std::vector<std::string> &warnings) {
  TableReader r(t, "[onboarding]", file, warnings);
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
void check_oin_characters(TableReader &r, const std::string &oin) {
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

SchoolConfig read_school(const toml::table &t, std::size_t index, const std::filesystem::path &file,
                         std::vector<std::string> &warnings) {
  TableReader r(t, "[[school]] #" + std::to_string(index + 1), file, warnings);
  SchoolConfig s;
  s.key = r.required_string("key", "the host's identifier of the school (for example its BRIN)");
  TableReader named(t, "[[school]] '" + s.key + "'", file, warnings);
  s.oin = named.required_string("oin", "the school's 20-character OIN");
  if (s.oin.size() != 20) {
    named.fail(named.get("oin"), "oin",
               "'" + s.oin + "' has " + std::to_string(s.oin.size()) +
                   " characters; an OIN has exactly 20");
  }
  check_oin_characters(named, s.oin);
  s.sector = named.required_string(
      "sector", "the sector id, http://purl.edustandaard.nl/begrippenkader/<uuid>");
  check_begrippenkader(named, named.get("sector"), "sector", s.sector);
  const toml::node *chains = named.get("chains");
  if (chains == nullptr || !chains->is_array() || chains->as_array()->empty()) {
    named.fail(chains, "chains",
               "expected a non-empty list of chain ids, [\"http://purl.edustandaard.nl/"
               "begrippenkader/<uuid>\"]");
  }
  for (const auto &c : *chains->as_array()) {
    if (!c.is_string()) named.fail(&c, "chains", "every chain id must be a string in quotes");
    s.chains.push_back(*c.value<std::string>());
    check_begrippenkader(named, &c, "chains", s.chains.back());
  }
  const auto enabled = named.boolean("enabled");
  if (!enabled) {
    named.warn("[[school]] '" + s.key +
               "' has no 'enabled' key: it stays disabled until you set enabled = true");
  }
  s.enabled = enabled.value_or(false);
  s.start_date = named.date("start_date");
  named.get("key");
  named.warn_unknown();
  return s;
}

}  // namespace

Config parse_config(std::string_view text, const std::filesystem::path &source,
                    std::vector<std::string> &warnings) {
  toml::table root;
  try {
    root = toml::parse(text, source.string());
  } catch (const toml::parse_error &e) {
    throw Error(ECKID_E_CONFIG, source.string() + ":" + std::to_string(e.source().begin.line) +
                                    ": not valid TOML: " + std::string(e.description()));
  }
  TableReader top(root, "top level", source, warnings);
  Config c;
  c.source = source;

  const toml::node *service = top.get("service");
  if (service == nullptr || !service->is_table()) {
    top.fail(service, "[service]",
             "missing table; expected [service] with environment, salt, "
             "client_certificate and ca_bundle");
  }
  c.service = read_service(*service->as_table(), source, warnings);

  if (const toml::node *hash = top.get("hash")) {
    if (!hash->is_table()) top.fail(hash, "[hash]", "expected a table");
    c.hash = read_hash(*hash->as_table(), source, warnings);
  }

  const toml::node *state = top.get("state");
  if (state != nullptr && !state->is_table()) top.fail(state, "[state]", "expected a table");
  static const toml::table kEmpty;
  c.state = read_state(state ? *state->as_table() : kEmpty, source, warnings);

  const toml::node *outbox = top.get("outbox");
  if (outbox != nullptr && !outbox->is_table()) top.fail(outbox, "[outbox]", "expected a table");
  c.outbox = read_outbox(outbox ? *outbox->as_table() : kEmpty, source, warnings);
  const toml::node *onboarding = top.get("onboarding");
  if (onboarding != nullptr && !onboarding->is_table()) {
    top.fail(onboarding, "[onboarding]", "expected a table");
  }
  c.onboarding = read_onboarding(onboarding ? *onboarding->as_table() : kEmpty, source, warnings);

  const toml::node *schools = top.get("school");
  if (schools == nullptr || !schools->is_array_of_tables() || schools->as_array()->empty()) {
    top.fail(schools, "[[school]]", "missing; expected at least one [[school]] table");
  }
  std::set<std::string> keys;
  const auto &list = *schools->as_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    SchoolConfig s = read_school(*list[i].as_table(), i, source, warnings);
    if (!keys.insert(s.key).second) {
      top.fail(&list[i], "[[school]]",
               "two schools have the key '" + s.key + "'; each school key must be unique");
    }
    c.schools.push_back(std::move(s));
  }
  top.warn_unknown();
  return c;
}

Config load_config(const std::filesystem::path &path, std::vector<std::string> &warnings) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ECKID_E_CONFIG, path.string() +
                                    ": cannot read the configuration file (check the path and "
                                    "that the host's user may read it)");
  }
  // Read at most one byte more than the limit: a huge file (or a device) is refused, not read.
  std::string text(ECKID_MAX_CONFIG_BYTES + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > ECKID_MAX_CONFIG_BYTES) {
    throw Error(ECKID_E_CONFIG, path.string() + ": the configuration file is larger than " +
                                    "ECKID_MAX_CONFIG_BYTES (" +
                                    std::to_string(ECKID_MAX_CONFIG_BYTES) +
                                    " bytes); is this the right file?");
  }
  return parse_config(text, path, warnings);
}

}  // namespace eckid
