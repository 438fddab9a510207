"""Everything one flow run of one sync holds open: mapping, connectors, state, budgets.

Built once per run and closed however the run ends. Credentials loaded for the connectors
are registered with the redaction registry before any connector makes a call, so nothing a
connector or the engine logs can carry them out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, SecretStr

from connectors.base import Connector, Cursor
from connectors.registry import FACTORIES, build_connector
from connectors.settings import load_settings
from engine.mapping.loader import LoadedMapping, load_mapping
from engine.state.store import StateStore
from flows.budgets import Budgets, find_budgets
from flows.mappings_dir import mapping_path
from flows.redaction import SECRETS, SecretRegistry
from flows.secrets import PUBLISHED, resolve_secret

SyncMode = Literal["incremental", "full", "reconcile"]


class FullReadStore(StateStore):
    """The state store of a ``full`` run: change capture starts from the beginning instead of
    the cursor; everything else (identities, hashes, checkpoints) is the real state. Unchanged
    records are dropped as echoes, so a full run writes only what really differs."""

    def cursor(self, sync: str, system: str) -> Cursor | None:
        return None


@dataclass
class SyncSession:
    loaded: LoadedMapping
    connectors: dict[str, Connector]
    store: StateStore
    budgets: Budgets

    @property
    def systems(self) -> list[str]:
        return list(self.loaded.mapping.systems)


@contextmanager
def open_session(name: str, mode: SyncMode) -> Iterator[SyncSession]:
    """Load the mapping, connect to both systems, open the state store; close all after."""
    loaded = load_mapping(mapping_path(name))
    systems = list(loaded.mapping.systems)
    connectors = open_connectors(systems)
    store = FullReadStore() if mode == "full" else StateStore()
    try:
        budgets = find_budgets(systems)
        budgets.attach(connectors)
        store.migrate()
        yield SyncSession(loaded, connectors, store, budgets)
    finally:
        for connector in connectors.values():
            connector.close()
        store.close()


def open_connectors(systems: list[str],
                    registry: SecretRegistry = SECRETS) -> dict[str, Connector]:
    connectors: dict[str, Connector] = {}
    try:
        for system in systems:
            connectors[system] = _connect(system, registry)
    except BaseException:
        for connector in connectors.values():
            connector.close()
        raise
    return connectors


def _connect(system: str, registry: SecretRegistry) -> Connector:
    """Like ``build_connector``, but the settings pass through here first so that their
    credentials (environment or Secret block alike) are known to the redaction registry."""
    factory = FACTORIES.get(system)
    if factory is None:
        return build_connector(system)  # raises the ConfigError that names the known systems
    settings = load_settings(system, factory.settings_model(), secret_resolver=resolve_secret)
    registry.register(*(v for v in secret_values(settings) if v not in PUBLISHED))
    return factory.build(settings)


def secret_values(settings: BaseModel) -> list[str]:
    return [value.get_secret_value() for value in vars(settings).values()
            if isinstance(value, SecretStr)]
