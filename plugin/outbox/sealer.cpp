#include "outbox/sealer.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <array>
#include <memory>

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

SecureBytes load_or_create_key(const std::filesystem::path &path) {
  SecureBytes key(kKeyBytes);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (RAND_bytes(key.data(), static_cast<int>(kKeyBytes)) != 1) {
      key_failure(path, "no random bytes for a new key");
    }
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      const bool ok =
          ::write(fd, key.data(), kKeyBytes) == static_cast<ssize_t>(kKeyBytes) && ::fsync(fd) == 0;
      ::close(fd);
      if (!ok) key_failure(path, "cannot write a new key");
      return key;
    }
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // another process made it meanwhile
    if (fd < 0) key_failure(path, "cannot create or read it");
  }
  const ssize_t n = ::read(fd, key.data(), kKeyBytes);
  ::close(fd);
  if (n != static_cast<ssize_t>(kKeyBytes)) key_failure(path, "cannot read 32 bytes");
  return key;
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
