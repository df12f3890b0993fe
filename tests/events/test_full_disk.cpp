// A full disk while the plugin's own threads work (issue 13, item 1): an onboarding pupil
// being hashed and a queued event being processed when the state folder's file system fills.
// The host process survives, calls meanwhile give ECKID_E_STATE naming the cause, and once
// space is free the queued work completes with the ECK iDs the emulator's documented
// derivation gives. The state folder is a small tmpfs mounted in a private mount namespace
// (needs root, as in CI; the test is skipped visibly otherwise). SQLite's only: on PostgreSQL
// (ECKID_TEST_POSTGRES) the database's disk is the server's, and the test is skipped.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "onboard_support.hpp"

using namespace eckid_events;
using namespace std::chrono_literals;

namespace {

// A 4 MiB tmpfs on dir in a private mount namespace of this process (or the test is skipped),
// unmounted when the object goes away.
struct SmallTmpfs {
  std::filesystem::path dir;
  explicit SmallTmpfs(std::filesystem::path d) : dir(std::move(d)) {
    if (!test_postgres_folder().empty()) {
      skip_test(
          "a full state folder is SQLite's; with ECKID_TEST_POSTGRES the database's disk "
          "is the PostgreSQL server's");
    }
    if (unshare(CLONE_NEWNS) != 0 ||
        mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=4m,mode=0700") != 0) {
      skip_test(std::string("no small tmpfs for the state folder (needs root for a private "
                            "mount namespace): ") +
                std::strerror(errno));
    }
  }
  ~SmallTmpfs() { umount2(dir.c_str(), MNT_DETACH); }
};

// Asynchronous delivery (results stay in the outbox until acknowledged, so each can be looked
// up) with the state folder in dir/state and the given extra configuration.
Setup state_on(const std::filesystem::path &dir, const std::string &extra) {
  Setup setup;
  setup.delivery = ECKID_DELIVERY_ASYNC;
  setup.extra_config = extra;
  setup.state_lines = "directory = \"" + (dir / "state").string() + "\"\n";
  return setup;
}

// Writes a file until the file system is full.
void fill(const std::filesystem::path &file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  const std::vector<char> block(64 * 1024, 'x');
  while (::write(fd, block.data(), block.size()) > 0) {
  }
  CHECK(errno == ENOSPC);
  ::close(fd);
}

// Whether a worker of the plugin has taken the outbox event (its claim, Outbox::next_due()),
// read from the state database in dir/state directly; waits up to a minute.
bool wait_claimed(const std::filesystem::path &dir, unsigned long long id) {
  for (int i = 0; i < 6000; ++i) {
    try {
      StateDb db(dir, {});
      const auto rows =
          db.rows("SELECT claim_owner IS NOT NULL FROM outbox WHERE id = ?1", {std::to_string(id)});
      if (!rows.empty() && rows[0][0] == "1") return true;
    } catch (const std::exception &) {
      // not there yet, or busy: asked again
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("A full disk during onboarding and events ends no process and loses no work",
          "[onboard][outbox]") {
  eckid_test::TempDir mount_point;
  const SmallTmpfs tmpfs(mount_point.path());
  World w(state_on(mount_point.path(),
                   "[onboarding]\nbatch_size = 1\npoll_delay_ms = 20\n"
                   "[outbox]\nretry_base_ms = 100\nretry_max_ms = 400\nmax_attempts = 100\n"));
  const std::string onboarded = test_pgn(0), created = test_pgn(1), later = test_pgn(2);

  // Both are stored, then the disk fills while they are hashed (scrypt takes a while).
  const eckid_onboard_pupil pupil = onboard_pupil("disk-a", onboarded.c_str());
  eckid_onboard_receipts *receipts = nullptr;
  REQUIRE(onboard(w.plugin, "PO01", {pupil}, &receipts) == ECKID_OK);
  REQUIRE(receipts->receipts[0]->status == ECKID_QUEUED);
  const unsigned long long onboard_id = receipts->receipts[0]->event_id;
  eckid_free(receipts);
  const Fired event = fire_created(w.plugin, "PO01", "disk-b", created);
  REQUIRE(event.status == ECKID_QUEUED);
  // Taking the event is a write (its claim): the disk fills only once a worker has it.
  REQUIRE(wait_claimed(mount_point.path(), event.event_id));
  const auto filler = mount_point.path() / "state" / "filler";
  fill(filler);

  // Both threads fail to record their outcome, and carry on.
  CHECK(w.log.wait_for("onboarding: a hash worker: ", 1, 60s));
  CHECK(w.log.wait_for("outbox: event " + std::to_string(event.event_id) + ": ", 1, 60s));

  // Meanwhile calls say what is wrong.
  const eckid_onboard_pupil third = onboard_pupil("disk-c", later.c_str());
  CHECK(onboard(w.plugin, "PO01", {third}, &receipts) == ECKID_E_STATE);
  CHECK(std::string(eckid_last_error()).find("full") != std::string::npos);
  CHECK(std::string(eckid_last_error()).find("check free disk space") != std::string::npos);
  CHECK(fire_created(w.plugin, "PO01", "disk-c", later).status == ECKID_E_STATE);

  // Space again: the queued work completes.
  std::filesystem::remove(filler);
  const auto results = poll_results(w.plugin, 2, 120s);
  REQUIRE(results.size() == 2);
  const std::string sector = eckid_test::test_sector();
  CHECK(results.at(onboard_id).status == ECKID_OK);
  CHECK(results.at(onboard_id).eckid == expected_eckid(independent_hpgn(onboarded), sector));
  CHECK(results.at(event.event_id).status == ECKID_OK);
  CHECK(results.at(event.event_id).eckid == expected_eckid(independent_hpgn(created), sector));

  std::lock_guard lock(w.log.mutex);
  for (const auto &line : w.log.lines) {
    CHECK(line.find(onboarded) == std::string::npos);
    CHECK(line.find(created) == std::string::npos);
    CHECK(line.find(later) == std::string::npos);
  }
}

TEST_CASE("a full disk is a clear status on the event, never a crash", "[outbox][disk]") {
  eckid_test::TempDir mount_point;
  const SmallTmpfs tmpfs(mount_point.path());
  World w(state_on(mount_point.path(), kFastRetries));
  fill(mount_point.path() / "filler");
  const auto [pgn, hpgn] = vector_pupil(0);
  std::vector<unsigned long long> accepted;
  eckid_status s = ECKID_OK;
  for (int i = 0; i < 50; ++i) {  // until the database needs a page the disk does not have
    const Fired f = fire_created(w.plugin, "PO01", "full-" + std::to_string(i), pgn);
    s = f.status;
    if (s != ECKID_QUEUED) break;
    accepted.push_back(f.event_id);
  }
  CHECK(s == ECKID_E_STATE);
  CHECK_THAT(eckid_last_error(), Catch::Contains("disk is full"));
  // Space again: what was accepted completes, and new events are accepted again.
  std::filesystem::remove(mount_point.path() / "filler");
  accepted.push_back(fire_created(w.plugin, "PO02", "full-ok", pgn).event_id);
  for (const unsigned long long id : accepted) {
    INFO("event " << id);
    eckid_status final_status = ECKID_QUEUED;
    std::string eckid;
    for (int i = 0; i < 1200 && final_status == ECKID_QUEUED; ++i) {
      eckid_result *r = nullptr;
      REQUIRE(eckid_event_result(w.plugin, id, &r) == ECKID_OK);
      final_status = static_cast<eckid_status>(r->status);
      if (r->count == 1) eckid = r->eckids[0]->eckid;
      eckid_free(r);
      if (final_status == ECKID_QUEUED) std::this_thread::sleep_for(100ms);
    }
    CHECK(final_status == ECKID_OK);
    CHECK(eckid == expected_eckid(hpgn, eckid_test::test_sector()));
  }
}
