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
    built: int = 0
    """Values built so far (see ``MAX_VALUES``)."""

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
MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_VALUES = 100_000
"""More values than any real mapping has: aliases expanding exponentially (a "billion
laughs" file) stop here instead of exhausting memory."""


def _build(node: yaml.Node, path: Path_, out: LocatedYaml, issues: list[MappingIssue]) -> Any:
    out.positions[path] = _mark(node)
    out.built += 1
    if out.built > MAX_VALUES:
        if out.built == MAX_VALUES + 1:
            issues.append(out.issue(path, f"more than {MAX_VALUES} values: aliases expand "
                                          "too far for a mapping file"))
        return None
    if node.tag not in SAFE_TAGS:
        issues.append(out.issue(path, f"YAML tag {node.tag!r} is not allowed in a mapping; "
                                      "only plain values, lists and mappings are"))
        return None
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, path, out, issues)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), out, issues) for i, item in enumerate(node.value)]
    return _scalar(node)


def _build_mapping(node: yaml.MappingNode, path: Path_, out: LocatedYaml,
                   issues: list[MappingIssue]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key_node, value_node in _pairs(node, path, out, issues):
        if not isinstance(key_node, yaml.ScalarNode):
            issues.append(MappingIssue(out.file, *_mark(key_node),
                                       "a key must be plain text, not a list or mapping"))
            continue
        key = str(_scalar(key_node))
        if key in result:
            first, _ = out.positions[(*path, key)]
            issues.append(MappingIssue(out.file, *_mark(key_node),
                                       f"duplicate key {key!r} (first at line {first}); "
                                       "a key may appear only once"))
            continue
        out.positions[(*path, key)] = _mark(key_node)
        result[key] = _build(value_node, (*path, key), out, issues)
        out.positions[(*path, key)] = _mark(key_node)
    return result


def _pairs(node: yaml.MappingNode, path: Path_, out: LocatedYaml,
           issues: list[MappingIssue]) -> list[tuple[yaml.Node, yaml.Node]]:
    """The mapping's key/value pairs with YAML merge keys (``<<: *defaults``) applied as
    ``safe_load`` applies them: keys written here win over merged ones, and of several
    merged mappings the first that has a key gives it."""
    explicit = [(k, v) for k, v in node.value if k.tag != MERGE_TAG]
    written = {k.value for k, _ in explicit if isinstance(k, yaml.ScalarNode)}
    merged: list[tuple[yaml.Node, yaml.Node]] = []
    for key_node, value_node in node.value:
        if key_node.tag != MERGE_TAG:
            continue
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [
            value_node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                issues.append(MappingIssue(out.file, *_mark(source),
                                           "<< merges a mapping or a list of mappings"))
                continue
            for pair in _pairs(source, path, out, issues):
                name = pair[0].value if isinstance(pair[0], yaml.ScalarNode) else None
                if name not in written:
                    written.add(name)
                    merged.append(pair)
    return explicit + merged


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _scalar(node: yaml.Node) -> Any:
    """Resolve one scalar exactly as ``yaml.safe_load`` would (no Python tags)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
