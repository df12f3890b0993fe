#!/usr/bin/env python3
"""What people see of ECK iDs in a real Odoo 17 + OpenEduCat (the sector's display rules,
../shared/spec/nummervoorziening.md, "What the sector asks of the school's system"), and the
backfill of a school's missing ECK iDs. Logged in over XML-RPC as a portal user (a parent), a
teacher, an administrator outside the group and a member of "ECK iD / Manager"; then in the
web client with headless Chromium, whose screenshots go to $ECKID_SCREENSHOTS (./screenshots
when unset; adapters/hosts/openeducat/screenshots holds the README's). Run by with_emulator.py;
needs root and ECKID_ODOO_RELEASE. Exit 77 (skipped) when the machine cannot run the real
host."""

from __future__ import annotations

import os
import sys
import xmlrpc.client
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # tests/adapters: support.py
import support  # noqa: E402
import browser as chromium  # noqa: E402
import eckid_odoo as eo  # noqa: E402
import odoo_site  # noqa: E402

OIN_B = "00000001000000000002"
PRIVATE = {"eckid", "eckid_masked", "eckid_status"}


def main() -> int:
    why = odoo_site.missing_requirements()
    if why:
        print("SKIP: " + why)
        return 77
    shots = Path(os.environ.get("ECKID_SCREENSHOTS") or "screenshots").resolve()
    check = support.Checks("real Odoo: what people see")
    with eo.Plugged() as p:
        site = p.site

        def refused(model, method, *args, user, **kw) -> str:
            """The fault's text when the call is refused, "" when it is not."""
            try:
                site.call(model, method, *args, user=user, **kw)
                return ""
            except xmlrpc.client.Fault as fault:
                return fault.faultString or "refused"

        def group(xmlid):
            module, name = xmlid.split(".")
            found = site.call("ir.model.data", "search_read",
                              [("module", "=", module), ("name", "=", name)], ["res_id"])
            return found[0]["res_id"]

        def user(login, *groups):
            uid = site.call("res.users", "create", {
                "name": login.title(), "login": login, "password": login + "-pw",
                "groups_id": [(6, 0, [group(g) for g in groups])]})
            return uid, login + "-pw"

        parent = user("parent", "base.group_portal")
        # base.group_allow_export: Odoo's export right, which new internal users get by default
        teacher = user("teacher", "openeducat_core.group_op_faculty", "base.group_allow_export")
        sysadmin = user("sysadmin", "base.group_system", "openeducat_core.group_op_faculty")
        manager = user("manager", "openeducat_core.group_op_faculty", "base.group_allow_export",
                       "eckid_openeducat.group_eckid_manager")

        pupil = support.PUPILS[1]
        expected = support.expected_eckid(pupil["hpgn"], support.SECTOR)
        anna = site.call("op.student", "create", {
            "first_name": "Anna", "last_name": "de Vries", "name": "Anna de Vries",
            "gender": "f", "eckid_pgn": pupil["pgn"], "company_id": 1})
        check(p.student(anna, "eckid")["eckid"] == expected, "the student has her ECK iD")
        stored = site.call("op.student", "read", [anna], ["eckid"])  # admin: whole value, API only

        # Nobody outside the group sees it.
        for who, creds in (("a parent (portal)", parent), ("a teacher", teacher)):
            for field in sorted(PRIVATE):
                text = refused("op.student", "read", [anna], [field], user=creds)
                check(text and expected not in text and expected[-6:] not in text,
                      f"{who}: reading {field} is refused")
        check(site.call("op.student", "read", [anna], ["name"], user=teacher)[0]["name"]
              == "Anna de Vries",
              "a teacher reads the student's name (the refusals are the field's)")
        fields = site.call("op.student", "fields_get", [], attributes=["type"], user=teacher)
        check(not PRIVATE & set(fields), "a teacher: the ECK iD fields are not in fields_get")
        arch = site.call("op.student", "get_views", [[False, "form"]],
                         user=teacher)["views"]["form"]["arch"]
        check("eckid_masked" not in arch and 'name="eckid"' not in arch
              and "eckid_status" not in arch,
              "a teacher: the student form has no ECK iD tab nor field")
        export = site.call("op.student", "export_data", [anna], ["name"], user=teacher)
        check(export["datas"] == [["Anna de Vries"]], "a teacher may export (Odoo's export right)")
        text = refused("op.student", "export_data", [anna], ["name", "eckid"], user=teacher)
        check(text and expected not in text, "a teacher: exporting the ECK iD is refused")

        # The group: masked.
        got = site.call("op.student", "read", [anna], ["eckid_masked", "eckid_status"],
                        user=manager)[0]
        check(got["eckid_masked"] == "…" + expected[-6:] and not got["eckid_status"],
              f"ECK iD / Manager: the ECK iD masked to its last 6 characters {got}")
        check(refused("op.student", "read", [anna], ["eckid"], user=manager),
              "ECK iD / Manager: the whole ECK iD is not readable")
        arch = site.call("op.student", "get_views", [[False, "form"]],
                         user=manager)["views"]["form"]["arch"]
        check('name="eckid_masked"' in arch and 'name="eckid"' not in arch,
              "ECK iD / Manager: the form shows the masked field, never the whole one")
        fields = site.call("op.student", "fields_get", [], attributes=["exportable"],
                           user=manager)
        check(fields["eckid_masked"]["exportable"] is False,
              "ECK iD / Manager: the export dialog does not offer the ECK iD")
        for who, creds in (("ECK iD / Manager", manager), ("the administrator", None)):
            for field in ("eckid_masked", "eckid"):
                text = refused("op.student", "export_data", [anna], ["name", field], user=creds)
                check(text and expected not in text, f"{who}: exporting {field} is refused")
        check(stored[0]["eckid"] == expected,
              "the administrator reads the whole ECK iD through the API (for the chain exchange)")

        # Stored apart: an administrator outside the group saves a student (the addon writes as
        # superuser), and the row is in eckid_record, not in op_student.
        bram = site.call("op.student", "create", {
            "first_name": "Bram", "last_name": "Smit", "name": "Bram Smit", "gender": "m",
            "eckid_pgn": support.PUPILS[0]["pgn"], "company_id": 1}, user=sysadmin)
        check(p.student(bram, "eckid")["eckid"]
              == support.expected_eckid(support.PUPILS[0]["hpgn"], support.SECTOR),
              "an administrator outside the group saves a student: the ECK iD is written")
        columns = set(site.postgres.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'op_student'",
            odoo_site.DB_NAME).split())
        rows = site.postgres.sql("SELECT count(*) FROM eckid_record WHERE eckid LIKE 'https://%'",
                                 odoo_site.DB_NAME).strip()
        check(not PRIVATE & columns and rows == "2",
              f"stored apart: eckid_record holds the 2 ECK iDs, op_student has no ECK iD column "
              f"({sorted(c for c in columns if c.startswith('eckid'))})")

        # Error details for the group only.
        carla = site.call("op.student", "create", {
            "first_name": "Carla", "last_name": "Bos", "name": "Carla Bos", "gender": "f",
            "eckid_pgn": support.INVALID_PGN, "company_id": 1})
        status = site.call("op.student", "read", [carla], ["eckid_status"],
                           user=manager)[0]["eckid_status"]
        notes = site.call("mail.message", "search_read",
                          [("model", "=", "op.student"), ("res_id", "=", carla)], ["body"],
                          user=teacher)
        check(status.startswith("E_INVALID_PGN") and notes
              and all("E_INVALID_PGN" not in n["body"] and status not in n["body"] for n in notes)
              and any("No ECK iD yet" in n["body"] for n in notes),
              "an invalid PGN: the reason in the group's status, the teacher's chatter says "
              "only that there is none yet")
        check.pgn_free(status + repr(notes), "the status and the chatter")

        # Backfill: a school whose students were created while it was not enabled.
        onboard_toml = Path(os.environ["ECKID_TEST_SERVICE"]).with_name("backfill.toml")
        onboard_toml.write_text(Path(os.environ["ECKID_TEST_SERVICE"]).read_text()
                                + "\n[onboarding]\npoll_delay_ms = 200\n")
        service_b = eo.eckid_folder(p.root, onboard_toml, "eckid-backfill")
        zuid = site.call("res.company", "create", {"name": "PO Zuid"})
        site.call("res.users", "write", [manager[0]], {"company_ids": [(4, zuid)]})
        p.configure(zuid, OIN_B, support.SECTOR, enabled=False, service=service_b)
        pupils = [support.PUPILS[0], support.PUPILS[2]]
        late = [site.call("op.student", "create", {
            "first_name": f"Leerling{i}", "last_name": "Zuid", "name": f"Leerling{i} Zuid",
            "gender": "m", "eckid_pgn": q["pgn"], "company_id": zuid})
            for i, q in enumerate(pupils)]
        nopgn = site.call("op.student", "create", {
            "first_name": "Zonder", "last_name": "Nummer", "name": "Zonder Nummer",
            "gender": "f", "company_id": zuid})
        check(not any(p.student(s, "eckid")["eckid"] for s in late),
              "school not enabled: its students have no ECK iD")
        p.configure(zuid, OIN_B, support.SECTOR, enabled=True, service=service_b)
        check(bool(refused("res.company", "action_eckid_backfill", [zuid], user=teacher)),
              "a teacher cannot request the missing ECK iDs")
        single, batches = support.requests(), support.requests(r" submitStampseudonymBatch ")
        site.call("res.company", "action_eckid_backfill", [zuid], user=manager)
        note = site.call("res.company", "read", [zuid], ["eckid_backfill_note"],
                         user=manager)[0]["eckid_backfill_note"]
        check("2 students sent, 0 refused, 1 without a PGN" in note, f"backfill: the note {note!r}")
        cron = group("eckid_openeducat.ir_cron_eckid_deliver_results")
        want = {s: support.expected_eckid(q["hpgn"], support.SECTOR) for s, q in zip(late, pupils)}

        def run_cron() -> None:
            try:
                site.call("ir.cron", "method_direct_trigger", [cron])
            except xmlrpc.client.Fault as fault:  # the server's cron thread holds its lock
                if "cannot be modified right now" not in fault.faultString:
                    raise

        def delivered():
            run_cron()
            return {s: p.student(s, "eckid")["eckid"] for s in late} == want

        check(support.wait_for(delivered, 120, 1),
              "backfill: after the cron every student with a PGN has the expected ECK iD")
        check(support.requests(r" submitStampseudonymBatch ") > batches
              and support.requests() == single,
              "backfill: sent as batches (eckid_onboard), no per-pupil request")
        before = support.requests(r".")
        site.call("res.company", "action_eckid_backfill", [zuid], user=manager)
        run_cron()
        note = site.call("res.company", "read", [zuid], ["eckid_backfill_note", "eckid_progress"],
                         user=manager)[0]
        check(support.requests(r".") == before and "nothing to request" in
              note["eckid_backfill_note"] and note["eckid_progress"].startswith("2 of 3"),
              f"backfill repeated: no new request {note}")

        # The web client, as people see it.
        base = f"http://127.0.0.1:{site.port}"
        with chromium.Browser() as b:
            check(chromium.odoo_login(b, base, "manager", "manager-pw"),
                  "web client: ECK iD / Manager logs in")
            check(chromium.open_tab(b, base, "op.student", anna, "ECK iD")
                  and b.wait(f"document.body.innerText.includes({'…' + expected[-6:]!r})", 20),
                  "web client: the student's ECK iD tab shows the masked ECK iD")
            check(expected not in b.evaluate("document.documentElement.outerHTML"),
                  "web client: the whole ECK iD is nowhere in the page")
            b.screenshot(shots / "student-eckid-manager.png")
        with chromium.Browser() as b:
            check(chromium.odoo_login(b, base, "teacher", "teacher-pw")
                  and chromium.open_form(b, base, "op.student", anna) and not b.evaluate(
                      "[...document.querySelectorAll('.o_notebook .nav-link')]"
                      ".some(a => a.textContent.trim() === 'ECK iD')"),
                  "web client: a teacher's student form has no ECK iD tab")
            b.screenshot(shots / "student-teacher.png")
        with chromium.Browser(height=900) as b:
            check(chromium.odoo_login(b, base, "admin", "admin")
                  and chromium.open_tab(b, base, "res.company", zuid, "ECK iD")
                  and b.wait("document.body.innerText.includes('Request missing ECK iDs')", 20),
                  "web client: the company's ECK iD tab with the settings and the request button")
            b.screenshot(shots / "company-eckid.png")
    check.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
