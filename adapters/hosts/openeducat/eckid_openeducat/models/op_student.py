"""op.student: ECK iD fields; pupil created, moved and PGN changed from create and write,
forgotten from unlink.

A student's school is its company: op.student delegates to res.partner (_inherits), so its
company_id is its partner's; a student without one (a partner shared by all companies)
belongs to the company the user works in (env.company). Writing company_id on the student
moves it: the same service file keeps the ECK iD of the same sector (a transfer, no identity
request), another sector or service file gets its own; a company written on the partner
itself (the Contacts app) does not pass through op.student.write and moves nothing until the
student's next save of its company. Course and batch rows (op.student.course) carry no school
in OpenEduCat and send nothing. eckid_school_id records the school of the ECK iD shown.

An event's failure never raises (the host's save must stand): it is posted on the student's chatter
and kept in eckid_status until a later event succeeds. PGNs go to the plugin only.

An event the Nummervoorziening does not answer in time (down, slow) stays in the plugin's
outbox: eckid_status says "QUEUED: ..." and the cron job "ECK iD: deliver results"
(data/ir_cron.xml) writes the ECK iD once the plugin has it (_eckid_deliver_results).
"""

import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)
# The chatter is read by every user who sees the student: the reason (service messages, paths)
# is in eckid_status, for the group "ECK iD / Manager" only.
NO_ECKID_NOTE = "No ECK iD yet: the reason is on the ECK iD tab (ECK iD managers)."


class OpStudent(models.Model):
    _inherit = "op.student"

    eckid_pgn = fields.Char("BSN or onderwijsnummer", groups="base.group_system", copy=False)
    eckid_school_id = fields.Many2one("res.company", "School (ECK iD)", readonly=True,
                                      copy=False)
    # eckid, eckid_status: stored apart in eckid.record, group-restricted (eckid_record.py);
    # written here as superuser (sudo), whoever saved the student.

    def _eckid_school(self):
        """The student's school: its company, or the user's current one when it has none."""
        return self.company_id or self.env.company

    def _eckid_pgn(self, school=None):
        field = (school or self._eckid_school()).eckid_pgn_field or "eckid_pgn"
        return (self[field] or "").strip()

    def _eckid_apply(self, school, event):
        """Runs event(plugin) for a school with an eckid service file; writes the ECK iD and
        the school, or the failure into eckid_status and the chatter."""
        import eckid

        if not school or not school.eckid_service_file:
            return
        try:
            result = event(school._eckid_plugin())
        except eckid.EckIdError as e:
            super(OpStudent, self.sudo()).write({"eckid_status": e.status_text})
            self.message_post(body=NO_ECKID_NOTE)
            return
        if result.queued:
            super(OpStudent, self.sudo()).write({"eckid_status": result.status_text})
            self.message_post(body="ECK iD requested: the Nummervoorziening has not answered "
                                   "yet; the ECK iD is written when it does.")
            return
        super(OpStudent, self.sudo()).write(
            {"eckid": result.eckid, "eckid_school_id": school.id, "eckid_status": False})

    def _eckid_write_result(self, result):
        """Writes one delivered result into its student (pupil_key: the student's id, school
        key: the company's id): the ECK iD and school, or the failure with a chatter note."""
        student = self.browse(int(result.pupil_key)).exists()
        if not student:
            return  # deleted meanwhile
        if result.ok:
            super(OpStudent, student.sudo()).write({"eckid": result.eckid, "eckid_status": False,
                                             "eckid_school_id": int(result.school_key)})
        else:
            super(OpStudent, student.sudo()).write({"eckid_status": result.status_text})
            if not result.queued:
                student.message_post(body=NO_ECKID_NOTE)

    @api.model
    def _eckid_deliver_results(self):
        """Cron entry point: for each eckid service file of the companies, writes every result
        the plugin finished after its event call returned QUEUED, then acknowledges it (only
        once written: a crash in between delivers it again; eckid Plugin.deliver)."""
        import eckid

        done = set()
        for company in self.env["res.company"].search([]):
            service = company.eckid_service_file
            if not service or service in done:
                continue
            done.add(service)
            try:
                company._eckid_plugin().deliver(self._eckid_write_result)
            except eckid.EckIdError as e:
                _logger.warning("ECK iD delivery for %s: %s", service, e)

    def _eckid_created(self, school):
        pgn = self._eckid_pgn(school)
        if pgn:
            key = str(school.id)
            self._eckid_apply(school, lambda p: p.pupil_created(key, str(self.id), pgn))

    def _eckid_move(self, school):
        """The student's school becomes `school`: a transfer from the school of its ECK iD
        when both share a service file (the plugin has a record there), else a creation at
        `school` (eckid Plugin.transfer_or_create)."""
        old = self.eckid_school_id
        if not school or school == old:
            return
        pgn = self._eckid_pgn(school)
        if not pgn:
            return
        from_key = str(old.id) if old and self.eckid else None
        self._eckid_apply(school, lambda p: p.transfer_or_create(
            str(self.id), from_key, str(school.id), pgn))

    @api.model_create_multi
    def create(self, vals_list):
        students = super().create(vals_list)
        for student in students:
            student._eckid_created(student._eckid_school())
        return students

    def write(self, vals):
        """A PGN change (the school's PGN field) and a school change (company_id) of each
        student; the addon's own writes go to super().write and never come back here."""
        fields_ = {(s._eckid_school().eckid_pgn_field or "eckid_pgn") for s in self}
        before = {s.id: s._eckid_pgn() for s in self} if fields_ & set(vals) else {}
        result = super().write(vals)
        for student in self:
            school = student._eckid_school()
            if "company_id" in vals and school != student.eckid_school_id:
                student._eckid_move(school)
                continue
            if student.id not in before:
                continue
            old, new = before[student.id], student._eckid_pgn()
            if not new or old == new:
                continue
            if not old or not student.eckid or student.eckid_school_id != school:
                student._eckid_created(school)
                continue
            student._eckid_apply(school, lambda p, s=student, o=old, n=new: p.pgn_changed(
                str(school.id), str(s.id), o, n))
        return result

    def unlink(self):
        """Deletes the students, then forgets them in the plugin at every school with an
        eckid service file (their ECK iDs, the records a transfer left at earlier schools,
        their queued events; eckid_forget_pupil): idempotent, no service call. A plugin that
        cannot forget raises UserError, which rolls the deletion back (schools forgotten
        before it stay forgotten: the student's next event recreates their records). A
        student deleted with its partner (res.partner's ondelete cascade in the database)
        does not pass through here."""
        import eckid

        keys = [str(i) for i in self.ids]
        result = super().unlink()
        schools = self.env["res.company"].sudo().search([("eckid_service_file", "!=", False)])
        for school in schools:
            try:
                plugin = school._eckid_plugin()
                for key in keys:
                    plugin.forget_pupil(str(school.id), key)
            except eckid.EckIdError as e:
                raise UserError(_(
                    "The students were not deleted: the ECK iD plugin of %(school)s could not "
                    "forget them (%(error)s). Fix that school's eckid service file, or clear it "
                    "if the school no longer uses ECK iDs, and delete again.",
                    school=school.name, error=e)) from e
        return result
