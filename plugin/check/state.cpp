#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

#include "check/check.hpp"
#include "store/schema.hpp"
#include "store/state_files.hpp"

namespace eckid {

namespace {

namespace fs = std::filesystem;
using V = Finding::Verdict;

constexpr const char *kKey = "state.directory";

// What a user who may not use the state folder or database should do.
constexpr const char *kRunAs =
    "a host and `eckid deliver` must run as a user that may write it (the packaged service runs "
    "as user eckid: check as that user with runuser -u eckid -- eckid doctor); give the folder "
    "and its files to that user (chown) or set [state] directory";

// "user NAME" of the user this check runs as (its effective uid), or "uid N" without a name.
std::string current_user() {
  const uid_t uid = ::geteuid();
  passwd entry{};
  passwd *found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    return "user " + std::string(found->pw_name);
  }
  return "uid " + std::to_string(uid);
}

// "" when the user this check runs as has every access in `mode` (access(2)), else why not.
std::string denied(const fs::path &path, int mode) {
  if (::access(path.c_str(), mode) == 0) return {};
  return std::generic_category().message(errno);
}

Finding folder_finding(V verdict, const fs::path &directory, std::string message) {
  return {verdict, "state", directory.string(), 0, kKey, std::move(message)};
}

Finding database_finding(V verdict, const fs::path &file, std::string message) {
  return {verdict, "state database", file.string(), 0, kKey, std::move(message)};
}

// The nearest folder above `directory` that exists (where create_directories starts).
fs::path existing_parent(const fs::path &directory) {
  std::error_code ec;
  fs::path p = fs::absolute(directory, ec).parent_path();
  while (!fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
  return p;
}

// A folder that does not exist yet: OK when this user may make it (the plugin does at its
// first open), else FAIL naming the folder above it.
Finding missing_folder(const fs::path &directory, const std::string &user) {
  const fs::path parent = existing_parent(directory);
  std::error_code ec;
  const std::string dir = directory.string();
  if (!fs::is_directory(parent, ec)) {
    return folder_finding(V::fail, directory,
                          dir + " does not exist and cannot be made: " + parent.string() +
                              " is not a folder; set [state] directory to a folder");
  }
  if (const std::string why = denied(parent, W_OK | X_OK); !why.empty()) {
    return folder_finding(V::fail, directory,
                          dir + " does not exist and " + user + " (the user this check runs as)" +
                              " may not make it in " + parent.string() + " (" + why +
                              "); create it (mode 700) for the user the host runs as, or set "
                              "[state] directory; " +
                              kRunAs);
  }
  return folder_finding(V::ok, directory,
                        dir + " does not exist yet; made at first open (mode 700) by " + user);
}

// The folder: exists or can be made, usable by this user, not open to other users.
std::vector<Finding> folder_findings(const fs::path &directory, const std::string &user) {
  std::error_code ec;
  const fs::file_status status = fs::status(directory, ec);
  if (status.type() == fs::file_type::not_found) return {missing_folder(directory, user)};
  const std::string dir = directory.string();
  if (ec) {
    return {folder_finding(V::fail, directory,
                           dir + " cannot be looked at by " + user + " (" + ec.message() +
                               "); make the folders above it searchable (chmod o+x) or set "
                               "[state] directory")};
  }
  if (!fs::is_directory(status)) {
    return {folder_finding(V::fail, directory,
                           dir + " is not a folder; move it away or set [state] directory")};
  }
  if (const std::string why = denied(directory, R_OK | W_OK | X_OK); !why.empty()) {
    return {folder_finding(V::fail, directory,
                           dir + " is not readable, writable and searchable by " + user +
                               " (the user this check runs as): " + why + "; " + kRunAs)};
  }
  std::vector<Finding> out{folder_finding(
      V::ok, directory, dir + " is readable and writable by " + user + " (this check's user)")};
  if (std::string warning = state_folder_warning(directory); !warning.empty()) {
    out.push_back(folder_finding(V::warn, directory, std::move(warning)));
  }
  return out;
}

// eckid.db: absent, or its schema version against this library's, read without changing it.
Finding database_findings(const fs::path &file, long busy_timeout_ms, const std::string &user) {
  std::error_code ec;
  const fs::file_status status = fs::status(file, ec);
  const std::string name = file.string();
  if (status.type() == fs::file_type::not_found) {
    return database_finding(V::ok, file, name + " does not exist yet; made at first open");
  }
  if (ec) {
    return database_finding(V::fail, file,
                            name + " cannot be looked at by " + user + " (" + ec.message() +
                                "); see the state folder's rights");
  }
  if (!fs::is_regular_file(status)) {
    return database_finding(V::fail, file, name + " is not a file; move it away");
  }
  if (const std::string why = denied(file, R_OK | W_OK); !why.empty()) {
    return database_finding(V::fail, file,
                            name + " is not readable and writable by " + user +
                                " (the user this check runs as): " + why + "; " + kRunAs);
  }
  const SchemaReading reading = read_schema_version(file, busy_timeout_ms);
  const std::string ours = std::to_string(kStateSchemaVersion);
  switch (reading.outcome) {
    case SchemaReading::Outcome::busy:
      return database_finding(V::ok, file,
                              name +
                                  " is in use by another process; its schema version was "
                                  "not read (run the check again)");
    case SchemaReading::Outcome::failed:
      return database_finding(V::fail, file,
                              name + " cannot be read as an SQLite database (" + reading.error +
                                  "); restore it from a backup, or move it away so that the "
                                  "first open starts an empty one (what it held is lost)");
    case SchemaReading::Outcome::read:
      break;
  }
  const std::string version = "schema version " + std::to_string(reading.version);
  if (reading.version > kStateSchemaVersion) {
    return database_finding(V::fail, file,
                            name + " has " + version + ", made by a newer eckid (this library's " +
                                "is " + ours + "); upgrade libeckid");
  }
  if (reading.version < kStateSchemaVersion) {
    return database_finding(V::ok, file,
                            name + " has " + version + ", older than this library's " + ours +
                                "; migrated at the next open");
  }
  return database_finding(V::ok, file, name + " has " + version + ", this library's");
}

}  // namespace

std::vector<Finding> state_findings(const StateConfig &state) {
  const std::string user = current_user();
  std::vector<Finding> out = folder_findings(state.directory, user);
  if (!state.url.empty()) {
    for (auto &f : pg_state_findings(state)) out.push_back(std::move(f));
    return out;
  }
  out.push_back(
      database_findings(state.directory / kStateDatabaseFile, state.busy_timeout_ms, user));
  return out;
}

}  // namespace eckid
