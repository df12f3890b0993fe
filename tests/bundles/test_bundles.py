"""The per-host bundles of packaging/build-bundles.py, built twice into temporary folders, each
checked against what its host's own code takes (read there, not in our bundle command):

- RosarioSIS 11.8.6, modules/School_Setup/includes/Plugins.inc.php: the upload extracts the zip
  and takes its first folder (glob GLOB_ONLYDIR, reset) as the plugin, named by that folder;
  activation needs functions.php and runs install.sql; the settings link needs config.inc.php.
  The plugin's functions.php loads the PHP binding from lib/ (eckid.php, eckid.ffi.h).
- Odoo 17, odoo/modules/module.py: a module is <addons path>/<name>/__manifest__.py
  (get_module_path), read with ast.literal_eval over _DEFAULT_MANIFEST (load_manifest), whose
  defaults we must not get (author 'Odoo S.A.', licence LGPL-3); the version is the series
  "17.0." and x.y or x.y.z (adapt_version); the licence one of ir.module.module.license
  (odoo/addons/base/models/ir_module.py); the data files are read from the module folder.
- bench (github.com/frappe/bench, bench/app.py and bench/utils, commit d728b80): a local path
  is a git working tree (AppMeta._setup_details_from_mounted_disk: git.Repo(path),
  working_tree_dir, active_branch), cloned by App.get as `git clone PATH --branch BRANCH
  --origin upstream` into apps/, a folder named after the path; then get_app_name (the
  pyproject's project.name, else the folder is renamed), install_app (`pip install -e`: the
  pyproject's build backend, PEP 660 build_editable), is_frappe_app (*/hooks.py,
  */modules.txt, */patches.txt), get_current_version (project.version or __version__),
  update_apps_states (`git rev-parse BRANCH`) and, with --resolve-deps, required_apps_from_hooks
  (<path>/<app>/hooks.py, `required_apps = [...]`). Frappe itself is not here (no Debian
  package): the app is built with Debian's flit_core, the backend its pyproject names.

Both builds get the same SOURCE_DATE_EPOCH and must give the same zips and Frappe commit.

    python3 tests/bundles/test_bundles.py PROJECT_DIR
"""

from __future__ import annotations

import ast
import os
import re
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/
from checks import check, run, summary  # noqa: E402

DEBIAN_PYTHON = "/usr/bin/python3"  # with Debian's flit (packaging/install-deps.sh)
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
ODOO_LICENCES = {"GPL-2", "GPL-2 or any later version", "GPL-3", "GPL-3 or any later version",
                 "AGPL-3", "LGPL-3", "Other OSI approved licence", "OEEL-1", "OPL-1",
                 "Other proprietary"}


def top_folders(names: list[str]) -> set[str]:
    return {name.split("/")[0] for name in names}


def check_rosariosis(zip_path: Path, licence: bytes) -> None:
    with zipfile.ZipFile(zip_path) as zip_file:
        names = zip_file.namelist()
        check(top_folders(names) == {"EckId"},
              f"RosarioSIS zip: top folders {sorted(top_folders(names))}, EckId alone")
        for entry in ("functions.php", "config.inc.php", "install.sql", "lib/eckid.php",
                      "lib/eckid.ffi.h", "LICENSE"):
            check(f"EckId/{entry}" in names, f"RosarioSIS zip has EckId/{entry}")
        if "EckId/LICENSE" in names:
            check(zip_file.read("EckId/LICENSE") == licence,
                  "RosarioSIS zip: LICENSE is the project's")


def check_odoo(zip_path: Path, licence: bytes, tmp: Path) -> None:
    with zipfile.ZipFile(zip_path) as zip_file:
        names = zip_file.namelist()
        check(top_folders(names) == {"eckid_openeducat"},
              f"Odoo zip: top folders {sorted(top_folders(names))}, eckid_openeducat alone")
        zip_file.extractall(tmp / "addons")
    addon = tmp / "addons" / "eckid_openeducat"
    check((addon / "__init__.py").is_file(), "Odoo addon: __init__.py (a Python package)")
    check((addon / "LICENSE").is_file() and (addon / "LICENSE").read_bytes() == licence,
          "Odoo addon: LICENSE is the project's")
    try:
        manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
    except (OSError, ValueError, SyntaxError) as e:
        check(False, f"Odoo addon: __manifest__.py parses with ast.literal_eval ({e})")
        return
    check(bool(manifest.get("name")), "Odoo manifest: name")
    check(manifest.get("author") not in (None, "", "Odoo S.A."), "Odoo manifest: our author, "
          f"not Odoo's default ({manifest.get('author')!r})")
    check(manifest.get("license") in ODOO_LICENCES,
          f"Odoo manifest: licence {manifest.get('license')!r} is in Odoo's list")
    version = str(manifest.get("version", ""))
    check(version.startswith("17.0.") and
          re.fullmatch(r"[0-9]+\.[0-9]+(?:\.[0-9]+)?", version[len("17.0."):]) is not None,
          f"Odoo manifest: version {version!r} is 17.0.x.y[.z]")
    check(manifest.get("installable", True) is True, "Odoo manifest: installable")
    check("openeducat_core" in manifest.get("depends", []),
          "Odoo manifest: depends on openeducat_core")
    check(manifest.get("external_dependencies", {}).get("python") == ["eckid"],
          "Odoo manifest: the Python binding eckid is an external dependency")
    for data in manifest.get("data", []) + manifest.get("images", []):
        check((addon / data).is_file(), f"Odoo addon has {data} (manifest)")


def check_frappe(repo: Path, licence: bytes, tmp: Path) -> None:
    branch = run(["git", "symbolic-ref", "--short", "HEAD"], cwd=repo).stdout.strip()
    check(bool(branch), f"Frappe repository: a checked-out branch ({branch!r})")
    bare = run(["git", "rev-parse", "--is-bare-repository"], cwd=repo).stdout.strip()
    check(bare == "false", "Frappe repository: a working tree, not bare")
    apps = tmp / "apps"
    apps.mkdir()
    cloned = run(["git", "clone", str(repo), "--branch", branch, "--origin", "upstream"],
                 cwd=apps)
    app = apps / repo.name
    check(cloned.returncode == 0 and app.is_dir(),
          f"Frappe: git clone as bench does, into apps/{repo.name}")
    if not app.is_dir():
        return
    pyproject = tomllib.loads((app / "pyproject.toml").read_text())
    check(pyproject["project"]["name"] == app.name,
          f"Frappe: pyproject's project.name {pyproject['project']['name']!r} is the folder's")
    check(bool(pyproject["project"].get("version")), "Frappe: pyproject has project.version")
    for entry in ("hooks.py", "modules.txt", "patches.txt", "__init__.py"):
        check((app / app.name / entry).is_file(), f"Frappe: {app.name}/{entry}")
    check((app / "LICENSE").is_file() and (app / "LICENSE").read_bytes() == licence,
          "Frappe: LICENSE is the project's")
    hooks = (app / app.name / "hooks.py").read_text()
    required = re.search(r"required_apps\s+=\s+(.*)", hooks)
    check(required is not None and isinstance(ast.literal_eval(required[1]), list),
          "Frappe: hooks.py required_apps is a list bench reads")
    check(re.search(rf'^app_name = "{app.name}"$', hooks, re.M) is not None,
          "Frappe: hooks.py app_name")
    check(run(["git", "rev-parse", branch], cwd=app).returncode == 0,
          f"Frappe: git rev-parse {branch} in the clone")
    backend = pyproject["build-system"]["build-backend"]
    check(backend == "flit_core.buildapi", f"Frappe: build backend {backend} (the app template's)")
    wheels = tmp / "wheels"
    wheels.mkdir()
    built = run([DEBIAN_PYTHON, "-c", "import sys, flit_core.buildapi as b; "
                 "print(b.build_editable(sys.argv[1]))", str(wheels)], cwd=app)
    if "No module named 'flit_core'" in built.stderr:
        print(f"{DEBIAN_PYTHON} has no flit_core: run packaging/install-deps.sh (package flit)")
    check(built.returncode == 0, "Frappe: the editable wheel builds (what pip install -e does)")
    if built.returncode == 0:
        with zipfile.ZipFile(wheels / built.stdout.strip()) as wheel:
            metadata = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
            text = wheel.read(metadata).decode()
        check(f"Name: {app.name}\n" in text and
              f"Version: {pyproject['project']['version']}\n" in text,
              "Frappe: the wheel's name and version are the pyproject's")


def main() -> int:
    project = Path(sys.argv[1])
    licence = (project / "LICENSE").read_bytes()
    script = project / "packaging" / "build-bundles.py"
    with tempfile.TemporaryDirectory(prefix="eckid-bundles-") as name:
        tmp = Path(name)
        env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
        for out in ("first", "second"):
            built = run([sys.executable, str(script), str(tmp / out)], env=env)
            check(built.returncode == 0, f"build-bundles.py {out} run")
            if built.returncode != 0:
                return 1
        first, second = tmp / "first", tmp / "second"
        check_rosariosis(first / "EckId.zip", licence)
        check_odoo(first / "eckid_openeducat.zip", licence, tmp)
        check_frappe(first / "eckid_frappe", licence, tmp)
        for bundle in ("EckId.zip", "eckid_openeducat.zip"):
            check((first / bundle).read_bytes() == (second / bundle).read_bytes(),
                  f"{bundle}: the same bytes twice")
        commits = [run(["git", "log", "-1", "--format=%H %ct %an"], cwd=out / "eckid_frappe")
                   .stdout.split(" ", 2) for out in (first, second)]
        check(commits[0] == commits[1],
              f"Frappe repository: the same commit twice ({commits[0][0]})")
        check(commits[0][1] == EPOCH, "Frappe repository: the commit's time is SOURCE_DATE_EPOCH")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
