"""Where a student's ECK iD lives, and who sees it (../shared/spec/nummervoorziening.md, "What
the sector asks of the school's system").

- Storage: the model eckid.record (table eckid_record), one row per student, apart from the
  student's other data; nobody has access rights on it (security/ir.model.access.csv): only the
  addon's code reads and writes it, as superuser (sudo). op.student keeps its API: the fields
  eckid and eckid_status read and write that row (compute + inverse, not stored in op_student).
- Who: eckid_masked (last 6 characters) and eckid_status (with error details) are for the group
  "ECK iD / Manager" (GROUP); the whole eckid for administrators (base.group_system), through
  the API only: no view shows it, so it never reaches a browser. For anyone else read() and
  fields_get() do not give them and the views drop them (Odoo's field groups).
- Export: none of them is offered in the export dialog (exportable=False), and an export that
  names one anyway (export_data over RPC, also as a related path) is refused (_export_rows):
  Odoo's field groups alone would not stop it for computed fields.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

GROUP = "eckid_openeducat.group_eckid_manager"
ADMIN = "base.group_system"
PRIVATE = frozenset({"eckid", "eckid_status", "eckid_masked"})
MASKED_CHARS = 6  # what sector practice shows at most: the last few characters


class EckidRecord(models.Model):
    _name = "eckid.record"
    _description = "ECK iD of a student (kept apart from the student's record)"
    _rec_name = "student_id"

    student_id = fields.Many2one("op.student", required=True, index=True, ondelete="cascade")
    eckid = fields.Char("ECK iD")
    status = fields.Char("ECK iD status")

    _sql_constraints = [("student_unique", "unique(student_id)",
                         "A student has one ECK iD record.")]

    @api.model
    def _for(self, students):
        """{student id: eckid.record} of students (superuser)."""
        records = self.sudo().search([("student_id", "in", students.ids)])
        return {r.student_id.id: r for r in records}

    @api.model
    def _store(self, student, column, value):
        record = self._for(student).get(student.id)
        if record:
            record.write({column: value or False})
        elif value:
            self.sudo().create({"student_id": student.id, column: value})

    def _export_rows(self, fields, *, _is_toplevel_call=True):
        raise UserError(_("ECK iDs are never exported."))


class OpStudentEckidRecord(models.Model):
    _inherit = "op.student"

    eckid = fields.Char("ECK iD (whole)", compute="_compute_eckid", inverse="_inverse_eckid",
                        groups=ADMIN, exportable=False, copy=False)
    eckid_status = fields.Char("ECK iD status", compute="_compute_eckid_status",
                               inverse="_inverse_eckid_status", groups=GROUP, exportable=False,
                               copy=False)
    eckid_masked = fields.Char("ECK iD", compute="_compute_eckid_masked", groups=GROUP,
                               exportable=False,
                               help="The last 6 characters of the student's ECK iD at this school.")

    def _compute_eckid(self):
        records = self.env["eckid.record"]._for(self._origin)
        for student in self:
            record = records.get(student._origin.id)
            student.eckid = record.eckid if record else False

    def _compute_eckid_status(self):
        records = self.env["eckid.record"]._for(self._origin)
        for student in self:
            record = records.get(student._origin.id)
            student.eckid_status = record.status if record else False

    def _compute_eckid_masked(self):
        records = self.env["eckid.record"]._for(self._origin)
        for student in self:
            record = records.get(student._origin.id)
            student.eckid_masked = ("…" + record.eckid[-MASKED_CHARS:]
                                    if record and record.eckid else False)

    def _inverse_eckid(self):
        for student in self:
            self.env["eckid.record"]._store(student, "eckid", student.eckid)

    def _inverse_eckid_status(self):
        for student in self:
            self.env["eckid.record"]._store(student, "status", student.eckid_status)

    def _export_rows(self, fields, *, _is_toplevel_call=True):
        named = sorted({path[0] for path in fields if path and path[0] in PRIVATE})
        if named:
            raise UserError(_("ECK iDs are never exported (%s).", ", ".join(named)))
        return super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)
