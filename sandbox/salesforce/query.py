"""Checking a parsed SOQL query against the describe, running it, and paging its results.

Semantics follow the SOQL reference: string comparisons ignore case (no field here is unique
and case-sensitive); ``!=`` and ``NOT IN`` are true for nulls; ``<``/``>`` are false for nulls;
ascending sorts put nulls first and descending ones last unless ``NULLS FIRST|LAST`` says
otherwise; OFFSET is capped at 2000. Results come in pages of 2000 (or the
``Sforce-Query-Options: batchSize`` between 200 and 2000); the matching IDs are snapshotted in
a server-side cursor so later pages are stable while records change. Field names may go
through parent relationships (``Account.Name``), and a select list may hold parent-to-child
subqueries over the child relationships the describe declares (``(SELECT Name FROM
Opportunities)``, with WHERE, ORDER BY and LIMIT; ``subqueries.py`` runs them). An unknown
relationship is 400 ``INVALID_TYPE``. ``execute.py`` runs a bound query.
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_query_using.htm
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sandbox.salesforce import ids
from sandbox.salesforce.catalog import child_relationship, find_object, target_of
from sandbox.salesforce.clock import format_datetime, parse_date, parse_datetime
from sandbox.salesforce.date_literals import day_range
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.narrowing import narrowing_for
from sandbox.salesforce.paths import ChildColumn, Column, FieldPath, Tree, tree_of
from sandbox.salesforce.schema import FieldSpec, Json, ObjectSpec
from sandbox.salesforce.soql import (
    BoolOp,
    Comparison,
    Condition,
    InList,
    Like,
    Literal,
    Name,
    Not,
    Query,
    SoqlSyntaxError,
    decode_string,
    like_regex,
    parse,
)
from sandbox.salesforce.store import Narrowing

MAX_OFFSET = 2000
Row = dict[str, Json]
Predicate = Callable[[Row], bool]
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
# The literal kind each field type accepts, and how Salesforce words the mismatch.
_LITERAL_KIND = {"boolean": "boolean", "date": "date", "datetime": "datetime"}
_TYPE_WORDS = {"string": "string", "number": "number", "boolean": "boolean", "date": "date",
               "datetime": "dateTime"}


@dataclass(frozen=True)
class BoundQuery:
    """A query whose names and literals were checked; ready to run against rows."""

    obj: ObjectSpec
    columns: tuple[Column, ...]  # fields and subqueries (``BoundChild``), in select order
    count_only: bool
    predicate: Predicate
    order: tuple[tuple[FieldPath, bool, bool], ...]  # path, descending, nulls_first
    limit: int | None
    offset: int
    filter_paths: tuple[FieldPath, ...]
    narrowing: Narrowing
    where_free: bool  # no WHERE clause: every live (or, for queryAll, every) row matches

    @property
    def fields(self) -> tuple[FieldPath, ...]:
        return tuple(c for c in self.columns if isinstance(c, FieldPath))

    @property
    def children(self) -> tuple[BoundChild, ...]:
        return tuple(c for c in self.columns if isinstance(c, BoundChild))

    @property
    def row_tree(self) -> Tree:
        """The parents a row needs before WHERE and ORDER BY can be evaluated."""
        return tree_of([*self.filter_paths, *(path for path, _, _ in self.order)])

    @property
    def select_tree(self) -> Tree:
        return tree_of(list(self.fields))


@dataclass(frozen=True)
class BoundChild(ChildColumn):
    """A parent-to-child subquery: the child records whose ``field`` points at the row,
    filtered, sorted and limited by ``query`` (bound against the child object)."""

    field: FieldSpec
    query: BoundQuery


def compile_query(text: str, now: datetime | None = None) -> BoundQuery:
    """Parse and bind ``text``; raises ApiError (400) the way Salesforce reports query errors.
    ``now`` (the sandbox clock) anchors relative date literals such as ``TODAY``."""
    try:
        query = parse(text)
    except SoqlSyntaxError as exc:
        raise _query_error(text, exc.pos, "MALFORMED_QUERY", exc.text) from None
    return _Binder(text, query, (now or datetime.now(UTC)).date()).bind()


def _query_error(text: str, pos: int, code: str, detail: str) -> ApiError:
    """Salesforce's error layout: the query, a caret under the culprit, row and column."""
    row = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    line = text[line_start:].split("\n", 1)[0]
    column = pos - line_start + 1
    caret = " " * (column - 1) + "^"
    return ApiError(400, code, f"\n{line}\n{caret}\nERROR at Row:{row}:Column:{column}\n{detail}")


class _Binder:
    def __init__(self, text: str, query: Query, today: date,
                 obj: ObjectSpec | None = None) -> None:
        self._text = text
        self._query = query
        self._today = today
        obj = obj or find_object(query.sobject.text)
        if obj is None:
            raise _query_error(text, query.sobject.pos, "INVALID_TYPE",
                               f"sObject type '{query.sobject.text}' is not supported.")
        self._obj = obj
        self._filter_paths: list[FieldPath] = []

    def bind(self) -> BoundQuery:
        query = self._query
        columns = tuple(self._field(item) if isinstance(item, Name) else self._child(item)
                        for item in query.select)
        seen: set[str] = set()
        for item, column in zip(query.select, columns, strict=True):
            name = column.name.casefold()
            if name in seen:
                raise self._error(item if isinstance(item, Name) else item.sobject,
                                  "MALFORMED_QUERY", f"duplicate field selected: {column.name}")
            seen.add(name)
        predicate = self._condition(query.where) if query.where else _always
        order = tuple((self._field(i.field, sort=True), i.descending, i.nulls_first)
                      for i in query.order_by)
        offset = query.offset or 0
        if offset > MAX_OFFSET:
            raise ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                           f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        narrowing = narrowing_for(query.where, self._plain_field) if query.where else Narrowing()
        return BoundQuery(self._obj, columns, query.count_only, predicate, order, query.limit,
                          offset, tuple(self._filter_paths), narrowing, query.where is None)

    def _child(self, sub: Query) -> BoundChild:
        """Bind ``(SELECT ... FROM Relationship ...)`` against the relationship's child."""
        relationship = child_relationship(self._obj, sub.sobject.text)
        if relationship is None or relationship.name is None:
            raise self._error(sub.sobject, "INVALID_TYPE", (
                f"Didn't understand relationship '{sub.sobject.text}' in FROM part of query "
                "call. If you are attempting to use a custom relationship, be sure to append "
                "the '__r' after the custom relationship name. Please reference your WSDL or "
                "the describe call for the appropriate names."))
        if sub.offset is not None:
            raise self._error(sub.sobject, "MALFORMED_QUERY",
                              "the sandbox does not support OFFSET in a subquery")
        bound = _Binder(self._text, sub, self._today, relationship.child).bind()
        return BoundChild(relationship.name, relationship.field, bound)

    def _error(self, name: Name | Literal, code: str, detail: str) -> ApiError:
        return _query_error(self._text, name.pos, code, detail)

    def _plain_field(self, name: Name) -> FieldSpec | None:
        """The field a name denotes when it is a field of the queried object itself."""
        return None if "." in name.text else self._obj.field(name.text)

    def _field(self, name: Name, *, sort: bool = False, filter_: bool = False) -> FieldPath:
        path = self._path(name)
        spec = path.spec
        if (sort and not spec.sortable) or (filter_ and not spec.filterable):
            verb = "sorted" if sort else "filtered"
            raise self._error(name, "INVALID_FIELD",
                              f"field '{spec.name}' can not be {verb} in a query call")
        if filter_ and spec.is_compound:  # real orgs filter them with DISTANCE() only
            raise self._error(name, "INVALID_FIELD", f"compound field '{spec.name}' can be "
                              "filtered only with DISTANCE(), which the sandbox does not serve")
        if filter_:
            self._filter_paths.append(path)
        return path

    def _path(self, name: Name) -> FieldPath:
        """Follow ``Rel.Rel.Field`` from the queried object through served parents."""
        *relationships, last = name.text.split(".")
        obj, hops, objects = self._obj, [], []
        for relationship in relationships:
            hop = obj.relationship(relationship)
            target = target_of(hop) if hop is not None else None
            if hop is None or target is None:
                raise self._error(name, "INVALID_FIELD", (
                    f"Didn't understand relationship '{relationship}' in field path. If you "
                    "are attempting to use a custom relationship, be sure to append the '__r' "
                    "after the custom relationship name."))
            hops.append(hop)
            objects.append(target)
            obj = target
        spec = obj.field(last)
        if spec is None:
            raise self._error(name, "INVALID_FIELD", (
                f"No such column '{last}' on entity '{obj.name}'. If you are attempting to use "
                "a custom field, be sure to append the '__c' after the custom field name."))
        return FieldPath(tuple(hops), tuple(objects), spec)

    def _condition(self, cond: Condition) -> Predicate:
        if isinstance(cond, BoolOp):
            parts = [self._condition(c) for c in cond.operands]
            if cond.op == "AND":
                return lambda row: all(p(row) for p in parts)
            return lambda row: any(p(row) for p in parts)
        if isinstance(cond, Not):
            inner = self._condition(cond.operand)
            return lambda row: not inner(row)
        if isinstance(cond, Like):
            return self._like(cond)
        if isinstance(cond, InList):
            return self._in_list(cond)
        return self._comparison(cond)

    def _comparison(self, cond: Comparison) -> Predicate:
        path = self._field(cond.field, filter_=True)
        if cond.value.kind == "relative":
            return self._relative(path, cond)
        value = self._literal(path.spec, cond.value)
        key = comparable(path.spec)
        if cond.op in ("=", "!=", "<>"):
            wanted = cond.op == "="
            return lambda row: (key(path.value(row)) == value) is wanted
        if value is None:
            raise self._error(cond.value, "INVALID_QUERY_FILTER_OPERATOR",
                              f"invalid operator {cond.op} for a null value")
        compare = _ORDERING[cond.op]

        def ordered(row: Row) -> bool:
            current = key(path.value(row))
            return current is not None and bool(compare(current, value))

        return ordered

    def _relative(self, path: FieldPath, cond: Comparison) -> Predicate:
        """A comparison with TODAY, LAST_N_DAYS:n ...: against the range's bounds."""
        days = day_range(str(cond.value.value), self._today)
        if days is None or path.spec.type not in ("date", "datetime"):
            raise self._error(cond.value, "INVALID_QUERY_FILTER_OPERATOR",
                              f"{cond.value.text} compares only with date and datetime fields")
        start, end = (d.isoformat() if path.spec.type == "date" else
                      format_datetime(datetime.combine(d, time(), UTC)) for d in days)
        inside: dict[str, Callable[[str], bool]] = {
            "=": lambda v: start <= v < end, "!=": lambda v: not start <= v < end,
            "<>": lambda v: not start <= v < end, "<": lambda v: v < start,
            "<=": lambda v: v < end, ">": lambda v: v >= end, ">=": lambda v: v >= start}
        test = inside[cond.op]

        def matches(row: Row) -> bool:
            value = path.value(row)
            return (cond.op in ("!=", "<>")) if value is None else bool(test(str(value)))

        return matches

    def _in_list(self, cond: InList) -> Predicate:
        path = self._field(cond.field, filter_=True)
        values = {self._literal(path.spec, lit) for lit in cond.values}
        key = comparable(path.spec)
        return lambda row: (key(path.value(row)) in values) is not cond.negated

    def _like(self, cond: Like) -> Predicate:
        path = self._field(cond.field, filter_=True)
        if not path.spec.is_text:
            raise self._error(cond.pattern, "INVALID_QUERY_FILTER_OPERATOR",
                              f"invalid operator on {path.spec.type} field: LIKE")
        pattern = like_regex(str(cond.pattern.value))

        def matches(row: Row) -> bool:
            current = path.value(row)
            return current is not None and pattern.fullmatch(str(current)) is not None

        return matches

    def _literal(self, spec: FieldSpec, lit: Literal) -> Any:
        """The literal in the comparable form of ``spec``'s values; refuses a mismatched type."""
        if lit.kind == "null":
            return None
        expected = ("string" if spec.is_text or spec.is_id else
                    "number" if spec.is_number else _LITERAL_KIND.get(spec.type, "string"))
        if lit.kind != expected:
            quoting = "be" if expected == "string" else "not be"
            raise self._error(lit, "INVALID_QUERY_FILTER_OPERATOR",
                              f"value of filter criterion for field '{spec.name}' must be of "
                              f"type {_TYPE_WORDS[expected]} and should {quoting} enclosed in "
                              "quotes")
        return self._literal_value(spec, lit)

    def _literal_value(self, spec: FieldSpec, lit: Literal) -> Any:
        if lit.kind == "string":
            text = decode_string(str(lit.value))
            if not spec.is_id:
                return text.casefold()
            normalized = ids.normalize(text)
            if normalized is None:
                raise self._error(lit, "INVALID_QUERY_FILTER_OPERATOR",
                                  f"invalid ID field: {text}")
            return normalized
        if lit.kind == "datetime":
            moment = parse_datetime(str(lit.value))
            if moment is None:
                raise self._error(lit, "MALFORMED_QUERY", f"invalid datetime: {lit.text}")
            return format_datetime(moment)
        if lit.kind == "date" and parse_date(str(lit.value)) is None:
            raise self._error(lit, "MALFORMED_QUERY", f"invalid date: {lit.text}")
        return lit.value


def _always(row: Row) -> bool:
    return True


def comparable(spec: FieldSpec) -> Callable[[Json], Any]:
    """How a stored value compares: text case-folded, numbers as Decimal, the rest as is."""
    if spec.is_text:
        return lambda v: None if v is None else str(v).casefold()
    if spec.is_number:
        return lambda v: None if v is None else Decimal(str(v))
    return lambda v: v
