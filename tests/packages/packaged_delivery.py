#!/usr/bin/env python3
"""The packaged eckid as an administrator sets it up, run by with_emulator.py as root inside
the clean root of tests/packages: a configuration in /etc/eckid readable by the system user
eckid only, its state folder under /var/lib/eckid; `eckid doctor` passes; a host process
(here: the installed Python binding, as user eckid) queues one event while the service is
down and ends; `eckid deliver` run as the systemd unit runs it (user eckid, the unit's
ExecStart) gets its ECK iD once the service is up, and leaves the result for the host, which
collects it. Expected ECK iD derived independently (support.py, the emulator's derivation of
the published HPgn vectors)."""

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapters"))
from support import (FIXTURE, OUTAGE_SERVICE_FILE, PUPILS, SECTOR, Checks,  # noqa: E402
                     OutageEmulator, expected_eckid)

check = Checks("packaged delivery")
CONFIG = Path("/etc/eckid/test.toml")
PKI = Path("/etc/eckid/test-pki")
OIN = "00000001000000000099"


def as_eckid(*command: str, stdin: str = "") -> subprocess.CompletedProcess:
    """command as user eckid, shown with its output (stdin, which may hold a PGN, is not)."""
    result = subprocess.run(["runuser", "-u", "eckid", "--", *command], input=stdin,
                            capture_output=True, text=True)
    print(f"$ {' '.join(command)} -> {result.returncode}\n{result.stdout}{result.stderr}")
    return result


def host(code: str) -> subprocess.CompletedProcess:
    """A host process as user eckid: the installed binding with the packaged library. The
    code goes in on stdin, so that a PGN in it stays out of the test's output."""
    return as_eckid("python3", "-", stdin="import eckid\n" + code.format(config=CONFIG))


# The configuration: the outage service file's [service] (its endpoint is down until started)
# with the packaged paths, one school.
service = tomllib.loads(Path(OUTAGE_SERVICE_FILE).read_text())["service"]
outage_dir = Path(OUTAGE_SERVICE_FILE).parent
shutil.copytree(outage_dir / "pki", PKI)
for name in ("client.p12", "client.p12.pass", "ca.pem"):
    shutil.chown(PKI / name, "root", "eckid")
    (PKI / name).chmod(0o640)
CONFIG.write_text(f"""[service]
environment = "sandbox"
endpoint = "{service['endpoint']}"
salt = "{service['salt']}"
client_certificate = "{PKI}/client.p12"
key_password_file = "{PKI}/client.p12.pass"
ca_bundle = "{PKI}/ca.pem"

[state]
directory = "/var/lib/eckid/test"

[outbox]
retry_base_ms = 100
retry_max_ms = 500

[[school]]
key = "T1"
oin = "{OIN}"
sector = "{SECTOR}"
chains = ["{FIXTURE['chain']}"]
enabled = true
start_date = 2025-08-01
""")
shutil.chown(CONFIG, "root", "eckid")
CONFIG.chmod(0o640)

service_up = OutageEmulator()
service_up.start()
doctor = as_eckid("eckid", "doctor", "--config", str(CONFIG))
check(doctor.returncode == 0 and "FAIL" not in doctor.stdout, "eckid doctor passes as user eckid")
service_up.stop()

queued = host("with eckid.Plugin('{config}', delivery=eckid.Delivery.ASYNC) as p:\n"
              f"    print(p.pupil_created('T1', 'P1', '{PUPILS[1]['pgn']}').queued)")
check(queued.returncode == 0 and queued.stdout.strip() == "True",
      "a host queues an event while the service is down, and ends")

# The event's next attempt is due at most retry_max_ms after its failed one: `eckid deliver`
# works what is due now and leaves what waits for a later run of the timer.
time.sleep(1)
service_up.start()
unit = Path("/lib/systemd/system/eckid-deliver@.service").read_text()
settings = dict(re.findall(r"^(ExecStart|User)=(.*)$", unit, flags=re.M))
check(settings.get("User") == "eckid", "the delivery unit runs as user eckid")
delivered = as_eckid(*shlex.split(settings["ExecStart"].replace("%i", CONFIG.stem)))
check(delivered.returncode == 0, f"the unit's command ({settings['ExecStart']}) exits 0")
log = Path(os.environ["ECKID_TEST_DIR"]) / "nv-outage-requests.log"
calls = re.findall(r" (retrieveStampseudonym|retrieveEckId) ", log.read_text())
check(sorted(calls) == ["retrieveEckId", "retrieveStampseudonym"],
      f"the service was asked once for each ({calls})")
service_up.stop()

collected = host("with eckid.Plugin('{config}') as p:\n"
                 "    r = p.poll()\n"
                 "    print(r.pupil_key if r else None, r.eckid if r else None)\n"
                 "    p.ack(r.event_id)")
check(collected.stdout.split() == ["P1", expected_eckid(PUPILS[1]["hpgn"], SECTOR)],
      "the host collects the ECK iD eckid deliver got (result kept for the host)")
check.finish()
