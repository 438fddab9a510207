"""Opportunity and OpportunityLineItem as a real org describes them.

Opportunity's standard fields agree with a recorded describe in every attribute (a test
compares both ways when the shared fixtures are present). OpportunityLineItem has no recorded
describe; it follows the Object Reference:
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunity.htm
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitylineitem.htm

The server computes ``ExpectedRevenue`` (Amount x Probability) and the fiscal period of
``CloseDate`` (a standard fiscal year starting in January); ``LastStageChangeDate`` is set when
an update changes the stage. ``ContactId`` may be set on create only and, as in the real
describe, has no relationship name (it reaches Contact's ``Opportunities`` list). The custom
``ERP_Order_Number__c`` carries the ERP order a deal became.
"""

from __future__ import annotations

from sandbox.salesforce import fields as f
from sandbox.salesforce.objects_accounts import LEAD_SOURCES, description
from sandbox.salesforce.schema import FieldSpec, ObjectSpec

STAGES = f.values(
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
    "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won",
    "Closed Lost",
)


def _history(name: str) -> FieldSpec:
    return f.read_only(name, "Opportunity History ID", "reference", length=18,
                       reference_to=("OpportunityHistory",), relationship=name[:-2],
                       permissionable=False)


def _fiscal(name: str, label: str) -> FieldSpec:
    return f.read_only(name, label, "int", digits=8, compound="Fiscal", permissionable=False,
                       derived=f"fiscal:{name}")


OPPORTUNITY = ObjectSpec(
    name="Opportunity", label="Opportunity", label_plural="Opportunities", key_prefix="006",
    fields=f.with_system_fields(
        "Opportunity ID",
        f.account_lookup(),
        f.checkbox("IsPrivate", "Private", permissionable=True),
        f.record_name("Name", 120),
        description("Description"),
        FieldSpec("StageName", "Stage", "picklist", 255, nillable=False, picklist=STAGES),
        f.currency("Amount", "Amount"),
        FieldSpec("Probability", "Probability (%)", "percent", precision=3, defaulted=True,
                  derived="stage:probability"),
        f.read_only("ExpectedRevenue", "Expected Amount", "currency", precision=18, scale=2,
                    derived="expected_revenue"),
        FieldSpec("TotalOpportunityQuantity", "Quantity", "double", precision=18, scale=2),
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
        f.lookup("CampaignId", "Campaign ID", "Campaign", "Campaign"),
        f.system("HasOpportunityLineItem", "Has Line Item", "boolean", default=False),
        f.lookup("Pricebook2Id", "Price Book ID", "Pricebook2", "Pricebook2", defaulted=True,
                 permissionable=False),
        f.owner(),
        f.text("ERP_Order_Number__c", "ERP Order Number", 20),
        after=(
            *f.activity_dates("LastActivityDate"),
            f.read_only("LastStageChangeDate", "Last Stage Change Date", "datetime",
                        permissionable=False, derived="stage_change"),
            _fiscal("FiscalQuarter", "Fiscal Quarter"),
            _fiscal("FiscalYear", "Fiscal Year"),
            f.read_only("Fiscal", "Fiscal Period", "string", length=6, byte_length=6,
                        permissionable=False, derived="fiscal:Fiscal"),
            f.lookup("ContactId", "Contact ID", "Contact", None, updateable=False,
                     permissionable=False),
            *f.activity_dates("LastViewedDate", "LastReferencedDate"),
            *(f.system(name, label, "boolean", default=False, filterable=False,
                       sortable=False, groupable=True, permissionable=False)
              for name, label in (("HasOpenActivity", "Has Open Activity"),
                                  ("HasOverdueTask", "Has Overdue Task"))),
            _history("LastAmountChangedHistoryId"),
            _history("LastCloseDateChangedHistoryId"),
        ),
    ),
)

OPPORTUNITY_LINE_ITEM = ObjectSpec(
    name="OpportunityLineItem", label="Opportunity Product",
    label_plural="Opportunity Product", key_prefix="00k",
    fields=f.with_system_fields(
        "Line Item ID",
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
    ),
)

SALES_OBJECTS = (OPPORTUNITY, OPPORTUNITY_LINE_ITEM)

