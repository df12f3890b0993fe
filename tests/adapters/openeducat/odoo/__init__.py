"""A stand-in for the parts of Odoo an addon's model overrides meet, written from Odoo's
documented ORM contract (no Odoo code): models registered by _name and extended by _inherit
(each extension's super() reaches the one before), recordsets, fields with defaults,
Many2one as records, create(vals_list) under @api.model_create_multi, write, search with
"=" domains, and message_post recorded per record."""

from . import api, fields, models  # noqa: F401
