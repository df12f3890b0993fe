"""The plugin's statuses (eckid_status) and the exception of a failed call."""

from __future__ import annotations

import enum
import os

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
    E_DUPLICATE_PGN = 34  # another pupil key holds the same PGN in the sector


class EckIdError(Exception):
    """A failed plugin call. status: the Status (an int for a value this binding does not
    know); the message is the plugin's eckid_last_error(), which never contains a PGN."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status: Status | int = _status(status)

    @property
    def status_text(self) -> str:
        """What a host keeps in its status field: "<status name>: <message>" (never a PGN)."""
        return f"{getattr(self.status, 'name', self.status)}: {self}"


def _status(value: int) -> "Status | int":
    try:
        return Status(value)
    except ValueError:
        return value


def status_name(status: int, library: str | os.PathLike[str] | None = None) -> str:
    """The stable name of a status from the library's one status table (eckid_status_name):
    lowercase without the ECKID_E_/ECKID_ prefix, "invalid_pgn" for E_INVALID_PGN, "queued"
    for QUEUED; "unknown" for a value the library does not know. library: see _abi.load()."""
    return _abi.load(library).eckid_status_name(int(status)).decode()
