// Coordination among handles on one PostgreSQL state (store/pg_database.cpp) against a private
// cluster: whether another handle is open (its session, in this or a killed process), leases,
// the per-pupil lock, and a server restarted under open handles.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>
#include <string>

#include "pg_test_support.hpp"

using eckid::Database;
using namespace eckid_pg_test;

namespace {

// A child process that opens the state, takes the lease `lease` when it is not empty, writes
// its handle's name to the returned pipe and waits until it is killed.
struct Child {
  pid_t pid = -1;
  std::string owner;
};

Child fork_holder(const eckid::StateConfig &config, const std::string &lease) {
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(out[0]);
    std::string report;
    try {
      const auto db = open(config);
      const auto held = db->lease(lease.empty() ? "unused" : lease);
      if (!lease.empty() && !held->try_acquire()) throw std::runtime_error("lease not taken");
      report = db->owner();
      (void)!::write(out[1], report.data(), report.size());
      ::close(out[1]);
      for (;;) ::pause();
    } catch (const std::exception &e) {
      report = std::string("error ") + e.what();
      (void)!::write(out[1], report.data(), report.size());
    }
    ::_exit(1);
  }
  ::close(out[1]);
  Child child{pid, ""};
  char buffer[512];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;) child.owner.append(buffer, n);
  ::close(out[0]);
  REQUIRE(child.owner.size() == 32);
  return child;
}

void kill_child(const Child &child) {
  ::kill(child.pid, SIGKILL);
  int status = 0;
  ::waitpid(child.pid, &status, 0);
}

}  // namespace

TEST_CASE("handle_open is true while the other handle's session lasts") {
  const auto pg = start_cluster();
  const Child child = fork_holder(state_config(*pg), "");
  const auto a = open(state_config(*pg));
  auto b = open(state_config(*pg));
  const std::string b_owner = b->owner();
  CHECK(a->owner() != b_owner);
  CHECK(a->owner().find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a->handle_open(a->owner()));
  CHECK(a->handle_open(b_owner));
  CHECK(b->handle_open(a->owner()));
  CHECK(a->handle_open(child.owner));
  CHECK_FALSE(a->handle_open("0123456789abcdef0123456789abcdef"));  // no handle has it
  CHECK_FALSE(a->handle_open("not a handle's name"));
  CHECK_FALSE(a->handle_open(""));
  // What the server shows for the owner locks, found without our query: one per handle, with
  // application_name eckid.
  CHECK(pg->sql("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity s USING (pid) WHERE "
                "l.locktype = 'advisory' AND l.objsubid = 2 AND l.classid = "
                "hashtext('eckid:eckid')::oid AND s.application_name = 'eckid'") == "3\n");

  b.reset();
  CHECK(eventually([&] { return !a->handle_open(b_owner); }));
  kill_child(child);
  CHECK(eventually([&] { return !a->handle_open(child.owner); }));
  // The schema is part of the key: a handle on another schema is not seen from this one.
  const auto other = open(state_config(*pg, "other"));
  CHECK_FALSE(a->handle_open(other->owner()));
  CHECK(other->handle_open(other->owner()));
}

TEST_CASE("a lease is held by one handle at a time and freed when its holder goes") {
  const auto pg = start_cluster();
  const auto a = open(state_config(*pg));
  const auto b = open(state_config(*pg));
  auto la = a->lease("onboarding");
  const auto lb = b->lease("onboarding");
  CHECK_FALSE(la->held());
  CHECK(la->try_acquire());
  CHECK(la->held());
  CHECK(la->try_acquire());  // again: still held, not held twice
  CHECK_FALSE(lb->try_acquire());
  CHECK_FALSE(lb->held());
  CHECK(b->lease("another")->try_acquire());
  la.reset();  // released at once
  CHECK(lb->try_acquire());
  CHECK(lb->held());
  CHECK(pg->sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = "
                "hashtext('eckid-lease:eckid')::oid AND objid = hashtext('onboarding')::oid") ==
        "1\n");
}

TEST_CASE("a lease of a killed process is freed with its session") {
  const auto pg = start_cluster();
  const Child child = fork_holder(state_config(*pg), "onboarding");
  const auto a = open(state_config(*pg));
  const auto lease = a->lease("onboarding");
  CHECK_FALSE(lease->try_acquire());
  kill_child(child);
  CHECK(eventually([&] { return lease->try_acquire(); }));
  CHECK(lease->held());
}

TEST_CASE("lock_pupil makes a transaction on the same pupil wait") {
  const auto pg = start_cluster();
  const auto a = open(state_config(*pg));
  const auto b = open(state_config(*pg, "eckid", 1'000));  // waits for locks up to 1 s
  a->transaction([&] {
    a->lock_pupil("pupil-1");
    const std::string e = error_of([&] { b->transaction([&] { b->lock_pupil("pupil-1"); }); });
    CHECK(e.find("lock timeout (SQLSTATE 55P03)") != std::string::npos);
    CHECK(error_of([&] { b->transaction([&] { b->lock_pupil("pupil-2"); }); }) == "");
  });
  CHECK(error_of([&] { b->transaction([&] { b->lock_pupil("pupil-1"); }); }) == "");
}

TEST_CASE("after a server restart the next statement connects and leases are taken anew") {
  const auto pg = start_cluster();
  LogLines log;
  const auto a = open(state_config(*pg), log.logger());
  const auto b = open(state_config(*pg));
  a->exec("CREATE TABLE counter (n BIGINT NOT NULL); INSERT INTO counter VALUES (0)");
  const auto lease = a->lease("onboarding");
  REQUIRE(lease->try_acquire());

  pg->stop();
  pg->start();
  CHECK(one_text(*a, "SELECT n FROM counter") == "0");
  CHECK_FALSE(lease->held());
  CHECK(lease->try_acquire());
  CHECK(lease->held());
  CHECK(b->handle_open(a->owner()));  // b connects again too, and sees a's new session
  CHECK_FALSE(b->lease("onboarding")->try_acquire());

  // Inside a transaction: the lost connection runs the transaction again.
  int runs = 0;
  a->transaction([&] {
    ++runs;
    const std::string n = one_text(*a, "SELECT n FROM counter");
    if (runs == 1) {
      pg->stop();
      pg->start();
    }
    Database::Statement(*a, "UPDATE counter SET n = ?1").bind(1, std::stoll(n) + 1).step();
  });
  CHECK(runs == 2);
  CHECK(pg->sql("SELECT n FROM eckid.counter") == "1\n");
  CHECK_FALSE(lease->held());

  // A statement while the server is down waits for it (up to busy_timeout_ms, 10 s here).
  pg->stop();
  auto waiting = std::async(std::launch::async, [&] {
    return error_of([&] { Database::Statement(*a, "UPDATE counter SET n = n + 1").step(); });
  });
  pg->start();
  CHECK(waiting.get() == "");
  CHECK(pg->sql("SELECT n FROM eckid.counter") == "2\n");

  // Down for longer than busy_timeout_ms: the statement fails, naming the database.
  const auto brief = open(state_config(*pg, "eckid", 1'000));
  pg->stop();
  const std::string e = error_of([&] { Database::Statement(*brief, "SELECT 1").step(); });
  CHECK(e.find("the state database, " + brief->name() + ", is unreachable") != std::string::npos);
  CHECK(e.find("[state] busy_timeout_ms (1000 ms)") != std::string::npos);
  pg->start();
  CHECK(one_text(*brief, "SELECT 1") == "1");

  // The log tells the administrator, without the password.
  int lost = 0, again = 0;
  for (const auto &line : log.lines()) {
    lost += line.starts_with("lost the connection to the state database, " + a->name());
    again += line == "connected again to the state database, " + a->name();
    CHECK(line.find(pg->password()) == std::string::npos);
  }
  CHECK(lost == 3);
  CHECK(again == 3);
}
