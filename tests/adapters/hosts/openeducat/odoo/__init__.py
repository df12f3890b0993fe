"""A stand-in for the parts of Odoo an addon's model overrides meet, written from Odoo's
documented ORM contract (no Odoo code): models registered by _name and extended by _inherit
(each extension's super() reaches the one before), recordsets, fields with defaults,
Many2one as records, create(vals_list) under @api.model_create_multi, write, unlink, search
with "=" and "!=" domains, message_post recorded per record, sudo(), odoo.exceptions
(UserError, AccessError) and the translation function _ (returns the text, %(name)s filled
from its keywords).

Not stood in: access rights and field groups, compute and inverse (a computed field's value
is kept on the record's row like any other: eckid and eckid_status live in op.student's row
here, in eckid.record in Odoo), views, export. tests/adapters/hosts/openeducat/real/ checks those
in the real Odoo."""

from . import api, exceptions, fields, models  # noqa: F401


def _(source: str, *args, **kwargs) -> str:
    return source % (args or kwargs) if (args or kwargs) else source
