#!/usr/bin/env python3
"""Who sees what of the ECK iD in a real RosarioSIS 11.8.6 (issue 14 item 9; spec "What the
sector asks of the school's system"): an administrator sees whether a pupil has one, masked
to its last 6 characters, and the reason when not; the parent, the student and a teacher see
nothing of it; the ECK iD is kept only in the plugin's own table. Uses the parent, student
and teacher accounts of a fresh RosarioSIS (rosariosis.sql), given the admin's password and
the parent already associated with the student there. Run
by with_emulator.py; exit 77 when the machine cannot run the real host."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # tests/adapters: support.py
import support  # noqa: E402
import eckid_rosario as er  # noqa: E402
import forms  # noqa: E402
import rosario_site  # noqa: E402
import screenshots  # noqa: E402

STUDENT_ID = 1  # "Student Student", username student, in a fresh RosarioSIS
# Where the README's pictures go: ECKID_SCREENSHOTS (the source tree's
# adapters/hosts/rosariosis/screenshots to refresh them), else screenshots/ in the working folder.
SHOTS = Path(os.environ.get("ECKID_SCREENSHOTS", "screenshots"))


def shoot(check: support.Checks, page: str, base: str, name: str) -> None:
    """A README picture of page; checks that Chromium drew it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    screenshots.take(page, base, SHOTS / name)
    check((SHOTS / name).stat().st_size > 10_000, f"screenshot {name} taken")


def main() -> int:
    why = rosario_site.missing_requirements()
    if why:
        print("SKIP: " + why)
        return 77
    check = support.Checks("real RosarioSIS: who sees the ECK iD")
    with er.Plugged() as p:
        pg = p.site.postgres
        # The administrator gives the default student a BSN on Student Info.
        page = p.admin.get(er.STUDENT_PAGE + f"&include=General_Info&student_id={STUDENT_ID}")
        form = forms.form(page, r"Students/Student\.php")
        p.admin.post(form.action, form.with_values({f"students[{er.PGN_FIELD}]": support.PUPILS[1]["pgn"]}))
        eckid = support.expected_eckid(support.PUPILS[1]["hpgn"], support.SECTOR)
        check(p.eckids(STUDENT_ID) == {support.FIXTURE["chain"]: eckid},
              "the default student's ECK iD is recorded")
        masked = "\u2026" + eckid[-6:]
        admin_page = p.admin.get(er.STUDENT_PAGE + f"&include=General_Info&student_id={STUDENT_ID}")
        check(masked in forms.text(admin_page) and eckid not in admin_page
              and eckid[-12:] not in admin_page,
              "administrator: the ECK iD shown masked to its last 6 characters")
        shoot(check, admin_page, p.site.base, "student-admin.png")
        shoot(check, er.settings_page(p.admin), p.site.base, "settings.png")
        sid, _ = er.create_student(p.site, p.admin, "Ivo", "Invalid", support.INVALID_PGN)
        text = forms.text(p.admin.get(er.STUDENT_PAGE + f"&include=General_Info&student_id={sid}"))
        reason = pg.query(f"SELECT message FROM eckid_pending WHERE student_id={sid}")
        check(reason and "No ECK iD yet" in text and reason[0][0][:40] in text,
              "administrator: no ECK iD, and the reason")
        shoot(check, p.admin.get(er.STUDENT_PAGE + f"&include=General_Info&student_id={sid}"),
              p.site.base, "student-admin-no-eckid.png")

        # Kept apart: in no table but eckid_student (students included).
        dump = pg.dump(rosario_site.DB_NAME, "--data-only", "--exclude-table=eckid_student")
        check("eckid_pending" in dump and eckid.rsplit("/", 1)[-1] not in dump,
              "the ECK iD is in no table but the plugin's eckid_student")

        # Parent, student and teacher: nothing of the ECK iD.
        pg.query("UPDATE staff SET password=(SELECT password FROM staff WHERE username='admin') "
                 "WHERE username IN ('parent','teacher')")
        pg.query("UPDATE students SET password=(SELECT password FROM staff WHERE username='admin') "
                 f"WHERE student_id={STUDENT_ID}")
        # (The parent is associated with the student in rosariosis.sql already.)
        for user in ("parent", "student", "teacher"):
            browser = rosario_site.Browser(p.site.base)
            browser.login(user, "admin")
            status, body = browser.request(er.STUDENT_PAGE + f"&student_id={STUDENT_ID}")
            status2, body2 = browser.request(er.STUDENT_PAGE + "&include=General_Info"
                                             f"&student_id={STUDENT_ID}")
            seen = body + body2
            check(status == 200 and status2 == 200 and "ECK iD" not in seen
                  and eckid[-12:] not in seen and masked not in forms.text(seen),
                  f"{user}: the student's pages show nothing of the ECK iD")
            # The default teacher has no class with the student: RosarioSIS shows them no
            # student page at all (the header hook is for administrators in any case).
            if user != "teacher":
                check(f"Student S Student - {STUDENT_ID}" in forms.text(body2),
                      f"{user}: that page is the student's own")
            if user == "parent":
                shoot(check, body2, p.site.base, "student-parent.png")
    check.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
