#!/usr/bin/env python3
"""The host glue of the Python binding against nv-emulator, run by with_emulator.py:
transfer_or_create() (a transfer from a school with a record, else a pupil created) and
deliver() (poll -> write -> ack, acknowledged only once written), with the ECK iDs derived
independently (support.py)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path[:0] = [str(HERE.parents[1]), str(ROOT / "adapters/bindings/python")]

import eckid  # noqa: E402
from support import (FIXTURE, OTHER_SECTOR, OUTAGE_SERVICE_FILE, PUPILS, SECTOR,  # noqa: E402
                     SERVICE_FILE, Checks, OutageEmulator, expected_eckid, requests, wait_for)

check = Checks("python host glue")
CHAIN = FIXTURE["chain"]
schools = [eckid.SchoolSettings(k, f"0000000100000000002{i}", s, [CHAIN], True)
           for i, (k, s) in enumerate([("A", SECTOR), ("B", SECTOR), ("C", OTHER_SECTOR)])]
po, vo = (expected_eckid(PUPILS[0]["hpgn"], s) for s in (SECTOR, OTHER_SECTOR))

with eckid.Plugin(SERVICE_FILE, schools=schools) as plugin:
    move = plugin.transfer_or_create
    check(move("p1", None, "A", PUPILS[0]["pgn"]).eckid == po, "no from-school: created")
    before = requests()
    check(move("p1", "A", "B", PUPILS[0]["pgn"], "2026-10-01").eckid == po
          and requests() == before, "recorded at the from-school: a transfer, no identity request")
    check(move("p2", "A", "B", PUPILS[1]["pgn"]).eckid
          == expected_eckid(PUPILS[1]["hpgn"], SECTOR) and plugin.lookup("A", "p2") is None,
          "nothing recorded at the from-school: created at the to-school")
    check(move("p1", "ELSEWHERE", "C", PUPILS[0]["pgn"]).eckid == vo,
          "a from-school of another configuration: created at the to-school")
    try:
        move("p1", "B", "C", "123456781")
        check(False, "an invalid PGN raises")
    except eckid.EckIdError as e:
        check(e.status == eckid.Status.E_INVALID_PGN, "an invalid PGN: E_INVALID_PGN raised")

# deliver(): an event queued while the service is down; a write that raises leaves it
# unacknowledged (delivered again after a reopen), a write that returns acknowledges it.
outage = OutageEmulator()
school = [eckid.SchoolSettings("D", "00000001000000000024", SECTOR, [CHAIN], True)]
written = []


def fail(result):
    raise RuntimeError("the host's database is away")


try:
    with eckid.Plugin(OUTAGE_SERVICE_FILE, schools=school, delivery=eckid.Delivery.ASYNC) as p:
        queued = p.pupil_created("D", "q1", PUPILS[1]["pgn"])
        check(queued.queued and queued.status_text.startswith(f"QUEUED: event {queued.event_id}"),
              "service down: queued, its status text")
        check(p.deliver(written.append) == 0 and not written, "deliver: nothing finished yet")
        outage.start()
        check(wait_for(lambda: p.queue_status().undelivered == 1), "service back: a result waits")
        try:
            p.deliver(fail)
            check(False, "deliver: a write that raises propagates")
        except RuntimeError:
            check(p.queue_status().undelivered == 1, "write raised: the result is not acknowledged")
    with eckid.Plugin(OUTAGE_SERVICE_FILE, schools=school) as p:
        check(p.deliver(written.append) == 1 and p.queue_status().undelivered == 0
              and [(r.event_id, r.pupil_key, r.eckid, r.status_text) for r in written]
              == [(queued.event_id, "q1", expected_eckid(PUPILS[1]["hpgn"], SECTOR), "")],
              "after a reopen: delivered again, written, acknowledged")
finally:
    outage.stop()
check.finish()
