#include "doctor.hpp"

#include <eckid/eckid.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "plugin.hpp"
#include "report.hpp"

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

using CheckReport = std::unique_ptr<eckid_check_report, decltype(&eckid_free)>;

// One line per finding of eckid_check(). A finding at a line of a file, or about the
// configuration file itself, is prefixed with where it is ("file:line: "); the other
// findings' messages name their file themselves.
void report_findings(Report &report, const eckid_check_report &checked) {
  for (std::size_t i = 0; i < checked.finding_count; ++i) {
    const eckid_check_finding &f = *checked.findings[i];
    std::string where;
    if (*f.file != '\0' && (f.line > 0 || std::string(f.check) == "config")) {
      where = std::string(f.file) + (f.line > 0 ? ":" + std::to_string(f.line) : "") + ": ";
    }
    const char *verdict = f.verdict == ECKID_VERDICT_FAIL   ? "FAIL"
                          : f.verdict == ECKID_VERDICT_WARN ? "WARN"
                                                            : "OK";
    report.line(verdict, f.check, where + f.message);
  }
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
    const eckid_catalog_entry *const *begin = catalog->entries;
    const eckid_catalog_entry *const *end = begin + catalog->count;
    const auto hit =
        std::find_if(begin, end, [&](const eckid_catalog_entry *e) { return id == e->id; });
    if (hit == end) {
      report.line("FAIL", check, id + " is not in the service's list; check the configuration");
    } else {
      report.line("OK", check, id + " (" + (*hit)->name + ")");
    }
  }
}

// The service's checks of one enabled school: ping, then its sector and chains listed.
void check_school(Report &report, eckid_plugin *plugin, PluginLog &log, const std::string &key,
                  const std::string &sector, const std::vector<std::string> &chains) {
  const std::string prefix = "school " + key + " ";
  char *version = nullptr;
  const eckid_status pinged = eckid_ping(plugin, key.c_str(), &version);
  if (pinged != ECKID_OK) {
    report.line("FAIL", prefix + "ping", failure(pinged));
    report_log(report, log, prefix + "ping");
    return;  // the lists would fail the same way
  }
  report.line("OK", prefix + "ping", std::string("service available, ") + version);
  eckid_free(version);
  report_log(report, log, prefix + "ping");
  eckid_catalog *sectors = nullptr;
  const eckid_status s = eckid_retrieve_sectors(plugin, key.c_str(), &sectors);
  check_listed(report, prefix + "sector", s, sectors, {sector});
  report_log(report, log, prefix + "sector");
  eckid_catalog *listed = nullptr;
  const eckid_status c = eckid_retrieve_chains(plugin, key.c_str(), &listed);
  check_listed(report, prefix + "chain", c, listed, chains);
  report_log(report, log, prefix + "chain");
}

}  // namespace

int run_doctor(const std::string &config_path, std::ostream &out) {
  Report report{out};
  // The plugin's own check first, so its lines appear even when the plugin does not open.
  eckid_config_source source = ECKID_CONFIG_SOURCE_INIT;
  source.path = config_path.c_str();
  eckid_check_report *checked_raw = nullptr;
  const eckid_status checked_status = eckid_check(&source, &checked_raw);
  const CheckReport checked(checked_raw, &eckid_free);
  if (checked_status != ECKID_OK) {
    report.line("FAIL", "config", config_path + " cannot be checked: " + failure(checked_status));
    return 1;
  }
  report_findings(report, *checked);

  PluginLog log;
  eckid_open_options options = ECKID_OPEN_OPTIONS_INIT;
  options.log = collect;
  options.log_payload = &log;
  options.log_level = ECKID_LOG_WARN;
  eckid_plugin *raw = nullptr;
  const eckid_status opened = eckid_open(config_path.c_str(), &options, &raw);
  const std::unique_ptr<eckid_plugin, decltype(&eckid_close)> plugin(raw, &eckid_close);
  if (opened != ECKID_OK) {
    report.line("FAIL", "config",
                config_path + " does not open: " + failure(opened) +
                    "; ping, sectors and chains are not checked");
    return 1;
  }
  for (const auto &[level, message] : log.take()) {
    // The check above already reported the configuration's warnings, the certificate's
    // expiry and a state folder other users may access, which the plugin logs again when it
    // opens.
    if (message.find("client certificate") != std::string::npos) continue;
    if (message.find(config_path + ":") == 0) continue;
    if (message.find("the state directory ") == 0) continue;
    report.line(level >= ECKID_LOG_ERROR ? "FAIL" : "WARN", "config", message);
  }
  report.line("OK", "config", config_path + " opens");

  std::size_t enabled = 0;
  for (std::size_t i = 0; i < checked->school_count; ++i) {
    const eckid_check_school &school = *checked->schools[i];
    if (!school.enabled) continue;
    ++enabled;
    const std::vector<std::string> chains(school.chains, school.chains + school.chain_count);
    check_school(report, plugin.get(), log, school.key, school.sector, chains);
  }
  if (enabled == 0) report.line("WARN", "schools", "no enabled school to check");
  return report.failed ? 1 : 0;
}

}  // namespace eckid_cli
