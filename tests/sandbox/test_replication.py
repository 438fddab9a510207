"""getUpdated / getDeleted windows and the 15-day recycle bin, on the sandbox clock."""

from __future__ import annotations

import requests

from sandbox.process import ChildServer
from tests.sandbox.support import Api, control, get_token, seed


def _window(api: Api, kind: str, start: str, end: str) -> requests.Response:
    return api.call("GET", f"/sobjects/Account/{kind}/", params={"start": start, "end": end})


def test_updated_and_deleted_windows(server: ChildServer, http: requests.Session,
                                     api: Api) -> None:
    keep, drop = seed(server, http, [{"Name": "Keep"}, {"Name": "Drop"}])
    control(server, http, "POST", "clock", {"advance_seconds": 600})
    api.call("PATCH", f"/sobjects/Account/{keep}", json={"Phone": "1"})
    api.call("DELETE", f"/sobjects/Account/{drop}")
    updated = _window(api, "updated", "2026-10-01T08:05:00Z", "2026-10-02T00:00:00Z").json()
    assert updated["ids"] == [keep]
    assert updated["latestDateCovered"] == "2026-10-01T08:10:00.000+0000"  # now, to the minute
    deleted = _window(api, "deleted", "2026-10-01T08:00:00+00:00", "2026-10-01T09:00:00Z").json()
    assert [d["id"] for d in deleted["deletedRecords"]] == [drop]
    assert deleted["deletedRecords"][0]["deletedDate"].startswith("2026-10-01T08:10")
    assert deleted["earliestDateAvailable"].startswith("2026-10-01T08:00")
    too_old = _window(api, "deleted", "2026-09-15T00:00:00Z", "2026-10-01T09:00:00Z")
    assert (too_old.status_code, too_old.json()[0]["errorCode"]) == (400,
                                                                     "INVALID_REPLICATION_DATE")
    updated_ok = _window(api, "updated", "2026-09-15T00:00:00Z", "2026-10-01T09:00:00Z")
    assert updated_ok.status_code == 200  # 30 days for getUpdated
    beyond = _window(api, "updated", "2026-08-31T00:00:00Z", "2026-10-01T09:00:00Z")
    assert beyond.status_code == 400
    backwards = _window(api, "updated", "2026-10-01T09:00:00Z", "2026-10-01T08:00:00Z")
    assert backwards.status_code == 400


def test_recycle_bin_is_purged_after_15_days(server: ChildServer, http: requests.Session,
                                             api: Api) -> None:
    gone, kept = seed(server, http, [{"Name": "Gone"}, {"Name": "Kept"}])
    api.call("DELETE", f"/sobjects/Account/{gone}")
    control(server, http, "POST", "clock", {"advance_seconds": 14 * 86400})
    api = Api(server, http, get_token(server, http))  # the old token expired meanwhile
    api.call("DELETE", f"/sobjects/Account/{kept}")
    deleted = api.query("SELECT Id FROM Account WHERE IsDeleted = true", endpoint="queryAll")
    assert {r["Id"] for r in deleted["records"]} == {gone, kept}
    control(server, http, "POST", "clock", {"advance_seconds": 2 * 86400})
    api = Api(server, http, get_token(server, http))
    after = api.query("SELECT Id FROM Account WHERE IsDeleted = true", endpoint="queryAll")
    assert [r["Id"] for r in after["records"]] == [kept]
    window = _window(api, "deleted", "2026-10-15T00:00:00Z", "2026-10-17T09:00:00Z").json()
    assert window["earliestDateAvailable"].startswith("2026-10-01T08:00")
    assert [d["id"] for d in window["deletedRecords"]] == [kept]
