"""Canonical business records: every system maps to and from these. Pure data, no I/O."""

from canonical.contact import Contact
from canonical.customer import Customer, SalesArea
from canonical.inventory import InventoryLevel
from canonical.invoice import Invoice, InvoiceLine
from canonical.product import PriceListEntry, Product
from canonical.sales_order import SalesOrder, SalesOrderLine
from canonical.types import Address, AwareDatetime, CanonicalModel, Money, Quantity, Record

ENTITIES: dict[str, type[CanonicalModel]] = {
    "customer": Customer,
    "contact": Contact,
    "product": Product,
    "price_list_entry": PriceListEntry,
    "sales_order": SalesOrder,
    "invoice": Invoice,
    "inventory_level": InventoryLevel,
}
"""Canonical entities by the name mappings use in ``entity:``."""

__all__ = [
    "ENTITIES", "Address", "AwareDatetime", "CanonicalModel", "Contact", "Customer",
    "InventoryLevel", "Invoice", "InvoiceLine", "Money", "PriceListEntry", "Product",
    "Quantity", "Record", "SalesArea", "SalesOrder", "SalesOrderLine",
]
