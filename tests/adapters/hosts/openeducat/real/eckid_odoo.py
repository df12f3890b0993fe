"""The eckid_openeducat addon in a real Odoo (odoo_site.Site), set up as an administrator does
it (adapters/hosts/openeducat/README.md): libeckid.so outside the addons path (ECKID_LIBRARY), the
Python binding on Odoo's PYTHONPATH, the eckid service file readable by Odoo's user, the addon
zip of packaging/build-bundles.py unzipped into an addons folder and installed with
openeducat_core, and the first company (school) configured through res.company."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import odoo_site
from eckid_folder import eckid_folder as eckid_folder_for

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[4]
BUILD_BUNDLES = PROJECT / "packaging" / "build-bundles.py"
BINDING = PROJECT / "adapters" / "bindings" / "python"


def eckid_folder(root: Path, service_file: Path, name: str = "eckid") -> Path:
    """The eckid folder for Odoo's user (README "Install")."""
    return eckid_folder_for(root, service_file, odoo_site.USER, name)


MODULES = "openeducat_core,eckid_openeducat"


def template() -> Path | None:
    """The folder test_real_install.py keeps its freshly installed site in
    ($ECKID_ODOO_TEMPLATE, CTest's fixture openeducat_site), or None when there is none."""
    folder = os.environ.get("ECKID_ODOO_TEMPLATE")
    return Path(folder) if folder and (Path(folder) / "pg-data").is_dir() else None


class Plugged:
    """A fresh Odoo + OpenEduCat with eckid_openeducat installed and company 1 enabled on the
    test's emulator (OIN_A, the fixture's sector and chain). The database is a copy of the
    template() when there is one, else made by odoo-bin -i here. fresh=True: always made
    here, and company 1 left as installed (for the template). A context manager; set
    ECKID_KEEP_SITE=1 to keep it running until Enter."""

    OIN_A = "00000001234567890000"

    def __init__(self, fresh: bool = False) -> None:
        self.fresh = fresh
        self.tmp = tempfile.TemporaryDirectory(prefix="eckid-odoo-")
        self.root = Path(self.tmp.name)
        self.library = self.root / "lib" / "libeckid.so"

    def __enter__(self) -> "Plugged":
        import support
        self.library.parent.mkdir()
        self.library.write_bytes(Path(os.environ["ECKID_LIBRARY"]).read_bytes())
        os.chmod(self.root, 0o755)
        self.service = eckid_folder(self.root, Path(os.environ["ECKID_TEST_SERVICE"]))
        subprocess.run([sys.executable, str(BUILD_BUNDLES), str(self.root / "bundles")],
                       check=True)
        with zipfile.ZipFile(self.root / "bundles" / "eckid_openeducat.zip") as addon_zip:
            addon_zip.extractall(self.root / "addons")
        self.site = odoo_site.Site(self.root, Path(os.environ["ECKID_ODOO_RELEASE"]),
                                   [self.root / "addons"], [BINDING],
                                   {"ECKID_LIBRARY": str(self.library)})
        try:
            self.site.install(MODULES, None if self.fresh else template())
            if not self.fresh:
                self.configure(1, self.OIN_A, support.SECTOR)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def configure(self, company: int, oin: str, sector: str, enabled: bool = True,
                  service: Path | None = None) -> None:
        import support
        self.site.call("res.company", "write", [company], {
            "eckid_enabled": enabled, "eckid_oin": oin, "eckid_sector": sector,
            "eckid_chains": support.FIXTURE["chain"],
            "eckid_service_file": str(service or self.service)})

    def student(self, student_id: int, *fields: str) -> dict:
        return self.site.call("op.student", "read", [student_id], fields=list(fields))[0]

    def __exit__(self, *exc) -> None:
        try:
            if os.environ.get("ECKID_KEEP_SITE"):
                input(f"Odoo at http://127.0.0.1:{self.site.port} ({self.root}); Enter stops it")
            self.site.stop()
            log = self.site.log.read_text() if self.site.log.exists() else ""
            problems = [line for line in log.splitlines() if " ERROR " in line or "Traceback" in line]
            if problems:
                print("Odoo log (errors):\n" + "\n".join(problems)[-4000:])
        finally:
            self.tmp.cleanup()
