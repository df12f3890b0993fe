"""One open plugin per service file for a host that keeps its per-school settings itself."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Iterable, Optional

from .errors import EckIdError, Status
from .plugin import Plugin
from .source import SchoolSettings

__all__ = ["SchoolSettings", "plugin_for"]

_open: dict[Path, tuple[tuple, Plugin]] = {}
_lock = threading.Lock()


def plugin_for(service_file: str | os.PathLike[str], schools: Iterable[SchoolSettings],
               defaults: Optional[str] = None) -> Plugin:
    """A Plugin on the administrator's service file plus the host's schools and defaults
    (Plugin(service_file, schools=..., defaults=...), eckid_open_source), kept open for the
    process and reopened - the replaced handle closed - when the file's content, the schools
    or the defaults change. Nothing is written beside the service file.

    For hosts whose workers are long-lived processes; safe to call from several threads.
    Raises EckIdError: E_CONFIG for an unreadable service file or a configuration the plugin
    refuses (its message names the file or "host settings", the key and what is expected;
    check() lists every problem), others as Plugin().
    """
    path = Path(service_file).resolve()
    rows = [SchoolSettings(s.key, s.oin, s.sector, list(s.chains), bool(s.enabled),
                           s.start_date or None) for s in schools]
    try:
        content = path.read_bytes()
    except OSError as e:
        raise EckIdError(Status.E_CONFIG, f"cannot read the eckid service file {path}: "
                         f"{e.strerror}; check the path in the settings") from None
    fingerprint = (content, tuple((s.key, s.oin, s.sector, tuple(s.chains), s.enabled,
                                   s.start_date) for s in rows), defaults)
    with _lock:
        cached = _open.get(path)
        if cached is None or cached[0] != fingerprint:
            if cached is not None:
                del _open[path]
                cached[1].close()
            _open[path] = (fingerprint, Plugin(path, schools=rows, defaults=defaults))
        return _open[path][1]
