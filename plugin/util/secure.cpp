#include "util/secure.hpp"

#include <openssl/crypto.h>

namespace eckid {

void secure_clear(void *p, std::size_t n) noexcept {
  if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

}  // namespace eckid
