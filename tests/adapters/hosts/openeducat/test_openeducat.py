#!/usr/bin/env python3
"""The eckid_openeducat addon's overrides in the Odoo stand-in (./odoo) against nv-emulator,
run by with_emulator.py. The base model stands in for openeducat_core's op.student (its
company_id is its res.partner's in the real host: the student's school); the ECK iDs the
addon writes must equal the ones derived independently (support.py)."""

import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path[:0] = [str(HERE), str(HERE.parents[1]), str(ROOT / "adapters/bindings/python"),
                str(ROOT / "adapters/hosts/openeducat")]

import eckid  # noqa: E402
from odoo import fields, models  # noqa: E402  (the stand-in)
from support import (CORRECTED_BSN, FIXTURE, INVALID_PGN, OTHER_SECTOR,  # noqa: E402
                     OUTAGE_SERVICE_FILE, PUPILS, SECTOR, SERVICE_FILE, Checks, OutageEmulator,
                     expected_eckid, requests, wait_for)


class ResCompany(models.Model):
    _name = "res.company"
    name = fields.Char()


class OpStudent(models.Model):  # openeducat_core's op.student, the fields used here
    _name = "op.student"
    name = fields.Char()
    company_id = fields.Many2one("res.company")  # delegated to res.partner in the real host


import eckid_openeducat  # noqa: E402,F401  (loads the addon's _inherit classes)

check = Checks("openeducat")
env = models.Environment()
noord, zuid, vo, dicht = env["res.company"].create([
    {"name": n, "eckid_enabled": e, "eckid_start_date": "2025-08-01",
     "eckid_oin": f"0000000100000000000{i}", "eckid_sector": s, "eckid_chains": FIXTURE["chain"],
     "eckid_service_file": SERVICE_FILE}
    for i, (n, s, e) in enumerate([("PO Noord", SECTOR, True), ("PO Zuid", SECTOR, True),
                                   ("VO Centrum", OTHER_SECTOR, True),
                                   ("PO Dicht", SECTOR, False)], 1)])
env.company_id = noord.id
Student = env["op.student"]


def messages(student):
    return "\n".join(body for model, i, body in env.messages if i == student.id)


# Created.
s1 = Student.create({"name": "Anna", "eckid_pgn": PUPILS[0]["pgn"], "company_id": noord.id})
po = s1.eckid
check(po == expected_eckid(PUPILS[0]["hpgn"], SECTOR) and s1.eckid_school_id == noord,
      "op.student create: the ECK iD is written")

# Same-sector move: the student's company becomes another school of the sector.
before = requests()
s1.write({"company_id": zuid.id})
check(s1.eckid == po and s1.eckid_school_id == zuid, "transfer in the same sector: the ECK iD is kept")
check(requests() == before, "transfer in the same sector: no identity request sent")

# Other-sector move.
s1.write({"company_id": vo.id})
check(s1.eckid == expected_eckid(PUPILS[0]["hpgn"], OTHER_SECTOR) and s1.eckid != po,
      "transfer to another sector: the new sector's ECK iD")

# Deleted: forgotten at every school it has a record at (created at Noord, moved to Zuid, VO).
plugin = noord._eckid_plugin()
held = [plugin.lookup(str(c.id), str(s1.id)) is not None for c in (noord, zuid, vo)]
s1.unlink()
check(held == [True] * 3 and all(plugin.lookup(str(c.id), str(s1.id)) is None
                                 for c in (noord, zuid, vo)),
      "unlink: the plugin forgets the student at each school it was recorded at")

# Two students in one create (model_create_multi): an onderwijsnummer and an invalid PGN.
before = requests(r".")
s2, s3 = Student.create([
    {"name": "Bram", "eckid_pgn": PUPILS[2]["pgn"]},  # no company: env.company (Noord)
    {"name": "Cas", "eckid_pgn": INVALID_PGN, "company_id": noord.id}])
on = s2.eckid
check(on == expected_eckid(PUPILS[2]["hpgn"], SECTOR), "create of several: the first one's ECK iD")
check(bool(s3) and not s3.eckid and s3.eckid_status.startswith("E_INVALID_PGN")
      and "No ECK iD yet" in messages(s3), "invalid PGN: the student is saved, a clear chatter note")
check.pgn_free(messages(s3) + s3.eckid_status, "invalid PGN: the note and the status")
check(requests(r".") == before + 2, "invalid PGN: nothing sent for it")

# PGN changed: the ECK iD stays.
replaced = requests(r" replaceStampseudonym \S+ ok")
s2.write({"eckid_pgn": CORRECTED_BSN})
check(s2.eckid == on and requests(r" replaceStampseudonym \S+ ok") == replaced + 1,
      "PGN changed: the ECK iD stays, replaceStampseudonym sent")

# The invalid PGN corrected: delivered.
s3.write({"eckid_pgn": PUPILS[1]["pgn"]})
check(s3.eckid == expected_eckid(PUPILS[1]["hpgn"], SECTOR) and not s3.eckid_status,
      "invalid PGN corrected: the ECK iD is written, the status cleared")

# A disabled school.
before = requests(r".")
s4 = Student.create({"name": "Daan", "eckid_pgn": PUPILS[1]["pgn"], "company_id": dicht.id})
check(not s4.eckid and "not enabled" in s4.eckid_status and "No ECK iD yet" in messages(s4)
      and "not enabled" not in messages(s4) and requests(r".") == before,
      "disabled school: 'not enabled' in the status, a chatter note without the reason, "
      "nothing sent")

# The company's settings check (res.company.eckid_check, eckid.check): fine for Noord's
# service file; a school with a 10-character OIN on a service file of its own: the problem
# with its key (compute is not stood in: called as Odoo would on reading the field).
noord._compute_eckid_check()
check(noord.eckid_check.startswith("No problems: 4 school(s)"), "settings check: no problems")
check_file = Path(SERVICE_FILE).with_name("check.toml")
check_file.write_text(Path(SERVICE_FILE).read_text())
fout = env["res.company"].create([{
    "name": "PO Fout", "eckid_enabled": True, "eckid_oin": "0000000100", "eckid_sector": SECTOR,
    "eckid_chains": FIXTURE["chain"], "eckid_service_file": str(check_file)}])
fout._compute_eckid_check()
check("FAIL: host settings: school[0].oin:" in fout.eckid_check
      and "10 characters" in fout.eckid_check, "settings check: the bad OIN with its key")
fout.write({"eckid_service_file": False})

# Service down (queued, later delivered): a school whose service file names a
# Nummervoorziening that does not answer; the cron job writes the ECK iD once it is back.
storing = env["res.company"].create([{
    "name": "PO Storing", "eckid_enabled": True, "eckid_start_date": "2025-08-01",
    "eckid_oin": "00000001000000000005", "eckid_sector": SECTOR, "eckid_chains": FIXTURE["chain"],
    "eckid_service_file": OUTAGE_SERVICE_FILE}])
outage = OutageEmulator()
try:
    s5 = Student.create({"name": "Eva", "eckid_pgn": PUPILS[1]["pgn"], "company_id": storing.id})
    check(bool(s5) and not s5.eckid and s5.eckid_status.startswith("QUEUED")
          and "has not answered yet" in messages(s5),
          "service down: the student is saved, the event queued, a chatter note")
    check(storing._eckid_plugin().queue_status().queued == 1, "service down: the event is in the outbox")
    Student._eckid_deliver_results()  # the cron job, while the service is still down
    check(not s5.eckid and storing._eckid_plugin().queue_status().queued == 1,
          "service down: a cron run writes nothing, the event stays queued")
    outage.start()
    expected = expected_eckid(PUPILS[1]["hpgn"], SECTOR)
    check(wait_for(lambda: (Student._eckid_deliver_results(), s5.eckid)[1] == expected),
          "service back: the cron job writes the ECK iD")
    info = storing._eckid_plugin().queue_status()
    check(not s5.eckid_status and s5.eckid_school_id == storing
          and (info.queued, info.failed, info.undelivered) == (0, 0, 0),
          "service back: the status cleared, the outbox empty and acknowledged")

    # The Python binding's result callback (asynchronous delivery, a plugin thread), on a copy
    # of the composed configuration with a state folder of its own.
    callback_config = Path(OUTAGE_SERVICE_FILE).with_name("callback.toml")
    callback_config.write_text(Path(OUTAGE_SERVICE_FILE).read_text().replace(
        '"state-outage"', '"state-callback"'))
    delivered, threads = [], []
    arrived = threading.Event()

    def on_result(result):
        threads.append(threading.get_ident())
        delivered.append(result)
        callback_plugin.ack(result.event_id)  # allowed inside the callback
        arrived.set()

    with eckid.Plugin(callback_config, schools=storing._eckid_schools(),
                      delivery=eckid.Delivery.ASYNC, on_result=on_result) as callback_plugin:
        queued = callback_plugin.pupil_created(str(storing.id), "callback-1", PUPILS[0]["pgn"])
        check(queued.queued and queued.event_id > 0 and not queued.eckids,
              "asynchronous delivery: the event call returns queued at once")
        arrived.wait(60)
        check(len(delivered) == 1 and delivered[0].ok and delivered[0].event_id == queued.event_id
              and delivered[0].eckid == expected_eckid(PUPILS[0]["hpgn"], SECTOR)
              and delivered[0].pupil_key == "callback-1",
              "result callback: the event's result with the expected ECK iD")
        check(threads and threads[0] != threading.get_ident(),
              "result callback: called on a plugin thread")
        info = callback_plugin.queue_status()
        check((info.queued, info.undelivered) == (0, 0) and callback_plugin.poll() is None
              and callback_plugin.event_result(queued.event_id) is None
              and not callback_plugin.ack(queued.event_id) and callback_plugin.retry_failed() == 0,
              "result callback: acknowledged inside it, nothing left to poll, ack or retry")
finally:
    outage.stop()

# Whole-school onboarding through the binding (eckid_onboard, the service's batch operations)
# at a school of its own: three pupils accepted, their results through poll(); a repeated
# pupil key, a repeated PGN and an invalid PGN refused, each with a receipt.
onboard_service = Path(SERVICE_FILE).with_name("onboard.toml")
onboard_service.write_text(Path(SERVICE_FILE).read_text().replace('"state"', '"state-onboard"')
                           + "\n[onboarding]\npoll_delay_ms = 100\n")
onboard_schools = [eckid.SchoolSettings(
    "PO Instroom", "00000001000000000006", SECTOR, [FIXTURE["chain"]], True, "2025-08-01")]
batches, single = requests(r" submitStampseudonymBatch \S+ ok"), requests()
PUPIL = eckid.PgnKind.PUPIL
rows = [("on-1", PUPILS[0]["pgn"], PUPIL), ("on-2", PUPILS[1]["pgn"], PUPIL),
        ("on-3", PUPILS[2]["pgn"], PUPIL), ("on-1", CORRECTED_BSN, PUPIL),
        ("on-4", PUPILS[1]["pgn"], PUPIL), ("on-5", INVALID_PGN, PUPIL)]
results = {}
with eckid.Plugin(onboard_service, schools=onboard_schools,
                  delivery=eckid.Delivery.ASYNC) as onboard_plugin:
    receipts = onboard_plugin.onboard("PO Instroom", rows)
    accepted = receipts[:3]
    check([r.pupil_key for r in receipts] == [key for key, _pgn, _kind in rows]
          and all(r.accepted and r.status == eckid.Status.QUEUED and not r.message
                  for r in accepted)
          and len({r.event_id for r in accepted}) == 3,
          "onboard: one receipt per pupil in input order, three accepted as events")
    check([(r.event_id, r.status) for r in receipts[3:]]
          == [(0, eckid.Status.E_INVALID_ARGUMENT), (0, eckid.Status.E_INVALID_ARGUMENT),
              (0, eckid.Status.E_INVALID_PGN)] and all(r.message for r in receipts[3:]),
          "onboard: a repeated pupil key, a repeated PGN and an invalid PGN are refused with "
          "a status and a message")

    def collect():
        while (result := onboard_plugin.poll()) is not None:
            results[result.event_id] = result
            onboard_plugin.ack(result.event_id)
        return len(results) >= len(accepted)

    check(wait_for(collect), "onboard: the results arrive through poll()")
    check({i: (r.pupil_key, r.ok, r.eckid) for i, r in results.items()}
          == {r.event_id: (r.pupil_key, True, expected_eckid(PUPILS[n]["hpgn"], SECTOR))
              for n, r in enumerate(accepted)},
          "onboard: each pupil's result with the expected ECK iD")
    info = onboard_plugin.onboard_status("PO Instroom")
    check((info.waiting, info.hashed, info.in_batch, info.deferred) == (0, 0, 0, 0)
          and onboard_plugin.queue_status().undelivered == 0,
          "onboard: nothing left in onboarding, every result acknowledged")
check(requests(r" submitStampseudonymBatch \S+ ok") > batches and requests() == single,
      "onboard: sent as batches, no per-pupil request")
check.pgn_free(repr(receipts) + repr(results), "onboard: the receipts and results")

check.pgn_free(repr([{k: v for k, v in r.items() if k != "eckid_pgn"}
                     for rows in env.data.values() for r in rows.values()]),
               "the records apart from the PGN field")
check.pgn_free(repr(env.messages), "all chatter notes")
check(not list(Path(SERVICE_FILE).parent.glob("*.schools.toml")),
      "the schools go to the plugin: nothing is written beside the service file")
check.finish()
