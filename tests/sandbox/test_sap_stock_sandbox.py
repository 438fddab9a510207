"""The stand-in for API_MATERIAL_STOCK_SRV, exercised over HTTP as a plain OData client
would (no erpsync code): the model SAP publishes, Gateway's conventions, the query options,
server-driven paging, and the refusals - each with SAP's error envelope."""

from __future__ import annotations

import base64
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sandbox import sap_stock  # noqa: E402
from sandbox.process import ChildServer  # noqa: E402

SERVICE = "/sap/opu/odata/sap/API_MATERIAL_STOCK_SRV"
STOCK = "A_MatlStkInAcctMod"
QTY = "MatlWrhsStkQtyInMatlBaseUnit"
EDM = "{http://schemas.microsoft.com/ado/2008/09/edm}"
KEY_FIELDS = ["Material", "Plant", "StorageLocation", "Batch", "Supplier", "Customer",
              "WBSElementInternalID", "SDDocument", "SDDocumentItem",
              "InventorySpecialStockType", "InventoryStockType"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildServer]:
    log = tmp_path_factory.mktemp("stock-sandbox") / "stock.log"
    started = sap_stock.start(log_file=log, page_cap=5, auth="STOCK_USER:stock-pass")
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def http(server: ChildServer) -> Iterator[requests.Session]:
    requests.post(f"{server.url}/_stock/reset", timeout=10).raise_for_status()
    session = requests.Session()
    session.auth = ("STOCK_USER", "stock-pass")
    session.headers["Accept"] = "application/json"
    yield session
    session.close()


def get(http: requests.Session, server: ChildServer, path: str, **params: str) -> Any:
    answer = http.get(f"{server.url}{SERVICE}/{path}", params=params, timeout=10)
    answer.raise_for_status()
    return answer.json()


def refusal(answer: requests.Response) -> dict[str, Any]:
    """SAP's error envelope of a refused request."""
    error = answer.json()["error"]
    assert error["code"] and error["message"]["lang"] == "en"
    return dict(error)


def test_metadata_is_the_published_model(http: requests.Session, server: ChildServer) -> None:
    answer = http.get(f"{server.url}{SERVICE}/$metadata", timeout=10)
    assert answer.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(answer.content)  # noqa: S314 - our own stand-in's answer
    types = {t.get("Name"): t for t in root.iter(f"{EDM}EntityType")}
    assert set(types) == {"A_MaterialStockType", "A_MatlStkInAcctModType"}
    stock = types["A_MatlStkInAcctModType"]
    assert [r.get("Name") for r in stock.iter(f"{EDM}PropertyRef")] == KEY_FIELDS
    quantity = next(p for p in stock.iter(f"{EDM}Property") if p.get("Name") == QTY)
    assert (quantity.get("Type"), quantity.get("Precision"), quantity.get("Scale")) == (
        "Edm.Decimal", "31", "14")
    sets = {s.get("Name") for s in root.iter(f"{EDM}EntitySet")}
    assert sets == {"A_MaterialStock", STOCK}


def test_filters_select_and_order_like_gateway(http: requests.Session,
                                                server: ChildServer) -> None:
    body = get(http, server, STOCK, **{
        "$filter": f"(Plant eq '1710' or Plant eq '2010') and {QTY} ge 100 "
                   "and not startswith(Material,'MZ')",
        "$select": f"Material,Plant,{QTY}", "$orderby": f"{QTY} desc", "$top": "3"})
    rows = body["d"]["results"]
    assert len(rows) == 3
    assert all(r["Plant"] in {"1710", "2010"} and not r["Material"].startswith("MZ")
               for r in rows)
    quantities = [float(r[QTY]) for r in rows]
    assert quantities == sorted(quantities, reverse=True) and min(quantities) >= 100
    assert set(rows[0]) == {"__metadata", "Material", "Plant", QTY}
    assert rows[0]["__metadata"]["type"] == "API_MATERIAL_STOCK_SRV.A_MatlStkInAcctModType"


def test_long_answers_are_cut_and_linked_with_next(http: requests.Session,
                                                   server: ChildServer) -> None:
    total = int(get(http, server, STOCK, **{"$top": "0", "$inlinecount": "allpages"})
                ["d"]["__count"])
    link: str | None = (f"{server.url}{SERVICE}/{STOCK}"
                        "?$select=Material,Plant,InventoryStockType")
    seen: list[tuple[str, str, str]] = []
    pages = 0
    while link:
        page = http.get(link, timeout=10).json()["d"]
        pages += 1
        assert len(page["results"]) <= 5
        seen += [(r["Material"], r["Plant"], r["InventoryStockType"]) for r in page["results"]]
        link = page.get("__next")
    assert pages == -(-total // 5)
    assert len(seen) == len(set(seen)) == total  # nothing lost, nothing twice


def test_top_and_skip_page_within_the_cap(http: requests.Session, server: ChildServer) -> None:
    everything = [r["Material"] + r["Plant"] + r["InventoryStockType"]
                  for r in get(http, server, STOCK, **{"$top": "5"})["d"]["results"]]
    second = get(http, server, STOCK, **{"$top": "3", "$skip": "2"})["d"]
    assert [r["Material"] + r["Plant"] + r["InventoryStockType"]
            for r in second["results"]] == everything[2:5]
    assert "__next" not in second


def test_one_entry_by_its_eleven_part_key_and_its_navigation(
    http: requests.Session, server: ChildServer
) -> None:
    key = ("Material='TG11',Plant='1710',StorageLocation='171A',Batch='',Supplier='',"
           "Customer='',WBSElementInternalID='',SDDocument='',SDDocumentItem='',"
           "InventorySpecialStockType='',InventoryStockType='01'")
    entry = get(http, server, f"{STOCK}({key})", **{"$expand": "to_MaterialStock"})["d"]
    assert entry["Material"] == "TG11" and entry["to_MaterialStock"]["MaterialBaseUnit"] == "PC"
    lines = get(http, server, "A_MaterialStock('TG11')/to_MatlStkInAcctMod")["d"]["results"]
    assert [line["Plant"] for line in lines] == ["1710"]


def test_refusals_carry_sap_error_envelopes(http: requests.Session,
                                            server: ChildServer) -> None:
    unknown = http.get(f"{server.url}{SERVICE}/{STOCK}", params={"$filter": "Nope eq 'x'"},
                       timeout=10)
    assert unknown.status_code == 400
    assert "Nope" in refusal(unknown)["message"]["value"]
    missing = http.get(f"{server.url}{SERVICE}/A_MaterialStock('NO-SUCH')", timeout=10)
    assert missing.status_code == 404 and refusal(missing)
    half_key = http.get(f"{server.url}{SERVICE}/{STOCK}(Material='TG11')", timeout=10)
    assert half_key.status_code == 400 and "InventoryStockType" in refusal(half_key)[
        "message"]["value"]
    other_client = http.get(f"{server.url}{SERVICE}/{STOCK}", params={"sap-client": "200"},
                            timeout=10)
    assert other_client.status_code == 400 and refusal(other_client)


def test_the_service_is_read_only(http: requests.Session, server: ChildServer) -> None:
    fetched = http.get(f"{server.url}{SERVICE}/", headers={"X-CSRF-Token": "Fetch"},
                       timeout=10)
    token = fetched.headers["x-csrf-token"]
    assert token and any(c.name.startswith("SAP_SESSIONID_") for c in http.cookies)
    patch = http.patch(f"{server.url}{SERVICE}/A_MaterialStock('TG11')", timeout=10,
                       json={"MaterialBaseUnit": "EA"}, headers={"X-CSRF-Token": token})
    assert patch.status_code == 405 and patch.headers["Allow"] == "GET, HEAD"
    assert refusal(patch)
    batch = http.post(f"{server.url}{SERVICE}/$batch", data=b"", timeout=10,
                      headers={"X-CSRF-Token": token})
    assert batch.status_code == 501


def test_logon_is_required_when_configured(server: ChildServer) -> None:
    anonymous = requests.get(f"{server.url}{SERVICE}/{STOCK}", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith('Basic realm="SAP NetWeaver')
    wrong = base64.b64encode(b"STOCK_USER:wrong").decode()
    refused = requests.get(f"{server.url}{SERVICE}/{STOCK}", timeout=10,
                           headers={"Authorization": f"Basic {wrong}"})
    assert refused.status_code == 401


def test_stock_levels_are_set_through_the_control_plane(
    http: requests.Session, server: ChildServer
) -> None:
    requests.post(f"{server.url}/_stock/levels", timeout=10, json={
        "Material": "NEW-1", "Plant": "1710", "MaterialBaseUnit": "EA", QTY: "12.5"}
    ).raise_for_status()
    rows = get(http, server, STOCK, **{"$filter": "Material eq 'NEW-1'"})["d"]["results"]
    assert [(r["Plant"], r[QTY]) for r in rows] == [("1710", "12.500")]
    requests.post(f"{server.url}/_stock/levels", timeout=10, json={
        "Material": "NEW-1", "Plant": "1710", QTY: None}).raise_for_status()
    assert get(http, server, STOCK, **{"$filter": "Material eq 'NEW-1'"})["d"]["results"] == []
    bad = requests.post(f"{server.url}/_stock/levels", json={"Plant": "1710"}, timeout=10)
    assert bad.status_code == 400
