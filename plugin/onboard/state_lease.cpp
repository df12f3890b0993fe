#include "onboard/state_lease.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace eckid {

StateLease::StateLease(const std::filesystem::path &directory) {
  const std::filesystem::path file = directory / "onboarding.lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    throw Error(ECKID_E_STATE, "cannot open " + file.string() + ": " + std::strerror(errno) +
                                   "; check that the state directory is writable");
  }
}

StateLease::~StateLease() {
  ::close(fd_);  // releases the claim
}

bool StateLease::try_acquire() {
  std::lock_guard lock(mutex_);
  if (!held_) held_ = ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
  return held_;
}

bool StateLease::held() const {
  std::lock_guard lock(mutex_);
  return held_;
}

}  // namespace eckid
