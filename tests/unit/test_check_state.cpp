// The state findings of eckid_check (check_configuration): the [state] folder and the schema
// version of eckid.db, read without changing anything on disk. The expected schema version is
// store/schema.hpp's constant; a database is made by the plugin's own Database and altered
// with SQLite's C API.
#include <grp.h>
#include <pwd.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "check/check.hpp"
#include "log/logger.hpp"
#include "store/schema.hpp"
#include "store/state_db.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using eckid::Finding;
using V = Finding::Verdict;

// Every entry under root, root included: its mode, mtime (ns) and, for a file, its content.
std::map<std::string, std::string> snapshot(const fs::path &root) {
  std::map<std::string, std::string> out;
  const auto add = [&](const fs::path &p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    std::string entry = std::to_string(st.st_mode) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
                        std::to_string(st.st_mtim.tv_nsec);
    if (S_ISREG(st.st_mode)) {
      std::ifstream in(p, std::ios::binary);
      entry.append(std::istreambuf_iterator<char>(in), {});
    }
    out[p.string()] = entry;
  };
  add(root);
  for (const auto &e : fs::recursive_directory_iterator(root)) add(e.path());
  return out;
}

// The findings of one state folder, checked while root's content is watched for changes.
std::vector<Finding> check_unchanged(const fs::path &directory, const fs::path &root) {
  const auto before = snapshot(root);
  eckid::StateConfig state;
  state.directory = directory;
  auto findings = eckid::state_findings(state);
  CHECK(snapshot(root) == before);
  return findings;
}

// The one finding of `check`.
const Finding &only(const std::vector<Finding> &findings, const std::string &check) {
  const Finding *found = nullptr;
  for (const auto &f : findings) {
    if (f.check != check) continue;
    REQUIRE(found == nullptr);
    found = &f;
  }
  REQUIRE(found != nullptr);
  return *found;
}

std::string user_name(uid_t uid) {
  const passwd *entry = ::getpwuid(uid);
  REQUIRE(entry != nullptr);
  return entry->pw_name;
}

// The plugin's own connection to the SQLite state database in `state`.
std::unique_ptr<eckid::StateDb> open_plugin_database(const fs::path &state) {
  eckid::StateConfig config;
  config.directory = state;
  config.busy_timeout_ms = 1000;
  return std::make_unique<eckid::StateDb>(config, eckid::Logger{});
}

// A state folder with a database the plugin made (opened and closed), mode 0700.
fs::path plugin_database(const eckid_test::TempDir &dir) {
  const fs::path state = dir.path() / "state";
  open_plugin_database(state);
  return state;
}

void set_user_version(const fs::path &file, int version) {
  sqlite3 *db = nullptr;
  REQUIRE(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  const std::string sql = "PRAGMA user_version = " + std::to_string(version);
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("state: a folder that does not exist yet is made at first open, not by the check",
          "[check]") {
  eckid_test::TempDir dir;
  const fs::path state = dir.path() / "state";
  const auto findings = check_unchanged(state, dir.path());
  REQUIRE(findings.size() == 2);
  const std::string user = user_name(::geteuid());
  CHECK(findings[0].verdict == V::ok);
  CHECK(findings[0].check == "state");
  CHECK(findings[0].file == state.string());
  CHECK(findings[0].key == "state.directory");
  CHECK(findings[0].message ==
        state.string() + " does not exist yet; made at first open (mode 700) by user " + user);
  CHECK(findings[1].verdict == V::ok);
  CHECK(findings[1].check == "state database");
  CHECK(findings[1].file == (state / "eckid.db").string());
  CHECK(findings[1].message ==
        (state / "eckid.db").string() + " does not exist yet; made at first open");
  CHECK_FALSE(fs::exists(state));
}

TEST_CASE("state: an empty owner-only folder is OK and stays empty", "[check]") {
  eckid_test::TempDir dir;
  const fs::path state = dir.path() / "state";
  fs::create_directory(state);
  fs::permissions(state, fs::perms::owner_all, fs::perm_options::replace);
  const auto findings = check_unchanged(state, dir.path());
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].verdict == V::ok);
  CHECK(findings[0].message == state.string() + " is readable and writable by user " +
                                   user_name(::geteuid()) + " (this check's user)");
  CHECK(findings[1].verdict == V::ok);
  CHECK(fs::is_empty(state));
}

TEST_CASE("state: a folder other users may read is a WARN, as the plugin warns at open",
          "[check]") {
  eckid_test::TempDir dir;
  const fs::path state = dir.path() / "state";
  fs::create_directory(state);
  fs::permissions(state, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec,
                  fs::perm_options::replace);
  const auto findings = check_unchanged(state, dir.path());
  REQUIRE(findings.size() == 3);
  CHECK(findings[0].verdict == V::ok);
  CHECK(findings[1].verdict == V::warn);
  CHECK(findings[1].check == "state");
  CHECK(findings[1].message == "the state directory " + state.string() +
                                   " is readable by other users; restrict it (chmod 700)");
  CHECK(findings[2].check == "state database");
}

TEST_CASE("state: a path that is a file, or below a file, fails", "[check]") {
  eckid_test::TempDir dir;
  const fs::path file = dir.write("state", "not a folder");
  auto findings = check_unchanged(file, dir.path());
  CHECK(findings[0].verdict == V::fail);
  CHECK(findings[0].message ==
        file.string() + " is not a folder; move it away or set [state] directory");
  findings = check_unchanged(file / "below", dir.path());
  CHECK(findings[0].verdict == V::fail);
  CHECK_THAT(findings[0].message, Catch::Contains(file.string() + " is not a folder"));
}

// Root passes every access(2) check, so as root the check runs in a child process as user
// nobody (65534), which may not write root's folders of mode 0500 and 0555; as another user,
// the folders are its own. Either way the user named is the one the check ran as.
TEST_CASE("state: a folder this user may not write fails, naming the user and what to do",
          "[check]") {
  eckid_test::TempDir dir;
  const fs::path state = dir.path() / "state";
  const fs::path locked = dir.path() / "locked";
  fs::create_directory(state);
  fs::create_directory(locked);
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::others_exec,
                  fs::perm_options::replace);
  fs::permissions(state, fs::perms::owner_read | fs::perms::owner_exec, fs::perm_options::replace);
  using P = fs::perms;
  fs::permissions(locked,
                  P::owner_read | P::owner_exec | P::group_read | P::group_exec | P::others_read |
                      P::others_exec,
                  fs::perm_options::replace);
  const bool root = ::geteuid() == 0;
  const uid_t uid = root ? 65534 : ::geteuid();
  // Each finding as "verdict|check|message" lines, from the user uid.
  std::vector<std::string> lines;
  const auto record = [&](const std::vector<Finding> &findings, int fd) {
    for (const auto &f : findings) {
      const std::string line =
          std::to_string(static_cast<int>(f.verdict)) + "|" + f.check + "|" + f.message + "\n";
      if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(3);
    }
  };
  const auto before = snapshot(dir.path());
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    if (root && (::setgroups(0, nullptr) != 0 || ::setresgid(uid, uid, uid) != 0 ||
                 ::setresuid(uid, uid, uid) != 0)) {
      _exit(2);
    }
    for (const fs::path &d : {state, locked / "state"}) {
      eckid::StateConfig config;
      config.directory = d;
      record(eckid::state_findings(config), pipe_fds[1]);
    }
    _exit(0);
  }
  ::close(pipe_fds[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  ::close(pipe_fds[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(snapshot(dir.path()) == before);
  fs::permissions(state, fs::perms::owner_all, fs::perm_options::replace);
  fs::permissions(locked, fs::perms::owner_all, fs::perm_options::replace);
  INFO(text);
  const std::string user = "user " + user_name(uid);
  const std::string fail = std::to_string(static_cast<int>(V::fail)) + "|";
  CHECK_THAT(text, Catch::Contains(fail + "state|" + state.string() +
                                   " is not readable, writable and searchable by " + user +
                                   " (the user this check runs as): Permission denied; a host "
                                   "and `eckid deliver` must run as a user that may write it"));
  CHECK_THAT(text, Catch::Contains("(the packaged service runs as user eckid"));
  CHECK_THAT(
      text, Catch::Contains(fail + "state|" + (locked / "state").string() + " does not exist and " +
                            user + " (the user this check runs as) may not make it in " +
                            locked.string() + " (Permission denied)"));
}

TEST_CASE("state database: made by the plugin, the schema version is this library's", "[check]") {
  eckid_test::TempDir dir;
  const fs::path state = plugin_database(dir);
  const fs::path file = state / "eckid.db";
  const auto findings = check_unchanged(state, dir.path());
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].verdict == V::ok);
  const Finding &db = findings[1];
  CHECK(db.verdict == V::ok);
  CHECK(db.check == "state database");
  CHECK(db.file == file.string());
  CHECK(db.message == file.string() + " has schema version " +
                          std::to_string(eckid::kStateSchemaVersion) + ", this library's");
  // No -wal or -shm file was made (a read-only connection would leave both).
  CHECK_FALSE(fs::exists(state / "eckid.db-wal"));
  CHECK_FALSE(fs::exists(state / "eckid.db-shm"));
}

TEST_CASE("state database: read while the plugin has it open, without touching its files",
          "[check]") {
  eckid_test::TempDir dir;
  const fs::path state = plugin_database(dir);
  const auto open = open_plugin_database(state);
  const auto watched = [&] {
    // The -shm index is shared memory every reader writes its read mark into.
    auto s = snapshot(state);
    s.erase((state / "eckid.db-shm").string());
    return s;
  };
  REQUIRE(fs::exists(state / "eckid.db-wal"));
  const auto before = watched();
  eckid::StateConfig config;
  config.directory = state;
  const auto findings = eckid::state_findings(config);
  CHECK(watched() == before);
  CHECK(only(findings, "state database").message ==
        (state / "eckid.db").string() + " has schema version " +
            std::to_string(eckid::kStateSchemaVersion) + ", this library's");
}

TEST_CASE("state database: an older schema is migrated at the next open", "[check]") {
  eckid_test::TempDir dir;
  const fs::path state = plugin_database(dir);
  set_user_version(state / "eckid.db", eckid::kStateSchemaVersion - 1);
  const Finding db = only(check_unchanged(state, dir.path()), "state database");
  CHECK(db.verdict == V::ok);
  CHECK(db.message ==
        (state / "eckid.db").string() + " has schema version " +
            std::to_string(eckid::kStateSchemaVersion - 1) + ", older than this library's " +
            std::to_string(eckid::kStateSchemaVersion) + "; migrated at the next open");
}

TEST_CASE("state database: a schema made by a newer eckid fails", "[check]") {
  eckid_test::TempDir dir;
  const fs::path state = plugin_database(dir);
  set_user_version(state / "eckid.db", eckid::kStateSchemaVersion + 1);
  const Finding db = only(check_unchanged(state, dir.path()), "state database");
  CHECK(db.verdict == V::fail);
  CHECK(db.message == (state / "eckid.db").string() + " has schema version " +
                          std::to_string(eckid::kStateSchemaVersion + 1) +
                          ", made by a newer eckid (this library's is " +
                          std::to_string(eckid::kStateSchemaVersion) + "); upgrade libeckid");
}

TEST_CASE("state database: a file that is not a database fails with what to do", "[check]") {
  eckid_test::TempDir dir;
  const fs::path state = dir.path() / "state";
  fs::create_directory(state);
  fs::permissions(state, fs::perms::owner_all, fs::perm_options::replace);
  std::ofstream(state / "eckid.db") << std::string(4096, 'x');
  const Finding db = only(check_unchanged(state, dir.path()), "state database");
  CHECK(db.verdict == V::fail);
  // SQLite's own message for a file without its header (sqlite3_errstr(SQLITE_NOTADB)).
  CHECK(db.message == (state / "eckid.db").string() + " cannot be read as an SQLite database (" +
                          sqlite3_errstr(SQLITE_NOTADB) +
                          "); restore it from a backup, or move it away so that the first open "
                          "starts an empty one (what it held is lost)");
}

TEST_CASE("check_configuration checks the [state] directory it names, and none it cannot read",
          "[check]") {
  eckid_test::TempDir dir;  // without the certificate files: their findings do not matter here
  const auto checks = [&](const std::string &text) {
    const auto report =
        eckid::check_configuration(eckid::ConfigSource::of_text(dir.path() / "eckid.toml", text));
    std::vector<std::string> out;
    for (const auto &f : report.findings) {
      if (f.check.starts_with("state")) out.push_back(f.check + " " + f.file + " " + f.key);
    }
    return out;
  };
  const std::string state = (dir.path() / "kept").string();
  CHECK(checks(eckid_test::minimal_config("", "[state]\ndirectory = \"kept\"\n")) ==
        std::vector<std::string>{"state " + state + " state.directory",
                                 "state database " + state + "/eckid.db state.directory"});
  CHECK(checks(eckid_test::minimal_config("", "[state]\ndirectory = 5\n")).empty());
  CHECK(checks("state = 5\n" + eckid_test::minimal_config()).empty());
  CHECK_FALSE(fs::exists(dir.path() / "kept"));
}
