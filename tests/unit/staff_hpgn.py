#!/usr/bin/env python3
"""Expected HPgns of staff inputs, computed independently of the plugin with Python's
hashlib.scrypt (spec "The three tiers", 1): lowercase hex of scrypt(P = UTF-8 bytes of
lowercase(PGN), S = base64-decode(salt), N = 131072, r = 8, p = 4, dkLen = 32).

    staff_hpgn.py VECTORS_TOML

Reads the sandbox salt from VECTORS_TOML ([scrypt] salt_base64), checks itself against the
file's first published pupil vector, and prints one line per staff input of the form
"<BRIN> <e-mail>": the input, a TAB and its HPgn. Run by test_hpgn.cpp.
"""

import base64
import hashlib
import sys
import tomllib

# Invented staff members, in the spec's form; upper and lower case hash alike.
STAFF = ["00AA jan@school.nl", "00AA Jan@School.NL", "12xy m.de.vries+ict@ex-ample.org"]


def main() -> int:
    with open(sys.argv[1], "rb") as f:
        scrypt = tomllib.load(f)["scrypt"]
    salt = base64.b64decode(scrypt["salt_base64"])
    n, r, p, dk_len = scrypt["N"], scrypt["r"], scrypt["p"], scrypt["dk_len"]

    def hpgn(pgn: str) -> str:
        return hashlib.scrypt(pgn.lower().encode("utf-8"), salt=salt, n=n, r=r, p=p,
                              dklen=dk_len, maxmem=256 * 1024 * 1024).hex()

    with open(sys.argv[1], "rb") as f:
        known = tomllib.load(f)["hpgn"][0]
    if hpgn(known["pgn"]) != known["hpgn"]:
        print("hashlib.scrypt does not give the published vector", file=sys.stderr)
        return 1
    for pgn in STAFF:
        print(f"{pgn}\t{hpgn(pgn)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
