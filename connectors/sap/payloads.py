"""Payloads SAP takes: a record's fields sorted by where they go, encoded by EDM type.

Fields follow the record shape of ``reading.py``: own properties by name, one entry of a
navigation by ``"<nav>/<field>"`` path, lines of a to-many navigation as a list under the
navigation's name. ``create_body`` builds the deep insert of a new record (its single
entries and its lines, recursively); ``writing.py`` and ``lines.py`` build updates from the
same pieces.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import ConfigError
from connectors.sap.filters import parse_key_predicate
from connectors.sap.metadata import EntityModel, EntityType, Navigation
from connectors.sap.reading import child_keys
from connectors.sap.values import encode


@dataclass(frozen=True)
class WriteOptions:
    nav_create_defaults: Mapping[str, Mapping[str, str]]
    guard_nav_updates: bool = True
    single_entry: Collection[str] = ()
    reference_field: str | None = None

    def as_lines(self, nav: Navigation) -> bool:
        """Whether the navigation's entries travel as a list of lines."""
        return nav.many and nav.name not in self.single_entry


@dataclass
class Split:
    """A record's fields sorted by where they go."""

    own: dict[str, Any] = field(default_factory=dict)
    single: dict[str, dict[str, Any]] = field(default_factory=dict)
    lines: dict[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)


def split_fields(entity: EntityModel, fields: Mapping[str, Any], options: WriteOptions) -> Split:
    """Own fields, single-entry fields by navigation, lines by navigation (checked against
    ``$metadata``)."""
    split = Split()
    for name, value in fields.items():
        head, sep, prop = name.partition("/")
        if not sep and head not in entity.type.navigations:
            split.own[name] = value
            continue
        nav = entity.navigation(head)
        if options.as_lines(nav) != (not sep) or "/" in prop:
            raise ConfigError(_shape_error(entity.set_name, nav, name, options),
                              code="BAD_RECORD_SHAPE", system="sap")
        if sep:
            split.single.setdefault(head, {})[prop] = value
        elif isinstance(value, list):
            split.lines[head] = value
        else:
            raise ConfigError(f"{entity.set_name}.{head} holds lines: a list of dicts, not "
                              f"{type(value).__name__}", code="BAD_RECORD_SHAPE", system="sap")
    return split


def _shape_error(set_name: str, nav: Navigation, name: str, options: WriteOptions) -> str:
    if options.as_lines(nav):
        return (f"{set_name}.{nav.name} holds lines: send fields[{nav.name!r}] = "
                f"[{{...}}, ...], not {name!r}")
    return (f"{set_name}.{nav.name} is written as one entry: send its fields as "
            f"'{nav.name}/<field>' (one level deep), not {name!r}")


def encode_values(entity_type: EntityType, values: Mapping[str, Any]) -> dict[str, Any]:
    types = entity_type.properties
    return {
        name: encode(value, types[name].type) if name in types else value
        for name, value in values.items()
    }


def child_model(entity: EntityModel, nav: Navigation) -> EntityModel:
    """The entity a navigation leads to, as a model of its own (for nested payloads)."""
    return EntityModel(nav.target_set or "", entity.target(nav), entity.service)


def create_body(entity: EntityModel, split: Split, options: WriteOptions,
                joined: Collection[str] = ()) -> dict[str, Any]:
    """The deep-insert payload: own fields, single entries, and lines recursively. Keys the
    parent determines (``joined``, e.g. a line's ``SalesOrder``) are left for SAP to fill."""
    body = encode_values(entity.type, {k: v for k, v in split.own.items() if k not in joined})
    for nav_name, values in split.single.items():
        nav = entity.navigation(nav_name)
        child = new_child(entity, nav, values, options)
        if child:
            body[nav_name] = [child] if nav.many else child
    for nav_name, lines in split.lines.items():
        nav = entity.navigation(nav_name)
        body[nav_name] = [new_line(entity, nav, line, options) for line in lines]
    return body


def new_line(entity: EntityModel, nav: Navigation, line: Mapping[str, Any],
             options: WriteOptions) -> dict[str, Any]:
    """One line to create, with its own lines below it."""
    child = child_model(entity, nav)
    joined = {c for _, c in nav.joins} or set(entity.type.keys)
    own = {k: v for k, v in line.items() if not (k in child.type.keys and v in (None, ""))}
    return create_body(child, split_fields(child, own, options), options, joined)


def new_child(
    entity: EntityModel, nav: Navigation, values: Mapping[str, Any], options: WriteOptions
) -> dict[str, Any]:
    """A child entry to create: its data, its own key if given, else the configured default.
    Keys the parent determines (``BusinessPartner``) are left for the server to fill."""
    target = entity.target(nav)
    own_keys = child_keys(entity.type, nav, target)
    data = {k: v for k, v in values.items() if k not in target.keys}
    if not data:
        return {}
    child = dict(encode_values(target, data))
    defaults = options.nav_create_defaults.get(nav.name, {})
    for key in own_keys:
        given = values.get(key)
        if given not in (None, ""):
            child[key] = given
        elif key in defaults:
            child[key] = defaults[key]
    return child


def child_key_values(
    parent: EntityType,
    nav: Navigation,
    target: EntityType,
    parent_keys: Mapping[str, str],
    values: Mapping[str, Any],
) -> dict[str, Any]:
    """The child's full key: its own key values, and those its parent determines."""
    keys = {key: values.get(key) for key in target.keys}
    joins = nav.joins or tuple((k, k) for k in parent.keys if k in target.keys)
    for parent_prop, child_prop in joins:
        if keys.get(child_prop) in (None, "") and parent_prop in parent_keys:
            keys[child_prop] = parent_keys[parent_prop]
    return keys


def parse_key(entity_type: EntityType, key: str) -> dict[str, str]:
    """A record key (see ``reading.record_key``) back to key values by property."""
    if len(entity_type.keys) == 1:
        return {entity_type.keys[0]: key}
    values = parse_key_predicate(key)
    if set(values) != set(entity_type.keys):
        raise ValueError(f"key {key!r} does not name {', '.join(entity_type.keys)}")
    return values


def key_types(entity_type: EntityType) -> dict[str, str]:
    return {name: entity_type.edm_type(name) for name in entity_type.keys}
