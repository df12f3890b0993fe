#!/usr/bin/env python3
"""The eckid_frappe app's doc events in the Frappe stand-in (./frappe, NOT a real Frappe: see
frappe/__init__.py for the Frappe code it follows) against nv-emulator, run by
with_emulator.py. Students and Program Enrollments are inserted, saved, submitted, cancelled
and deleted in Frappe's method order, each as one transaction; the ECK iDs written into the
Student must equal the ones derived independently (support.py)."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path[:0] = [str(HERE), str(HERE.parents[1]), str(ROOT / "adapters/bindings/python"),
                str(ROOT / "adapters/hosts/frappe/eckid_frappe")]

import eckid  # noqa: E402
import frappe  # noqa: E402  (the stand-in)
from frappe.model.document import Document  # noqa: E402
from support import (CORRECTED_BSN, INVALID_PGN, OTHER_SECTOR, OUTAGE_SERVICE_FILE,  # noqa: E402
                     PUPILS, SECTOR, SERVICE_FILE, Checks, OutageEmulator, expected_eckid,
                     requests, wait_for)

check = Checks("frappe")
frappe.install_app("eckid_frappe")
# Frappe Education's doctypes (frappe/education, education/education/doctype/*/*.json):
# Student named by the naming series EDU-STU-.YYYY.-, Program Enrollment submittable, named
# EDU-ENR-.YYYY.-.#####, its `student` a Link to Student.
frappe.naming.update({"Student": "EDU-STU-2026-", "Program Enrollment": "EDU-ENR-2026-"})
frappe.submittable.add("Program Enrollment")
frappe.links["Student"] = [("Program Enrollment", "student")]
chain = __import__("support").FIXTURE["chain"]
frappe.store[("ECK iD Settings", "ECK iD Settings")] = {
    "name": "ECK iD Settings", "service_file": SERVICE_FILE, "pgn_field": "eckid_pgn",
    "schools": [frappe._dict(company=c, oin=f"0000000100000000000{i}", sector=s, chains=chain,
                             enabled=e, start_date="2025-08-01")
                for i, (c, s, e) in enumerate([("PO Noord", SECTOR, 1), ("PO Zuid", SECTOR, 1),
                                               ("VO Centrum", OTHER_SECTOR, 1),
                                               ("PO Dicht", SECTOR, 0)], 1)]}


def student(pgn, school):
    return Document("Student", first_name="Test", eckid_pgn=pgn, eckid_school=school).insert()


def stored(name):
    return frappe.store[("Student", name)].get("eckid")


def enrol(name, school, date):
    return Document("Program Enrollment", student=name, program="Groep 5", academic_year="2026-27",
                    enrollment_date=date, eckid_school=school).insert().submit()


def messages():
    text = "\n".join(m.message for m in frappe.message_log)
    frappe.message_log.clear()
    return text


all_messages = ""

# The stand-in's calls, against Frappe's order (frappe/model/document.py Document.insert,
# _save, run_before_save_methods, run_post_save_methods): method and document state as a
# handler sees them.
calls = []


def record(doc, method):
    calls.append((method, doc.is_new(), doc.get_doc_before_save() is not None))


frappe.doc_events["*"] = {m: ["__main__.record"] for m in (
    "before_insert before_validate validate before_save after_insert on_update on_change "
    "before_submit on_submit before_cancel on_cancel").split()}
plain = student("", None)
plain.save()
pe = enrol(plain.name, "PO Noord", "2026-08-20").cancel()
del frappe.doc_events["*"]
insert = [(m, True, False) for m in ("before_insert before_validate validate before_save "
                                     "after_insert on_update on_change").split()]
check(calls == insert + [(m, False, True) for m in ("before_validate", "validate", "before_save",
                                                    "on_update", "on_change")]
      + insert + [(m, False, True) for m in ("before_validate", "validate", "before_submit",
                                             "on_update", "on_submit", "on_change",
                                             "before_cancel", "on_cancel", "on_change")],
      "the stand-in calls handler(doc, method) in Frappe's order, with Frappe's document state")
pe.delete()
frappe.delete_doc("Student", plain.name)

# ECK iD Settings.validate (eckid.check): nothing shown for good settings; a row with a
# 10-character OIN shown with its key, the settings saved all the same.
settings_doctype = __import__("eckid_frappe.eck_id.doctype.eck_id_settings.eck_id_settings",
                              fromlist=["_"]).ECKiDSettings
good = dict(frappe.store[("ECK iD Settings", "ECK iD Settings")])
settings_doctype("ECK iD Settings", **good).validate()
check(not frappe.message_log, "settings check: nothing shown for good settings")
bad_row = frappe._dict(company="PO Fout", oin="0000000100", sector=SECTOR, chains=chain, enabled=1)
settings_doctype("ECK iD Settings", **dict(good, schools=good["schools"] + [bad_row])).validate()
text = messages()
check("FAIL: host settings: school[4].oin:" in text and "'PO Fout'" in text
      and "10 characters" in text, "settings check: the bad OIN shown with its key and school")

# Created.
s1 = student(PUPILS[0]["pgn"], "PO Noord")
po = stored(s1.name)
check(po == expected_eckid(PUPILS[0]["hpgn"], SECTOR), "Student.after_insert: the ECK iD is written")
check(any(w[1] == s1.name and w[2].get("eckid") == po for w in frappe.db.writes),
      "the ECK iD is written with db_set")
enrol(s1.name, "PO Noord", "2026-08-20")  # the first enrolment at the same school: nothing new

# Same-sector transfer: kept, no identity request.
before = requests()
enrol(s1.name, "PO Zuid", "2026-10-01")
check(stored(s1.name) == po and frappe.store[("Student", s1.name)]["eckid_school"] == "PO Zuid",
      "transfer in the same sector: the ECK iD is kept")
check(requests() == before, "transfer in the same sector: no identity request sent")

# Other-sector transfer, then its cancellation: back to the earlier school's ECK iD.
vo_enrolment = enrol(s1.name, "VO Centrum", "2027-01-10")
vo = stored(s1.name)
check(vo == expected_eckid(PUPILS[0]["hpgn"], OTHER_SECTOR) and vo != po,
      "transfer to another sector: the new sector's ECK iD")
vo_enrolment.cancel()
check(stored(s1.name) == po and frappe.store[("Student", s1.name)]["eckid_school"] == "PO Zuid",
      "enrolment cancelled: back to the earlier school and its ECK iD")

# PGN changed.
s2 = student(PUPILS[2]["pgn"], "PO Noord")
on = stored(s2.name)
replaced = requests(r" replaceStampseudonym \S+ ok")
doc = frappe.get_doc("Student", s2.name)
doc.eckid_pgn = CORRECTED_BSN
doc.save()
check(on == expected_eckid(PUPILS[2]["hpgn"], SECTOR) and stored(s2.name) == on,
      "PGN changed: the ECK iD stays")
check(requests(r" replaceStampseudonym \S+ ok") == replaced + 1, "PGN changed: replaceStampseudonym sent")

# Invalid PGN: saved, a clear message, nothing sent; corrected: delivered.
before = requests(r".")
s3 = student(INVALID_PGN, "PO Noord")
text = messages()
all_messages += text
record = frappe.store[("Student", s3.name)]
check(record["eckid_pgn"] == INVALID_PGN and not record.get("eckid")
      and "No ECK iD yet" in text and record["eckid_status"].startswith("E_INVALID_PGN"),
      "invalid PGN: the student is saved, a clear message, the status kept")
check(requests(r".") == before, "invalid PGN: nothing sent")
check.pgn_free(text + record["eckid_status"], "invalid PGN: the message and the status")
doc = frappe.get_doc("Student", s3.name)
doc.eckid_pgn = PUPILS[1]["pgn"]
doc.save()
check(stored(s3.name) == expected_eckid(PUPILS[1]["hpgn"], SECTOR)
      and frappe.store[("Student", s3.name)]["eckid_status"] == "",
      "invalid PGN corrected: the ECK iD is written, the status cleared")

# A disabled school.
before = requests(r".")
s4 = student(PUPILS[1]["pgn"], "PO Dicht")
text = messages()
all_messages += text
check(not stored(s4.name) and "not enabled" in text and requests(r".") == before,
      "disabled school: a 'not enabled' message, nothing sent")

# libeckid.so cannot be loaded (not installed): the hook must not raise, or Frappe rolls the
# save back; the student is saved, the error logged and shown.
nolib = Path(SERVICE_FILE).with_name("nolib.toml")
nolib.write_text(Path(SERVICE_FILE).read_text())
SETTINGS = ("ECK iD Settings", "ECK iD Settings")
frappe.store[SETTINGS]["service_file"], library = str(nolib), os.environ["ECKID_LIBRARY"]
os.environ["ECKID_LIBRARY"] = str(nolib.with_name("missing-libeckid.so"))
try:
    s7 = student(PUPILS[2]["pgn"], "PO Noord")
except OSError:  # raised out of the hook: Frappe rolls the insert back
    s7 = None
finally:
    os.environ["ECKID_LIBRARY"], frappe.store[SETTINGS]["service_file"] = library, SERVICE_FILE
text = messages()
all_messages += text
check(s7 is not None and ("Student", s7.name) in frappe.store and "failed (OSError" in text
      and len(frappe.error_log) == 1, "library missing: the student is saved, the error logged and shown")
check.pgn_free(text + repr(frappe.error_log), "library missing: the message and the error log")
if s7 is not None:
    frappe.delete_doc("Student", s7.name)
frappe.error_log.clear()

# Deleted: forgotten at every school once the deletion is committed; the naming series
# gives the next Student the same name, and it gets its own ECK iD.
events = __import__("eckid_frappe.events", fromlist=["_"])
plugin = eckid.plugin_for(SERVICE_FILE,
                          events._schools(frappe.get_cached_doc("ECK iD Settings")).values())
s6 = student(PUPILS[2]["pgn"], "PO Zuid")
enrolment = enrol(s6.name, "VO Centrum", "2027-02-01")
check(plugin.lookup("VO Centrum", s6.name) is not None, "delete: the pupil is recorded first")
try:
    frappe.delete_doc("Student", s6.name)
    check(False, "delete of a Student with a Program Enrollment is refused")
except frappe.LinkExistsError:
    check(("Student", s6.name) in frappe.store and plugin.lookup("VO Centrum", s6.name),
          "delete refused (linked enrolment): rolled back, nothing forgotten")
enrolment.cancel()
enrolment.delete()


def refuse(doc, method):
    raise frappe.ValidationError("another app's after_delete refuses")


frappe.doc_events["*"] = {"after_delete": ["__main__.refuse"]}  # runs after ours
try:
    frappe.delete_doc("Student", s6.name)
    kept = False
except frappe.ValidationError:
    kept = ("Student", s6.name) in frappe.store and plugin.lookup("VO Centrum", s6.name)
del frappe.doc_events["*"]
check(kept, "delete rolled back by a later after_delete handler: nothing forgotten")
frappe.delete_doc("Student", s6.name)
check(("Student", s6.name) not in frappe.store
      and all(plugin.lookup(s, s6.name) is None for s in ("PO Zuid", "VO Centrum")),
      "Student deleted: forgotten at every school")
s8 = student(PUPILS[1]["pgn"], "VO Centrum")  # a PGN not yet recorded in that sector
check(s8.name == s6.name and stored(s8.name) == expected_eckid(PUPILS[1]["hpgn"], OTHER_SECTOR),
      "the next Student with the same name: its own ECK iD")
all_messages += messages()

# Service down (queued, later delivered): the settings now name a service file whose
# Nummervoorziening does not answer; the event is kept and the scheduler writes the ECK iD
# once the service is back.
settings = frappe.store[("ECK iD Settings", "ECK iD Settings")]
settings["service_file"] = OUTAGE_SERVICE_FILE
outage = OutageEmulator()
try:
    s5 = student(PUPILS[1]["pgn"], "PO Noord")
    text = messages()
    all_messages += text
    record = frappe.store[("Student", s5.name)]
    check(not record.get("eckid") and record["eckid_status"].startswith("QUEUED")
          and "has not answered yet" in text,
          "service down: the student is saved, the event queued, a message")
    plugin = eckid.plugin_for(OUTAGE_SERVICE_FILE,
                             events._schools(frappe.get_cached_doc("ECK iD Settings")).values())
    check(plugin.queue_status().queued == 1, "service down: the event is in the outbox")
    frappe.run_scheduler()
    check(not stored(s5.name) and plugin.queue_status().queued == 1,
          "service down: a scheduler run writes nothing, the event stays queued")
    outage.start()
    expected = expected_eckid(PUPILS[1]["hpgn"], SECTOR)
    check(wait_for(lambda: (frappe.run_scheduler(), stored(s5.name))[1] == expected),
          "service back: the scheduler writes the ECK iD")
    info = plugin.queue_status()
    check(frappe.store[("Student", s5.name)]["eckid_status"] == ""
          and (info.queued, info.failed, info.undelivered) == (0, 0, 0),
          "service back: the status cleared, the outbox empty and acknowledged")
    check(not frappe.error_log, "service down and back: nothing in the error log")
finally:
    outage.stop()

stored_text = repr({k: {f: v for f, v in r.items() if f != "eckid_pgn"}
                    for k, r in frappe.store.items()})
check.pgn_free(stored_text, "the Student records apart from the PGN field")
check.pgn_free(all_messages + messages(), "all messages")
check(not list(Path(SERVICE_FILE).parent.glob("*.schools.toml")),
      "the schools go to the plugin: nothing is written beside the service file")
check.pgn_free(repr(frappe.error_log), "the error log")
check.finish()
