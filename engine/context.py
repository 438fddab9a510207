"""Everything a run needs, built once: mapping, converter, connectors, schemas, state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.base import Connector, ObjectSchema
from engine.mapping.convert import Converter
from engine.mapping.loader import LoadedMapping
from engine.mapping.model import SyncMapping
from engine.policy import CollectionPolicy, FieldPolicy, collection_policies, field_policies
from engine.state.store import StateStore


@dataclass
class RunContext:
    loaded: LoadedMapping
    connectors: dict[str, Connector]
    store: StateStore
    run_id: str
    schemas: dict[str, ObjectSchema] = field(default_factory=dict)
    dry_run: bool = False
    create_keys: dict[str, dict[str, Any]] = field(default_factory=dict)  # create_lookups
    converter: Converter = field(init=False)
    policies: dict[str, FieldPolicy] = field(init=False)
    collections: dict[str, CollectionPolicy] = field(init=False)
    # In a dry run nothing is written, so the second direction would plan again what the
    # first one planned: the records already planned, by (system, key), are skipped.
    _planned: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.converter = Converter(self.loaded.mapping)
        self.policies = field_policies(self.loaded.mapping)
        self.collections = collection_policies(self.loaded.mapping)

    def dry_run_seen(self, system: str, key: str) -> bool:
        return self.dry_run and (system, key) in self._planned

    def mark_planned(self, system: str, key: str | None) -> None:
        if self.dry_run and key is not None:
            self._planned.add((system, key))

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
