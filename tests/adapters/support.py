"""Shared by the Python adapter harnesses run under with_emulator.py: the fixture, expected
ECK iDs derived independently (the emulator's documented HMAC-SHA-512 derivation over the
published HPgn vectors), the emulator's request log, and a check counter."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import sys

FIXTURE = json.loads(open(os.environ["ECKID_TEST_FIXTURE"], encoding="utf-8").read())
PUPILS = FIXTURE["pupils"]  # [0] a BSN with a leading zero, [1] a BSN, [2] an onderwijsnummer
SECTOR, OTHER_SECTOR = FIXTURE["sector"], FIXTURE["other_sector"]
CORRECTED_BSN = "111222333"  # passes the 11-check; not in the vectors
INVALID_PGN = "123456781"  # fails the 11-check
ALL_PGNS = [p["pgn"] for p in PUPILS] + [CORRECTED_BSN, INVALID_PGN]
SERVICE_FILE = os.environ["ECKID_TEST_SERVICE"]


def _mac(message: str) -> str:
    return hmac.new(FIXTURE["secret"].encode(), message.encode(), hashlib.sha512).hexdigest()


def expected_eckid(hpgn: str, sector: str) -> str:
    """The ECK iD the emulator gives an HPgn in a sector (tests/emulator/README.md)."""
    stamp = "https://ketenid.nl/sppilot/" + _mac("stampseudonym|" + hpgn)
    return "https://ketenid.nl/pilot/" + _mac(f"eckid|{stamp}|{FIXTURE['chain']}|{sector}")


def requests(pattern: str = r" (retrieveStampseudonym|retrieveEckId|replaceStampseudonym) ") -> int:
    """How many lines of the emulator's request log match pattern."""
    with open(os.environ["ECKID_TEST_REQUESTS"], encoding="utf-8") as f:
        return sum(1 for line in f if re.search(pattern, line))


class Checks:
    """Counts checks, prints one line each and the closing "N passed, N failed" line."""

    def __init__(self, name: str) -> None:
        self.name, self.passed, self.failed = name, 0, 0

    def __call__(self, ok: bool, what: str) -> None:
        self.passed += bool(ok)
        self.failed += not ok
        print(("ok   " if ok else "FAIL ") + what, flush=True)

    def pgn_free(self, text: str, what: str) -> None:
        self(not any(p in text for p in ALL_PGNS), f"{what} contains no PGN")

    def finish(self) -> None:
        print(f"{self.name}: {self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)
