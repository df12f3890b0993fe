"""Per-company (per-school) ECK iD settings, and their check."""

from odoo import _, api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    eckid_enabled = fields.Boolean("Request ECK iDs")
    eckid_start_date = fields.Date("ECK iDs from")
    eckid_oin = fields.Char("School OIN", size=20)
    eckid_sector = fields.Char("Sector id")
    eckid_chains = fields.Text("Chain ids, one per line")
    eckid_service_file = fields.Char("eckid service file",
                                     help="Path of the eckid service file, e.g. /etc/eckid/service.toml")
    eckid_pgn_field = fields.Char("Student field with the PGN", default="eckid_pgn")
    eckid_check = fields.Text(
        "Settings check", compute="_compute_eckid_check", groups="base.group_system",
        help="What eckid finds in the service file and the settings of every school that shares "
             "it (eckid_check): each problem with its file, line and key; the certificate and "
             "the salt. School keys are company ids.")

    def _eckid_schools(self):
        """Every company sharing this company's service file, as an eckid school (key: the
        company id), whichever companies the user may see (the multi-company record rule would
        otherwise leave schools out of the configuration)."""
        import eckid

        companies = self.sudo().search([("eckid_service_file", "=", self.eckid_service_file)])
        return [eckid.SchoolSettings(
            key=str(c.id), oin=c.eckid_oin or "", sector=c.eckid_sector or "",
            chains=(c.eckid_chains or "").split(), enabled=bool(c.eckid_enabled),
            start_date=str(c.eckid_start_date) if c.eckid_start_date else None)
            for c in companies]

    def _eckid_plugin(self):
        """The plugin for this company's service file with _eckid_schools() (eckid.plugin_for:
        one per process, reopened on a change). Raises eckid.EckIdError."""
        import eckid

        self.ensure_one()
        return eckid.plugin_for(self.eckid_service_file, self._eckid_schools())

    @api.depends("eckid_service_file", "eckid_enabled", "eckid_start_date", "eckid_oin",
                 "eckid_sector", "eckid_chains")
    def _compute_eckid_check(self):
        import eckid

        for company in self:
            if not company.eckid_service_file:
                company.eckid_check = False
                continue
            try:
                report = eckid.check(company.eckid_service_file, schools=company._eckid_schools())
            except Exception as e:  # noqa: BLE001 - e.g. libeckid.so missing: shown, not raised
                company.eckid_check = _("Not checked: %(error)s", error=e)
                continue
            problems = [str(f) for f in report.findings if f.verdict != eckid.Verdict.OK]
            company.eckid_check = "\n".join(problems) or _(
                "No problems: %(schools)s school(s) read, certificate and salt fine.",
                schools=len(report.schools))
