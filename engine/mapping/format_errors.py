"""Pydantic's validation errors as mapping issues an admin can act on.

Pydantic reports where in the *model* a value failed, including tags of union members
(``str``, ``dict[str,any]``) that are not keys of the file; we keep only the parts that are
keys or indexes of the YAML data, so the issue points at the right line and column. Each
message starts with the offending key's dotted path and says what would be valid: the allowed
keys of that place for an unknown key, the allowed values for a closed set.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from engine.mapping.errors import MappingIssue
from engine.mapping.yaml_source import LocatedYaml, Path_

_PLAIN = (str, int, float, bool, type(None))


def issues_from_errors(source: LocatedYaml, root: type[BaseModel],
                       errors: list[ErrorDetails]) -> list[MappingIssue]:
    """One issue per failing place (a union's alternatives failing alike count once)."""
    issues: list[MappingIssue] = []
    seen: set[Path_] = set()
    for error in errors:
        path = data_path(source.data, error["loc"])
        if path in seen:
            continue
        seen.add(path)
        issues.append(source.issue(path, _message(root, path, error)))
    return issues


def data_path(data: Any, loc: tuple[int | str, ...]) -> Path_:
    """The part of ``loc`` that walks the YAML data; model-only tags are dropped."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if _has(node, part):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not _is_tag(part):
            path.append(part)  # a missing or unknown key: point at its parent, name it
            break
        else:
            continue
        path.append(part)
    return tuple(path)


def _has(node: Any, part: int | str) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _is_tag(part: str) -> bool:
    return "[" in part or part in {"str", "int", "float", "bool", "list", "dict", "tuple"} or (
        part[:1].isupper())


def _message(root: type[BaseModel], path: Path_, error: ErrorDetails) -> str:
    where = ".".join(map(str, path)) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(allowed_keys(root, path[:-1])) or "none"
        return f"{where}: unknown key {path[-1]!r}; allowed: {allowed}"
    if kind == "missing":
        return f"{where}: missing required key {path[-1]!r}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        keys = allowed_keys(root, path)
        shape = f"a mapping with keys {', '.join(keys)}" if keys else "a mapping (key: value)"
        return f"{where}: expected {shape}; got {type(error.get('input')).__name__}"
    message = error["msg"].removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    shown = error.get("input")
    if isinstance(shown, _PLAIN) and kind not in ("value_error", "assertion_error"):
        message += f" (got {shown!r})"
    return f"{where}: {message}"


def allowed_keys(root: type[BaseModel], path: Path_) -> list[str]:
    """The keys a mapping at ``path`` may have, when a model defines them."""
    model = model_at(root, path)
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def model_at(root: type[BaseModel], path: Path_) -> type[BaseModel] | None:
    """The model describing the YAML mapping at ``path`` (following dict values and list
    items), or ``None`` where the format allows free keys."""
    annotation: Any = root
    for part in path:
        model = _model_in(annotation)
        if model is not None:
            annotation = _field_annotation(model, str(part))
        else:
            annotation = _item_annotation(annotation)
        if annotation is None:
            return None
    return _model_in(annotation)


def _field_annotation(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _item_annotation(annotation: Any) -> Any:
    """The value type of a dict or the item type of a tuple/list, through ``Optional``."""
    for candidate in _members(annotation):
        origin = typing.get_origin(candidate)
        args = [a for a in typing.get_args(candidate) if a is not Ellipsis]
        if origin is dict and len(args) == 2:
            return args[1]
        if origin in (tuple, list) and len(args) == 1:
            return args[0]
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for candidate in _members(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _members(annotation: Any) -> Iterator[Any]:
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        yield from typing.get_args(annotation)
    else:
        yield annotation
