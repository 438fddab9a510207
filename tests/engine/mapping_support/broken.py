"""Reading the broken-mapping fixtures: each file says, in ``# expect:`` comment lines, the
exact issues (``line:column: message``) loading it must produce; ``# check: live`` marks one
whose errors only show against the systems' live schemas."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.mapping import MappingError, load_mapping
from engine.mapping.errors import MappingIssue
from engine.mapping.schema_check import check_against_schemas, related_objects
from tests.engine.mapping_support.live_schemas import SchemaSource

FOLDER = Path(__file__).parents[1] / "mapping_broken"
EXPECT = "# expect: "


@dataclass(frozen=True)
class BrokenMapping:
    path: Path
    expected: list[str]
    live: bool

    @classmethod
    def read(cls, path: Path) -> BrokenMapping:
        lines = path.read_text(encoding="utf-8").splitlines()
        return cls(path, [line[len(EXPECT):] for line in lines if line.startswith(EXPECT)],
                   "# check: live" in lines)


def all_broken() -> list[BrokenMapping]:
    return [BrokenMapping.read(path) for path in sorted(FOLDER.glob("*.yaml"))]


def short(issue: MappingIssue) -> str:
    return f"{issue.line}:{issue.column}: {issue.message}"


def loading_issues(path: Path) -> list[str]:
    try:
        load_mapping(path)
    except MappingError as exc:
        return [short(issue) for issue in exc.issues]
    return []


def live_issues(path: Path, sources: dict[str, SchemaSource]) -> list[str]:
    """Issues of a mapping that loads, against both systems' schemas (and related ones)."""
    loaded = load_mapping(path)
    schemas, related = {}, {}
    for system, source in sources.items():
        schema = source(loaded.mapping.systems[system].object)
        assert schema is not None, f"{system} has no {loaded.mapping.systems[system].object}"
        schemas[system] = schema
        for name in related_objects(loaded.mapping, system):
            found = source(name)
            if found is not None:
                related[(system, name)] = found
    try:
        check_against_schemas(loaded, schemas, related)
    except MappingError as exc:
        return [short(issue) for issue in exc.issues]
    return []
