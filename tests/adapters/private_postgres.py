"""A private PostgreSQL 15 cluster for tests: initdb and pg_ctl in a folder of the test (as the
postgres system user through runuser when run as root, else as the current user), a free port
on 127.0.0.1 with password logins (scram-sha-256), trust only on its own socket folder;
independent of the machine's own clusters, stopped by stop(). Needs Debian's postgresql-15.

The real-host tests use the class Postgres. The plugin's state tests (tests/events,
tests/integration/pg_*_test.cpp through tests/support/private_postgres.hpp; issue 18) use the
command line, which keeps one cluster per folder DIR:

  private_postgres.py start DIR [--no-fsync]
                                    a fresh cluster (an earlier one in DIR is stopped and
                                    removed) with a role eckid (LOGIN, a random password) owning
                                    a database eckid; writes DIR/url
                                    ("postgresql://eckid@127.0.0.1:PORT/eckid") and
                                    DIR/password (the password's line, mode 0600); prints the url.
                                    --no-fsync: fsync off, for tests that need no crash safety
                                    (faster commits); not for measuring (tests/bench)
  private_postgres.py stop DIR      stops it (fast shutdown: sessions end); keeps its files
  private_postgres.py restart DIR [--down SECONDS]
                                    stops it if it runs, waits SECONDS (default 0), starts it
                                    again on the same data and port
  private_postgres.py sql DIR [--database NAME]
                                    runs the SQL on its standard input as the superuser in
                                    database NAME (default eckid); prints the rows, columns
                                    '|'-separated, one per line
  private_postgres.py status DIR    prints "running on 127.0.0.1:PORT" (exit 0) or "stopped"
                                    (exit 3)
  private_postgres.py remove DIR    stops it and removes its files; DIR keeps the server's log
                                    (DIR/server.log)

The cluster's files are in DIR/cluster, or, when the postgres user cannot reach DIR (a parent
folder closed to others), in a folder under the system's temp folder that DIR/cluster links to.
start exits 77 (SKIPPED, the tests' SKIP_RETURN_CODE) when postgresql-15 is not installed.
Nothing secret is printed or on a command line: the password goes to psql on its standard
input, and so does the SQL of `sql`."""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

PG_BIN = Path("/usr/lib/postgresql/15/bin")
OWNER = "postgres"  # the system user that runs the cluster when we are root
SKIPPED = 77
# Each plugin handle holds one connection; parallel tests open many (PostgreSQL's default: 100).
MAX_CONNECTIONS = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chown(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def as_root() -> bool:
    return os.geteuid() == 0


class Postgres:
    def __init__(self, root: Path, port: Optional[int] = None) -> None:
        self.root, self.port = root, port or free_port()
        self.data, self.socket = root / "data", root / "socket"

    def _as_postgres(self, *command: str, stdin: Optional[str] = None
                     ) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", OWNER, "--"] if as_root() else []
        return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True,
                              input=stdin)

    def start(self, copy_of: Optional[Path] = None, fsync: bool = True) -> None:
        """initdb and start; or start on a copy of the data folder of a stopped cluster
        (copy_of: what copy_data() kept, with its databases and roles). fsync=False: a new
        cluster that never flushes to disk (initdb --no-sync, fsync = off in its
        postgresql.conf, so a restart keeps it)."""
        self.root.mkdir(mode=0o755)
        self.socket.mkdir()
        if as_root():
            chown(self.root, OWNER)
            chown(self.socket, OWNER)
        if copy_of is not None:
            subprocess.run(["cp", "-a", str(copy_of), str(self.data)], check=True)
        else:
            self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                              "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                              "--locale=C.UTF-8", *([] if fsync else ["--no-sync"]))
            if not fsync:
                with open(self.data / "postgresql.conf", "a") as conf:
                    conf.write("fsync = off\n")
        self.resume()

    def resume(self) -> None:
        """Starts the stopped cluster again on its data folder and port; returns once it
        accepts connections."""
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l",
                          str(self.root / "server.log"), "-w", "-o",
                          f"-p {self.port} -k {self.socket} -c listen_addresses=127.0.0.1 "
                          f"-c max_connections={MAX_CONNECTIONS}", "start")

    def running(self) -> bool:
        prefix = ["runuser", "-u", OWNER, "--"] if as_root() else []
        return subprocess.run([*prefix, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"],
                              capture_output=True).returncode == 0

    def sql(self, statement: str, database: str = "postgres", stdin: bool = False) -> str:
        """Runs statement as the superuser; returns the rows, '|'-separated, one per line.
        stdin: the statement goes to psql's standard input, not its command line (which other
        users of the machine can read)."""
        source = ["-f", "-"] if stdin else ["-c", statement]
        return self._as_postgres(str(PG_BIN / "psql"), "-h", str(self.socket), "-p", str(self.port), "-U",
                                 "postgres", "-d", database, "-qAtX", "-v", "ON_ERROR_STOP=1",
                                 *source,
                                 stdin=statement if stdin else None).stdout

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


# The command line: one cluster per folder.

def _cluster(folder: Path) -> Postgres:
    """The cluster that `start` made in folder, on the port of its url."""
    url = folder / "url"
    if not url.exists():
        raise SystemExit(f"{folder} holds no cluster ({url} is missing): run "
                         f"'{Path(__file__).name} start {folder}' first")
    # Resolved: the postgres user may reach the cluster's folder but not DIR (see start()).
    return Postgres((folder / "cluster").resolve(), urlsplit(url.read_text().strip()).port)


def _reachable_by_owner(folder: Path) -> bool:
    if not as_root():
        return True
    return subprocess.run(["runuser", "-u", OWNER, "--", "test", "-x", str(folder)]).returncode == 0


def _remove(folder: Path) -> None:
    cluster = folder / "cluster"
    if cluster.exists():
        Postgres(cluster.resolve()).stop()  # pg_ctl needs the data folder only
        if (cluster / "server.log").exists():
            shutil.copyfile(cluster / "server.log", folder / "server.log")
    if cluster.is_symlink():
        shutil.rmtree(cluster.resolve().parent, ignore_errors=True)
        cluster.unlink()
    elif cluster.exists():
        shutil.rmtree(cluster)
    for name in ("url", "password"):
        (folder / name).unlink(missing_ok=True)


def start(folder: Path, fsync: bool) -> int:
    if not (PG_BIN / "initdb").exists():
        print(f"SKIPPED: {PG_BIN / 'initdb'} is missing; install postgresql-15 "
              "(packaging/install-deps.sh)")
        return SKIPPED
    folder.mkdir(parents=True, exist_ok=True)
    _remove(folder)
    (folder / "server.log").unlink(missing_ok=True)  # an earlier cluster's
    root = folder / "cluster"
    if not _reachable_by_owner(folder):
        outside = Path(tempfile.mkdtemp(prefix="eckid-postgres-"))
        os.chmod(outside, 0o755)
        root.symlink_to(outside / "cluster")
        root = outside / "cluster"
    cluster = Postgres(root)
    cluster.start(fsync=fsync)
    password = secrets.token_hex(24)
    cluster.sql(f"CREATE ROLE eckid LOGIN PASSWORD '{password}';", stdin=True)
    cluster.sql("CREATE DATABASE eckid OWNER eckid")
    url = f"postgresql://eckid@127.0.0.1:{cluster.port}/eckid"
    descriptor = os.open(folder / "password", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as f:
        f.write(password + "\n")
    (folder / "url").write_text(url + "\n")
    print(url)
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="\n\n".join(__doc__.split("\n\n")[1:3]),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command",
                        choices=["start", "stop", "restart", "status", "remove", "sql"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--down", type=float, default=0.0,
                        help="restart: seconds the cluster stays stopped")
    parser.add_argument("--no-fsync", dest="fsync", action="store_false",
                        help="start: fsync off (no crash safety, faster commits)")
    parser.add_argument("--database", default="eckid", help="sql: the database (default eckid)")
    args = parser.parse_args(argv)
    folder = args.folder.absolute()
    try:
        if args.command == "start":
            return start(folder, args.fsync)
        if args.command == "remove":
            _remove(folder)
            return 0
        cluster = _cluster(folder)
        if args.command == "status":
            running = cluster.running()
            print(f"running on 127.0.0.1:{cluster.port}" if running else "stopped")
            return 0 if running else 3
        if args.command == "sql":
            print(cluster.sql(sys.stdin.read(), args.database, stdin=True), end="")
            return 0
        cluster.stop()
        if args.command == "restart":
            time.sleep(args.down)
            cluster.resume()
        return 0
    except subprocess.CalledProcessError as e:
        # The command and its output; never a password (those go through standard input).
        print(f"{' '.join(e.cmd)} failed ({e.returncode}):\n{e.stdout}{e.stderr}",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
