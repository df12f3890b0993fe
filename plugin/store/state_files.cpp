#include "store/state_files.hpp"

#include <sqlite3.h>

#include <memory>

#include "log/logger.hpp"
#include "util/error.hpp"

namespace eckid {

std::string state_folder_warning(const std::filesystem::path &directory) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto perms = fs::status(directory, ec).permissions();
  if (ec || (perms & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none) return {};
  return "the state directory " + directory.string() +
         " is readable by other users; restrict it (chmod 700)";
}

void prepare_state_directory(const std::filesystem::path &dir, const Logger &logger) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) {
      throw Error(ECKID_E_STATE, "cannot create the state directory " + dir.string() + ": " +
                                     ec.message() + "; create it or set [state] directory");
    }
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  if (const std::string warning = state_folder_warning(dir); !warning.empty()) {
    logger.warn(warning);
  }
}

namespace {

// An SQLite URI for `file`: "file://" and the absolute path, with the characters that end or
// escape a URI path percent-encoded (https://sqlite.org/uri.html).
std::string file_uri(const std::filesystem::path &file) {
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(file, ec);
  std::string uri = "file://";
  for (const char c : (ec ? file : absolute).string()) {
    if (c == '%') {
      uri += "%25";
    } else if (c == '?') {
      uri += "%3f";
    } else if (c == '#') {
      uri += "%23";
    } else {
      uri += c;
    }
  }
  return uri;
}

bool exists(const std::filesystem::path &p) {
  std::error_code ec;
  return std::filesystem::exists(p, ec);
}

}  // namespace

SchemaReading read_schema_version(const std::filesystem::path &file, long busy_timeout_ms) {
  const bool wal_files = exists(file.string() + "-wal") && exists(file.string() + "-shm");
  const std::string uri = file_uri(file) + (wal_files ? "?mode=ro" : "?mode=ro&immutable=1");
  sqlite3 *raw = nullptr;
  const int opened =
      sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  const std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> db(raw, &sqlite3_close_v2);
  SchemaReading reading;
  int rc = opened;
  if (rc == SQLITE_OK) {
    // Closing never checkpoints: the connection leaves the -wal file as it found it.
    sqlite3_db_config(db.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    sqlite3_busy_timeout(db.get(), static_cast<int>(busy_timeout_ms));
    sqlite3_stmt *stmt = nullptr;
    rc = sqlite3_prepare_v2(db.get(), "PRAGMA user_version", -1, &stmt, nullptr);
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        reading.version = sqlite3_column_int(stmt, 0);
        rc = SQLITE_OK;
      }
    }
    sqlite3_finalize(stmt);
  }
  if (rc == SQLITE_OK) {
    reading.outcome = SchemaReading::Outcome::read;
  } else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    reading.outcome = SchemaReading::Outcome::busy;
  } else {
    reading.error = db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc);
  }
  return reading;
}

}  // namespace eckid
