"""Initial loads of the entities synced after customers, SAP → Salesforce, per size N:

``products``  N products seeded in mock-sap (``API_PRODUCT_SRV``, one English description each,
              as ``$batch`` creates of 500) beside mock-sap's own demo products; the
              ``products`` sync loads them into an empty org, then runs again (writes must
              be 0).
``orders``    N sales orders seeded in mock-sap (``API_SALES_ORDER_SRV``, deep inserts with
              ``ITEMS_PER_ORDER`` items each, a base price ``PPR0`` per item, the products
              seeded above, the sold-to parties of mock-sap's demo orders) beside its demo
              orders; the ``sales_orders`` sync loads them with their lines, then runs again.

What an order needs in Salesforce before its load is set up outside the measured run, the way
a user's org gets it: a run of the ``customers`` sync and of the ``products`` sync (each with
its own state), and one standard price book entry per product with the ``ERP_Price_Key__c``
the lines look up (seeded through the sandbox's control plane, as a prices sync would bring
them: mock-sap has no pricing condition service).

Wall time comes from the measured runs without tracemalloc; peak Python memory from the same
load again with tracemalloc on, into a fresh org (for orders: prepared again the same way).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
from simple_salesforce.api import Salesforce

from bench.baselines import connect
from bench.erpsync_runs import measured_run, records_per_second
from bench.systems import REPO, SEED_CHUNK, Systems, started

PRODUCT_SERVICE = "/sap/opu/odata/sap/API_PRODUCT_SRV"
ORDER_SERVICE = "/sap/opu/odata/sap/API_SALES_ORDER_SRV"
PRODUCTS = REPO / "mappings" / "products.yaml"
ORDERS = REPO / "mappings" / "sales_orders.yaml"
CUSTOMERS = REPO / "mappings" / "customers.yaml"
ITEMS_PER_ORDER = 3
ORDER_CHUNK = 200  # orders per $batch call: each carries its items
_FAILED = re.compile(rb"HTTP/1.1 ([45]\d\d)")
Log = Callable[[str], None]


def entity_loads(size: int, work_dir: Path, wanted: set[str], log: Log
                 ) -> Iterator[tuple[str, dict[str, Any]]]:
    """The ``wanted`` benchmarks (``products``, ``orders``) at ``size``, on fresh stand-ins."""
    work = work_dir / f"entities{size}"
    with started(work) as systems:
        seed_products(systems, size)
        if "products" in wanted:
            log(f"N = {size}: products SAP -> Salesforce")
            yield "products", _products(size, systems, work, log)
        if "orders" in wanted:
            log(f"N = {size}: sales orders with lines SAP -> Salesforce")
            demo = {"demo_orders": sap_count(systems, ORDER_SERVICE + "/A_SalesOrder"),
                    "demo_lines": sap_count(systems, ORDER_SERVICE + "/A_SalesOrderItem")}
            seed_orders(systems, size)
            yield "orders", {**_orders(size, systems, work, log), **demo}


# -- seeding (setup, never measured) ---------------------------------------------------------


def product_number(n: int) -> str:
    return f"BENCH{n:07d}"


def seed_products(systems: Systems, size: int) -> None:
    """``size`` products with an English description, in ``$batch`` calls of 500."""
    for start in range(0, size, SEED_CHUNK):
        _checked(systems.sap_batch(PRODUCT_SERVICE, [
            ("POST", "A_Product", {
                "Product": product_number(n), "ProductType": "FERT", "BaseUnit": "PC",
                "IsMarkedForDeletion": False,
                "to_Description": {"results": [{"Language": "EN",
                                                "ProductDescription": f"Bench product {n}"}]}})
            for n in range(start, min(start + SEED_CHUNK, size))]), SEED_CHUNK)


def seed_orders(systems: Systems, size: int) -> None:
    """``size`` orders of ``ITEMS_PER_ORDER`` priced items each, one deep insert per order,
    ``ORDER_CHUNK`` orders per ``$batch`` call. Products cycle through the seeded ones, the
    sold-to parties through those of mock-sap's demo orders (customers the customers sync
    brings to Salesforce)."""
    parties = sorted({row["SoldToParty"] for row in _sap_rows(
        systems, ORDER_SERVICE + "/A_SalesOrder", {"$select": "SoldToParty"})})
    if not parties:
        raise RuntimeError("mock-sap has no demo orders to take sold-to parties from")
    for start in range(0, size, ORDER_CHUNK):
        _checked(systems.sap_batch(ORDER_SERVICE, [
            ("POST", "A_SalesOrder", _order(n, parties[n % len(parties)], size))
            for n in range(start, min(start + ORDER_CHUNK, size))]), ORDER_CHUNK)


def _order(n: int, party: str, products: int) -> dict[str, Any]:
    items = []
    for i in range(ITEMS_PER_ORDER):
        quantity, price = i + 1, 10 + (n + i) % 90
        items.append({
            "Material": product_number((n * ITEMS_PER_ORDER + i) % products),
            "SalesOrderItemText": f"Bench line {n}-{i + 1}",
            "RequestedQuantity": str(quantity), "RequestedQuantityUnit": "PC",
            "NetAmount": f"{quantity * price}.00", "TransactionCurrency": "EUR",
            "to_PricingElement": {"results": [{
                "ConditionType": "PPR0", "ConditionRateValue": f"{price}.00",
                "ConditionCurrency": "EUR", "TransactionCurrency": "EUR"}]}})
    return {"SalesOrderType": "OR", "SalesOrganization": "1710", "DistributionChannel": "10",
            "OrganizationDivision": "00", "SoldToParty": party,
            "PurchaseOrderByCustomer": f"BENCH-PO-{n:07d}", "TransactionCurrency": "EUR",
            "to_Item": {"results": items}}


def _checked(answer: bytes, sent: int) -> None:
    failed = _FAILED.findall(answer)
    if failed:
        raise RuntimeError(f"mock-sap refused {len(failed)} of {sent} seeding operations")


def _sap_rows(systems: Systems, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        response = requests.get(systems.sap.url + path, timeout=600, params={
            **params, "$format": "json", "$top": "5000", "$skip": str(len(rows))})
        response.raise_for_status()
        page = response.json()["d"]["results"]
        rows.extend(page)
        if len(page) < 5000:
            return rows


def sap_count(systems: Systems, path: str) -> int:
    response = requests.get(systems.sap.url + path + "/$count", timeout=600)
    response.raise_for_status()
    return int(response.text)


# -- Salesforce ------------------------------------------------------------------------------


def _salesforce(systems: Systems) -> tuple[requests.Session, Salesforce]:
    http = requests.Session()
    http.verify = systems.salesforce.ca_bundle or True
    http.trust_env = False
    return http, connect(http, systems.salesforce.url)


def sf_count(systems: Systems, sobject: str) -> int:
    http, sf = _salesforce(systems)
    with http:
        return int(sf.query(f"SELECT COUNT() FROM {sobject}")["totalSize"])  # noqa: S608


def _prepare_orders(systems: Systems, work: Path, tag: str) -> dict[str, Any]:
    """An empty org given the orders' customers, products and price book entries: runs of the
    customers and products syncs (fresh state each) and a control-plane seed of the entries."""
    systems.reset_salesforce()
    prior = {}
    for name, mapping in (("customers", CUSTOMERS), ("products", PRODUCTS)):
        run = measured_run(systems, work / f"{tag}-{name}.db", python_memory=False,
                           mapping=mapping)
        if run["status"] != "completed" or run["dead_letters"]:
            raise RuntimeError(f"the {name} sync before the orders: {run['status']}")
        prior[name] = run["systems"]["salesforce"]["created"]
    http, sf = _salesforce(systems)
    with http:
        (book,) = sf.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")["records"]
        products = sf.query_all("SELECT Id, ERP_Product_Number__c FROM Product2")["records"]
    entries = [{"Pricebook2Id": book["Id"], "Product2Id": p["Id"], "UnitPrice": 100,
                "IsActive": True, "ERP_Price_Key__c": f"{p['ERP_Product_Number__c']}-EUR"}
               for p in products]
    for start in range(0, len(entries), 1000):
        systems.sf_control("POST", "seed", {"PricebookEntry": entries[start:start + 1000]})
    return {"accounts": prior["customers"], "products": prior["products"],
            "price_book_entries": len(entries)}


# -- the benchmarks --------------------------------------------------------------------------


def _products(size: int, systems: Systems, work: Path, log: Log) -> dict[str, Any]:
    systems.reset_salesforce()
    log("  initial load")
    load = measured_run(systems, work / "products.db", python_memory=False, mapping=PRODUCTS)
    log("  idempotent re-run")
    rerun = measured_run(systems, work / "products.db", python_memory=False, mapping=PRODUCTS)
    records = load["systems"]["salesforce"]["created"]
    in_salesforce = sf_count(systems, "Product2")
    systems.reset_salesforce()
    log("  the load again with tracemalloc")
    memory = measured_run(systems, work / "products-memory.db", python_memory=True,
                          mapping=PRODUCTS)
    return {"size": size, "records": records, "in_sap": sap_count(
                systems, PRODUCT_SERVICE + "/A_Product"),
            "in_salesforce": in_salesforce,
            "records_per_second": records_per_second(records, load["seconds"]),
            "peak_python_mib": memory["peak_python_mib"],
            "erpsync": load, "rerun": rerun, "rerun_writes": rerun["served_writes"]}


def _orders(size: int, systems: Systems, work: Path, log: Log) -> dict[str, Any]:
    log("  set-up: customers and products syncs, price book entries (not measured)")
    prepared = _prepare_orders(systems, work, "orders")
    log("  initial load")
    load = measured_run(systems, work / "orders.db", python_memory=False, mapping=ORDERS)
    log("  idempotent re-run")
    rerun = measured_run(systems, work / "orders.db", python_memory=False, mapping=ORDERS)
    orders = load["systems"]["salesforce"]["created"]
    counts = {"orders_in_sap": sap_count(systems, ORDER_SERVICE + "/A_SalesOrder"),
              "lines_in_sap": sap_count(systems, ORDER_SERVICE + "/A_SalesOrderItem"),
              "orders_in_salesforce": sf_count(systems, "Order"),
              "lines_in_salesforce": sf_count(systems, "OrderItem")}
    log("  the load again with tracemalloc (set-up again first)")
    _prepare_orders(systems, work, "memory")
    memory = measured_run(systems, work / "orders-memory.db", python_memory=True,
                          mapping=ORDERS)
    return {"size": size, "items_per_order": ITEMS_PER_ORDER,
            "seeded_lines": size * ITEMS_PER_ORDER, "records": orders, **counts,
            "records_per_second": records_per_second(orders, load["seconds"]),
            "lines_per_second": records_per_second(counts["lines_in_salesforce"],
                                                   load["seconds"]),
            "peak_python_mib": memory["peak_python_mib"], "prepared": prepared,
            "erpsync": load, "rerun": rerun, "rerun_writes": rerun["served_writes"]}
