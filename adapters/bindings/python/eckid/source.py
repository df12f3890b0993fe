"""Where a configuration comes from (eckid_config_source): the administrator's file or TOML
text, a host's own defaults and the schools a host keeps in its own settings; and the check
of such a configuration (eckid_check)."""

from __future__ import annotations

import ctypes
import enum
import os
from dataclasses import dataclass, field
from typing import Iterable, Optional

from . import _abi
from .errors import EckIdError, Status


@dataclass(frozen=True)
class SchoolSettings:
    """One school as a host keeps it in its own settings (eckid_school_settings; the fields of
    a [[school]] table, README "Configuration"), checked by the plugin exactly as if the file
    held them. start_date: "YYYY-MM-DD" or None."""

    key: str
    oin: str
    sector: str
    chains: list[str] = field(default_factory=list)
    enabled: bool = False
    start_date: Optional[str] = None


def _c(text: str, what: str) -> bytes:
    if "\0" in text:
        raise EckIdError(Status.E_INVALID_ARGUMENT, f"{what} contains a NUL character; remove it")
    return text.encode("utf-8")


class Source:
    """An eckid_config_source and the C memory it points to, alive as long as this object."""

    def __init__(self, config_path: str | os.PathLike[str], *, text: Optional[str] = None,
                 defaults: Optional[str] = None,
                 schools: Optional[Iterable[SchoolSettings]] = None) -> None:
        rows = list(schools or ())
        self._keep: list[object] = []
        pointers = (ctypes.POINTER(_abi.eckid_school_settings) * max(len(rows), 1))()
        for i, s in enumerate(rows):
            what = f"school {i + 1} ({s.key!r})"
            chains = (ctypes.c_char_p * max(len(s.chains), 1))(
                *[_c(c, f"{what}: a chain") for c in s.chains])
            settings = _abi.eckid_school_settings(
                _abi.SCHOOL_SETTINGS_VERSION, _c(s.key, f"{what}: the key"),
                _c(s.oin, f"{what}: the OIN"), _c(s.sector, f"{what}: the sector"), chains,
                len(s.chains), 1 if s.enabled else 0,
                _c(s.start_date, f"{what}: the start date") if s.start_date else None)
            self._keep += [chains, settings]
            pointers[i] = ctypes.pointer(settings)
        self._keep.append(pointers)
        self.struct = _abi.eckid_config_source(
            _abi.CONFIG_SOURCE_VERSION, os.fsencode(config_path),
            None if text is None else _c(text, "the configuration text"),
            None if defaults is None else _c(defaults, "the host defaults"), pointers, len(rows))


class Verdict(enum.IntEnum):
    """eckid_verdict: how a check came out."""

    OK = 0
    WARN = 1  # works, but needs attention (an unknown key, a certificate expiring soon)
    FAIL = 2  # keeps the plugin from opening or the service from accepting it


@dataclass(frozen=True)
class CheckFinding:
    """One finding of check() (eckid_check_finding).

    check: what was checked ("config", "certificate", "certificate key", "certificate
    validity", "salt", "salt environment", "state", "state database"). file: the file it is
    about ("host settings" or "host defaults" for what the host passed), or "". line: 1-based,
    0 when none. key: the configuration key as a TOML path ("service.salt_file",
    "school[2].oin"), or "". message: what was found and what to do (never a salt, password,
    key or PGN).
    """

    verdict: Verdict
    check: str
    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return ": ".join(x for x in (self.verdict.name, where, self.key, self.message) if x)


@dataclass(frozen=True)
class CheckSchool:
    """A school of a checked configuration that read without an error (eckid_check_school).
    active: requests may be sent for it today (enabled, start date reached)."""

    key: str
    oin: str
    sector: str
    chains: list[str]
    enabled: bool
    start_date: Optional[str]  # "YYYY-MM-DD" or None
    active: bool


@dataclass(frozen=True)
class CheckReport:
    """What check() found (eckid_check_report): findings in the order checked
    (configuration, certificate, salt), the schools in configuration order."""

    findings: list[CheckFinding]
    schools: list[CheckSchool]
    failures: int  # findings with Verdict.FAIL: the plugin will not open, or the service refuses
    warnings: int  # findings with Verdict.WARN

    @property
    def ok(self) -> bool:
        """Whether nothing keeps the plugin from opening or the service from accepting it."""
        return self.failures == 0


def _text(value: Optional[bytes]) -> str:
    return value.decode("utf-8", "replace") if value is not None else ""


def check(config_path: str | os.PathLike[str], *,
          schools: Optional[Iterable[SchoolSettings]] = None, defaults: Optional[str] = None,
          text: Optional[str] = None,
          library: str | os.PathLike[str] | None = None) -> CheckReport:
    """Checks a configuration without opening the plugin or calling the service (eckid_check):
    every problem of the configuration (file, line, key, what is expected), the client
    certificate and the salt, and lists the schools. For a host's settings page.

    config_path, text, defaults, schools: as for Plugin(). library: see _abi.load().
    A bad configuration is not an exception: see the report's failures. Raises EckIdError
    (E_INVALID_ARGUMENT for a string over its limit, ...), OSError/RuntimeError from loading
    the library. Thread-safe; reads the files the configuration names.
    """
    lib = _abi.load(library)
    source = Source(config_path, text=text, defaults=defaults, schools=schools)
    out = ctypes.POINTER(_abi.eckid_check_report)()
    status = lib.eckid_check(ctypes.byref(source.struct), ctypes.byref(out))
    if status != Status.OK:
        raise EckIdError(status, lib.eckid_last_error().decode("utf-8", "replace"))
    try:
        r = out.contents
        findings = [CheckFinding(Verdict(f.verdict), _text(f.check), _text(f.file), f.line,
                                 _text(f.key), _text(f.message))
                    for f in (r.findings[i].contents for i in range(r.finding_count))]
        schools_ = [CheckSchool(_text(s.key), _text(s.oin), _text(s.sector),
                                [_text(s.chains[c]) for c in range(s.chain_count)],
                                bool(s.enabled), _text(s.start_date) or None, bool(s.active))
                    for s in (r.schools[i].contents for i in range(r.school_count))]
        return CheckReport(findings, schools_, r.failures, r.warnings)
    finally:
        lib.eckid_free(out)
