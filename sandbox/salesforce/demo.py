"""Demo data: five accounts that exist only in Salesforce (no ERP customer number yet).

Invented companies with plausible addresses and phone numbers in several countries, so a
first sync has something to create on the ERP side and country mapping has work to do.
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce import records
from sandbox.salesforce.objects_accounts import ACCOUNT
from sandbox.salesforce.org import ADMIN_USER
from sandbox.salesforce.state import Sandbox
from sandbox.salesforce.validation import parse_fields

DEMO_ACCOUNTS: tuple[dict[str, Any], ...] = (
    {"Name": "Nordlicht Feinkost GmbH", "Type": "Customer - Direct", "Industry": "Retail",
     "BillingStreet": "Speicherstadtweg 14", "BillingCity": "Hamburg",
     "BillingPostalCode": "20457", "BillingCountryCode": "DE", "Phone": "+49 40 3290 1177",
     "Website": "https://nordlicht-feinkost.example", "NumberOfEmployees": 85},
    {"Name": "Blue Mesa Outfitters Inc.", "Type": "Prospect", "Industry": "Apparel",
     "BillingStreet": "418 Canyon Road", "BillingCity": "Santa Fe", "BillingState": "NM",
     "BillingPostalCode": "87501", "BillingCountryCode": "US", "Phone": "+1 505 555 0143",
     "Website": "https://bluemesa-outfitters.example", "NumberOfEmployees": 42},
    {"Name": "Atelier Lumière SARL", "Type": "Customer - Channel", "Industry": "Manufacturing",
     "BillingStreet": "27 rue des Tanneurs", "BillingCity": "Lyon",
     "BillingPostalCode": "69002", "BillingCountryCode": "FR", "Phone": "+33 4 72 55 18 90",
     "Website": "https://atelier-lumiere.example", "NumberOfEmployees": 19},
    {"Name": "Kawasemi Precision K.K.", "Type": "Prospect", "Industry": "Machinery",
     "BillingStreet": "3-8-21 Minamisenba, Chuo-ku", "BillingCity": "Osaka",
     "BillingPostalCode": "542-0081", "BillingCountryCode": "JP", "Phone": "+81 6 5555 0192",
     "Website": "https://kawasemi-precision.example", "NumberOfEmployees": 230},
    {"Name": "Harbourline Logistics Pty Ltd", "Type": "Customer - Direct",
     "Industry": "Transportation", "BillingStreet": "9 Beach Street",
     "BillingCity": "Fremantle", "BillingState": "WA", "BillingPostalCode": "6160",
     "BillingCountryCode": "AU", "Phone": "+61 8 5550 4471",
     "Website": "https://harbourline.example", "NumberOfEmployees": 120},
)


def load_demo_data(app: Sandbox) -> list[str]:
    """Create the demo accounts as the admin user; returns their IDs."""
    ctx = app.writer(ADMIN_USER.id)
    with app.store.savepoint():
        return [records.create(ctx, ACCOUNT, parse_fields(ACCOUNT, row)) for row in DEMO_ACCOUNTS]
