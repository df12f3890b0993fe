"""A stand-in for the parts of Frappe an app's doc events meet, written from Frappe's
documented contract (no Frappe code): documents in an in-memory store, frappe.get_doc /
get_cached_doc / get_all, frappe.db.set_value, msgprint into message_log, and doc_events
from the app's hooks.py, called by Document.run_method as handler(doc, method).
"""

from __future__ import annotations

import copy
import importlib
from typing import Any


class _dict(dict):
    """A dict with attribute access, like frappe._dict."""

    __getattr__ = dict.get

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value


store: dict[tuple[str, str], dict] = {}  # (doctype, name) -> fields: the database
message_log: list[_dict] = []  # msgprint calls
doc_events: dict[str, dict[str, list[str]]] = {}  # doctype -> method -> handler paths
scheduler_events: list[str] = []  # handler paths of the installed apps' scheduler_events
error_log: list[_dict] = []  # log_error calls


def _(text: str) -> str:
    return text


def msgprint(msg: str, title: str | None = None, indicator: str | None = None) -> None:
    message_log.append(_dict(message=msg, title=title, indicator=indicator))


def log_error(title: str | None = None, message: str | None = None) -> None:
    error_log.append(_dict(title=title, message=message))


def get_attr(path: str) -> Any:
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def install_app(app: str) -> None:
    """Loads an app's hooks.py doc_events (as `bench install-app` makes them active)."""
    for doctype, methods in get_attr(app + ".hooks.doc_events").items():
        for method, handlers in methods.items():
            doc_events.setdefault(doctype, {}).setdefault(method, []).extend(
                [handlers] if isinstance(handlers, str) else handlers)
    events = getattr(importlib.import_module(app + ".hooks"), "scheduler_events", {})
    for kind, entries in events.items():  # "all", "hourly", ... lists; "cron": {spec: list}
        for handlers in (entries.values() if isinstance(entries, dict) else [entries]):
            scheduler_events.extend(handlers)


def run_scheduler() -> None:
    """One scheduler tick: every scheduled handler, called without arguments, as Frappe's
    scheduler worker does when its time has come."""
    for path in scheduler_events:
        get_attr(path)()


def get_doc(doctype: str, name: str | None = None):
    from frappe.model.document import Document

    fields = copy.deepcopy(store[(doctype, name or doctype)])
    fields.pop("doctype", None)
    return Document(doctype, **fields)


get_cached_doc = get_doc


def get_all(doctype: str, filters: dict | None = None, fields: list[str] | None = None,
            order_by: str | None = None, limit: int | None = None) -> list[_dict]:
    """Rows of a doctype; filters are {field: value} or {field: [operator, value]} with
    operators = and !=; order_by is "field asc|desc"."""
    def match(row: dict) -> bool:
        for field, want in (filters or {}).items():
            op, value = want if isinstance(want, list) else ("=", want)
            if (row.get(field) == value) != (op == "="):
                return False
        return True

    rows = [r for (dt, _n), r in store.items() if dt == doctype and match(r)]
    if order_by:
        field, _s, direction = order_by.partition(" ")
        rows.sort(key=lambda r: str(r.get(field)), reverse=direction.strip().lower() == "desc")
    return [_dict({f: r.get(f) for f in (fields or ["name"])}) for r in rows[:limit]]


class _Db:
    """frappe.db: writes straight into the store, without running document methods."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, str, dict]] = []

    def exists(self, doctype: str, name: str) -> str | None:
        return name if (doctype, name) in store else None

    def set_value(self, doctype: str, name: str, field: str | dict, value: Any = None) -> None:
        values = field if isinstance(field, dict) else {field: value}
        store[(doctype, name)].update(values)
        self.writes.append((doctype, name, dict(values)))


db = _Db()
