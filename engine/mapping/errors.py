"""Mapping errors that point at the exact place in the file an admin must change."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.errors import ConfigError


@dataclass(frozen=True)
class MappingIssue:
    """One problem in a mapping file, at ``file:line:column`` (1-based)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class MappingError(ConfigError):
    """A mapping that must not run. Carries every issue found, not only the first."""

    def __init__(self, issues: list[MappingIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues), code="INVALID_MAPPING")
