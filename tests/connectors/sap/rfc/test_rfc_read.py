"""Reading over RFC against mock-sap: change capture from a change table plus GETLIST pages,
batch lookups, retries in one layer, and one connection per thread, closed on every path."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from conftest import MakeRfc
from rfc_support import Opened, add_fault, rfc_settings
from sap_support import Sleeps

from connectors.base import Cursor
from connectors.errors import ConfigError
from connectors.sap.rfc import SapRfcConnector, calls
from connectors.sap.rfc.json_http import JsonHttpConnection
from connectors.sap.rfc.protocol import RfcConnection
from sandbox.process import ChildServer, free_port

BP = "/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV/A_BusinessPartner"
LIST = "BAPI_CUSTOMER_GETLIST"


def native_customers(sap: ChildServer) -> dict[str, datetime]:
    """Customer number -> change date, from mock-sap's own OData API."""
    answer = requests.get(sap.url + BP, timeout=10, params={
        "$filter": "Customer ne ''", "$select": "Customer,LastChangeDate", "$format": "json"})
    answer.raise_for_status()
    found = {}
    for row in answer.json()["d"]["results"]:
        millis = int(row["LastChangeDate"].strip("/Date()"))
        instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)
        found[row["Customer"]] = datetime(instant.year, instant.month, instant.day, tzinfo=UTC)
    return found


def plain(sap: ChildServer) -> Opened:
    settings = rfc_settings(sap)
    return Opened(lambda: JsonHttpConnection(settings))


def test_every_customer_comes_once_in_stamp_and_key_order(rfc: SapRfcConnector,
                                                          sap: ChildServer) -> None:
    read = list(rfc.read_changes("Customer", None, ["NAME", "CITY"]))
    expected = native_customers(sap)
    assert {r.key: r.modified_at for r in read} == expected
    assert [(r.modified_at, r.key) for r in read] == sorted((r.modified_at, r.key) for r in read)
    assert all(r.fields["NAME"] and r.fields["CITY"] for r in read)
    assert rfc.counter.by_kind[LIST] == 1


def test_small_pages_read_the_same_records_in_the_same_order(make_rfc: MakeRfc) -> None:
    whole = make_rfc()
    paged = make_rfc(page_size=3)
    fields = ["NAME"]
    assert ([r.key for r in paged.read_changes("Customer", None, fields)]
            == [r.key for r in whole.read_changes("Customer", None, fields)])
    assert paged.counter.by_kind[LIST] >= 16 // 3
    assert paged.counter.by_kind["RFC_READ_TABLE"] > whole.counter.by_kind["RFC_READ_TABLE"]


def test_a_cursor_reads_from_its_day_on(rfc: SapRfcConnector, sap: ChildServer) -> None:
    stamps = sorted(native_customers(sap).items(), key=lambda kv: (kv[1], kv[0]))
    key, day = stamps[8]
    read = list(rfc.read_changes("Customer", Cursor(day, key), ["NAME"]))
    assert [r.key for r in read] == [k for k, d in stamps if (d, k) >= (day, key)]


def test_the_system_time_zone_places_a_date_stamp(make_rfc: MakeRfc,
                                                  sap: ChildServer) -> None:
    berlin = make_rfc(system_timezone="Europe/Berlin")
    read = {r.key: r.modified_at for r in berlin.read_changes("Customer", None, ["NAME"])}
    expected = native_customers(sap)
    assert all(expected[k] - read[k] in (timedelta(hours=1), timedelta(hours=2)) for k in read)


def test_read_by_looks_up_search_terms_and_both_key_spellings(rfc: SapRfcConnector) -> None:
    by_term = list(rfc.read_by("Customer", "SEARCHTERM", ["BECKER", "TALPA", "NOPE"], ["NAME"]))
    assert sorted(r.key for r in by_term) == ["1000001", "1000002"]
    assert all(r.modified_at.year > 1970 for r in by_term)  # stamped from the change table
    by_key = list(rfc.read_by("Customer", "CUSTOMER", ["0001000003", "1000004"], ["NAME"]))
    assert sorted(r.fields["CUSTOMER"] for r in by_key) == ["1000003", "1000004"]
    assert rfc.counter.by_kind[LIST] == 2  # one GETLIST per chunk, not one per value


def test_detail_fields_cost_one_detail_call_per_record_and_only_when_asked(
        rfc: SapRfcConnector) -> None:
    plain_read = list(rfc.read_by("Customer", "CUSTOMER", ["1000001", "1000002"], ["NAME"]))
    assert "BAPI_CUSTOMER_GETDETAIL2" not in rfc.counter.by_kind and len(plain_read) == 2
    detailed = {r.key: r.fields for r in rfc.read_by(
        "Customer", "CUSTOMER", ["1000001", "1000002"], ["NAME", "CREAT_DATE", "REC_ACCOUNT"])}
    assert rfc.counter.by_kind["BAPI_CUSTOMER_GETDETAIL2"] == 2
    assert detailed["1000001"]["REC_ACCOUNT"] == "0021100000"
    assert all(fields["CREAT_DATE"] for fields in detailed.values())
    (material,) = rfc.read_by("Material", "MATERIAL", ["TG11"], ["MATL_DESC", "NET_WEIGHT"])
    assert material.fields["NET_WEIGHT"] and rfc.counter.by_kind["BAPI_MATERIAL_GET_DETAIL"] == 1


def test_materials_come_with_deletion_flags(rfc: SapRfcConnector, sap: ChildServer) -> None:
    service = "/sap/opu/odata/sap/API_PRODUCT_SRV"
    with requests.Session() as http:
        token = http.get(sap.url + service + "/", headers={"X-CSRF-Token": "Fetch"},
                         timeout=10).headers["x-csrf-token"]
        http.patch(f"{sap.url}{service}/A_Product('TG12')", json={"IsMarkedForDeletion": True},
                   headers={"X-CSRF-Token": token}, timeout=10).raise_for_status()
    read = {r.key: r for r in rfc.read_changes("Material", None, ["MATL_DESC"])}
    assert read["TG12"].deleted and not read["TG11"].deleted
    assert list(read) == [r.key for r in sorted(read.values(), key=lambda r: (r.modified_at,
                                                                              r.key))]


def test_a_busy_system_is_retried_inside_the_connector(make_rfc: MakeRfc, sap: ChildServer,
                                                       sleeps: Sleeps) -> None:
    add_fault(sap, match=f"/sap/bc/rfc/{LIST}$", scenario="busy", count=2)
    rfc = make_rfc()
    found = list(rfc.read_by("Customer", "CUSTOMER", ["1000001"], ["NAME"]))
    assert [r.key for r in found] == ["1000001"]
    assert rfc.counter.by_kind[LIST] == 3 and len(sleeps.waits) == 2


def test_an_expired_csrf_token_is_fetched_again_without_a_retry(
        make_rfc: MakeRfc, sap: ChildServer, sleeps: Sleeps) -> None:
    add_fault(sap, match=f"/sap/bc/rfc/{LIST}$", scenario="csrf", count=1)
    rfc = make_rfc()
    assert [r.key for r in rfc.read_by("Customer", "CUSTOMER", ["1000001"], [])] == ["1000001"]
    assert rfc.counter.by_kind[LIST] == 1 and sleeps.waits == []


def test_retries_stop_after_max_retries(make_rfc: MakeRfc, sap: ChildServer) -> None:
    add_fault(sap, match=f"/sap/bc/rfc/{LIST}$", scenario="busy")
    rfc = make_rfc(max_retries=2)
    with pytest.raises(Exception) as caught:
        list(rfc.read_by("Customer", "CUSTOMER", ["1000001"], ["NAME"]))
    assert type(caught.value).__name__ == "OutcomeUnknown"
    assert rfc.counter.by_kind[LIST] == 3


def test_a_broken_connection_is_closed_and_a_new_one_opened(make_rfc: MakeRfc,
                                                            sap: ChildServer) -> None:
    add_fault(sap, match=f"/sap/bc/rfc/{LIST}$", scenario="busy", count=1)
    opened = plain(sap)
    rfc = make_rfc(connect=opened)
    list(rfc.read_by("Customer", "CUSTOMER", ["1000001"], ["NAME"]))
    assert len(opened.connections) == 2
    assert opened.connections[0][1].closed and not opened.connections[1][1].closed
    rfc.close()
    assert opened.all_closed


def test_each_worker_thread_gets_its_own_connection(make_rfc: MakeRfc,
                                                    sap: ChildServer) -> None:
    opened = plain(sap)
    rfc = make_rfc(connect=opened)
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def work(key: str) -> None:
        try:
            start.wait(timeout=30)
            for _ in range(3):
                assert [r.key for r in rfc.read_by("Customer", "CUSTOMER", [key], [])] == [key]
        except BaseException as exc:  # surfaced below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(f"100000{n}",)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(opened.connections) == 4
    assert len({opener for opener, _ in opened.connections}) == 4
    assert all(c.threads == {opener} for opener, c in opened.connections)
    rfc.close()
    assert opened.all_closed
    rfc.close()  # twice is harmless


def test_an_unreachable_system_is_a_config_error(make_rfc: MakeRfc) -> None:
    rfc = make_rfc(base_url=f"http://127.0.0.1:{free_port()}", timeout=2.0)
    with pytest.raises(ConfigError) as caught:
        rfc.check()
    assert caught.value.code == "UNREACHABLE"


def test_an_unknown_function_is_a_config_error(sap: ChildServer) -> None:
    connection: RfcConnection = JsonHttpConnection(rfc_settings(sap))
    try:
        with pytest.raises(ConfigError) as caught:
            calls.call(connection, SapRfcConnector(rfc_settings(sap)).counter, "Z_NO_SUCH_FM")
    finally:
        connection.close()
    assert caught.value.code == "FU_NOT_FOUND"


@pytest.mark.parametrize(("obj", "fields", "code"), [
    ("Customer", ["NO_SUCH_FIELD"], "UNKNOWN_FIELD"),
    ("No_Such_Object", ["NAME"], "UNKNOWN_OBJECT"),
    ("SalesOrder", ["SD_DOC"], "UNSUPPORTED"),
])
def test_bad_reads_stop_before_reading(rfc: SapRfcConnector, obj: str, fields: list[str],
                                       code: str) -> None:
    with pytest.raises(ConfigError) as caught:
        rfc.read_changes(obj, None, fields)
    assert caught.value.code == code
    assert rfc.counter.calls == 0


def test_a_change_table_column_that_does_not_exist_is_named(make_rfc: MakeRfc) -> None:
    tables: dict[str, Any] = {"Customer": {"table": "A_BusinessPartner", "key": "Customer",
                                           "date": "ChangedOnDay"}}
    rfc = make_rfc(change_tables=tables)
    with pytest.raises(ConfigError) as caught:
        rfc.read_changes("Customer", None, ["NAME"])
    assert "ChangedOnDay" in str(caught.value) and "LastChangeDate" in str(caught.value)
