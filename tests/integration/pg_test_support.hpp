// Helpers of the PostgreSQL state tests (pg_database_test.cpp, pg_coordination_test.cpp): a
// private cluster per test case (skipped, exit status 77, without postgresql-15), the state
// configuration pointing at it, and the messages of failed calls.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "log/logger.hpp"
#include "private_postgres.hpp"
#include "store/database.hpp"
#include "store/pg_database.hpp"
#include "test_support.hpp"
#include "util/error.hpp"

namespace eckid_pg_test {

constexpr int kSkipped = 77;  // SKIP_RETURN_CODE in tests/integration/CMakeLists.txt

inline std::unique_ptr<eckid_test::PrivatePostgres> start_cluster() {
  if (!eckid_test::PrivatePostgres::available()) {
    std::cout << "SKIPPED: /usr/lib/postgresql/15/bin/initdb or python3 is missing; install "
                 "postgresql-15 and python3 (packaging/install-deps.sh)"
              << std::endl;
    std::exit(kSkipped);
  }
  return std::make_unique<eckid_test::PrivatePostgres>();
}

inline eckid::StateConfig state_config(const eckid_test::PrivatePostgres &pg,
                                       const std::string &schema = "eckid",
                                       long busy_timeout_ms = 10'000) {
  eckid::StateConfig c;
  c.url = pg.url();
  c.schema = schema;
  c.password_file = pg.password_file();
  c.busy_timeout_ms = busy_timeout_ms;
  return c;
}

/// The log lines of the handles opened with logger().
class LogLines {
 public:
  eckid::Logger logger() { return eckid::Logger(&LogLines::add, this, ECKID_LOG_DEBUG); }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  static void add(eckid_log_level, const char *message, void *self) {
    auto &log = *static_cast<LogLines *>(self);
    std::lock_guard lock(log.mutex_);
    log.lines_.emplace_back(message);
  }
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

inline std::unique_ptr<eckid::Database> open(const eckid::StateConfig &config,
                                             const eckid::Logger &logger = eckid::Logger()) {
  return eckid::open_pg_database(config, logger);
}

/// The message of the eckid::Error that fn throws ("" when it throws none), with a note in
/// front when its status is not ECKID_E_STATE. Safe in any thread (no Catch2 assertion).
template <class Fn>
std::string error_of(Fn &&fn) {
  try {
    fn();
  } catch (const eckid::Error &e) {
    const std::string note =
        e.status() == ECKID_E_STATE ? "" : "[status " + std::to_string(e.status()) + "] ";
    return note + e.what();
  }
  return "";
}

/// Whether pred() became true within 30 s: a session's end (and the locks it held) reaches the
/// server a moment after its client closed or died.
template <class Pred>
bool eventually(Pred &&pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

inline std::string one_text(eckid::Database &db, const std::string &sql) {
  eckid::Database::Statement q(db, sql);
  REQUIRE(q.step());
  return q.text(0);
}

}  // namespace eckid_pg_test
