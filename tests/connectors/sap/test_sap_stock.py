"""Material stock through the connector, against the stand-in for API_MATERIAL_STOCK_SRV
(mock-sap lacks that service): a snapshot with no change stamp, paged with $top/$skip on
the eleven-field key, cut by the server and linked with __next, served at its own address."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests
from sap_support import settings_for

from connectors.base import Cursor, TargetRecord
from connectors.errors import ConfigError
from connectors.sap import SapODataConnector
from connectors.sap.values import EPOCH
from sandbox.process import ChildServer

STOCK = "A_MatlStkInAcctMod"
QTY = "MatlWrhsStkQtyInMatlBaseUnit"


@pytest.fixture
def stock_connector(sap: ChildServer, stock: ChildServer) -> Iterator[SapODataConnector]:
    connector = SapODataConnector(settings_for(
        sap, page_size=10, service_base_urls={"API_MATERIAL_STOCK_SRV": stock.url}))
    yield connector
    connector.close()


def served(stock: ChildServer) -> list[dict[str, Any]]:
    return list(requests.get(f"{stock.url}/_stock/requests", timeout=10).json())


def set_level(stock: ChildServer, **values: Any) -> None:
    requests.post(f"{stock.url}/_stock/levels", json=values, timeout=10).raise_for_status()


def seeded_count(stock: ChildServer) -> int:
    answer = requests.get(f"{stock.url}/sap/opu/odata/sap/API_MATERIAL_STOCK_SRV/{STOCK}",
                          params={"$top": "0", "$inlinecount": "allpages"}, timeout=10)
    return int(answer.json()["d"]["__count"])


def test_check_reaches_both_addresses(stock: ChildServer,
                                      stock_connector: SapODataConnector) -> None:
    stock_connector.check()
    assert stock_connector.counter.by_kind["metadata"] == 2
    assert [r["path"] for r in served(stock)] == [
        "/sap/opu/odata/sap/API_MATERIAL_STOCK_SRV/$metadata"]


def test_the_whole_snapshot_is_read_in_key_order(stock: ChildServer,
                                                 stock_connector: SapODataConnector) -> None:
    rows = list(stock_connector.read_changes(STOCK, None, [QTY, "MaterialBaseUnit"]))
    assert len(rows) == seeded_count(stock) > 20
    assert len({r.key for r in rows}) == len(rows)
    assert all(r.modified_at == EPOCH for r in rows)
    keys = [tuple(r.fields[k] for k in ("Material", "Plant", "StorageLocation")) for r in rows]
    assert keys == sorted(keys)
    tg11 = next(r for r in rows if r.fields["Material"] == "TG11")
    assert tg11.key.startswith("Material='TG11',Plant='1710',StorageLocation='171A',Batch=''")
    assert isinstance(tg11.fields[QTY], Decimal)
    queries = [r["query"] for r in served(stock) if r["path"].endswith(STOCK)]
    assert any("%24skip=10" in q or "$skip=10" in q for q in queries)  # client paging
    assert any("skiptoken" in q for q in queries)  # and the server's own cut, followed


def test_a_read_resumes_at_a_cursor_key_without_repeating_earlier_rows(
    stock: ChildServer, stock_connector: SapODataConnector
) -> None:
    everything = list(stock_connector.read_changes(STOCK, None, [QTY]))
    pivot = everything[13]
    again = list(stock_connector.read_changes(STOCK, Cursor(EPOCH, pivot.key), [QTY]))
    assert [r.key for r in again] == [r.key for r in everything[13:]]
    last = [r for r in served(stock) if r["path"].endswith(STOCK)][-1]
    assert "Material" in requests.utils.unquote(last["query"])  # bounded on the first key


def test_stock_moved_in_sap_shows_in_the_next_snapshot(
    stock: ChildServer, stock_connector: SapODataConnector
) -> None:
    set_level(stock, Material="TG11", Plant="1710", **{QTY: "5"})
    set_level(stock, Material="TG11", Plant="1710", InventoryStockType="07", **{QTY: "2"})
    rows = [r for r in stock_connector.read_changes(STOCK, None, [QTY, "InventoryStockType"])
            if r.fields["Material"] == "TG11"]
    assert [(r.fields["InventoryStockType"], r.fields[QTY]) for r in rows] == [
        ("01", Decimal("5")), ("07", Decimal("2"))]


def test_materials_come_with_their_stock_as_lines(stock_connector: SapODataConnector) -> None:
    materials = list(stock_connector.read_changes("A_MaterialStock", None, [
        "MaterialBaseUnit", "to_MatlStkInAcctMod/Plant",
        f"to_MatlStkInAcctMod/{QTY}", "to_MatlStkInAcctMod/InventoryStockType"]))
    assert [m.key for m in materials] == sorted(m.key for m in materials)
    steel = next(m for m in materials if m.key == "MZ-RM-S200")
    assert steel.fields["MaterialBaseUnit"] == "KG"
    lines = steel.fields["to_MatlStkInAcctMod"]
    assert {line["Plant"] for line in lines} == {"1010", "1710", "2010"}
    assert "Material" not in lines[0] and lines[0]["StorageLocation"].endswith("A")


def test_the_service_is_read_only(stock_connector: SapODataConnector) -> None:
    (result,) = stock_connector.write_batch("A_MaterialStock", [TargetRecord(
        ref="w", key="TG11", fields={"MaterialBaseUnit": "EA"})])
    assert result.outcome == "failed"
    assert isinstance(result.error, ConfigError)
    assert "not implemented" in result.error.message


def test_describe_needs_no_change_stamp_for_a_snapshot(
    stock_connector: SapODataConnector,
) -> None:
    schema = stock_connector.describe(STOCK)
    assert schema.fields[QTY].type == "Edm.Decimal"
    assert schema.has("to_MaterialStock/MaterialBaseUnit")
