"""Which index a query can start from: the part of a WHERE clause the database can answer.

Only conjuncts of the top-level AND count, and only forms an index serves exactly or as a
superset: ``Id = / IN``, an External ID, unique or idLookup text field ``= / IN`` (ASCII
values, since SQLite folds only ASCII case), a reference field ``= / IN``, and a lower bound on
``SystemModstamp`` (``>``, ``>=``, ``=``, also inside an OR whose every branch has one, which
is what keyset paging sends: ``SystemModstamp > X OR (SystemModstamp = X AND Id > K)``).
The full predicate still runs on every row the index yields, so narrowing never changes a
result; it only keeps change capture over 100 000 records from reading all of them.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.salesforce import ids
from sandbox.salesforce.clock import format_datetime, parse_datetime
from sandbox.salesforce.schema import FieldSpec
from sandbox.salesforce.soql import (
    BoolOp,
    Comparison,
    Condition,
    InList,
    Literal,
    Name,
    decode_string,
)
from sandbox.salesforce.store import Narrowing

Resolve = Callable[[Name], FieldSpec | None]
_LOWER_BOUND_OPS = frozenset({">", ">=", "="})


def narrowing_for(where: Condition, resolve: Resolve) -> Narrowing:
    conjuncts = list(where.operands) if isinstance(where, BoolOp) and where.op == "AND" \
        else [where]
    found: dict[str, object] = {}
    for cond in conjuncts:
        _equality(cond, resolve, found)
    bounds = [b for b in (_stamp_bound(c, resolve) for c in conjuncts) if b is not None]
    return Narrowing(
        ids=found.get("ids"),  # type: ignore[arg-type]
        key=None if "ids" in found else found.get("key"),  # type: ignore[arg-type]
        ref=None if "ids" in found or "key" in found else found.get("ref"),  # type: ignore[arg-type]
        stamp_from=max(bounds) if bounds else None,
    )


def _equality(cond: Condition, resolve: Resolve, found: dict[str, object]) -> None:
    """Record an ``=``/``IN`` on Id, a key or a reference field, the first of each kind."""
    literals: tuple[Literal, ...]
    if isinstance(cond, Comparison) and cond.op == "=":
        field, literals = cond.field, (cond.value,)
    elif isinstance(cond, InList) and not cond.negated:
        field, literals = cond.field, cond.values
    else:
        return
    spec = resolve(field)
    if spec is None or any(lit.kind != "string" for lit in literals):
        return
    texts = tuple(decode_string(str(lit.value)) for lit in literals)
    if spec.type == "id":
        found.setdefault("ids", tuple(i for i in map(ids.normalize, texts) if i))
    elif spec.is_reference:
        found.setdefault("ref", (spec.name, tuple(i for i in map(ids.normalize, texts) if i)))
    elif spec.is_key and spec.is_text and all(t.isascii() for t in texts):
        found.setdefault("key", (spec.name, tuple(t.lower() for t in texts)))


def _stamp_bound(cond: Condition, resolve: Resolve) -> str | None:
    """The smallest SystemModstamp a row matching ``cond`` can have, if ``cond`` implies one."""
    if isinstance(cond, Comparison):
        spec = resolve(cond.field)
        if spec is None or spec.name != "SystemModstamp" or cond.op not in _LOWER_BOUND_OPS:
            return None
        return _datetime(cond.value)
    if isinstance(cond, BoolOp):
        bounds = [_stamp_bound(c, resolve) for c in cond.operands]
        known = [b for b in bounds if b is not None]
        if cond.op == "AND":
            return max(known) if known else None
        return min(known) if known and len(known) == len(bounds) else None
    return None


def _datetime(lit: Literal) -> str | None:
    moment = parse_datetime(str(lit.value)) if lit.kind == "datetime" else None
    return format_datetime(moment) if moment else None
