"""Checking a parsed SOQL query against the describe, running it, and paging its results.

Semantics follow the SOQL reference: string comparisons ignore case (no field here is unique
and case-sensitive); ``!=`` and ``NOT IN`` are true for nulls; ``<``/``>`` are false for nulls;
ascending sorts put nulls first and descending ones last unless ``NULLS FIRST|LAST`` says
otherwise; OFFSET is capped at 2000. Results come in pages of 2000 (or the
``Sforce-Query-Options: batchSize`` between 200 and 2000); the matching IDs are snapshotted in
a server-side cursor so later pages are stable while records change. Field names may go
through parent relationships (``Account.Name``); ``execute.py`` runs a bound query.
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.salesforce import ids
from sandbox.salesforce.catalog import find_object, target_of
from sandbox.salesforce.clock import format_datetime, parse_date, parse_datetime
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.narrowing import narrowing_for
from sandbox.salesforce.paths import FieldPath, Tree, tree_of
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
    fields: tuple[FieldPath, ...]
    count_only: bool
    predicate: Predicate
    order: tuple[tuple[FieldPath, bool, bool], ...]  # path, descending, nulls_first
    limit: int | None
    offset: int
    filter_paths: tuple[FieldPath, ...]
    narrowing: Narrowing

    @property
    def row_tree(self) -> Tree:
        """The parents a row needs before WHERE and ORDER BY can be evaluated."""
        return tree_of([*self.filter_paths, *(path for path, _, _ in self.order)])

    @property
    def select_tree(self) -> Tree:
        return tree_of(list(self.fields))


def compile_query(text: str) -> BoundQuery:
    """Parse and bind ``text``; raises ApiError (400) the way Salesforce reports query errors."""
    try:
        query = parse(text)
    except SoqlSyntaxError as exc:
        raise _query_error(text, exc.pos, "MALFORMED_QUERY", exc.text) from None
    return _Binder(text, query).bind()


def _query_error(text: str, pos: int, code: str, detail: str) -> ApiError:
    """Salesforce's error layout: the query, a caret under the culprit, row and column."""
    row = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    line = text[line_start:].split("\n", 1)[0]
    column = pos - line_start + 1
    caret = " " * (column - 1) + "^"
    return ApiError(400, code, f"\n{line}\n{caret}\nERROR at Row:{row}:Column:{column}\n{detail}")


class _Binder:
    def __init__(self, text: str, query: Query) -> None:
        self._text = text
        self._query = query
        obj = find_object(query.sobject.text)
        if obj is None:
            raise _query_error(text, query.sobject.pos, "INVALID_TYPE",
                               f"sObject type '{query.sobject.text}' is not supported.")
        self._obj = obj
        self._filter_paths: list[FieldPath] = []

    def bind(self) -> BoundQuery:
        query = self._query
        fields = tuple(self._field(name) for name in query.fields)
        seen: set[str] = set()
        for name, path in zip(query.fields, fields, strict=True):
            if path.name.casefold() in seen:
                raise self._error(name, "MALFORMED_QUERY", f"duplicate field selected: {path.name}")
            seen.add(path.name.casefold())
        predicate = self._condition(query.where) if query.where else _always
        order = tuple((self._field(i.field, sort=True), i.descending, i.nulls_first)
                      for i in query.order_by)
        offset = query.offset or 0
        if offset > MAX_OFFSET:
            raise ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                           f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        narrowing = narrowing_for(query.where, self._plain_field) if query.where else Narrowing()
        return BoundQuery(self._obj, fields, query.count_only, predicate, order, query.limit,
                          offset, tuple(self._filter_paths), narrowing)

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
