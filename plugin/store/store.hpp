// What the plugin remembers per (school, pupil): the HPgn (never the PGN), the sector and
// the ECK iD per chain. Behind a small interface so a server database can replace SQLite.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "log/logger.hpp"

namespace eckid {

/// One pupil at one school.
struct PupilRecord {
  std::string school_key;
  std::string pupil_key;
  std::string hpgn;  // 64 lowercase hex
  std::string sector;
  std::vector<std::pair<std::string, std::string>> eckids;  // (chain id, ECK iD URI)
  std::int64_t created_at = 0;                              // Unix seconds
  std::int64_t updated_at = 0;                              // Unix seconds

  /// The recorded ECK iD for a chain, or nullptr.
  const std::string *eckid(std::string_view chain) const noexcept {
    for (const auto &[c, e] : eckids) {
      if (c == chain) return &e;
    }
    return nullptr;
  }
};

/// Which pupil at which school: the holder of an HPgn (Store::holder()).
struct PupilRef {
  std::string school_key;
  std::string pupil_key;
};

/// Storage of pupil records. Implementations are thread-safe and durable: save() has
/// happened on disk when it returns. Failures throw eckid::Error(ECKID_E_STATE).
class Store {
 public:
  virtual ~Store() = default;
  /// The record of a pupil at a school, if any.
  virtual std::optional<PupilRecord> find(std::string_view school_key,
                                          std::string_view pupil_key) = 0;
  /// Inserts or replaces the record with all its ECK iDs, atomically. Sets updated_at (and
  /// created_at for a new record).
  virtual void save(const PupilRecord &record) = 0;
  /// Another pupil recorded with this HPgn in this sector: a pupil key other than
  /// `pupil_key`, at any school (the oldest record), if any. One person has one pupil key, so
  /// such a record means two pupils with one PGN (ECKID_E_DUPLICATE_PGN).
  virtual std::optional<PupilRef> holder(std::string_view hpgn, std::string_view sector,
                                         std::string_view pupil_key) = 0;
  /// As save(), but in the same transaction refuses when holder() finds another pupil for
  /// the record's HPgn and sector: then nothing is saved and that holder is returned.
  virtual std::optional<PupilRef> save_unless_held(const PupilRecord &record) = 0;
};

/// The SQLite store: `eckid.db` in the state directory (created owner-only, 0700; the file
/// 0600), WAL journal, schema versioned with PRAGMA user_version and migrated on open.
/// Throws eckid::Error(ECKID_E_STATE) naming the path when it cannot be opened.
std::unique_ptr<Store> open_sqlite_store(const StateConfig &config, const Logger &logger);

}  // namespace eckid
