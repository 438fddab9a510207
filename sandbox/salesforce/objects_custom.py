"""The custom objects the product adds to the org: stock levels and invoices with lines.

Custom objects follow the platform's rules: a ``Name`` field (here an Auto Number, so the
sync need not invent names), ``OwnerId`` except on the detail side of a master-detail
relationship, and ``__c`` fields with ``__r`` relationship names. Invoice_Line__c is the
detail of Invoice__c: its lines are deleted with the invoice. "Number(16,3)" fields are
modelled as precision 18, scale 3: the platform allows at most 18 digits in all, so 16
integer digits plus 3 decimals cannot exist.
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/custom_objects.htm
https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm
"""

from __future__ import annotations

from sandbox.salesforce import fields as f
from sandbox.salesforce.schema import FieldSpec, ObjectSpec

PAYMENT_STATUSES = f.values("Open", "Partially Paid", "Paid", "Overdue")


def _quantity(name: str, label: str) -> FieldSpec:
    return f.number(name, label, 18, 3)


INVENTORY_LEVEL = ObjectSpec(
    name="Inventory_Level__c", label="Inventory Level", label_plural="Inventory Levels",
    key_prefix="a00", custom=True,
    fields=(
        f.record_id("Record ID"),
        f.deleted(),
        f.owner(),
        f.auto_name("Inventory Level Name"),
        *f.audit(),
        f.external_key("ERP_Inventory_Key__c", "ERP Inventory Key", 80),
        f.custom_lookup("Product__c", "Product", "Product2"),
        f.text("Plant__c", "Plant", 4),
        _quantity("On_Hand__c", "On Hand"),
        _quantity("Available__c", "Available"),
        f.text("Unit__c", "Unit", 3),
    ),
)

INVOICE = ObjectSpec(
    name="Invoice__c", label="Invoice", label_plural="Invoices", key_prefix="a01", custom=True,
    fields=(
        f.record_id("Record ID"),
        f.deleted(),
        f.owner(),
        f.auto_name("Invoice Name"),
        *f.audit(),
        f.external_key("ERP_Invoice_Number__c", "ERP Invoice Number", 20),
        f.custom_lookup("Account__c", "Account", "Account"),
        f.custom_lookup("Order__c", "Order", "Order"),
        FieldSpec("Invoice_Date__c", "Invoice Date", "date", custom=True),
        FieldSpec("Due_Date__c", "Due Date", "date", custom=True),
        f.currency("Total_Amount__c", "Total Amount"),
        f.text("Currency__c", "Currency", 3),
        f.currency("Paid_Amount__c", "Paid Amount"),
        FieldSpec("Payment_Status__c", "Payment Status", "picklist", 255, restricted=True,
                  custom=True, picklist=PAYMENT_STATUSES),
    ),
)

INVOICE_LINE = ObjectSpec(
    name="Invoice_Line__c", label="Invoice Line", label_plural="Invoice Lines",
    key_prefix="a02", custom=True,
    fields=(
        f.record_id("Record ID"),
        f.deleted(),
        f.auto_name("Invoice Line Name"),
        *f.audit(),
        f.external_key("ERP_Invoice_Line_Key__c", "ERP Invoice Line Key", 40),
        f.master_detail("Invoice__c", "Invoice", "Invoice__c"),
        f.custom_lookup("Product__c", "Product", "Product2"),
        _quantity("Quantity__c", "Quantity"),
        f.currency("Unit_Price__c", "Unit Price"),
        f.currency("Amount__c", "Amount"),
    ),
)

CUSTOM_OBJECTS = (INVENTORY_LEVEL, INVOICE, INVOICE_LINE)
