"""Doc event handlers, called by Frappe as handler(doc, method) after the document's own
method (hooks.py). They never raise: a failure must not roll back the host's save, so it is
shown with msgprint and kept in the student's eckid_status until a later event succeeds.
The PGN is read from the configured Student field and passed to the plugin only.

An event the Nummervoorziening does not answer in time (down, slow) is kept in the plugin's
outbox: the Student gets eckid_status "QUEUED: ..." and the ECK iD is written later by
deliver_results, the scheduler entry point of hooks.py, which polls the plugin.
"""

from __future__ import annotations

from typing import Callable, Optional

import frappe
from frappe import _

import eckid


def _settings():
    return frappe.get_cached_doc("ECK iD Settings")


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
        status = getattr(e.status, "name", str(e.status))
        student.db_set("eckid_status", f"{status}: {e}")
        frappe.msgprint(_("No ECK iD yet for {0}: {1}").format(student.name, str(e)),
                        title=_("ECK iD"),
                        indicator="orange" if e.status == eckid.Status.E_NOT_ENABLED else "red")
        return
    if result.queued:
        student.db_set("eckid_status", _queued_status(result))
        frappe.msgprint(_("ECK iD for {0} requested: the Nummervoorziening has not answered yet; "
                          "the ECK iD is written when it does").format(student.name),
                        title=_("ECK iD"), indicator="blue")
        return
    student.db_set({"eckid": result.eckid, "eckid_school": school, "eckid_status": ""})


def _queued_status(result: eckid.Result) -> str:
    return f"QUEUED: event {result.event_id}" + (f", last try: {result.message}"
                                                 if result.message else "")


def _write_result(result: eckid.Result) -> None:
    """Writes one delivered result into its Student (pupil_key is the Student's name, the
    school key its Company): the ECK iD and school, or the failure into eckid_status."""
    if not frappe.db.exists("Student", result.pupil_key):
        return  # deleted meanwhile: nothing to write
    student = frappe.get_doc("Student", result.pupil_key)
    if result.ok:
        student.db_set({"eckid": result.eckid, "eckid_school": result.school_key,
                        "eckid_status": ""})
    elif result.queued:
        student.db_set("eckid_status", _queued_status(result))
    else:
        student.db_set("eckid_status", f"{result.status_name}: {result.message}")


def deliver_results() -> None:
    """Scheduler entry point (hooks.py scheduler_events): writes every result the plugin
    finished after its event call returned QUEUED, then acknowledges it (a result is only
    acknowledged once written, so a crash in between delivers it again)."""
    settings = _settings()
    schools = _schools(settings)
    if not settings.service_file or not schools:
        return
    try:
        plugin = eckid.plugin_for(settings.service_file, schools.values())
        while (result := plugin.poll()) is not None:
            _write_result(result)
            plugin.ack(result.event_id)
    except eckid.EckIdError as e:
        frappe.log_error(title="ECK iD delivery", message=str(e))


def _pgn(student) -> str:
    return (student.get(_settings().pgn_field) or "").strip()


def _created(student, school: str) -> None:
    pgn = _pgn(student)
    if pgn:
        _apply(student, school, lambda p: p.pupil_created(school, student.name, pgn))


def _move(student, to_school: Optional[str], date: Optional[str]) -> None:
    """The student's school becomes to_school: a transfer from the recorded school, or a
    creation when there is none (or it is not configured)."""
    from_school = student.get("eckid_school")
    if not to_school or to_school == from_school:
        return
    pgn = _pgn(student)
    if not pgn:
        return
    if not from_school or not student.get("eckid") or from_school not in _schools(_settings()):
        _created(student, to_school)
        return
    _apply(student, to_school,
           lambda p: p.pupil_transferred(student.name, from_school, to_school, pgn, date))


def student_after_insert(doc, method: str) -> None:
    """Student.after_insert: pupil created at the student's school (eckid_school)."""
    if doc.get("eckid_school"):
        _created(doc, doc.eckid_school)


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


def enrollment_on_submit(doc, method: str) -> None:
    """Program Enrollment.on_submit: an enrolment at another school is a transfer."""
    _move(frappe.get_doc("Student", doc.student), doc.get("eckid_school"),
          str(doc.enrollment_date) if doc.get("enrollment_date") else None)


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
