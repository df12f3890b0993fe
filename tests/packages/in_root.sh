#!/usr/bin/env bash
# Inside the clean Debian 12 root of tests/packages/test_packages.sh (the folder /in: src/ the
# project's README, header and tests, debs/ the packages, vectors.toml). Installs the packages
# as an administrator does and uses them: the bindings against the packaged emulator with the
# library found by its SONAME, a packaged configuration checked by `eckid doctor` and one
# event worked by `eckid deliver` as the system user, the README's C example built with
# pkg-config and find_package(eckid); then remove and purge leave nothing behind.
set -euo pipefail
src=/in/src
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok   $*"; }
deb() { ls /in/debs/"$1"_*.deb; }

runtime=(libeckid2 eckid eckid-emulator python3-eckid php-eckid)
all=("${runtime[@]}" libeckid-dev)
multiarch="$(gcc -print-multiarch)"

[ -n "$(ls /var/lib/apt/lists/ | grep _Packages)" ] || apt-get update -qq

step "apt-get install the runtime packages (no libeckid-dev)"
apt-get install -y -qq --no-install-recommends $(for p in "${runtime[@]}"; do deb "$p"; done) \
  >/tmp/install.log || { cat /tmp/install.log; fail "apt-get install"; }
ok "installed: ${runtime[*]}"
[ -e "/usr/lib/$multiarch/libeckid.so" ] && fail "libeckid.so (development symlink) without -dev"
id eckid >/dev/null || fail "no system user eckid"
[ "$(stat -c %U /var/lib/eckid)" = eckid ] || fail "/var/lib/eckid is not owned by eckid"
ok "system user eckid owns /var/lib/eckid"

step "the bindings against the packaged nv-emulator, the library found by its SONAME"
pki=/in/pki
eckid-make-test-pki "$pki" >/dev/null
with=(python3 "$src/tests/adapters/with_emulator.py" --emulator "$(command -v nv-emulator)"
      --pki "$pki" --vectors /in/vectors.toml --)
ECKID_PHP_BINDING=/usr/share/php/EckId/eckid.php \
  "${with[@]}" php -d ffi.enable=true "$src/tests/adapters/bindings/php/test_binding.php"
"${with[@]}" python3 "$src/tests/adapters/bindings/python/test_host_glue.py"

step "a packaged configuration: eckid doctor, one event, eckid deliver as user eckid"
"${with[@]}" python3 "$src/tests/packages/packaged_delivery.py"

step "apt-get install libeckid-dev: the README's C example with pkg-config and find_package"
apt-get install -y -qq --no-install-recommends "$(deb libeckid-dev)" >/tmp/install.log ||
  { cat /tmp/install.log; fail "apt-get install libeckid-dev"; }
python3 "$src/tests/install/test_install.py" --installed --readme "$src/README.md" \
  --header "$src/abi/include/eckid/eckid.h" --prefix /usr --libdir "lib/$multiarch" \
  --includedir include --version "$ECKID_VERSION" --cc gcc --cmake cmake --pkg-config pkg-config

step "apt-get remove: only the state folder (and configuration files) stays; purge: nothing"
files="$(dpkg -L "${all[@]}" | sort -u)"
conffiles="$(dpkg-query -W -f='${Conffiles}\n' "${all[@]}" | awk '{print $1}')"
apt-get remove -y -qq "${all[@]}" >/dev/null
left=""
for f in $files; do  # folders (and /lib, a symlink to one) are shared, not the packages' own
  if [ ! -d "$f" ] && { [ -f "$f" ] || [ -L "$f" ]; }; then
    grep -qxF "$f" <<<"$conffiles" || left+=" $f"
  fi
done
[ -z "$left" ] || fail "files left after remove:$left"
[ -d /var/lib/eckid/test ] || fail "remove took the state folder"
ok "remove: no package file left; /var/lib/eckid kept"
dpkg --purge "${all[@]}" >/dev/null  # those without configuration files are gone already
[ -e /var/lib/eckid ] && fail "purge left /var/lib/eckid"
for f in $conffiles; do [ -e "$f" ] && fail "purge left $f"; done
ok "purge: /var/lib/eckid and the configuration files removed"
