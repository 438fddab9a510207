"""Products, price books and orders: Product2, Pricebook2, PricebookEntry, Order, OrderItem.

No recorded describes exist for these, so they follow the Object Reference (field names,
types, lengths, create/update properties and the server-maintained values):
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_product2.htm
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_pricebook2.htm
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_pricebookentry.htm
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_order.htm
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_orderitem.htm

The org is single-currency, so PricebookEntry has no ``CurrencyIsoCode``. A reference that
the Object Reference marks "Create" but not "Update" (PricebookEntry.Product2Id,
OrderItem.OrderId, ...) is refused on update like any read-only field. The Standard Price
Book (``IsStandard = true``) exists in every org, so the sandbox creates it on every reset.
"""

from __future__ import annotations

from sandbox.salesforce import fields as f
from sandbox.salesforce.schema import FieldSpec, ObjectSpec

ORDER_STATUSES = f.values("Draft", "Activated")
STANDARD_PRICEBOOK_NAME = "Standard Price Book"

PRODUCT2 = ObjectSpec(
    name="Product2", label="Product", label_plural="Products", key_prefix="01t",
    fields=(
        f.record_id("Product ID"),
        f.deleted(),
        FieldSpec("Name", "Product Name", "string", 255, nillable=False, name_field=True,
                  id_lookup=True),
        FieldSpec("ProductCode", "Product Code", "string", 255),
        FieldSpec("Description", "Product Description", "textarea", 4000,
                  extra_type="plaintextarea", filterable=False, sortable=False),
        f.checkbox("IsActive", "Active", permissionable=True),
        FieldSpec("Family", "Product Family", "picklist", 40,
                  picklist=f.values("Hardware", "Software", "Services")),
        FieldSpec("QuantityUnitOfMeasure", "Quantity Unit Of Measure", "picklist", 255,
                  picklist=f.values("Each")),
        FieldSpec("StockKeepingUnit", "Product SKU", "string", 180),
        *f.audit(),
        f.external_key("ERP_Product_Number__c", "ERP Product Number", 40),
    ),
)

PRICEBOOK2 = ObjectSpec(
    name="Pricebook2", label="Price Book", label_plural="Price Books", key_prefix="01s",
    fields=(
        f.record_id("Price Book ID"),
        f.deleted(),
        FieldSpec("Name", "Price Book Name", "string", 255, nillable=False, name_field=True,
                  id_lookup=True),
        f.checkbox("IsActive", "Active", permissionable=True),
        f.system("IsArchived", "Is Archived", "boolean", default=False),
        FieldSpec("Description", "Description", "string", 255),
        f.system("IsStandard", "Is Standard Price Book", "boolean", default=False),
        *f.audit(),
    ),
)

PRICEBOOK_ENTRY = ObjectSpec(
    name="PricebookEntry", label="Price Book Entry", label_plural="Price Book Entries",
    key_prefix="01u",
    fields=(
        f.record_id("Price Book Entry ID"),
        f.deleted(),
        f.read_only("Name", "Product Name", "string", length=255, name_field=True,
                    derived="parent:Product2Id.Name"),
        f.lookup("Pricebook2Id", "Price Book ID", "Pricebook2", "Pricebook2", nillable=False,
                 updateable=False, on_parent_delete="cascade", permissionable=False),
        f.lookup("Product2Id", "Product ID", "Product2", "Product2", nillable=False,
                 updateable=False, on_parent_delete="cascade", permissionable=False),
        f.currency("UnitPrice", "List Price", nillable=False),
        f.checkbox("IsActive", "Active", permissionable=True),
        f.checkbox("UseStandardPrice", "Use Standard Price", permissionable=True),
        f.read_only("ProductCode", "Product Code", "string", length=255,
                    derived="parent:Product2Id.ProductCode"),
        f.system("IsArchived", "Is Archived", "boolean", default=False),
        *f.audit(),
        f.external_key("ERP_Price_Key__c", "ERP Price Key", 80),
    ),
)

ORDER = ObjectSpec(
    name="Order", label="Order", label_plural="Orders", key_prefix="801",
    fields=(
        f.record_id("Order ID"),
        f.deleted(),
        f.owner(),
        f.lookup("AccountId", "Account ID", "Account", "Account", required=True,
                 on_parent_delete="restrict"),
        f.lookup("Pricebook2Id", "Price Book ID", "Pricebook2", "Pricebook2"),
        f.lookup("OpportunityId", "Opportunity ID", "Opportunity", "Opportunity"),
        FieldSpec("EffectiveDate", "Order Start Date", "date", nillable=False),
        FieldSpec("EndDate", "Order End Date", "date"),
        FieldSpec("Status", "Status", "picklist", 40, nillable=False, defaulted=True,
                  default="Draft", restricted=True, picklist=ORDER_STATUSES),
        f.system("StatusCode", "Status Category", "picklist", length=40, restricted=True,
                 picklist=ORDER_STATUSES, derived="copy:Status"),
        FieldSpec("Name", "Order Name", "string", 80),
        FieldSpec("Type", "Order Type", "picklist", 255, picklist=f.values("New", "Renewal")),
        FieldSpec("Description", "Description", "textarea", 32000, extra_type="plaintextarea",
                  filterable=False, sortable=False),
        FieldSpec("PoNumber", "PO Number", "string", 80),
        f.system("OrderNumber", "Order Number", "string", length=30, auto_number=True,
                 name_field=True, id_lookup=True, derived="auto_number:{:08d}"),
        *f.address("Billing"),
        *f.audit(),
        f.external_key("ERP_Order_Number__c", "ERP Order Number", 20),
        *(FieldSpec(name, label, "picklist", 255, restricted=True, custom=True,
                    picklist=f.values("Not Started", "Partially", "Complete"))
          for name, label in (("ERP_Delivery_Status__c", "ERP Delivery Status"),
                              ("ERP_Billing_Status__c", "ERP Billing Status"))),
        FieldSpec("ERP_Payment_Status__c", "ERP Payment Status", "picklist", 255,
                  restricted=True, custom=True,
                  picklist=f.values("Open", "Partially Paid", "Paid", "Overdue")),
    ),
)

ORDER_ITEM = ObjectSpec(
    name="OrderItem", label="Order Product", label_plural="Order Products", key_prefix="802",
    fields=(
        f.record_id("Order Product ID"),
        f.deleted(),
        f.lookup("OrderId", "Order ID", "Order", "Order", nillable=False, updateable=False,
                 on_parent_delete="cascade", permissionable=False),
        f.lookup("PricebookEntryId", "Price Book Entry ID", "PricebookEntry", "PricebookEntry",
                 nillable=False, updateable=False, permissionable=False),
        f.lookup("Product2Id", "Product ID", "Product2", "Product2", updateable=False,
                 defaulted=True, derived="parent:PricebookEntryId.Product2Id"),
        FieldSpec("Quantity", "Quantity", "double", nillable=False, precision=18, scale=2),
        f.currency("UnitPrice", "Unit Price", nillable=False),
        f.read_only("ListPrice", "List Price", "currency", precision=18, scale=2,
                    derived="parent:PricebookEntryId.UnitPrice"),
        f.read_only("TotalPrice", "Total Price", "currency", precision=18, scale=2,
                    derived="multiply:Quantity,UnitPrice"),
        f.system("OrderItemNumber", "Order Product Number", "string", length=30,
                 auto_number=True, name_field=True, id_lookup=True,
                 derived="auto_number:{:010d}"),
        FieldSpec("Description", "Line Description", "string", 255),
        FieldSpec("ServiceDate", "Start Date", "date"),
        FieldSpec("EndDate", "End Date", "date"),
        *f.audit(),
        f.external_key("ERP_Item_Key__c", "ERP Item Key", 40),
    ),
)

COMMERCE_OBJECTS = (PRODUCT2, PRICEBOOK2, PRICEBOOK_ENTRY, ORDER, ORDER_ITEM)
