"""The forms of a RosarioSIS page as a browser would submit them: every named field with its
current value (text inputs, hidden inputs, checked boxes, the selected or first option of a
select, textareas), so a test posts what the page posts and changes only what a user types."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Optional


class Form:
    def __init__(self, action: str, method: str) -> None:
        self.action, self.method = html.unescape(action), method.upper()
        self.fields: list[tuple[str, str]] = []
        self.options: dict[str, list[str]] = {}  # select name -> option values

    def with_values(self, overrides: dict[str, Optional[str]]) -> list[tuple[str, str]]:
        """The fields as (name, value) pairs, overrides[name] replacing a field's value (or
        adding the field); a None override drops the field (an unchecked box)."""
        out, seen = [], set()
        for name, value in self.fields:
            if name in overrides:
                if name not in seen and overrides[name] is not None:
                    out.append((name, overrides[name]))
                seen.add(name)
            else:
                out.append((name, value))
        out += [(k, v) for k, v in overrides.items() if k not in seen and v is not None]
        return out


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.select: Optional[tuple[str, list[str], Optional[str]]] = None
        self.option: Optional[str] = None
        self.textarea: Optional[str] = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "GET")))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        if tag == "input" and "name" in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                form.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and "name" in a:
            self.select = (a["name"], [], None)
        elif tag == "option" and self.select is not None:
            name, values, chosen = self.select
            values.append(a.get("value", ""))
            if "selected" in a:
                chosen = a.get("value", "")
            self.select = (name, values, chosen)
        elif tag == "textarea" and "name" in a:
            self.textarea, self.text = a["name"], ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self.select is not None and self.forms:
            name, values, chosen = self.select
            self.forms[-1].options[name] = values
            if chosen is not None or values:
                self.forms[-1].fields.append((name, chosen if chosen is not None else values[0]))
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.forms:
            self.forms[-1].fields.append((self.textarea, self.text.lstrip("\n")))
            self.textarea = None


def forms(page: str) -> list[Form]:
    parser = _Parser()
    parser.feed(page)
    return parser.forms


def form(page: str, action: str) -> Form:
    """The page's form whose action matches the regular expression action."""
    for f in forms(page):
        if re.search(action, f.action):
            return f
    raise LookupError(f"no form with action matching {action!r}; actions: "
                      + ", ".join(f.action for f in forms(page)))


def text(page: str) -> str:
    """The page's visible text, tags removed and whitespace collapsed."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def form_with(page: str, field: str) -> Form:
    """The page's form that has a field named field."""
    for f in forms(page):
        if any(name == field for name, _ in f.fields) or field in f.options:
            return f
    raise LookupError(f"no form with a field {field!r}")
