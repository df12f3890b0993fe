"""The EckId plugin in a real RosarioSIS site (rosario_site.Site), set up as an administrator
does it (adapters/hosts/rosariosis/README.md): libeckid.so outside the web root, FFI enabled for
mod_php, the eckid service file readable by the web server, the plugin zip uploaded and
activated on School > Configuration > Plugins, each school's settings saved on the plugin's
settings page; then students created and edited through Students > Student Info's forms."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import forms
from eckid_folder import eckid_folder as eckid_folder_for
import private_postgres
import rosario_site

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[4]
CONFIG_PAGE = "Modules.php?modname=School_Setup/Configuration.php&tab=plugins"
STUDENT_PAGE = "Modules.php?modname=Students/Student.php"
PGN_FIELD = "CUSTOM_200000003"  # "Social Security" in a fresh RosarioSIS


def apache_settings(library: Path, ffi: bool = True) -> str:
    """What the README tells the administrator to add to the site's Apache configuration."""
    return (f"SetEnv ECKID_LIBRARY {library}\n"
            + ("php_admin_value ffi.enable true\n" if ffi else ""))


def eckid_folder(root: Path, service_file: Path, name: str = "eckid") -> Path:
    """The eckid folder for the web server user (README "Install", step 3)."""
    return eckid_folder_for(root, service_file, "www-data", name)


def install_plugin(site: rosario_site.Site, admin: rosario_site.Browser, zip_path: Path) -> str:
    """Uploads the plugin zip and activates it; returns the plugins page after activation."""
    for writable in (site.www / "plugins", site.www / "assets" / "FileUploads"):
        writable.mkdir(exist_ok=True)
        private_postgres.chown(writable, "www-data")
    admin.post(CONFIG_PAGE + "&modfunc=upload", {}, file=("upload", "EckId.zip",
                                                           zip_path.read_bytes()))
    return admin.get(CONFIG_PAGE + "&modfunc=activate&plugin=EckId")


def settings_page(admin: rosario_site.Browser) -> str:
    return admin.get(CONFIG_PAGE + "&modfunc=config&plugin=EckId")


def save_settings(admin: rosario_site.Browser, **values: str) -> str:
    """Fills the current school's settings (ECKID_OIN=..., ECKID_ENABLED="Y" or None) into the
    plugin's settings form and saves it; returns the page after saving."""
    page = settings_page(admin)
    form = forms.form_with(page, "values[ECKID_OIN]")
    overrides = {f"values[{k}]": v for k, v in values.items()}
    return admin.post(CONFIG_PAGE + "&modfunc=config&plugin=EckId",
                      form.with_values(overrides))


def switch_school(admin: rosario_site.Browser, school_id: int) -> None:
    """Chooses the current school in the side menu, as the school select does."""
    page = admin.get("Side.php")
    form = forms.form_with(page, "school")
    admin.post("Side.php?sidefunc=update", form.with_values({"school": str(school_id)}))


def create_student(site: rosario_site.Site, admin: rosario_site.Browser, first: str,
                   last: str, pgn: str = "", start: str = "") -> tuple[int, str]:
    """Adds a student through Students > Add a Student at the current school (enrolment start
    date start, YYYY-MM-DD, default the form's); returns (student id, page after saving)."""
    page = admin.get(STUDENT_PAGE + "&include=General_Info&student_id=new")
    form = forms.form(page, r"Students/Student\.php")
    overrides = {"students[FIRST_NAME]": first, "students[LAST_NAME]": last,
                 f"students[{PGN_FIELD}]": pgn}
    if start:
        y, m, d = start.split("-")
        for part, value in (("year", y), ("month", m), ("day", d)):
            overrides[f"{part}_values[student_enrollment][new][START_DATE]"] = value
    body = admin.post(form.action, form.with_values(overrides))
    rows = site.postgres.query("SELECT student_id FROM students WHERE first_name='"
                               + first.replace("'", "''") + "' AND last_name='"
                               + last.replace("'", "''") + "' ORDER BY student_id DESC")
    if not rows:
        raise RuntimeError("the student was not saved: " + forms.text(body)[:400])
    return int(rows[0][0]), body


class Plugged:
    """A fresh RosarioSIS with the EckId plugin installed and activated, libeckid.so outside
    the web root, an administrator logged in and the Default School (id 1) enabled on the
    test's emulator (OIN_A, the fixture's sector and chain). Use as a context manager; set
    ECKID_KEEP_SITE=1 to keep the site running until Enter (to look at it by hand)."""

    OIN_A = "00000001234567890000"

    def __init__(self, ffi: bool = True) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="eckid-rosariosis-")
        self.root = Path(self.tmp.name)
        self.library = self.root / "lib" / "libeckid.so"
        self.ffi = ffi

    def __enter__(self) -> "Plugged":
        import support
        self.library.parent.mkdir()
        self.library.write_bytes(Path(os.environ["ECKID_LIBRARY"]).read_bytes())
        self.service = eckid_folder(self.root, Path(os.environ["ECKID_TEST_SERVICE"]))
        self.site = rosario_site.Site(self.root, Path(os.environ["ECKID_ROSARIOSIS_RELEASE"]),
                                      apache_settings(self.library, self.ffi))
        try:
            self.site.install()
            self.admin = rosario_site.Browser(self.site.base)
            self.admin.login("admin", "admin")
            bundle = self.root / "EckId.zip"
            subprocess.run([sys.executable, str(PROJECT / "adapters/hosts/rosariosis/bundle.py"),
                            str(bundle)], check=True)
            self.plugins_page = install_plugin(self.site, self.admin, bundle)
            self.settings_saved_page = save_settings(
                self.admin, ECKID_ENABLED="Y", ECKID_OIN=self.OIN_A,
                ECKID_SECTOR=support.SECTOR, ECKID_CHAINS=support.FIXTURE["chain"],
                ECKID_CONFIG_PATH=str(self.service))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def eckids(self, student_id: int, school_id: int = 1) -> dict[str, str]:
        """The plugin's eckid_student rows of a student at a school: chain -> ECK iD."""
        return dict((chain, eckid) for chain, eckid in self.site.postgres.query(
            f"SELECT chain, eckid FROM eckid_student WHERE student_id={int(student_id)} "
            f"AND school_id={int(school_id)}"))

    def deliver(self) -> subprocess.CompletedProcess:
        """The administrator's cron command, as the web server user: the CLI's ffi.enable and
        the library's path as the crontab sets them (adapters/hosts/rosariosis/README.md)."""
        return subprocess.run(
            ["runuser", "-u", "www-data", "--", "env", f"ECKID_LIBRARY={self.library}", "php",
             "-d", "ffi.enable=true", str(self.site.www / "plugins/EckId/deliver.php"),
             "--wait=60"], capture_output=True, text=True, timeout=120, cwd="/")

    def __exit__(self, *exc) -> None:
        try:
            if os.environ.get("ECKID_KEEP_SITE"):
                input(f"site at {self.site.base} ({self.root}); Enter stops it")
            self.site.stop()
            log = self.site.apache.error_log
            if log.exists() and "PHP " in log.read_text():
                print("Apache error log (PHP lines):\n" + "\n".join(
                    line for line in log.read_text().splitlines() if "PHP " in line)[-4000:])
        finally:
            self.tmp.cleanup()
