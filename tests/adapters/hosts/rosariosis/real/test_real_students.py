#!/usr/bin/env python3
"""The EckId plugin inside a real RosarioSIS 11.8.6 (Apache + mod_php 8.2, PostgreSQL 15),
installed and driven as an administrator does it: new students, invalid and corrected BSNs,
a deleted student forgotten (and its ID given to a new student).
Run by with_emulator.py (the service); needs root and ECKID_ROSARIOSIS_RELEASE
(../shared/hosts/rosariosis-11.8.6.tar.gz). Exit 77 (skipped) when the machine cannot run the
real host."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # tests/adapters: support.py
import support  # noqa: E402
import eckid_rosario as er  # noqa: E402
import forms  # noqa: E402
import rosario_site  # noqa: E402


def edit_student(admin: rosario_site.Browser, student_id: int, **fields: str) -> str:
    """Changes fields (PGN field name -> value) on the student's General Info form and saves
    it, as an administrator does; returns the page after saving."""
    page = admin.get(f"{er.STUDENT_PAGE}&include=General_Info&student_id={student_id}")
    form = forms.form(page, r"Students/Student\.php")
    return admin.post(form.action, form.with_values(
        {f"students[{k}]": v for k, v in fields.items()}))


def plugin_parts(page: str) -> str:
    """What the plugin put on a page: its block on the student's page and the notice boxes."""
    parts = re.findall(r'<div class="eckid">.*?</div>', page, re.S)
    parts += re.findall(r'<div class="(?:error|updated)[^"]*">.*?</div>', page, re.S)
    return forms.text("".join(parts))


def state_bytes(p: er.Plugged) -> bytes:
    """Everything the plugin keeps in its state folder (the SQLite database and its journal)."""
    return b"".join(f.read_bytes() for f in (p.service.parent / "state").rglob("*") if f.is_file())


def delete_student(admin: rosario_site.Browser, student_id: int) -> str:
    """Students > Student Info > Delete, confirmed on RosarioSIS's prompt."""
    prompt = admin.get(f"{er.STUDENT_PAGE}&modfunc=delete&student_id={student_id}")
    confirm = forms.form(prompt, r"delete_ok=1")
    return admin.post(confirm.action, confirm.with_values({}))


def main() -> int:
    why = rosario_site.missing_requirements()
    if why:
        print("SKIP: " + why)
        return 77
    check = support.Checks("real RosarioSIS: students")
    with er.Plugged() as p:
        check("EckId" in forms.text(p.plugins_page), "the plugin is listed after upload and activation")
        check("settings were saved" in forms.text(p.settings_saved_page), "the settings page saves the school's settings")
        elf = [f for f in p.site.www.rglob("*") if f.is_file() and f.read_bytes()[:4] == b"\x7fELF"]
        check(not elf and p.admin.request("plugins/EckId/lib/libeckid.so")[0] == 404,
              "no shared library lies in the web root (libeckid.so is outside it)")
        pupil = support.PUPILS[1]
        sid, page = er.create_student(p.site, p.admin, "Anna", "de Vries", pupil["pgn"])
        anna_eckid = support.expected_eckid(pupil["hpgn"], support.SECTOR)
        check(p.eckids(sid) == {support.FIXTURE["chain"]: anna_eckid},
              "new student with a valid BSN: the ECK iD is recorded")

        # Deleted: forgotten by the plugin; a new student given the same ID is someone else.
        anna = sid
        delete_student(p.admin, anna)
        check(not p.site.postgres.query(f"SELECT 1 FROM students WHERE student_id={anna}"),
              "delete: RosarioSIS deleted the student")
        check(not p.site.postgres.query(f"SELECT 1 FROM eckid_student WHERE student_id={anna} "
                                        f"UNION SELECT 1 FROM eckid_pending WHERE student_id={anna}"),
              "delete: the plugin's rows of the student are gone")
        state = state_bytes(p)
        check(pupil["hpgn"].encode() not in state and anna_eckid.encode() not in state,
              "delete: the plugin's state holds neither the HPgn nor the ECK iD any more")
        other = support.PUPILS[0]
        page = p.admin.get(er.STUDENT_PAGE + "&include=General_Info&student_id=new")
        form = forms.form(page, r"Students/Student\.php")
        p.admin.post(form.action, form.with_values({
            "students[FIRST_NAME]": "Cas", "students[LAST_NAME]": "Nieuw",
            "assign_student_id": str(anna), f"students[{er.PGN_FIELD}]": other["pgn"]}))
        check(p.site.postgres.query(f"SELECT first_name FROM students WHERE student_id={anna}")
              == [["Cas"]], "a new student is given the deleted student's ID")
        check(p.eckids(anna) == {support.FIXTURE["chain"]:
                                 support.expected_eckid(other["hpgn"], support.SECTOR)},
              "the new student with that ID gets their own ECK iD, never the deleted one's")

        # An invalid BSN: the student is saved, the administrator is told why there is no ECK iD.
        before = support.requests()
        sid, saved = er.create_student(p.site, p.admin, "Bram", "Bakker", support.INVALID_PGN)
        check(p.eckids(sid) == {}, "new student with an invalid BSN: saved, no ECK iD")
        said = plugin_parts(saved)
        check("No ECK iD yet" in said and "invalid PGN" in said,
              "the save page says why there is no ECK iD (invalid PGN): " + said[:200])
        shown = plugin_parts(p.admin.get(f"{er.STUDENT_PAGE}&student_id={sid}"))
        check("invalid PGN" in shown, "the student's page says why there is no ECK iD: " + shown[:200])
        pending = p.site.postgres.query(f"SELECT status, message FROM eckid_pending WHERE student_id={sid}")
        check([row[0] for row in pending] == ["invalid_pgn"], "a pending row records why (invalid_pgn)")
        check(support.requests() == before, "an invalid BSN is refused without a request to the service")
        check.pgn_free(said + shown + repr(pending), "what the plugin wrote on the pages and in its table")

        # The administrator corrects the BSN on the student's form: the ECK iD is recorded.
        fixed = edit_student(p.admin, sid, **{er.PGN_FIELD: support.CORRECTED_BSN})
        expected = support.expected_eckid(support.scrypt_hpgn(support.CORRECTED_BSN), support.SECTOR)
        check(p.eckids(sid) == {support.FIXTURE["chain"]: expected},
              "after correcting the BSN on the edit form: the ECK iD is recorded")
        check(not p.site.postgres.query(f"SELECT 1 FROM eckid_pending WHERE student_id={sid}"),
              "the pending row is gone")
        check("invalid PGN" not in plugin_parts(fixed)
              and "invalid PGN" not in plugin_parts(p.admin.get(f"{er.STUDENT_PAGE}&student_id={sid}")),
              "the reason is no longer shown")
        state = state_bytes(p)
        check(not any(pgn.encode() in state for pgn in support.ALL_PGNS),
              "the plugin's state folder holds no PGN")
    check.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
