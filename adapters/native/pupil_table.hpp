// The host's own pupil records: the ECK iD per school, pupil and chain, kept as a CSV file
// (RFC 4180, common/csv.hpp: a key with a comma or quote is quoted) with the header
// school,pupil_key,chain,eckid. It never holds a PGN.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace eckid_host {

/// One ECK iD of a pupil, for one chain.
struct ChainEckid {
  std::string chain;
  std::string eckid;
  bool operator==(const ChainEckid &) const = default;
};

/// ECK iDs per (school key, pupil key), ordered by school and pupil.
class PupilTable {
 public:
  using Key = std::pair<std::string, std::string>;

  /// Reads `path` when it exists (an earlier run's table); throws std::runtime_error when
  /// it exists but cannot be read or has a malformed row.
  void load(const std::filesystem::path &path);

  /// Writes the table to `path` (via a temporary file and a rename), one row per chain.
  void save(const std::filesystem::path &path) const;

  /// The pupil's ECK iDs at a school, or nullptr.
  const std::vector<ChainEckid> *find(const Key &key) const;

  /// Records (replaces) the pupil's ECK iDs at a school.
  void set(const Key &key, std::vector<ChainEckid> eckids) { records_[key] = std::move(eckids); }

  const std::map<Key, std::vector<ChainEckid>> &records() const { return records_; }

  /// Number of rows (school x pupil x chain).
  std::size_t rows() const;

  /// Number of distinct ECK iDs.
  std::size_t distinct_eckids() const;

 private:
  std::map<Key, std::vector<ChainEckid>> records_;
};

}  // namespace eckid_host
