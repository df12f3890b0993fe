"""The eckid plugin through its C ABI: open/close, enrolment events, lookup, ping, the
outbox: poll/ack, event_result, queue_status, retry_failed and the result callback, and
whole-school onboarding: onboard and onboard_status."""

from __future__ import annotations

import ctypes
import enum
import os
from dataclasses import dataclass
from contextlib import ExitStack
from typing import Callable, Iterable, Optional

from . import _abi
from .errors import EckIdError, Status, _status
from .source import SchoolSettings, Source


class Delivery(enum.IntEnum):
    """eckid_delivery: how event calls return."""

    SYNC = 0  # wait for the result up to [outbox] deadline_ms, then a queued Result
    ASYNC = 1  # a queued Result as soon as the event is stored


class PgnKind(enum.IntEnum):
    """eckid_pgn_kind: what a PGN is."""

    PUPIL = 0  # a BSN or an onderwijsnummer (9 digits)
    STAFF = 1  # the staff PGN form


class LogLevel(enum.IntEnum):
    """eckid_log_level: DEBUG includes HPgn and ECK iD values, never a PGN."""

    DEBUG = 0
    INFO = 1
    WARN = 2
    ERROR = 3
    OFF = 4


@dataclass(frozen=True)
class Result:
    """A pupil's ECK iDs at one school, or the state of an outbox event.

    eckids: chain id -> ECK iD URI, in chain order (empty unless status is OK).
    event_id: the event's outbox id (0 for lookup()): the key for ack() and for dropping
    duplicate deliveries. status: OK, QUEUED (the result comes later) or the failure.
    message: "" on success, else what went wrong (never a PGN).
    """

    school_key: str
    pupil_key: str
    sector: str
    eckids: dict[str, str]
    event_id: int = 0
    status: "Status | int" = Status.OK
    message: str = ""

    @property
    def eckid(self) -> str:
        """The ECK iD of the school's first chain (the common one-chain case); "" if none."""
        return next(iter(self.eckids.values()), "")

    @property
    def ok(self) -> bool:
        """Whether the ECK iDs are there."""
        return self.status == Status.OK

    @property
    def queued(self) -> bool:
        """Whether the event is kept in the outbox and its result comes later."""
        return self.status == Status.QUEUED

    @property
    def status_name(self) -> str:
        """The status's name, e.g. "QUEUED" or "E_SOAP_FAULT"."""
        return getattr(self.status, "name", str(self.status))

    @property
    def status_text(self) -> str:
        """What a host keeps in its status field for this result: "" when the ECK iDs are
        there, "QUEUED: event <id>[, last try: <message>]" while the event waits in the
        outbox, else "<status name>: <message>". Never a PGN."""
        if self.ok:
            return ""
        if self.queued:
            return f"QUEUED: event {self.event_id}" + (f", last try: {self.message}"
                                                       if self.message else "")
        return f"{self.status_name}: {self.message}"


@dataclass(frozen=True)
class QueueInfo:
    """The outbox at a glance (eckid_queue_status)."""

    queued: int  # events waiting or in progress
    failed: int  # events that failed for good (retry_failed())
    undelivered: int  # finished results not yet acknowledged
    oldest_queued_age_ms: int  # 0 when none is queued
    service_paused: bool  # the circuit breaker holds calls back
    # Of the queued, those that may be worked on now or are in progress (eckid_queue_info.due):
    # 0 while queued > 0 means everything waits for later (a retry time, the daily batch limit)
    due: int
    next_due_in_ms: int  # ms until the next waiting one is due; -1 when none has a known time


@dataclass(frozen=True)
class OnboardReceipt:
    """What became of one pupil of an onboard() list (eckid_onboard_receipt), in input order.

    event_id: the pupil's outbox event, whose Result comes through poll() or on_result (then
    ack() it, as for events); 0 when the pupil was refused. status: QUEUED when accepted (also
    for a pupil already recorded with this PGN: its Result comes at once, without a service
    call), else why it was refused: E_INVALID_PGN, E_INVALID_ARGUMENT (empty pupil key,
    unknown kind, a pupil key or PGN that appears earlier in the list). message: "" when
    accepted, else what was wrong (never the PGN).
    """

    pupil_key: str
    event_id: int
    status: "Status | int"
    message: str = ""

    @property
    def accepted(self) -> bool:
        """Whether the pupil became an outbox event (its Result follows)."""
        return self.event_id != 0

    @property
    def status_name(self) -> str:
        """The status's name, e.g. "QUEUED" or "E_INVALID_PGN"."""
        return getattr(self.status, "name", str(self.status))


@dataclass(frozen=True)
class OnboardInfo:
    """Onboarding progress of one school (eckid_onboard_status): pupils not yet finished, by
    stage. Finished ones are in queue_status()."""

    waiting: int  # accepted, HPgn not computed yet
    hashed: int  # HPgn computed, waiting for a batch
    in_batch: int  # in a batch the service is working on
    deferred: int  # held back by the service's daily batch limit
    deferred_until_ms: int  # Unix time in ms they are tried again; 0 if none


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


def _text(value: Optional[bytes]) -> str:
    return value.decode("utf-8", "replace") if value is not None else ""


class Plugin:
    """One opened plugin configuration (an eckid_plugin handle); a context manager.

    Every method raises EckIdError with the plugin's status and message on failure. Calls on
    one Plugin from several threads at once are safe; close() must be the last call.
    """

    def __init__(self, config_path: str | os.PathLike[str], *,
                 schools: Optional[Iterable[SchoolSettings]] = None,
                 defaults: Optional[str] = None, text: Optional[str] = None,
                 library: str | os.PathLike[str] | None = None,
                 log: Callable[[LogLevel, str], None] | None = None,
                 log_level: LogLevel = LogLevel.INFO,
                 delivery: Delivery = Delivery.SYNC,
                 on_result: Callable[[Result], None] | None = None) -> None:
        """Opens the plugin: eckid_open on config_path alone, eckid_open_source when schools,
        defaults or text is given.

        config_path: the plugin's TOML configuration (the administrator's file); with text,
        only its name (in messages) and folder (relative paths, the default state folder) are
        used. text: the TOML text itself instead of the file's. defaults: TOML text whose
        values apply where the configuration sets none (the host's own defaults, such as
        "[outbox]\ndeadline_ms = 5000\n"). schools: the schools the host keeps in its own
        settings, added after the configuration's [[school]] tables (a key in both is a
        duplicate); read during the call only. library: see _abi.load().
        log: called with (level, line) for each log line, possibly from plugin threads; it
        must not call the plugin.
        delivery: SYNC (an event call waits up to [outbox] deadline_ms for its result) or
        ASYNC (it returns a queued Result as soon as the event is stored).
        on_result: called with each finished Result that no event call returned, ON A PLUGIN
        WORKER THREAD (never the caller's), and again after a reopen for results not yet
        acknowledged: drop duplicates by event_id and ack() what was handled (ack() may be
        called inside it; close() must not). It must be quick and thread-safe; an exception
        it raises is swallowed (the result stays unacknowledged). Without it, collect results
        with poll().
        Raises EckIdError (E_CONFIG, E_CREDENTIALS, ...).
        """
        self._lib = _abi.load(library)
        options = _abi.eckid_open_options()
        self._check(self._lib.eckid_open_options_init(ctypes.byref(options),
                                                      _abi.OPEN_OPTIONS_VERSION))
        # The ctypes callback objects are kept on the instance until close(): the plugin
        # calls them from its threads for as long as the handle is open.
        self._log = None
        if log is not None:
            self._log = _abi.LOG_FN(lambda level, message, _: log(LogLevel(level),
                                                                  message.decode("utf-8", "replace")))
            options.log = self._log
        options.log_level = log_level
        options.delivery = Delivery(delivery)
        self._on_result = None
        if on_result is not None:
            def deliver(result: "ctypes._Pointer[_abi.eckid_result]", _payload: int) -> None:
                try:
                    on_result(self._copy(result.contents))
                except Exception:  # noqa: BLE001  (nothing may unwind into the plugin)
                    pass

            self._on_result = _abi.RESULT_FN(deliver)
            options.on_result = self._on_result
        handle = ctypes.c_void_p()
        if schools is None and defaults is None and text is None:
            self._check(self._lib.eckid_open(os.fsencode(config_path), ctypes.byref(options),
                                             ctypes.byref(handle)))
        else:
            source = Source(config_path, text=text, defaults=defaults, schools=schools)
            self._check(self._lib.eckid_open_source(ctypes.byref(source.struct),
                                                    ctypes.byref(options), ctypes.byref(handle)))
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
            self._lib.eckid_close(self._handle)  # no callback runs after it returns
            self._handle = None
            self._on_result = self._log = None

    @property
    def version(self) -> str:
        """The library version, "MAJOR.MINOR.PATCH"."""
        return self._lib.eckid_version().decode()

    def pupil_created(self, school: str, pupil: str, pgn: str,
                      date: Optional[str] = None, kind: PgnKind = PgnKind.PUPIL) -> Result:
        """A pupil enrolled at a school (eckid_pupil_created).

        pgn: BSN or onderwijsnummer, never kept, logged or put in a message; for a staff
        member (kind PgnKind.STAFF) the school's BRIN, one space and the e-mail address.
        date: enrolment date "YYYY-MM-DD" (informational; an invalid date is refused with
        E_INVALID_ARGUMENT).
        Returns the pupil's ECK iDs, or a queued Result (event_id set, no ECK iDs) when the
        event is kept in the outbox and its result comes later (poll() or on_result).
        Raises EckIdError: E_INVALID_PGN, E_NOT_ENABLED (refused, nothing kept),
        E_PUPIL_CONFLICT, E_DUPLICATE_PGN, service statuses that are not retried.
        """
        with _Secret(pgn) as p:
            event = _abi.eckid_pupil_created_event(
                _abi.PUPIL_CREATED_EVENT_VERSION, _c(school), _c(pupil),
                ctypes.cast(p, ctypes.c_void_p), int(kind), _c(date))
            return self._event(self._lib.eckid_pupil_created, event)

    def pupil_transferred(self, pupil: str, from_school: str, to_school: str, pgn: str,
                          date: Optional[str] = None,
                          kind: PgnKind = PgnKind.PUPIL) -> Result:
        """A pupil moved between schools (eckid_pupil_transferred): the same sector keeps
        the ECK iD, another sector gets its own. Returns the to-school's record.
        Raises EckIdError as pupil_created()."""
        with _Secret(pgn) as p:
            event = _abi.eckid_pupil_transferred_event(
                _abi.PUPIL_TRANSFERRED_EVENT_VERSION, _c(pupil), _c(from_school), _c(to_school),
                ctypes.cast(p, ctypes.c_void_p), int(kind), _c(date))
            return self._event(self._lib.eckid_pupil_transferred, event)

    def pgn_changed(self, school: str, pupil: str, old_pgn: str, new_pgn: str,
                    effective_date: Optional[str] = None,
                    kind: PgnKind = PgnKind.PUPIL) -> Result:
        """The pupil's PGN changed (eckid_pgn_changed); the ECK iD stays.

        effective_date: None (now), "YYYY-MM-DD" or an xsd:dateTime.
        Raises EckIdError as pupil_created()."""
        with _Secret(old_pgn) as old, _Secret(new_pgn) as new:
            event = _abi.eckid_pgn_changed_event(
                _abi.PGN_CHANGED_EVENT_VERSION, _c(school), _c(pupil),
                ctypes.cast(old, ctypes.c_void_p), ctypes.cast(new, ctypes.c_void_p), int(kind),
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

    def forget_pupil(self, school: str, pupil: str) -> None:
        """Forgets a pupil at a school (eckid_forget_pupil): the plugin's record (HPgn, ECK
        iDs), the pupil's queued, failed and undelivered events for that school and its
        onboarding data are deleted; records at other schools stay. Call it when the host
        deletes the pupil, so that a new pupil who reuses the id never gets the old ECK iD.
        Nothing recorded is not an error. Raises EckIdError: E_UNKNOWN_SCHOOL,
        E_INVALID_ARGUMENT, E_STATE, ..."""
        self._check(self._lib.eckid_forget_pupil(self._live(), _c(school), _c(pupil)))

    def transfer_or_create(self, pupil: str, from_school: Optional[str], to_school: str,
                           pgn: str, date: Optional[str] = None,
                           kind: PgnKind = PgnKind.PUPIL) -> Result:
        """The pupil's school becomes to_school: a transfer (pupil_transferred(), which keeps
        the ECK iD in the same sector) from from_school when this configuration has a record
        of the pupil there; otherwise - no from_school (the host records none, or no ECK iD
        there), a from_school this configuration does not hold (another service file) or no
        record at it - a pupil created at to_school (pupil_created(), date as its enrolment
        date). Returns and raises as those two."""
        if from_school:
            try:
                recorded = self.lookup(from_school, pupil)
            except EckIdError as e:
                if e.status != Status.E_UNKNOWN_SCHOOL:
                    raise
                recorded = None
            if recorded is not None:
                return self.pupil_transferred(pupil, from_school, to_school, pgn, date, kind)
        return self.pupil_created(to_school, pupil, pgn, date, kind)

    def deliver(self, write: Callable[[Result], None]) -> int:
        """Hands every finished result no event call returned (poll()) to write(), oldest
        first, and acknowledges each (ack()) only after write() returned: a result whose
        write raised, or a crash in between, is delivered again after a reopen. For a host's
        periodic job (a cron or scheduler entry); write runs on the caller's thread.

        Returns how many results were written. Raises EckIdError from poll()/ack() (E_STATE,
        ...) and whatever write() raises, with that result unacknowledged."""
        count = 0
        while (result := self.poll()) is not None:
            write(result)
            self.ack(result.event_id)
            count += 1
        return count

    def poll(self) -> Optional[Result]:
        """The next finished result no event call returned (eckid_poll), oldest first, each
        handed out once per Plugin; None when nothing is waiting. ack() it once it is written
        into the host: unacknowledged results come again after a reopen."""
        out = ctypes.POINTER(_abi.eckid_result)()
        status = self._lib.eckid_poll(self._live(), ctypes.byref(out))
        if status == Status.E_NOT_FOUND:
            return None
        self._check(status)
        return self._take(out)

    def ack(self, event_id: int) -> bool:
        """Acknowledges a delivered result (eckid_ack): it is not delivered again. False
        when no finished event has this id (already acknowledged). Safe in on_result."""
        status = self._lib.eckid_ack(self._live(), event_id)
        if status == Status.E_NOT_FOUND:
            return False
        self._check(status)
        return True

    def event_result(self, event_id: int) -> Optional[Result]:
        """The current state of one event (eckid_event_result): queued while it waits or
        runs, else its outcome; None when unknown or done and acknowledged."""
        out = ctypes.POINTER(_abi.eckid_result)()
        status = self._lib.eckid_event_result(self._live(), event_id, ctypes.byref(out))
        if status == Status.E_NOT_FOUND:
            return None
        self._check(status)
        return self._take(out)

    def queue_status(self) -> QueueInfo:
        """The outbox at a glance (eckid_queue_status)."""
        info = _abi.eckid_queue_info(version=_abi.QUEUE_INFO_VERSION)
        self._check(self._lib.eckid_queue_status(self._live(), ctypes.byref(info)))
        return QueueInfo(info.queued, info.failed, info.undelivered, info.oldest_queued_age_ms,
                         bool(info.service_paused), info.due, info.next_due_in_ms)

    def retry_failed(self, event_id: int = 0) -> int:
        """Puts failed events back in the queue once the cause is fixed: one, or all with
        event_id 0 (eckid_retry_failed). Returns how many. Raises EckIdError(E_NOT_FOUND)
        for an id that is not a failed event."""
        count = ctypes.c_ulonglong()
        self._check(self._lib.eckid_retry_failed(self._live(), event_id, ctypes.byref(count)))
        return count.value

    def onboard(self, school: str,
                pupils: Iterable[tuple[str, str, PgnKind | int]]) -> list[OnboardReceipt]:
        """A school's whole pupil list at once, with the service's batch operations
        (eckid_onboard): for each pupil an outbox event whose Result - the ECK iDs or the
        service's message for that pupil - comes through poll() or on_result, then ack().

        pupils: (pupil_key, pgn, kind) tuples; pgn is never kept, logged or put in a message
        (this binding's copies are zeroed after the call); kind: PgnKind.PUPIL or STAFF.
        Returns one OnboardReceipt per pupil, in input order; a refused pupil is a receipt
        (event_id 0), not an exception. Calling again with the same list is safe: queued pupils
        keep their event, failed ones are tried again, recorded ones are not sent again.
        Raises EckIdError (nothing queued): E_UNKNOWN_SCHOOL, E_NOT_ENABLED, E_STATE, ...
        """
        rows = list(pupils)
        keys = [key for key, _pgn, _kind in rows]
        entries = (_abi.eckid_onboard_pupil * max(len(rows), 1))()
        array = (ctypes.POINTER(_abi.eckid_onboard_pupil) * max(len(rows), 1))()
        out = ctypes.POINTER(_abi.eckid_onboard_receipts)()
        with ExitStack() as secrets:
            for i, (key, pgn, kind) in enumerate(rows):
                buffer = secrets.enter_context(_Secret(pgn))
                entries[i] = _abi.eckid_onboard_pupil(_abi.ONBOARD_PUPIL_VERSION, _c(key),
                                                      ctypes.cast(buffer, ctypes.c_void_p),
                                                      int(kind))
                array[i] = ctypes.pointer(entries[i])
            status = self._lib.eckid_onboard(self._live(), _c(school), array, len(rows),
                                             ctypes.byref(out))
        self._check(status)
        try:
            receipts = [out.contents.receipts[i].contents for i in range(out.contents.count)]
            return [OnboardReceipt(keys[i], r.event_id, _status(r.status), _text(r.message))
                    for i, r in enumerate(receipts)]
        finally:
            self._lib.eckid_free(out)

    def onboard_status(self, school: str) -> OnboardInfo:
        """Onboarding progress of a school (eckid_onboard_status). Raises EckIdError:
        E_UNKNOWN_SCHOOL, E_STATE, ..."""
        info = _abi.eckid_onboard_info(version=_abi.ONBOARD_INFO_VERSION)
        self._check(self._lib.eckid_onboard_status(self._live(), _c(school), ctypes.byref(info)))
        return OnboardInfo(info.waiting, info.hashed, info.in_batch, info.deferred,
                           info.deferred_until_ms)

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
        status = function(self._live(), ctypes.byref(event), ctypes.byref(out))
        if status not in (Status.OK, Status.QUEUED):
            message = self._lib.eckid_last_error().decode("utf-8", "replace")
            if out:  # a processed event that failed also hands out its result
                self._lib.eckid_free(out)
            raise EckIdError(status, message)
        return self._take(out)

    @staticmethod
    def _copy(r: _abi.eckid_result) -> Result:
        eckids = {_text(e.chain): _text(e.eckid)
                  for e in (r.eckids[i].contents for i in range(r.count))}
        return Result(_text(r.school_key), _text(r.pupil_key), _text(r.sector), eckids,
                      r.event_id, _status(r.status), _text(r.message))

    def _take(self, out: "ctypes._Pointer[_abi.eckid_result]") -> Result:
        result = self._copy(out.contents)
        self._lib.eckid_free(out)
        return result

    def _live(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise EckIdError(Status.E_INVALID_HANDLE, "the plugin handle is closed")
        return self._handle

    def _check(self, status: int) -> None:
        if status != Status.OK:
            raise EckIdError(status, self._lib.eckid_last_error().decode("utf-8", "replace"))
