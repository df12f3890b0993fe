"""ctypes declarations of abi/include/eckid/eckid.h (tests/adapters/check_declarations.py keeps
them in step with the header) and the loading of libeckid.so."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

ABI_VERSION = 2
# The library's SONAME, the one file a machine with only the runtime package has (the
# libeckid.so symlink comes with the development files).
SONAME = f"libeckid.so.{ABI_VERSION}"
OPEN_OPTIONS_VERSION = 2
PUPIL_CREATED_EVENT_VERSION = 1
PUPIL_TRANSFERRED_EVENT_VERSION = 1
PGN_CHANGED_EVENT_VERSION = 1
QUEUE_INFO_VERSION = 2
ONBOARD_INFO_VERSION = 1
SCHOOL_SETTINGS_VERSION = 1
CONFIG_SOURCE_VERSION = 1
CHECK_REPORT_VERSION = 1
ONBOARD_PUPIL_VERSION = 1

DELIVERY_SYNC = 0  # eckid_delivery
DELIVERY_ASYNC = 1

c_char_p = ctypes.c_char_p
c_int = ctypes.c_int  # C enums
c_uint = ctypes.c_uint

LOG_FN = ctypes.CFUNCTYPE(None, c_int, c_char_p, ctypes.c_void_p)


class eckid_result(ctypes.Structure):
    pass  # fields below, after eckid_chain_eckid


# eckid_result_fn: called on a plugin worker thread; the result is valid only during the call.
RESULT_FN = ctypes.CFUNCTYPE(None, ctypes.POINTER(eckid_result), ctypes.c_void_p)


class eckid_open_options(ctypes.Structure):
    _fields_ = [("version", c_uint), ("log", LOG_FN), ("log_payload", ctypes.c_void_p),
                ("log_level", c_int), ("delivery", c_int), ("on_result", RESULT_FN),
                ("result_payload", ctypes.c_void_p)]


class eckid_catalog_entry(ctypes.Structure):
    _fields_ = [("id", c_char_p), ("name", c_char_p), ("description", c_char_p),
                ("last_edited", c_char_p)]


class eckid_catalog(ctypes.Structure):
    _fields_ = [("count", ctypes.c_size_t),
                ("entries", ctypes.POINTER(ctypes.POINTER(eckid_catalog_entry)))]


class eckid_chain_eckid(ctypes.Structure):
    _fields_ = [("chain", c_char_p), ("eckid", c_char_p)]


eckid_result._fields_ = [
    ("school_key", c_char_p), ("pupil_key", c_char_p), ("sector", c_char_p),
    ("count", ctypes.c_size_t), ("eckids", ctypes.POINTER(ctypes.POINTER(eckid_chain_eckid))),
    ("event_id", ctypes.c_ulonglong), ("status", c_int), ("message", c_char_p)]


class eckid_queue_info(ctypes.Structure):
    _fields_ = [("version", c_uint), ("queued", ctypes.c_ulonglong),
                ("failed", ctypes.c_ulonglong), ("undelivered", ctypes.c_ulonglong),
                ("oldest_queued_age_ms", ctypes.c_longlong), ("service_paused", c_int),
                ("due", ctypes.c_ulonglong), ("next_due_in_ms", ctypes.c_longlong)]


class eckid_pupil_created_event(ctypes.Structure):
    _fields_ = [("version", c_uint), ("school_key", c_char_p), ("pupil_key", c_char_p),
                ("pgn", ctypes.c_void_p), ("kind", c_int), ("enrolment_date", c_char_p)]


class eckid_pupil_transferred_event(ctypes.Structure):
    _fields_ = [("version", c_uint), ("pupil_key", c_char_p), ("from_school_key", c_char_p),
                ("to_school_key", c_char_p), ("pgn", ctypes.c_void_p), ("kind", c_int),
                ("date", c_char_p)]


class eckid_pgn_changed_event(ctypes.Structure):
    _fields_ = [("version", c_uint), ("school_key", c_char_p), ("pupil_key", c_char_p),
                ("old_pgn", ctypes.c_void_p), ("new_pgn", ctypes.c_void_p), ("kind", c_int),
                ("effective_date", c_char_p)]


class eckid_onboard_pupil(ctypes.Structure):
    _fields_ = [("version", c_uint), ("pupil_key", c_char_p), ("pgn", ctypes.c_void_p),
                ("kind", c_int)]


class eckid_onboard_receipt(ctypes.Structure):
    _fields_ = [("event_id", ctypes.c_ulonglong), ("status", c_int), ("message", c_char_p)]


class eckid_onboard_receipts(ctypes.Structure):
    _fields_ = [("count", ctypes.c_size_t),
                ("receipts", ctypes.POINTER(ctypes.POINTER(eckid_onboard_receipt))),
                ("accepted", ctypes.c_size_t), ("refused", ctypes.c_size_t)]


class eckid_onboard_info(ctypes.Structure):
    _fields_ = [("version", c_uint), ("waiting", ctypes.c_ulonglong),
                ("hashed", ctypes.c_ulonglong), ("in_batch", ctypes.c_ulonglong),
                ("deferred", ctypes.c_ulonglong), ("deferred_until_ms", ctypes.c_longlong)]


class eckid_school_settings(ctypes.Structure):
    _fields_ = [("version", c_uint), ("key", c_char_p), ("oin", c_char_p), ("sector", c_char_p),
                ("chains", ctypes.POINTER(c_char_p)), ("chain_count", ctypes.c_size_t),
                ("enabled", c_int), ("start_date", c_char_p)]


class eckid_config_source(ctypes.Structure):
    _fields_ = [("version", c_uint), ("path", c_char_p), ("text", c_char_p),
                ("defaults", c_char_p),
                ("schools", ctypes.POINTER(ctypes.POINTER(eckid_school_settings))),
                ("school_count", ctypes.c_size_t)]


class eckid_check_finding(ctypes.Structure):
    _fields_ = [("verdict", c_int), ("check", c_char_p), ("file", c_char_p), ("line", c_uint),
                ("key", c_char_p), ("message", c_char_p)]


class eckid_check_school(ctypes.Structure):
    _fields_ = [("key", c_char_p), ("oin", c_char_p), ("sector", c_char_p),
                ("chains", ctypes.POINTER(c_char_p)), ("chain_count", ctypes.c_size_t),
                ("enabled", c_int), ("start_date", c_char_p), ("active", c_int)]


class eckid_check_report(ctypes.Structure):
    _fields_ = [("version", c_uint), ("finding_count", ctypes.c_size_t),
                ("findings", ctypes.POINTER(ctypes.POINTER(eckid_check_finding))),
                ("failures", ctypes.c_size_t), ("warnings", ctypes.c_size_t),
                ("school_count", ctypes.c_size_t),
                ("schools", ctypes.POINTER(ctypes.POINTER(eckid_check_school)))]


_P = ctypes.c_void_p  # eckid_plugin *
_RESULT_OUT = ctypes.POINTER(ctypes.POINTER(eckid_result))
_CATALOG_OUT = ctypes.POINTER(ctypes.POINTER(eckid_catalog))

# name -> (restype, argtypes) of every function of eckid.h.
SIGNATURES = {
    "eckid_abi_version": (c_uint, []),
    "eckid_version": (c_char_p, []),
    "eckid_version_number": (ctypes.c_ulong, []),
    "eckid_features": (ctypes.c_ulonglong, []),
    "eckid_strerror": (c_char_p, [c_int]),
    "eckid_status_name": (c_char_p, [c_int]),
    "eckid_last_error": (c_char_p, []),
    "eckid_free": (None, [ctypes.c_void_p]),
    "eckid_open_options_init": (c_int, [ctypes.POINTER(eckid_open_options), c_uint]),
    "eckid_open": (c_int, [c_char_p, ctypes.POINTER(eckid_open_options), ctypes.POINTER(_P)]),
    "eckid_open_source": (c_int, [ctypes.POINTER(eckid_config_source),
                                  ctypes.POINTER(eckid_open_options), ctypes.POINTER(_P)]),
    "eckid_check": (c_int, [ctypes.POINTER(eckid_config_source),
                            ctypes.POINTER(ctypes.POINTER(eckid_check_report))]),
    "eckid_close": (c_int, [_P]),
    "eckid_pgn_validate": (c_int, [ctypes.c_void_p, c_int, ctypes.POINTER(c_int)]),
    "eckid_hpgn": (c_int, [_P, ctypes.c_void_p, c_int, ctypes.c_char_p, ctypes.c_size_t]),
    "eckid_last_fault": (c_int, [ctypes.POINTER(c_char_p)] * 3),
    "eckid_ping": (c_int, [_P, c_char_p, ctypes.POINTER(ctypes.c_void_p)]),
    "eckid_retrieve_chains": (c_int, [_P, c_char_p, _CATALOG_OUT]),
    "eckid_retrieve_sectors": (c_int, [_P, c_char_p, _CATALOG_OUT]),
    "eckid_pupil_created": (c_int, [_P, ctypes.POINTER(eckid_pupil_created_event), _RESULT_OUT]),
    "eckid_pupil_transferred": (c_int, [_P, ctypes.POINTER(eckid_pupil_transferred_event),
                                        _RESULT_OUT]),
    "eckid_pgn_changed": (c_int, [_P, ctypes.POINTER(eckid_pgn_changed_event), _RESULT_OUT]),
    "eckid_pupil_lookup": (c_int, [_P, c_char_p, c_char_p, _RESULT_OUT]),
    "eckid_forget_pupil": (c_int, [_P, c_char_p, c_char_p]),
    "eckid_poll": (c_int, [_P, _RESULT_OUT]),
    "eckid_ack": (c_int, [_P, ctypes.c_ulonglong]),
    "eckid_event_result": (c_int, [_P, ctypes.c_ulonglong, _RESULT_OUT]),
    "eckid_queue_status": (c_int, [_P, ctypes.POINTER(eckid_queue_info)]),
    "eckid_list_failed": (
        c_int,
        [_P, ctypes.POINTER(ctypes.c_ulonglong), ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)],
    ),
    "eckid_retry_failed": (c_int, [_P, ctypes.c_ulonglong, ctypes.POINTER(ctypes.c_ulonglong)]),
    "eckid_onboard": (
        c_int,
        [_P, c_char_p, ctypes.POINTER(ctypes.POINTER(eckid_onboard_pupil)), ctypes.c_size_t,
         ctypes.POINTER(ctypes.POINTER(eckid_onboard_receipts))],
    ),
    "eckid_onboard_status": (c_int, [_P, c_char_p, ctypes.POINTER(eckid_onboard_info)]),
}

_loaded: dict[str, ctypes.CDLL] = {}


def load(library: str | os.PathLike[str] | None = None) -> ctypes.CDLL:
    """The library with its signatures set, loaded once per path.

    library: path of libeckid.so; None: the ECKID_LIBRARY environment variable, else
    libeckid.so beside this package, else SONAME in the dynamic loader's search path.
    Raises OSError when it cannot be loaded, RuntimeError on an ABI version mismatch.
    """
    if library is None:
        beside = Path(__file__).resolve().parent / "libeckid.so"
        library = os.environ.get("ECKID_LIBRARY") or (beside if beside.is_file() else SONAME)
    key = os.fspath(library)
    if key not in _loaded:
        lib = ctypes.CDLL(key)
        for name, (restype, argtypes) in SIGNATURES.items():
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
        if lib.eckid_abi_version() != ABI_VERSION:
            raise RuntimeError(f"{key} has ABI version {lib.eckid_abi_version()}, this binding "
                               f"expects {ABI_VERSION}: install matching versions")
        _loaded[key] = lib
    return _loaded[key]
