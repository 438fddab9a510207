"""A small builder for OData V2 ``$filter`` expressions and key predicates.

Field names are checked against the entity's properties from ``$metadata`` and values are only
ever written through :func:`literal`, which spells each EDM type the way OData V2's URI
conventions define it (strings in single quotes with ``'`` doubled, ``datetime'…'``,
``datetimeoffset'…'``, ``…M`` decimals, ``…L`` 64-bit integers; MS-ODATA 2.2.2,
https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-odata/72d4ebf9-5480-49a4-b88b-c5782f726c87).
Nothing here formats a caller's value into text any other way, so a value such as ``O'Brien``
or ``') or ('1' eq '1`` stays one literal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from connectors.errors import ConfigError
from connectors.sap.values import iso_millis, to_utc

Operator = Literal["eq", "ne", "gt", "ge", "lt", "le"]
_OPERATORS: frozenset[str] = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
_INTEGER = {"Edm.Int16", "Edm.Int32", "Edm.Byte", "Edm.SByte"}


@dataclass(frozen=True)
class Filter:
    """A finished ``$filter`` expression; combine with ``&`` and ``|``."""

    text: str

    def __and__(self, other: Filter) -> Filter:
        return Filter(f"({self.text}) and ({other.text})")

    def __or__(self, other: Filter) -> Filter:
        return Filter(f"({self.text}) or ({other.text})")


def any_of(filters: Iterable[Filter]) -> Filter:
    """Disjunction of ``filters`` (at least one)."""
    items = list(filters)
    if not items:
        raise ValueError("any_of needs at least one filter")
    return Filter(" or ".join(f"({item.text})" for item in items))


def string_literal(value: str) -> str:
    """``'value'`` with every single quote doubled, the only escape V2 defines in a string."""
    return "'" + value.replace("'", "''") + "'"


def literal(value: Any, edm_type: str) -> str:
    """``value`` spelled as an OData V2 literal of ``edm_type``; refuses a value that is not of
    that type rather than guessing a conversion."""
    if value is None:
        return "null"
    if edm_type == "Edm.String" and isinstance(value, str):
        return string_literal(value)
    if edm_type == "Edm.Boolean" and isinstance(value, bool):
        return "true" if value else "false"
    if edm_type == "Edm.DateTime" and isinstance(value, date):
        return f"datetime'{iso_millis(value)}'"
    if edm_type == "Edm.DateTimeOffset" and isinstance(value, date):
        return f"datetimeoffset'{iso_millis(to_utc(value))}Z'"
    return _numeric_literal(value, edm_type)


def _numeric_literal(value: Any, edm_type: str) -> str:
    if isinstance(value, bool):
        raise TypeError(f"{value!r} is not a literal of type {edm_type}")
    if edm_type in _INTEGER and isinstance(value, int):
        return str(value)
    if edm_type == "Edm.Int64" and isinstance(value, int):
        return f"{value}L"
    if edm_type == "Edm.Decimal" and isinstance(value, Decimal | int):
        return f"{Decimal(value)}M"
    if edm_type in {"Edm.Double", "Edm.Single"} and isinstance(value, int | float):
        return f"{float(value)!r}" + ("d" if edm_type == "Edm.Double" else "f")
    if edm_type == "Edm.Time" and isinstance(value, time):
        return f"time'PT{value.hour:02d}H{value.minute:02d}M{value.second:02d}S'"
    if edm_type == "Edm.Guid" and isinstance(value, str | UUID):
        return f"guid'{UUID(str(value))}'"
    raise TypeError(f"{value!r} is not a literal of type {edm_type}")


class FilterBuilder:
    """Builds conditions on the properties of one entity type (name -> EDM type)."""

    def __init__(self, entity_name: str, field_types: Mapping[str, str]) -> None:
        self._entity = entity_name
        self._types = dict(field_types)

    def type_of(self, name: str) -> str:
        """The EDM type of ``name``; a ``ConfigError`` naming the allowed fields if unknown."""
        try:
            return self._types[name]
        except KeyError:
            allowed = ", ".join(sorted(self._types))
            raise ConfigError(
                f"{self._entity} has no property {name!r} to filter on; it has: {allowed}",
                code="UNKNOWN_FIELD",
                system="sap",
            ) from None

    def compare(self, name: str, op: Operator, value: Any) -> Filter:
        if op not in _OPERATORS:
            raise ValueError(f"unknown operator {op!r}")
        return Filter(f"{name} {op} {literal(value, self.type_of(name))}")

    def eq(self, name: str, value: Any) -> Filter:
        return self.compare(name, "eq", value)

    def gt(self, name: str, value: Any) -> Filter:
        return self.compare(name, "gt", value)

    def ge(self, name: str, value: Any) -> Filter:
        return self.compare(name, "ge", value)

    def is_null(self, name: str) -> Filter:
        return self.compare(name, "eq", None)

    def not_null(self, name: str) -> Filter:
        return self.compare(name, "ne", None)

    def one_of(self, name: str, values: Iterable[Any]) -> Filter:
        """``name`` equal to any of ``values`` (OR of ``eq``; V2 has no ``in``)."""
        return any_of(self.eq(name, value) for value in values)

    def after(self, position: Sequence[tuple[str, Any]]) -> Filter:
        """Rows sorting strictly after ``position`` under ``$orderby`` of the same fields
        ascending: the keyset condition for the next page. Nulls sort first, as in HANA."""
        (name, value), rest = position[0], position[1:]
        if value is None:
            later, same = self.not_null(name), self.is_null(name)
        else:
            later, same = self.gt(name, value), self.eq(name, value)
        if not rest:
            return later
        return later | (same & self.after(rest))

    def not_before(self, position: Sequence[tuple[str, Any]]) -> Filter | None:
        """Rows sorting at or after ``position`` (the inclusive start of a keyset read);
        ``None`` when that is every row (a trailing null is no bound: nulls sort first)."""
        trimmed = list(position)
        while trimmed and trimmed[-1][1] is None:
            trimmed.pop()
        if not trimmed:
            return None
        (name, value), rest = trimmed[0], trimmed[1:]
        if not rest:
            return self.ge(name, value)
        same = self.is_null(name) if value is None else self.eq(name, value)
        tail = self.not_before(rest)
        assert tail is not None  # rest ends with a value, so it bounds
        return self.after(trimmed[:1]) | (same & tail)


def key_predicate(keys: Mapping[str, Any], key_types: Mapping[str, str]) -> str:
    """``('1000001')`` for one key, ``(BusinessPartner='1',AddressID='2')`` for several."""
    if len(keys) == 1:
        ((name, value),) = keys.items()
        return f"({literal(value, key_types[name])})"
    parts = (f"{name}={literal(value, key_types[name])}" for name, value in keys.items())
    return "(" + ",".join(parts) + ")"


def parse_key_predicate(text: str) -> dict[str, str]:
    """``BusinessPartner='1',AddressID='2'`` (our own composite key spelling) back to a dict.

    Only quoted string values are accepted: composite keys of the A2X APIs are strings."""
    result: dict[str, str] = {}
    rest = text.strip()
    while rest:
        name, sep, rest = rest.partition("=")
        if not sep or not rest.startswith("'"):
            raise ValueError(f"not a key predicate: {text!r}")
        value, rest = _read_quoted(rest, text)
        result[name.strip()] = value
        rest = rest.removeprefix(",").lstrip()
    return result


def _read_quoted(rest: str, whole: str) -> tuple[str, str]:
    chars: list[str] = []
    index = 1
    while index < len(rest):
        char = rest[index]
        if char == "'" and rest[index + 1 : index + 2] == "'":
            chars.append("'")
            index += 2
            continue
        if char == "'":
            return "".join(chars), rest[index + 1 :]
        chars.append(char)
        index += 1
    raise ValueError(f"unterminated literal in key predicate: {whole!r}")
