"""frappe.model.document.Document, stand-in (see frappe/__init__.py for what it is). Follows
frappe/model/document.py of frappe/frappe (version-14/15 line):

- Document.insert: check_if_latest (get_doc_before_save() is None for a new document),
  before_insert, the name set, run_before_save_methods (before_validate, validate,
  before_save), db_insert, after_insert, run_post_save_methods (on_update, on_change);
  is_new() stays true until insert returns (__islocal is removed last).
- Document._save (save, submit = docstatus 1 + save, cancel = docstatus 2 + save):
  check_if_latest loads the stored document into get_doc_before_save() and derives the
  action from the docstatus transition (0->0 save, 0->1 submit, 1->1 update_after_submit,
  1->2 cancel); run_before_save_methods (save: before_validate, validate, before_save;
  submit: before_validate, validate, before_submit; cancel: before_cancel;
  update_after_submit: before_update_after_submit); db_update; run_post_save_methods
  (save: on_update; submit: on_update, on_submit; cancel: on_cancel;
  update_after_submit: on_update_after_submit; then on_change).
- Document.run_method / Document.hook: the controller's method, then each doc_events
  handler (the doctype's, then "*") as handler(doc, method).
- Document.db_set: sets the fields, loads the document before save if none is loaded,
  runs before_change, frappe.db.set_value, on_change; no validate, no on_update.
- has_value_changed(field): the value differs from get_doc_before_save()'s, or there is no
  document before save.
"""

from __future__ import annotations

import copy
from typing import Any

import frappe


class Document(frappe._dict):
    def __init__(self, doctype: str, **fields: Any) -> None:
        super().__init__(fields)
        self["doctype"] = doctype

    # Not fields of the document: kept out of the store.
    _LOCAL = ("_doc_before_save", "__islocal", "_action")

    def is_new(self) -> bool:
        return bool(self.get("__islocal"))

    def get_doc_before_save(self) -> "Document | None":
        return self.get("_doc_before_save")

    def has_value_changed(self, fieldname: str) -> bool:
        previous = self.get_doc_before_save()
        return previous.get(fieldname) != self.get(fieldname) if previous else True

    def load_doc_before_save(self) -> None:
        self["_doc_before_save"] = None if self.is_new() else frappe.get_doc(self.doctype,
                                                                             self.name)

    def db_set(self, fieldname: str | dict, value: Any = None) -> None:
        values = fieldname if isinstance(fieldname, dict) else {fieldname: value}
        self.update(values)
        if not self.get_doc_before_save():
            self.load_doc_before_save()
        self.run_method("before_change")
        frappe.db.set_value(self.doctype, self.name, values)
        self.run_method("on_change")

    def run_method(self, method: str) -> None:
        own = getattr(type(self), method, None)
        if callable(own):
            own(self)
        for handler in (frappe.doc_events.get(self.doctype, {}).get(method, [])
                        + frappe.doc_events.get("*", {}).get(method, [])):
            frappe.get_attr(handler)(self, method)

    def _write(self) -> None:
        frappe.store[(self.doctype, self.name)] = {
            k: copy.deepcopy(v) for k, v in self.items() if k not in self._LOCAL}

    @frappe.transaction
    def insert(self) -> "Document":
        self["__islocal"] = True
        self.setdefault("docstatus", 0)
        self["_doc_before_save"] = None
        self.run_method("before_insert")
        if not self.get("name"):
            self["name"] = frappe.new_name(self.doctype)
        self.run_method("before_validate")
        self.run_method("validate")
        self.run_method("before_save")
        self._write()
        self.run_method("after_insert")
        self.run_method("on_update")
        self.run_method("on_change")
        del self["__islocal"]
        return self

    @frappe.transaction
    def save(self) -> "Document":
        if self.is_new() or not self.get("name"):
            return self.insert()
        self.load_doc_before_save()
        before = self.get_doc_before_save().get("docstatus") or 0
        now = self.get("docstatus") or 0
        action = {(0, 0): "save", (0, 1): "submit", (1, 1): "update_after_submit",
                  (1, 2): "cancel"}.get((before, now))
        if action is None:
            frappe.throw(f"Cannot change docstatus from {before} to {now}")
        if action in ("save", "submit"):
            self.run_method("before_validate")
            self.run_method("validate")
        self.run_method({"save": "before_save", "submit": "before_submit",
                         "cancel": "before_cancel",
                         "update_after_submit": "before_update_after_submit"}[action])
        self._write()
        for method in {"save": ["on_update"], "submit": ["on_update", "on_submit"],
                       "cancel": ["on_cancel"],
                       "update_after_submit": ["on_update_after_submit"]}[action]:
            self.run_method(method)
        self.run_method("on_change")
        return self

    def submit(self) -> "Document":
        self["docstatus"] = 1
        return self.save()

    def cancel(self) -> "Document":
        self["docstatus"] = 2
        return self.save()

    def delete(self) -> None:
        frappe.delete_doc(self.doctype, self.name)
