"""Dotted paths of a canonical model's leaf fields (``billing_address.city``), and the
conversion between flat ``{path: value}`` dictionaries and nested model data."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel


def leaf_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every leaf field of ``model`` as a dotted path, nested models expanded."""
    paths: list[str] = []
    for name, info in model.model_fields.items():
        nested = _nested_model(info.annotation)
        if nested is None:
            paths.append(prefix + name)
        else:
            paths.extend(leaf_paths(nested, f"{prefix}{name}."))
    return paths


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    candidates = [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        candidates = list(typing.get_args(annotation))
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` → ``{"a": {"b": 1}}``; a nested object whose leaves are all ``None`` is
    left out, so an empty address stays ``None`` instead of an address of nothing."""
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        if value is None:
            continue
        node = nested
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Inverse of ``unflatten`` for dumped model data."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat
