#!/usr/bin/env python3
"""eckid-host never prints a personal number: an enrolment file with BSN-, onderwijsnummer-
and staff-PGN-shaped values in every column (event, school, pupil_key, pgn, old_pgn,
target_school, date) is run against nv-emulator; stdout and stderr (with the plugin's log
lines at debug level) must hold none of them.
"""

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

from host_test import fail, run_host, start_emulator

# Valid by the 11-check (weights 9..2 and -1, remainder 0) or the onderwijsnummer rule (prefix
# 10, remainder 5), spec "The three tiers", 1; computed by hand. A staff PGN "<BRIN> <e-mail>".
B = ["123456782", "111222333", "999999990", "987654305", "987654317", "987654329"]
O = ["101234503", "101234515"]
STAFF = "00AA a@b.nl"

ROWS = [
    f"{B[0]},04AB,X1,{B[1]},,,",                # event column
    f"created,{B[2]},X2,{B[3]},,,",             # unknown school
    f"created,04AB,{B[0]},{B[1]},,,",           # recorded under a BSN-shaped key
    f"created,04AB,{B[0]},{B[4]},,,",           # conflict: another PGN
    f"created,04AB,{STAFF},{O[0]},,,",          # recorded under a staff-PGN-shaped key
    f"created,04AB,X3,{STAFF},,,",              # not a pupil PGN
    f"created,04AB,X4,{B[5]},,,{B[2]}",         # date
    f"transferred,04AB,{B[0]},{B[1]},,{B[3]},",  # unknown target school
    f"transferred,04AB,{B[0]},{B[1]},,05CD,{STAFF}",  # date
    f"transferred,04AB,{B[0]},{B[1]},,05CD,",   # recorded
    f"pgn_changed,05CD,{B[0]},{B[2]},{B[1]},,{O[1]}",  # date
    f"pgn_changed,05CD,{B[0]},{B[2]},{B[4]},,",  # conflict: not the old PGN
    f"pgn_changed,05CD,{O[1]},{B[2]},{B[1]},,",  # nothing recorded for the key
    f"pgn_changed,05CD,{B[0]},{B[2]},{B[1]},,",  # recorded
    f"created,04AB,X5,{B[3]},{O[1]},{B[2]},,{STAFF}",  # too many columns
]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    for option in ("host", "plugin", "emulator", "pki", "sample"):
        parser.add_argument("--" + option, type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eckid-host-privacy-") as tmp:
        work = Path(tmp)
        shutil.copytree(args.pki, work / "pki")
        (work / "plugins").mkdir()
        shutil.copy(args.plugin, work / "plugins" / args.plugin.name)
        emulator, endpoint = start_emulator(args.emulator, work / "pki", work / "nv-requests.log")
        try:
            template = (args.sample / "eckid.toml.in").read_text()
            (work / "eckid.toml").write_text(template.replace("@ENDPOINT@", endpoint))
            events = work / "events.csv"
            events.write_text("event,school,pupil_key,pgn,old_pgn,target_school,date\n" +
                              "\n".join(ROWS) + "\n")
            run = run_host(args, work, events)
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)
    output = run.stdout + run.stderr
    if run.returncode != 1 or "not shown" not in output:
        fail(f"exit {run.returncode} (expected 1) or no masked value named", run.stdout,
             run.stderr)
    if len(re.findall(r"^line +\d+  \S+ .* ok +", run.stdout, re.M)) != 4:
        fail("expected four recorded events", run.stdout, run.stderr)
    for value in B + O + [STAFF, "a@b.nl"]:
        if value in output:
            fail(f"the PGN-shaped value {value} appears in eckid-host's output", run.stdout,
                 run.stderr)
    print("privacy_test: ok")


if __name__ == "__main__":
    sys.exit(main())
