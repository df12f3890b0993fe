// Onboarding tests' helpers: valid BSNs, HPgns computed independently with OpenSSL's scrypt
// (spec "The three tiers": scrypt(lowercase PGN, salt, N=131072, r=8, p=4, 32 bytes)), and
// collecting the results an onboarding delivers through eckid_poll().
#pragma once

#include <openssl/evp.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "world.hpp"

namespace eckid_events {

// The i-th BSN of a fixed series: 8 digits from i, the ninth chosen to pass the 11-check
// (weights 9..2 and -1 for the last digit).
inline std::string bsn(int i) {
  for (int n = 20'000'000 + i * 7;; ++n) {
    std::string d = std::to_string(n);
    int sum = 0;
    for (int k = 0; k < 8; ++k) sum += (d[k] - '0') * (9 - k);
    const int last = sum % 11;
    if (last <= 9) return d + static_cast<char>('0' + last);
  }
}

// The i-th pupil PGN of a test: the published vectors' PGNs first, then bsn(i). A test that
// needs expected HPgns of up to three pupils takes them from the vectors instead of hashing.
inline std::string test_pgn(int i) {
  const auto vector = static_cast<std::size_t>(i);
  return vector < vector_count() ? vector_pupil(vector).first : bsn(i);
}

// The HPgn of a pupil PGN under a salt (base64; the sandbox salt by default), not by the
// plugin's scrypt: the published one for a vector's PGN under the sandbox salt (about a second
// of CPU less each), else computed by OpenSSL. "" when OpenSSL fails. No Catch2 macros: may run
// on several threads at once.
inline std::string openssl_hpgn(const std::string &pgn,
                                const std::string &salt64 = eckid_test::sandbox_salt()) {
  for (std::size_t i = 0; salt64 == eckid_test::sandbox_salt() && i < vector_count(); ++i) {
    if (vector_pupil(i).first == pgn) return vector_pupil(i).second;
  }
  std::vector<unsigned char> salt(salt64.size());
  const int n = EVP_DecodeBlock(salt.data(), reinterpret_cast<const unsigned char *>(salt64.data()),
                                static_cast<int>(salt64.size()));
  if (n <= 0) return "";
  std::size_t len = static_cast<std::size_t>(n);
  for (auto it = salt64.rbegin(); it != salt64.rend() && *it == '='; ++it) --len;
  unsigned char key[32];
  if (EVP_PBE_scrypt(pgn.data(), pgn.size(), salt.data(), len, 131072, 8, 4, 1024ull * 1024 * 1024,
                     key, sizeof key) != 1) {
    return "";
  }
  static const char *digits = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : key) {
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

// openssl_hpgn(), failing the test when OpenSSL fails.
inline std::string independent_hpgn(const std::string &pgn,
                                    const std::string &salt64 = eckid_test::sandbox_salt()) {
  std::string hpgn = openssl_hpgn(pgn, salt64);
  REQUIRE(!hpgn.empty());
  return hpgn;
}

// A pupil of an onboarding list, as this header's version of the struct.
inline eckid_onboard_pupil onboard_pupil(const char *key, const char *pgn,
                                         eckid_pgn_kind kind = ECKID_PGN_PUPIL) {
  return {ECKID_ONBOARD_PUPIL_VERSION, key, pgn, kind};
}

// eckid_onboard() on a list of pupils (it takes pointers to them).
inline eckid_status onboard(eckid_plugin *plugin, const char *school_key,
                            const std::vector<eckid_onboard_pupil> &list,
                            eckid_onboard_receipts **out) {
  std::vector<const eckid_onboard_pupil *> pointers;
  for (const auto &p : list) pointers.push_back(&p);
  return eckid_onboard(plugin, school_key, pointers.data(), pointers.size(), out);
}

// One delivered result, copied out.
struct Delivered {
  std::string pupil_key;
  int status = 0;
  std::string eckid;
  std::string message;
};

// Polls until `count` results for the given events arrived (acknowledging each), or the
// timeout passed. Keyed by event id.
inline std::map<unsigned long long, Delivered> poll_results(eckid_plugin *plugin, std::size_t count,
                                                            std::chrono::seconds timeout) {
  std::map<unsigned long long, Delivered> out;
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (out.size() < count && std::chrono::steady_clock::now() < until) {
    eckid_result *r = nullptr;
    if (eckid_poll(plugin, &r) != ECKID_OK) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    Delivered d{r->pupil_key, r->status, r->count == 1 ? r->eckids[0]->eckid : "", r->message};
    out[r->event_id] = d;
    CHECK(eckid_ack(plugin, r->event_id) == ECKID_OK);
    eckid_free(r);
  }
  return out;
}

// Lines of the emulator's request log naming an operation (and an outcome, if given).
inline std::size_t count_requests(const World &w, const std::string &operation,
                                  const std::string &outcome = "") {
  std::size_t n = 0;
  for (const auto &line : w.emulator->log_lines()) {
    if (line.find(" " + operation + " ") == std::string::npos) continue;
    if (!outcome.empty() && line.find(" " + outcome) == std::string::npos) continue;
    ++n;
  }
  return n;
}

}  // namespace eckid_events
