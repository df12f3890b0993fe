#include "store/state_lease.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace eckid {

StateLease::StateLease(std::filesystem::path file) : file_(std::move(file)) {
  fd_ = ::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    throw Error(ECKID_E_STATE, "cannot open " + file_.string() + ": " + std::strerror(errno) +
                                   "; check that the state directory is writable");
  }
}

StateLease::~StateLease() {
  if (remove_) ::unlink(file_.c_str());  // still held: nobody takes it for a dead one meanwhile
  ::close(fd_);                          // releases the claim
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

std::unique_ptr<StateLease> StateLease::create_held(const std::filesystem::path &file) {
  std::filesystem::path temporary = file;
  temporary += ".tmp";
  auto lease = std::make_unique<StateLease>(temporary);
  lease->remove_ = true;  // the temporary file, if anything below fails
  if (!lease->try_acquire()) {
    throw Error(ECKID_E_STATE, "cannot lock " + temporary.string() + ": " + std::strerror(errno));
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    throw Error(ECKID_E_STATE, "cannot rename " + temporary.string() + " to " + file.string() +
                                   ": " + std::strerror(errno) +
                                   "; check that the state directory is writable");
  }
  lease->file_ = file;
  return lease;
}

bool StateLease::held_elsewhere(const std::filesystem::path &file) noexcept {
  const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return errno != ENOENT;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  if (free) ::unlink(file.c_str());  // its handle is gone: the file is left over
  ::close(fd);
  return !free;
}

}  // namespace eckid
