"""Account and Contact as a real org describes them.

Every standard field of the recorded describes is here, in their order, and agrees with them
in every describe attribute (a test compares both ways when the shared fixtures are present).
The org has State and Country/Territory Picklists enabled, hence the ``*CountryCode`` fields,
and is single-currency (no ``CurrencyIsoCode`` anywhere). Fields the platform fills from
features the sandbox does not run (activities, Data.com, the UI's recently viewed lists,
partner portals, merges) stay empty; references to objects the sandbox does not serve
(RecordType, DandBCompany, OperatingHours, Individual) refuse every value, as a real org
without such records does.

Custom fields: ``ERP_Customer_Number__c`` (unique External ID the sync upserts by),
``ERP_Blocked__c``, ``ERP_Tax_Number__c``, ``Credit_Limit__c``, ``ERP_Currency__c`` on Account;
``Tax_Number__c`` is a second, non-unique External ID (a declared match key, and the way to
reach Salesforce's "more than one record found" upsert error). ``ERP_Contact_Id__c`` on
Contact.
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_account.htm
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contact.htm
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
LEAD_SOURCES = f.values("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")


def description(label: str) -> FieldSpec:
    return FieldSpec("Description", label, "textarea", 32000, extra_type="plaintextarea",
                     filterable=False, sortable=False)


def _unserved(name: str, label: str, target: str, relationship: str) -> FieldSpec:
    """An optional lookup to an object the sandbox does not serve."""
    return f.lookup(name, label, target, relationship, permissionable=name != "IndividualId")


ACCOUNT = ObjectSpec(
    name="Account", label="Account", label_plural="Accounts", key_prefix="001",
    fields=f.with_system_fields(
        "Account ID",
        f.master_record("Account"),
        FieldSpec("Name", "Account Name", "string", 255, nillable=False, name_field=True,
                  extra_type="switchablepersonname", compound="Name"),
        FieldSpec("Type", "Account Type", "picklist", 40, picklist=ACCOUNT_TYPES),
        f.record_type(),
        f.lookup("ParentId", "Parent Account ID", "Account", "Parent",
                 child_relationship="ChildAccounts"),
        *f.address("Billing"),
        *f.address("Shipping"),
        FieldSpec("Phone", "Account Phone", "phone", 40),
        FieldSpec("Fax", "Account Fax", "phone", 40),
        FieldSpec("AccountNumber", "Account Number", "string", 40),
        FieldSpec("Website", "Website", "url", 255),
        f.photo_url(),
        FieldSpec("Sic", "SIC Code", "string", 20),
        FieldSpec("Industry", "Industry", "picklist", 40, picklist=INDUSTRIES),
        FieldSpec("AnnualRevenue", "Annual Revenue", "currency", precision=18),
        FieldSpec("NumberOfEmployees", "Employees", "int", digits=8),
        FieldSpec("Ownership", "Ownership", "picklist", 40,
                  picklist=f.values("Public", "Private", "Subsidiary", "Other")),
        FieldSpec("TickerSymbol", "Ticker Symbol", "string", 20),
        description("Account Description"),
        FieldSpec("Rating", "Account Rating", "picklist", 40,
                  picklist=f.values("Hot", "Warm", "Cold")),
        FieldSpec("Site", "Account Site", "string", 80),
        f.owner(),
        f.external_key("ERP_Customer_Number__c", "ERP Customer Number", 20),
        f.checkbox("ERP_Blocked__c", "ERP Blocked"),
        FieldSpec("Tax_Number__c", "Tax Number", "string", 20, external_id=True,
                  id_lookup=True, custom=True),
        f.text("ERP_Tax_Number__c", "ERP Tax Number", 20),
        f.currency("Credit_Limit__c", "Credit Limit"),
        f.text("ERP_Currency__c", "ERP Currency", 3),
        after=(
            *f.activity_dates("LastActivityDate", "LastViewedDate", "LastReferencedDate"),
            f.system("IsPartner", "Partner Account", "boolean", default=False,
                     updateable=True),
            f.system("IsCustomerPortal", "Customer Portal Account", "boolean", default=False,
                     updateable=True),
            *(f.read_only(name, label, "string", length=255, filterable=False,
                          sortable=False, groupable=True, permissionable=False)
              for name, label in (("ChannelProgramName", "Channel Program Name"),
                                  ("ChannelProgramLevelName", "Channel Program Level Name"))),
            *f.data_com("Company"),
            f.clean_status(),
            FieldSpec("AccountSource", "Account Source", "picklist", 40, picklist=LEAD_SOURCES),
            FieldSpec("DunsNumber", "D-U-N-S Number", "string", 9),
            FieldSpec("Tradestyle", "Tradestyle", "string", 255),
            FieldSpec("NaicsCode", "NAICS Code", "string", 8),
            FieldSpec("NaicsDesc", "NAICS Description", "string", 120),
            FieldSpec("YearStarted", "Year Started", "string", 4),
            FieldSpec("SicDesc", "SIC Description", "string", 80),
            _unserved("DandbCompanyId", "D&B Company ID", "DandBCompany", "DandbCompany"),
            _unserved("OperatingHoursId", "Operating Hour ID", "OperatingHours",
                      "OperatingHours"),
        ),
    ),
)

CONTACT = ObjectSpec(
    name="Contact", label="Contact", label_plural="Contacts", key_prefix="003",
    fields=f.with_system_fields(
        "Contact ID",
        f.master_record("Contact"),
        f.account_lookup(),
        FieldSpec("LastName", "Last Name", "string", 80, nillable=False,
                  extra_type="personname", compound="Name"),
        FieldSpec("FirstName", "First Name", "string", 40, extra_type="personname",
                  compound="Name", permissionable=False),
        FieldSpec("Salutation", "Salutation", "picklist", 40, extra_type="personname",
                  compound="Name", permissionable=False,
                  picklist=f.values("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")),
        f.system("Name", "Full Name", "string", length=121, extra_type="personname",
                 name_field=True, defaulted=False, derived="full_name"),
        *f.address("Other"),
        *f.address("Mailing"),
        FieldSpec("Phone", "Business Phone", "phone", 40),
        FieldSpec("Fax", "Business Fax", "phone", 40),
        FieldSpec("MobilePhone", "Mobile Phone", "phone", 40),
        FieldSpec("HomePhone", "Home Phone", "phone", 40),
        FieldSpec("OtherPhone", "Other Phone", "phone", 40),
        FieldSpec("AssistantPhone", "Asst. Phone", "phone", 40),
        f.lookup("ReportsToId", "Reports To ID", "Contact", "ReportsTo",
                 child_relationship=None),
        FieldSpec("Email", "Email", "email", 80, id_lookup=True),
        FieldSpec("Title", "Title", "string", 128),
        FieldSpec("Department", "Department", "string", 80),
        FieldSpec("AssistantName", "Assistant's Name", "string", 40),
        FieldSpec("LeadSource", "Lead Source", "picklist", 255, picklist=LEAD_SOURCES),
        FieldSpec("Birthdate", "Birthdate", "date"),
        description("Contact Description"),
        f.owner(),
        f.external_key("ERP_Contact_Id__c", "ERP Contact Id", 20),
        after=(
            *f.activity_dates("LastActivityDate", "LastCURequestDate", "LastCUUpdateDate",
                              "LastViewedDate", "LastReferencedDate"),
            FieldSpec("EmailBouncedReason", "Email Bounced Reason", "string", 255,
                      permissionable=False),
            FieldSpec("EmailBouncedDate", "Email Bounced Date", "datetime",
                      permissionable=False),
            f.system("IsEmailBounced", "Is Email Bounced", "boolean", default=False),
            f.photo_url(),
            *f.data_com("Contact"),
            f.clean_status(),
            _unserved("IndividualId", "Individual ID", "Individual", "Individual"),
        ),
    ),
)

ACCOUNT_OBJECTS = (ACCOUNT, CONTACT)
