"""Shared by the Python adapter harnesses run under with_emulator.py: the fixture, expected
ECK iDs derived independently (the emulator's documented HMAC-SHA-512 derivation over the
published HPgn vectors), the emulator's request log, and a check counter."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time
from typing import Callable, Optional

FIXTURE = json.loads(open(os.environ["ECKID_TEST_FIXTURE"], encoding="utf-8").read())
PUPILS = FIXTURE["pupils"]  # [0] a BSN with a leading zero, [1] a BSN, [2] an onderwijsnummer
SECTOR, OTHER_SECTOR = FIXTURE["sector"], FIXTURE["other_sector"]
CORRECTED_BSN = "111222333"  # passes the 11-check; not in the vectors
INVALID_PGN = "123456781"  # fails the 11-check
ALL_PGNS = [p["pgn"] for p in PUPILS] + [CORRECTED_BSN, INVALID_PGN]
SERVICE_FILE = os.environ["ECKID_TEST_SERVICE"]
OUTAGE_SERVICE_FILE = os.environ["ECKID_TEST_OUTAGE_SERVICE"]  # nothing listens there yet


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


class OutageEmulator:
    """The service of OUTAGE_SERVICE_FILE: down until start(), then an nv-emulator on its port
    (the same secret, so the same ECK iDs). Stopped by stop(), which is idempotent."""

    def __init__(self) -> None:
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            json.loads(os.environ["ECKID_TEST_EMULATOR"])
            + ["--port", os.environ["ECKID_TEST_OUTAGE_PORT"]], stdout=subprocess.PIPE, text=True)
        if "https://" not in self.process.stdout.readline():  # listening once it names itself
            self.stop()
            raise RuntimeError("the outage nv-emulator did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def wait_for(condition: Callable[[], bool], seconds: float = 60, every: float = 0.2) -> bool:
    """Calls condition (e.g. one run of a host's scheduled entry point and a check) until it
    is true or the time is up; returns its last value."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


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


def scrypt_hpgn(pgn: str) -> str:
    """A pupil PGN's HPgn computed independently of the plugin with Python's hashlib.scrypt
    (spec "The three tiers", 1: scrypt(P = UTF-8 of the PGN, S = base64-decode(salt),
    N = 131072, r = 8, p = 4, dkLen = 32), lowercase hex), with the salt of SERVICE_FILE;
    checked once against the first published vector. For PGNs that have no vector. About 4 s
    each; thread-safe (hashlib releases the GIL: compute several at once in threads)."""
    if _scrypt_hpgn_raw(PUPILS[0]["pgn"]) != PUPILS[0]["hpgn"]:
        raise RuntimeError("hashlib.scrypt does not give the published HPgn vector")
    return _scrypt_hpgn_raw(pgn)


@functools.lru_cache(maxsize=None)
def _scrypt_hpgn_raw(pgn: str) -> str:
    import base64
    import tomllib
    with open(SERVICE_FILE, "rb") as f:
        salt = base64.b64decode(tomllib.load(f)["service"]["salt"])
    return hashlib.scrypt(pgn.lower().encode(), salt=salt, n=131072, r=8, p=4, dklen=32,
                          maxmem=256 * 1024 * 1024).hex()
