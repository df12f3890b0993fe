// Fires enrolment events through the plugin's C ABI, writes the ECK iDs into the host's
// pupil table and prints one summary line per event plus the totals. PGNs are never printed.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "event_file.hpp"
#include "plugin_library.hpp"
#include "pupil_table.hpp"

namespace eckid_host {

/// The plugin's name of a status (eckid_status_name(): "ok", "invalid_pgn", ...), or "status N"
/// for one the loaded library does not know.
std::string status_name(const PluginApi &api, eckid_status status);

/// The ECK iD shortened for a summary: "https://ketenid.nl/pilot/1a2b3c…".
std::string short_eckid(const std::string &eckid);

/// One run over an enrolment file.
class EnrolmentRun {
 public:
  /// `plugin` is a handle opened with `api`. Summary lines go to `out`, the plugin's
  /// message for a failed event to `err`.
  EnrolmentRun(const PluginApi &api, eckid_plugin *plugin, PupilTable &table, std::ostream &out,
               std::ostream &err)
      : api_(api), plugin_(plugin), table_(table), out_(out), err_(err) {}

  /// Fires the row's event (or reports the bad row) and prints its summary line.
  void fire(const EventRow &row);

  /// Collects the results of queued events (eckid_poll) until none is left or `limit`
  /// passed, printing a summary line for each; events still queued then count as failed.
  void collect_queued(std::chrono::seconds limit);

  /// Replaces each record of the table with the plugin's (eckid_pupil_lookup) where the
  /// plugin has one.
  void refresh_table();

  /// Prints the totals.
  void print_totals() const;

  /// True when a row was bad or an event failed for another reason than its data (data
  /// reasons: invalid PGN, unknown school, school not enabled, pupil conflict).
  bool failed() const { return bad_rows_ > 0 || unexpected_ > 0; }

 private:
  struct Outcome {
    eckid_status status = ECKID_OK;
    std::string message;  // why the event failed
    unsigned long long event_id = 0;
    PupilTable::Key key;  // the result's school and pupil
    std::vector<ChainEckid> eckids;
  };

  // What a summary line needs of an event whose result may arrive later.
  struct Fired {
    std::size_t line = 0;
    EventKind kind = EventKind::created;
    std::string schools;  // "school" or "from -> to"
    std::string pupil_key;
    PupilTable::Key target;          // where the result is recorded
    std::vector<ChainEckid> before;  // the ECK iDs before a transfer or PGN change
  };

  // The call's outcome; `out` is read after the call (argument order is unspecified).
  Outcome take(eckid_status status, eckid_result **out) const;
  Outcome call(const EnrolmentEvent &e) const;
  void report(const Fired &f, const Outcome &o);
  void print_line(const Fired &f, const std::string &status, const std::string &rest) const;
  std::vector<ChainEckid> recorded(const PupilTable::Key &key);

  const PluginApi &api_;
  eckid_plugin *plugin_;
  PupilTable &table_;
  std::ostream &out_;
  std::ostream &err_;
  std::size_t events_ = 0;
  std::size_t ok_ = 0;
  std::size_t unexpected_ = 0;
  std::size_t bad_rows_ = 0;
  std::size_t kept_ = 0;
  std::size_t renewed_ = 0;
  std::map<unsigned long long, Fired> queued_;  // by event id
  std::map<std::string, std::size_t> failed_by_status_;
};

}  // namespace eckid_host
