"""Resource paths of the service, and their answers in OData V2 JSON.

Paths (relative to ``/sap/opu/odata/sap/API_MATERIAL_STOCK_SRV/``): ``A_MaterialStock``,
``A_MaterialStock('<Material>')``, ``A_MaterialStock('<Material>')/to_MatlStkInAcctMod``,
``A_MatlStkInAcctMod``, ``A_MatlStkInAcctMod(Material='…',Plant='…',…)`` with all eleven key
fields, and ``…/to_MaterialStock``. Collections are ``{"d": {"results": [...]}}`` with
``__count`` on ``$inlinecount=allpages``; decimals travel as strings; an entry that is not
expanded carries ``{"__deferred": {"uri": …}}`` for each navigation (MS-ODATA Verbose JSON,
https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-odata/3a3dcde2-c4fa-4950-9fa6-f4a1478e653e).

Server-driven paging: a collection longer than the server's page cap is cut there and the
rest linked with ``__next`` carrying a ``$skiptoken``, the way S/4HANA Cloud pages large
answers (SAP Gateway implements ``$skiptoken`` per service, see
https://help.sap.com/doc/saphelp_gateway20sp12/2.0/en-US/71/d07b52a3566f54e10000000a44176d/content.htm).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from sandbox.sap_stock.errors import ODataError
from sandbox.sap_stock.model import ENTITY_SETS, MATERIAL_STOCK, NAMESPACE, EntitySet
from sandbox.sap_stock.query import (
    compile_filter,
    expansion,
    order_rows,
    selection,
    whole_number,
)

Row = dict[str, Any]
SERVICE_PATH = "/sap/opu/odata/sap/API_MATERIAL_STOCK_SRV"
_SEGMENT = re.compile(r"^(?P<set>[A-Za-z_]\w*)(?:\((?P<key>.*)\))?$")
_PAIR = re.compile(r"\s*(\w+)\s*=\s*'((?:[^']|'')*)'\s*(?:,|$)")


@dataclass(frozen=True)
class Target:
    """What a path names: an entity set's rows, one of them, or where they came from."""

    entity: EntitySet
    rows: list[Row]
    single: bool


def materials(stock: list[Row]) -> list[Row]:
    """``A_MaterialStock``: the materials that have stock posted, with their base unit."""
    seen: dict[str, Row] = {}
    for row in stock:
        seen.setdefault(row["Material"], {"Material": row["Material"],
                                          "MaterialBaseUnit": row["MaterialBaseUnit"]})
    return list(seen.values())


def rows_of(entity: EntitySet, stock: list[Row]) -> list[Row]:
    return materials(stock) if entity is MATERIAL_STOCK else stock


def resolve(path: str, stock: list[Row]) -> Target:
    """The rows a resource path names; 404 for anything the service does not have."""
    segments = [s for s in path.split("/") if s]
    if not segments or len(segments) > 2:
        raise ODataError(404, f"Resource not found for segment '{path}'")
    match = _SEGMENT.match(segments[0])
    entity = ENTITY_SETS.get(match.group("set")) if match else None
    if match is None or entity is None:
        raise ODataError(404, f"Resource not found for segment '{segments[0]}'")
    rows = rows_of(entity, stock)
    if match.group("key") is None:
        if len(segments) > 1:
            raise ODataError(400, f"A navigation needs one entry: {segments[0]} names many")
        return Target(entity, rows, single=False)
    row = _by_key(entity, rows, match.group("key"))
    if len(segments) == 1:
        return Target(entity, [row], single=True)
    nav = entity.nav(segments[1])
    if nav is None:
        raise ODataError(404, f"Resource not found for segment '{segments[1]}'")
    target = ENTITY_SETS[nav.target]
    related = [r for r in rows_of(target, stock) if r["Material"] == row["Material"]]
    return Target(target, related, single=not nav.many)


def _by_key(entity: EntitySet, rows: list[Row], text: str) -> Row:
    values = _key_values(entity, text)
    for row in rows:
        if all(str(row.get(k, "")) == v for k, v in values.items()):
            return row
    raise ODataError(404, f"Resource not found for segment '{entity.name}({text})'")


def _key_values(entity: EntitySet, text: str) -> dict[str, str]:
    if len(entity.keys) == 1 and text.startswith("'") and text.endswith("'"):
        return {entity.keys[0]: text[1:-1].replace("''", "'")}
    pairs = {name: value.replace("''", "'") for name, value in _PAIR.findall(text)}
    if set(pairs) != set(entity.keys):
        raise ODataError(400, f"The key of {entity.name} is {', '.join(entity.keys)}; "
                              f"got ({text})")
    return pairs


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    count: int
    next_token: int | None


def query(target: Target, options: Mapping[str, str], cap: int) -> Page:
    """Filter, order, ``$skip``/``$top``, then the server's own page cap."""
    rows = target.rows
    if options.get("$filter"):
        keep = compile_filter(target.entity, options["$filter"])
        rows = [row for row in rows if keep(row)]
    rows = order_rows(target.entity, rows, options.get("$orderby", ""))
    skip = whole_number(options, "$skip") or 0
    top = whole_number(options, "$top")
    token = whole_number(options, "$skiptoken") or 0
    end = len(rows) if top is None else min(len(rows), skip + top)
    start = skip + token
    page = rows[start : min(end, start + cap)]
    more = start + len(page) < end
    return Page(page, len(rows), token + len(page) if more else None)


def render(base: str, entity: EntitySet, row: Mapping[str, Any], options: Mapping[str, str],
           stock: list[Row]) -> dict[str, Any]:
    """One entry: ``__metadata``, the selected properties, navigations expanded or not."""
    props, navs = selection(entity, options.get("$select", ""))
    expanded = expansion(entity, options.get("$expand", ""))
    uri = f"{base}{SERVICE_PATH}/{entity.name}{entry_key(entity, row)}"
    entry: dict[str, Any] = {"__metadata": {"id": uri, "uri": uri,
                                            "type": f"{NAMESPACE}.{entity.type_name}"}}
    for name in props:
        entry[name] = _wire(row.get(name))
    for nav in entity.navs:
        if nav.name in expanded:
            entry[nav.name] = _expanded(base, nav.target, nav.many, row, stock)
        elif nav.name in navs or not options.get("$select"):
            entry[nav.name] = {"__deferred": {"uri": f"{uri}/{nav.name}"}}
    return entry


def _expanded(base: str, target_name: str, many: bool, row: Mapping[str, Any],
              stock: list[Row]) -> Any:
    target = ENTITY_SETS[target_name]
    related = [r for r in rows_of(target, stock) if r["Material"] == row["Material"]]
    entries = [render(base, target, r, {}, stock) for r in order_rows(target, related, "")]
    if many:
        return {"results": entries}
    return entries[0] if entries else None


def entry_key(entity: EntitySet, row: Mapping[str, Any]) -> str:
    """The key predicate of an entry, as SAP writes it in ``__metadata.uri``."""
    if len(entity.keys) == 1:
        return "('" + quote(str(row[entity.keys[0]]).replace("'", "''"), safe="") + "')"
    parts = [f"{k}='{quote(str(row[k]).replace(chr(39), chr(39) * 2), safe='')}'"
             for k in entity.keys]
    return "(" + ",".join(parts) + ")"


def _wire(value: Any) -> Any:
    return str(value.quantize(Decimal("0.001"))) if isinstance(value, Decimal) else value


def next_link(base: str, path: str, options: Mapping[str, str], token: int) -> str:
    kept = {k: v for k, v in options.items() if k != "$skiptoken"}
    kept["$skiptoken"] = str(token)
    return f"{base}{SERVICE_PATH}/{path}?" + urlencode(kept, safe="$,'()/=", quote_via=quote)

