#include "outbox/sealer.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "util/encoding.hpp"
#include "util/error.hpp"

namespace eckid {

namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;

[[noreturn]] void key_failure(const std::filesystem::path &path, const std::string &what) {
  throw Error(ECKID_E_STATE, "outbox key " + path.string() + ": " + what +
                                 "; check the state directory (the file must be 32 bytes, "
                                 "readable by the host's user only)");
}

std::string errno_text() {
  return std::strerror(errno);
}

// Reads an existing key; nullopt when there is no file. A file of another size is damaged
// (e.g. cut short by a crash of a plugin before this one, which wrote it in place).
std::optional<SecureBytes> read_key(const std::filesystem::path &path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    key_failure(path, "cannot read it (" + errno_text() + ")");
  }
  SecureBytes key(kKeyBytes);
  struct stat st {};
  const bool stat_ok = ::fstat(fd, &st) == 0;
  const ssize_t n = stat_ok && st.st_size == static_cast<off_t>(kKeyBytes)
                        ? ::read(fd, key.data(), kKeyBytes)
                        : -1;
  ::close(fd);
  if (stat_ok && st.st_size != static_cast<off_t>(kKeyBytes)) {
    throw Error(ECKID_E_STATE,
                "the outbox key " + path.string() + " is damaged: it has " +
                    std::to_string(st.st_size) + " bytes, a key has " + std::to_string(kKeyBytes) +
                    ". Restore it from a backup of the state directory; without one, delete "
                    "the file and open again: a new key is made, and events still queued under "
                    "the old one cannot be opened and fail (fire them again)");
  }
  if (n != static_cast<ssize_t>(kKeyBytes)) {
    key_failure(path, "cannot read 32 bytes (" + errno_text() + ")");
  }
  return key;
}

// A new key is written whole to a temporary file in the same directory, synced, and then
// linked to its name: link() fails with EEXIST when another process was first, so every
// process ends up with the one complete key, and no process ever sees a short file.
SecureBytes load_or_create_key(const std::filesystem::path &path) {
  for (int round = 0; round < 2; ++round) {
    if (auto key = read_key(path)) return std::move(*key);
    SecureBytes key(kKeyBytes);
    if (RAND_bytes(key.data(), static_cast<int>(kKeyBytes)) != 1) {
      key_failure(path, "no random bytes for a new key");
    }
    std::array<unsigned char, 8> tag{};
    if (RAND_bytes(tag.data(), static_cast<int>(tag.size())) != 1) {
      key_failure(path, "no random bytes for a new key");
    }
    std::filesystem::path temp = path;
    temp += ".new-" + hex_lower(tag);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) key_failure(path, "cannot create " + temp.string() + " (" + errno_text() + ")");
    const bool written =
        ::write(fd, key.data(), kKeyBytes) == static_cast<ssize_t>(kKeyBytes) && ::fsync(fd) == 0;
    const int write_errno = errno;
    ::close(fd);
    if (!written) {
      ::unlink(temp.c_str());
      key_failure(path, "cannot write a new key (" + std::string(std::strerror(write_errno)) + ")");
    }
    const bool linked = ::link(temp.c_str(), path.c_str()) == 0;
    const int link_errno = errno;
    ::unlink(temp.c_str());
    if (linked) {
      // The new name must survive a power loss too: sync the directory.
      const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
      }
      return key;
    }
    if (link_errno != EEXIST) {
      key_failure(path, "cannot create it (" + std::string(std::strerror(link_errno)) + ")");
    }
    // Another process made it meanwhile: read theirs.
  }
  key_failure(path, "it disappeared while being created");
}

struct CipherDeleter {
  void operator()(EVP_CIPHER_CTX *c) const { EVP_CIPHER_CTX_free(c); }
};

}  // namespace

Sealer::Sealer(const std::filesystem::path &directory)
    : key_(load_or_create_key(directory / "outbox.key")) {}

std::string Sealer::seal(std::string_view plain) const {
  std::string out(kNonceBytes + plain.size() + kTagBytes, '\0');
  auto *bytes = reinterpret_cast<unsigned char *>(out.data());
  std::unique_ptr<EVP_CIPHER_CTX, CipherDeleter> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || RAND_bytes(bytes, kNonceBytes) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), bytes) != 1 ||
      EVP_EncryptUpdate(ctx.get(), bytes + kNonceBytes, &len,
                        reinterpret_cast<const unsigned char *>(plain.data()),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), bytes + kNonceBytes + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          bytes + kNonceBytes + plain.size()) != 1) {
    throw Error(ECKID_E_CRYPTO, "cannot seal a queued event (AES-256-GCM)");
  }
  return out;
}

SecureBytes Sealer::open(std::string_view sealed) const {
  if (sealed.size() < kNonceBytes + kTagBytes) {
    throw Error(ECKID_E_STATE, "a queued event's sealed data is damaged");
  }
  const auto *bytes = reinterpret_cast<const unsigned char *>(sealed.data());
  const std::size_t n = sealed.size() - kNonceBytes - kTagBytes;
  SecureBytes plain(n);
  std::array<unsigned char, kTagBytes> tag{};
  std::copy(bytes + kNonceBytes + n, bytes + sealed.size(), tag.begin());
  std::unique_ptr<EVP_CIPHER_CTX, CipherDeleter> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), bytes) != 1 ||
      EVP_DecryptUpdate(ctx.get(), plain.data(), &len, bytes + kNonceBytes, static_cast<int>(n)) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &len) != 1) {
    throw Error(ECKID_E_STATE,
                "a queued event cannot be opened (outbox.key changed or the data is damaged)");
  }
  return plain;
}

std::string Sealer::keyed_hash(std::string_view text) const {
  std::array<unsigned char, 32> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char *>(text.data()), text.size(), mac.data(), &len);
  return hex_lower(mac);
}

}  // namespace eckid
