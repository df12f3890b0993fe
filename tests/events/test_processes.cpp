// Several host processes on one state (issue 18): three event_process children with two outbox
// workers each, events spread over them, one killed with SIGKILL while it holds claims. The
// state is the World's: one SQLite state folder, or under ECKID_TEST_POSTGRES one schema in the
// PostgreSQL database that all three processes share.
// Expected values come from OpenSSL's scrypt and the emulator's documented derivation
// (world.hpp), never from the plugin; request counts from the emulator's logs.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "host_process.hpp"
#include "onboard_support.hpp"
#include "world.hpp"

using namespace eckid_events;
using namespace std::chrono_literals;

namespace {

// The i-th onderwijsnummer of a fixed series: "10", six digits from i, and the ninth digit that
// gives the check remainder 5 (plugin/pgn/pgn.cpp's rule, which the spec states).
std::string onderwijsnummer(int i) {
  for (int n = 1'000'000 + i * 7;; ++n) {
    const std::string d = "10" + std::to_string(n).substr(1);
    int sum = 0;
    for (int k = 0; k < 8; ++k) sum += (d[k] - '0') * (9 - k);
    const int last = ((sum - 5) % 11 + 11) % 11;
    if (last <= 9) return d + static_cast<char>('0' + last);
  }
}

// What a pupil goes through, three events each, in this order:
// moves:       created PO01, transferred PO01 -> PO02 (same sector: ECK iD kept, no request),
//              transferred PO02 -> VO01 (other sector: a new ECK iD)
// late_bsn:    created PO01 with an onderwijsnummer, transferred PO01 -> PO02, PGN changed at
//              PO02 to a BSN (the same ECK iD: replaceStampseudonym)
// bsn_then_vo: created PO01 with an onderwijsnummer, PGN changed at PO01 to a BSN, transferred
//              PO01 -> VO01 with the BSN (the emulator resolves it to the old identity)
// Out of order, late_bsn and bsn_then_vo end in a conflict or another ECK iD.
enum class Story { moves, late_bsn, bsn_then_vo };

struct Pupil {
  Story story;
  std::string key;
  std::string first_pgn;  // the PGN it is created with
  std::string bsn;        // the BSN it gets (late_bsn, bsn_then_vo)
  std::string hpgn;       // HPgn of first_pgn, by OpenSSL
};

// One event of a pupil: the command for event_process, the ECK iD its result must carry (by
// sector of the school it is for), and the requests it sends (for the duplicate check).
struct Step {
  std::string command;
  std::string sector;
  bool stampseudonym_of_first = false;  // retrieveStampseudonym(first HPgn)
  bool stampseudonym_of_bsn = false;    // retrieveStampseudonym(the BSN's HPgn)
  bool replace = false;                 // replaceStampseudonym(first HPgn, BSN's HPgn)
  int eckid_requests = 0;
};

std::vector<Step> steps(const Pupil &p) {
  const std::string po = eckid_test::test_sector(), vo = kOtherSector;
  const std::string &k = p.key, &first = p.first_pgn, &bsn = p.bsn;
  switch (p.story) {
    case Story::moves:
      return {{"created PO01 " + k + " " + first, po, true, false, false, 1},
              {"transferred PO01 PO02 " + k + " " + first, po, false, false, false, 0},
              {"transferred PO02 VO01 " + k + " " + first, vo, true, false, false, 1}};
    case Story::late_bsn:
      return {{"created PO01 " + k + " " + first, po, true, false, false, 1},
              {"transferred PO01 PO02 " + k + " " + first, po, false, false, false, 0},
              {"pgn_changed PO02 " + k + " " + first + " " + bsn, po, false, false, true, 1}};
    case Story::bsn_then_vo:
      return {{"created PO01 " + k + " " + first, po, true, false, false, 1},
              {"pgn_changed PO01 " + k + " " + first + " " + bsn, po, false, false, true, 1},
              {"transferred PO01 VO01 " + k + " " + bsn, vo, false, true, false, 1}};
  }
  return {};
}

// The pupil's records after all its events: school -> sector of the expected ECK iD.
std::map<std::string, std::string> final_records(const Pupil &p) {
  const std::string po = eckid_test::test_sector(), vo = kOtherSector;
  switch (p.story) {
    case Story::moves:
      return {{"PO01", po}, {"PO02", po}, {"VO01", vo}};
    case Story::late_bsn:
      return {{"PO01", po}, {"PO02", po}};
    case Story::bsn_then_vo:
      return {{"PO01", po}, {"VO01", vo}};
  }
  return {};
}

std::vector<std::string> words(const std::string &line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Claim names (claims/<owner>.lock) whose lock the process holds, from /proc/locks (flock
// entries name the holder's pid and the file's inode).
std::set<std::string> owners_of(pid_t pid, const std::filesystem::path &claims) {
  std::map<unsigned long, std::string> by_inode;
  for (const auto &entry : std::filesystem::directory_iterator(claims)) {
    struct stat st {};
    if (entry.path().extension() == ".lock" && stat(entry.path().c_str(), &st) == 0) {
      by_inode[st.st_ino] = entry.path().stem();
    }
  }
  std::set<std::string> owners;
  std::ifstream locks("/proc/locks");
  for (std::string line; std::getline(locks, line);) {
    const auto f = words(line);
    if (f.size() < 6 || f[1] != "FLOCK" || f[4] != std::to_string(pid)) continue;
    const auto inode = std::stoul(f[5].substr(f[5].rfind(':') + 1));
    if (by_inode.contains(inode)) owners.insert(by_inode[inode]);
  }
  return owners;
}

// The local ports of the process's TCP connections to a server port, comma-separated: its
// sockets (/proc/PID/fd) looked up in its network namespace's table (/proc/PID/net/tcp, ports
// in hex).
std::string client_ports(pid_t pid, const std::string &server_port) {
  const std::filesystem::path proc = "/proc/" + std::to_string(pid);
  std::set<std::string> sockets;
  for (const auto &fd : std::filesystem::directory_iterator(proc / "fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
    if (!ec && target.rfind("socket:[", 0) == 0)
      sockets.insert(target.substr(8, target.size() - 9));
  }
  std::string ports;
  std::ifstream tcp(proc / "net" / "tcp");
  for (std::string line; std::getline(tcp, line);) {
    const auto f = words(line);
    if (f.size() < 10 || !sockets.contains(f[9])) continue;
    const auto port = [](const std::string &address) {
      return std::to_string(std::stoul(address.substr(address.find(':') + 1), nullptr, 16));
    };
    if (port(f[2]) != server_port) continue;
    ports += (ports.empty() ? "" : ",") + port(f[1]);
  }
  return ports;
}

// Queued events claimed by a handle of the (stopped) process, read from the outbox directly. A
// claim names its handle (claim_owner); the process's handles are, on SQLite, those whose claim
// lock file (claims/<owner>.lock) it holds a flock on; on PostgreSQL, those whose owner lock (a
// session advisory lock on hashtext('eckid:' || schema) and hashtext(owner),
// store/pg_database.cpp) one of its sessions holds, its sessions found by their client ports.
std::set<unsigned long long> claimed_by(const World &w, pid_t pid) {
  auto db = state_db(w);
  std::set<unsigned long long> ids;
  if (db.postgresql()) {
    const std::string &url = w.postgres.url;  // postgresql://eckid@127.0.0.1:PORT/eckid
    const auto colon = url.rfind(':');
    const std::string port = url.substr(colon + 1, url.find('/', colon) - colon - 1);
    for (const auto &row :
         db.rows("SELECT o.id FROM outbox o WHERE o.state = 0 AND o.claim_owner IS NOT NULL AND "
                 "EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE "
                 "l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = "
                 "hashtext('eckid:' || current_schema())::oid AND l.objid = "
                 "hashtext(o.claim_owner)::oid AND a.client_port = ANY (string_to_array(?1, "
                 "',')::int[]))",
                 {client_ports(pid, port)})) {
      ids.insert(std::stoull(row[0]));
    }
    return ids;
  }
  const auto owners = owners_of(pid, state_file(w).parent_path() / "claims");
  for (const auto &row : db.rows("SELECT id, claim_owner FROM outbox WHERE state = 0 AND "
                                 "claim_owner IS NOT NULL")) {
    if (owners.contains(row[1])) ids.insert(std::stoull(row[0]));
  }
  return ids;
}

// How many pupils the test runs; ECKID_PROCESS_TEST_PUPILS changes it (a multiple of three
// keeps the stories even; 200 gives the 600 events, about 15 min here). By default 30
// (90 events, each process's share of claims large enough to be killed holding some): every
// pupil costs about four scrypts in the plugin and one in OpenSSL. Under ASan (preset
// sanitize), where scrypt is several times slower, 9: the memory checks need the code paths,
// not the numbers.
int pupil_count() {
  const char *env = std::getenv("ECKID_PROCESS_TEST_PUPILS");
#if defined(__SANITIZE_ADDRESS__)
  constexpr int kDefault = 9;
#else
  constexpr int kDefault = 30;
#endif
  return env != nullptr ? std::max(3, std::atoi(env)) : kDefault;
}

}  // namespace

TEST_CASE("three processes, one killed mid-run: every event once, in order, no request twice",
          "[outbox][claims][processes][slow]") {
  eckid_test::TempDir logs;
  const std::string hpgn_log = (logs.path() / "hpgn.log").string();
  // 100 ms per answer: each worker spends most of an event waiting for the service, so the
  // killed process holds claims with requests in flight.
  World w({{"--latency-ms", "100", "--threads", "8", "--hpgn-log", hpgn_log},
           "\n[outbox]\nworkers = 2\nretry_base_ms = 50\nretry_max_ms = 400\nmax_attempts = 40\n"
           "shutdown_wait_ms = 200\n"});
  w.close();  // the test's own handle would be a fourth process's workers

  const int count = pupil_count();
  std::vector<Pupil> pupils;
  for (int i = 0; i < count; ++i) {
    const auto story = static_cast<Story>(i % 3);
    // The first two pupils take the published vectors' BSN and onderwijsnummer (no hashing).
    std::string first = story == Story::moves ? bsn(i) : onderwijsnummer(i);
    if (i < 2) first = vector_pupil(static_cast<std::size_t>(i) + 1).first;
    pupils.push_back({story, "m-" + std::to_string(i), first, bsn(100'000 + i), ""});
  }
  // The expected HPgns by OpenSSL, two threads beside the processes (about 2 s of CPU each).
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> hashers;
  for (int t = 0; t < 2; ++t) {
    hashers.emplace_back([&] {
      for (std::size_t i = next++; i < pupils.size(); i = next++) {
        pupils[i].hpgn = openssl_hpgn(pupils[i].first_pgn);
      }
    });
  }

  std::vector<std::unique_ptr<HostProcess>> hosts;
  for (int i = 0; i < 3; ++i) hosts.push_back(std::make_unique<HostProcess>(w.config.string()));

  // Three rounds: round r fires every pupil's event r, pupil i's from process (i + r) % 3, the
  // processes at once, each in a shuffled order. A round starts when the last one is
  // accepted, so a pupil's events enter the outbox in order but each through another process.
  std::map<unsigned long long, std::pair<std::size_t, std::size_t>> events;  // id -> pupil, step
  std::mt19937 random(18);
  for (std::size_t round = 0; round < 3; ++round) {
    std::vector<std::vector<std::size_t>> share(3);
    for (std::size_t i = 0; i < pupils.size(); ++i) share[(i + round) % 3].push_back(i);
    std::vector<std::vector<std::string>> answers(3);
    std::vector<std::thread> senders;
    for (std::size_t h = 0; h < 3; ++h) {
      std::shuffle(share[h].begin(), share[h].end(), random);
      senders.emplace_back([&, h] {
        try {
          for (std::size_t i : share[h]) {
            answers[h].push_back(hosts[h]->request(steps(pupils[i])[round].command));
          }
        } catch (const std::exception &e) {
          answers[h].resize(share[h].size(), std::string("no answer: ") + e.what());
        }
      });
    }
    for (auto &s : senders) s.join();
    for (std::size_t h = 0; h < 3; ++h) {
      for (std::size_t k = 0; k < share[h].size(); ++k) {
        const auto f = words(answers[h][k]);
        INFO(answers[h][k]);
        REQUIRE(f.size() == 4);
        REQUIRE(std::stoi(f[2]) == ECKID_QUEUED);
        REQUIRE(events.emplace(std::stoull(f[1]), std::make_pair(share[h][k], round)).second);
      }
    }
  }
  const std::size_t total = events.size();
  REQUIRE(total == 3 * pupils.size());

  // Mid-run: once a fifth of the events is done, process 0 is stopped while it holds claims
  // (frozen, its locks still held, so no other process takes its claims yet), its claimed
  // events noted, then killed.
  const auto queued = [&] { return std::stoull(words(hosts[1]->request("queue"))[1]); };
  for (int i = 0; i < 6000 && queued() > total * 4 / 5; ++i) std::this_thread::sleep_for(100ms);
  std::set<unsigned long long> in_flight;  // claimed by the killed process
  for (int i = 0; i < 600 && in_flight.empty(); ++i) {
    hosts[0]->signal(SIGSTOP);
    in_flight = claimed_by(w, hosts[0]->pid());
    if (in_flight.empty()) {
      hosts[0]->signal(SIGCONT);
      std::this_thread::sleep_for(20ms);
    }
  }
  REQUIRE(!in_flight.empty());
  hosts[0]->signal(SIGKILL);
  const std::size_t left_at_kill = queued();

  // The survivors finish everything; process 1 collects the results (eckid_poll, eckid_ack).
  std::map<unsigned long long, std::vector<std::string>> results;  // id -> result lines
  std::size_t distinct = 0;
  for (int i = 0; i < 12000 && distinct < total; ++i) {
    for (const auto &line : hosts[1]->poll()) {
      const auto f = words(line);
      REQUIRE(f.size() == 5);
      results[std::stoull(f[1])].push_back(line);
    }
    distinct = results.size();
    if (distinct < total) std::this_thread::sleep_for(100ms);
  }
  for (auto &h : hashers) h.join();
  hosts.clear();  // the survivors close their plugins
  INFO(in_flight.size() << " event(s) in flight at the kill, " << left_at_kill << " left then");

  // Every event completed exactly once, with the ECK iD its pupil's story gives at that step.
  CHECK(distinct == total);
  for (const auto &[id, lines] : results) {
    INFO("event " << id << ": " << lines.front());
    REQUIRE(events.contains(id));
    CHECK(lines.size() == 1);
    const auto &[index, step] = events[id];
    const Pupil &p = pupils[index];
    REQUIRE(!p.hpgn.empty());
    const auto f = words(lines.front());
    CHECK(std::stoi(f[2]) == ECKID_OK);
    CHECK(f[3] == p.key);
    CHECK(f[4] == expected_eckid(p.hpgn, steps(p)[step].sector));
  }

  // Nothing left and the final records as the events in order give them, through a fresh handle.
  w.open();
  eckid_queue_info info = ECKID_QUEUE_INFO_INIT;
  REQUIRE(eckid_queue_status(w.plugin, &info) == ECKID_OK);
  CHECK(info.queued == 0);
  CHECK(info.failed == 0);
  CHECK(info.undelivered == 0);
  for (const Pupil &p : pupils) {
    for (const auto &[school, sector] : final_records(p)) {
      INFO("pupil " << p.key << " at " << school);
      eckid_result *r = nullptr;
      REQUIRE(eckid_pupil_lookup(w.plugin, school.c_str(), p.key.c_str(), &r) == ECKID_OK);
      CHECK(World::take(ECKID_OK, r).second == expected_eckid(p.hpgn, sector));
    }
  }

  // No identity request twice: per HPgn (the emulator's HPgn log) and in total (its request
  // log), what the events ask for, plus at most one repeat of what an event in flight at the
  // kill had sent (a request already answered to the killed process is sent again by the
  // process that takes the event over: the service derives, so the repeat is harmless).
  std::map<std::string, std::map<std::string, int>> seen;  // operation -> HPgn -> lines
  std::ifstream in(hpgn_log);
  for (std::string line; std::getline(in, line);) {
    const auto f = words(line);
    REQUIRE(f.size() == 3);
    ++seen[f[1]][f[2]];
  }
  std::map<std::string, int> stamps, stamps_extra, replaces, replaces_extra;
  int eckids = 0, eckids_extra = 0, bsn_stamps = 0, bsn_stamps_extra = 0;
  for (const auto &[id, at] : events) {
    const Pupil &p = pupils[at.first];
    const Step s = steps(p)[at.second];
    const int times = in_flight.contains(id) ? 1 : 0;  // the allowed repeat
    stamps[p.hpgn] += s.stampseudonym_of_first;
    stamps_extra[p.hpgn] += s.stampseudonym_of_first * times;
    replaces[p.hpgn] += s.replace;
    replaces_extra[p.hpgn] += s.replace * times;
    eckids += s.eckid_requests;
    eckids_extra += s.eckid_requests * times;
    bsn_stamps += s.stampseudonym_of_bsn;
    bsn_stamps_extra += s.stampseudonym_of_bsn * times;
  }
  for (const auto &[hpgn, n] : stamps) {
    INFO("HPgn " << hpgn);
    CHECK(seen["retrieveStampseudonym"][hpgn] >= n);
    CHECK(seen["retrieveStampseudonym"][hpgn] <= n + stamps_extra[hpgn]);
    CHECK(seen["replaceStampseudonym"][hpgn] >= replaces[hpgn]);
    CHECK(seen["replaceStampseudonym"][hpgn] <= replaces[hpgn] + replaces_extra[hpgn]);
  }
  // The BSNs' HPgns (not computed here): each asked for once by its pupil's transfer.
  int bsn_lines = 0, bsn_hpgns = 0;
  for (const auto &[hpgn, n] : seen["retrieveStampseudonym"]) {
    if (stamps.contains(hpgn)) continue;
    ++bsn_hpgns;
    bsn_lines += n;
  }
  CHECK(bsn_hpgns == bsn_stamps);
  CHECK(bsn_lines >= bsn_stamps);
  CHECK(bsn_lines <= bsn_stamps + bsn_stamps_extra);
  const auto retrieve_eckid = count_requests(w, "retrieveEckId");
  CHECK(retrieve_eckid >= static_cast<std::size_t>(eckids));
  CHECK(retrieve_eckid <= static_cast<std::size_t>(eckids + eckids_extra));
  CHECK(count_requests(w, "retrieveEckId", "ok") == retrieve_eckid);  // no faults
}
