"""Whole sync runs against Salesforce's stand-in where Salesforce itself misbehaves: a record
refused inside a batch of 200, schema drift, sessions that expire or are refused, the daily
API allowance running out; and what an incremental run costs, call by call.

The engine, both connectors and both stand-ins are the real ones; Salesforce's failures come
from its control plane (``/_sandbox/faults``, ``/_sandbox/limits``). Calls are counted in the
stand-ins' own request logs. ``clear_org_caches`` starts a run as a new process starts it
(``erpsync run`` is one): without the session and describes an earlier run of this process
left behind.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Connector, TargetRecord, WriteResult
from connectors.errors import ConfigError
from connectors.salesforce.org_cache import clear_org_caches
from engine.run import run_sync
from engine.state.store import StateStore
from engine.status import sync_status
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import replay_customers, run_customers, variant, with_sync

COLLECTIONS = "/composite/sobjects"
SEEDED_CUSTOMERS = 16  # mock-sap's customers (suppliers excluded)
CRM_ONLY = 5  # the sandbox's demo accounts without a customer number


# -- helpers ---------------------------------------------------------------------------------

def create_sap_customers(sap: SapUser, count: int) -> list[str]:
    """``count`` new customers made in SAP by a person (OData create), their numbers in order."""
    numbers = []
    for index in range(count):
        response = sap.http.post(f"{sap.base}/A_BusinessPartner", timeout=30, json={
            "BusinessPartnerCategory": "2",
            "BusinessPartnerFullName": f"Volume Customer {index:03d}",
            "to_BusinessPartnerAddress": {"results": [{
                "AddressID": "1", "Country": "DE", "CityName": "Berlin",
                "StreetName": "Hauptstrasse", "PostalCode": "10115"}]}})
        assert response.status_code == 201, response.text
        numbers.append(str(response.json()["d"]["BusinessPartner"]))
    return numbers


def sf_number(sap_key: str) -> str:
    """The External ID value the customer sync writes to Salesforce for an SAP partner key."""
    return sap_key.lstrip("0")


def sf_numbers(sf: SalesforceUser) -> Counter[str]:
    """How many Salesforce accounts carry each customer number."""
    return Counter(a["ERP_Customer_Number__c"] for a in sf.accounts()
                   if a["ERP_Customer_Number__c"])


KINDS = (  # (path marker, kind), first match wins
    ("/oauth2/token", "login"),
    ("/describe", "describe"),
    ("/deleted", "delete window"),
    ("/query", "data read"),  # query, queryAll and their next pages
    (COLLECTIONS, "data write"),
)


def sf_kind(entry: dict[str, Any]) -> str:
    """What one logged Salesforce request was for."""
    path = entry["path"]
    if path.rstrip("/").endswith("/sobjects") and entry["method"] == "GET":
        return "describe global"
    return next((kind for marker, kind in KINDS if marker in path), f"other {path}")


def sf_calls(env: Sandboxes) -> Counter[str]:
    return Counter(sf_kind(entry) for entry in env.sf_requests())


def sap_data_calls(env: Sandboxes) -> Counter[str]:
    """SAP's business-partner reads and writes since ``clear_logs`` (service root and
    ``$metadata`` are the SAP connector's metadata, not counted here)."""
    mark = getattr(env, "_sap_mark", 0)
    kinds: Counter[str] = Counter()
    for entry in env.sap_requests():
        if entry["id"] <= mark:
            continue
        path = entry["path"]
        if path.endswith("/$batch") or entry["method"] in {"POST", "PATCH", "PUT", "DELETE"}:
            kinds["data write"] += 1
        elif "/A_BusinessPartner" in path:
            kinds["data read"] += 1
    return kinds


def arm(env: Sandboxes, **faults: Any) -> None:
    env.sf_call("POST", "/_sandbox/faults", faults)


def statuses(env: Sandboxes, marker: str, method: str | None = None) -> list[int]:
    return [entry["status"] for entry in env.sf_requests() if marker in entry["path"]
            and (method is None or entry["method"] == method)]


class BeforeWrite:
    """The real Salesforce connector; ``event`` runs before its n-th ``write_batch``, to time
    something the outside world does (another integration spending the org's allowance)."""

    def __init__(self, inner: Connector, event: Callable[[int], None]) -> None:
        self.inner = inner
        self.event = event
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def write_batch(self, obj: str, records: Sequence[TargetRecord]) -> list[WriteResult]:
        self.calls += 1
        self.event(self.calls)
        return self.inner.write_batch(obj, records)


# -- a record refused in a batch of 200 -----------------------------------------------------

def test_one_record_refused_in_a_batch_of_200_waits_in_dead_letters_and_replays(
        erpsync_env: Sandboxes) -> None:
    """216 SAP customers go to Salesforce in two collection calls (200 + 16); Salesforce's
    validation rule refuses one record of the first. The other 199 of that call are written,
    the refused one waits in dead letters with Salesforce's code and class, and replaying the
    dead letters (the rule satisfied now) writes it, once."""
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    new = create_sap_customers(sap, 200)
    refused = new[100]  # within the first 200 whichever way the 16 seeded ones sort
    arm(erpsync_env, record_errors={sf_number(refused): "FIELD_CUSTOM_VALIDATION_EXCEPTION"})
    erpsync_env.clear_logs()

    report = run_customers()

    assert statuses(erpsync_env, COLLECTIONS + "/Account/", "PATCH") == [200, 200]
    counts = report.systems["salesforce"]
    assert (counts.created, counts.failed) == (SEEDED_CUSTOMERS + 199, 1)
    numbers = sf_numbers(sf)
    assert sf_number(refused) not in numbers
    assert sum(numbers[sf_number(key)] for key in new) == 199
    assert set(numbers.values()) == {1}
    (letter,) = StateStore().dead_letters("customers")
    assert (letter["code"], letter["error_class"]) == ("FIELD_CUSTOM_VALIDATION_EXCEPTION",
                                                       "RecordRejected")
    assert (letter["system"], letter["source_system"], letter["status"]) == (
        "salesforce", "sap", "open")
    assert letter["source_key"].lstrip("0") == sf_number(refused)

    replayed = replay_customers()

    assert replayed.systems["salesforce"].created == 1
    numbers = sf_numbers(sf)
    assert sum(numbers[sf_number(key)] for key in new) == 200
    assert set(numbers.values()) == {1}, "every customer exactly once"
    (letter,) = StateStore().dead_letters("customers")
    assert letter["status"] == "replayed"
    erpsync_env.clear_logs()
    run_customers()
    assert erpsync_env.sf_writes() == [] and erpsync_env.sap_writes() == []


# -- what an incremental run costs ----------------------------------------------------------

def test_an_incremental_run_with_3_sap_changes_makes_2_reads_and_1_write(
        erpsync_env: Sandboxes) -> None:
    """Three customers renamed in SAP flow to Salesforce. Salesforce's side of that run:

    * data reads (2): ``query`` of the three accounts by Id (their current values, to merge
      field by field), and ``queryAll`` of Account's changes since the cursor (where our own
      three writes come back as echoes);
    * data writes (1): one sObject Collections update of the three accounts;
    * metadata, in a new process (3): the login (``POST /services/oauth2/token``), the
      preflight ``GET /sobjects`` of ``check`` (reachable, "API Enabled"), and
      ``GET /sobjects/Account/describe`` for the mapping's schema check. No getDeleted call:
      the cursor is minutes old, well inside the 15-day recycle bin (``delete_window_check``);
    * metadata, in a process that ran the sync before (1): the preflight only; the session
      and the describe are reused (``org_cache``).

    SAP's side: one change-feed read and no write.
    """
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers()

    for first_process, keys in ((True, ("1000002", "1000003", "1000004")),
                                (False, ("1000006", "1000007", "1000008"))):
        for key in keys:
            sap.update(key, BusinessPartnerFullName=f"Renamed {key}")
        if first_process:
            clear_org_caches()
        erpsync_env.clear_logs()

        report = run_customers()

        assert report.systems["salesforce"].updated == 3
        metadata = {"login": 1, "describe": 1} if first_process else {}
        assert sf_calls(erpsync_env) == Counter(
            {"data read": 2, "data write": 1, "describe global": 1, **metadata})
        assert sap_data_calls(erpsync_env) == Counter({"data read": 1})
        assert {sf.account_by_number(k)["Name"] for k in keys} == {f"Renamed {k}" for k in keys}


def test_an_incremental_run_with_3_salesforce_changes_makes_2_reads_and_1_write(
        erpsync_env: Sandboxes) -> None:
    """Three phone numbers changed in Salesforce (which owns them) flow to SAP.

    * Salesforce: one data read (``queryAll`` of Account's changes), no write; metadata as in
      the SAP → Salesforce test (login, ``GET /sobjects``, describe in a new process; the
      ``GET /sobjects`` preflight alone in a process that ran the sync before);
    * SAP: two data reads (its change feed, and the three partners by key to merge against)
      and one write (one ``$batch``, a changeset per partner).
    """
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers()

    for first_process, keys in ((True, ("1000002", "1000003", "1000004")),
                                (False, ("1000006", "1000007", "1000008"))):
        for key in keys:
            sf.update(sf.account_by_number(key)["Id"], Phone=f"+49 30 {key}")
        if first_process:
            clear_org_caches()
        erpsync_env.clear_logs()

        report = run_customers()

        assert report.systems["sap"].updated == 3
        metadata = {"login": 1, "describe": 1} if first_process else {}
        assert sf_calls(erpsync_env) == Counter({"data read": 1, "describe global": 1, **metadata})
        assert sap_data_calls(erpsync_env) == Counter({"data read": 2, "data write": 1})
        phones = {sap.partner(k)["to_BusinessPartnerAddress"]["results"][0]["PhoneNumber"]
                  for k in keys}
        assert phones == {f"+49 30 {k}" for k in keys}


# -- schema drift ---------------------------------------------------------------------------

@pytest.mark.parametrize(("edit", "says"), [
    (("salesforce: Phone\n", "salesforce: Phone_Direct__c\n"),
     "fields.phone.salesforce: salesforce Account has no field 'Phone_Direct__c'"),
    (("salesforce: ERP_Blocked__c", "salesforce: IsDeleted"),
     "fields.blocked.salesforce: salesforce Account.IsDeleted can be neither created nor "
     "updated"),
], ids=["field-missing", "field-not-writable"])
def test_schema_drift_stops_the_run_before_any_write(
        erpsync_env: Sandboxes, tmp_path: Path, edit: tuple[str, str], says: str) -> None:
    """A mapped field the live describe lacks, or one it says cannot be written, stops the
    run at its start with an error naming the field (and the mapping's file and line); no
    data is read from Salesforce and neither system sees a write."""
    mapping = variant(tmp_path / "drift", edit)
    erpsync_env.clear_logs()

    with pytest.raises(ConfigError, match=re.escape(says)):
        run_customers(mapping)

    assert erpsync_env.sf_writes() == [] and erpsync_env.sap_writes() == []
    assert "data read" not in sf_calls(erpsync_env)
    assert sync_status(StateStore(), "customers")["last_run"]["status"] == "failed"


# -- sessions -------------------------------------------------------------------------------

def test_a_session_refused_again_right_after_a_new_login_stops_the_run(
        erpsync_env: Sandboxes) -> None:
    """Salesforce refuses the session on the first write, and the brand-new one too: the run
    stops with a ``ConfigError`` after exactly one new login, with no loop, and nothing is
    written."""
    clear_org_caches()
    arm(erpsync_env, bursts=[{"kind": "expire_session", "count": 2, "method": "PATCH",
                              "path_contains": COLLECTIONS}])
    erpsync_env.clear_logs()

    with pytest.raises(ConfigError, match="brand-new session") as caught:
        run_customers()

    assert caught.value.code == "INVALID_SESSION_ID"
    assert statuses(erpsync_env, COLLECTIONS) == [401, 401]
    assert sf_calls(erpsync_env)["login"] == 2, "the run's login and one more"
    assert sf_numbers(SalesforceUser(erpsync_env)) == Counter(), "the refused call wrote nothing"
    assert erpsync_env.sap_writes() == []


def test_a_session_expiring_in_the_middle_of_a_write_batch_is_renewed_once(
        erpsync_env: Sandboxes) -> None:
    """216 customers, two collection calls; every session expires just before the second:
    one new login, that call sent again, and every customer written exactly once."""
    new = create_sap_customers(SapUser(erpsync_env), 200)
    clear_org_caches()
    arm(erpsync_env, bursts=[{"kind": "expire_session", "count": 1, "skip": 1,
                              "method": "PATCH", "path_contains": COLLECTIONS}])
    erpsync_env.clear_logs()

    report = run_customers()

    assert report.status == "completed" and report.dead_letters == 0
    assert statuses(erpsync_env, COLLECTIONS + "/Account/", "PATCH") == [200, 401, 200]
    assert sf_calls(erpsync_env)["login"] == 2
    assert report.systems["salesforce"].created == SEEDED_CUSTOMERS + 200
    numbers = sf_numbers(SalesforceUser(erpsync_env))  # a user who logs in after the expiry
    assert all(numbers[sf_number(key)] == 1 for key in new)
    assert len(numbers) == SEEDED_CUSTOMERS + 200 + CRM_ONLY
    assert set(numbers.values()) == {1}


# -- the daily API allowance ----------------------------------------------------------------

def test_the_daily_allowance_running_out_mid_run_ends_at_the_last_checkpoint(
        erpsync_env: Sandboxes, tmp_path: Path) -> None:
    """Pages of five. Before the run's third write, other integrations spend what is left of
    the org's daily allowance: Salesforce answers that write 403 ``REQUEST_LIMIT_EXCEEDED``.
    The run ends at its last checkpoint (two pages written) with a time to resume, without
    retrying; once the allowance is back the next run converges with no duplicates."""
    mapping = variant(tmp_path / "pages", ("deletes: deactivate",
                                           "deletes: deactivate\npage_size: 5"))
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    limit = erpsync_env.sf_call("GET", "/_sandbox/limits")["max"]

    def others_spend_the_allowance(call: int) -> None:
        if call == 3:
            erpsync_env.sf_call("POST", "/_sandbox/limits", {"used": limit})
            erpsync_env.clear_logs()

    report = with_sync(run_sync, mapping,
                       {"salesforce": lambda c: BeforeWrite(c, others_spend_the_allowance)})

    assert report.status == "limit_exhausted" and report.resume_at is not None
    assert "resume at" in report.messages[0]
    served = erpsync_env.sf_requests()
    assert [(e["method"], e["status"]) for e in served] == [("PATCH", 403)], "no retry"
    status = sync_status(StateStore(), "customers")
    assert status["last_run"]["status"] == "limit_exhausted"
    assert status["last_run"]["resume_at"] == report.resume_at.isoformat()
    assert status["locked_by"] is None

    erpsync_env.sf_call("POST", "/_sandbox/limits", {"used": 0})  # the allowance is back
    assert len(sf_numbers(sf)) == 10, "two pages of five were written and checkpointed"
    final = run_customers(mapping)

    assert final.status == "completed"
    assert final.systems["salesforce"].created == SEEDED_CUSTOMERS - 10
    numbers = sf_numbers(sf)
    assert len(numbers) == SEEDED_CUSTOMERS + CRM_ONLY and set(numbers.values()) == {1}
    partners = [p["BusinessPartnerFullName"] for p in sap.partners() if not p["Supplier"]]
    assert len(partners) == len(set(partners)) == SEEDED_CUSTOMERS + CRM_ONLY
    again = run_customers(mapping)
    assert again.systems["salesforce"].created == again.systems["sap"].created == 0
