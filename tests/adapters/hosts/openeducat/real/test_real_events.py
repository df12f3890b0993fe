#!/usr/bin/env python3
"""The eckid_openeducat addon inside a real Odoo 17 + OpenEduCat core, driven through its ORM
over XML-RPC: the student events of a school's year (issue 15, "Test in the real host").
Run by with_emulator.py; needs root and ECKID_ODOO_RELEASE
(../shared/hosts/odoo17-openeducat17-min.tar.gz). Exit 77 (skipped) when the machine cannot
run the real host.

Schools are companies (res.company): A (company 1) and B in the fixture's sector, C in
support.OTHER_SECTOR, D not enabled, E on the outage service (nothing listens until the test
starts it). A student's school is its company_id (op.student delegates to res.partner)."""

from __future__ import annotations

import subprocess
import sys
import xmlrpc.client
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # tests/adapters: support.py
import support  # noqa: E402
import eckid_odoo as eo  # noqa: E402
import odoo_site  # noqa: E402

STUDENT = {"first_name": "Anna", "last_name": "de Vries", "name": "Anna de Vries", "gender": "f"}
IDENTITY = r" (retrieveStampseudonym|retrieveEckId|replaceStampseudonym) "


def ref(many2one) -> int | None:
    """The id of a Many2one value read over XML-RPC ([id, name], or False when empty)."""
    return many2one[0] if many2one else None


def state_rows(service: Path, pupil: int) -> int:
    """The rows the plugin keeps for a pupil key in the state database of a service file
    (eckid.db: pupil, pupil_eckid, outbox; plugin/store/schema.hpp), read with SQLite as
    Odoo's user so that no file of the folder changes owner."""
    script = ("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(sum(c.execute("
              "f'SELECT count(*) FROM {t} WHERE pupil_key=?', (sys.argv[2],)).fetchone()[0] "
              "for t in ('pupil', 'pupil_eckid', 'outbox')))")
    out = subprocess.run(["runuser", "-u", odoo_site.USER, "--", odoo_site.PYTHON, "-c", script,
                          str(service.parent / "state" / "eckid.db"), str(pupil)],
                         capture_output=True, text=True, check=True)
    return int(out.stdout)


def main() -> int:
    why = odoo_site.missing_requirements()
    if why:
        print("SKIP: " + why)
        return 77
    check = support.Checks("real Odoo: events")
    P = support.PUPILS
    with eo.Plugged() as p:
        call = p.site.call
        outage_service = eo.eckid_folder(p.root, Path(support.OUTAGE_SERVICE_FILE), "eckid-outage")
        b, c, d, e = call("res.company", "create", [{"name": n} for n in (
            "PO Zuid", "VO Centrum", "PO Dicht", "PO Storing")])
        p.configure(b, "00000001000000000002", support.SECTOR)
        p.configure(c, "00000001000000000003", support.OTHER_SECTOR)
        p.configure(d, "00000001000000000004", support.SECTOR, enabled=False)
        p.configure(e, "00000001000000000005", support.SECTOR, service=outage_service)

        def messages(sid: int) -> str:
            return "\n".join(m["body"] for m in call(
                "mail.message", "search_read", [("model", "=", "op.student"), ("res_id", "=", sid)],
                fields=["body"]))

        # Created, one student.
        s1 = call("op.student", "create", dict(STUDENT, eckid_pgn=P[1]["pgn"], company_id=1))
        got = p.student(s1, "eckid", "eckid_status", "eckid_school_id")
        check(got["eckid"] == support.expected_eckid(P[1]["hpgn"], support.SECTOR)
              and ref(got["eckid_school_id"]) == 1 and not got["eckid_status"],
              "op.student created with a valid BSN: the ECK iD is written, school A")

        # Created, a batch (one create call, a list of vals): two valid PGNs and an invalid one.
        sent = support.requests(r".")
        batch = call("op.student", "create", [
            dict(STUDENT, name=f"Leerling {n}", eckid_pgn=pgn, **company)
            for n, (pgn, company) in enumerate([(P[0]["pgn"], {}), (P[2]["pgn"], {"company_id": 1}),
                                                (support.INVALID_PGN, {"company_id": 1})])])
        s2, s3, bad = batch
        got = call("op.student", "read", batch, fields=["eckid", "eckid_status", "eckid_school_id"])
        check([g["eckid"] for g in got[:2]] == [support.expected_eckid(P[n]["hpgn"], support.SECTOR)
                                                 for n in (0, 2)]
              and [ref(g["eckid_school_id"]) for g in got[:2]] == [1, 1],
              "op.student batch create: each valid student gets its own ECK iD at school A "
              "(the first without a company: the user's company)")
        check(not got[2]["eckid"] and (got[2]["eckid_status"] or "").startswith("E_INVALID_PGN")
              and "No ECK iD yet" in messages(bad),
              "invalid PGN: the student is saved, eckid_status E_INVALID_PGN, a chatter note")
        check(support.requests(r".") - sent == 4,
              "batch create: the requests of the two valid PGNs only (stampseudonym + ECK iD "
              "each), none for the invalid one")

        # Course and batch (op.course, op.batch, op.student.course) at the same school.
        courses = call("op.course", "create", [{"name": "Groep 5", "code": "G5"},
                                               {"name": "Groep 6", "code": "G6"}])
        batches = call("op.batch", "create", [
            {"name": f"Groep {5 + i} 2025", "code": f"G{5 + i}-25", "course_id": course,
             "start_date": "2025-08-01", "end_date": "2026-07-31"}
            for i, course in enumerate(courses)])
        sent, before = support.requests(r"."), p.student(s1, "eckid", "eckid_school_id")
        row = call("op.student.course", "create", {"student_id": s1, "course_id": courses[0],
                                                   "batch_id": batches[0]})
        call("op.student.course", "write", [row], {"course_id": courses[1],
                                                  "batch_id": batches[1]})
        call("op.student", "write", [s1], {"course_detail_ids": [
            (1, row, {"state": "finished"}),
            (0, 0, {"course_id": courses[0], "batch_id": batches[0]})]})
        rows = call("op.student.course", "search_count", [("student_id", "=", s1)])
        check(rows == 2 and p.student(s1, "eckid", "eckid_school_id") == before
              and support.requests(r".") == sent,
              "course and batch changes at the same school: nothing sent, the ECK iD kept")

        # Same-sector move (company A -> B): the ECK iD is kept, no identity request.
        sent = support.requests(IDENTITY)
        call("op.student", "write", [s1], {"company_id": b})
        got = p.student(s1, "eckid", "eckid_school_id", "company_id")
        check(got["eckid"] == support.expected_eckid(P[1]["hpgn"], support.SECTOR)
              and ref(got["eckid_school_id"]) == b and ref(got["company_id"]) == b,
              "move to a school of the same sector: the ECK iD is kept, school B recorded")
        check(support.requests(IDENTITY) == sent, "same-sector move: no identity request sent")

        # Other-sector move (B -> C).
        call("op.student", "write", [s1], {"company_id": c})
        got = p.student(s1, "eckid", "eckid_school_id")
        check(got["eckid"] == support.expected_eckid(P[1]["hpgn"], support.OTHER_SECTOR)
              and ref(got["eckid_school_id"]) == c,
              "move to a school of another sector: that sector's ECK iD, school C recorded")

        # PGN change: the ECK iD stays, replaceStampseudonym sent (spec).
        replaced = support.requests(r" replaceStampseudonym \S+ ok")
        call("op.student", "write", [s2], {"eckid_pgn": support.CORRECTED_BSN})
        got = p.student(s2, "eckid", "eckid_status")
        check(got["eckid"] == support.expected_eckid(P[0]["hpgn"], support.SECTOR)
              and not got["eckid_status"]
              and support.requests(r" replaceStampseudonym \S+ ok") == replaced + 1,
              "PGN changed: the ECK iD is kept, one replaceStampseudonym")

        # A school that is not enabled.
        sent = support.requests(r".")
        s4 = call("op.student", "create", dict(STUDENT, eckid_pgn=P[1]["pgn"], company_id=d))
        got = p.student(s4, "eckid", "eckid_status")
        check(not got["eckid"] and "not enabled" in (got["eckid_status"] or "")
              and "No ECK iD yet" in messages(s4) and "not enabled" not in messages(s4)
              and support.requests(r".") == sent,
              "school not enabled: no ECK iD, nothing sent, 'not enabled' in eckid_status, a "
              "chatter note without the reason")

        # Service down: queued, then delivered by the addon's cron once the service is back.
        cron = call("ir.model.data", "search_read", [
            ("module", "=", "eckid_openeducat"), ("name", "=", "ir_cron_eckid_deliver_results")],
            fields=["res_id"])[0]["res_id"]

        def run_cron() -> None:
            try:
                call("ir.cron", "method_direct_trigger", [cron])
            except xmlrpc.client.Fault as fault:  # the server's cron thread holds its lock
                if "cannot be modified right now" not in fault.faultString:
                    raise

        outage = support.OutageEmulator()
        try:
            s5, gone = call("op.student", "create", [
                dict(STUDENT, eckid_pgn=P[2]["pgn"], company_id=e),
                dict(STUDENT, name="Weg", eckid_pgn=P[0]["pgn"], company_id=e)])
            got = p.student(s5, "eckid", "eckid_status")
            check(not got["eckid"] and (got["eckid_status"] or "").startswith("QUEUED")
                  and "has not answered yet" in messages(s5),
                  "service down: the student is saved, eckid_status QUEUED, a chatter note")
            run_cron()
            check(not p.student(s5, "eckid")["eckid"] and state_rows(outage_service, s5) == 1,
                  "service down: a cron run writes nothing, the event stays in the outbox")

            # unlink: the plugin forgets the students at every school (s1: records at A, B
            # and C after its moves; 'gone': a queued event).
            held = state_rows(p.service, s1), state_rows(outage_service, gone)
            call("op.student", "unlink", [s1, gone])
            check(held[0] >= 3 and held[1] == 1
                  and (state_rows(p.service, s1), state_rows(outage_service, gone)) == (0, 0)
                  and not call("op.student", "search_count", [("id", "in", [s1, gone])]),
                  f"unlink: the students are deleted, the plugin forgets their records at "
                  f"every school and their queued events {held}")

            outage.start()
            expected = support.expected_eckid(P[2]["hpgn"], support.SECTOR)
            check(support.wait_for(lambda: (run_cron(), p.student(s5, "eckid")["eckid"])[1]
                                   == expected, seconds=120, every=2),
                  "service back: the addon's cron (ir.cron) writes the ECK iD")
            got = p.student(s5, "eckid_status", "eckid_school_id")
            check(not got["eckid_status"] and ref(got["eckid_school_id"]) == e
                  and state_rows(outage_service, gone) == 0,
                  "service back: the status cleared, school E recorded, the forgotten event "
                  "never delivered")
        finally:
            outage.stop()

        # A plugin that cannot forget (a school's service file gone) refuses the deletion.
        call("res.company", "write", [d], {"eckid_service_file": str(p.root / "gone.toml")})
        try:
            call("op.student", "unlink", [s4])
            refused = ""
        except xmlrpc.client.Fault as fault:
            refused = fault.faultString
        check("could not forget" in refused and "PO Dicht" in refused
              and call("op.student", "search_count", [("id", "=", s4)]) == 1,
              "unlink when the plugin cannot forget: refused, naming the school, the student kept")
        p.configure(d, "00000001000000000004", support.SECTOR, enabled=False)

        # No PGN in the chatter, the tracked values, eckid_status or Odoo's log.
        students = call("op.student", "search_read", [], fields=["eckid_status"])
        check.pgn_free(repr(call("mail.message", "search_read", [], fields=["body"])),
                       "every chatter message")
        check.pgn_free(repr(call("mail.tracking.value", "search_read", [],
                                 fields=["old_value_char", "new_value_char"])),
                       "every tracked value")
        check.pgn_free(repr(students), "every eckid_status")
        check.pgn_free(p.site.log.read_text(), "Odoo's log")

        # Uninstalling the addon leaves the students.
        module = call("ir.module.module", "search", [("name", "=", "eckid_openeducat")])
        call("ir.module.module", "button_immediate_uninstall", module)
        left = call("op.student", "search_read", [], fields=["name", "company_id"])
        check(sorted(s["id"] for s in left) == sorted(s["id"] for s in students)
              and len(left) == 5 and "eckid" not in call("op.student", "fields_get", [])
              and call("ir.module.module", "read", module, fields=["state"])[0]["state"]
              == "uninstalled",
              "uninstall: the addon and its fields are gone, the 5 students stay")
    check.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
