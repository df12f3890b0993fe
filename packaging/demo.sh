#!/usr/bin/env bash
# The main job end to end (README, first command): installs what is missing, builds, starts
# the Nummervoorziening emulator over mutual TLS, loads the plugin from a fresh plugin folder
# with the reference host and fires the sample enrolment file, then onboards a school's pupil
# list with `eckid import` (batch operations). Everything lands in build/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh
cmake --preset default
cmake --build --preset default -j "$(nproc)"

demo=build/demo
rm -rf "$demo"
mkdir -p "$demo/plugins"
sh packaging/make-test-pki.sh "$demo/pki"

# The emulator picks a free port and names it on its first stdout line.
build/tests/emulator/nv-emulator --ca "$demo/pki/ca.pem" --cert "$demo/pki/server.pem" \
  --key "$demo/pki/server.key" --port 0 --log "$demo/nv-requests.log" \
  >"$demo/nv-emulator.out" 2>"$demo/nv-emulator.err" &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true' EXIT

endpoint=
for _ in $(seq 100); do
  endpoint=$(grep -o 'https://127\.0\.0\.1:[0-9]*/eck/ws/201703' "$demo/nv-emulator.out" || true)
  [ -n "$endpoint" ] && break
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$demo/nv-emulator.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$endpoint" ] || { echo "demo: the emulator did not start" >&2; exit 1; }
echo "demo: nv-emulator (pid $emulator_pid) at $endpoint, request log $demo/nv-requests.log"

sed "s|@ENDPOINT@|$endpoint|" packaging/sample/eckid.toml.in >"$demo/eckid.toml"
cp -L build/plugin/libeckid.so "$demo/plugins/"

echo "demo: eckid-host on packaging/sample/enrolment.csv"
status=0
build/adapters/native/eckid-host --plugin-dir "$demo/plugins" --config "$demo/eckid.toml" \
  --events packaging/sample/enrolment.csv --pupils "$demo/pupils.csv" || status=$?

echo
echo "demo: the host's pupil table ($demo/pupils.csv)"
[ -f "$demo/pupils.csv" ] && cat "$demo/pupils.csv"
echo
echo "demo: eckid import: school 21EF's first pupil list (packaging/sample/onboarding.csv) in batches"
build/adapters/cli/eckid import --config "$demo/eckid.toml" --school 21EF \
  --output "$demo/onboarding.eckid.csv" packaging/sample/onboarding.csv || status=$?
echo "demo: its ECK iD table ($demo/onboarding.eckid.csv), first lines"
[ -f "$demo/onboarding.eckid.csv" ] && head -4 "$demo/onboarding.eckid.csv"

echo
echo "demo: the emulator's requests by operation"
awk '{ n[$2 " " $4]++ } END { for (k in n) print "  " k ": " n[k] }' "$demo/nv-requests.log" | sort
exit "$status"
