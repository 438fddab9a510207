"""Lookups the engine resolves for a system that cannot follow references (SAP): the field
holds the related record's key, the canonical value is its external ID; one batch read per
lookup field and page swaps one for the other, and a missing related record rejects only its
record. Against mock-sap, with a reference from one business partner to another (modelled on
fields mock-sap has: ``SearchTerm1`` holding the related partner's number)."""

from __future__ import annotations

from pathlib import Path

from connectors.base import TargetRecord
from connectors.registry import build_connector
from engine.context import RunContext
from engine.lookups import after_read, before_write
from engine.mapping import load_mapping
from engine.state.store import StateStore
from tests.conftest import Sandboxes
from tests.e2e.people import SapUser
from tests.e2e.sync_helpers import variant

REFERENCE = ("  phone:\n", "  tax_number:\n    sap: {field: SearchTerm1, lookup: {object: "
             "A_BusinessPartner, by: Customer, key: BusinessPartner}}\n"
             "    salesforce: AccountNumber\n  phone:\n")


def test_related_keys_become_external_ids_and_back_in_one_read_each(
        erpsync_env: Sandboxes, tmp_path: Path) -> None:
    sap = SapUser(erpsync_env)
    for partner, customer in (("1000001", "C-ONE"), ("1000002", "C-TWO")):
        sap.update(partner, Customer=customer)
    sap.update("1000003", SearchTerm1="1000001")
    sap.update("1000004", SearchTerm1="1000002")
    sap.update("1000005", SearchTerm1="1000099")  # no such partner
    loaded = load_mapping(variant(tmp_path / "ref", REFERENCE))
    connector = build_connector("sap")
    ctx = RunContext(loaded=loaded, connectors={"sap": connector}, store=StateStore(),
                     run_id="test")
    try:
        records = list(connector.read_by("A_BusinessPartner", "BusinessPartner",
                                         ["1000003", "1000004", "1000005"],
                                         ctx.converter.fields_of("sap")))
        calls = connector.counter.calls
        resolved, rejected = after_read(ctx, "sap", records)
        assert connector.counter.calls == calls + 1, "one batch read for the page"
        assert {r.key.lstrip("0"): r.fields["SearchTerm1"] for r in resolved} == {
            "1000003": "C-ONE", "1000004": "C-TWO"}
        (missing,) = rejected.values()
        assert missing.code == "LOOKUP_NOT_FOUND" and "1000099" in str(missing)

        writes = [TargetRecord("a", {"SearchTerm1": "C-TWO"}, key="1000003"),
                  TargetRecord("b", {"SearchTerm1": "C-NONE"}, key="1000004")]
        ready, refused = before_write(ctx, "sap", writes)
        assert ready[0].fields["SearchTerm1"].lstrip("0") == "1000002"
        assert set(refused) == {"b"}
    finally:
        connector.close()
        ctx.store.close()
