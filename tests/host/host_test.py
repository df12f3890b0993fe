#!/usr/bin/env python3
"""The main job end to end: nv-emulator over mutual TLS, libeckid copied into a fresh plugin
folder, eckid-host on the sample enrolment file; the pupil table and the summary lines are
compared with results derived independently (expected.py). Then a second run with only
same-sector transfers must send no new identity request, and no PGN may appear in the
host's output, its pupil table or the plugin's state.
"""

import argparse
import csv
import datetime
import multiprocessing
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import expected

SECRET = "eckid host test secret"
IDENTITY_OPERATIONS = (
    "retrieveStampseudonym",
    "retrieveEckId",
    "submitStampseudonymBatch",
    "submitEckIdBatch",
    "replaceStampseudonym",
)
SUMMARY = re.compile(
    r"^line +(\d+)  (created|transferred|pgn_changed) +(\S+(?: -> \S+)?) +(\S+) +(\S+) +(\S+)"
    r"(?: \(\+\d+ chains\))?(?:  (kept|new))?$"
)


def fail(message, *outputs):
    for text in outputs:
        sys.stderr.write(text)
    sys.exit(f"host_test: FAILED: {message}")


def read_events(path):
    """[(line, event, school, pupil, pgn, old_pgn, target, date)] of the valid rows."""
    events = []
    with open(path, encoding="utf-8") as f:
        lines = [(n, l) for n, l in enumerate(f, 1) if l.strip() and not l.startswith("#")]
    for n, line in lines[1:]:
        event, school, pupil, pgn, old, target, date = line.rstrip("\n").split(",")
        events.append((n, event, school, pupil, pgn, old, target, date))
    return events


def start_emulator(binary, pki, log):
    proc = subprocess.Popen(
        [binary, "--ca", pki / "ca.pem", "--cert", pki / "server.pem", "--key", pki / "server.key",
         "--port", "0", "--secret", SECRET, "--log", log],
        stdout=subprocess.PIPE, text=True)
    match = re.search(r"https://127\.0\.0\.1:\d+/eck/ws/201703", proc.stdout.readline())
    if not match:
        proc.kill()
        fail("nv-emulator did not name its endpoint")
    return proc, match.group(0)


def run_host(args, work, events):
    started = time.monotonic()
    proc = subprocess.run(
        [args.host, "--plugin-dir", work / "plugins", "--config", work / "eckid.toml",
         "--events", events, "--pupils", work / "pupils.csv", "--debug"],
        capture_output=True, text=True)
    print(f"host_test: eckid-host on {events.name}: exit {proc.returncode}, "
          f"{time.monotonic() - started:.1f} s")
    return proc


def check_summary(stdout, events, model, stderr):
    """Every event's summary line against the model; returns the expected statuses."""
    lines = {int(m.group(1)): m for m in map(SUMMARY.match, stdout.splitlines()) if m}
    for n, event, school, pupil, pgn, old, target, _ in events:
        status, eckids, change = model.apply(event, school, pupil, pgn, old, target)
        m = lines.get(n)
        if m is None:
            fail(f"no summary line for line {n}", stdout, stderr)
        short = expected.ECKID_PREFIX + eckids[0][1][len(expected.ECKID_PREFIX):][:6] + "\u2026" \
            if eckids else "-"
        got = (m.group(2), m.group(4), m.group(5), m.group(6), m.group(7))
        want = (event, pupil, status, short, change)
        if got != want:
            fail(f"line {n}: summary {got}, expected {want}", stdout, stderr)


def check_no_pgn(pgns, texts, state_dir):
    for name, text in texts.items():
        for pgn in pgns:
            if pgn in text:
                fail(f"a PGN of the sample appears in {name}")
    for f in state_dir.rglob("*"):
        data = f.read_bytes() if f.is_file() else b""
        if any(pgn.encode() in data for pgn in pgns):
            fail(f"a PGN of the sample appears in the plugin's state file {f.name}")


def read_table(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if rows[0] != ["school", "pupil_key", "chain", "eckid"]:
        fail(f"pupil table header {rows[0]}")
    return {tuple(r) for r in rows[1:]}


def identity_requests(log_lines):
    return [l for l in log_lines if l.split()[1] in IDENTITY_OPERATIONS]


def check_same_sector_transfers(args, work, model, hpgns, logged):
    """Moves two pupils recorded at 04AB only to 05CD: the ECK iD is kept and the emulator's
    request log (of which `logged` lines were written before) shows no identity request."""
    movers = [p for (s, p) in model.records if s == "04AB" and ("05CD", p) not in model.records]
    by_hpgn = {h: pgn for pgn, h in hpgns.items()}
    transfers = work / "transfers.csv"
    rows = [f"transferred,04AB,{p},{by_hpgn[model.records[('04AB', p)][0]]},,05CD,2026-09-01\n"
            for p in movers[:2]]
    transfers.write_text("event,school,pupil_key,pgn,old_pgn,target_school,date\n" + "".join(rows))
    second = run_host(args, work, transfers)
    if second.returncode != 0:
        fail(f"eckid-host exited {second.returncode}", second.stdout, second.stderr)
    check_summary(second.stdout, read_events(transfers), model, second.stderr)
    new_requests = identity_requests((work / "nv-requests.log").read_text().splitlines()[logged:])
    if new_requests:
        fail("same-sector transfers sent identity requests", "\n".join(new_requests))
    if read_table(work / "pupils.csv") != model.table():
        fail("the pupil table differs after the same-sector transfers", second.stdout)
    return second


def check_bad_rows(args, work):
    """Bad rows are reported by line number and skipped; refused events name their status;
    the exit status is 1; nothing quotes a row."""
    bad = work / "bad.csv"
    bad.write_text("event,school,pupil_key,pgn,old_pgn,target_school,date\n"
                   "created,04AB,X1,123456789,,,\n"  # fails the 11-check
                   "enrolled,04AB,X2,111222333,,,\n"  # unknown event
                   "created,04AB,X3\n"  # too few columns
                   "created,99ZZ,X4,111222333,,,\n")  # unknown school
    run = run_host(args, work, bad)
    want = [r"^line +2  created +04AB +X1 +invalid_pgn +-$", r"^line +3  bad row: unknown event",
            r"^line +4  bad row: expected 7 columns, found 3$",
            r"^line +5  created +99ZZ +X4 +unknown_school +-$"]
    lines = run.stdout.splitlines()
    if run.returncode != 1 or not all(any(re.match(w, l) for l in lines) for w in want):
        fail(f"bad rows: exit {run.returncode}, expected 1 and {want}", run.stdout, run.stderr)
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    for option in ("host", "plugin", "emulator", "pki", "sample", "vectors"):
        parser.add_argument("--" + option, type=Path, required=True)
    args = parser.parse_args()

    vectors = tomllib.loads(args.vectors.read_text())
    salt = vectors["scrypt"]["salt_base64"]
    sample_events = read_events(args.sample / "enrolment.csv")
    today = datetime.date.today().isoformat()
    for n, event, *_, date in sample_events:
        if event == "pgn_changed" and date > today:
            fail(f"line {n}: the model assumes past effective dates")

    # One hashing process beside eckid-host (which hashes one event at a time): the two keep
    # the test's two CPU slots busy for about equally long (a pool of two left one slot idle
    # while eckid-host finished alone).
    with tempfile.TemporaryDirectory(prefix="eckid-host-test-") as tmp, \
            multiprocessing.Pool(1) as pool:
        work = Path(tmp)
        pgns = sorted({p for e in sample_events for p in e[4:6] if expected.is_valid_pupil_pgn(p)})
        hashing = pool.starmap_async(expected.hpgn, [(p, salt) for p in pgns])

        shutil.copytree(args.pki, work / "pki")
        (work / "plugins").mkdir()
        shutil.copy(args.plugin, work / "plugins" / args.plugin.name)
        log = work / "nv-requests.log"
        emulator, endpoint = start_emulator(args.emulator, work / "pki", log)
        try:
            template = (args.sample / "eckid.toml.in").read_text()
            (work / "eckid.toml").write_text(template.replace("@ENDPOINT@", endpoint))
            first = run_host(args, work, args.sample / "enrolment.csv")
            hpgns = dict(zip(pgns, hashing.get()))
            phase1_log = log.read_text().splitlines()

            config = tomllib.loads((work / "eckid.toml").read_text())
            schools = {s["key"]: (s["sector"], s["chains"]) for s in config["school"]}
            for v in vectors["hpgn"]:
                if v["pgn"] in hpgns and hpgns[v["pgn"]] != v["hpgn"]:
                    fail("Python's scrypt disagrees with vectors.toml")
            model = expected.Model(schools, SECRET, hpgns)

            if first.returncode != 0:
                fail(f"eckid-host exited {first.returncode}", first.stdout, first.stderr)
            if str(work / "plugins") not in first.stdout.splitlines()[0]:
                fail("the plugin was not loaded from the fresh folder", first.stdout)
            check_summary(first.stdout, sample_events, model, first.stderr)
            if read_table(work / "pupils.csv") != model.table():
                fail("the pupil table differs from the expected one", first.stdout)
            if not identity_requests(phase1_log) or any("fault:" in l for l in phase1_log):
                fail("the emulator saw no identity request, or a fault", "\n".join(phase1_log))

            second = check_same_sector_transfers(args, work, model, hpgns, len(phase1_log))
            third = check_bad_rows(args, work)
            pgns += ["123456789", "111222333"]

            texts = {"the host's stdout": first.stdout + second.stdout + third.stdout,
                     "the host's stderr": first.stderr + second.stderr + third.stderr,
                     "the pupil table": (work / "pupils.csv").read_text()}
            check_no_pgn(pgns, texts, work / "state")
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)
    print(f"host_test: ok ({len(sample_events)} events, {len(model.table())} table rows)")


if __name__ == "__main__":
    main()
