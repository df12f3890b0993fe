#!/usr/bin/env bash
# Builds eckid (warnings as errors) and runs every test with CTest; then builds the Debian
# packages and tests them in a clean root (tests/packages/test_packages.sh); then the fuzz targets
# (preset fuzz: clang, libFuzzer, ASan+UBSan; each ECKID_FUZZ_SECONDS from its seed corpus)
# and the test suite again under ASan+UBSan (preset sanitize). README "Fuzzing and sanitizers".
# Expects the packages of packaging/install-deps.sh and ../shared beside the project.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"

cmake --preset default
cmake --build --preset default -j "$jobs"
ctest --preset default -j "$jobs" --timeout 600

# The Debian packages, built and installed in a clean Debian 12 root (tests/packages, as root).
bash tests/packages/test_packages.sh

cmake --preset fuzz
cmake --build --preset fuzz -j "$jobs"
ctest --preset fuzz -j "$jobs"

cmake --preset sanitize
cmake --build --preset sanitize -j "$jobs"
# The real-host tests are disabled in this build (tests/adapters/CMakeLists.txt).
ctest --preset sanitize -j "$jobs" --timeout 1800
