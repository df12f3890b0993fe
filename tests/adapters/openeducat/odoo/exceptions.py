"""odoo.exceptions stand-in."""


class UserError(Exception):
    """An error shown to the user; the request's transaction is rolled back."""
