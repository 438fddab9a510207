"""Account, Contact, Opportunity and OpportunityLineItem as a real org describes them.

The standard fields of Account, Contact and Opportunity agree with real describes in name,
label, type, length, nillable, createable, updateable, defaults and picklist values (a test
compares them with recorded describes when the shared fixtures are present). The org has
State and Country/Territory Picklists enabled, hence the ``*CountryCode`` fields, and is
single-currency (no ``CurrencyIsoCode`` anywhere). OpportunityLineItem has no recorded
describe; it follows the Object Reference:
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitylineitem.htm

Custom fields: ``ERP_Customer_Number__c`` (unique External ID the sync upserts by),
``ERP_Blocked__c``, ``ERP_Tax_Number__c``, ``Credit_Limit__c``, ``ERP_Currency__c`` on Account;
``Tax_Number__c`` is a second, non-unique External ID (a declared match key, and the way to
reach Salesforce's "more than one record found" upsert error). ``ERP_Contact_Id__c`` on
Contact, ``ERP_Order_Number__c`` on Opportunity.
"""

from __future__ import annotations

from sandbox.salesforce import fields as f
from sandbox.salesforce.schema import FieldSpec, ObjectSpec

ACCOUNT_TYPES = f.values(
    "Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
    "Installation Partner", "Technology Partner", "Other",
)
INDUSTRIES = f.values(
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government", "Healthcare",
    "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit",
    "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
    "Utilities", "Other",
)
STAGES = f.values(
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
    "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won",
    "Closed Lost",
)
LEAD_SOURCES = f.values("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")


def _description(label: str) -> FieldSpec:
    return FieldSpec("Description", label, "textarea", 32000, extra_type="plaintextarea",
                     filterable=False, sortable=False)


ACCOUNT = ObjectSpec(
    name="Account", label="Account", label_plural="Accounts", key_prefix="001",
    fields=(
        f.record_id("Account ID"),
        f.deleted(),
        FieldSpec("Name", "Account Name", "string", 255, nillable=False, name_field=True,
                  extra_type="switchablepersonname", compound="Name"),
        FieldSpec("Type", "Account Type", "picklist", 40, picklist=ACCOUNT_TYPES),
        *f.address("Billing"),
        *f.address("Shipping"),
        FieldSpec("Phone", "Account Phone", "phone", 40),
        FieldSpec("Fax", "Account Fax", "phone", 40),
        FieldSpec("AccountNumber", "Account Number", "string", 40),
        FieldSpec("Website", "Website", "url", 255),
        FieldSpec("Industry", "Industry", "picklist", 40, picklist=INDUSTRIES),
        FieldSpec("AnnualRevenue", "Annual Revenue", "currency", precision=18),
        FieldSpec("NumberOfEmployees", "Employees", "int", digits=8),
        _description("Account Description"),
        f.owner(),
        *f.audit(),
        f.external_key("ERP_Customer_Number__c", "ERP Customer Number", 20),
        f.checkbox("ERP_Blocked__c", "ERP Blocked"),
        FieldSpec("Tax_Number__c", "Tax Number", "string", 20, external_id=True,
                  id_lookup=True, custom=True),
        f.text("ERP_Tax_Number__c", "ERP Tax Number", 20),
        f.currency("Credit_Limit__c", "Credit Limit"),
        f.text("ERP_Currency__c", "ERP Currency", 3),
    ),
)

CONTACT = ObjectSpec(
    name="Contact", label="Contact", label_plural="Contacts", key_prefix="003",
    fields=(
        f.record_id("Contact ID"),
        f.deleted(),
        f.lookup("AccountId", "Account ID", "Account", "Account", on_parent_delete="cascade"),
        FieldSpec("LastName", "Last Name", "string", 80, nillable=False,
                  extra_type="personname", compound="Name"),
        FieldSpec("FirstName", "First Name", "string", 40, extra_type="personname",
                  compound="Name", permissionable=False),
        FieldSpec("Salutation", "Salutation", "picklist", 40, extra_type="personname",
                  compound="Name", permissionable=False,
                  picklist=f.values("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")),
        f.system("Name", "Full Name", "string", length=121, extra_type="personname",
                 name_field=True, defaulted=False, derived="full_name"),
        *f.address("Mailing"),
        FieldSpec("Phone", "Business Phone", "phone", 40),
        FieldSpec("Fax", "Business Fax", "phone", 40),
        FieldSpec("MobilePhone", "Mobile Phone", "phone", 40),
        FieldSpec("Email", "Email", "email", 80, id_lookup=True),
        FieldSpec("Title", "Title", "string", 128),
        FieldSpec("Department", "Department", "string", 80),
        _description("Contact Description"),
        f.owner(),
        *f.audit(),
        f.external_key("ERP_Contact_Id__c", "ERP Contact Id", 20),
    ),
)

OPPORTUNITY = ObjectSpec(
    name="Opportunity", label="Opportunity", label_plural="Opportunities", key_prefix="006",
    fields=(
        f.record_id("Opportunity ID"),
        f.deleted(),
        f.lookup("AccountId", "Account ID", "Account", "Account", on_parent_delete="cascade"),
        f.checkbox("IsPrivate", "Private", permissionable=True),
        FieldSpec("Name", "Name", "string", 120, nillable=False, id_lookup=True,
                  name_field=True),
        _description("Description"),
        FieldSpec("StageName", "Stage", "picklist", 255, nillable=False, picklist=STAGES),
        f.currency("Amount", "Amount"),
        FieldSpec("Probability", "Probability (%)", "percent", precision=3, defaulted=True,
                  derived="stage:probability"),
        FieldSpec("CloseDate", "Close Date", "date", nillable=False),
        FieldSpec("Type", "Opportunity Type", "picklist", 255, picklist=f.values(
            "Existing Customer - Upgrade", "Existing Customer - Replacement",
            "Existing Customer - Downgrade", "New Customer")),
        FieldSpec("NextStep", "Next Step", "string", 255),
        FieldSpec("LeadSource", "Lead Source", "picklist", 255, picklist=LEAD_SOURCES),
        f.system("IsClosed", "Closed", "boolean", default=False, derived="stage:closed"),
        f.system("IsWon", "Won", "boolean", default=False, derived="stage:won"),
        f.read_only("ForecastCategory", "Forecast Category", "picklist", length=40,
                    nillable=False, restricted=True, derived="stage:forecast",
                    picklist=(("Omitted", "Omitted"), ("Pipeline", "Pipeline"),
                              ("BestCase", "Best Case"), ("MostLikely", "Most Likely"),
                              ("Forecast", "Commit"), ("Closed", "Closed"))),
        FieldSpec("ForecastCategoryName", "Forecast Category", "picklist", 255,
                  defaulted=True, restricted=True, derived="stage:forecast_name",
                  permissionable=False,
                  picklist=f.values("Omitted", "Pipeline", "Best Case", "Commit", "Closed")),
        f.lookup("Pricebook2Id", "Price Book ID", "Pricebook2", "Pricebook2", defaulted=True,
                 permissionable=False),
        f.system("HasOpportunityLineItem", "Has Line Item", "boolean", default=False),
        FieldSpec("TotalOpportunityQuantity", "Quantity", "double", precision=18, scale=2),
        f.owner(),
        *f.audit(),
        f.text("ERP_Order_Number__c", "ERP Order Number", 20),
    ),
)

OPPORTUNITY_LINE_ITEM = ObjectSpec(
    name="OpportunityLineItem", label="Opportunity Product",
    label_plural="Opportunity Product", key_prefix="00k",
    fields=(
        f.record_id("Line Item ID"),
        f.deleted(),
        f.lookup("OpportunityId", "Opportunity ID", "Opportunity", "Opportunity",
                 nillable=False, updateable=False, on_parent_delete="cascade",
                 permissionable=False),
        f.lookup("PricebookEntryId", "Price Book Entry ID", "PricebookEntry", "PricebookEntry",
                 updateable=False, permissionable=False),
        f.lookup("Product2Id", "Product ID", "Product2", "Product2", updateable=False,
                 defaulted=True, derived="parent:PricebookEntryId.Product2Id"),
        f.read_only("ProductCode", "Product Code", "string", length=255,
                    derived="parent:Product2Id.ProductCode"),
        f.read_only("Name", "Opportunity Product Name", "string", length=376,
                    derived="parent:Product2Id.Name"),
        FieldSpec("Quantity", "Quantity", "double", nillable=False, precision=12, scale=2),
        f.currency("UnitPrice", "Sales Price", defaulted=True,
                   derived="parent:PricebookEntryId.UnitPrice"),
        f.read_only("ListPrice", "List Price", "currency", precision=18, scale=2,
                    derived="parent:PricebookEntryId.UnitPrice"),
        f.read_only("TotalPrice", "Total Price", "currency", precision=18, scale=2,
                    derived="multiply:Quantity,UnitPrice"),
        FieldSpec("ServiceDate", "Date", "date"),
        FieldSpec("Description", "Line Description", "string", 255),
        *f.audit(),
    ),
)



SALES_OBJECTS = (ACCOUNT, CONTACT, OPPORTUNITY, OPPORTUNITY_LINE_ITEM)

