"""Backfill: the ECK iDs of a school's students who have none yet (students from before the
addon, or created while the school was not enabled), requested in one go with the service's
batch operations through eckid_onboard() (Plugin.onboard). The button "Request missing ECK iDs"
on the company's ECK iD tab, for the group "ECK iD / Manager".

A school's students are the op.student rows whose company_id is the company, and, when the
company is the one the user works in (env.company), those without a company: the rule of
op.student._eckid_school. Those with an ECK iD are not sent; those without a PGN are counted. The results come through the plugin's
poll() and are written by the cron "ECK iD: deliver results" (op.student._eckid_deliver_results).
Safe to repeat: students that got their ECK iD are skipped, and the plugin keeps the event of a
pupil still in progress (Plugin.onboard)."""

from odoo import _, fields, models
from odoo.exceptions import AccessError

from .eckid_record import GROUP


class ResCompanyEckidBackfill(models.Model):
    _inherit = "res.company"

    eckid_backfill_note = fields.Text("Last request of missing ECK iDs", readonly=True,
                                      groups=GROUP, copy=False)
    eckid_progress = fields.Char("ECK iDs of this school", compute="_compute_eckid_progress",
                                 groups=GROUP)

    def _eckid_students(self):
        domain = [("company_id", "=", self.id)]
        if self == self.env.company:
            domain = ["|", ("company_id", "=", False)] + domain
        return self.env["op.student"].sudo().search(domain)

    def _compute_eckid_progress(self):
        import eckid

        for company in self:
            students = company._eckid_students()
            have = len(students.filtered("eckid"))
            text = _("%(have)s of %(all)s students have one", have=have, all=len(students))
            if company.eckid_service_file and company.eckid_enabled:
                try:
                    info = company.sudo()._eckid_plugin().onboard_status(str(company.id))
                    busy = info.waiting + info.hashed + info.in_batch + info.deferred
                    if busy:
                        text += _("; %(busy)s being requested", busy=busy)
                except eckid.EckIdError:
                    pass  # the button's note says why
            company.eckid_progress = text

    def action_eckid_backfill(self):
        """Requests the ECK iDs of the school's students without one (eckid_onboard()); writes
        a note on the company and each sent student's status, and wakes the delivery cron."""
        import eckid

        if not self.env.user.has_group(GROUP):
            raise AccessError(_("Only members of ECK iD / Manager can request ECK iDs."))
        self.ensure_one()
        company = self.sudo()
        Student = self.env["op.student"].sudo()
        missing = company._eckid_students().filtered(lambda s: not s.eckid)
        rows = [(str(s.id), pgn, eckid.PgnKind.PUPIL)
                for s in missing if (pgn := s._eckid_pgn(company))]
        no_pgn = len(missing) - len(rows)
        now = fields.Datetime.to_string(fields.Datetime.now())
        if not rows:
            note = _("%(now)s UTC: nothing to request (%(no_pgn)s students without a PGN).",
                     now=now, no_pgn=no_pgn)
        else:
            try:
                receipts = company._eckid_plugin().onboard(str(company.id), rows)
            except eckid.EckIdError as e:
                receipts = None
                note = _("%(now)s UTC: nothing requested: %(status)s: %(error)s", now=now,
                         status=getattr(e.status, "name", str(e.status)), error=e)
            if receipts is not None:
                refused = []
                for receipt in receipts:
                    student = Student.browse(int(receipt.pupil_key))
                    if receipt.accepted:
                        status = f"QUEUED: event {receipt.event_id} (backfill)"
                    else:
                        status = f"{receipt.status_name}: {receipt.message}"
                        refused.append(f"{student.name} (id {student.id}): {status}")
                    student.write({"eckid_status": status})
                note = _("%(now)s UTC: %(sent)s students sent, %(refused)s refused, "
                         "%(no_pgn)s without a PGN; the ECK iDs are written as they arrive.",
                         now=now, sent=len(receipts) - len(refused), refused=len(refused),
                         no_pgn=no_pgn)
                note += "".join("\n" + line for line in refused)
                self.env.ref("eckid_openeducat.ir_cron_eckid_deliver_results").sudo()._trigger()
        company.eckid_backfill_note = note
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("ECK iD"), "message": note.splitlines()[0],
                           "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}
