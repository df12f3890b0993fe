#!/usr/bin/env python3
"""The eckid_openeducat addon inside a real Odoo 17 + OpenEduCat core, driven through its ORM
over XML-RPC. Run by with_emulator.py; needs root and ECKID_ODOO_RELEASE
(../shared/hosts/odoo17-openeducat17-min.tar.gz). Exit 77 (skipped) when the machine cannot
run the real host."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/adapters: support.py
import support  # noqa: E402
import eckid_odoo as eo  # noqa: E402
import odoo_site  # noqa: E402


def main() -> int:
    why = odoo_site.missing_requirements()
    if why:
        print("SKIP: " + why)
        return 77
    check = support.Checks("real Odoo: students")
    with eo.Plugged() as p:
        pupil = support.PUPILS[1]
        sid = p.site.call("op.student", "create", {
            "first_name": "Anna", "last_name": "de Vries", "name": "Anna de Vries",
            "gender": "f", "eckid_pgn": pupil["pgn"], "eckid_school_id": 1})
        got = p.student(sid, "eckid", "eckid_status")
        check(got["eckid"] == support.expected_eckid(pupil["hpgn"], support.SECTOR),
              f"op.student created with a valid BSN: the ECK iD is written {got}")
    check.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
