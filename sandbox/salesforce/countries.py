"""ISO 3166-1 alpha-2 codes for the BillingCountryCode/ShippingCountryCode picklists.

With State and Country/Territory Picklists enabled, Salesforce adds the ``*CountryCode`` fields
as restricted picklists whose values are ISO codes and whose labels are the country names, and
keeps the text field (``BillingCountry``) in step with the code. A reasonable subset is enough
for the sandbox; a real org ships about 240 entries.
https://help.salesforce.com/s/articleView?id=sf.admin_state_country_picklists_overview.htm
"""

from __future__ import annotations

COUNTRIES: tuple[tuple[str, str], ...] = (
    ("AE", "United Arab Emirates"),
    ("AR", "Argentina"),
    ("AT", "Austria"),
    ("AU", "Australia"),
    ("BE", "Belgium"),
    ("BR", "Brazil"),
    ("CA", "Canada"),
    ("CH", "Switzerland"),
    ("CL", "Chile"),
    ("CN", "China"),
    ("CZ", "Czechia"),
    ("DE", "Germany"),
    ("DK", "Denmark"),
    ("EG", "Egypt"),
    ("ES", "Spain"),
    ("FI", "Finland"),
    ("FR", "France"),
    ("GB", "United Kingdom"),
    ("GR", "Greece"),
    ("HK", "Hong Kong"),
    ("HU", "Hungary"),
    ("ID", "Indonesia"),
    ("IE", "Ireland"),
    ("IL", "Israel"),
    ("IN", "India"),
    ("IT", "Italy"),
    ("JP", "Japan"),
    ("KR", "Korea, Republic of"),
    ("LU", "Luxembourg"),
    ("MX", "Mexico"),
    ("MY", "Malaysia"),
    ("NL", "Netherlands"),
    ("NO", "Norway"),
    ("NZ", "New Zealand"),
    ("PH", "Philippines"),
    ("PL", "Poland"),
    ("PT", "Portugal"),
    ("RO", "Romania"),
    ("SA", "Saudi Arabia"),
    ("SE", "Sweden"),
    ("SG", "Singapore"),
    ("SK", "Slovakia"),
    ("TH", "Thailand"),
    ("TR", "Turkey"),
    ("TW", "Taiwan"),
    ("US", "United States"),
    ("VN", "Vietnam"),
    ("ZA", "South Africa"),
)

NAME_BY_CODE: dict[str, str] = dict(COUNTRIES)
CODE_BY_FOLDED: dict[str, str] = {
    **{name.casefold(): code for code, name in COUNTRIES},
    **{code.casefold(): code for code, _ in COUNTRIES},
}
