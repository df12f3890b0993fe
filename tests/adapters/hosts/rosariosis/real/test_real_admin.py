#!/usr/bin/env python3
"""An administrator's mistakes in a real RosarioSIS 11.8.6 never cost a save (issue 14,
items 5, 7, 10): PHP FFI disabled or libeckid.so missing -> the student is saved, no HTTP
500, no second student on a second click, a notice that names the fix; a PGN field that is
not a students column -> refused on the settings page, and a stale one never shows a
database error; Copy School -> the copy starts disabled without the OIN, and a second school
with one OIN is refused; settings-page messages are text, a service file path with a quote
works, the settings survive Rollover. Run by with_emulator.py; exit 77 when the machine
cannot run the real host."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # tests/adapters: support.py
import support  # noqa: E402
import eckid_rosario as er  # noqa: E402
import forms  # noqa: E402
import rosario_site  # noqa: E402

DB_ERROR = "Database SQL error"  # RosarioSIS's db_show_error() page title


def count_students(p: er.Plugged, last: str) -> int:
    return int(p.site.postgres.query(
        f"SELECT count(*) FROM students WHERE last_name='{last}'")[0][0])


def pending(p: er.Plugged, sid: int, school: int = 1) -> list[list[str]]:
    return p.site.postgres.query("SELECT status, message FROM eckid_pending WHERE "
                                 f"student_id={sid} AND school_id={school}")


def broken_library_case(p: er.Plugged, check, name: str, extra: str, fix: str) -> None:
    """Apache restarted with extra; a new student with a valid BSN, then Save again on the
    page the save showed."""
    p.site.apache.restart(extra)
    p.admin.login("admin", "admin")
    page = p.admin.get(er.STUDENT_PAGE + "&include=General_Info&student_id=new")
    form = forms.form(page, r"Students/Student\.php")
    status, body = p.admin.request(form.action, form.with_values({
        "students[FIRST_NAME]": "Ben", "students[LAST_NAME]": name,
        f"students[{er.PGN_FIELD}]": support.PUPILS[1]["pgn"]}))
    check(status == 200 and count_students(p, name) == 1,
          f"{name}: the student is saved, HTTP 200 (got {status})")
    text = forms.text(body)
    check(fix in text and "No ECK iD yet" in text,
          f"{name}: the administrator's notice names the fix ({fix!r})")
    rows = p.site.postgres.query(f"SELECT student_id FROM students WHERE last_name='{name}'")
    sid = int(rows[0][0]) if rows else 0
    check(sid and not p.eckids(sid) and pending(p, sid)[:1] and pending(p, sid)[0][0] == "config",
          f"{name}: no ECK iD, the reason kept for the student's page")
    again = forms.form(body, r"Students/Student\.php") if status == 200 else None
    if again:
        status, _ = p.admin.request(again.action, again.with_values({}))
    check(again is not None and status == 200 and count_students(p, name) == 1,
          f"{name}: Save clicked again on the page shown -> still one student")
    check.pgn_free(" ".join(m for _, m in pending(p, sid)), f"{name}: the reason kept")


def main() -> int:
    why = rosario_site.missing_requirements()
    if why:
        print("SKIP: " + why)
        return 77
    check = support.Checks("real RosarioSIS: an administrator's mistakes")
    with er.Plugged() as p:
        # Item 10: messages are text; a quote in the service file's path.
        page = er.save_settings(p.admin, ECKID_SECTOR="https://example.org/not-a-sector")
        check("http://purl.edustandaard.nl/begrippenkader/<uuid>" in forms.text(page),
              "settings page: a message with <uuid> shows as text")
        quoted = p.service.parent / "school's service.toml"
        shutil.copy(p.service, quoted)
        page = er.save_settings(p.admin, ECKID_CONFIG_PATH=str(quoted))
        stored = p.site.postgres.query("SELECT value FROM program_config WHERE program='eckid' "
                                       "AND title='ECKID_CONFIG_PATH' AND school_id=1")
        check("settings were saved" in forms.text(page) and stored == [[str(quoted)]],
              "settings page: a path with a quote is saved as typed")
        check("no problem found" in forms.text(page),
              "settings page: libeckid's check of the configuration finds no problem")
        # Issue 16: the settings page shows libeckid's check (eckid_check) of the service file.
        broken = p.service.parent / "broken.toml"
        shutil.copy(p.service, broken)
        text = broken.read_text()
        check("deadline_ms = 30000" in text, "the test's service file sets [outbox] deadline_ms")
        broken.write_text(text.replace("deadline_ms = 30000", 'deadline_ms = "soon"'))
        page = forms.text(er.save_settings(p.admin, ECKID_CONFIG_PATH=str(broken)))
        check(re.search(r"broken\.toml:\d+: outbox\.deadline_ms: ", page) is not None
              and "1 problem(s)" in page,
              "settings page: a broken service file is shown with its file, line and key")
        check.pgn_free(page, "settings page with the check")
        er.save_settings(p.admin, ECKID_CONFIG_PATH=str(quoted))
        shown = forms.form_with(er.settings_page(p.admin), "values[ECKID_CONFIG_PATH]")
        check(("values[ECKID_CONFIG_PATH]", str(quoted)) in shown.fields,
              "settings page: the path with a quote is shown as typed")
        sid, _ = er.create_student(p.site, p.admin, "Anna", "Quote", support.PUPILS[1]["pgn"])
        check(p.eckids(sid) == {support.FIXTURE["chain"]: support.expected_eckid(
            support.PUPILS[1]["hpgn"], support.SECTOR)},
              "a service file path with a quote: the ECK iD is recorded")

        # The school's own values are checked by the plugin (eckid_check), not by the page.
        page = er.save_settings(p.admin, ECKID_SECTOR="http://example.org/sector")
        sector = p.site.postgres.query("SELECT value FROM program_config WHERE program='eckid' "
                                       "AND title='ECKID_SECTOR' AND school_id=1")
        check("is not of the form http://purl.edustandaard.nl/begrippenkader/<uuid>"
              in forms.text(page) and sector == [[support.SECTOR]],
              "settings page: a wrong sector is refused with the plugin's own check")

        # Item 5: a PGN field that is not a students column.
        page = er.save_settings(p.admin, ECKID_PGN_FIELD="CUSTOM_999999")
        field = p.site.postgres.query("SELECT value FROM program_config WHERE program='eckid' "
                                      "AND title='ECKID_PGN_FIELD' AND school_id=1")
        check("not a column of the students table" in forms.text(page) and field == [[er.PGN_FIELD]],
              "settings page: a PGN field that is not a students column is refused")
        p.site.postgres.query("UPDATE program_config SET value='CUSTOM_999999' WHERE "
                              "program='eckid' AND title='ECKID_PGN_FIELD'")  # a field deleted later
        page = p.admin.get(er.STUDENT_PAGE + "&include=General_Info&student_id=new")
        form = forms.form(page, r"Students/Student\.php")
        status, body = p.admin.request(form.action, form.with_values({
            "students[FIRST_NAME]": "Cas", "students[LAST_NAME]": "Field",
            f"students[{er.PGN_FIELD}]": support.PUPILS[1]["pgn"]}))
        check(status == 200 and DB_ERROR not in body and count_students(p, "Field") == 1
              and "not a column of the students table" in forms.text(body),
              "a PGN field deleted later: the student is saved, no database error, the fix named")
        p.site.postgres.query("UPDATE program_config SET value='" + er.PGN_FIELD + "' WHERE "
                              "program='eckid' AND title='ECKID_PGN_FIELD'")

        # Item 5: libeckid.so missing, then PHP FFI disabled.
        broken_library_case(p, check, "Nolib", er.apache_settings(p.root / "nowhere" / "libeckid.so"),
                            "libeckid.so is not at")
        broken_library_case(p, check, "Noffi", er.apache_settings(p.library, ffi=False),
                            "ffi.enable")
        p.site.apache.restart(er.apache_settings(p.library))
        p.admin.login("admin", "admin")

        # Item 7: Copy School.
        page = p.admin.get("Modules.php?modname=School_Setup/CopySchool.php")
        form = forms.form(page, r"CopySchool\.php")
        p.admin.post(form.action, form.with_values({"title": "Copied School"}))
        copy = int(p.site.postgres.query("SELECT max(id) FROM schools")[0][0])
        copied = dict(p.site.postgres.query(  # RosarioSIS stores '' as NULL
            "SELECT title, coalesce(value, '') FROM program_config WHERE "
            f"program='eckid' AND school_id={copy}"))
        check(copy != 1 and copied.get("ECKID_ENABLED") == "" and copied.get("ECKID_OIN") == ""
              and copied.get("ECKID_SECTOR") == support.SECTOR,
              "Copy School: the copy's settings start disabled and without the OIN")
        er.switch_school(p.admin, copy)
        page = er.save_settings(p.admin, ECKID_ENABLED="Y", ECKID_OIN=p.OIN_A)
        check("already has this OIN" in forms.text(page) and p.site.postgres.query(
            f"SELECT coalesce(value, '') = '' FROM program_config WHERE program='eckid' "
            f"AND school_id={copy} AND title='ECKID_OIN'") == [["t"]],
              "a second school with the same OIN is refused")
        page = er.save_settings(p.admin, ECKID_ENABLED="Y", ECKID_OIN="00000001234567890002")
        check("settings were saved" in forms.text(page), "the copy saves its own OIN")
        er.switch_school(p.admin, 1)

        # Item 10: the settings survive Rollover (School Configuration rolled).
        syear = int(p.site.postgres.query("SELECT syear FROM schools WHERE id=1")[0][0])
        page = p.admin.get("Modules.php?modname=School_Setup/Rollover.php")
        form = forms.form(page, r"Rollover\.php")
        rolled = ("tables[schools]", "tables[program_config]")  # program_config needs schools
        p.admin.post(form.action, [(k, v) for k, v in form.fields
                                   if not k.startswith("tables[") or k in rolled])
        def settings(year: int) -> list[list[str]]:
            return p.site.postgres.query(
                "SELECT school_id, title, value FROM program_config WHERE program='eckid' "
                f"AND syear={year} ORDER BY school_id, title")
        check(settings(syear) and settings(syear + 1) == settings(syear),
              "Rollover: every school's settings are in the next school year")
    check.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
