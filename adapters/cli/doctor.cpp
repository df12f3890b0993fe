#include "doctor.hpp"

#include <eckid/eckid.h>

#include <toml++/toml.h>
#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "certificate_check.hpp"
#include "plugin.hpp"
#include "report.hpp"
#include "salt_check.hpp"
#include "schools.hpp"

namespace eckid_cli {

namespace {

// What the plugin logged at WARN or above since the last take(): eckid_open's lines, then
// those of each school's checks (a ping logs a server clock that is far off). The callback
// may come from any plugin thread, hence the lock.
struct PluginLog {
  using Line = std::pair<eckid_log_level, std::string>;
  std::mutex mutex;
  std::vector<Line> lines;

  std::vector<Line> take() {
    const std::lock_guard lock(mutex);
    return std::exchange(lines, {});
  }
};

void collect(eckid_log_level level, const char *message, void *payload) {
  if (level < ECKID_LOG_WARN) return;
  auto *log = static_cast<PluginLog *>(payload);
  const std::lock_guard lock(log->mutex);
  log->lines.emplace_back(level, message);
}

// The plugin's warnings since the last take(), as lines of `check`.
void report_log(Report &report, PluginLog &log, const std::string &check) {
  for (const auto &[level, message] : log.take()) {
    report.line(level >= ECKID_LOG_ERROR ? "FAIL" : "WARN", check, message);
  }
}

// The schools the doctor checks: those enabled in the file.
std::vector<School> enabled_schools(const toml::table &config) {
  std::vector<School> out = read_schools(config);
  std::erase_if(out, [](const School &s) { return !s.enabled; });
  return out;
}

using Catalog = std::unique_ptr<eckid_catalog, decltype(&eckid_free)>;

// Checks that every id is in the catalog the service lists; one line per id.
void check_listed(Report &report, const std::string &check, eckid_status status, eckid_catalog *raw,
                  const std::vector<std::string> &ids) {
  const Catalog catalog(raw, &eckid_free);
  if (status != ECKID_OK) {
    report.line("FAIL", check, "the service's list could not be retrieved: " + failure(status));
    return;
  }
  for (const auto &id : ids) {
    const eckid_catalog_entry *begin = catalog->entries;
    const eckid_catalog_entry *end = begin + catalog->count;
    const auto *hit =
        std::find_if(begin, end, [&](const eckid_catalog_entry &e) { return id == e.id; });
    if (hit == end) {
      report.line("FAIL", check, id + " is not in the service's list; check the configuration");
    } else {
      report.line("OK", check, id + " (" + hit->name + ")");
    }
  }
}

}  // namespace

int run_doctor(const std::string &config_path, std::ostream &out) {
  Report report{out};
  toml::table config;
  try {
    config = toml::parse_file(config_path);
  } catch (const toml::parse_error &e) {
    report.line("FAIL", "config",
                config_path + " is not valid TOML (line " + std::to_string(e.source().begin.line) +
                    "): " + std::string(e.description()));
    return 1;
  }
  // The files the plugin needs are checked from the doctor's own reading first, so their
  // lines appear even when the plugin does not open.
  const toml::table no_service;
  const toml::table *service = config["service"].as_table();
  const std::filesystem::path folder = std::filesystem::path(config_path).parent_path();
  check_certificate(report, service ? *service : no_service, folder);
  check_salt(report, service ? *service : no_service, folder);

  PluginLog log;
  eckid_open_options options = ECKID_OPEN_OPTIONS_INIT;
  options.log = collect;
  options.log_payload = &log;
  options.log_level = ECKID_LOG_WARN;
  eckid_plugin *raw = nullptr;
  const eckid_status opened = eckid_open(&raw, config_path.c_str(), &options);
  const std::unique_ptr<eckid_plugin, decltype(&eckid_close)> plugin(raw, &eckid_close);
  if (opened != ECKID_OK) {
    report.line("FAIL", "config",
                config_path + " does not open: " + failure(opened) +
                    "; ping, sectors and chains are not checked");
    return 1;
  }
  for (const auto &[level, message] : log.take()) {
    // The certificate checks above already report the expiry the plugin warns about.
    if (message.find("client certificate") != std::string::npos) continue;
    report.line(level >= ECKID_LOG_ERROR ? "FAIL" : "WARN", "config", message);
  }
  report.line("OK", "config", config_path + " opens");

  const std::vector<School> schools = enabled_schools(config);
  if (schools.empty()) report.line("WARN", "schools", "no enabled school to check");
  for (const auto &school : schools) {
    const std::string prefix = "school " + school.key + " ";
    char *version = nullptr;
    const eckid_status pinged = eckid_ping(plugin.get(), school.key.c_str(), &version);
    if (pinged != ECKID_OK) {
      report.line("FAIL", prefix + "ping", failure(pinged));
      report_log(report, log, prefix + "ping");
      continue;  // the lists would fail the same way
    }
    report.line("OK", prefix + "ping", std::string("service available, ") + version);
    eckid_free(version);
    report_log(report, log, prefix + "ping");
    eckid_catalog *sectors = nullptr;
    const eckid_status s = eckid_retrieve_sectors(plugin.get(), school.key.c_str(), &sectors);
    check_listed(report, prefix + "sector", s, sectors, {school.sector});
    report_log(report, log, prefix + "sector");
    eckid_catalog *chains = nullptr;
    const eckid_status c = eckid_retrieve_chains(plugin.get(), school.key.c_str(), &chains);
    check_listed(report, prefix + "chain", c, chains, school.chains);
    report_log(report, log, prefix + "chain");
  }
  return report.failed ? 1 : 0;
}

}  // namespace eckid_cli
