"""Read YAML with ``safe_load`` semantics while remembering where every value came from.

PyYAML's ``safe_load`` throws positions away, and silently keeps the last of two duplicate
keys. We compose the node tree with the safe loader instead, refuse duplicate keys, and build
plain Python data plus a table from each value's path to its line and column, so that every
later error can name ``file:line:column``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from engine.mapping.errors import MappingError, MappingIssue

Path_ = tuple[str | int, ...]


@dataclass
class LocatedYaml:
    """Plain data from a YAML file and the 1-based (line, column) of each path in it."""

    file: str
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_) -> tuple[int, int]:
        """Position of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return (1, 1)

    def issue(self, path: Path_, message: str) -> MappingIssue:
        line, column = self.where(path)
        return MappingIssue(self.file, line, column, message)


def load_located(text: str, file: str) -> LocatedYaml:
    """Parse ``text``; raise ``MappingError`` for syntax errors and duplicate keys."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = getattr(exc, "problem", None) or str(exc)
        raise MappingError([MappingIssue(file, line, column, f"YAML syntax: {problem}")]) from None
    located = LocatedYaml(file=file, data=None)
    issues: list[MappingIssue] = []
    located.data = _build(root, (), located, issues) if root is not None else None
    if issues:
        raise MappingError(issues)
    return located


SAFE_TAGS = {f"tag:yaml.org,2002:{name}" for name in
             ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}


def _build(node: yaml.Node, path: Path_, out: LocatedYaml, issues: list[MappingIssue]) -> Any:
    out.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag not in SAFE_TAGS:
        issues.append(MappingIssue(out.file, node.start_mark.line + 1,
                                   node.start_mark.column + 1,
                                   f"YAML tag {node.tag!r} is not allowed in a mapping; "
                                   "only plain values, lists and mappings are"))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                line = key_node.start_mark.line + 1
                first, _ = out.positions[(*path, key)]
                issues.append(MappingIssue(out.file, line, key_node.start_mark.column + 1,
                                           f"duplicate key {key!r} (first at line {first}); "
                                           "a key may appear only once"))
                continue
            out.positions[(*path, key)] = (key_node.start_mark.line + 1,
                                           key_node.start_mark.column + 1)
            result[key] = _build(value_node, (*path, key), out, issues)
            out.positions[(*path, key)] = (key_node.start_mark.line + 1,
                                           key_node.start_mark.column + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), out, issues) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    """Resolve one scalar exactly as ``yaml.safe_load`` would (no Python tags)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
