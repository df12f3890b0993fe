"""op.student: ECK iD fields, and pupil created / PGN changed from create and write.

A failure never raises (the host's save must stand): it is posted on the student's chatter
and kept in eckid_status until a later event succeeds. PGNs go to the plugin only.

An event the Nummervoorziening does not answer in time (down, slow) stays in the plugin's
outbox: eckid_status says "QUEUED: ..." and the cron job "ECK iD: deliver results"
(data/ir_cron.xml) writes the ECK iD once the plugin has it (_eckid_deliver_results).
"""

import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)
# The chatter is read by every user who sees the student: the reason (service messages, paths)
# is in eckid_status, for the group "ECK iD / Manager" only.
NO_ECKID_NOTE = "No ECK iD yet: the reason is on the ECK iD tab (ECK iD managers)."


class OpStudent(models.Model):
    _inherit = "op.student"

    eckid_pgn = fields.Char("BSN or onderwijsnummer", groups="base.group_system", copy=False)
    eckid_school_id = fields.Many2one("res.company", "School (ECK iD)", copy=False)
    # eckid, eckid_status: stored apart in eckid.record, group-restricted (eckid_record.py);
    # written here as superuser (sudo), whoever saved the student.

    def _eckid_pgn(self, school=None):
        field = (school or self.eckid_school_id).eckid_pgn_field or "eckid_pgn"
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
            status = getattr(e.status, "name", str(e.status))
            super(OpStudent, self.sudo()).write({"eckid_status": f"{status}: {e}"})
            self.message_post(body=NO_ECKID_NOTE)
            return
        if result.queued:
            super(OpStudent, self.sudo()).write({"eckid_status": self._eckid_queued_status(result)})
            self.message_post(body="ECK iD requested: the Nummervoorziening has not answered "
                                   "yet; the ECK iD is written when it does.")
            return
        super(OpStudent, self.sudo()).write(
            {"eckid": result.eckid, "eckid_school_id": school.id, "eckid_status": False})

    @staticmethod
    def _eckid_queued_status(result):
        return f"QUEUED: event {result.event_id}" + (
            f", last try: {result.message}" if result.message else "")

    def _eckid_write_result(self, result):
        """Writes one delivered result into its student (pupil_key: the student's id, school
        key: the company's id): the ECK iD and school, or the failure with a chatter note."""
        student = self.browse(int(result.pupil_key)).exists()
        if not student:
            return  # deleted meanwhile
        if result.ok:
            super(OpStudent, student.sudo()).write({"eckid": result.eckid, "eckid_status": False,
                                             "eckid_school_id": int(result.school_key)})
        elif result.queued:
            super(OpStudent, student.sudo()).write(
                {"eckid_status": self._eckid_queued_status(result)})
        else:
            super(OpStudent, student.sudo()).write(
                {"eckid_status": f"{result.status_name}: {result.message}"})
            student.message_post(body=NO_ECKID_NOTE)

    @api.model
    def _eckid_deliver_results(self):
        """Cron entry point: for each eckid service file of the companies, writes every result
        the plugin finished after its event call returned QUEUED, then acknowledges it (only
        once written: a crash in between delivers it again)."""
        import eckid

        done = set()
        for company in self.env["res.company"].search([]):
            service = company.eckid_service_file
            if not service or service in done:
                continue
            done.add(service)
            try:
                plugin = company._eckid_plugin()
                while (result := plugin.poll()) is not None:
                    self._eckid_write_result(result)
                    plugin.ack(result.event_id)
            except eckid.EckIdError as e:
                _logger.warning("ECK iD delivery for %s: %s", service, e)

    def _eckid_created(self, school):
        pgn = self._eckid_pgn(school)
        if pgn:
            key = str(school.id)
            self._eckid_apply(school, lambda p: p.pupil_created(key, str(self.id), pgn))

    def _eckid_move(self, school, date=None):
        """The student's school becomes `school`: a transfer from the recorded one, or a
        creation when there is none or the two do not share a service file."""
        old = self.eckid_school_id
        if not school or school == old:
            return
        pgn = self._eckid_pgn(school)
        if not pgn:
            return
        if not old or not self.eckid or old.eckid_service_file != school.eckid_service_file:
            self._eckid_created(school)
            return
        self._eckid_apply(school, lambda p: p.pupil_transferred(
            str(self.id), str(old.id), str(school.id), pgn, date))

    @api.model_create_multi
    def create(self, vals_list):
        students = super().create(vals_list)
        for student in students:
            if student.eckid_school_id:
                student._eckid_created(student.eckid_school_id)
        return students

    def write(self, vals):
        fields_ = {(s.eckid_school_id.eckid_pgn_field or "eckid_pgn") for s in self}
        before = {s.id: s._eckid_pgn() for s in self} if fields_ & set(vals) else {}
        result = super().write(vals)
        for student in self.filtered(lambda s: s.id in before and s.eckid_school_id):
            old, new = before[student.id], student._eckid_pgn()
            if not new or old == new:
                continue
            school = student.eckid_school_id
            if not old or not student.eckid:
                student._eckid_created(school)
                continue
            student._eckid_apply(school, lambda p, s=student, o=old, n=new: p.pgn_changed(
                str(school.id), str(s.id), o, n))
        return result
