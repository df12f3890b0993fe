// `eckid status` and `eckid retry`: the outbox and onboarding at a glance, the failed events,
// and putting failed events back in the queue.
#pragma once

#include <optional>
#include <string>

namespace eckid_cli {

/// Prints the queue (eckid_queue_status: queued, failed, results not yet collected, age of
/// the oldest queued event, whether service calls are paused), the onboarding stages of
/// each school in the configuration or only of school_key (eckid_onboard_status), and each
/// failed event (eckid_list_failed, eckid_event_result: id, school, pupil key, status,
/// message). Returns 0, or 1 when the plugin could not tell (2 when the configuration does
/// not open or school_key is not in it).
int run_status(const std::string &config_path, const std::optional<std::string> &school_key);

/// Puts failed events back in the queue (eckid_retry_failed): all of them, or only event_id.
/// Returns 0, 1 when event_id is not a failed event or the plugin failed, 2 when the
/// configuration does not open.
int run_retry(const std::string &config_path, const std::optional<unsigned long long> &event_id);

}  // namespace eckid_cli
