// Which handle does the onboarding work of a state directory. Several handles may open one
// directory at once (a school system's process and `eckid import`, `eckid status`), but only
// one may hash and run batches: two coordinators would resubmit or poll each other's batches.
#pragma once

#include <filesystem>
#include <mutex>

namespace eckid {

/// An exclusive claim on <state directory>/onboarding.lock (flock), shared by every handle in
/// every process. Non-blocking: the handle that does not hold it leaves the work to the one
/// that does and tries again later. Released on destruction, or by the kernel when the
/// process dies. Thread-safe.
class StateLease {
 public:
  /// Opens (creating, 0600) the lock file. Throws eckid::Error(ECKID_E_STATE).
  explicit StateLease(const std::filesystem::path &directory);
  ~StateLease();
  StateLease(const StateLease &) = delete;
  StateLease &operator=(const StateLease &) = delete;

  /// Takes the claim if no other handle holds it. True while this object holds it.
  bool try_acquire();
  bool held() const;

 private:
  mutable std::mutex mutex_;
  int fd_ = -1;
  bool held_ = false;
};

}  // namespace eckid
