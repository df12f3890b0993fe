#!/usr/bin/env python3
"""The Python binding's forget_pupil() (eckid_forget_pupil) against nv-emulator, run by
with_emulator.py: the pupil's record is gone, and a new pupil with the same key and another
PGN gets its own ECK iD (derived independently, support.py), never the old one."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path[:0] = [str(HERE.parents[1]), str(ROOT / "adapters/bindings/python")]

import eckid  # noqa: E402
from support import FIXTURE, PUPILS, SECTOR, SERVICE_FILE, Checks, expected_eckid  # noqa: E402

check = Checks("python forget")
plugin = eckid.Plugin(SERVICE_FILE, schools=[eckid.SchoolSettings(
    "FG01", "00000001000000000099", SECTOR, [FIXTURE["chain"]], True)])
try:
    old, new = PUPILS[0], PUPILS[1]
    first = plugin.pupil_created("FG01", "reused", old["pgn"])
    check(first.eckids == {FIXTURE["chain"]: expected_eckid(old["hpgn"], SECTOR)},
          "pupil created: the expected ECK iD")
    plugin.forget_pupil("FG01", "reused")
    check(plugin.lookup("FG01", "reused") is None, "forget_pupil: lookup finds nothing")
    plugin.forget_pupil("FG01", "reused")
    check(True, "forget_pupil again: no error")
    try:
        plugin.forget_pupil("NOPE", "reused")
        check(False, "forget_pupil at an unknown school raises")
    except eckid.EckIdError as e:
        check(e.status == eckid.Status.E_UNKNOWN_SCHOOL, "unknown school: E_UNKNOWN_SCHOOL")
    second = plugin.pupil_created("FG01", "reused", new["pgn"])
    check(second.eckids == {FIXTURE["chain"]: expected_eckid(new["hpgn"], SECTOR)},
          "the same key with another PGN: the new pupil's own ECK iD")
finally:
    plugin.close()
check.finish()
