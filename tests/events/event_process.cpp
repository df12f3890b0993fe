// event_process: one host process on a state folder, for tests and benchmarks that run
// several of them at once (test_processes.cpp, tests/bench/outbox_process_bench.cpp). It opens
// the plugin through the C ABI with asynchronous delivery (the configuration's [outbox]
// workers process events in this process) and obeys one command per line on stdin, answering
// each with one line on stdout (a poll with several). Test data only: the PGNs come over the
// pipe from the test.
//
//   event_process CONFIG
//   -> ready
//   created SCHOOL PUPIL PGN              -> event ID STATUS MICROSECONDS (0 when refused)
//   transferred FROM TO PUPIL PGN         -> event ID STATUS MICROSECONDS
//   pgn_changed SCHOOL PUPIL OLD NEW      -> event ID STATUS MICROSECONDS
//   poll   -> result ID STATUS PUPIL ECKID ... (each acknowledged), then: polled COUNT
//   queue  -> queue QUEUED FAILED UNDELIVERED
//   lookup SCHOOL PUPIL                   -> record STATUS ECKID
// MICROSECONDS: how long the event call took (acceptance: the event is durably queued).
// ECKID: the one chain's ECK iD, or "-". End of input closes the plugin and exits 0; a
// command it does not know exits 2.
#include <eckid/eckid.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "fire.hpp"

namespace {

std::string eckid_of(const eckid_result *r) {
  return r != nullptr && r->count == 1 ? r->eckids[0]->eckid : "-";
}

// Runs one event call, timed, and answers with its id and status.
template <typename Call>
void event(Call call) {
  eckid_result *r = nullptr;
  const auto start = std::chrono::steady_clock::now();
  const eckid_status s = call(&r);
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  std::cout << "event " << (r != nullptr ? r->event_id : 0) << ' ' << s << ' ' << took.count()
            << std::endl;
  eckid_free(r);
}

void log_line(eckid_log_level, const char *message, void *) {
  std::fprintf(stderr, "event_process: %s\n", message);
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: event_process CONFIG\n");
    return 2;
  }
  eckid_open_options o = ECKID_OPEN_OPTIONS_INIT;
  o.delivery = ECKID_DELIVERY_ASYNC;
  o.log = log_line;
  o.log_level = ECKID_LOG_WARN;
  eckid_plugin *plugin = nullptr;
  if (eckid_open(argv[1], &o, &plugin) != ECKID_OK) {
    std::fprintf(stderr, "event_process: cannot open: %s\n", eckid_last_error());
    return 1;
  }
  std::cout << "ready" << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string command, a, b, c, d;
    in >> command >> a >> b >> c >> d;
    if (command == "created") {
      event([&](eckid_result **r) { return pupil_created(plugin, a, b, c, r); });
    } else if (command == "transferred") {
      event([&](eckid_result **r) { return pupil_transferred(plugin, a, b, c, d, r); });
    } else if (command == "pgn_changed") {
      event([&](eckid_result **r) { return pgn_changed(plugin, a, b, c, d, r); });
    } else if (command == "poll") {
      int count = 0;
      eckid_result *r = nullptr;
      while (eckid_poll(plugin, &r) == ECKID_OK) {
        std::cout << "result " << r->event_id << ' ' << r->status << ' ' << r->pupil_key << ' '
                  << eckid_of(r) << '\n';
        eckid_ack(plugin, r->event_id);
        eckid_free(r);
        ++count;
      }
      std::cout << "polled " << count << std::endl;
    } else if (command == "queue") {
      eckid_queue_info info = ECKID_QUEUE_INFO_INIT;
      eckid_queue_status(plugin, &info);
      std::cout << "queue " << info.queued << ' ' << info.failed << ' ' << info.undelivered
                << std::endl;
    } else if (command == "lookup") {
      eckid_result *r = nullptr;
      const eckid_status s = eckid_pupil_lookup(plugin, a.c_str(), b.c_str(), &r);
      std::cout << "record " << s << ' ' << eckid_of(r) << std::endl;
      eckid_free(r);
    } else {
      std::fprintf(stderr, "event_process: unknown command: %s\n", command.c_str());
      return 2;
    }
  }
  eckid_close(plugin);
  return 0;
}
