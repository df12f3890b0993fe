// Helpers shared by the integration tests: test PKI paths, the school, expected values.
#pragma once

#include <string>

#include "test_support.hpp"

namespace eckid_it {

// The school of every test configuration; its OIN must appear in wsa:From.
inline constexpr const char *kSchoolKey = "99ZZ";
inline constexpr const char *kOin = "0000000700099ZZ12345";
// An OIN the emulator is told to allow instead of ours.
inline constexpr const char *kOtherOin = "00000009999999990000";
// The emulator's second sector (tests/emulator/README.md, "Defaults and configuration").
inline constexpr const char *kSecondSector =
    "http://purl.edustandaard.nl/begrippenkader/9f3c6a2e-4b1d-4e8a-9c7f-2d5e8b1a6c04";
// The emulator's applicationVersion (tests/emulator/README.md, "Operations").
inline constexpr const char *kEmulatorVersion = "nv-emulator 0.1.0";

// A file of the build-time test PKI (packaging/make-test-pki.sh).
inline std::string pki(const char *name) {
  return std::string(ECKID_TEST_PKI_DIR) + "/" + name;
}

}  // namespace eckid_it
