"""A real Odoo 17 with OpenEduCat core for tests: the reduced release from ../shared/hosts
(read its README.md), on a private PostgreSQL 15 cluster with a role of its own (Odoo refuses
the postgres role), run by Debian's python3 with Debian's packages, as the unprivileged
system user nobody (as a service user would, never root), on a free port of 127.0.0.1, and
driven through XML-RPC like any external client. Everything lives in one folder and is
stopped by Site.stop().
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import time
import urllib.request
import xmlrpc.client
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # tests/adapters
import private_postgres  # noqa: E402

PYTHON = "/usr/bin/python3"  # Debian's, with the packages install-deps.sh installs
USER = "nobody"
DB_ROLE, DB_PASSWORD, DB_NAME = "odoo", "odoo-test-password", "school"
ADMIN = ("admin", "admin")  # a database created with -i has admin/admin


def missing_requirements() -> Optional[str]:
    """Why this machine cannot run a real Odoo, or None."""
    if os.geteuid() != 0:
        return "needs root (the cluster runs as postgres, Odoo as nobody)"
    if not (private_postgres.PG_BIN / "initdb").exists():
        return "postgresql-15 is missing: run packaging/install-deps.sh"
    probe = subprocess.run([PYTHON, "-c", "import PyPDF2, lxml, psycopg2, werkzeug, babel"],
                           capture_output=True)
    if probe.returncode != 0:
        return f"Odoo's Python packages are missing for {PYTHON}: run packaging/install-deps.sh"
    return None


class Site:
    """Odoo + openeducat_core + the given addon folders, installed into a fresh database."""

    def __init__(self, root: Path, release: Path, addon_paths: list[Path],
                 python_path: list[Path], env: Optional[dict] = None) -> None:
        self.root, self.release = root, release
        self.addon_paths, self.python_path = addon_paths, python_path
        self.env = env or {}
        self.postgres = private_postgres.Postgres(root / "pg")
        self.port = private_postgres.free_port()
        self.log = root / "odoo.log"
        self.server: Optional[subprocess.Popen] = None
        self.uid = 0

    def _command(self, *extra: str) -> list[str]:
        tree = self.root / "odoo"
        addons = [tree / "odoo17/odoo/addons", tree / "stubs", tree / "addons", *self.addon_paths]
        return ["runuser", "-u", USER, "--", "env",
                "PYTHONPATH=" + ":".join(map(str, self.python_path)),
                *[f"{k}={v}" for k, v in self.env.items()],
                PYTHON, str(tree / "odoo17/odoo-bin"),
                "--addons-path=" + ",".join(map(str, addons)),
                "--db_host=127.0.0.1", f"--db_port={self.postgres.port}",
                f"--db_user={DB_ROLE}", f"--db_password={DB_PASSWORD}", "-d", DB_NAME,
                f"--data-dir={self.root / 'data'}", "--log-level=warn", *extra]

    def install(self, modules: str, template: Optional[Path] = None) -> None:
        """Unpacks the release, starts the cluster, creates the database with modules
        (comma-separated) and no demo data (odoo-bin -i, about 70-110 s), then starts the
        server. With a template (what save_template() kept of such an install of the same
        modules) the cluster and Odoo's data folder are copies of it instead: the same
        freshly installed database in a few seconds."""
        os.chmod(self.root, 0o755)
        (self.root / "odoo").mkdir()
        with tarfile.open(self.release) as tar:
            top = tar.getnames()[0].split("/")[0]
            tar.extractall(self.root / "odoo", filter="tar")
        for child in (self.root / "odoo" / top).iterdir():
            child.rename(self.root / "odoo" / child.name)
        if template is not None:
            subprocess.run(["cp", "-a", str(template / "data"), str(self.root / "data")],
                           check=True)
            self.postgres.start(copy_of=template / "pg-data")
        else:
            (self.root / "data").mkdir()
            private_postgres.chown(self.root / "data", USER)
            self.postgres.start()
            self.postgres.sql(f"CREATE USER {DB_ROLE} WITH CREATEDB PASSWORD '{DB_PASSWORD}'")
            self.run("-i", modules, "--without-demo=all", "--stop-after-init")
        self.start()

    def save_template(self, folder: Path) -> None:
        """Stops the site and keeps its database cluster and Odoo's data folder (the
        filestore) in folder, for install(template=folder) of other sites."""
        self.stop()
        folder.mkdir()
        self.postgres.copy_data(folder / "pg-data")
        subprocess.run(["cp", "-a", str(self.root / "data"), str(folder / "data")], check=True)

    def run(self, *extra: str) -> None:
        """One odoo-bin run that stops by itself (e.g. an install or upgrade)."""
        with open(self.log, "a") as log:
            done = subprocess.run(self._command(*extra), stdout=log, stderr=subprocess.STDOUT,
                                  timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"odoo-bin {' '.join(extra)} failed; see {self.log}")

    def start(self) -> None:
        log = open(self.log, "a")
        self.server = subprocess.Popen(
            self._command("--http-interface=127.0.0.1", f"--http-port={self.port}",
                          "--no-database-list", "--max-cron-threads=1"),
            stdout=log, stderr=subprocess.STDOUT)
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/web/login", timeout=2)
                break
            except OSError:
                if self.server.poll() is not None:
                    raise RuntimeError(f"Odoo stopped; see {self.log}")
                time.sleep(0.1)
        self.uid = self.login(*ADMIN)

    def login(self, user: str, password: str) -> int:
        common = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self.port}/xmlrpc/2/common")
        return common.authenticate(DB_NAME, user, password, {})

    def call(self, model: str, method: str, *args, user: Optional[tuple] = None, **kwargs):
        """model.method(*args, **kwargs) through XML-RPC, as admin or user (uid, password)."""
        uid, password = user or (self.uid, ADMIN[1])
        objects = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self.port}/xmlrpc/2/object",
                                            allow_none=True)
        return objects.execute_kw(DB_NAME, uid, password, model, method, list(args), kwargs)

    def stop(self) -> None:
        try:
            if self.server is not None and self.server.poll() is None:
                self.server.terminate()
                try:
                    self.server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.server.kill()
                    self.server.wait()
        finally:
            self.postgres.stop()
