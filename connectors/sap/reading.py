"""What to ask SAP for when reading, and how one answered entry becomes a flat record.

The engine names the fields it needs as paths through navigations (see ``connectors/base.py``
for the record shape every connector shares):

- ``"SoldToParty"``: a property of the entity itself;
- ``"to_BusinessPartnerAddress/CityName"``: through a navigation read as ONE entry - a to-one
  navigation, or a to-many one listed in ``single_entry_navigations`` (a partner's standard
  address is its first). The value lands under that same path; the entry's own key
  (``"to_BusinessPartnerAddress/AddressID"``) always comes along, so that a later update can
  address the same entry. A record without such an entry carries ``None`` there;
- ``"to_Item/Material"``: through any other to-many navigation, whose entries are *lines*:
  the record carries ``fields["to_Item"] = [{"SalesOrderItem": "000010", "Material": ...}]``,
  one flat dict per line in the line's own field names, each with its own key (the part the
  parent does not determine). ``"to_Item/to_PricingElement/ConditionType"`` nests the same
  way (``line["to_PricingElement"] = [...]``); a bare ``"to_Item"`` asks for every property.

From those we derive ``$select`` (exactly those fields, plus the key, the change stamp and the
deletion flag, which every record must carry) and ``$expand`` (each navigation on the way).
Values are decoded by EDM type (see ``values.py``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from connectors.base import SourceRecord
from connectors.errors import ConfigError
from connectors.sap.changes import ChangeStamp
from connectors.sap.filters import key_predicate, parse_key_predicate
from connectors.sap.metadata import EntityModel, EntityType, Navigation, ServiceModel
from connectors.sap.values import decode

SYSTEM = "sap"


@dataclass(frozen=True)
class NavPlan:
    """What to read through one navigation: which of its target's properties, deeper
    navigations, and whether the entries come back as lines (a list) or as one entry."""

    nav: Navigation
    target: EntityType
    fields: tuple[str, ...]
    children: Mapping[str, NavPlan]
    as_lines: bool

    def paths(self, prefix: str) -> Iterator[tuple[str, str]]:
        """``(expand path, select path)`` pairs for this navigation and those below it."""
        here = f"{prefix}{self.nav.name}"
        yield here, ""
        for name in self.fields:
            yield "", f"{here}/{name}"
        for child in self.children.values():
            yield from child.paths(here + "/")


@dataclass(frozen=True)
class ReadPlan:
    """Fields to select and expand for one read, and how to flatten what comes back."""

    entity: EntityModel
    own: tuple[str, ...]
    nested: Mapping[str, NavPlan]
    stamp: ChangeStamp = field(default_factory=ChangeStamp)
    deleted_field: str | None = None

    def _paths(self) -> list[tuple[str, str]]:
        return [pair for nav in self.nested.values() for pair in nav.paths("")]

    @property
    def select(self) -> str:
        return ",".join([*self.own, *(s for _, s in self._paths() if s)])

    @property
    def expand(self) -> str:
        return ",".join(e for e, _ in self._paths() if e)

    def query(self, filter_text: str | None, order: Iterable[str], top: int,
              skip: int = 0) -> dict[str, str]:
        query = {"$select": self.select, "$orderby": ",".join(order), "$top": str(top)}
        if skip:
            query["$skip"] = str(skip)
        if self.nested:
            query["$expand"] = self.expand
        if filter_text:
            query["$filter"] = filter_text
        return query


@dataclass
class _NavDraft:
    """A ``NavPlan`` while the requested paths are sorted into it."""

    nav: Navigation
    target: EntityType
    as_lines: bool
    fields: dict[str, None]
    children: dict[str, _NavDraft] = field(default_factory=dict)

    def freeze(self) -> NavPlan:
        children = {name: draft.freeze() for name, draft in self.children.items()}
        return NavPlan(self.nav, self.target, tuple(self.fields), children, self.as_lines)


def plan_read(
    entity: EntityModel,
    fields: Iterable[str],
    *,
    stamp: ChangeStamp | None = None,
    deleted_field: str | None = None,
    single_entry: Collection[str] = (),
) -> ReadPlan:
    """Check every requested field against ``$metadata`` and group them; ``ConfigError``
    naming the allowed fields for an unknown one."""
    stamp = stamp or ChangeStamp()
    own: dict[str, None] = dict.fromkeys(entity.type.keys)
    for extra in (*stamp.fields, deleted_field):
        if extra is not None:
            own[own_field(entity.set_name, entity.type, extra)] = None
    drafts: dict[str, _NavDraft] = {}
    for name in fields:
        head, sep, _ = name.partition("/")
        if not sep and head not in entity.type.navigations:
            own[own_field(entity.set_name, entity.type, head)] = None
            continue
        _place(entity.service, entity.type, drafts, name, single_entry=single_entry,
               where=entity.set_name)
    nested = {name: draft.freeze() for name, draft in drafts.items()}
    return ReadPlan(entity, tuple(own), nested, stamp, deleted_field)


def _place(service: ServiceModel, parent: EntityType, drafts: dict[str, _NavDraft],
           path: str, *, single_entry: Collection[str], where: str) -> None:
    """Sort one requested path into the navigation drafts, creating them on the way."""
    head, sep, rest = path.partition("/")
    nav = _navigation(parent, head, where)
    target = service.entity_type(nav.target_type)
    draft = drafts.get(head)
    if draft is None:
        as_lines = nav.many and nav.name not in single_entry
        draft = _NavDraft(nav, target, as_lines, dict.fromkeys(child_keys(parent, nav, target)))
        drafts[head] = draft
    inner, deeper, _ = rest.partition("/")
    if not sep:  # the navigation itself: every property of its target
        draft.fields.update(dict.fromkeys(target.properties))
    elif deeper or inner in target.navigations:
        _place(service, target, draft.children, rest, single_entry=single_entry,
               where=f"{where}/{head}")
    else:
        draft.fields[own_field(f"{where}/{head}", target, inner)] = None


def _navigation(parent: EntityType, name: str, where: str) -> Navigation:
    nav = parent.navigations.get(name)
    if nav is None:
        allowed = ", ".join(sorted(parent.navigations)) or "none"
        raise ConfigError(f"{where} has no navigation {name!r}; it has: {allowed}",
                          code="UNKNOWN_FIELD", system=SYSTEM)
    return nav


def own_field(where: str, entity_type: EntityType, name: str) -> str:
    """``name`` if ``entity_type`` has that property, else a ``ConfigError`` listing them."""
    if name not in entity_type.properties:
        allowed = sorted([*entity_type.properties, *entity_type.navigations])
        raise ConfigError(f"{where} has no field {name!r}; it has: {', '.join(allowed)}",
                          code="UNKNOWN_FIELD", system=SYSTEM)
    return name


def child_keys(parent: EntityType, nav: Navigation, target: EntityType) -> tuple[str, ...]:
    """The child's key properties that the parent does not already determine (``AddressID``
    for an address, whose ``BusinessPartner`` is the parent's key)."""
    joined = {child for _, child in nav.joins} or set(parent.keys)
    return tuple(key for key in target.keys if key not in joined)


def flatten(plan: ReadPlan, row: Mapping[str, Any]) -> dict[str, Any]:
    """One entry as a flat dict: own fields by name, single entries by path, lines as lists."""
    entity_type = plan.entity.type
    flat = {name: decode(row.get(name), entity_type.edm_type(name)) for name in plan.own}
    for nav_plan in plan.nested.values():
        _flatten_nav(flat, "", nav_plan, row.get(nav_plan.nav.name))
    return flat


def _flatten_nav(out: dict[str, Any], prefix: str, plan: NavPlan, value: Any) -> None:
    key = f"{prefix}{plan.nav.name}"
    if plan.as_lines:
        out[key] = [_line(plan, entry) for entry in entries(value)]
        return
    found = entries(value) if plan.nav.many else [value] if isinstance(value, Mapping) else []
    entry: Mapping[str, Any] = found[0] if found else {}
    for name in plan.fields:
        out[f"{key}/{name}"] = decode(entry.get(name), plan.target.edm_type(name))
    for child in plan.children.values():
        _flatten_nav(out, key + "/", child, entry.get(child.nav.name))


def _line(plan: NavPlan, entry: Mapping[str, Any]) -> dict[str, Any]:
    line = {name: decode(entry.get(name), plan.target.edm_type(name)) for name in plan.fields}
    for child in plan.children.values():
        _flatten_nav(line, "", child, entry.get(child.nav.name))
    return line


def entries(value: Any) -> list[Mapping[str, Any]]:
    """The expanded entries of a to-many navigation: ``{"results": [...]}`` (V2) or a list
    (V1); none when it was not expanded (``{"__deferred": ...}``) or is empty."""
    items = value.get("results") if isinstance(value, Mapping) else value
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) \
        else []


def record_key(entity_type: EntityType, row: Mapping[str, Any]) -> str:
    """The key as SAP returns it: the value itself for a one-field key, else the predicate
    body ``BusinessPartner='1',AddressID='2'``."""
    if len(entity_type.keys) == 1:
        return str(row[entity_type.keys[0]])
    keys = {name: row[name] for name in entity_type.keys}
    types = {name: entity_type.edm_type(name) for name in entity_type.keys}
    return key_predicate(keys, types)[1:-1]


def key_from_uri(entity_type: EntityType, uri: str) -> str | None:
    """The record key (as ``record_key`` spells it) named by an entry's URI or a
    ``Location`` header (``.../A_BusinessPartner('1000001')``); ``None`` if it names none."""
    text = unquote(uri)
    if not text.endswith(")") or "(" not in text:
        return None
    predicate = text.rsplit("(", 1)[1][:-1]
    if len(entity_type.keys) > 1:
        return predicate
    name = entity_type.keys[0]
    named = predicate if "=" in predicate else f"{name}={predicate}"
    try:
        return parse_key_predicate(named).get(name)
    except ValueError:
        return None


def to_record(plan: ReadPlan, row: Mapping[str, Any]) -> SourceRecord:
    """A ``SourceRecord``: flat fields, change stamp, deletion flag and ETag."""
    fields = flatten(plan, row)
    metadata = row.get("__metadata")
    etag = metadata.get("etag") if isinstance(metadata, Mapping) else None
    return SourceRecord(
        system=SYSTEM,
        object=plan.entity.set_name,
        key=record_key(plan.entity.type, row),
        fields=fields,
        modified_at=plan.stamp.moment(fields),
        deleted=bool(fields.get(plan.deleted_field)) if plan.deleted_field else False,
        etag=etag if isinstance(etag, str) else None,
    )
