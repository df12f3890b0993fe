#include <openssl/err.h>
#include <openssl/evp.h>

#include <string>

#include "scrypt/scrypt.hpp"
#include "util/error.hpp"

namespace eckid::scrypt {

void derive_openssl(std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
                    const Params &params, std::span<std::uint8_t> out) {
  // OpenSSL needs V (128*r*N) plus B (128*r*p) bytes; give it room for both and a margin.
  const std::uint64_t maxmem = lane_bytes(params) + 128ull * params.r * (params.p + 2) + (1u << 20);
  ERR_clear_error();
  const int ok =
      EVP_PBE_scrypt(reinterpret_cast<const char *>(password.data()), password.size(), salt.data(),
                     salt.size(), params.N, params.r, params.p, maxmem, out.data(), out.size());
  if (ok != 1) {
    const unsigned long err = ERR_get_error();
    char buf[256] = "unknown OpenSSL error";
    if (err != 0) ERR_error_string_n(err, buf, sizeof buf);
    const bool memory = ERR_GET_REASON(err) == ERR_R_MALLOC_FAILURE;
    throw Error(memory ? ECKID_E_NOMEM : ECKID_E_CRYPTO,
                std::string("scrypt (OpenSSL) failed: ") + buf +
                    (memory ? "; the HPgn needs about 128 MiB of free memory per hash" : ""));
  }
}

}  // namespace eckid::scrypt
