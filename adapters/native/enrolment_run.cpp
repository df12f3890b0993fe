#include "enrolment_run.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <thread>
#include <utility>

namespace eckid_host {
namespace {

// Statuses that reject the event's data: the plugin did its job, the row was wrong.
bool is_data_rejection(eckid_status status) {
  return status == ECKID_E_INVALID_PGN || status == ECKID_E_UNKNOWN_SCHOOL ||
         status == ECKID_E_NOT_ENABLED || status == ECKID_E_PUPIL_CONFLICT ||
         status == ECKID_E_DUPLICATE_PGN;
}

// True when `after` starts with an ECK iD recorded in `before` for the same chain.
bool kept(const std::vector<ChainEckid> &before, const std::vector<ChainEckid> &after) {
  return !after.empty() && std::find(before.begin(), before.end(), after.front()) != before.end();
}

// A key for the table: as it is, or the masking rule's placeholder when it is or holds a PGN.
std::string cell(const PluginApi &api, const std::string &key) {
  std::string shown = quoted(api, key, "key");
  return shown == "'" + key + "'" ? key : shown;
}

}  // namespace

std::string status_name(const PluginApi &api, eckid_status status) {
  const std::string name = api.status_name(status);
  return name == "unknown" ? "status " + std::to_string(static_cast<int>(status)) : name;
}

std::string short_eckid(const std::string &eckid) {
  const auto slash = eckid.rfind('/');
  if (slash == std::string::npos) return eckid;
  return eckid.substr(0, std::min(eckid.size(), slash + 7)) + "\u2026";
}

EnrolmentRun::Outcome EnrolmentRun::take(eckid_status status, eckid_result **out) const {
  Outcome o;
  o.status = status;
  if (status != ECKID_OK) o.message = api_.last_error();
  if (const eckid_result *result = *out) {
    o.status = result->status;
    if (*result->message != '\0') o.message = result->message;
    o.event_id = result->event_id;
    o.key = {result->school_key, result->pupil_key};
    for (std::size_t i = 0; i < result->count; ++i) {
      o.eckids.push_back({result->eckids[i]->chain, result->eckids[i]->eckid});
    }
    api_.free(*out);
  }
  return o;
}

EnrolmentRun::Outcome EnrolmentRun::call(const EnrolmentEvent &e) const {
  const char *date = e.date.empty() ? nullptr : e.date.c_str();
  eckid_result *result = nullptr;
  switch (e.kind) {
    case EventKind::created: {
      eckid_pupil_created_event ev = ECKID_PUPIL_CREATED_EVENT_INIT;
      ev.school_key = e.school.c_str();
      ev.pupil_key = e.pupil_key.c_str();
      ev.pgn = e.pgn.c_str();
      ev.enrolment_date = date;
      return take(api_.pupil_created(plugin_, &ev, &result), &result);
    }
    case EventKind::transferred: {
      eckid_pupil_transferred_event ev = ECKID_PUPIL_TRANSFERRED_EVENT_INIT;
      ev.pupil_key = e.pupil_key.c_str();
      ev.from_school_key = e.school.c_str();
      ev.to_school_key = e.target_school.c_str();
      ev.pgn = e.pgn.c_str();
      ev.date = date;
      return take(api_.pupil_transferred(plugin_, &ev, &result), &result);
    }
    case EventKind::pgn_changed: {
      eckid_pgn_changed_event ev = ECKID_PGN_CHANGED_EVENT_INIT;
      ev.school_key = e.school.c_str();
      ev.pupil_key = e.pupil_key.c_str();
      ev.old_pgn = e.old_pgn.c_str();
      ev.new_pgn = e.pgn.c_str();
      ev.effective_date = date;
      return take(api_.pgn_changed(plugin_, &ev, &result), &result);
    }
  }
  return {};
}

std::vector<ChainEckid> EnrolmentRun::recorded(const PupilTable::Key &key) {
  if (const auto *eckids = table_.find(key)) return *eckids;
  eckid_result *result = nullptr;
  Outcome o =
      take(api_.pupil_lookup(plugin_, key.first.c_str(), key.second.c_str(), &result), &result);
  if (o.status == ECKID_OK) table_.set(key, o.eckids);
  return o.eckids;
}

void EnrolmentRun::fire(const EventRow &row) {
  if (!row.error.empty()) {
    ++bad_rows_;
    out_ << "line " << std::setw(4) << row.line << "  bad row: " << row.error << '\n';
    return;
  }
  ++events_;
  const EnrolmentEvent &e = row.event;
  // Keys are shown by the plugin's masking rule: a key may be a PGN (columns mixed up).
  Fired f{row.line, e.kind, cell(api_, e.school), cell(api_, e.pupil_key), {e.school, e.pupil_key},
          {}};
  if (e.kind == EventKind::transferred) {
    f.before = recorded(f.target);
    f.target.first = e.target_school;
    f.schools += " -> " + cell(api_, e.target_school);
  } else if (e.kind == EventKind::pgn_changed) {
    f.before = recorded(f.target);
  }
  const Outcome o = call(e);
  if (o.status == ECKID_QUEUED) {
    print_line(f, "queued", "-");
    queued_[o.event_id] = std::move(f);
  } else {
    report(f, o);
  }
}

void EnrolmentRun::print_line(const Fired &f, const std::string &status,
                              const std::string &rest) const {
  out_ << "line " << std::setw(4) << f.line << "  " << std::left << std::setw(12)
       << to_string(f.kind) << std::setw(13) << f.schools << ' ' << std::setw(10) << f.pupil_key
       << ' ' << std::setw(15) << status << std::right << rest << '\n';
}

void EnrolmentRun::report(const Fired &f, const Outcome &o) {
  std::string rest = "-";
  if (o.status == ECKID_OK) {
    ++ok_;
    table_.set(f.target, o.eckids);
    if (!o.eckids.empty()) rest = short_eckid(o.eckids.front().eckid);
    if (o.eckids.size() > 1) rest += " (+" + std::to_string(o.eckids.size() - 1) + " chains)";
    if (f.kind != EventKind::created) {
      const bool same = kept(f.before, o.eckids);
      ++(same ? kept_ : renewed_);
      rest += same ? "  kept" : "  new";
    }
  } else {
    ++failed_by_status_[status_name(api_, o.status)];
    if (!is_data_rejection(o.status)) ++unexpected_;
    err_ << "line " << f.line << ": " << status_name(api_, o.status) << ": " << o.message << '\n';
  }
  print_line(f, status_name(api_, o.status), rest);
  // The result is in the table: the plugin need not deliver it again.
  if (o.event_id != 0) api_.ack(plugin_, o.event_id);
}

void EnrolmentRun::collect_queued(std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!queued_.empty() && std::chrono::steady_clock::now() < until) {
    eckid_result *result = nullptr;
    const eckid_status s = api_.poll(plugin_, &result);
    if (s == ECKID_E_NOT_FOUND) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    const Outcome o = take(s, &result);
    if (s != ECKID_OK) {
      err_ << "eckid-host: collecting queued results: " << o.message << '\n';
      break;
    }
    const auto it = queued_.find(o.event_id);
    if (it != queued_.end()) {
      report(it->second, o);
      queued_.erase(it);
    } else {  // a result of an earlier run that was not acknowledged
      if (o.status == ECKID_OK) table_.set(o.key, o.eckids);
      if (o.event_id != 0) api_.ack(plugin_, o.event_id);
    }
  }
  for (const auto &[id, f] : queued_) {
    ++failed_by_status_["queued"];
    ++unexpected_;
    err_ << "line " << f.line << ": still queued after " << limit.count() << " s\n";
  }
  queued_.clear();
}

void EnrolmentRun::refresh_table() {
  std::vector<PupilTable::Key> keys;
  for (const auto &[key, eckids] : table_.records()) keys.push_back(key);
  for (const auto &key : keys) {
    eckid_result *result = nullptr;
    Outcome o =
        take(api_.pupil_lookup(plugin_, key.first.c_str(), key.second.c_str(), &result), &result);
    if (o.status == ECKID_OK) table_.set(key, std::move(o.eckids));
  }
}

void EnrolmentRun::print_totals() const {
  out_ << "events: " << events_ << ", ok " << ok_ << ", failed " << events_ - ok_;
  if (!failed_by_status_.empty()) {
    const char *sep = " (";
    for (const auto &[name, count] : failed_by_status_) {
      out_ << sep << name << ' ' << count;
      sep = ", ";
    }
    out_ << ')';
  }
  out_ << "; bad rows " << bad_rows_ << '\n';
  out_ << "transfers and PGN changes: " << kept_ << " kept the ECK iD, " << renewed_
       << " got a new one\n";
  out_ << "pupil table: " << table_.records().size() << " pupils at schools, " << table_.rows()
       << " rows, " << table_.distinct_eckids() << " distinct ECK iDs\n";
}

}  // namespace eckid_host
