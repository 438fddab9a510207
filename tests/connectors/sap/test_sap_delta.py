"""Delta tokens against a real mock-sap: a first read hands out a link, the next read through
it brings what changed since - and what was deleted, which a change-stamp filter cannot."""

from __future__ import annotations

import pytest
from sap_support import BP, MakeConnector, native_write, served

from connectors.base import TargetRecord
from connectors.errors import ConfigError
from connectors.sap import SapODataConnector
from sandbox.process import ChildServer

SO = "A_SalesOrder"


def test_a_delta_link_brings_changes_and_deletions(
    sap: ChildServer, make_connector: MakeConnector
) -> None:
    connector = make_connector(page_size=10)
    first = connector.read_delta(BP, None, ["SearchTerm1"])
    assert len({r.key for r in first}) == 24
    assert first.link is not None and "deltatoken" in first.link
    tracked = [r for r in served(sap) if r["path"].endswith(BP)]
    assert len(tracked) == 3  # keyset pages of 10, 10, 4; the link came with the first

    one = next(iter(connector.read_by(BP, "BusinessPartner", ["1000002"], [])))
    (changed,) = connector.write_batch(BP, [TargetRecord(
        ref="d", key="1000002", etag=one.etag, fields={"SearchTerm1": "DELTA"})])
    assert changed.outcome == "updated"
    native_write(sap, "DELETE", f"/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV/{BP}('1000003')",
                 headers={"If-Match": "*"})

    second = connector.read_delta(BP, first.link, ["SearchTerm1"])
    records = {r.key: r for r in second}
    assert records["1000002"].fields["SearchTerm1"] == "DELTA"
    assert not records["1000002"].deleted
    gone = records["1000003"]
    assert gone.deleted and dict(gone.fields) == {"BusinessPartner": "1000003"}
    assert gone.modified_at.tzinfo is not None
    assert "1000001" not in records  # unchanged partners stay out
    assert second.link is not None and second.link != first.link


def test_an_entity_without_change_tracking_is_a_config_error(
    connector: SapODataConnector,
) -> None:
    """mock-sap refuses the preference with 400 where a real service may ignore it (and then
    hands out no link: ``DeltaRead.link`` stays ``None``)."""
    items = connector.read_delta("A_SalesOrderItem", None, ["Material"])
    with pytest.raises(ConfigError, match="Delta is not supported"):
        list(items)
    assert items.link is None


def test_a_link_sap_refuses_is_replaced_by_a_full_read(
    sap: ChildServer, make_connector: MakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    """A token SAP no longer accepts (expired, or the system was restored) stops nothing:
    everything is read again, and that read hands out a new link."""
    connector = make_connector(page_size=10)
    stale = f"{BP}?!deltatoken='NOT-ISSUED-HERE'"
    with caplog.at_level("WARNING", logger="connectors.sap.delta"):
        again = connector.read_delta(BP, stale, ["SearchTerm1"])
        assert len({r.key for r in again}) == 24
    assert again.link is not None and "deltatoken" in again.link and again.link != stale
    assert any("refused the delta link" in r.getMessage() for r in caplog.records)
