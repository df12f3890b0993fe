"""A private PostgreSQL 15 cluster for real-host tests: initdb and pg_ctl as the postgres
system user in a folder of the test, a free port on 127.0.0.1 with password logins
(scram-sha-256), trust only on its own socket folder; independent of the machine's own
clusters, stopped by stop(). Needs root (runuser) and Debian's postgresql-15."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
from pathlib import Path
from typing import Optional

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chown(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


class Postgres:
    def __init__(self, root: Path) -> None:
        self.root, self.port = root, free_port()
        self.data, self.socket = root / "data", root / "socket"

    def _as_postgres(self, *command: str) -> subprocess.CompletedProcess:
        return subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True,
                              capture_output=True, text=True)

    def start(self, copy_of: Optional[Path] = None) -> None:
        """initdb and start; or start on a copy of the data folder of a stopped cluster
        (copy_of: what copy_data() kept, with its databases and roles)."""
        self.root.mkdir(mode=0o755)
        self.socket.mkdir()
        chown(self.root, "postgres")
        chown(self.socket, "postgres")
        if copy_of is not None:
            subprocess.run(["cp", "-a", str(copy_of), str(self.data)], check=True)
        else:
            self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                              "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                              "--locale=C.UTF-8")
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l",
                          str(self.root / "server.log"), "-w", "-o",
                          f"-p {self.port} -k {self.socket} -c listen_addresses=127.0.0.1",
                          "start")

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Runs statement as the superuser; returns the rows, '|'-separated, one per line."""
        return self._as_postgres("psql", "-h", str(self.socket), "-p", str(self.port), "-d",
                                 database, "-AtX", "-v", "ON_ERROR_STOP=1", "-c",
                                 statement).stdout

    def rows(self, statement: str, database: str) -> list[list[str]]:
        return [line.split("|") for line in self.sql(statement, database).splitlines() if line]

    def dump(self, database: str, *options: str) -> str:
        """pg_dump of a database (plain SQL)."""
        return self._as_postgres(str(PG_BIN / "pg_dump"), "-h", str(self.socket), "-p",
                                 str(self.port), *options, database).stdout

    def copy_data(self, to: Path) -> None:
        """Stops the cluster and copies its data folder (owner and modes kept) to `to`, for
        start(copy_of=to) of another cluster."""
        self.stop()
        subprocess.run(["cp", "-a", str(self.data), str(to)], check=True)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                              "-w", "stop")
