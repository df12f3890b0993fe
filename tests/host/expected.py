"""Expected results of an enrolment file, derived without the plugin.

HPgn with Python's hashlib.scrypt (spec "The three tiers"), stampseudonym and ECK iD with the
emulator's documented HMAC-SHA-512 derivation (tests/emulator/README.md), and the event rules
of the design ("What each event means"): created -> ECK iD for the school's sector; same-sector
transfer -> the ECK iD is kept; other sector -> the ECK iD of the new sector; PGN change ->
replaceStampseudonym(old, new), so the ECK iD of the old PGN stays.
"""

import base64
import hashlib
import hmac

STAMPSEUDONYM_PREFIX = "https://ketenid.nl/sppilot/"
ECKID_PREFIX = "https://ketenid.nl/pilot/"


def is_valid_pupil_pgn(pgn):
    """A BSN (S mod 11 = 0, not all zeros) or an onderwijsnummer ("10...", S mod 11 = 5)."""
    if len(pgn) != 9 or not pgn.isascii() or not pgn.isdigit():
        return False
    d = [int(c) for c in pgn]
    s = sum((9 - i) * d[i] for i in range(8)) - d[8]
    return (s % 11 == 0 and any(d)) or (pgn.startswith("10") and s % 11 == 5)


def hpgn(pgn, salt_base64):
    """lowercase hex of scrypt(lowercase PGN, salt, N=2^17, r=8, p=4, dkLen=32)."""
    return hashlib.scrypt(
        pgn.lower().encode("utf-8"),
        salt=base64.b64decode(salt_base64),
        n=131072,
        r=8,
        p=4,
        dklen=32,
        maxmem=256 * 1024 * 1024,
    ).hex()


def _hmac_hex(secret, message):
    return hmac.new(secret.encode(), message.encode(), hashlib.sha512).hexdigest()


class Model:
    """The emulator's and the plugin's state as the events should leave it."""

    def __init__(self, schools, secret, hpgns):
        """schools: key -> (sector, [chains]); hpgns: PGN -> HPgn of every valid PGN."""
        self.schools = schools
        self.secret = secret
        self.hpgns = hpgns
        self.records = {}  # (school, pupil) -> [HPgn, [(chain, ECK iD)]]
        self.replaced = {}  # new HPgn -> old HPgn

    def stampseudonym(self, h):
        while h in self.replaced:
            h = self.replaced[h]
        return STAMPSEUDONYM_PREFIX + _hmac_hex(self.secret, "stampseudonym|" + h)

    def eckids(self, h, school):
        sector, chains = self.schools[school]
        sp = self.stampseudonym(h)
        return [
            (c, ECKID_PREFIX + _hmac_hex(self.secret, f"eckid|{sp}|{c}|{sector}")) for c in chains
        ]

    def apply(self, event, school, pupil, pgn, old_pgn, target):
        """Applies one event; returns (status, [(chain, ECK iD)], "kept"/"new"/None)."""
        if not is_valid_pupil_pgn(pgn) or (
            event == "pgn_changed" and not is_valid_pupil_pgn(old_pgn)
        ):
            return "invalid_pgn", [], None
        h = self.hpgns[pgn]
        if event == "transferred":
            source = self.records.get((school, pupil))
            if source is None:
                return self.apply("created", target, pupil, pgn, "", "")
            if source[0] != h:
                return "pupil_conflict", [], None
            if self.schools[target][0] == self.schools[school][0]:
                known = dict(source[1])
                fresh = dict(self.eckids(h, target))
                result = [(c, known.get(c, fresh[c])) for c in self.schools[target][1]]
            else:
                result = self.eckids(h, target)
            self.records[(target, pupil)] = [h, result]
            return "ok", result, "kept" if result[0] in source[1] else "new"
        record = self.records.get((school, pupil))
        if event == "created":
            if record is not None and record[0] != h:
                return "pupil_conflict", [], None
            result = self.eckids(h, school)
            self.records[(school, pupil)] = [h, result]
            return "ok", result, None
        old = self.hpgns[old_pgn]
        if record is None or record[0] != old:
            return "pupil_conflict", [], None
        if h != old:
            self.replaced[h] = old
        result = self.eckids(h, school)
        before = record[1]
        self.records[(school, pupil)] = [h, result]
        return "ok", result, "kept" if result[0] in before else "new"

    def table(self):
        """The pupil table as a set of (school, pupil key, chain, ECK iD)."""
        return {(s, p, c, e) for (s, p), (_, eckids) in self.records.items() for c, e in eckids}
