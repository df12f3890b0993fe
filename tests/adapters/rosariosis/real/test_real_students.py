#!/usr/bin/env python3
"""The EckId plugin inside a real RosarioSIS 11.8.6 (Apache + mod_php 8.2, PostgreSQL 15),
installed and driven as an administrator does it: new students, invalid and corrected BSNs,
onderwijsnummer -> BSN. Run by with_emulator.py (the service); needs root and
ECKID_ROSARIOSIS_RELEASE (../shared/hosts/rosariosis-11.8.6.tar.gz). Exit 77 (skipped) when
the machine cannot run the real host."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/adapters: support.py
import support  # noqa: E402
import eckid_rosario as er  # noqa: E402
import forms  # noqa: E402
import rosario_site  # noqa: E402


def main() -> int:
    why = rosario_site.missing_requirements()
    if why:
        print("SKIP: " + why)
        return 77
    check = support.Checks("real RosarioSIS: students")
    with er.Plugged() as p:
        check("EckId" in forms.text(p.plugins_page), "the plugin is listed after upload and activation")
        check("settings were saved" in forms.text(p.settings_saved_page), "the settings page saves the school's settings")
        pupil = support.PUPILS[1]
        sid, page = er.create_student(p.site, p.admin, "Anna", "de Vries", pupil["pgn"])
        check(p.eckids(sid) == {support.FIXTURE["chain"]: support.expected_eckid(pupil["hpgn"], support.SECTOR)},
              "new student with a valid BSN: the ECK iD is recorded")
    check.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
