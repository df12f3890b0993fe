"""frappe.model.document.Document, stand-in: fields as attributes, db_set, the document
before save, and the method order of insert / save / submit / cancel with run_method
calling the doc_events handlers after the controller's own method."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import frappe

_names = itertools.count(1)


class Document(frappe._dict):
    def __init__(self, doctype: str, **fields: Any) -> None:
        super().__init__(fields)
        self["doctype"] = doctype
        self["_before_save"] = None

    def db_set(self, field: str | dict, value: Any = None) -> None:
        """Sets fields on the document and in the database, without save methods."""
        values = field if isinstance(field, dict) else {field: value}
        self.update(values)
        frappe.db.set_value(self.doctype, self.name, values)

    def get_doc_before_save(self) -> "Document | None":
        return self["_before_save"]

    def run_method(self, method: str, *args: Any, **kwargs: Any) -> None:
        own = getattr(type(self), method, None)
        if own is not None:
            own(self, *args, **kwargs)
        for handler in frappe.doc_events.get(self.doctype, {}).get(method, []):
            frappe.get_attr(handler)(self, method, *args, **kwargs)

    def _write(self) -> None:
        frappe.store[(self.doctype, self.name)] = {
            k: copy.deepcopy(v) for k, v in self.items() if k != "_before_save"}

    def insert(self) -> "Document":
        if not self.get("name"):
            self["name"] = f"{self.doctype[:3].upper()}-{next(_names):05d}"
        self.setdefault("docstatus", 0)
        self.run_method("before_insert")
        self.run_method("validate")
        self._write()
        self.run_method("after_insert")
        self.run_method("on_update")
        return self

    def _load_before(self) -> None:
        self["_before_save"] = frappe.get_doc(self.doctype, self.name)

    def save(self) -> "Document":
        self._load_before()
        self.run_method("validate")
        self._write()
        self.run_method("on_update")
        return self

    def submit(self) -> "Document":
        self._load_before()
        self["docstatus"] = 1
        self.run_method("validate")
        self.run_method("before_submit")
        self._write()
        self.run_method("on_update")
        self.run_method("on_submit")
        return self

    def cancel(self) -> "Document":
        self._load_before()
        self["docstatus"] = 2
        self.run_method("before_cancel")
        self._write()
        self.run_method("on_cancel")
        return self
