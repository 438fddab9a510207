"""RFC_READ_TABLE: a builder for its WHERE lines, and the reader of its fixed-width rows.

RFC_READ_TABLE takes the WHERE condition as OPTIONS, a table of TEXT lines of at most 71
characters that ABAP joins into an Open SQL condition, with blanks around every operator;
FIELDS names the columns, whose widths may add up to 512 characters at most; DATA comes back
as work areas (WA) in which each column sits at the OFFSET and LENGTH that the answer's
FIELDS table gives (limits as documented for SAP's ESP adapter,
https://help.sap.com/saphelp_esp_51sp09_adapt/helpdata/en/e7/84cdae6f0f1014bf7ca70679db387e/content.htm).
Column names are whitelisted against the table's own column list (asked for once with
``NO_DATA = 'X'``) and every value is a quoted literal with quotes doubled, so no value can
change the condition's meaning. A literal never spans two OPTIONS lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.errors import ConfigError

FUNCTION = "RFC_READ_TABLE"
LINE_WIDTH = 71


@dataclass(frozen=True)
class Condition:
    """A WHERE condition as tokens; ``&`` joins two with AND."""

    tokens: tuple[str, ...]

    def __and__(self, other: Condition) -> Condition:
        return Condition(("(", *self.tokens, ")", "AND", "(", *other.tokens, ")"))

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class TableQuery:
    """Conditions on one table whose column names are known."""

    def __init__(self, table: str, columns: Iterable[str]) -> None:
        self.table = table
        self.columns = frozenset(columns)

    def column(self, name: str) -> str:
        if name not in self.columns:
            raise ConfigError(f"table {self.table} has no column {name!r}; it has: "
                              f"{', '.join(sorted(self.columns))}", code="UNKNOWN_FIELD",
                              system="sap")
        return name

    def compare(self, name: str, operator: str, value: str) -> Condition:
        if operator not in {"=", "<>", ">=", "<=", ">", "<"}:
            raise ValueError(f"unsupported operator {operator!r}")
        return Condition((self.column(name), operator, quote(value)))

    def one_of(self, name: str, values: Sequence[str]) -> Condition:
        if not values:
            raise ValueError("one_of needs at least one value")
        tokens: list[str] = []
        for value in values:
            tokens += [*(["OR"] if tokens else []), self.column(name), "=", quote(value)]
        return Condition(tuple(tokens))

    def all_of(self, conditions: Sequence[Condition]) -> Condition | None:
        combined: Condition | None = None
        for condition in conditions:
            combined = condition if combined is None else combined & condition
        return combined


def options(condition: Condition | None) -> list[dict[str, str]]:
    """The condition as OPTIONS lines of at most 71 characters, split between tokens."""
    if condition is None:
        return []
    lines: list[str] = []
    for token in condition.tokens:
        if len(token) > LINE_WIDTH:
            raise ConfigError(f"a value is too long for an RFC_READ_TABLE condition: "
                              f"{token[:20]}...", code="VALUE_TOO_LONG", system="sap")
        if lines and len(lines[-1]) + 1 + len(token) <= LINE_WIDTH:
            lines[-1] += " " + token
        else:
            lines.append(token)
    return [{"TEXT": line} for line in lines]


def parameters(table: str, fields: Sequence[str], condition: Condition | None,
               *, rowcount: int = 0, rowskips: int = 0) -> dict[str, Any]:
    """Import parameters of one RFC_READ_TABLE call."""
    return {"QUERY_TABLE": table, "FIELDS": [{"FIELDNAME": name} for name in fields],
            "OPTIONS": options(condition), "ROWCOUNT": rowcount, "ROWSKIPS": rowskips}


def rows(result: Mapping[str, Any]) -> list[dict[str, str]]:
    """The DATA work areas cut into columns by the answer's FIELDS offsets, blanks stripped."""
    layout = [(str(f["FIELDNAME"]), int(f["OFFSET"]), int(f["LENGTH"]))
              for f in result.get("FIELDS") or ()]
    found = []
    for line in result.get("DATA") or ():
        area = str(line.get("WA", ""))
        found.append({name: area[offset : offset + length].strip()
                      for name, offset, length in layout})
    return found


def column_names(result: Mapping[str, Any]) -> list[str]:
    """The columns a ``NO_DATA = 'X'`` call described."""
    return [str(f["FIELDNAME"]) for f in result.get("FIELDS") or ()]
