#!/usr/bin/env bash
# Builds eckid's Debian packages from the tracked files of this repository (the committed
# HEAD and the changes to tracked files in the work tree; never build/ or other untracked
# files), with debhelper (packaging/debian) and dpkg-buildpackage, and checks them with lintian.
#
#   packaging/build-packages.sh [OUTDIR]     (default: build/packages)
#
# OUTDIR receives the .deb files, the .changes and .buildinfo files, lintian.txt, and the
# debug symbols packages in OUTDIR/debug (so that apt-get install OUTDIR/*.deb skips them). Exit
# status non-zero when the build fails or lintian reports an error. Needs the packages of
# packaging/install-deps.sh. With CMAKE_CXX_COMPILER_LAUNCHER=ccache (and the C one) set, the
# build uses ccache; the temporary source folder is then ccache's base folder, so a second
# build hits the cache.
set -euo pipefail

root=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
out=$(realpath -m "${1:-$root/build/packages}")

# The project version (CMakeLists.txt) must be the upstream part of debian/changelog's.
project_version=$(sed -n 's/^project(eckid VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
package_version=$(dpkg-parsechangelog -l "$root/packaging/debian/changelog" -S Version)
if [ "${package_version%-*}" != "$project_version" ]; then
  echo "build-packages: packaging/debian/changelog has version $package_version, the project" \
       "(CMakeLists.txt) $project_version: add a changelog entry ($project_version-1) with dch" >&2
  exit 1
fi

# The runtime package is named after the SONAME, libeckid<ECKID_ABI_VERSION> (README "Install the
# packages"): a new ABI version in eckid.h needs the package, its files and Depends renamed.
abi=$(sed -n 's/^#define ECKID_ABI_VERSION \([0-9]*\)$/\1/p' "$root/abi/include/eckid/eckid.h")
runtime=$(sed -n 's/^Package: \(libeckid[0-9][0-9]*\)$/\1/p' "$root/packaging/debian/control")
if [ "$runtime" != "libeckid$abi" ] || [ ! -f "$root/packaging/debian/libeckid$abi.symbols" ]; then
  echo "build-packages: eckid.h has ABI version $abi but packaging/debian names the runtime" \
       "package $runtime: rename it libeckid$abi in control (and its Depends) and its" \
       "files (libeckid$abi.install, libeckid$abi.symbols)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/eckid-$project_version
mkdir "$src"
# The tracked files as they are in the work tree (git stash create gives HEAD when nothing
# changed), without packaging/debian, which becomes debian/.
tree=$(git -C "$root" stash create)
git -C "$root" archive --format=tar "${tree:-HEAD}" | tar -x -C "$src"
mv "$src/packaging/debian" "$src/debian"

if [ -n "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ]; then
  export CCACHE_BASEDIR=$src CCACHE_NOHASHDIR=1
fi
# The system's tools only (Debian's python3, not one a version manager put first in PATH).
(cd "$src" && PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg-buildpackage -b -us -uc -j2)

mkdir -p "$out/debug"
changes=$work/eckid_${package_version}_$(dpkg-architecture -qDEB_HOST_ARCH).changes
for f in $(sed -n '/^Files:/,/^[^ ]/s/^ [0-9a-f]* [0-9]* [^ ]* [^ ]* //p' "$changes"); do
  case $f in
    *-dbgsym_*) cp "$work/$f" "$out/debug/" ;;
    *) cp "$work/$f" "$out/" ;;
  esac
done
cp "$changes" "$out/"
# Errors fail the build; warnings and info are listed.
lintian --fail-on error --display-info "$changes" | tee "$out/lintian.txt"
echo "build-packages: packages in $out"
ls "$out"/*.deb
