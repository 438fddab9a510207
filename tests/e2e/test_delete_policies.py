"""Every delete policy by every kind of delete, against the real stand-ins: one customer
(1000005) synced, then changed as the case says, then a run and a reconcile (an outright
delete in SAP is only seen by a reconcile). The table says what each system holds afterwards;
a further run and reconcile write nothing, and nothing deleted ever comes back.

Rules (``engine/planning.py``): ``propagate`` deletes the counterpart unless it was edited
since the last sync (an edit outweighs a removal); ``deactivate`` blocks it; ``ignore``
leaves it; a record deleted on both sides stays deleted, and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import reconcile_customers, run_customers, variant

NUMBER = "1000005"
SAP_NAME = "Bonanza Edited In SAP"
SF_PHONE = "+1 555 0100"

GONE, ACTIVE, BLOCKED = "gone", "active", "blocked"
Change = Callable[[SapUser, SalesforceUser, str], None]


def delete_in_sf(sap: SapUser, sf: SalesforceUser, account_id: str) -> None:
    sf.delete(account_id)


def delete_in_sap(sap: SapUser, sf: SalesforceUser, account_id: str) -> None:
    sap.delete(NUMBER)


def delete_in_sf_edit_in_sap(sap: SapUser, sf: SalesforceUser, account_id: str) -> None:
    sf.delete(account_id)
    sap.update(NUMBER, BusinessPartnerFullName=SAP_NAME)


def delete_in_sap_edit_in_sf(sap: SapUser, sf: SalesforceUser, account_id: str) -> None:
    sap.delete(NUMBER)
    sf.update(account_id, Phone=SF_PHONE)


def delete_in_both(sap: SapUser, sf: SalesforceUser, account_id: str) -> None:
    sf.delete(account_id)
    sap.delete(NUMBER)


@dataclass(frozen=True)
class Case:
    policy: str
    change: Change
    sap: str  # what SAP holds afterwards: gone, active or blocked
    salesforce: str

    @property
    def id(self) -> str:
        return f"{self.policy}-{self.change.__name__}"


CASES = [
    Case("propagate", delete_in_sf, GONE, GONE),
    Case("propagate", delete_in_sap, GONE, GONE),
    Case("propagate", delete_in_sf_edit_in_sap, ACTIVE, GONE),  # the edit outweighs
    Case("propagate", delete_in_sap_edit_in_sf, GONE, ACTIVE),  # the edit outweighs
    Case("propagate", delete_in_both, GONE, GONE),
    Case("deactivate", delete_in_sf, BLOCKED, GONE),
    Case("deactivate", delete_in_sap, GONE, BLOCKED),
    Case("deactivate", delete_in_sf_edit_in_sap, BLOCKED, GONE),
    Case("deactivate", delete_in_sap_edit_in_sf, GONE, BLOCKED),
    Case("deactivate", delete_in_both, GONE, GONE),
    Case("ignore", delete_in_sf, ACTIVE, GONE),
    Case("ignore", delete_in_sap, GONE, ACTIVE),
    Case("ignore", delete_in_sf_edit_in_sap, ACTIVE, GONE),
    Case("ignore", delete_in_sap_edit_in_sf, GONE, ACTIVE),
    Case("ignore", delete_in_both, GONE, GONE),
]


def sap_state(sap: SapUser) -> tuple[str, dict[str, Any] | None]:
    found = [p for p in sap.partners() if p["BusinessPartner"].lstrip("0") == NUMBER]
    if not found:
        return GONE, None
    return (BLOCKED if found[0]["BusinessPartnerIsBlocked"] else ACTIVE), found[0]


def sf_state(sf: SalesforceUser) -> tuple[str, dict[str, Any] | None]:
    found = [a for a in sf.accounts()
             if str(a["ERP_Customer_Number__c"] or "").lstrip("0") == NUMBER]
    if not found:
        return GONE, None
    return (BLOCKED if found[0]["ERP_Blocked__c"] else ACTIVE), found[0]


def sync(mapping: Path) -> None:
    run_customers(mapping)
    reconcile_customers(mapping)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_delete_policy_by_kind_of_delete(erpsync_env: Sandboxes, tmp_path: Path,
                                         case: Case) -> None:
    mapping = variant(tmp_path, ("deletes: deactivate", f"deletes: {case.policy}"))
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers(mapping)
    case.change(sap, sf, sf.account_by_number(NUMBER)["Id"])

    sync(mapping)

    (sap_now, partner), (sf_now, account) = sap_state(sap), sf_state(sf)
    assert (sap_now, sf_now) == (case.sap, case.salesforce)
    if case.change is delete_in_sf_edit_in_sap and partner is not None:
        assert partner["BusinessPartnerFullName"] == SAP_NAME, "the edit is kept"
    if case.change is delete_in_sap_edit_in_sf and account is not None:
        assert account["Phone"] == SF_PHONE, "the edit is kept"
    erpsync_env.clear_logs()
    sync(mapping)
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == [], "zero writes"
    assert (sap_state(sap)[0], sf_state(sf)[0]) == (case.sap, case.salesforce), \
        "nothing deleted comes back"
