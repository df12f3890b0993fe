#!/usr/bin/env python3
"""Writes the sample enrolment file (enrolment.csv beside this script, or the path given).

Synthetic pupils only: BSNs and onderwijsnummers made with the check rules, plus the three
published vector pupils of ../shared/nv/vectors.toml. Deterministic (fixed seed), so the
committed file is reproducible:  python3 packaging/sample/make_enrolment.py
"""

import random
import sys
from pathlib import Path

SEED = 20250818
HEADER = "event,school,pupil_key,pgn,old_pgn,target_school,date"
SECTOR_SCHOOLS = ("04AB", "05CD")  # the test environment's sector
OTHER_SCHOOL = "21EF"  # the emulator's second sector
VECTOR_PUPILS = (("063138219", "04AB"), ("123456782", "05CD"), ("101222331", "04AB"))
SCHOOL_SIZES = {"04AB": 20, "05CD": 18, "21EF": 15}
ONDERWIJSNUMMER_EVERY = 9  # one generated pupil in nine has no BSN yet


def weighted_sum(digits):
    """S = 9*d1 + 8*d2 + ... + 2*d8 - d9 of a 9-digit number."""
    return sum((9 - i) * d for i, d in enumerate(digits[:8])) - digits[8]


def make_pgn(rng, onderwijsnummer):
    """A random valid BSN (S mod 11 = 0) or onderwijsnummer ("10...", S mod 11 = 5)."""
    while True:
        head = [1, 0] if onderwijsnummer else [rng.randrange(10)]
        head += [rng.randrange(10) for _ in range(8 - len(head))]
        partial = sum((9 - i) * d for i, d in enumerate(head))
        last = (partial - (5 if onderwijsnummer else 0)) % 11
        digits = head + [last]
        if last < 10 and any(digits) and weighted_sum(digits) % 11 == (5 if onderwijsnummer else 0):
            return "".join(map(str, digits))


def is_onderwijsnummer(pgn):
    """True for a 9-digit number starting with "10" whose S mod 11 = 5."""
    return pgn.startswith("10") and weighted_sum([int(c) for c in pgn]) % 11 == 5


def make_invalid_bsn(rng):
    """A BSN with a typo in its last digit: fails the 11-check and the onderwijsnummer rule."""
    valid = make_pgn(rng, False)
    return valid[:8] + str((int(valid[8]) + 1) % 10)


def main():
    rng = random.Random(SEED)
    used = {pgn for pgn, _ in VECTOR_PUPILS}
    pupils = []  # (pupil key, school, pgn)

    def new_pgn(onderwijsnummer):
        while True:
            pgn = make_pgn(rng, onderwijsnummer)
            if pgn not in used:
                used.add(pgn)
                return pgn

    for pgn, school in VECTOR_PUPILS:
        pupils.append((f"L{1001 + len(pupils)}", school, pgn))
    for school, size in SCHOOL_SIZES.items():
        while sum(1 for p in pupils if p[1] == school) < size:
            onderwijsnummer = len(pupils) % ONDERWIJSNUMMER_EVERY == 0
            pupils.append((f"L{1001 + len(pupils)}", school, new_pgn(onderwijsnummer)))

    rows = []  # (date, event, school, pupil, pgn, old_pgn, target)
    for key, school, pgn in pupils:
        date = "2025-08-25" if school == OTHER_SCHOOL else "2025-08-18"
        rows.append((date, "created", school, key, pgn, "", ""))
    typo_key = f"L{1001 + len(pupils)}"
    rows.append(("2025-09-01", "created", "05CD", typo_key, make_invalid_bsn(rng), "", ""))

    current = {key: [school, pgn] for key, school, pgn in pupils}
    onderwijs = [k for k, _, p in pupils if is_onderwijsnummer(p)]
    free = [k for k, s, _ in pupils[3:] if k not in onderwijs]
    rng.shuffle(free)

    def change_pgn(key, date):
        school, old = current[key]
        new = new_pgn(False)
        current[key][1] = new
        rows.append((date, "pgn_changed", school, key, new, old, ""))

    def transfer(key, target, date):
        school, pgn = current[key]
        current[key][0] = target
        if key in free:
            free.remove(key)
        rows.append((date, "transferred", school, key, pgn, "", target))

    change_pgn("L1003", "2025-10-01")  # the vector onderwijsnummer gets its BSN
    second = next(k for k in onderwijs if k != "L1003" and current[k][0] == "05CD")
    change_pgn(second, "2025-11-17")
    transfer("L1001", "05CD", "2026-01-05")  # same sector: keeps the ECK iD
    for key in [k for k in free if current[k][0] == "04AB"][:2]:
        transfer(key, "05CD", "2026-02-02")
    for key in [k for k in free if current[k][0] == "05CD"][:2]:
        transfer(key, "04AB", "2026-03-02")
    transfer("L1003", OTHER_SCHOOL, "2026-08-24")  # other sector: a new ECK iD
    for key in [k for k in free if current[k][0] == "05CD"][:2]:
        transfer(key, OTHER_SCHOOL, "2026-08-24")
    still_onderwijs = next(
        k for k in onderwijs if k not in ("L1003", second) and current[k][0] == "04AB"
    )
    transfer(still_onderwijs, OTHER_SCHOOL, "2026-08-24")

    rows.sort(key=lambda r: r[0])  # stable: creations keep their order
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("enrolment.csv")
    with out.open("w", encoding="utf-8", newline="\n") as f:
        f.write(f"# Synthetic enrolment events (make_enrolment.py, seed {SEED}): no real pupils.\n")
        f.write(HEADER + "\n")
        for date, event, school, key, pgn, old, target in rows:
            f.write(f"{event},{school},{key},{pgn},{old},{target},{date}\n")


if __name__ == "__main__":
    main()
