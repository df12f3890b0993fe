#!/usr/bin/env python3
"""The EckId plugin inside a real RosarioSIS 11.8.6: delivery without page loads and backfill.

- Students left without an ECK iD (the school not yet enabled, its start date not yet come,
  the plugin deactivated, a wrong certificate password)
  get one from the settings page's "Request missing ECK iDs" action, and automatically from
  the next run of the delivery command an administrator schedules with cron
  (plugins/EckId/deliver.php, run as www-data with the CLI's ffi.enable as the README says).
- The service down: the save returns within the plugin's web deadline, the event is queued,
  and the delivery command records the ECK iD once the service is back, with no page loaded.

Run by with_emulator.py (the service, and the outage service of ECKID_TEST_OUTAGE_SERVICE);
needs root and ECKID_ROSARIOSIS_RELEASE. Exit 77 (skipped) when the machine cannot run the
real host."""

from __future__ import annotations

import concurrent.futures
import datetime
import os
import pwd
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # tests/adapters: support.py
import support  # noqa: E402
import eckid_rosario as er  # noqa: E402
import forms  # noqa: E402
import rosario_site  # noqa: E402

CHAIN = support.FIXTURE["chain"]
# The save must come back well before the plugin's default synchronous wait (30 s, what the
# old code waited): the outage service file below does not set [outbox] deadline_ms, so the
# plugin's web default of 5 s applies (includes/settings.php EckIdHostDefaults()).
SAVE_BOUND_S = 20
CERT_CASE_BSN = "222333443"  # passes the 11-check; not in the vectors


def pending(p: er.Plugged, student_id: int) -> list[str]:
    return [row[0] for row in p.site.postgres.query(
        f"SELECT status FROM eckid_pending WHERE student_id={int(student_id)}")]


def backfill_block(page: str) -> str:
    """The settings page's "Missing ECK iDs" part, as text."""
    return forms.text(page.split("<h3>Missing ECK iDs</h3>", 1)[-1])


def progress(page: str) -> dict[str, int]:
    """The settings page's counts: students, recorded, waiting, missing."""
    m = re.search(r"Students this school year: (\d+); with an ECK iD: (\d+); requested, waiting "
                  r"for the Nummervoorziening: (\d+); without an ECK iD: (\d+)\.", backfill_block(page))
    return dict(zip(("students", "recorded", "waiting", "missing"), map(int, m.groups()))) if m else {}


def outage_folder(p: er.Plugged) -> Path:
    """A second eckid folder on the outage service, set up as the first; its service file
    keeps the test's fast retries but not their 2 s deadline (the plugin must choose one)."""
    root = p.root / "outage"
    root.mkdir()
    os.chmod(root, 0o755)
    service = er.eckid_folder(root, Path(support.OUTAGE_SERVICE_FILE))
    service.write_text(re.sub(r"(?m)^deadline_ms = .*\n", "", service.read_text()))
    return service


def main() -> int:
    why = rosario_site.missing_requirements()
    if why:
        print("SKIP: " + why)
        return 77
    check = support.Checks("real RosarioSIS: delivery and backfill")
    expected = {i: support.expected_eckid(support.PUPILS[i]["hpgn"], support.SECTOR) for i in (0, 2)}
    # The HPgns of the two BSNs without a vector, computed while the site is set up.
    hashing = concurrent.futures.ThreadPoolExecutor(2)
    hpgn = {pgn: hashing.submit(support.scrypt_hpgn, pgn) for pgn in (CERT_CASE_BSN, support.CORRECTED_BSN)}
    with er.Plugged() as p:
        # The school not yet enabled: saved without an ECK iD.
        er.save_settings(p.admin, ECKID_ENABLED=None)
        a, _ = er.create_student(p.site, p.admin, "Cas", "Jansen", support.PUPILS[0]["pgn"])
        check(p.eckids(a) == {} and pending(p, a) == ["not_enabled"],
              "school not enabled: the student is saved without an ECK iD (not_enabled)")

        # Enabled: the settings page shows the missing one; its action requests it.
        # (The fresh install's own student has no BSN: it stays without one throughout.)
        start = progress(er.save_settings(p.admin, ECKID_ENABLED="Y"))
        check(start.get("missing", 0) >= 1 and start.get("recorded") == 0,
              f"the settings page counts the students without an ECK iD: {start}")
        page = p.admin.post(er.CONFIG_PAGE + "&modfunc=config&plugin=EckId", {"eckid_backfill": "1"})
        block = backfill_block(page)
        check("ECK iDs requested for 1 students" in block, "Request missing ECK iDs: 1 requested: " + block[:160])
        check(bool(p.eckids(a)) or pending(p, a) == ["queued"], "the action queued the student's request")
        run = p.deliver()
        check(run.returncode == 0, f"the delivery command runs as www-data: {run.stdout}{run.stderr}"[:400])
        check(p.eckids(a) == {CHAIN: expected[0]}, "the requested ECK iD is recorded")
        before = support.requests(".")
        page = p.admin.post(er.CONFIG_PAGE + "&modfunc=config&plugin=EckId", {"eckid_backfill": "1"})
        p.deliver()
        check("ECK iDs requested for 0 students" in backfill_block(page) and support.requests(".") == before,
              "repeating the action requests nothing again")
        end = progress(page)
        check(end.get("recorded") == 1 and end.get("missing") == start["missing"] - 1 and end.get("waiting") == 0,
              f"the progress shows the one with an ECK iD now: {end}")

        # Before the school's start date: nothing; once it has come, the next delivery run.
        tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
        er.save_settings(p.admin, ECKID_START_DATE=tomorrow)
        b, _ = er.create_student(p.site, p.admin, "Dina", "Smit", support.PUPILS[2]["pgn"])
        run = p.deliver()
        check(p.eckids(b) == {} and run.returncode == 0, "before the start date: no ECK iD, even from a delivery run")
        er.save_settings(p.admin, ECKID_START_DATE="")
        run = p.deliver()
        check(p.eckids(b) == {CHAIN: expected[2]}, "start date cleared: the next delivery run records it: " + run.stdout[:200])
        check.pgn_free(run.stdout + run.stderr, "the delivery command's output")

        # The plugin deactivated on the Plugins page (its confirmation form): a student saved
        # meanwhile gets an ECK iD from the first delivery run after it is activated again.
        prompt = p.admin.get(er.CONFIG_PAGE + "&modfunc=deactivate&plugin=EckId")
        confirm = forms.form(prompt, r"delete_ok=1")
        p.admin.post(confirm.action, confirm.with_values({}))
        f, _ = er.create_student(p.site, p.admin, "Femke", "Visser", support.PUPILS[1]["pgn"])
        run = p.deliver()
        check(p.eckids(f) == {} and "not activated" in run.stdout,
              "plugin off: no ECK iD, the delivery command says the plugin is not activated")
        p.admin.get(er.CONFIG_PAGE + "&modfunc=activate&plugin=EckId")
        p.deliver()
        check(p.eckids(f) == {CHAIN: support.expected_eckid(support.PUPILS[1]["hpgn"], support.SECTOR)},
              "plugin on again: the next delivery run records the ECK iD")

        # A wrong certificate password: saved without an ECK iD; once the administrator has
        # put the right one back, the next delivery run records it.
        password = p.service.parent / "pki/client.p12.pass"
        right = password.read_bytes()
        password.write_bytes(b"not the password\n")
        g, saved = er.create_student(p.site, p.admin, "Gijs", "Bos", CERT_CASE_BSN)
        check(p.eckids(g) == {} and pending(p, g) == ["credentials"],
              "wrong certificate password: saved, no ECK iD, credentials")
        password.write_bytes(right)
        run = p.deliver()
        check(p.eckids(g) == {CHAIN: support.expected_eckid(hpgn[CERT_CASE_BSN].result(), support.SECTOR)},
              "certificate fixed: the next delivery run records the ECK iD")
        check(CERT_CASE_BSN not in run.stdout + run.stderr, "the delivery command's output contains no PGN")

        # The command is for the web server user only: as root it refuses (the state folder
        # would get root's files), and over HTTP it is forbidden.
        as_root = subprocess.run(["php", "-d", "ffi.enable=true", str(p.site.www / "plugins/EckId/deliver.php")],
                                 capture_output=True, text=True, timeout=60, env=dict(os.environ))
        check(as_root.returncode == 2 and "web server user" in as_root.stderr,
              "run as root, the command refuses and says as whom to run it")
        check(p.admin.request("plugins/EckId/deliver.php")[0] == 403, "over HTTP the command is forbidden (403)")

        # The service down: the save returns soon, queued; the delivery command records it.
        outage = support.OutageEmulator()
        try:
            er.save_settings(p.admin, ECKID_CONFIG_PATH=str(outage_folder(p)))
            started = time.monotonic()
            e, saved = er.create_student(p.site, p.admin, "Eva", "Mulder", support.CORRECTED_BSN)
            took = time.monotonic() - started
            check(took < SAVE_BOUND_S, f"service down: the save returned after {took:.1f} s")
            check("has not answered yet" in forms.text(saved), "the save page says the ECK iD is requested")
            check(p.eckids(e) == {} and pending(p, e) == ["queued"], "the event is queued")
            outage.start()
            run = p.deliver()  # no page is loaded from here on
            want = support.expected_eckid(hpgn[support.CORRECTED_BSN].result(), support.SECTOR)
            check(p.eckids(e) == {CHAIN: want} and pending(p, e) == [],
                  "service back: the delivery command records the ECK iD, no page loaded: " + run.stdout[:200])
        finally:
            outage.stop()
        states = [p.service.parent / "state", p.root / "outage/eckid/state"]
        owners = {f.stat().st_uid for state in states for f in [state, *state.rglob("*")]}
        check(owners == {pwd.getpwnam("www-data").pw_uid},
              "the state folders stay owned by www-data after the command")
    check.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
