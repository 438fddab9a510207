"""Run the shipped customer sync against the sandboxes, as the product would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from connectors.base import Connector
from connectors.registry import build_connector
from engine.mapping import load_mapping
from engine.mapping.convert import Converter
from engine.mapping.loader import LoadedMapping
from engine.report import RunReport
from engine.run import Plan, plan_sync, reconcile_sync, replay_letters, run_sync
from engine.state.store import StateStore
from tests.conftest import REPO
from tests.e2e.people import SalesforceUser, SapUser

MAPPING = REPO / "mappings" / "customers.yaml"
T = TypeVar("T")
Action = Callable[[LoadedMapping, dict[str, Connector], StateStore], T]


Wrap = Callable[[Connector], Connector]


def with_sync(action: Action[T], mapping: Path = MAPPING,
              wrap: dict[str, Wrap] | None = None) -> T:
    """Call an engine entry point as the CLI does: the mapping, fresh connectors (``wrap``
    puts a test's wrapper around a system's one), the state named by ERPSYNC_STATE_URL."""
    loaded = load_mapping(mapping)
    connectors = {system: build_connector(system) for system in loaded.mapping.systems}
    used = {s: (wrap or {}).get(s, lambda c: c)(c) for s, c in connectors.items()}
    store = StateStore()
    store.migrate()
    try:
        return action(loaded, used, store)
    finally:
        for connector in connectors.values():
            connector.close()
        store.close()


def run_customers(mapping: Path = MAPPING) -> RunReport:
    return with_sync(run_sync, mapping)


def plan_customers(mapping: Path = MAPPING) -> Plan:
    return with_sync(plan_sync, mapping)


def reconcile_customers(mapping: Path = MAPPING) -> RunReport:
    return with_sync(reconcile_sync, mapping)


def replay_customers(mapping: Path = MAPPING) -> RunReport:
    return with_sync(replay_letters, mapping)


def variant(tmp: Path, *edits: tuple[str, str]) -> Path:
    """The shipped customer mapping with text replaced (old → new), as customers.yaml in
    ``tmp``; every edit must apply."""
    text = MAPPING.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, f"mapping has no {old!r}"
        text = text.replace(old, new)
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "customers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def sap_customers(sap: SapUser) -> dict[str, dict[str, Any]]:
    """Canonical values of SAP's customers (suppliers excluded), by customer number."""
    converter = Converter(load_mapping(MAPPING).mapping)
    result = {}
    for partner in sap.partners():
        if partner["Supplier"]:
            continue
        flat = {k: v for k, v in partner.items() if not isinstance(v, dict)}
        addresses = partner["to_BusinessPartnerAddress"]["results"]
        for name, value in (addresses[0] if addresses else {}).items():
            flat[f"to_BusinessPartnerAddress/{name}"] = value
        values = converter.to_canonical("sap", flat)
        result[values["account_number"]] = values
    return result


def salesforce_customers(sf: SalesforceUser) -> dict[str | None, dict[str, Any]]:
    converter = Converter(load_mapping(MAPPING).mapping)
    return {values["account_number"]: values for values in
            (converter.to_canonical("salesforce", account) for account in sf.accounts())}
