"""Does a canonical field's type fit the system field it is mapped to?

The canonical model says what a value is (text, yes/no, exact number, date, timestamp, one of
a closed set); the system's schema says what its field holds (Salesforce describe types,
OData ``Edm`` types). A mismatch — a checkbox mapped to a date, a restricted picklist that
cannot take every canonical status — would fail on the first write, so it stops the mapping
before anything runs.
"""

from __future__ import annotations

import datetime
import decimal
import types
import typing
from typing import Any

from pydantic import BaseModel

from connectors.base import FieldSchema
from engine.mapping.canonical_paths import leaf_annotation, literal_values
from engine.mapping.fields import FieldSide
from engine.mapping.model import ValueMap

_TEXT = {"string", "textarea", "picklist", "multipicklist", "combobox", "email", "phone",
         "url", "id", "reference", "encryptedstring", "Edm.String", "Edm.Guid"}
_NUMBER = {"currency", "double", "percent", "int", "long", "Edm.Decimal", "Edm.Double",
           "Edm.Single", "Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte"}
SYSTEM_TYPES: dict[str, set[str]] = {
    "text": _TEXT,
    "yes/no": {"boolean", "Edm.Boolean"},
    "number": _NUMBER,
    "whole number": {"int", "long", "double", "Edm.Int16", "Edm.Int32", "Edm.Int64",
                     "Edm.Byte", "Edm.Decimal"},
    "date": {"date", "Edm.DateTime", "Edm.Date"},
    "timestamp": {"datetime", "Edm.DateTimeOffset", "Edm.DateTime"},
}
"""Canonical kind → system field types that hold it without a transform."""

_KINDS: list[tuple[type, str]] = [
    (bool, "yes/no"), (int, "whole number"), (decimal.Decimal, "number"),
    (float, "number"), (datetime.datetime, "timestamp"), (datetime.date, "date"),
    (str, "text"),
]


def canonical_kind(annotation: Any) -> str | None:
    """``text``, ``yes/no``, ``number``, ``whole number``, ``date`` or ``timestamp``."""
    if literal_values(annotation) is not None:
        return "text"
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return canonical_kind(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        kinds = {canonical_kind(a) for a in typing.get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    for python_type, kind in _KINDS:
        if isinstance(annotation, type) and issubclass(annotation, python_type):
            return kind
    return None


def type_issue(model: type[BaseModel], name: str, side: FieldSide, spec: FieldSchema,
               value_maps: dict[str, ValueMap]) -> str | None:
    """Why canonical ``name`` cannot go into system field ``spec`` as mapped, or ``None``."""
    annotation = leaf_annotation(model, name)
    if annotation is None or side.fields or side.transform:
        return None  # several fields or a transform: the transform decides the shape
    kind = "text" if side.value_map else canonical_kind(annotation)
    if kind is not None and spec.type not in SYSTEM_TYPES[kind]:
        via = " through a value map" if side.value_map else ""
        odata = spec.type.startswith("Edm.")
        allowed = ", ".join(sorted(t for t in SYSTEM_TYPES[kind] if t.startswith("Edm.") == odata))
        return (f"canonical {name!r} is {kind}{via} but {spec.name} is {spec.type}; a field "
                f"of type {allowed} fits, or add a transform")
    return _picklist_issue(name, side, spec, literal_values(annotation), value_maps)


def _picklist_issue(name: str, side: FieldSide, spec: FieldSchema,
                    canonical: tuple[Any, ...] | None,
                    value_maps: dict[str, ValueMap]) -> str | None:
    """Every canonical value of a closed set must have a place in a restricted picklist."""
    if not spec.restricted_picklist or canonical is None:
        return None
    value_map = value_maps.get(side.value_map) if side.value_map else None
    if value_map is not None:
        if value_map.unknown == "default":
            return None
        uncovered = [v for v in canonical if v not in value_map.values]
        if uncovered:
            return (f"value map {side.value_map!r} cannot cover the restricted picklist "
                    f"{spec.name}: canonical {name} values {uncovered} have no entry")
        return None
    outside = [v for v in canonical if v not in spec.picklist_values]
    if outside:
        return (f"canonical {name} values {outside} are not in the restricted picklist "
                f"{spec.name} ({', '.join(spec.picklist_values)}); add a value map")
    return None
