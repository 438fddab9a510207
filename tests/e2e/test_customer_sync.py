"""The walking skeleton end to end: SAP (mock-sap) ⇄ engine ⇄ Salesforce (our sandbox).

Every check reads the systems themselves (their data and request logs), not only the engine's
own counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import unquote

from engine.state.store import StateStore
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import run_customers, salesforce_customers, sap_customers


def test_first_run_creates_each_side_on_the_other(sap: SapUser, sf: SalesforceUser) -> None:
    sap_before = sap_customers(sap)
    sf_only = [a for a in sf.accounts() if not a["ERP_Customer_Number__c"]]
    assert sap_before and sf_only

    report = run_customers()

    assert report.systems["salesforce"].created == len(sap_before)
    assert report.systems["sap"].created == len(sf_only)
    assert report.systems["salesforce"].updated == len(sf_only), "SAP numbers written back"
    assert report.dead_letters == 0
    sap_after, sf_after = sap_customers(sap), salesforce_customers(sf)
    assert None not in sf_after, "every account now carries its SAP customer number"
    assert sap_after == sf_after
    assert set(sap_before) <= set(sap_after)


def test_second_run_writes_nothing(erpsync_env: Sandboxes) -> None:
    run_customers()
    erpsync_env.clear_logs()

    report = run_customers()

    assert erpsync_env.sap_writes() == []
    assert erpsync_env.sf_writes() == []
    assert all(counts.writes == 0 for counts in report.systems.values())
    # Echoes are dropped before any counterpart lookup: no key lookups on either side.
    sf_lookups = [r for r in erpsync_env.sf_requests() if " IN (" in str(r["query"])]
    sap_lookups = [r for r in erpsync_env.sap_requests()
                   if r["id"] > erpsync_env._sap_mark and "BusinessPartner eq" in r["query"]
                   .replace("%20", " ")]
    assert sf_lookups == [] and sap_lookups == []


def test_change_reaches_other_side_once_and_does_not_come_back(
        erpsync_env: Sandboxes, sap: SapUser, sf: SalesforceUser) -> None:
    run_customers()
    account = sf.account_by_number("1000001")
    sf.update(account["Id"], BillingCity="Potsdam")
    sap.update("1000002", BusinessPartnerFullName="Talpa Holding GmbH")

    report = run_customers()

    assert sap.partner("1000001")["to_BusinessPartnerAddress"]["results"][0]["CityName"] == \
        "Potsdam"
    assert sf.account_by_number("1000002")["Name"] == "Talpa Holding GmbH"
    assert report.systems["sap"].updated == 1 and report.systems["salesforce"].updated == 1
    erpsync_env.clear_logs()
    run_customers()
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == [], "no ping-pong"


def test_sap_owned_field_edited_in_salesforce_is_restored_and_audited(
        erpsync_env: Sandboxes, sap: SapUser, sf: SalesforceUser) -> None:
    run_customers()
    account = sf.account_by_number("1000003")
    sf.update(account["Id"], Name="Panorama Renamed By Sales")
    erpsync_env.clear_logs()

    run_customers()

    assert sf.account_by_number("1000003")["Name"] == "Panorama Studios"
    assert sap.partner("1000003")["BusinessPartnerFullName"] == "Panorama Studios"
    assert erpsync_env.sap_writes() == [], "the owner's data is not touched"
    trail = StateStore().audit_trail("customers", account["Id"])
    restored = [row for row in trail if row["operation"] == "owner_restored"]
    assert restored and restored[-1]["system"] == "sap"
    assert "owned by sap" in restored[-1]["reason"]
    assert StateStore().verify_audit() == []


def test_salesforce_owned_field_flows_to_sap(sap: SapUser, sf: SalesforceUser) -> None:
    run_customers()
    sf.update(sf.account_by_number("1000004")["Id"], Phone="+81 3 1234 5678")

    run_customers()

    address = sap.partner("1000004")["to_BusinessPartnerAddress"]["results"][0]
    assert address["PhoneNumber"] == "+81 3 1234 5678"


def test_delete_in_salesforce_blocks_the_customer_in_sap(sap: SapUser,
                                                         sf: SalesforceUser) -> None:
    run_customers()
    sf.delete(sf.account_by_number("1000005")["Id"])

    run_customers()

    assert sap.partner("1000005")["BusinessPartnerIsBlocked"] is True


def test_bad_record_goes_to_dead_letters_and_the_rest_go_on(sap: SapUser,
                                                            sf: SalesforceUser) -> None:
    sf.create(Name="Kiwi Imports Ltd", BillingCountryCode="NZ", BillingCity="Auckland")

    report = run_customers()

    assert report.dead_letters == 1
    (letter,) = StateStore().dead_letters("customers")
    assert letter["code"] == "UNMAPPED_VALUE" and letter["error_class"] == "RecordRejected"
    assert "NZ" in letter["message"]
    assert "Kiwi Imports Ltd" not in {p["BusinessPartnerFullName"] for p in sap.partners()}
    assert report.systems["sap"].created >= 5, "the other new accounts still reached SAP"


def edit_city_in_sap(sap: SapUser, number: str, city: str) -> None:
    """An SAP user changes the address and saves the partner (which stamps its change date;
    mock-sap does not stamp it for an address change alone)."""
    sap.update_address(number, CityName=city)
    sap.update(number, SearchTerm1=city.upper()[:20])


def test_conflict_newest_change_wins_and_is_audited(
        erpsync_env: Sandboxes, sap: SapUser, sf: SalesforceUser) -> None:
    run_customers()
    edit_city_in_sap(sap, "1000006", "Munich")
    erpsync_env.sf_call("POST", "/_sandbox/clock", {"advance_seconds": 600})
    account = SalesforceUser(erpsync_env).account_by_number("1000006")
    SalesforceUser(erpsync_env).update(account["Id"], BillingCity="Hamburg")

    report = run_customers()

    assert report.conflicts == 1
    assert sap.partner("1000006")["to_BusinessPartnerAddress"]["results"][0]["CityName"] == \
        "Hamburg"
    assert sf.account_by_number("1000006")["BillingCity"] == "Hamburg"
    (decision,) = [r for r in StateStore().audit_trail("customers", account["Id"])
                   if r["operation"] == "conflict"]
    assert decision["system"] == "salesforce" and "newest change wins" in decision["reason"]


def test_conflict_within_clock_skew_goes_to_the_tie_breaker(
        erpsync_env: Sandboxes, sap: SapUser, sf: SalesforceUser) -> None:
    run_customers()
    account = sf.account_by_number("1000007")
    sf.update(account["Id"], BillingCity="Campinas")
    edit_city_in_sap(sap, "1000007", "Santos")

    report = run_customers()

    assert report.conflicts == 1
    assert sf.account_by_number("1000007")["BillingCity"] == "Santos", "tie_breaker: sap"
    assert sap.partner("1000007")["to_BusinessPartnerAddress"]["results"][0]["CityName"] == \
        "Santos"


def test_counts_of_a_run_with_nothing_new_say_what_was_read_and_dropped(
        erpsync_env: Sandboxes, sap: SapUser) -> None:
    run_customers()
    cursor = StateStore().cursor("customers", "sap")

    report = run_customers()

    sap_counts, sf_counts = report.systems["sap"], report.systems["salesforce"]
    # read: every customer stamped at or after the cursor (read inclusively); all of them are
    # exactly what the first run left there, so all are dropped as echoes.
    assert cursor is not None
    at_or_after = [p for p in sap.partners() if not p["Supplier"]
                   and _sap_stamp(p["LastChangeDate"]) >= cursor.modified_at]
    assert sap_counts.read == sap_counts.echoes == len(at_or_after) >= 5
    assert sf_counts.read == sf_counts.echoes > 0
    for counts in (sap_counts, sf_counts):
        assert counts.writes == counts.unchanged == counts.failed == 0


def test_a_load_reads_each_page_of_sap_changes_in_one_request(
        erpsync_env: Sandboxes, sap: SapUser) -> None:
    """The engine resumes every page at the last record of the one before, inclusively; the
    SAP connector asks for that one row more, so a page of 500 costs one SAP request."""
    sap.create_many([{"BusinessPartnerCategory": "2", "OrganizationBPName1": f"Volume {n:04d}",
                      "BusinessPartnerFullName": f"Volume {n:04d}"} for n in range(1200)])
    customers = len(sap_customers(sap))
    suppliers = len(sap.partners()) - customers
    assert 1000 < customers <= 1500 and 0 < suppliers < 500
    erpsync_env.clear_logs()

    report = run_customers()

    assert report.systems["salesforce"].created == customers
    change_reads = [unquote(str(r["query"]))
                    for r in sorted(erpsync_env.sap_requests(), key=lambda r: int(r["id"]))
                    if r["id"] > erpsync_env._sap_mark
                    and r["path"].endswith("/A_BusinessPartner")
                    and "$orderby=LastChangeDate" in unquote(str(r["query"]))]
    tops = [int(m.group(1)) for q in change_reads if (m := re.search(r"\$top=(\d+)", q))]
    # Page 1 reads 500 + the suppliers the sync's filter drops (the seed's, stamped earliest):
    # a second request. Pages 2 and 3 resume at a record and take one request of 501 each.
    assert tops == [500, 500, 501, 501]

def _sap_stamp(value: str) -> datetime:
    """OData V2 ``/Date(<ms>)/`` as an aware datetime."""
    match = re.fullmatch(r"/Date\((-?\d+)([+-]\d+)?\)/", value)
    assert match, value
    return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
