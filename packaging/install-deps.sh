#!/usr/bin/env bash
# Installs every Debian 12 package eckid needs to build, test and benchmark.
# Used by the README's first command and by .ci/run. Idempotent; needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format git
  openssl libssl-dev              # TLS, PBKDF2, reference scrypt, test PKI
  libcurl4-openssl-dev            # HTTP client
  libtomlplusplus-dev             # configuration
  libpugixml-dev                  # SOAP XML
  libsqlite3-dev                  # local state
  libboost-dev libboost-filesystem-dev libboost-system-dev  # Boost.DLL, Asio/Beast
  catch2                          # unit tests (2.13)
  libbenchmark-dev libsodium-dev  # benchmarks (libsodium as a comparison)
  libcli11-dev                    # administrator's command-line tool
  php8.2-cli php8.2-sqlite3 python3  # SIS adapter tests (PHP FFI; SQLite for the RosarioSIS stand-in)
  clang libclang-rt-14-dev        # fuzz targets (tests/fuzz: clang 14, libFuzzer, ASan+UBSan)
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
