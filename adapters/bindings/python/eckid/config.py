"""The plugin configuration for a host that keeps its per-school settings itself."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from .plugin import EckIdError, Plugin, Status


@dataclass(frozen=True)
class SchoolSettings:
    """One school as the host's settings hold it (README "Configuration", [[school]])."""

    key: str
    oin: str
    sector: str
    chains: list[str] = field(default_factory=list)
    enabled: bool = False
    start_date: Optional[str] = None  # "YYYY-MM-DD"


def _quote(text: str) -> str:
    if re.search(r"[\x00-\x1f\x7f]", text):
        raise EckIdError(Status.E_CONFIG, "an eckid school setting contains a control character")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_school_config(service_file: str | os.PathLike[str],
                        schools: Iterable[SchoolSettings]) -> Path:
    """Writes the administrator's service file ([service], optional [hash] and [state]; no
    [[school]]) plus one [[school]] table per school to "<name>.schools.toml" beside it, so
    relative paths keep resolving; atomically and only when the content changes.

    Returns the path to open. Raises EckIdError(E_CONFIG) for an unreadable service file, a
    malformed start date or an unwritable folder.
    """
    service = Path(service_file)
    try:
        text = service.read_text(encoding="utf-8").rstrip() + "\n"
    except OSError as e:
        raise EckIdError(Status.E_CONFIG, f"cannot read the eckid service file {service}: "
                         f"{e.strerror}; check the path in the settings") from None
    for s in schools:
        text += (f"\n[[school]]\nkey = {_quote(s.key)}\noin = {_quote(s.oin)}\n"
                 f"sector = {_quote(s.sector)}\nchains = [{', '.join(map(_quote, s.chains))}]\n"
                 f"enabled = {'true' if s.enabled else 'false'}\n")
        if s.start_date:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s.start_date):
                raise EckIdError(Status.E_CONFIG,
                                 f"school {s.key}: start date {s.start_date!r} is not YYYY-MM-DD")
            text += f"start_date = {s.start_date}\n"
    path = service.with_name(service.name.removesuffix(".toml") + ".schools.toml")
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
        except OSError as e:
            raise EckIdError(Status.E_CONFIG, f"cannot write {path}: {e.strerror}") from None
    return path


_open: dict[Path, tuple[str, Plugin]] = {}


def plugin_for(service_file: str | os.PathLike[str], schools: Iterable[SchoolSettings]) -> Plugin:
    """A Plugin on write_school_config(service_file, schools), kept open for the process and
    reopened when the composed configuration changes (the replaced handle is closed).

    For hosts whose workers are long-lived processes. Raises EckIdError (E_CONFIG, ...).
    """
    path = write_school_config(service_file, schools)
    text = path.read_text(encoding="utf-8")
    cached = _open.get(path)
    if cached is None or cached[0] != text:
        if cached is not None:
            cached[1].close()
        _open[path] = (text, Plugin(path))
    return _open[path][1]
