"""Load a mapping file and check it before anything runs; every error names file:line:column.

Three layers of checks, all collected before reporting so an admin fixes everything at once:
1. YAML syntax and duplicate keys (``yaml_source``);
2. the format itself (pydantic models with ``extra="forbid"``);
3. meaning (``meaning``): canonical fields exist, value maps are defined, owners and match
   keys are systems and fields of this sync, literals fit their canonical types.
Checks against the live systems' schemas are in ``schema_check``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from engine.mapping.errors import MappingError, MappingIssue
from engine.mapping.format_errors import issues_from_errors
from engine.mapping.meaning import semantic_issues
from engine.mapping.model import SyncMapping
from engine.mapping.yaml_source import LocatedYaml, load_located


@dataclass(frozen=True)
class LoadedMapping:
    """A valid mapping and where its parts are in the file (for later schema errors)."""

    mapping: SyncMapping
    source: LocatedYaml

    @property
    def file(self) -> str:
        return self.source.file


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MappingError([MappingIssue(str(path), 1, 1,
                                         f"cannot read: {exc.strerror}")]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[:exc.start]
        line, column = before.count(b"\n") + 1, exc.start - (before.rfind(b"\n") + 1) + 1
        raise MappingError([MappingIssue(str(path), line, column, "cannot read: not UTF-8 "
                                         f"(byte {raw[exc.start]:#04x}); save the file as "
                                         "UTF-8")]) from None


def load_mapping(path: Path | str) -> LoadedMapping:
    """Read and fully validate one mapping file; raise ``MappingError`` listing every issue."""
    path = Path(path)
    source = load_located(_read_text(path), str(path))
    if not isinstance(source.data, dict):
        raise MappingError([source.issue((), "a mapping file must be a YAML mapping (key: value)")])
    try:
        mapping = SyncMapping.model_validate(source.data)
    except ValidationError as exc:
        raise MappingError(issues_from_errors(source, SyncMapping, exc.errors())) from None
    issues = semantic_issues(mapping, source)
    if issues:
        raise MappingError(issues)
    return LoadedMapping(mapping=mapping, source=source)
