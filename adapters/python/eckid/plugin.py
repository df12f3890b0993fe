"""The eckid plugin through its C ABI: open/close, enrolment events, lookup, ping."""

from __future__ import annotations

import ctypes
import enum
import os
from dataclasses import dataclass
from typing import Callable, Optional

from . import _abi


class Status(enum.IntEnum):
    """eckid_status values of eckid.h (fixed numbers, never reused)."""

    OK = 0
    E_INVALID_ARGUMENT = 1
    E_VERSION = 2
    E_NOMEM = 3
    E_CONFIG = 4
    E_INVALID_PGN = 5
    E_BUFFER_TOO_SMALL = 6
    E_UNKNOWN_SCHOOL = 7
    E_NOT_ENABLED = 8
    E_CRYPTO = 9
    E_INVALID_HANDLE = 10
    E_INTERNAL = 11
    E_SOAP_FAULT = 20
    E_HTTP = 21
    E_TIMEOUT = 22
    E_TLS = 23
    E_CONNECT = 24
    E_NOT_AUTHORISED = 25
    E_SERVICE_DOWN = 26
    E_BAD_RESPONSE = 27
    E_RESPONSE_TOO_LARGE = 28
    E_CREDENTIALS = 29
    E_PUPIL_CONFLICT = 30
    E_NOT_FOUND = 31
    E_STATE = 32
    QUEUED = 33  # not an error: the event is kept in the outbox, its result comes later


class LogLevel(enum.IntEnum):
    """eckid_log_level: DEBUG includes HPgn and ECK iD values, never a PGN."""

    DEBUG = 0
    INFO = 1
    WARN = 2
    ERROR = 3
    OFF = 4


class EckIdError(Exception):
    """A failed plugin call. status: the Status (an int for a value this binding does not
    know); the message is the plugin's eckid_last_error(), which never contains a PGN."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        try:
            self.status: Status | int = Status(status)
        except ValueError:
            self.status = status


@dataclass(frozen=True)
class Result:
    """A pupil's ECK iDs at one school. eckids: chain id -> ECK iD URI, in chain order."""

    school_key: str
    pupil_key: str
    sector: str
    eckids: dict[str, str]

    @property
    def eckid(self) -> str:
        """The ECK iD of the school's first chain (the common one-chain case)."""
        return next(iter(self.eckids.values()))


class _Secret:
    """A PGN in a mutable C buffer that is zeroed on exit (the caller's str stays theirs)."""

    def __init__(self, pgn: str) -> None:
        self.buffer = ctypes.create_string_buffer(pgn.encode("utf-8"))

    def __enter__(self) -> ctypes.Array:
        return self.buffer

    def __exit__(self, *_: object) -> None:
        ctypes.memset(self.buffer, 0, len(self.buffer))


def _c(text: Optional[str]) -> Optional[bytes]:
    return None if text is None else text.encode("utf-8")


class Plugin:
    """One opened plugin configuration (an eckid_plugin handle); a context manager.

    Every method raises EckIdError with the plugin's status and message on failure. Calls on
    one Plugin from several threads at once are safe; close() must be the last call.
    """

    def __init__(self, config_path: str | os.PathLike[str], *,
                 library: str | os.PathLike[str] | None = None,
                 log: Callable[[LogLevel, str], None] | None = None,
                 log_level: LogLevel = LogLevel.INFO) -> None:
        """Opens the plugin (eckid_open).

        config_path: the plugin's TOML configuration. library: see _abi.load().
        log: called with (level, line) for each log line, possibly from plugin threads; it
        must not call the plugin. Raises EckIdError (E_CONFIG, E_CREDENTIALS, ...).
        """
        self._lib = _abi.load(library)
        options = _abi.eckid_open_options()
        self._check(self._lib.eckid_open_options_init(ctypes.byref(options),
                                                      _abi.OPEN_OPTIONS_VERSION))
        self._log = None
        if log is not None:
            self._log = _abi.LOG_FN(lambda level, message, _: log(LogLevel(level),
                                                                  message.decode("utf-8", "replace")))
            options.log = self._log
        options.log_level = log_level
        handle = ctypes.c_void_p()
        self._check(self._lib.eckid_open(ctypes.byref(handle), os.fsencode(config_path),
                                         ctypes.byref(options)))
        self._handle: Optional[ctypes.c_void_p] = handle

    def __enter__(self) -> "Plugin":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is not None:
            self.close()

    def close(self) -> None:
        """Closes the handle (eckid_close). Idempotent; later calls raise E_INVALID_HANDLE."""
        if self._handle is not None:
            self._lib.eckid_close(self._handle)
            self._handle = None

    @property
    def version(self) -> str:
        """The library version, "MAJOR.MINOR.PATCH"."""
        return self._lib.eckid_version().decode()

    def pupil_created(self, school: str, pupil: str, pgn: str,
                      date: Optional[str] = None) -> Result:
        """A pupil enrolled at a school (eckid_pupil_created).

        pgn: BSN or onderwijsnummer, never kept, logged or put in a message.
        date: enrolment date "YYYY-MM-DD" (informational).
        Raises EckIdError: E_INVALID_PGN, E_NOT_ENABLED, E_PUPIL_CONFLICT, service statuses.
        """
        with _Secret(pgn) as p:
            event = _abi.eckid_pupil_created_event(
                _abi.PUPIL_CREATED_EVENT_VERSION, _c(school), _c(pupil),
                ctypes.cast(p, ctypes.c_void_p), 0, _c(date))
            return self._event(self._lib.eckid_pupil_created, event)

    def pupil_transferred(self, pupil: str, from_school: str, to_school: str, pgn: str,
                          date: Optional[str] = None) -> Result:
        """A pupil moved between schools (eckid_pupil_transferred): the same sector keeps
        the ECK iD, another sector gets its own. Returns the to-school's record.
        Raises EckIdError as pupil_created()."""
        with _Secret(pgn) as p:
            event = _abi.eckid_pupil_transferred_event(
                _abi.PUPIL_TRANSFERRED_EVENT_VERSION, _c(pupil), _c(from_school), _c(to_school),
                ctypes.cast(p, ctypes.c_void_p), 0, _c(date))
            return self._event(self._lib.eckid_pupil_transferred, event)

    def pgn_changed(self, school: str, pupil: str, old_pgn: str, new_pgn: str,
                    effective_date: Optional[str] = None) -> Result:
        """The pupil's PGN changed (eckid_pgn_changed); the ECK iD stays.

        effective_date: None (now), "YYYY-MM-DD" or an xsd:dateTime.
        Raises EckIdError as pupil_created()."""
        with _Secret(old_pgn) as old, _Secret(new_pgn) as new:
            event = _abi.eckid_pgn_changed_event(
                _abi.PGN_CHANGED_EVENT_VERSION, _c(school), _c(pupil),
                ctypes.cast(old, ctypes.c_void_p), ctypes.cast(new, ctypes.c_void_p), 0,
                _c(effective_date))
            return self._event(self._lib.eckid_pgn_changed, event)

    def lookup(self, school: str, pupil: str) -> Optional[Result]:
        """The recorded ECK iDs of a pupil at a school (no service call); None when none
        is recorded. Raises EckIdError: E_UNKNOWN_SCHOOL, E_STATE, ..."""
        out = ctypes.POINTER(_abi.eckid_result)()
        status = self._lib.eckid_pupil_lookup(self._live(), _c(school), _c(pupil),
                                              ctypes.byref(out))
        if status == Status.E_NOT_FOUND:
            return None
        self._check(status)
        return self._take(out)

    def ping(self, school: str) -> str:
        """Checks that the service accepts this client for a school; returns the service's
        application version. Raises EckIdError: E_NOT_AUTHORISED, E_SERVICE_DOWN, ..."""
        version = ctypes.c_void_p()
        self._check(self._lib.eckid_ping(self._live(), _c(school), ctypes.byref(version)))
        text = ctypes.string_at(version).decode()
        self._lib.eckid_free(version)
        return text

    def is_valid_pgn(self, pgn: str) -> bool:
        """Whether pgn is a valid pupil PGN (BSN or onderwijsnummer)."""
        with _Secret(pgn) as p:
            return self._lib.eckid_pgn_validate(ctypes.cast(p, ctypes.c_void_p), 0, None) == 0

    def _event(self, function: Callable[..., int], event: ctypes.Structure) -> Result:
        out = ctypes.POINTER(_abi.eckid_result)()
        self._check(function(self._live(), ctypes.byref(event), ctypes.byref(out)))
        return self._take(out)

    def _take(self, out: "ctypes._Pointer[_abi.eckid_result]") -> Result:
        r = out.contents
        eckids = {r.eckids[i].chain.decode(): r.eckids[i].eckid.decode() for i in range(r.count)}
        result = Result(r.school_key.decode(), r.pupil_key.decode(), r.sector.decode(), eckids)
        self._lib.eckid_free(out)
        return result

    def _live(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise EckIdError(Status.E_INVALID_HANDLE, "the plugin handle is closed")
        return self._handle

    def _check(self, status: int) -> None:
        if status != Status.OK:
            raise EckIdError(status, self._lib.eckid_last_error().decode("utf-8", "replace"))
