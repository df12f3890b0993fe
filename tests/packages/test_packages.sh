#!/usr/bin/env bash
# The Debian packages as an administrator gets them (issue 17, "Tested like a user installs
# it"): builds them (packaging/build-packages.sh) unless a folder of .debs is given, makes a
# clean Debian 12 root with mmdebstrap from this machine's own apt sources (no mirror is
# written into the project), and runs tests/packages/in_root.sh inside it.
#
#   tests/packages/test_packages.sh [DEBDIR]
#
# Needs root (mmdebstrap --mode=root mounts /proc, /sys and /dev into the root) and
# packaging/install-deps.sh's packages. Takes about 3 minutes besides the package build.
set -euo pipefail
project="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${ECKID_SHARED_DIR:-$project/../shared}"

debs="${1:-}"
if [ -z "$debs" ]; then
  debs="$project/build/packages"
  bash "$project/packaging/build-packages.sh" "$debs"
fi
debs="$(cd "$debs" && pwd)"
ls "$debs"/*.deb >/dev/null

# The project version from the sources, not from the packages under test.
version="$(sed -n 's/^project(eckid VERSION \([0-9.]*\).*/\1/p' "$project/CMakeLists.txt")"

# This machine's apt sources, each as mmdebstrap takes a file (deb822 or one-line lists).
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -s "$f" ] && grep -qv '^\s*\(#\|$\)' "$f" && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || { echo "test_packages: no apt sources on this machine" >&2; exit 1; }

work="$(mktemp -d /tmp/eckid-packages.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# What the checks inside need: the README (its C example), the header (the ABI version),
# the tests they run, the published vectors.
mkdir -p "$work/in/src" "$work/in/debs"
(cd "$project" && tar -cf - README.md CMakeLists.txt abi/include tests/checks.py tests/install \
  tests/packages tests/adapters/with_emulator.py tests/adapters/support.py tests/adapters/bindings) |
  tar -xf - -C "$work/in/src"
cp "$debs"/*.deb "$work/in/debs/"
cp "$shared/nv/vectors.toml" "$work/in/"

# The root holds only what a C developer and a PHP/Python host have; the packages bring the
# rest through their dependencies. The checks inside start from an empty environment (none of
# this machine's settings, such as a compiler launcher, reach them).
mmdebstrap --mode=root --variant=apt --include=gcc,libc6-dev,pkg-config,cmake,make,php-cli \
  --customize-hook="copy-in $work/in /" \
  --customize-hook="chroot \"\$1\" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    ECKID_VERSION=$version bash /in/src/tests/packages/in_root.sh" \
  bookworm "$work/root" "${sources[@]}"
echo "test_packages: the packages install, work and leave nothing behind in a clean root"
