"""odoo.exceptions stand-in: the two the addon raises."""


class UserError(Exception):
    pass


class AccessError(Exception):
    pass
