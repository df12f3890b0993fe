// Shared by the event and outbox tests: an nv-emulator, a plugin opened on a five-school
// configuration, and ECK iDs derived independently from the published HPgn vectors and the
// emulator's documented derivation (tests/emulator/README.md: HMAC-SHA-512 under the secret).
#pragma once

#include <eckid/eckid.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emulator_process.hpp"
#include "fire.hpp"
#include "state_access.hpp"
#include "state_engine.hpp"
#include "test_support.hpp"

namespace eckid_events {

inline const std::string kSecret = "event test secret";
inline const std::string kOtherSector =
    "http://purl.edustandaard.nl/begrippenkader/9f3c6a2e-4b1d-4e8a-9c7f-2d5e8b1a6c04";

inline std::string hmac_hex(const std::string &message) {
  unsigned char mac[64];
  unsigned int len = 0;
  HMAC(EVP_sha512(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char *>(message.data()), message.size(), mac, &len);
  static const char *digits = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex += digits[mac[i] >> 4];
    hex += digits[mac[i] & 15];
  }
  return hex;
}

// The ECK iD the emulator gives an HPgn in a sector, computed independently.
inline std::string expected_eckid(const std::string &hpgn, const std::string &sector) {
  const std::string stamp = "https://ketenid.nl/sppilot/" + hmac_hex("stampseudonym|" + hpgn);
  return "https://ketenid.nl/pilot/" +
         hmac_hex("eckid|" + stamp + "|" + eckid_test::test_chain() + "|" + sector);
}

// How many published vectors there are.
inline std::size_t vector_count() {
  return eckid_test::vectors()["hpgn"].as_array()->size();
}

// A published vector: (pgn, hpgn).
inline std::pair<std::string, std::string> vector_pupil(std::size_t i) {
  const auto &t = *eckid_test::vectors()["hpgn"].as_array()->get(i)->as_table();
  return {*t["pgn"].value<std::string>(), *t["hpgn"].value<std::string>()};
}

inline std::string school(const std::string &key, const std::string &sector,
                          const std::string &extra) {
  return "[[school]]\nkey = \"" + key + "\"\noin = \"000000070000" + key + "1234\"\nsector = \"" +
         sector + "\"\nchains = [\"" + eckid_test::test_chain() + "\"]\n" + extra + "\n";
}

// Fast retries so that outbox tests finish quickly.
inline const std::string kFastRetries =
    "\n[outbox]\nworkers = 4\ndeadline_ms = 2000\nretry_base_ms = 50\nretry_max_ms = 400\n"
    "max_attempts = 40\nbreaker_threshold = 4\nbreaker_cooldown_ms = 100\n"
    "shutdown_wait_ms = 200\n[hash]\nmemory_budget_mib = 1024\n";

// Log lines of the plugin; the callback may come from plugin threads.
struct LogLines {
  std::mutex mutex;
  std::vector<std::string> lines;
  // How many lines contain s.
  std::size_t count(const std::string &s) {
    std::lock_guard lock(mutex);
    std::size_t n = 0;
    for (const auto &l : lines) n += l.find(s) != std::string::npos ? 1 : 0;
    return n;
  }
  bool contains(const std::string &s) {
    std::lock_guard lock(mutex);
    for (const auto &l : lines) {
      if (l.find(s) != std::string::npos) return true;
    }
    return false;
  }
  // Waits until at least n lines contain s; false if they do not within timeout.
  bool wait_for(const std::string &s, std::size_t n, std::chrono::seconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      {
        std::lock_guard lock(mutex);
        std::size_t found = 0;
        for (const auto &l : lines) found += l.find(s) != std::string::npos ? 1 : 0;
        if (found >= n) return true;
      }
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
};
inline void collect(eckid_log_level, const char *message, void *payload) {
  auto *log = static_cast<LogLines *>(payload);
  std::lock_guard lock(log->mutex);
  log->lines.emplace_back(message);
}

// The current time as Unix milliseconds (the unit of the plugin's times).
inline long long unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A fired pupil-created event: the call's status and the event's outbox id (0 if refused).
struct Fired {
  eckid_status status;
  unsigned long long event_id;
};

inline Fired fire_created(eckid_plugin *plugin, const std::string &school_key,
                          const std::string &pupil, const std::string &pgn) {
  eckid_result *r = nullptr;
  const eckid_status s = pupil_created(plugin, school_key, pupil, pgn, &r);
  const unsigned long long id = r ? r->event_id : 0;
  eckid_free(r);
  return {s, id};
}

// Ends a test case as skipped: prints why and exits with 77, the SKIP_RETURN_CODE of its
// CTest registration (tests/events/CMakeLists.txt).
[[noreturn]] inline void skip_test(const std::string &reason) {
  std::cout << "SKIPPED: " << reason << std::endl;
  std::exit(77);
}

// How a World is set up: emulator options, extra configuration, delivery and callback.
struct Setup {
  std::vector<std::string> emulator_args;
  std::string extra_config;  // appended to the file, e.g. an [outbox] table
  eckid_delivery delivery = ECKID_DELIVERY_SYNC;
  eckid_result_fn on_result = nullptr;
  void *result_payload = nullptr;
  eckid_log_level log_level = ECKID_LOG_INFO;  // lowest level of the lines in World::log
  std::string state_lines = {};                // lines of the [state] table, e.g. directory = "..."
  // A PostgreSQL cluster for the state instead of ECKID_TEST_POSTGRES's; empty: that one, or
  // SQLite when it is unset.
  PostgresTarget postgres = {};
};

// The PostgreSQL cluster of a World's state (state_engine.hpp), empty for SQLite. An
// ECKID_TEST_POSTGRES folder without a cluster while postgresql-15 is missing skips the test
// (its fixture postgres_start skipped too); with postgresql-15, test_postgres() fails saying
// how to start one.
inline PostgresTarget cluster_of(const Setup &setup) {
  if (!setup.postgres.empty()) return setup.postgres;
  const auto folder = test_postgres_folder();
  if (!folder.empty() && !std::filesystem::exists(folder / "url") &&
      !std::filesystem::exists("/usr/lib/postgresql/15/bin/initdb")) {
    skip_test("no PostgreSQL cluster in " + folder.string() +
              " and no postgresql-15 to start one (packaging/install-deps.sh)");
  }
  return test_postgres();
}

// An emulator and a plugin opened on a configuration with five schools:
// PO01, PO02 (test sector), VO01 (other sector), OFF1 (disabled), LATE (starts in 2099), and
// the state in SQLite or, under ECKID_TEST_POSTGRES, a schema of its own (state_engine.hpp).
struct World {
  Setup setup;
  PostgresTarget postgres = cluster_of(setup);  // empty: SQLite
  eckid_test::TempDir dir;
  std::unique_ptr<eckid::emulator_test::Emulator> emulator;
  std::uint16_t port = 0;
  LogLines log;
  eckid_plugin *plugin = nullptr;
  std::filesystem::path config;

  explicit World(Setup s = {}) : setup(std::move(s)) {
    start_emulator(setup.emulator_args);
    dir.add_pki();
    const std::string sector = eckid_test::test_sector();
    config = dir.write(
        "eckid.toml",
        "[service]\nenvironment = \"sandbox\"\nendpoint = \"" + emulator->url() + "\"\nsalt = \"" +
            eckid_test::sandbox_salt() +
            "\"\nclient_certificate = \"client.p12\"\nkey_password_file = \"client.p12.pass\"\n"
            "ca_bundle = \"ca.pem\"\nrequest_timeout_ms = 20000\n\n" +
            school("PO01", sector, "enabled = true") + school("PO02", sector, "enabled = true") +
            school("VO01", kOtherSector, "enabled = true") +
            school("OFF1", sector, "enabled = false") +
            school("LATE", sector, "enabled = true\nstart_date = 2099-08-01") + setup.extra_config +
            state_table(dir.path(), setup.state_lines, postgres));
    open();
  }
  ~World() { close(); }

  void open() {
    eckid_open_options o = ECKID_OPEN_OPTIONS_INIT;
    o.log = collect;
    o.log_payload = &log;
    o.log_level = setup.log_level;
    o.delivery = setup.delivery;
    o.on_result = setup.on_result;
    o.result_payload = setup.result_payload;
    const eckid_status opened = eckid_open(config.c_str(), &o, &plugin);
    INFO(eckid_last_error());
    REQUIRE(opened == ECKID_OK);
  }
  void close() {
    eckid_close(plugin);
    plugin = nullptr;
  }
  // Starts the emulator, on the same port as before when there was one.
  void start_emulator(std::vector<std::string> args) {
    if (port != 0) {
      args.push_back("--port");
      args.push_back(std::to_string(port));
    }
    args.push_back("--secret");
    args.push_back(kSecret);
    emulator = std::make_unique<eckid::emulator_test::Emulator>(args);
    port = emulator->port();
  }
  void stop_emulator() { emulator.reset(); }

  // The ECK iD of a one-chain result, freeing it; "" on failure. No Catch2 macros here:
  // called from several threads. A wrong shape yields a text no expectation matches.
  static std::pair<eckid_status, std::string> take(eckid_status s, eckid_result *r) {
    std::string id;
    if (r != nullptr && r->count != 1) id = "<" + std::to_string(r->count) + " chains>";
    if (r != nullptr && r->count == 1) {
      id = std::string(r->eckids[0]->chain) == eckid_test::test_chain() ? r->eckids[0]->eckid
                                                                        : "<wrong chain>";
    }
    eckid_free(r);
    return {s, id};
  }
  std::pair<eckid_status, std::string> created(const std::string &school_key,
                                               const std::string &pupil, const std::string &pgn) {
    eckid_result *r = nullptr;
    const eckid_status s = pupil_created(plugin, school_key, pupil, pgn, &r);
    return take(s, r);
  }
  std::pair<eckid_status, std::string> transferred(const std::string &from, const std::string &to,
                                                   const std::string &pupil,
                                                   const std::string &pgn) {
    eckid_result *r = nullptr;
    const eckid_status s = pupil_transferred(plugin, from, to, pupil, pgn, &r);
    return take(s, r);
  }
  std::size_t requests() const { return emulator->log_lines().size(); }
};

/// The SQLite state database of a World's configuration (the default "state" folder beside it).
inline std::filesystem::path state_file(const World &w) {
  return w.config.parent_path() / "state" / "eckid.db";
}

/// A connection of the test's own to a World's state database, whichever engine holds it.
inline StateDb state_db(const World &w) {
  return StateDb(w.config.parent_path(), w.postgres);
}

/// True when a World's state holds the text anywhere (state_access.hpp: any file of the state
/// folder, and on PostgreSQL any row of its schema).
inline bool state_holds(const World &w, const std::string &text) {
  return state_holds(w.config.parent_path(), w.postgres, text);
}

}  // namespace eckid_events
