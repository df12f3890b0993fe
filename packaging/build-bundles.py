#!/usr/bin/env python3
"""Builds the per-host bundles, each in the form its host's administrator installs, into OUTDIR
(default build/bundles of the project):

- EckId.zip: the RosarioSIS plugin, for its plugin upload (adapters/hosts/rosariosis/bundle.py:
  the plugin, the PHP binding and LICENSE in one folder EckId/; needs cpp);
- eckid_openeducat.zip: the Odoo addon folder eckid_openeducat/ with LICENSE, to unzip into a
  folder of Odoo's addons_path (the Python binding `eckid` is not in it: it is the addon's
  external dependency, adapters/hosts/openeducat/README.md);
- eckid_frappe/: a git repository whose root is the Frappe app, for `bench get-app
  OUTDIR/eckid_frappe` (bench clones a local path as a git repository; it takes no tarball).

    python3 packaging/build-bundles.py [OUTDIR]

Works on a clean clone, without a CMake build; needs git. Existing bundles of these names in
OUTDIR are replaced. Reproducible: both zips' entries and the Frappe repository's commit
carry the time SOURCE_DATE_EPOCH (seconds since 1970) or, without it, the time of the project's
last git commit, and fixed names and modes, so the same sources give the same bytes and commit.
"""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]  # packaging/build-bundles.py
HOSTS = PROJECT / "adapters" / "hosts"
sys.path.insert(0, str(HOSTS / "rosariosis"))
import bundle as rosariosis  # noqa: E402  (the RosarioSIS zip and the zip writer)
ODOO_ADDON = HOSTS / "openeducat" / "eckid_openeducat"
FRAPPE_APP = HOSTS / "frappe" / "eckid_frappe"
AUTHOR = "eckid contributors"
BRANCH = "main"


def source_files(folder: Path) -> list[Path]:
    """The files of a source folder, sorted, without Python's caches (left by the tests)."""
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def build_time() -> int:
    """SOURCE_DATE_EPOCH, else the time of the project's last commit (seconds since 1970)."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    done = subprocess.run(["git", "-C", str(PROJECT), "log", "-1", "--format=%ct"],
                          capture_output=True, text=True)
    if done.returncode != 0 or not done.stdout.strip():
        sys.exit(f"build-bundles: {PROJECT} is no git checkout: set SOURCE_DATE_EPOCH (seconds "
                 "since 1970) to the time the bundles should carry")
    return int(done.stdout)


def odoo_zip(out: Path, when: int) -> None:
    """The addon folder as Odoo finds it in an addons path (odoo/modules/module.py,
    get_module_path: <path>/<module>/__manifest__.py), with the project's LICENSE."""
    entries = {f"{ODOO_ADDON.name}/{p.relative_to(ODOO_ADDON)}": p.read_bytes()
               for p in source_files(ODOO_ADDON)}
    entries[f"{ODOO_ADDON.name}/LICENSE"] = (PROJECT / "LICENSE").read_bytes()
    rosariosis.write_zip(out, entries, when)


def frappe_repository(out: Path, when: int) -> None:
    """A working git repository (bench clones it and reads its checked-out branch) whose root
    holds pyproject.toml and the app package eckid_frappe/, with LICENSE and README.md; one
    commit on the branch main by AUTHOR at `when`, made without the user's git configuration."""
    if out.exists():
        shutil.rmtree(out)
    for path in source_files(FRAPPE_APP):
        target = out / path.relative_to(FRAPPE_APP)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    shutil.copyfile(PROJECT / "LICENSE", out / "LICENSE")
    shutil.copyfile(HOSTS / "frappe" / "README.md", out / "README.md")
    version = tomllib.loads((FRAPPE_APP / "pyproject.toml").read_text())["project"]["version"]
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": AUTHOR, "GIT_AUTHOR_EMAIL": "", "GIT_AUTHOR_DATE": f"{when} +0000",
           "GIT_COMMITTER_NAME": AUTHOR, "GIT_COMMITTER_EMAIL": "",
           "GIT_COMMITTER_DATE": f"{when} +0000"}
    for command in (["init", "--quiet", "--template=", f"--initial-branch={BRANCH}"],
                    ["add", "--all"],
                    ["commit", "--quiet", "--no-verify", "--message",
                     f"eckid_frappe {version}\n\nThe Frappe app of eckid (adapters/hosts/frappe), "
                     "made by packaging/build-bundles.py."]):
        subprocess.run(["git", *command], cwd=out, env=env, check=True)


def main() -> int:
    if len(sys.argv) > 2 or sys.argv[1:2] in (["-h"], ["--help"]):
        sys.exit(__doc__.strip())
    outdir = Path(sys.argv[1]) if len(sys.argv) == 2 else PROJECT / "build" / "bundles"
    outdir.mkdir(parents=True, exist_ok=True)
    when = build_time()
    rosariosis.write_zip(outdir / "EckId.zip", rosariosis.entries(), when)
    odoo_zip(outdir / f"{ODOO_ADDON.name}.zip", when)
    frappe_repository(outdir / FRAPPE_APP.name, when)
    print(f"build-bundles: {outdir}: EckId.zip (RosarioSIS), {ODOO_ADDON.name}.zip (Odoo), "
          f"{FRAPPE_APP.name}/ (Frappe, a git repository)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
