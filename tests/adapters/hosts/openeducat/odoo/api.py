"""odoo.api stand-in."""

import functools


def model_create_multi(method):
    """create() takes a list of value dicts; a single dict is wrapped in a list."""
    @functools.wraps(method)
    def create(self, vals_list):
        return method(self, [vals_list] if isinstance(vals_list, dict) else vals_list)
    return create


def model(method):
    """A method on the model rather than on records (cron entry points): unchanged here."""
    return method


def depends(*_fields):
    """The fields a compute method depends on: unchanged here (compute is not stood in)."""
    return lambda method: method
