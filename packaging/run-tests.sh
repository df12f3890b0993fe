#!/usr/bin/env bash
# Builds eckid (warnings as errors) and runs every test with CTest.
# Expects the packages of packaging/install-deps.sh and ../shared beside the project.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset default
cmake --build --preset default -j "$(nproc)"
ctest --preset default -j "$(nproc)" --timeout 600
