"""Business flows composed of syncs: order to cash runs them as subflows, in order.

Master data first (customers, contacts, products, prices, stock), then the documents that
refer to it (orders, their status, invoices, payments): an order must never reach a system
before its customer and products do. Each step is the ordinary ``sync`` flow, so each shows in
the UI as its own run with its own artifacts, nested under the business flow's run. The first
step that fails, or that stops early (a spent API allowance), stops the steps after it: they
would only meet records whose master data is not there yet.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from connectors.errors import ConfigError
from flows.mappings_dir import mappings_dir
from flows.session import SyncMode
from flows.sync_flow import sync

ORDER_TO_CASH = ("customers", "contacts", "products", "prices", "inventory", "sales_orders",
                 "order_status", "invoices", "invoice_payments")


@flow(name="order to cash", flow_run_name="order to cash ({mode})", persist_result=False,
      log_prints=False)
def order_to_cash(mode: SyncMode = "incremental",
                  syncs: list[str] | None = None) -> dict[str, Any]:
    """Run the order-to-cash syncs in order (``syncs``: a subset, still in that order;
    default: every one that has a mapping)."""
    logger = get_run_logger()
    steps = _steps(syncs)
    results: dict[str, Any] = {}
    for name in steps:
        logger.info("order to cash: step %s of %s, %s", len(results) + 1, len(steps), name)
        results[name] = sync(name, mode)
        if results[name]["status"] != "completed":
            logger.warning("order to cash stops after %s (%s): the later steps depend on it",
                           name, results[name]["status"])
            break
    return results


def _steps(wanted: list[str] | None) -> list[str]:
    shipped = {path.stem for path in mappings_dir().glob("*.yaml")}
    unknown = sorted(set(wanted or ()) - set(ORDER_TO_CASH))
    if unknown:
        raise ConfigError(f"not order-to-cash syncs: {unknown}; the steps are "
                          f"{', '.join(ORDER_TO_CASH)}", code="UNKNOWN_SYNC")
    chosen = [s for s in ORDER_TO_CASH if s in (wanted or shipped)]
    missing = sorted(set(chosen) - shipped)
    if missing:
        raise ConfigError(f"no mapping for {missing} in {mappings_dir()}", code="UNKNOWN_SYNC")
    return chosen
