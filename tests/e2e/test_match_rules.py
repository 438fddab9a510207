"""Composite match rules end to end, against the real stand-ins: a record seen for the first
time is linked to the other side by its customer number, else by tax number + country
together; never by name, and never by guessing between several candidates.

The variant mapping matches on ``[account_number]`` then ``[tax_number,
billing_address.country]``. Salesforce keeps the tax number in ``Tax_Number__c`` (the
sandbox's non-unique External ID). mock-sap's ``A_BusinessPartner`` has no tax number (real
S/4HANA keeps it in the child entity ``A_BusinessPartnerTaxNumber``, which mock-sap does not
serve), so the variant carries it in the partner's search term ``SearchTerm1``, the one free
text property of the partner itself, and drops the shipped mapping's ``create_reference``,
which uses the same property.

An ambiguous match (several candidates on the other side, several records claiming the
same candidate, or a candidate already linked to another record) links nothing and creates
nothing: each record concerned goes to dead letters as ``AMBIGUOUS_MATCH`` naming the
candidates (``engine/counterparts.py``). Once a person corrects the duplicates, a replay
links them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.state.store import StateStore
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import (
    replay_customers,
    run_customers,
    salesforce_customers,
    sap_customers,
    variant,
)

COMPOSITE = (
    ("    create_reference: SearchTerm1\n", ""),
    ("match: [account_number]",
     "match: [account_number, [tax_number, billing_address.country]]"),
    ("  phone:\n", "  tax_number:\n    sap: SearchTerm1\n    salesforce: Tax_Number__c\n"
                   "  phone:\n"),
)
SEEDED_PARTNERS = 24  # mock-sap's business partners after a reset


def accounts(sf: SalesforceUser) -> list[dict[str, Any]]:
    return sf.query("SELECT Id, Name, ERP_Customer_Number__c, Tax_Number__c, "
                    "BillingCountryCode FROM Account ORDER BY Name")


def numbered(sf: SalesforceUser, number: str) -> list[dict[str, Any]]:
    return [a for a in accounts(sf) if str(a["ERP_Customer_Number__c"] or "").lstrip("0")
            == number]


def partners_by_term(sap: SapUser, term: str) -> list[dict[str, Any]]:
    return [p for p in sap.partners() if p["SearchTerm1"] == term]


def open_letters() -> dict[tuple[str, str], dict[str, Any]]:
    return {(str(row["source_system"]), str(row["source_key"])): row
            for row in StateStore().dead_letters("customers", "open")}


def assert_converged_and_quiet(env: Sandboxes, sap: SapUser, sf: SalesforceUser,
                               mapping: Path) -> None:
    assert sap_customers(sap) == salesforce_customers(sf)
    env.clear_logs()
    run_customers(mapping)
    assert env.sap_writes() == [] and env.sf_writes() == [], "a re-run writes nothing"


def test_composite_rule_links_by_tax_number_and_country_never_by_name(
        erpsync_env: Sandboxes, sap: SapUser, sf: SalesforceUser, tmp_path: Path) -> None:
    mapping = variant(tmp_path / "m", *COMPOSITE)
    sap.update("1000001", SearchTerm1="DE811907980")  # Becker Berlin, DE
    sap.update("1000002", SearchTerm1="US941234567")  # Talpa GmbH, US
    # The same company, known to sales under another name and without a customer number.
    same = sf.create(Name="Becker Vertrieb", Tax_Number__c="DE811907980",
                     BillingCountryCode="DE", BillingCity="Walldorf")
    # The same name as an SAP customer, another tax number: another company.
    namesake = sf.create(Name="Talpa GmbH", Tax_Number__c="US947654321",
                         BillingCountryCode="US")
    # The same tax number in another country: the rule needs both fields equal.
    abroad = sf.create(Name="Becker Austria", Tax_Number__c="DE811907980",
                       BillingCountryCode="AT")
    # A supplier is out of the sync (the mapping's filter): never a counterpart.
    sap.update("1000009", SearchTerm1="DE300000009")  # Sunrise Retail Group, DE
    sunrise = sf.create(Name="Sunrise Retail", Tax_Number__c="DE300000009",
                        BillingCountryCode="DE")

    report = run_customers(mapping)

    (linked,) = numbered(sf, "1000001")
    assert linked["Id"] == same, "linked to the account that was there, not a new one"
    assert linked["Name"] == "Becker Berlin", "SAP owns the name"
    assert "1000001" in [p["BusinessPartner"] for p in partners_by_term(sap, "DE811907980")]
    assert [p["BusinessPartnerFullName"] for p in sap.partners()
            if p["BusinessPartnerFullName"] == "Becker Vertrieb"] == [], "not created in SAP"
    # Never by name: the namesake is a customer of its own in both systems.
    (talpa,) = numbered(sf, "1000002")
    assert talpa["Id"] != namesake
    (namesake_partner,) = partners_by_term(sap, "US947654321")
    assert namesake_partner["BusinessPartner"].lstrip("0") != "1000002"
    assert {a["Id"] for a in numbered(sf, namesake_partner["BusinessPartner"].lstrip("0"))} \
        == {namesake}
    # Never by one field of the two: the Austrian account is a customer of its own.
    austrian = [p for p in partners_by_term(sap, "DE811907980")
                if p["BusinessPartner"] != "1000001"]
    assert [p["BusinessPartnerFullName"] for p in austrian] == ["Becker Austria"]
    assert {a["Id"] for a in numbered(sf, austrian[0]["BusinessPartner"].lstrip("0"))} \
        == {abroad}
    (supplier, customer) = sorted(partners_by_term(sap, "DE300000009"),
                                  key=lambda p: not p["Supplier"])
    assert (supplier["BusinessPartner"], supplier["Supplier"]) == ("1000009", "1000009")
    assert customer["BusinessPartnerFullName"] == "Sunrise Retail"
    assert {a["Id"] for a in numbered(sf, customer["BusinessPartner"].lstrip("0"))} == {sunrise}
    # The 5 CRM-only demo accounts, the namesake, the Austrian account and Sunrise Retail
    # are new to SAP.
    assert report.systems["sap"].created == 8
    assert len(sap.partners()) == SEEDED_PARTNERS + 8
    assert report.dead_letters == 0
    assert_converged_and_quiet(erpsync_env, sap, sf, mapping)


def test_an_ambiguous_match_links_nothing_and_waits_in_dead_letters(
        erpsync_env: Sandboxes, sap: SapUser, sf: SalesforceUser, tmp_path: Path) -> None:
    mapping = variant(tmp_path / "m", *COMPOSITE)
    # Two accounts for one SAP customer (Panorama Studios, US).
    sap.update("1000003", SearchTerm1="US230000003")
    one = sf.create(Name="Panorama One", Tax_Number__c="US230000003", BillingCountryCode="US")
    two = sf.create(Name="Panorama Two", Tax_Number__c="US230000003", BillingCountryCode="US")
    # Two SAP customers (Alpine Systems and Sophie Dubois, both JP) for one account.
    sap.update("1000005", SearchTerm1="JP9001")
    sap.update("1000018", SearchTerm1="JP9001")
    kawa = sf.create(Name="Kawa Trading", Tax_Number__c="JP9001", BillingCountryCode="JP")

    report = run_customers(mapping)

    letters = open_letters()
    assert set(letters) == {("sap", "1000003"), ("salesforce", one), ("salesforce", two),
                            ("sap", "1000005"), ("sap", "1000018"), ("salesforce", kawa)}
    assert {row["code"] for row in letters.values()} == {"AMBIGUOUS_MATCH"}
    assert {row["stage"] for row in letters.values()} == {"match"}
    assert {row["error_class"] for row in letters.values()} == {"RecordRejected"}
    assert f"2 salesforce records match on ['tax_number', 'billing_address.country']: " \
           f"{min(one, two)}, {max(one, two)}" in str(letters[("sap", "1000003")]["message"])
    assert "2 sap records match the same salesforce record" in \
        str(letters[("sap", "1000005")]["message"])
    assert report.dead_letters == 6
    # Nothing linked, nothing created for any of them, in either system.
    for number in ("1000003", "1000005", "1000018"):
        assert numbered(sf, number) == [], f"{number} was linked or created in Salesforce"
    assert {a["Id"]: a["ERP_Customer_Number__c"] for a in accounts(sf)
            if a["Id"] in (one, two, kawa)} == {one: None, two: None, kawa: None}
    names = {p["BusinessPartnerFullName"] for p in sap.partners()}
    assert not names & {"Panorama One", "Panorama Two", "Kawa Trading"}
    erpsync_env.clear_logs()
    run_customers(mapping)
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == [], \
        "still ambiguous: still nothing written"

    # A person corrects the second Panorama account's tax number, then replays.
    sf.update(two, Tax_Number__c="US230000099")
    replay_customers(mapping)

    (panorama,) = numbered(sf, "1000003")
    assert panorama["Id"] == one and panorama["Name"] == "Panorama Studios"
    (created,) = partners_by_term(sap, "US230000099")
    assert created["BusinessPartnerFullName"] == "Panorama Two"
    assert {a["Id"] for a in numbered(sf, created["BusinessPartner"].lstrip("0"))} == {two}
    assert set(open_letters()) == {("sap", "1000005"), ("sap", "1000018"),
                                   ("salesforce", kawa)}, "the others still wait"
    run_customers(mapping)
    erpsync_env.clear_logs()
    run_customers(mapping)
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []


def test_a_match_already_linked_to_another_record_is_not_taken_over(
        erpsync_env: Sandboxes, sap: SapUser, sf: SalesforceUser, tmp_path: Path) -> None:
    mapping = variant(tmp_path / "m", *COMPOSITE)
    sap.update("1000001", SearchTerm1="DE811907980")
    run_customers(mapping)
    (first,) = numbered(sf, "1000001")
    # Later, sales creates a second account for the same company.
    second = sf.create(Name="Becker Zweitkonto", Tax_Number__c="DE811907980",
                       BillingCountryCode="DE")

    report = run_customers(mapping)

    assert report.systems["sap"].created == 0 and report.systems["sap"].updated == 0
    assert [a["Id"] for a in numbered(sf, "1000001")] == [first["Id"]]
    assert [p["BusinessPartner"] for p in partners_by_term(sap, "DE811907980")] == ["1000001"]
    (letter,) = open_letters().values()
    assert (letter["source_system"], letter["source_key"]) == ("salesforce", second)
    assert letter["code"] == "AMBIGUOUS_MATCH"
    # The one SAP candidate is matched by two accounts: the linked one and the new one.
    assert (f"2 salesforce records match the same sap record 1000001 on ['tax_number', "
            f"'billing_address.country']: {first['Id']}, {second}") in str(letter["message"])
