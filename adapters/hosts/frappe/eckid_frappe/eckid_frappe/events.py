"""Doc event handlers (hooks.py doc_events). Frappe calls each as handler(doc, method) after
the document's own method of that name, inside the request's database transaction
(frappe/model/document.py Document.run_method / Document.hook). An exception a handler
raises aborts the operation and rolls the transaction back, so these handlers never raise:
an ECK iD failure is shown with msgprint and kept in the student's eckid_status until a
later event succeeds, and anything unexpected (e.g. libeckid.so missing) is put in the
Error Log with a message, the host's save going through. The PGN is read from the
configured Student field and passed to the plugin only.

The handlers write into the Student with doc.db_set / frappe.db.set_value, which run no
validate or on_update (Document.db_set), so they never re-enter these handlers.

An event the Nummervoorziening does not answer in time (down, slow) is kept in the plugin's
outbox: the Student gets eckid_status "QUEUED: ..." and the ECK iD is written later by
deliver_results, the scheduler entry point of hooks.py, which polls the plugin.

A deleted Student is forgotten in the plugin (forget_pupil at every configured school) once
the deletion is committed (student_after_delete).
"""

from __future__ import annotations

import functools
import html
import re
from typing import Any, Callable, Optional

import frappe
from frappe import _

import eckid


def _settings():
    return frappe.get_cached_doc("ECK iD Settings")


def _scrubbed(e: BaseException) -> str:
    """The exception's type and message, any run of 8 or more digits (a BSN or
    onderwijsnummer could be one) replaced, for the Error Log and the user's message."""
    return re.sub(r"\d{8,}", "[digits removed]", f"{type(e).__name__}: {e}")


def _never_raise(handler: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
    """Wraps a doc_events handler so that it never raises (an exception would roll back the
    host's save): an unexpected error goes to the Error Log and into a message."""

    @functools.wraps(handler)
    def run(doc, method: str) -> None:
        try:
            handler(doc, method)
        except Exception as e:  # noqa: BLE001 - nothing may abort the host's operation
            text = _scrubbed(e)
            frappe.log_error(title=f"ECK iD: {doc.doctype} {doc.name} {method}", message=text)
            frappe.msgprint(_("ECK iD step for {0} failed ({1}); the {2} itself went "
                              "through. See the Error Log and the ECK iD Settings.").format(
                                  doc.name, text, doc.doctype),
                            title=_("ECK iD"), indicator="red")

    return run


def _schools(settings) -> dict[str, eckid.SchoolSettings]:
    return {row.company: eckid.SchoolSettings(
        key=row.company, oin=row.oin or "", sector=row.sector or "",
        chains=(row.chains or "").split(), enabled=bool(row.enabled),
        start_date=str(row.start_date) if row.start_date else None) for row in settings.schools}


def _apply(student, school: str, event: Callable[[eckid.Plugin], eckid.Result]) -> None:
    """Runs one plugin event for a school configured in the settings (others are left
    alone) and writes the ECK iD and the student's school into the Student, or the failure
    into eckid_status with a message to the user."""
    settings = _settings()
    schools = _schools(settings)
    if school not in schools:
        return
    try:
        result = event(eckid.plugin_for(settings.service_file, schools.values()))
    except eckid.EckIdError as e:
        student.db_set("eckid_status", e.status_text)
        frappe.msgprint(_("No ECK iD yet for {0}: {1}").format(student.name, str(e)),
                        title=_("ECK iD"),
                        indicator="orange" if e.status == eckid.Status.E_NOT_ENABLED else "red")
        return
    if result.queued:
        student.db_set("eckid_status", result.status_text)
        frappe.msgprint(_("ECK iD for {0} requested: the Nummervoorziening has not answered yet; "
                          "the ECK iD is written when it does").format(student.name),
                        title=_("ECK iD"), indicator="blue")
        return
    student.db_set({"eckid": result.eckid, "eckid_school": school, "eckid_status": ""})


def _write_result(result: eckid.Result) -> None:
    """Writes one delivered result into its Student (pupil_key is the Student's name, the
    school key its Company): the ECK iD and school, or the failure into eckid_status."""
    if not frappe.db.exists("Student", result.pupil_key):
        return  # deleted meanwhile: nothing to write
    student = frappe.get_doc("Student", result.pupil_key)
    if result.ok:
        student.db_set({"eckid": result.eckid, "eckid_school": result.school_key,
                        "eckid_status": ""})
    else:
        student.db_set("eckid_status", result.status_text)


def deliver_results() -> None:
    """Scheduler entry point (hooks.py scheduler_events): writes every result the plugin
    finished after its event call returned QUEUED, then acknowledges it (a result is only
    acknowledged once written, so a crash in between delivers it again: Plugin.deliver)."""
    settings = _settings()
    schools = _schools(settings)
    if not settings.service_file or not schools:
        return
    try:
        eckid.plugin_for(settings.service_file, schools.values()).deliver(_write_result)
    except eckid.EckIdError as e:
        frappe.log_error(title="ECK iD delivery", message=str(e))


def check_settings(settings) -> None:
    """Shows every problem eckid finds in the settings (eckid.check: the service file, each
    school's row with its key, the certificate, the salt) in one message; the settings are
    saved all the same. Nothing of a student is read."""
    if not settings.get("service_file"):
        return
    try:
        report = eckid.check(settings.service_file, schools=_schools(settings).values())
    except Exception as e:  # noqa: BLE001 - e.g. libeckid.so missing: shown, the save goes on
        frappe.msgprint(_("The ECK iD settings could not be checked: {0}").format(
            html.escape(_scrubbed(e), quote=False)), title=_("ECK iD"), indicator="red")
        return
    problems = [f for f in report.findings if f.verdict != eckid.Verdict.OK]
    if problems:
        frappe.msgprint("<br>".join(html.escape(str(f), quote=False) for f in problems),
                        title=_("ECK iD settings: {0} problem(s)").format(len(problems)),
                        indicator="red" if report.failures else "orange")


def _pgn(student) -> str:
    return (student.get(_settings().pgn_field) or "").strip()


def _created(student, school: str) -> None:
    pgn = _pgn(student)
    if pgn:
        _apply(student, school, lambda p: p.pupil_created(school, student.name, pgn))


def _move(student, to_school: Optional[str], date: Optional[str]) -> None:
    """The student's school becomes to_school: a transfer from the school of its ECK iD, or
    a creation when it has none or the plugin does not know that school
    (Plugin.transfer_or_create)."""
    from_school = student.get("eckid_school")
    if not to_school or to_school == from_school:
        return
    pgn = _pgn(student)
    if not pgn:
        return
    from_school = from_school if student.get("eckid") else None
    _apply(student, to_school,
           lambda p: p.transfer_or_create(student.name, from_school, to_school, pgn, date))


@_never_raise
def student_after_insert(doc, method: str) -> None:
    """Student.after_insert: pupil created at the student's school (eckid_school)."""
    if doc.get("eckid_school"):
        _created(doc, doc.eckid_school)


@_never_raise
def student_on_update(doc, method: str) -> None:
    """Student.on_update: a changed PGN is a PGN change for a student with an ECK iD, and a
    first try for one without (a PGN that was missing or invalid before)."""
    before = doc.get_doc_before_save()
    if before is None or not doc.get("eckid_school"):
        return
    field = _settings().pgn_field
    old, new = (before.get(field) or "").strip(), (doc.get(field) or "").strip()
    if not new or old == new:
        return
    if not old or not doc.get("eckid"):
        _created(doc, doc.eckid_school)
        return
    school = doc.eckid_school
    _apply(doc, school, lambda p: p.pgn_changed(school, doc.name, old, new))


@_never_raise
def enrollment_on_submit(doc, method: str) -> None:
    """Program Enrollment.on_submit: an enrolment at another school is a transfer."""
    _move(frappe.get_doc("Student", doc.student), doc.get("eckid_school"),
          str(doc.enrollment_date) if doc.get("enrollment_date") else None)


@_never_raise
def enrollment_on_cancel(doc, method: str) -> None:
    """Program Enrollment.on_cancel: the student's school becomes that of their latest
    submitted enrolment left, a transfer back when it differs."""
    rest = frappe.get_all("Program Enrollment",
                          filters={"student": doc.student, "docstatus": 1, "name": ["!=", doc.name]},
                          fields=["eckid_school", "enrollment_date"],
                          order_by="enrollment_date desc", limit=1)
    if rest:
        _move(frappe.get_doc("Student", doc.student), rest[0].eckid_school,
              str(rest[0].enrollment_date))


def _forget(student: str) -> None:
    """Forgets the pupil at every configured school (not only where an ECK iD is recorded:
    an event still queued for another school would otherwise create a record later)."""
    school = "(settings)"
    try:
        settings = _settings()
        schools = _schools(settings)
        for school in schools if settings.service_file else ():
            try:
                eckid.plugin_for(settings.service_file,
                                 schools.values()).forget_pupil(school, student)
            except eckid.EckIdError as e:  # the other schools are still forgotten
                frappe.log_error(title=f"ECK iD: forgetting Student {student} at {school}",
                                 message=_scrubbed(e))
    except Exception as e:  # noqa: BLE001 - runs after the commit: nothing to abort
        frappe.log_error(title=f"ECK iD: forgetting Student {student} at {school}",
                         message=_scrubbed(e))


@_never_raise
def student_after_delete(doc, method: str) -> None:
    """Student.after_delete: the pupil (key: the Student's name) is forgotten in the plugin,
    so that the next Student given the same name (the naming series is reverted when the
    last one is deleted) never gets this one's ECK iD. Done after the commit
    (frappe.db.after_commit): after_delete still runs inside the deletion's transaction,
    which a later error rolls back, and a forget cannot be undone; Frappe versions without
    frappe.db.after_commit (before 15) forget right away."""
    after_commit = getattr(frappe.db, "after_commit", None)
    name = doc.name
    if after_commit is None:
        _forget(name)
    else:
        after_commit.add(lambda: _forget(name))
