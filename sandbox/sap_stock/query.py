"""OData V2 system query options the stand-in honours: ``$filter``, ``$orderby``, ``$select``,
``$expand``, ``$top``, ``$skip``, ``$inlinecount`` and the ``$skiptoken`` it issues itself.

``$filter`` follows the OData V2 URI conventions (MS-ODATA 2.2.2,
https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-odata/72d4ebf9-5480-49a4-b88b-c5782f726c87):
``eq ne gt ge lt le``, ``and or not``, parentheses, ``startswith``, ``endswith`` and
``substringof``; string literals in single quotes with ``''`` for a quote, decimals with an
optional ``M``, ``null``. A property the entity does not have, or a literal of the wrong
kind, is a 400 naming it - as SAP Gateway refuses it - never silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sandbox.sap_stock.errors import ODataError
from sandbox.sap_stock.model import EntitySet

Row = Mapping[str, Any]
RowT = TypeVar("RowT", bound=Mapping[str, Any])
Predicate = Callable[[Row], Any]

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?[mMdD]?)|(?P<name>[A-Za-z_]\w*)"
    r"|(?P<punct>[(),]))")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}
_FUNCTIONS: dict[str, Callable[[Any, Any], bool]] = {
    "startswith": lambda s, p: isinstance(s, str) and s.startswith(p),
    "endswith": lambda s, p: isinstance(s, str) and s.endswith(p),
    "substringof": lambda p, s: isinstance(s, str) and p in s,
}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokens(text: str) -> list[_Token]:
    found, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ODataError(400, f"Invalid filter expression at position {position}: "
                                  f"{text[position:position + 20]!r}")
        kind = match.lastgroup or ""
        found.append(_Token(kind, match.group(kind)))
        position = match.end()
    return found


class _Parser:
    """Recursive descent: or > and > not > comparison > primary."""

    def __init__(self, entity: EntitySet, text: str) -> None:
        self.entity = entity
        self.tokens = _tokens(text)
        self.at = 0

    def parse(self) -> Predicate:
        predicate = self._or()
        if self.at != len(self.tokens):
            raise ODataError(400, f"Invalid filter expression near {self.tokens[self.at].text!r}")
        return predicate

    def _peek(self, *words: str) -> bool:
        return self.at < len(self.tokens) and self.tokens[self.at].text in words

    def _take(self, text: str | None = None) -> _Token:
        if self.at >= len(self.tokens) or (text and self.tokens[self.at].text != text):
            raise ODataError(400, f"Invalid filter expression: expected {text or 'more'}")
        self.at += 1
        return self.tokens[self.at - 1]

    def _or(self) -> Predicate:
        left = self._and()
        while self._peek("or"):
            self._take()
            left = _either(left, self._and())
        return left

    def _and(self) -> Predicate:
        left = self._not()
        while self._peek("and"):
            self._take()
            left = _both(left, self._not())
        return left

    def _not(self) -> Predicate:
        if self._peek("not"):
            self._take()
            inner = self._not()
            return lambda row: not inner(row)
        return self._comparison()

    def _comparison(self) -> Predicate:
        left, prop = self._primary()
        if not self._peek(*_COMPARE):
            return left
        compare = _COMPARE[self._take().text]
        right, other = self._primary()
        if self._is_decimal(prop) or self._is_decimal(other):
            left, right = _as_decimals(left), _as_decimals(right)
        return lambda row: compare(left(row), right(row))

    def _is_decimal(self, name: str | None) -> bool:
        prop = self.entity.prop(name) if name else None
        return prop is not None and prop.type == "Edm.Decimal"

    def _primary(self) -> tuple[Predicate, str | None]:
        token = self._take()
        if token.text == "(":
            inner = self._or()
            self._take(")")
            return inner, None
        if token.kind == "str":
            value = token.text[1:-1].replace("''", "'")
            return (lambda row: value), None
        if token.kind == "num":
            return _number(token.text), None
        if token.text == "null":
            return (lambda row: None), None
        if token.text in _FUNCTIONS:
            return self._function(token.text), None
        return self._property(token.text)

    def _function(self, name: str) -> Predicate:
        self._take("(")
        first, _ = self._primary()
        self._take(",")
        second, _ = self._primary()
        self._take(")")
        call = _FUNCTIONS[name]
        return lambda row: call(first(row), second(row))

    def _property(self, name: str) -> tuple[Predicate, str | None]:
        if self.entity.prop(name) is None:
            raise ODataError(400, f"Property {name} not found in type {self.entity.type_name}")
        return (lambda row: row.get(name)), name


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda row: bool(a(row)) or bool(b(row))


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda row: bool(a(row)) and bool(b(row))


def _number(text: str) -> Predicate:
    try:
        value = Decimal(text.rstrip("mMdD"))
    except InvalidOperation:
        raise ODataError(400, f"Invalid number literal {text!r}") from None
    return lambda row: value


def _as_decimals(operand: Predicate) -> Predicate:
    """An operand compared with a decimal property, read as a decimal."""
    def read(row: Row) -> Any:
        value = operand(row)
        if isinstance(value, str):
            try:
                return Decimal(value)
            except InvalidOperation:
                raise ODataError(400, f"Invalid decimal literal {value!r}") from None
        return value
    return read


def compile_filter(entity: EntitySet, text: str) -> Predicate:
    """A predicate over rows for ``$filter`` text; ``ODataError`` 400 when it is not one."""
    return _Parser(entity, text).parse()


def order_rows(entity: EntitySet, rows: Sequence[RowT], text: str) -> list[RowT]:
    """Rows sorted by ``$orderby`` (``A,B desc``), then by key, so paging is stable."""
    keys: list[tuple[str, bool]] = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        name, _, direction = part.partition(" ")
        if entity.prop(name) is None:
            raise ODataError(400, f"Property {name} not found in type {entity.type_name}")
        keys.append((name, direction.strip().lower() == "desc"))
    ordered = sorted(rows, key=lambda r: tuple(str(r.get(k, "")) for k in entity.keys))
    for name, descending in reversed(keys):
        ordered.sort(key=_by(name), reverse=descending)
    return ordered


def _by(name: str) -> Callable[[Row], tuple[int, Any]]:
    return lambda row: _sortable(row.get(name))


def _sortable(value: Any) -> tuple[int, Any]:
    return (0, "") if value is None else (1, value)


def selection(entity: EntitySet, text: str) -> tuple[list[str], list[str]]:
    """``$select`` as (properties, navigations); every property when it is empty or ``*``."""
    names = [n.strip() for n in text.split(",") if n.strip()] if text else []
    if not names or "*" in names:
        return [p.name for p in entity.props], [n.name for n in entity.navs]
    props, navs = [], []
    for name in names:
        head = name.split("/", 1)[0]
        if entity.nav(head) is not None:
            navs.append(head)
        elif entity.prop(name) is not None:
            props.append(name)
        else:
            raise ODataError(400, f"Property {name} not found in type {entity.type_name}")
    return props, navs


def expansion(entity: EntitySet, text: str) -> list[str]:
    navs = [n.strip() for n in text.split(",") if n.strip()] if text else []
    for name in navs:
        if entity.nav(name) is None:
            raise ODataError(400, f"Navigation property {name} not found in type "
                                  f"{entity.type_name}")
    return navs


def whole_number(options: Mapping[str, str], name: str) -> int | None:
    value = options.get(name)
    if value is None:
        return None
    if not value.isdigit():
        raise ODataError(400, f"Invalid value {value!r} for system query option {name}")
    return int(value)
