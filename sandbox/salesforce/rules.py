"""Business rules the platform enforces on price books and orders, checked on create.

* A PricebookEntry in a custom price book needs the product's entry in the Standard Price
  Book first (``STANDARD_PRICE_NOT_DEFINED``); a product appears once per price book
  (``DUPLICATE_VALUE``).
* An OrderItem's PricebookEntry must belong to its Order's price book
  (``FIELD_INTEGRITY_EXCEPTION``).
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_pricebookentry.htm
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_orderitem.htm
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.salesforce.errors import RecordError
from sandbox.salesforce.schema import Json
from sandbox.salesforce.store import Store

Rule = Callable[[Store, dict[str, Json]], None]


def _pricebook_entry(store: Store, data: dict[str, Json]) -> None:
    pricebook = store.get("Pricebook2", str(data.get("Pricebook2Id")))
    same_product = store.children("PricebookEntry", "Product2Id", [str(data["Product2Id"])])
    if any(e["Pricebook2Id"] == data["Pricebook2Id"] for e in same_product):
        raise RecordError("DUPLICATE_VALUE",
                          "This price definition already exists in this price book", [])
    if pricebook is not None and not pricebook.data.get("IsStandard"):
        standard = [e for e in same_product if _is_standard(store, str(e["Pricebook2Id"]))]
        if not standard:
            raise RecordError("STANDARD_PRICE_NOT_DEFINED",
                              "No standard price defined for this product", [])


def _is_standard(store: Store, pricebook_id: str) -> bool:
    found = store.get("Pricebook2", pricebook_id)
    return bool(found and found.data.get("IsStandard"))


def _order_item(store: Store, data: dict[str, Json]) -> None:
    order = store.get("Order", str(data.get("OrderId")))
    entry = store.get("PricebookEntry", str(data.get("PricebookEntryId")))
    pricebook = order.data.get("Pricebook2Id") if order else None
    if entry is None or pricebook is None or entry.data.get("Pricebook2Id") != pricebook:
        raise RecordError("FIELD_INTEGRITY_EXCEPTION",
                          "field integrity exception: PricebookEntryId (pricebook entry is in "
                          "a different pricebook than the one assigned to the order, or Order "
                          "has no pricebook assigned)", ["PricebookEntryId"])


ON_CREATE: dict[str, Rule] = {
    "PricebookEntry": _pricebook_entry,
    "OrderItem": _order_item,
}
