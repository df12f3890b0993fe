"""Per-company (per-school) ECK iD settings."""

from odoo import fields, models


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

    def _eckid_plugin(self):
        """The plugin for this company's service file, with every company sharing it as a
        school (key: the company id), whichever companies the user may see (the multi-company
        record rule would otherwise leave schools out of the composed configuration). Raises
        eckid.EckIdError."""
        import eckid

        self.ensure_one()
        companies = self.sudo().search([("eckid_service_file", "=", self.eckid_service_file)])
        return eckid.plugin_for(self.eckid_service_file, [eckid.SchoolSettings(
            key=str(c.id), oin=c.eckid_oin or "", sector=c.eckid_sector or "",
            chains=(c.eckid_chains or "").split(), enabled=bool(c.eckid_enabled),
            start_date=str(c.eckid_start_date) if c.eckid_start_date else None)
            for c in companies])
