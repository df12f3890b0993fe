"""The administrator's eckid folder (like /etc/eckid) for a real host's service user, laid out
as the adapters' READMEs tell: the service file of the test's emulator, the client
certificate and its password file readable by the user's group only (never world-readable),
a state folder owned by the user, the folder itself readable by the group only (the host
plugins write nothing beside the service file: a host's schools go to the plugin through
eckid_open_source())."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import tomllib
from pathlib import Path


def eckid_folder(root: Path, service_file: Path, user: str, name: str = "eckid") -> Path:
    """Makes root/name from service_file (and the pki/ beside it) for user; returns the new
    service file's path."""
    folder = root / name
    shutil.copytree(service_file.parent / "pki", folder / "pki")
    service = tomllib.loads(service_file.read_text())["service"]
    text = re.sub(r'directory = "[^"]*"', f'directory = "{folder / "state"}"',
                  service_file.read_text())
    (folder / "service.toml").write_text(text)
    entry = pwd.getpwnam(user)
    (folder / "state").mkdir()
    os.chown(folder / "state", entry.pw_uid, entry.pw_gid)
    os.chmod(folder / "state", 0o700)
    for secret in (service["client_certificate"], service["key_password_file"]):
        os.chown(folder / secret, 0, entry.pw_gid)
        os.chmod(folder / secret, 0o640)
    os.chown(folder, 0, entry.pw_gid)
    os.chmod(folder, 0o750)
    return folder / "service.toml"
