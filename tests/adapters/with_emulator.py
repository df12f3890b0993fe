#!/usr/bin/env python3
"""Runs one adapter harness against a fresh nv-emulator and returns its exit code.

    with_emulator.py --emulator BIN --pki DIR --vectors vectors.toml --library libeckid.so
                     -- COMMAND...

Starts nv-emulator on a free port of 127.0.0.1 (mutual TLS, request log, a known secret),
lays out a temporary folder with a copy of the test PKI and an eckid service file (the
[service] and [state] tables, no [[school]]: the host's settings add those), and runs COMMAND
with these environment variables:

  ECKID_LIBRARY          the libeckid.so under test
  ECKID_TEST_DIR         the temporary folder (service.toml, pki/, room for host data)
  ECKID_TEST_SERVICE     ECKID_TEST_DIR/service.toml
  ECKID_TEST_REQUESTS    the emulator's request log (one line per request)
  ECKID_TEST_FIXTURE     a JSON file: secret, chain, sector, other_sector and the published
                         HPgn vectors [{pgn, hpgn}], from which harnesses derive expected
                         ECK iDs independently (tests/emulator/README.md)
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

SECRET = "eckid adapter test secret"
# The emulator's second sector ("Tweede testsector", tests/emulator/README.md).
OTHER_SECTOR = "http://purl.edustandaard.nl/begrippenkader/9f3c6a2e-4b1d-4e8a-9c7f-2d5e8b1a6c04"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for option in ("emulator", "pki", "vectors", "library"):
        parser.add_argument("--" + option, type=Path, required=True)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    vectors = tomllib.loads(args.vectors.read_text())

    with tempfile.TemporaryDirectory(prefix="eckid-adapter-test-") as tmp:
        work = Path(tmp)
        shutil.copytree(args.pki, work / "pki")
        requests = work / "nv-requests.log"
        emulator = subprocess.Popen(
            [args.emulator, "--ca", work / "pki/ca.pem", "--cert", work / "pki/server.pem",
             "--key", work / "pki/server.key", "--port", "0", "--secret", SECRET,
             "--log", requests], stdout=subprocess.PIPE, text=True)
        try:
            match = re.search(r"https://127\.0\.0\.1:\d+/eck/ws/201703", emulator.stdout.readline())
            if not match:
                sys.exit("with_emulator: nv-emulator did not name its endpoint")
            requests.touch()
            (work / "service.toml").write_text(
                f'[service]\nenvironment = "sandbox"\nendpoint = "{match.group(0)}"\n'
                f'salt = "{vectors["scrypt"]["salt_base64"]}"\n'
                'client_certificate = "pki/client.p12"\nkey_password_file = "pki/client.p12.pass"\n'
                'ca_bundle = "pki/ca.pem"\nrequest_timeout_ms = 20000\n\n'
                '[state]\ndirectory = "state"\n')
            fixture = {"secret": SECRET, "chain": vectors["test_environment"]["chain_id"],
                       "sector": vectors["test_environment"]["sector_id"],
                       "other_sector": OTHER_SECTOR,
                       "pupils": [{"pgn": v["pgn"], "hpgn": v["hpgn"]} for v in vectors["hpgn"]]}
            (work / "fixture.json").write_text(json.dumps(fixture))
            env = dict(os.environ, ECKID_LIBRARY=str(args.library.resolve()),
                       ECKID_TEST_DIR=str(work), ECKID_TEST_SERVICE=str(work / "service.toml"),
                       ECKID_TEST_REQUESTS=str(requests),
                       ECKID_TEST_FIXTURE=str(work / "fixture.json"))
            return subprocess.run(args.command, env=env).returncode
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
