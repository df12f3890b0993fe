#!/usr/bin/env python3
"""Installs eckid_openeducat with openeducat_core into a fresh Odoo 17 database (odoo-bin -i,
as adapters/hosts/openeducat/README.md "Install" tells an administrator) and keeps the
installed site in $ECKID_ODOO_TEMPLATE: CTest's fixture openeducat_site, from which the other
openeducat_real_* tests copy their database instead of installing it again (about 70-110 s
each). Run by with_emulator.py; needs root and ECKID_ODOO_RELEASE. Exit 77 (skipped) when the
machine cannot run the real host."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # tests/adapters: support.py
import support  # noqa: E402
import eckid_odoo as eo  # noqa: E402
import odoo_site  # noqa: E402


def main() -> int:
    why = odoo_site.missing_requirements()
    if why:
        print("SKIP: " + why)
        return 77
    template = Path(os.environ["ECKID_ODOO_TEMPLATE"])
    shutil.rmtree(template, ignore_errors=True)
    check = support.Checks("real Odoo: install")
    with eo.Plugged(fresh=True) as p:
        modules = eo.MODULES.split(",")
        states = p.site.call("ir.module.module", "search_read", [("name", "in", modules)],
                             ["name", "state"])
        check(sorted((m["name"], m["state"]) for m in states)
              == sorted((m, "installed") for m in modules),
              "odoo-bin -i installs openeducat_core and eckid_openeducat")
        if check.failed == 0:
            p.site.save_template(template)
    check.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
