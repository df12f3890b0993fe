"""odoo.models stand-in: the registry, the environment and recordsets."""

from __future__ import annotations

import itertools
from typing import Any

from . import fields

_classes: dict[str, list[type]] = {}


class Environment:
    """One database: env[model] gives an empty recordset; env.company the current company;
    messages holds the message_post calls as (model, id, body)."""

    def __init__(self) -> None:
        self.data: dict[str, dict[int, dict]] = {}
        self.messages: list[tuple[str, int, str]] = []
        self._models: dict[str, type] = {}
        self._ids = itertools.count(1)
        self.company_id: int | None = None

    def __getitem__(self, name: str) -> "Model":
        if name not in self._models:
            # The last extension first: each one's super() reaches the one loaded before it.
            self._models[name] = type(name, tuple(reversed(_classes[name])), {})
        return self._models[name](self, [])

    @property
    def company(self) -> "Model":
        return self["res.company"].browse(self.company_id or [])


class Model:
    _name: str | None = None
    _inherit: str | None = None

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        name = cls.__dict__.get("_name") or cls.__dict__.get("_inherit")
        if name:
            _classes.setdefault(name, []).append(cls)
            cls._name = name

    def __init__(self, env: Environment, ids: list[int]) -> None:
        self.env, self._ids = env, list(ids)

    # Recordset basics.
    def browse(self, ids: int | list[int]) -> "Model":
        return type(self)(self.env, [ids] if isinstance(ids, int) else ids)

    def __iter__(self):
        return (self.browse(i) for i in self._ids)

    def __bool__(self) -> bool:
        return bool(self._ids)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and (self._name, self._ids) == (other._name, other._ids)

    def __getitem__(self, field: str) -> Any:
        return getattr(self, field)

    def ensure_one(self) -> "Model":
        if len(self._ids) != 1:
            raise ValueError(f"Expected singleton: {self._name}{self._ids}")
        return self

    @property
    def id(self) -> int | bool:
        return self._ids[0] if self._ids else False

    @property
    def ids(self) -> list[int]:
        return list(self._ids)

    def sudo(self) -> "Model":
        """Superuser mode: the stand-in has no access rights, so the same recordset."""
        return self

    def exists(self) -> "Model":
        rows = self.env.data.get(self._name, {})
        return self.browse([i for i in self._ids if i in rows])

    def filtered(self, keep) -> "Model":
        return self.browse([r.id for r in self if keep(r)])

    def _read(self, name: str) -> Any:
        if not self._ids:
            return False
        return self.env.data[self._name][self.ensure_one().id].get(name, False)

    def _fields(self) -> dict[str, fields.Field]:
        return {k: v for c in reversed(type(self).__mro__) for k, v in vars(c).items()
                if isinstance(v, fields.Field)}

    # ORM methods.
    def create(self, vals_list: list[dict]) -> "Model":
        ids = []
        for vals in vals_list:
            row = {}
            for name, field in self._fields().items():
                default = field.default(self) if callable(field.default) else field.default
                row[name] = default.id if isinstance(default, Model) else default
            new_id = next(self.env._ids)
            self.env.data.setdefault(self._name, {})[new_id] = row
            Model.write(self.browse(new_id), vals)  # as Odoo: create never calls write()
            ids.append(new_id)
        return self.browse(ids)

    def write(self, vals: dict) -> bool:
        for record in self:
            self.env.data[self._name][record.id].update(
                {k: v.id if isinstance(v, Model) else v for k, v in vals.items()})
        return True

    def unlink(self) -> bool:
        for record in self:
            self.env.data[self._name].pop(record.id, None)
        return True

    def search(self, domain: list[tuple[str, str, Any]]) -> "Model":
        rows = self.env.data.get(self._name, {})
        test = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b}
        return self.browse([i for i, row in rows.items()
                            if all(test[op](row.get(f) or False, v) for f, op, v in domain)])

    def message_post(self, body: str = "", **_: Any) -> None:
        for record in self:
            self.env.messages.append((self._name, record.id, body))
