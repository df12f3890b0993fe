#include "import.hpp"

#include <cstdio>

#include <cerrno>

#include <cstring>

#include <fcntl.h>

#include <eckid/eckid.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "duration.hpp"
#include "eckid_table.hpp"
#include "plugin.hpp"
#include "progress.hpp"
#include "pupils.hpp"
#include "schools.hpp"
#include "stop_signals.hpp"

namespace eckid_cli {

namespace {

using Result = std::unique_ptr<eckid_result, decltype(&eckid_free)>;
using Receipts = std::unique_ptr<eckid_onboard_receipts, decltype(&eckid_free)>;

constexpr auto kPollInterval = std::chrono::milliseconds(200);
constexpr auto kSweepInterval = std::chrono::seconds(2);

std::string ascii_lowercase(std::string s) {
  for (char &c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return s;
}

// An accepted pupil: its row and, once collected, its result's status.
struct Pending {
  std::size_t row = 0;
  std::optional<int> status;
};

enum class Ending { complete, deferred, no_progress, interrupted, error };

class ImportRun {
 public:
  ImportRun(const ImportOptions &options, Console &console, StopSignals &signals)
      : options_(options), console_(console), signals_(signals) {}

  int run();

 private:
  bool prepare();
  bool onboard();
  void report_refused(std::size_t row, const eckid_onboard_receipt &receipt);
  Ending collect();
  bool poll_results();
  void sweep();
  void take(std::size_t index, unsigned long long event_id, eckid_status status,
            const char *message, bool acknowledge);
  std::optional<Stages> stages();
  int finish(Ending ending);

  const ImportOptions &options_;
  Console &console_;
  StopSignals &signals_;
  School school_;
  PupilList list_;
  std::string output_path_;
  PluginHandle plugin_{nullptr, &eckid_close};
  std::vector<Pending> pending_;
  std::unordered_map<unsigned long long, std::size_t> by_event_;  // event id -> pending_
  std::vector<unsigned long long> collected_;                     // to acknowledge
  std::size_t refused_ = 0, done_ = 0, failed_ = 0;
  long long deferred_until_ms_ = 0;
  int exit_ = kExitOk;  // kExitUsage when onboarding could not start
};

int ImportRun::run() {
  if (!prepare()) return kExitUsage;
  plugin_ = open_plugin(options_.config_path, ECKID_DELIVERY_ASYNC,
                        options_.verbose ? ECKID_LOG_INFO : ECKID_LOG_WARN, console_);
  if (!plugin_) return kExitUsage;
  if (!onboard()) return exit_;
  return finish(pending_.empty() ? Ending::complete : collect());
}

// Reads the school from the configuration and the pupil list; reports unreadable rows.
bool ImportRun::prepare() {
  try {
    const std::vector<School> schools = load_schools(options_.config_path);
    const auto it = std::find_if(schools.begin(), schools.end(),
                                 [&](const School &s) { return s.key == options_.school_key; });
    if (it == schools.end()) {
      std::string keys;
      for (const auto &s : schools) keys += (keys.empty() ? "" : ", ") + s.key;
      throw std::runtime_error("there is no [[school]] with key '" + options_.school_key + "' in " +
                               options_.config_path + " (its schools: " +
                               (keys.empty() ? "none" : keys) + "); check --school");
    }
    school_ = *it;
    list_ = read_pupils(options_.pupils_path);
  } catch (const std::exception &e) {
    console_.note(std::string("error: ") + e.what());
    return false;
  }
  output_path_ = options_.output_path.empty() ? default_table_path(options_.pupils_path)
                                              : options_.output_path;
  std::error_code ec;
  if (std::filesystem::equivalent(output_path_, options_.pupils_path, ec)) {
    console_.note("error: --output " + output_path_ +
                  " is the pupil list itself; choose another file for the ECK iD table");
    return false;
  }
  // Found out now, not after the work: the table's folder must take a new file.
  const std::string probe = output_path_ + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    console_.note("error: cannot create the ECK iD table " + output_path_ + ": " +
                  std::strerror(errno) +
                  "; check the folder or choose another place with --output");
    return false;
  }
  ::close(fd);
  std::remove(probe.c_str());
  for (const auto &problem : list_.problems) {
    console_.report("line " + std::to_string(problem.line) + ": " + problem.what);
  }
  return true;
}

// Hands the readable rows to eckid_onboard() in one call and reports the refused ones.
bool ImportRun::onboard() {
  std::vector<eckid_onboard_pupil> pupils;
  for (const auto &row : list_.rows) {
    pupils.push_back(
        {ECKID_ONBOARD_PUPIL_VERSION, row.pupil_key.c_str(), row.pgn.c_str(), row.kind});
  }
  std::vector<const eckid_onboard_pupil *> list;
  for (const auto &p : pupils) list.push_back(&p);
  eckid_onboard_receipts *raw = nullptr;
  const eckid_status status =
      eckid_onboard(plugin_.get(), school_.key.c_str(), list.data(), list.size(), &raw);
  const Receipts receipts(raw, &eckid_free);
  if (status != ECKID_OK) {
    forget_pgns(list_.rows);
    console_.note("error: onboarding for school '" + school_.key +
                  "' could not start: " + failure(status));
    exit_ = status == ECKID_E_UNKNOWN_SCHOOL || status == ECKID_E_NOT_ENABLED ? kExitUsage
                                                                              : kExitFailed;
    return false;
  }
  for (std::size_t i = 0; i < receipts->count; ++i) {
    const eckid_onboard_receipt &receipt = *receipts->receipts[i];
    if (receipt.event_id == 0) {
      report_refused(i, receipt);
      continue;
    }
    by_event_[receipt.event_id] = pending_.size();
    pending_.push_back({i, std::nullopt});
  }
  forget_pgns(list_.rows);
  return true;
}

// "line N: pupil 'K' refused: <message> [status S]", with the line of an earlier duplicate.
void ImportRun::report_refused(std::size_t row, const eckid_onboard_receipt &receipt) {
  ++refused_;
  const PupilRow &r = list_.rows[row];
  std::string earlier;
  for (std::size_t i = 0; i < row && earlier.empty(); ++i) {
    const PupilRow &e = list_.rows[i];
    if (e.pupil_key == r.pupil_key) {
      earlier = " (first on line " + std::to_string(e.line) + ")";
    } else if (e.kind == r.kind && ascii_lowercase(e.pgn) == ascii_lowercase(r.pgn)) {
      earlier = " (the same PGN as line " + std::to_string(e.line) + ")";
    }
  }
  console_.report("line " + std::to_string(r.line) + ": pupil " + quoted_key(r.pupil_key) +
                  " refused: " + receipt.message + earlier + " [status " +
                  std::to_string(receipt.status) + "]");
}

// Collects this run's results until all are in, the rest is deferred, nothing moved on for
// --max-wait, or a stop signal.
Ending ImportRun::collect() {
  Progress progress(console_, pending_.size());
  std::optional<Stages> now;
  auto next_sweep = SteadyClock::now() + kSweepInterval;
  // Moving on: a result collected or an HPgn computed (fewer waiting). Stage counts alone do
  // not tell: during an outage a batch goes back and forth between "hashed" and "in batch".
  auto last_move = SteadyClock::now();
  std::size_t done_before = done_;
  unsigned long long waiting_before = ~0ULL;
  Ending ending = Ending::complete;
  for (;;) {
    if (!poll_results()) {
      ending = Ending::error;
      break;
    }
    now = stages();
    if (done_ > done_before || (now && now->waiting < waiting_before)) {
      last_move = SteadyClock::now();
      done_before = done_;
      if (now) waiting_before = now->waiting;
    }
    const bool idle = now && now->waiting + now->hashed + now->in_batch == 0;
    if (idle && done_ < pending_.size() && SteadyClock::now() >= next_sweep) {
      sweep();
      next_sweep = SteadyClock::now() + kSweepInterval;
    }
    if (done_ == pending_.size()) break;
    progress.update(done_, now);
    const std::size_t left = pending_.size() - done_;
    if (idle && now->deferred > 0 && now->deferred >= left) {
      ending = Ending::deferred;
      break;
    }
    if (options_.max_wait.count() > 0 && SteadyClock::now() - last_move >= options_.max_wait) {
      ending = Ending::no_progress;
      break;
    }
    if (signals_.wait(kPollInterval)) {
      ending = Ending::interrupted;
      break;
    }
  }
  progress.finish(done_, stages());
  return ending;
}

// Takes every result eckid_poll() has now; keeps those of this run's pupils (others stay
// unacknowledged for whoever waits for them). False when polling fails.
bool ImportRun::poll_results() {
  for (;;) {
    eckid_result *raw = nullptr;
    const eckid_status status = eckid_poll(plugin_.get(), &raw);
    const Result result(raw, &eckid_free);
    if (status == ECKID_E_NOT_FOUND) return true;
    if (status != ECKID_OK) {
      console_.note("error: results cannot be collected: " + failure(status));
      return false;
    }
    const auto it = by_event_.find(result->event_id);
    if (it == by_event_.end() || result->status == ECKID_QUEUED) continue;
    take(it->second, result->event_id, result->status, result->message, true);
  }
}

// When the school has nothing in progress but results are missing, another program on the
// same state folder may have taken and acknowledged them: reads each missing event directly.
void ImportRun::sweep() {
  for (const auto &[event_id, index] : by_event_) {
    if (pending_[index].status) continue;
    eckid_result *raw = nullptr;
    const eckid_status status = eckid_event_result(plugin_.get(), event_id, &raw);
    const Result result(raw, &eckid_free);
    if (status == ECKID_E_NOT_FOUND) {
      // Done and acknowledged elsewhere (a failed event would still be listed): the table
      // shows whether its ECK iDs are recorded.
      take(index, event_id, ECKID_OK, "", false);
    } else if (status == ECKID_OK && result->status != ECKID_QUEUED) {
      take(index, event_id, result->status, result->message, true);
    }
  }
}

// Records the result of pending_[index] once; reports a failure by line.
void ImportRun::take(std::size_t index, unsigned long long event_id, eckid_status status,
                     const char *message, bool acknowledge) {
  Pending &pending = pending_[index];
  if (pending.status) return;  // delivered again
  pending.status = status;
  if (acknowledge) collected_.push_back(event_id);
  ++done_;
  if (status == ECKID_OK) return;
  ++failed_;
  const PupilRow &row = list_.rows[pending.row];
  console_.report("line " + std::to_string(row.line) + ": pupil " + quoted_key(row.pupil_key) +
                  ": " + (*message != '\0' ? message : eckid_strerror(status)) + " [status " +
                  std::to_string(status) + "]");
}

// The school's onboarding stages, or nothing when the plugin cannot say.
std::optional<Stages> ImportRun::stages() {
  eckid_onboard_info info = ECKID_ONBOARD_INFO_INIT;
  if (eckid_onboard_status(plugin_.get(), school_.key.c_str(), &info) != ECKID_OK) {
    return std::nullopt;
  }
  deferred_until_ms_ = info.deferred_until_ms;
  return Stages{info.waiting, info.hashed, info.in_batch, info.deferred};
}

// Writes the table, then acknowledges the results, closes the plugin and sums up.
int ImportRun::finish(Ending ending) {
  std::vector<TableRow> rows;
  for (const auto &p : pending_) {
    if (p.status == ECKID_OK) {
      rows.push_back({list_.rows[p.row].line, list_.rows[p.row].pupil_key});
    }
  }
  TableWritten table;
  try {
    table = write_eckid_table(plugin_.get(), school_, rows, output_path_);
  } catch (const std::exception &e) {
    console_.note(std::string("error: ") + e.what() +
                  "; nothing was acknowledged: running the command again resumes");
    return kExitFailed;
  }
  for (const auto &problem : table.problems) console_.report(problem);
  for (const auto id : collected_) {
    const eckid_status acked = eckid_ack(plugin_.get(), id);
    if (acked != ECKID_OK && acked != ECKID_E_NOT_FOUND) {  // NOT_FOUND: another handle did
      console_.note("warning: result " + std::to_string(id) +
                    " was not acknowledged and will be delivered again: " + failure(acked));
    }
  }
  plugin_.reset();  // eckid_close: stops the workers; what is left stays queued

  const std::size_t invalid = list_.problems.size();
  const std::size_t failed = failed_ + table.problems.size();
  console_.report("summary: " + count(list_.rows_read, "row", "rows") +
                  " read, ECK iDs written for " + count(table.rows, "pupil", "pupils") + ", " +
                  count(invalid, "invalid row", "invalid rows") + ", " + std::to_string(refused_) +
                  " refused, " + std::to_string(failed) + " failed");
  console_.report("output: " + output_path_);
  const std::size_t left = pending_.size() - done_;
  switch (ending) {
    case Ending::interrupted:
      console_.report(count(left, "pupil", "pupils") +
                      " not finished; stopped; run the same command again to resume");
      return kExitInterrupted;
    case Ending::deferred:
      console_.report(count(left, "pupil waits", "pupils wait") +
                      " for the service's daily batch limit; it is tried again from " +
                      format_utc(deferred_until_ms_) +
                      "; run the same command again after that time to resume");
      return kExitDeferred;
    case Ending::no_progress:
      console_.report(count(left, "pupil", "pupils") + " not finished: none moved on for " +
                      spoken_duration(options_.max_wait) +
                      " (--max-wait); the plugin's warnings above say why (such as the service "
                      "not reachable); " +
                      (left == 1 ? "it stays" : "they stay") +
                      " queued; run the same command again to resume");
      return kExitNoProgress;
    case Ending::error:
      return kExitFailed;
    case Ending::complete:
      break;
  }
  if (failed > 0) {
    console_.report(
        "the failed pupils stay listed in 'eckid status'; after fixing the cause, run the same "
        "command again (or 'eckid retry') to try them again");
  }
  return invalid + refused_ + failed == 0 ? kExitOk : kExitFailed;
}

}  // namespace

int run_import(const ImportOptions &options) {
  StopSignals signals;  // before the plugin starts its threads
  Console console(isatty(STDERR_FILENO) == 1);
  ImportRun run(options, console, signals);
  return run.run();
}

}  // namespace eckid_cli
