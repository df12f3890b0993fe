#!/usr/bin/env python3
"""Runs one adapter harness against a fresh nv-emulator and returns its exit code.

    with_emulator.py --emulator BIN --pki DIR --vectors vectors.toml [--library libeckid.so]
                     -- COMMAND...

Starts nv-emulator on a free port of 127.0.0.1 (mutual TLS, request log, a known secret),
lays out a temporary folder with a copy of the test PKI and an eckid service file (the
[service] and [state] tables, no [[school]]: the host's settings add those), and runs COMMAND
with these environment variables:

  ECKID_LIBRARY          the libeckid.so under test (without --library: not set, so the
                         bindings find the installed libeckid.so.<ABI> by its SONAME)
  ECKID_TEST_DIR         the temporary folder (service.toml, pki/, room for host data)
  ECKID_TEST_SERVICE     ECKID_TEST_DIR/service.toml ([outbox] deadline_ms = 30000, the
                         plugin's default, set explicitly)
  ECKID_TEST_REQUESTS    the emulator's request log (one line per request)
  ECKID_TEST_FIXTURE     a JSON file: secret, chain, sector, other_sector and the published
                         HPgn vectors [{pgn, hpgn}], from which harnesses derive expected
                         ECK iDs independently (tests/emulator/README.md)

and, for the "service down (queued, later delivered)" cases, a second service file whose
endpoint is a free port where nothing listens until the harness starts an emulator there:

  ECKID_TEST_OUTAGE_SERVICE  ECKID_TEST_DIR/outage.toml: that endpoint, its own state folder,
                             and an [outbox] table with fast retries
  ECKID_TEST_OUTAGE_PORT     the port
  ECKID_TEST_EMULATOR        a JSON list: the nv-emulator command line (same PKI and secret,
                             request log ECKID_TEST_DIR/nv-outage-requests.log) without
                             --port; the harness appends "--port" PORT, starts it, waits for
                             its first stdout line (the endpoint) and stops it itself
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

SECRET = "eckid adapter test secret"
# The emulator's second sector ("Tweede testsector", tests/emulator/README.md).
OTHER_SECTOR = "http://purl.edustandaard.nl/begrippenkader/9f3c6a2e-4b1d-4e8a-9c7f-2d5e8b1a6c04"


# Fast retries for the outage cases (plugin/config/config.cpp read_outbox): a synchronous
# call gives up waiting after 2 s; the event is retried every 0.1-0.5 s, never failed for good.
OUTAGE_OUTBOX = ("[outbox]\nworkers = 2\ndeadline_ms = 2000\nmax_attempts = 1000\n"
                 "retry_base_ms = 100\nretry_max_ms = 500\nbreaker_threshold = 5\n"
                 "breaker_cooldown_ms = 200\nshutdown_wait_ms = 1000\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_file(endpoint: str, salt: str, state: str, extra: str = "") -> str:
    return (f'[service]\nenvironment = "sandbox"\nendpoint = "{endpoint}"\n'
            f'salt = "{salt}"\n'
            'client_certificate = "pki/client.p12"\nkey_password_file = "pki/client.p12.pass"\n'
            'ca_bundle = "pki/ca.pem"\nrequest_timeout_ms = 20000\n\n'
            f'[state]\ndirectory = "{state}"\n' + (f"\n{extra}" if extra else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for option in ("emulator", "pki", "vectors"):
        parser.add_argument("--" + option, type=Path, required=True)
    parser.add_argument("--library", type=Path)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    vectors = tomllib.loads(args.vectors.read_text())

    with tempfile.TemporaryDirectory(prefix="eckid-adapter-test-") as tmp:
        work = Path(tmp)
        shutil.copytree(args.pki, work / "pki")
        requests = work / "nv-requests.log"
        emulator_command = [str(x) for x in (
            args.emulator.resolve(), "--ca", work / "pki/ca.pem", "--cert", work / "pki/server.pem",
            "--key", work / "pki/server.key", "--secret", SECRET)]
        emulator = subprocess.Popen(
            emulator_command + ["--port", "0", "--log", str(requests)], stdout=subprocess.PIPE,
            text=True)
        try:
            match = re.search(r"https://127\.0\.0\.1:\d+/eck/ws/201703", emulator.stdout.readline())
            if not match:
                sys.exit("with_emulator: nv-emulator did not name its endpoint")
            requests.touch()
            salt = vectors["scrypt"]["salt_base64"]
            # deadline_ms: the plugin's default, set explicitly because a host may choose a
            # shorter one where the file has none (RosarioSIS: 5 s for web requests), which a
            # busy test machine can exceed for a first ECK iD; the outage file leaves it out.
            (work / "service.toml").write_text(service_file(match.group(0), salt, "state",
                                                            "[outbox]\ndeadline_ms = 30000\n"))
            outage_port = free_port()
            (work / "outage.toml").write_text(service_file(
                f"https://127.0.0.1:{outage_port}/eck/ws/201703", salt, "state-outage",
                OUTAGE_OUTBOX))
            fixture = {"secret": SECRET, "chain": vectors["test_environment"]["chain_id"],
                       "sector": vectors["test_environment"]["sector_id"],
                       "other_sector": OTHER_SECTOR,
                       "pupils": [{"pgn": v["pgn"], "hpgn": v["hpgn"]} for v in vectors["hpgn"]]}
            (work / "fixture.json").write_text(json.dumps(fixture))
            env = dict(os.environ, ECKID_TEST_DIR=str(work), ECKID_TEST_SERVICE=str(work / "service.toml"),
                       ECKID_TEST_REQUESTS=str(requests),
                       ECKID_TEST_FIXTURE=str(work / "fixture.json"),
                       ECKID_TEST_OUTAGE_SERVICE=str(work / "outage.toml"),
                       ECKID_TEST_OUTAGE_PORT=str(outage_port),
                       ECKID_TEST_EMULATOR=json.dumps(
                           emulator_command + ["--log", str(work / "nv-outage-requests.log")]))
            if args.library:
                env["ECKID_LIBRARY"] = str(args.library.resolve())
            return subprocess.run(args.command, env=env).returncode
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
