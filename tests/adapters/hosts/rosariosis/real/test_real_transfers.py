#!/usr/bin/env python3
"""Transfers and PGN changes inside a real RosarioSIS 11.8.6, driven through its pages:
- Students > Student Info, Enrollment: the enrolment at school A dropped with a drop code, a
  new enrolment at school B added (two saves, as the page only offers the new row once the
  open one has a drop date);
- School > Rollover, Students, for every student of school A with "Rolling / Retention
  Options" set to another school (NEXT_SCHOOL);
- onderwijsnummer -> BSN on the student's form.
Same sector: the ECK iD is kept and no identity request is sent; other sector: the ECK iD of
that sector (emulator README "ECK iD derivation"). Schools B (same sector) and C (the
emulator's second sector) are made with School > Copy School and get their own settings on
the plugin's page. Run by with_emulator.py; exit 77 when the machine cannot run the host."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # tests/adapters: support.py
import support  # noqa: E402
import eckid_rosario as er  # noqa: E402
import forms  # noqa: E402
import rosario_site  # noqa: E402

IDENTITY = r" (retrieveStampseudonym|retrieveEckId|submit\w*Batch) "
REPLACE = r" replaceStampseudonym "
OIN_A, OIN_B, OIN_C = er.Plugged.OIN_A, "00000001234567890002", "00000001234567890003"
TODAY = datetime.date.today()


def day(offset: int) -> str:
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


def bsn(first8: str) -> str:
    """A BSN passing the 11-check (weights 9..2, then -1) that starts with first8, for pupils
    whose ECK iD is only compared with itself (the published vectors hold three PGNs)."""
    rest = sum(int(d) * w for d, w in zip(first8, range(9, 1, -1))) % 11
    if rest == 10:
        raise ValueError(first8 + ": no check digit")
    return first8 + str(rest)


def date_fields(prefix: str, column: str, date: str) -> dict[str, str]:
    """A RosarioSIS date input's three selects (what AddRequestedDates() reads)."""
    y, m, d = date.split("-")
    return {f"{part}_values[student_enrollment][{prefix}][{column}]": value
            for part, value in (("year", y), ("month", m), ("day", d))}


def copy_school(p: er.Plugged, title: str, oin: str, sector: str) -> int:
    """School > Copy School of the current school (which becomes the copy), then the copy's
    own plugin settings saved on the plugin's page. Returns the new school's id."""
    page = p.admin.get("Modules.php?modname=School_Setup/CopySchool.php")
    form = forms.form(page, r"CopySchool\.php.*delete_ok")
    p.admin.post(form.action, form.with_values({"title": title}))
    school = int(p.site.postgres.query(f"SELECT id FROM schools WHERE title='{title}'")[0][0])
    er.save_settings(p.admin, ECKID_ENABLED="Y", ECKID_OIN=oin, ECKID_SECTOR=sector,
                     ECKID_CHAINS=support.FIXTURE["chain"], ECKID_CONFIG_PATH=str(p.service))
    return school


def student_page(p: er.Plugged, sid: int) -> str:
    return p.admin.get(er.STUDENT_PAGE + f"&student_id={sid}")


def code(p: er.Plugged, kind: str, short: str) -> str:
    return p.site.postgres.query(
        "SELECT id FROM student_enrollment_codes WHERE type='" + kind + "' AND short_name='"
        + short + "' ORDER BY syear LIMIT 1")[0][0]


def enrol_elsewhere(p: er.Plugged, sid: int, school: int, drop: str, start: str) -> str:
    """The Enrollment section of the student's General Info: the open enrolment dropped
    ("Transferred in District"), saved; then the new row the page now offers, at school,
    saved. Returns the page after the second save."""
    open_id = p.site.postgres.query(
        f"SELECT id FROM student_enrollment WHERE student_id={sid} AND end_date IS NULL")[0][0]
    form = forms.form(student_page(p, sid), r"Students/Student\.php")
    dropped = {f"values[student_enrollment][{open_id}][DROP_CODE]": code(p, "Drop", "TRAN"),
               **date_fields(open_id, "END_DATE", drop)}
    p.admin.post(form.action, form.with_values(dropped))
    form = forms.form(student_page(p, sid), r"Students/Student\.php")
    if "values[student_enrollment][new][SCHOOL_ID]" not in form.options:
        raise RuntimeError("the Enrollment section offers no new enrolment after the drop")
    added = {"values[student_enrollment][new][SCHOOL_ID]": str(school),
             "values[student_enrollment][new][ENROLLMENT_CODE]": code(p, "Add", "EMY"),
             **date_fields("new", "START_DATE", start)}
    return p.admin.post(form.action, form.with_values(added))


def new_student(p: er.Plugged, first: str, pgn: str, next_school: int) -> int:
    """Students > Add a Student at the current school, "Rolling / Retention Options" set to
    next_school, the enrolment started ten days ago."""
    page = p.admin.get(er.STUDENT_PAGE + "&include=General_Info&student_id=new")
    form = forms.form(page, r"Students/Student\.php")
    p.admin.post(form.action, form.with_values({
        "students[FIRST_NAME]": first, "students[LAST_NAME]": "Rollover",
        f"students[{er.PGN_FIELD}]": pgn,
        "values[student_enrollment][new][NEXT_SCHOOL]": str(next_school),
        **date_fields("new", "START_DATE", day(-10))}))
    return int(p.site.postgres.query(
        f"SELECT student_id FROM students WHERE first_name='{first}'")[0][0])


def rollover(p: er.Plugged, tables: list[str]) -> str:
    """School > Rollover of the current school, the given tables ticked, confirmed."""
    page = p.admin.get("Modules.php?modname=School_Setup/Rollover.php")
    form = forms.form(page, r"Rollover\.php.*delete_ok")
    fields = [(k, v) for k, v in form.fields if not k.startswith("tables[")]
    return p.admin.post(form.action, fields + [(f"tables[{t}]", "Y") for t in tables])


def main() -> int:
    why = rosario_site.missing_requirements()
    if why:
        print("SKIP: " + why)
        return 77
    check = support.Checks("real RosarioSIS: transfers")
    chain = support.FIXTURE["chain"]
    with er.Plugged() as p:
        b = copy_school(p, "School B", "00000001234567890002", support.SECTOR)
        c = copy_school(p, "School C", "00000001234567890003", support.OTHER_SECTOR)
        er.switch_school(p.admin, 1)

        # Enrollment section: A -> B (same sector), then B -> C (other sector).
        pupil = support.PUPILS[1]
        sid, _ = er.create_student(p.site, p.admin, "Ben", "Mover", pupil["pgn"], start=day(-10))
        at_a = p.eckids(sid, 1)
        check(at_a == {chain: support.expected_eckid(pupil["hpgn"], support.SECTOR)},
              "enrolment transfer: the student has an ECK iD at school A")
        before = support.requests(IDENTITY)
        enrol_elsewhere(p, sid, b, day(-6), day(-5))
        check(p.site.postgres.query(f"SELECT school_id FROM student_enrollment WHERE "
                                    f"student_id={sid} AND end_date IS NULL") == [[str(b)]],
              "enrolment transfer: RosarioSIS has the student at school B")
        check(p.eckids(sid, b) == at_a, "enrolment transfer, same sector: the ECK iD is kept")
        check(support.requests(IDENTITY) == before,
              "enrolment transfer, same sector: no identity request")
        enrol_elsewhere(p, sid, c, day(-3), day(-2))
        check(p.eckids(sid, c) == {chain: support.expected_eckid(pupil["hpgn"], support.OTHER_SECTOR)},
              "enrolment transfer, other sector: the ECK iD of school C's sector")
        check(p.eckids(sid, 1) == at_a, "enrolment transfer, other sector: school A's record stays")

        # Rollover of school A for all its students: two to B (same sector), one to C.
        # (The last one added stays the current student: the others are not.)
        er.switch_school(p.admin, 1)
        pupil = support.PUPILS[0]
        to_c = new_student(p, "Roll0", pupil["pgn"], c)
        to_b = [new_student(p, f"Roll{i}", bsn(first8), b)
                for i, first8 in enumerate(["23456789", "34567890"], start=1)]
        known = {s: p.eckids(s, 1) for s in to_b}
        check(all(known.values()) and p.eckids(to_c, 1),
              "rollover: the students have ECK iDs at school A")
        logged = support.requests(IDENTITY + f"({OIN_A}|{OIN_B})")
        page = rollover(p, ["schools", "student_enrollment_codes", "student_enrollment",
                            "program_config"])
        check("The data have been rolled" in forms.text(page), "rollover: RosarioSIS rolled the data")
        settings = p.site.postgres.query(
            "SELECT syear, school_id, title, value FROM program_config WHERE program='eckid' "
            "ORDER BY school_id, title, syear")
        years = sorted({row[0] for row in settings})
        check(len(years) == 2 and [r[1:] for r in settings if r[0] == years[0]]
              == [r[1:] for r in settings if r[0] == years[1]]
              and {r[1] for r in settings} == {"1", str(b), str(c)},
              "rollover: every school's plugin settings copied to the next school year")
        check(all(p.eckids(s, b) == known[s] for s in to_b),
              "rollover to a school of the same sector: every student keeps the ECK iD")
        check(support.requests(IDENTITY + f"({OIN_A}|{OIN_B})") == logged,
              "rollover to a school of the same sector: no identity request")
        check(p.eckids(to_c, c) == {chain: support.expected_eckid(pupil["hpgn"], support.OTHER_SECTOR)},
              "rollover to a school of another sector: the ECK iD of school C's sector")

        # An enrolment written outside any page (an import's SQL, no hook): the delivery run
        # finds the move and makes it a transfer, not a new pupil.
        er.switch_school(p.admin, 1)
        sid, _ = er.create_student(p.site, p.admin, "Ida", "Import", bsn("45678901"),
                                   start=day(-10))
        known, logged = p.eckids(sid, 1), support.requests(IDENTITY)
        p.site.postgres.query(
            f"UPDATE student_enrollment SET end_date='{day(-2)}' WHERE student_id={sid}; "
            "INSERT INTO student_enrollment (syear, school_id, student_id, grade_id, start_date, "
            "calendar_id, next_school) SELECT syear, " + str(b) + f", student_id, (SELECT id "
            f"FROM school_gradelevels WHERE school_id={b} LIMIT 1), '{day(-1)}', (SELECT "
            f"calendar_id FROM attendance_calendars WHERE school_id={b} LIMIT 1), {b} "
            f"FROM student_enrollment WHERE student_id={sid}")
        run = p.deliver()
        check(run.returncode == 0 and known and p.eckids(sid, b) == known,
              "enrolment written outside a page: the delivery run keeps the ECK iD at school B")
        check(support.requests(IDENTITY) == logged,
              "enrolment written outside a page: no identity request")

        # Onderwijsnummer -> BSN on the student's form: replaceStampseudonym, ECK iD kept.
        onr = support.PUPILS[2]
        sid, _ = er.create_student(p.site, p.admin, "Olga", "Number", onr["pgn"])
        first = p.eckids(sid, 1)
        check(first == {chain: support.expected_eckid(onr["hpgn"], support.SECTOR)},
              "onderwijsnummer: the ECK iD is recorded")
        replaced = support.requests(REPLACE)
        form = forms.form(student_page(p, sid), r"Students/Student\.php")
        p.admin.post(form.action, form.with_values({f"students[{er.PGN_FIELD}]":
                                                    support.CORRECTED_BSN}))
        check(p.site.postgres.query(f"SELECT {er.PGN_FIELD.lower()} FROM students WHERE "
                                    f"student_id={sid}") == [[support.CORRECTED_BSN]],
              "onderwijsnummer -> BSN: RosarioSIS saved the BSN")
        check(p.eckids(sid, 1) == first, "onderwijsnummer -> BSN: the same ECK iD")
        check(support.requests(REPLACE) == replaced + 1,
              "onderwijsnummer -> BSN: one replaceStampseudonym sent")
    check.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
