#include "status.hpp"

#include "pupils.hpp"

#include <eckid/eckid.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "console.hpp"
#include "plugin.hpp"
#include "progress.hpp"
#include "schools.hpp"

namespace eckid_cli {

namespace {

using Result = std::unique_ptr<eckid_result, decltype(&eckid_free)>;

// The ids of the failed events; false when the plugin cannot list them.
bool failed_ids(eckid_plugin *plugin, std::vector<unsigned long long> &ids, Console &console) {
  std::size_t count = 0;
  eckid_status status = eckid_list_failed(plugin, nullptr, 0, &count);
  // The list may grow between the two calls: then only the first `count` are shown.
  if (status == ECKID_OK && count > 0) {
    ids.resize(count);
    status = eckid_list_failed(plugin, ids.data(), ids.size(), &count);
    ids.resize(std::min(count, ids.size()));
  }
  if (status != ECKID_OK) {
    console.note("error: the failed events cannot be listed: " + failure(status));
    return false;
  }
  return true;
}

bool print_queue(eckid_plugin *plugin, Console &console) {
  eckid_queue_info queue = ECKID_QUEUE_INFO_INIT;
  const eckid_status status = eckid_queue_status(plugin, &queue);
  if (status != ECKID_OK) {
    console.note("error: the queue cannot be read: " + failure(status));
    return false;
  }
  std::string line = "queue: " + std::to_string(queue.queued) + " queued";
  if (queue.queued > 0) {
    line += " (oldest " +
            format_duration(static_cast<double>(queue.oldest_queued_age_ms) / 1000.0) + " old)";
  }
  line += ", " + std::to_string(queue.failed) + " failed, " + std::to_string(queue.undelivered) +
          " results not yet collected; service calls " +
          (queue.service_paused ? "paused (the service failed repeatedly; the plugin retries)"
                                : "running");
  console.report(line);
  return true;
}

bool print_onboarding(eckid_plugin *plugin, const std::string &school, Console &console) {
  eckid_onboard_info info = ECKID_ONBOARD_INFO_INIT;
  const eckid_status status = eckid_onboard_status(plugin, school.c_str(), &info);
  if (status != ECKID_OK) {
    console.report("school " + school + ": onboarding status unknown: " + failure(status));
    return false;
  }
  std::string line = "school " + school + ": onboarding " + std::to_string(info.waiting) +
                     " waiting, " + std::to_string(info.hashed) + " hashed, " +
                     std::to_string(info.in_batch) + " in batch, " + std::to_string(info.deferred) +
                     " deferred";
  if (info.deferred > 0 && info.deferred_until_ms > 0) {
    line += " (daily batch limit; tried again from " + format_utc(info.deferred_until_ms) + ")";
  }
  console.report(line);
  return true;
}

bool print_failed(eckid_plugin *plugin, const std::string &config_path, Console &console) {
  std::vector<unsigned long long> ids;
  if (!failed_ids(plugin, ids, console)) return false;
  console.report("failed events: " + std::to_string(ids.size()));
  for (const auto id : ids) {
    eckid_result *raw = nullptr;
    const eckid_status status = eckid_event_result(plugin, id, &raw);
    const Result result(raw, &eckid_free);
    if (status == ECKID_E_NOT_FOUND) continue;  // retried or acknowledged meanwhile
    if (status != ECKID_OK) {
      console.report("  event " + std::to_string(id) + ": details unknown: " + failure(status));
      continue;
    }
    const std::string message =
        *result->message != '\0' ? result->message : eckid_strerror(result->status);
    console.report("  event " + std::to_string(id) + "  school " + result->school_key + "  pupil " +
                   quoted_key(result->pupil_key) + "  status " + std::to_string(result->status) +
                   " (" + eckid_strerror(result->status) + "): " + message);
  }
  if (!ids.empty()) {
    console.report("after fixing the cause: eckid retry --config " + config_path + " [--event ID]");
  }
  return true;
}

}  // namespace

int run_status(const std::string &config_path, const std::optional<std::string> &school_key) {
  Console console(false);
  std::vector<std::string> keys;
  try {
    for (const auto &school : load_schools(config_path)) keys.push_back(school.key);
  } catch (const std::exception &e) {
    console.note(std::string("error: ") + e.what());
    return kExitUsage;
  }
  if (school_key) {
    if (std::find(keys.begin(), keys.end(), *school_key) == keys.end()) {
      console.note("error: there is no [[school]] with key '" + *school_key + "' in " +
                   config_path + "; check --school");
      return kExitUsage;
    }
    keys = {*school_key};
  }
  const PluginHandle plugin =
      open_plugin(config_path, ECKID_DELIVERY_SYNC, ECKID_LOG_WARN, console);
  if (!plugin) return kExitUsage;
  bool ok = print_queue(plugin.get(), console);
  for (const auto &key : keys) ok = print_onboarding(plugin.get(), key, console) && ok;
  ok = print_failed(plugin.get(), config_path, console) && ok;
  return ok ? kExitOk : kExitFailed;
}

int run_retry(const std::string &config_path, const std::optional<unsigned long long> &event_id) {
  Console console(false);
  const PluginHandle plugin =
      open_plugin(config_path, ECKID_DELIVERY_SYNC, ECKID_LOG_WARN, console);
  if (!plugin) return kExitUsage;
  unsigned long long count = 0;
  const eckid_status status = eckid_retry_failed(plugin.get(), event_id.value_or(0), &count);
  if (status == ECKID_E_NOT_FOUND && event_id) {
    console.note("error: there is no failed event with id " + std::to_string(*event_id) +
                 "; 'eckid status --config " + config_path + "' lists the failed events");
    return kExitFailed;
  }
  if (status != ECKID_OK) {
    console.note("error: the failed events could not be put back: " + failure(status));
    return kExitFailed;
  }
  if (count == 0) {
    console.report("no failed events to retry");
  } else {
    console.report(
        eckid_cli::count(count, "failed event", "failed events") +
        " went back to the queue; they are processed while the plugin "
        "is open (the school system, 'eckid deliver', or 'eckid import' for a pupil list); 'eckid "
        "status' shows how far they are");
  }
  return kExitOk;
}

}  // namespace eckid_cli
