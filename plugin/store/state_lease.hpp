// SQLite engine: exclusive claims among the handles open on one state directory, in this and other
// processes (flock on a file in the directory): which handle does the onboarding work
// (onboarding.lock; two coordinators would resubmit or poll each other's batches), and whether the
// handle that claimed an outbox event is still open (claims/<owner>.lock, SqliteDatabase).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "store/database.hpp"

namespace eckid {

/// An exclusive claim on one lock file (flock), shared by every handle in every process.
/// Non-blocking: a handle that does not hold it leaves the work to the one that does and tries
/// again later. Released on destruction, or by the kernel when the process dies. Thread-safe.
class StateLease final : public Lease {
 public:
  /// Opens (creating, 0600) the lock file; its folder must exist. Throws
  /// eckid::Error(ECKID_E_STATE) naming the file.
  explicit StateLease(std::filesystem::path file);
  /// Releases the claim; with `remove_file` set (a per-handle lock file), the file goes too.
  ~StateLease() override;
  StateLease(const StateLease &) = delete;
  StateLease &operator=(const StateLease &) = delete;

  /// Takes the claim if no other handle holds it. True while this object holds it.
  bool try_acquire() override;
  bool held() const override;
  /// A new lock file, held from the moment it has its name (made under a temporary name,
  /// locked, then renamed), so that no other handle ever finds it unheld while this one is
  /// open; removed on destruction. Throws eckid::Error(ECKID_E_STATE) naming the file.
  static std::unique_ptr<StateLease> create_held(const std::filesystem::path &file);

  /// Whether some open handle (in any process) holds the claim on `file`. A missing file, or
  /// one nobody holds (its handle closed or its process died), is not held; the latter is
  /// removed. Never throws: a file that cannot be checked counts as held.
  static bool held_elsewhere(const std::filesystem::path &file) noexcept;

 private:
  std::filesystem::path file_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  bool held_ = false;
  bool remove_ = false;
};

}  // namespace eckid
