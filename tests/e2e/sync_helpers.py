"""Run the shipped customer sync against the sandboxes, as the product would."""

from __future__ import annotations

from typing import Any

from connectors.registry import build_connector
from engine.mapping import load_mapping
from engine.mapping.convert import Converter
from engine.report import RunReport
from engine.run import run_sync
from engine.state.store import StateStore
from tests.conftest import REPO
from tests.e2e.people import SalesforceUser, SapUser

MAPPING = REPO / "mappings" / "customers.yaml"


def run_customers() -> RunReport:
    loaded = load_mapping(MAPPING)
    connectors = {system: build_connector(system) for system in loaded.mapping.systems}
    store = StateStore()
    store.migrate()
    try:
        return run_sync(loaded, connectors, store)
    finally:
        for connector in connectors.values():
            connector.close()
        store.close()


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
