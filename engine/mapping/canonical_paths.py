"""Dotted paths of a canonical model's leaf fields (``billing_address.city``), its collections
of lines (``lines``), and the conversion between flat ``{path: value}`` dictionaries and nested
model data.

A collection's value in flat form is a list of flat dictionaries in the line model's own paths:
``{"lines": [{"line_number": "10", "quantity.value": "2"}]}``.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel


def leaf_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every leaf field of ``model`` as a dotted path, nested models expanded, collections of
    lines left out (see ``collections``)."""
    paths: list[str] = []
    for name, info in model.model_fields.items():
        if _collection_item(info.annotation) is not None:
            continue
        nested = _nested_model(info.annotation)
        if nested is None:
            paths.append(prefix + name)
        else:
            paths.extend(leaf_paths(nested, f"{prefix}{name}."))
    return paths


def collections(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Top-level fields of ``model`` that hold a collection of lines, with the line model."""
    found: dict[str, type[BaseModel]] = {}
    for name, info in model.model_fields.items():
        item = _collection_item(info.annotation)
        if item is not None:
            found[name] = item
    return found


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    candidates = [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        candidates = list(typing.get_args(annotation))
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _collection_item(annotation: Any) -> type[BaseModel] | None:
    if typing.get_origin(annotation) not in (tuple, list):
        return None
    args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
    return _nested_model(args[0]) if len(args) == 1 else None


def unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` → ``{"a": {"b": 1}}``; a nested object whose leaves are all ``None`` is
    left out, so an empty address stays ``None`` instead of an address of nothing. A list of
    flat dictionaries (lines) becomes a list of nested ones."""
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        if value is None:
            continue
        node = nested
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = ([unflatten(item) if isinstance(item, dict) else item for item in value]
                      if isinstance(value, list) else value)
    return nested


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Inverse of ``unflatten`` for dumped model data."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        elif isinstance(value, list | tuple):
            flat[prefix + key] = [flatten(v) if isinstance(v, dict) else v for v in value]
        else:
            flat[prefix + key] = value
    return flat


def leaf_annotation(model: type[BaseModel], path: str) -> Any:
    """The annotated type of leaf ``path`` (constraints included), or ``None`` if unknown."""
    *parents, leaf = path.split(".")
    node: type[BaseModel] | None = model
    for part in parents:
        info = node.model_fields.get(part) if node else None
        node = _nested_model(info.annotation) if info else None
    info = node.model_fields.get(leaf) if node else None
    if info is None or info.annotation is None:
        return None
    if info.metadata:
        return typing.Annotated[(info.annotation, *info.metadata)]
    return info.annotation


def literal_values(annotation: Any) -> tuple[Any, ...] | None:
    """The allowed values of a ``Literal`` (inside ``Optional``/``Annotated``), else ``None``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return typing.get_args(annotation)
    if origin is typing.Annotated:
        return literal_values(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = literal_values(arg)
            if found is not None:
                return found
    return None
