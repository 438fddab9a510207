"""A small SOQL builder: field names from a whitelist, values only as quoted literals.

Values never reach a query through string formatting: ``literal`` turns each Python value into
its SOQL literal per the SOQL and SOSL Reference -

* strings are single-quoted with the reserved ``'`` and ``\\`` escaped by a backslash, and the
  control characters written as their escape sequences ("Quoted String Escape Sequences",
  https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm;
  "Reserved Characters", .../sforce_api_calls_soql_select_reservedcharacters.htm);
* dateTime values are unquoted UTC ``YYYY-MM-DDThh:mm:ss.sssZ`` and dates ``YYYY-MM-DD``
  ("Date Formats and Date Literals"); booleans ``true``/``false``; ``null``. The reference shows
  whole seconds only, but orgs accept a fraction (a real query with ``.299852-06:00`` ran, in
  https://bitbucket.org/RoseSilverSoftware/illuminatedcloud/issues/2283); the milliseconds
  matter, because SystemModstamp carries them and a keyset cursor cut to the second would
  re-read, or skip, the rows of that second.

Field and object names are checked against what ``describe`` said exists (``allowed``); a name
that is not there is a ``ConfigError`` (the mapping or the org drifted), never a query. A field
may be a one-level parent path, ``Account.ERP_Customer_Number__c`` ("Relationship Queries",
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships.htm),
when ``allowed`` knows it (see ``schema.SalesforceFields``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from connectors.errors import ConfigError
from connectors.salesforce.errors import SYSTEM

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)?")
_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">="})


def quote_string(value: str) -> str:
    """``O'Brien`` -> ``'O\\'Brien'``: a SOQL string literal that means exactly ``value``."""
    return "'" + "".join(_ESCAPES.get(ch, ch) for ch in value) + "'"


def literal(value: object) -> str:
    """The SOQL literal of one Python value; ``TypeError`` for a type SOQL has no literal of."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return quote_string(value)
    return _number(value)


def _number(value: object) -> str:
    """Plain decimal notation: SOQL has no exponent form (``1E+2`` would not parse)."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    raise TypeError(f"no SOQL literal for {type(value).__name__}: {value!r}")


def format_datetime(value: datetime) -> str:
    """Aware datetime -> ``2026-10-01T08:00:00.125Z``: milliseconds, Salesforce's precision
    (a finer fraction is cut, never rounded up past the stamp it came from)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("SOQL dateTime literals need an aware datetime")
    moment = value.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def valid_name(name: str, what: str = "field") -> str:
    """``name`` if it is a plain API name (letters, digits, underscores); else ``ConfigError``."""
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"{name!r} is not a valid {what} name", code="INVALID_NAME", system=SYSTEM
        )
    return name


def valid_field(name: str) -> str:
    """``name`` if it is a field API name or a one-level parent path; else ``ConfigError``."""
    if not _FIELD.fullmatch(name):
        raise ConfigError(f"{name!r} is not a valid field name", code="INVALID_NAME",
                          system=SYSTEM)
    return name


def checked_name(name: str, allowed: Collection[str], what: str = "field") -> str:
    """``name`` if it is a valid API name (a field may be a parent path) present in
    ``allowed``; else a ``ConfigError``."""
    valid = valid_field(name) if what == "field" else valid_name(name, what)
    if valid not in allowed:
        near = [a for a in allowed if a.lower() == name.lower()]
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise ConfigError(f"unknown {what} {name!r}{hint}", code="UNKNOWN_FIELD", system=SYSTEM)
    return name


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value_sql: str

    def render(self) -> str:
        return " ".join((self.field, self.operator, self.value_sql))


@dataclass(frozen=True)
class AtOrAfter:
    """Keyset position: rows sorting at or after ``(stamp, key)`` under
    ``ORDER BY <stamp_field>, <key_field>`` (inclusive, so the row at the cursor comes back
    and a caller can tell that nothing between was missed)."""

    stamp_field: str
    key_field: str
    stamp_sql: str
    key_sql: str

    def render(self) -> str:
        return (f"({self.stamp_field} > {self.stamp_sql} OR ({self.stamp_field} = "
                f"{self.stamp_sql} AND {self.key_field} >= {self.key_sql}))")


@dataclass(frozen=True)
class SoqlQuery:
    """An immutable ``SELECT ... FROM ... [WHERE a AND b] [ORDER BY ...] [LIMIT n]``."""

    obj: str
    allowed: frozenset[str]
    fields: tuple[str, ...] = ()
    conditions: tuple[Condition | AtOrAfter, ...] = ()
    ordering: tuple[str, ...] = ()
    max_rows: int | None = None

    @classmethod
    def on(cls, obj: str, allowed: Iterable[str]) -> SoqlQuery:
        return cls(obj=valid_name(obj, "object"), allowed=frozenset(allowed))

    def select(self, *names: str) -> SoqlQuery:
        """Add fields, each once, in order."""
        fields = list(self.fields)
        for name in names:
            if checked_name(name, self.allowed) not in fields:
                fields.append(name)
        return replace(self, fields=tuple(fields))

    def where(self, name: str, operator: str, value: object) -> SoqlQuery:
        if operator not in _OPERATORS:
            raise ValueError(f"unsupported SOQL operator {operator!r}")
        condition = Condition(checked_name(name, self.allowed), operator, literal(value))
        return replace(self, conditions=(*self.conditions, condition))

    def at_or_after(self, stamp_field: str, key_field: str, stamp: object,
                    key: str) -> SoqlQuery:
        condition = AtOrAfter(checked_name(stamp_field, self.allowed),
                              checked_name(key_field, self.allowed), literal(stamp), literal(key))
        return replace(self, conditions=(*self.conditions, condition))

    def where_in(self, name: str, values: Sequence[object]) -> SoqlQuery:
        if not values:
            raise ValueError("IN needs at least one value")
        listed = "(" + ", ".join(literal(v) for v in values) + ")"
        condition = Condition(checked_name(name, self.allowed), "IN", listed)
        return replace(self, conditions=(*self.conditions, condition))

    def order_by(self, *names: str) -> SoqlQuery:
        return replace(self, ordering=tuple(checked_name(n, self.allowed) for n in names))

    def limit(self, rows: int) -> SoqlQuery:
        if rows < 1:
            raise ValueError("LIMIT must be positive")
        return replace(self, max_rows=rows)

    def build(self) -> str:
        if not self.fields:
            raise ValueError("a SOQL query selects at least one field")
        parts = ["SELECT", ", ".join(self.fields), "FROM", self.obj]
        if self.conditions:
            parts += ["WHERE", " AND ".join(c.render() for c in self.conditions)]
        if self.ordering:
            parts += ["ORDER BY", ", ".join(self.ordering)]
        if self.max_rows is not None:
            parts += ["LIMIT", str(self.max_rows)]
        return " ".join(parts)


def chunk_values(
    values: Iterable[object], max_count: int, max_chars: int = 8000
) -> Iterator[list[object]]:
    """Split ``values`` for ``IN (...)`` lists: at most ``max_count`` per chunk and at most about
    ``max_chars`` of literals, so the GET URL stays well under Salesforce's 16 KB URI limit."""
    chunk: list[object] = []
    size = 0
    for value in values:
        cost = len(literal(value)) + 2
        if chunk and (len(chunk) >= max_count or size + cost > max_chars):
            yield chunk
            chunk, size = [], 0
        chunk.append(value)
        size += cost
    if chunk:
        yield chunk
