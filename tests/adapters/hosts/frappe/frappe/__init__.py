"""A stand-in for the parts of Frappe an app's doc events meet. It is NOT Frappe: no Frappe
code is copied; it follows Frappe's own code for what it models (read in frappe/frappe,
version-14/15 line; the doc_events contract has not changed between them):

- hooks: frappe/model/document.py Document.hook / run_method: a doc_events handler is
  called as handler(doc, method) after the controller's own method of that name, the
  doctype's handlers first, then those of "*", in hooks order; an exception it raises
  propagates and aborts the operation (model/document.py here).
- transactions: one operation (insert, save, submit, cancel, delete_doc, one scheduled
  job) stands for one request; an exception rolls the database back and clears
  frappe.db.after_commit, success commits and then runs frappe.db.after_commit
  (frappe/database/database.py Database.commit / rollback, CallbackManager; the request
  handler and frappe/core/doctype/scheduled_job_type ScheduledJobType.execute commit on
  success and roll back on an exception).
- deletion: frappe/model/delete_doc.py delete_doc: refused for a submitted document, then
  on_trash, on_change, the link check (any document linking it, whatever its docstatus,
  raises LinkExistsError), the row deleted, the naming series reverted when it was the
  last name (update_naming_series -> naming.revert_series_if_last), after_delete.
- scheduler_events: every handler called without arguments (ScheduledJobType.execute).
- frappe.db.set_value writes without running any document method; doc.db_set runs
  before_change and on_change (model/document.py Document.db_set).

Documents live in an in-memory store; frappe.get_doc / get_cached_doc / get_all,
frappe.db.exists / set_value, msgprint into message_log, log_error into error_log.
"""

from __future__ import annotations

import copy
import importlib
from typing import Any, Callable


class _dict(dict):
    """A dict with attribute access, like frappe._dict."""

    __getattr__ = dict.get

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value


class ValidationError(Exception):
    pass


class LinkExistsError(ValidationError):
    pass


store: dict[tuple[str, str], dict] = {}  # (doctype, name) -> fields: the database
message_log: list[_dict] = []  # msgprint calls
doc_events: dict[str, dict[str, list[str]]] = {}  # doctype or "*" -> method -> handler paths
scheduler_events: list[str] = []  # handler paths of the installed apps' scheduler_events
error_log: list[_dict] = []  # log_error calls
# Link fields pointing at a doctype: doctype -> [(linking doctype, field)], as the doctypes'
# JSON declares them (set by the test, e.g. Education's Program Enrollment.student).
links: dict[str, list[tuple[str, str]]] = {}
# Submittable doctypes (is_submittable in the doctype JSON).
submittable: set[str] = set()
# Naming: doctype -> series prefix; series -> current number (tabSeries).
naming: dict[str, str] = {}
series: dict[str, int] = {}


def _(text: str) -> str:
    return text


def throw(msg: str, exc: type[Exception] = ValidationError) -> None:
    raise exc(msg)


def msgprint(msg: str, title: str | None = None, indicator: str | None = None,
             raise_exception: Any = 0, alert: bool = False) -> None:
    message_log.append(_dict(message=msg, title=title, indicator=indicator))
    if raise_exception:
        raise raise_exception(msg) if isinstance(raise_exception, type) else ValidationError(msg)


def log_error(title: str | None = None, message: str | None = None,
              reference_doctype: str | None = None, reference_name: str | None = None) -> None:
    error_log.append(_dict(title=title, message=message))


def get_attr(path: str) -> Any:
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def install_app(app: str) -> None:
    """Loads an app's hooks.py doc_events and scheduler_events (as `bench install-app`
    makes them active)."""
    hooks = importlib.import_module(app + ".hooks")
    for doctype, methods in getattr(hooks, "doc_events", {}).items():
        for method, handlers in methods.items():
            doc_events.setdefault(doctype, {}).setdefault(method, []).extend(
                [handlers] if isinstance(handlers, str) else handlers)
    for kind, entries in getattr(hooks, "scheduler_events", {}).items():
        for handlers in (entries.values() if isinstance(entries, dict) else [entries]):
            scheduler_events.extend(handlers)


class _CallbackManager:
    """frappe.db.after_commit: callables run once after the next commit, dropped on rollback."""

    def __init__(self) -> None:
        self._functions: list[Callable[[], None]] = []

    def add(self, func: Callable[[], None]) -> None:
        self._functions.append(func)

    def run(self) -> None:
        while self._functions:
            self._functions.pop(0)()

    def reset(self) -> None:
        self._functions.clear()


_depth = 0


def transaction(operation: Callable[..., Any]) -> Callable[..., Any]:
    """Runs an operation as one request: committed when it returns, rolled back (the store
    restored, after_commit dropped) when it raises; nested operations join the outer one."""

    def run(*args: Any, **kwargs: Any) -> Any:
        global _depth, store
        if _depth:
            return operation(*args, **kwargs)
        snapshot = copy.deepcopy(store)
        _depth += 1
        try:
            out = operation(*args, **kwargs)
        except BaseException:
            store.clear()
            store.update(snapshot)
            db.after_commit.reset()
            raise
        finally:
            _depth -= 1
        db.after_commit.run()
        return out

    return run


def run_scheduler() -> None:
    """One scheduler tick: every scheduled handler, called without arguments, each as its
    own job (committed, or rolled back and logged when it raises)."""
    for path in scheduler_events:
        try:
            transaction(get_attr(path))()
        except Exception as e:  # ScheduledJobType.execute logs the failed job
            log_error(title=f"scheduled job {path}", message=repr(e))


def new_name(doctype: str) -> str:
    prefix = naming.get(doctype, doctype[:3].upper() + "-")
    series[prefix] = series.get(prefix, 0) + 1
    return f"{prefix}{series[prefix]:05d}"


def _revert_series_if_last(doctype: str, name: str) -> None:
    prefix = naming.get(doctype, doctype[:3].upper() + "-")
    if name == f"{prefix}{series.get(prefix, 0):05d}":
        series[prefix] -= 1


def get_doc(doctype: str, name: str | None = None):
    from frappe.model.document import Document

    key = (doctype, name or doctype)
    if key not in store:
        throw(f"{doctype} {name} not found")
    fields = copy.deepcopy(store[key])
    fields.pop("doctype", None)
    return Document(doctype, **fields)


get_cached_doc = get_doc


@transaction
def delete_doc(doctype: str, name: str) -> None:
    """frappe.delete_doc, in delete_doc's order (module docstring)."""
    doc = get_doc(doctype, name)
    if doctype in submittable and doc.get("docstatus") == 1:
        throw(f"{doctype} {name}: Submitted Record cannot be deleted.")
    doc.run_method("on_trash")
    doc.run_method("on_change")
    for link_dt, field in links.get(doctype, []):
        for (dt, other), row in store.items():
            if dt == link_dt and row.get(field) == name:
                throw(f"Cannot delete or cancel because {doctype} {name} is linked with "
                      f"{link_dt} {other}", LinkExistsError)
    del store[(doctype, name)]
    _revert_series_if_last(doctype, name)
    doc.run_method("after_delete")


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
        self.after_commit = _CallbackManager()

    def exists(self, doctype: str, name: str) -> str | None:
        return name if (doctype, name) in store else None

    def set_value(self, doctype: str, name: str, field: str | dict, value: Any = None) -> None:
        values = field if isinstance(field, dict) else {field: value}
        store[(doctype, name)].update(values)
        self.writes.append((doctype, name, dict(values)))


db = _Db()
