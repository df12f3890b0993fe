#include "store/database.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>

#include "config/config.hpp"
#include "store/pg_database.hpp"
#include "store/sqlite_database.hpp"
#include "util/encoding.hpp"

namespace eckid {

std::string new_handle_name() {
  std::uint8_t bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    throw Error(ECKID_E_CRYPTO, "no random bytes for the state handle's name (OpenSSL RAND_bytes)");
  }
  return hex_lower(bytes);
}

bool is_handle_name(std::string_view name) noexcept {
  return name.size() == 32 && std::ranges::all_of(name, [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::unique_ptr<Database> open_database(const StateConfig &config, const Logger &logger) {
  if (config.url.empty()) return open_sqlite_database(config);
  return open_pg_database(config, logger);
}

}  // namespace eckid
