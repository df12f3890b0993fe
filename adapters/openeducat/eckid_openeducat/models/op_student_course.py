"""op.student.course: an enrolment row at another school (a new row after the old one is
finished, or a row moved to another school) is a transfer of the student."""

from odoo import api, fields, models


class OpStudentCourse(models.Model):
    _inherit = "op.student.course"

    eckid_school_id = fields.Many2one("res.company", "School (ECK iD)",
                                      default=lambda self: self.env.company)

    @api.model_create_multi
    def create(self, vals_list):
        rows = super().create(vals_list)
        for row in rows:
            row.student_id._eckid_move(row.eckid_school_id)
        return rows

    def write(self, vals):
        result = super().write(vals)
        if "eckid_school_id" in vals:
            for row in self.filtered(lambda r: r.state != "finished"):
                row.student_id._eckid_move(row.eckid_school_id)
        return result
