"""odoo.exceptions stand-in: the two the addon raises."""


class UserError(Exception):
    """An error shown to the user; the request's transaction is rolled back."""


class AccessError(Exception):
    pass
