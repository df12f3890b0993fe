"""odoo.fields stand-in: descriptors reading the record's stored value."""


class Field:
    def __init__(self, string=None, default=None, **_):
        self.string, self.default = string, default

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, record, owner=None):
        if record is None:
            return self
        return record._read(self.name)

    def __set__(self, record, value):
        """record.field = value (a compute method's assignment): kept on the record's row."""
        record.env.data[record._name][record.ensure_one().id][self.name] = value


class Char(Field):
    pass


class Text(Field):
    pass


class Boolean(Field):
    pass


class Date(Field):
    pass


class Selection(Field):
    def __init__(self, selection=None, string=None, **kw):
        super().__init__(string, **kw)


class Many2one(Field):
    def __init__(self, comodel_name, string=None, **kw):
        super().__init__(string, **kw)
        self.comodel_name = comodel_name

    def __get__(self, record, owner=None):
        if record is None:
            return self
        return record.env[self.comodel_name].browse(record._read(self.name) or [])
