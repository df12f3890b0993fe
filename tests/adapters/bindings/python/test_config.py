#!/usr/bin/env python3
"""The Python binding's configuration from a host (eckid_open_source, eckid_check,
eckid_status_name) against nv-emulator, run by with_emulator.py: every problem of the host's
schools and defaults reported with its file and key (eckid.h eckid_check_finding), the good
schools listed, a refused open naming the host settings, plugin_for reopening on every
change without writing beside the service file, and the status names of eckid.h."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path[:0] = [str(HERE.parents[1]), str(ROOT / "adapters/bindings/python")]

import eckid  # noqa: E402
from support import FIXTURE, PUPILS, SECTOR, SERVICE_FILE, Checks, expected_eckid  # noqa: E402

check = Checks("python config")
CHAIN = FIXTURE["chain"]
good = eckid.SchoolSettings("CF01", "00000001000000000011", SECTOR, [CHAIN], True, "2025-08-01")
bad_oin = eckid.SchoolSettings("CF02", "0000000100", SECTOR, [CHAIN], True)
bad_date = eckid.SchoolSettings("CF03", "00000001000000000013", SECTOR, [CHAIN], True, "2025-13-01")

# The check: each problem with where it is; the good school listed.
report = eckid.check(SERVICE_FILE, schools=[good, bad_oin, bad_date],
                     defaults='[outbox]\nworkers = "many"\n')
where = {(f.verdict, f.file, f.key) for f in report.findings}
check({(eckid.Verdict.FAIL, "host settings", "school[1].oin"),
       (eckid.Verdict.FAIL, "host settings", "school[2].start_date"),
       (eckid.Verdict.FAIL, "host defaults", "outbox.workers")} <= where
      and report.failures == 3 and not report.ok,
      "check: the bad OIN, start date and default, each with its file and key")
check([(s.key, s.oin, s.chains, s.enabled, s.start_date, s.active) for s in report.schools]
      == [("CF01", good.oin, [CHAIN], True, "2025-08-01", True)],
      "check: only the school that read well is listed, active")
clean = eckid.check(SERVICE_FILE, schools=[good])
check(clean.ok and [s.key for s in clean.schools] == ["CF01"], "check: a good configuration")

# Opening: refused with the host settings named; opened with the school and its ECK iD.
try:
    eckid.Plugin(SERVICE_FILE, schools=[good, bad_oin])
    check(False, "open with a bad host school is refused")
except eckid.EckIdError as e:
    check(e.status == eckid.Status.E_CONFIG and "host settings" in str(e)
          and "oin" in str(e), "open with a bad host school: E_CONFIG naming the host settings")
with eckid.Plugin(SERVICE_FILE, schools=[good], defaults="[outbox]\ndeadline_ms = 20000\n") as p:
    check(p.pupil_created("CF01", "p1", PUPILS[0]["pgn"]).eckid
          == expected_eckid(PUPILS[0]["hpgn"], SECTOR), "open from a source: the ECK iD")

# plugin_for: one handle per service file, reopened on a change of schools, defaults or file.
first = eckid.plugin_for(SERVICE_FILE, [good])
check(eckid.plugin_for(SERVICE_FILE, [good]) is first, "plugin_for: the same handle again")
other = eckid.plugin_for(SERVICE_FILE, [good, eckid.SchoolSettings(
    "CF04", "00000001000000000014", SECTOR, [CHAIN], False)])
check(other is not first and other.lookup("CF04", "p1") is None, "plugin_for: a new school reopens")
try:
    first.lookup("CF01", "p1")
    check(False, "plugin_for: the replaced handle is closed")
except eckid.EckIdError as e:
    check(e.status == eckid.Status.E_INVALID_HANDLE, "plugin_for: the replaced handle is closed")
third = eckid.plugin_for(SERVICE_FILE, [good], defaults="[outbox]\ndeadline_ms = 20000\n")
check(third is not other, "plugin_for: new defaults reopen")
service = Path(SERVICE_FILE)
service.write_text(service.read_text() + "\n# edited by the administrator\n")
check(eckid.plugin_for(SERVICE_FILE, [good], "[outbox]\ndeadline_ms = 20000\n") is not third,
      "plugin_for: an edited service file reopens")
check(not list(service.parent.glob("*.schools.toml")),
      "plugin_for: no composed file beside the service file")

# Status names: the library's table, eckid.h's constant names (ECKID_E_INVALID_PGN ->
# "invalid_pgn"), for every status this binding mirrors.
check(all(eckid.status_name(s) == s.name.removeprefix("E_").lower() for s in eckid.Status)
      and eckid.status_name(99) == "unknown", "status_name: eckid.h's names, unknown for 99")
check.finish()
