"""A real RosarioSIS site for tests: the unmodified release from ../shared/hosts, served by
Apache with mod_php 8.2 from a private configuration, on a private PostgreSQL 15 cluster,
both on free ports of 127.0.0.1, installed the way its INSTALL.md tells an administrator
(config.inc.php from the sample, a database and user, InstallDatabase.php), and driven
over HTTP with a session cookie like a browser.

Needs root (Apache drops to www-data, initdb runs as postgres) and the Debian packages of
packaging/install-deps.sh. Everything lives in one folder and is stopped by Site.stop().
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # tests/adapters
import private_postgres  # noqa: E402
from private_postgres import PG_BIN, free_port  # noqa: E402

APACHE_MODULES = Path("/usr/lib/apache2/modules")
DB_USER, DB_PASSWORD, DB_NAME = "rosariosis_user", "rosariosis-test-password", "rosariosis_db"


def missing_requirements() -> Optional[str]:
    """Why this machine cannot run a real site, or None."""
    if os.geteuid() != 0:
        return "needs root (Apache drops to www-data, the cluster runs as postgres)"
    for path in (PG_BIN / "initdb", APACHE_MODULES / "libphp8.2.so", Path("/usr/sbin/apache2")):
        if not path.exists():
            return f"{path} is missing: run packaging/install-deps.sh"
    return None


class Postgres(private_postgres.Postgres):
    """The private cluster with RosarioSIS's database and user (INSTALL.md)."""

    def start(self) -> None:
        super().start()
        self.sql(f"CREATE USER {DB_USER} WITH PASSWORD '{DB_PASSWORD}'")
        self.sql(f"CREATE DATABASE {DB_NAME} WITH ENCODING 'UTF8' OWNER {DB_USER}")

    def query(self, statement: str) -> list[list[str]]:
        """Rows of a query in RosarioSIS's database."""
        return self.rows(statement, DB_NAME)


class Apache:
    """Apache 2.4 with the prefork MPM and mod_php 8.2 from a private configuration file
    (its own port, pid and logs); runs as www-data like Debian's apache2 service."""

    def __init__(self, root: Path, document_root: Path, extra: str = "") -> None:
        self.root, self.document_root, self.port = root, document_root, free_port()
        self.extra = extra
        self.config = root / "apache2.conf"
        self.error_log = root / "error.log"

    def start(self) -> None:
        self.root.mkdir(exist_ok=True)
        modules = "".join(f"LoadModule {name}_module {APACHE_MODULES}/mod_{name}.so\n"
                          for name in ("mpm_prefork", "authz_core", "mime", "dir", "env"))
        self.config.write_text(
            modules + f"LoadModule php_module {APACHE_MODULES}/libphp8.2.so\n"
            f"ServerRoot {self.root}\nListen 127.0.0.1:{self.port}\nServerName 127.0.0.1\n"
            f"PidFile {self.root}/apache.pid\nErrorLog {self.error_log}\nLogLevel warn\n"
            "User www-data\nGroup www-data\nTypesConfig /etc/mime.types\n"
            "StartServers 2\nMaxRequestWorkers 8\n"
            f"DocumentRoot {self.document_root}\n"
            f"<Directory {self.document_root}>\n  Require all granted\n"
            "  DirectoryIndex index.php\n</Directory>\n"
            '<FilesMatch "\\.php$">\n  SetHandler application/x-httpd-php\n</FilesMatch>\n'
            + self.extra)
        subprocess.run(["/usr/sbin/apache2", "-f", str(self.config), "-k", "start"],
                       check=True, env=dict(os.environ, APACHE_RUN_DIR=str(self.root)))
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("Apache did not listen; see " + str(self.error_log))

    def restart(self, extra: str) -> None:
        """Stops, rewrites the configuration with another extra part and starts again."""
        self.stop()
        self.extra = extra
        self.start()

    def stop(self) -> None:
        pid_file = self.root / "apache.pid"
        if not pid_file.exists():
            return
        subprocess.run(["/usr/sbin/apache2", "-f", str(self.config), "-k", "stop"],
                       env=dict(os.environ, APACHE_RUN_DIR=str(self.root)))
        for _ in range(100):
            if not pid_file.exists():
                return
            time.sleep(0.1)


class Browser:
    """An HTTP client with a cookie jar: one administrator's (or parent's) browser."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path: str, form=None, timeout: float = 120,
                file: Optional[tuple[str, str, bytes]] = None) -> tuple[int, str]:
        """GET (form None) or POST (form: a dict or a list of (name, value) pairs; file: one
        (field name, file name, content) sent as multipart/form-data); returns (HTTP status,
        body)."""
        data, headers = None, {}
        if file is not None:
            boundary = "----eckid-test-" + os.urandom(8).hex()
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'
                     f"{v}\r\n".encode() for k, v in (form.items() if isinstance(form, dict)
                                                     else (form or []))]
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file[0]}"; '
                         f'filename="{file[1]}"\r\nContent-Type: application/octet-stream'
                         "\r\n\r\n".encode() + file[2] + b"\r\n")
            data = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = "multipart/form-data; boundary=" + boundary
        elif form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode()
        try:
            request = urllib.request.Request(self.base + path, data, headers)
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")

    def get(self, path: str, **kwargs) -> str:
        status, body = self.request(path, **kwargs)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        return body

    def post(self, path: str, form, **kwargs) -> str:
        status, body = self.request(path, form, **kwargs)
        if status != 200:
            raise RuntimeError(f"POST {path}: HTTP {status}")
        return body

    def login(self, username: str, password: str) -> None:
        self.get("index.php")  # the session cookie
        body = self.post("index.php", {"USERNAME": username, "PASSWORD": password})
        if "Logout" not in body and "index.php?modfunc=logout" not in body:
            raise RuntimeError(f"login as {username} failed")


class Site:
    """RosarioSIS installed in root/www on a private cluster and Apache."""

    def __init__(self, root: Path, release: Path, apache_extra: str = "") -> None:
        self.root, self.release = root, release
        self.www = root / "www"
        self.postgres = Postgres(root / "pg")
        self.apache = Apache(root / "apache", self.www, apache_extra)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.apache.port}/"

    def install(self) -> None:
        """Unpacks the release, writes config.inc.php from the sample (INSTALL.md), creates
        the database and runs InstallDatabase.php over HTTP."""
        os.chmod(self.root, 0o755)
        with tarfile.open(self.release) as tar:
            top = tar.getnames()[0].split("/")[0]
            tar.extractall(self.root, filter="tar")
        (self.root / top).rename(self.www)
        sample = (self.www / "config.inc.sample.php").read_text()
        settings = {"DatabaseServer": "127.0.0.1", "DatabaseUsername": DB_USER,
                    "DatabasePassword": DB_PASSWORD, "DatabaseName": DB_NAME}
        for name, value in settings.items():
            sample, n = re.subn(rf"\${name} = '[^']*';", f"${name} = '{value}';", sample)
            assert n == 1, name
        sample += f"\n$DatabasePort = '{self.postgres.port}';\n"
        (self.www / "config.inc.php").write_text(sample)
        self.postgres.start()
        self.apache.start()
        body = Browser(self.base).get("InstallDatabase.php", timeout=240)
        if "Success" not in body and "success" not in body:
            raise RuntimeError("InstallDatabase.php: " + re.sub(r"<[^>]+>", " ", body)[:500])

    def stop(self) -> None:
        try:
            self.apache.stop()
        finally:
            self.postgres.stop()
