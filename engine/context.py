"""Everything a run needs, built once: mapping, converter, connectors, schemas, state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.base import Connector, ObjectSchema
from engine.mapping.convert import Converter
from engine.mapping.loader import LoadedMapping
from engine.mapping.model import SyncMapping
from engine.state.store import StateStore


@dataclass
class RunContext:
    loaded: LoadedMapping
    connectors: dict[str, Connector]
    store: StateStore
    run_id: str
    schemas: dict[str, ObjectSchema] = field(default_factory=dict)
    converter: Converter = field(init=False)

    def __post_init__(self) -> None:
        self.converter = Converter(self.loaded.mapping)

    @property
    def mapping(self) -> SyncMapping:
        return self.loaded.mapping

    @property
    def sync(self) -> str:
        return self.mapping.sync

    def obj(self, system: str) -> str:
        return self.mapping.systems[system].object

    def key_field(self, system: str) -> str:
        return self.mapping.systems[system].key

    def writable(self, system: str, fields: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        """Drop fields the system will not accept on this operation (per its describe)."""
        schema = self.schemas.get(system)
        if schema is None:
            return fields
        allowed = {}
        for name, value in fields.items():
            spec = schema.fields.get(name)
            if spec is None or (spec.createable if creating else spec.updateable):
                allowed[name] = value
        return allowed
