"""The control plane under ``/_sandbox/`` (no auth, not logged, not counted as API usage).

Every endpoint takes and returns JSON. Errors are HTTP 400 ``{"error": "<what is wrong>"}``
(plus details where said). Times are ISO 8601 UTC (``2026-10-01T08:00:00.000Z``).

Org state
* ``GET /_sandbox/health`` -> ``{"status": "ok", "now": <clock>}``
* ``POST /_sandbox/reset`` ``{"demo_data": false}`` -> ``{"reset": true, "demo_ids": [...]}``.
  Drops every record and Bulk job, the request log, query cursors and faults, resets API
  usage to 0 and recreates the Standard Price Book (``IsStandard = true``); with
  ``demo_data: true`` loads the 5 demo accounts. Sessions stay valid.
* ``POST /_sandbox/seed`` ``{"<Object>": [{field: value, ...}, ...], ...}`` ->
  ``{"<Object>": [ids in order], ...}``. Objects are processed in the body's order, so a
  later object may reference an earlier one by ID or by External ID
  (``"Account": {"ERP_Customer_Number__c": "0001000001"}``). Records are created by the
  admin user with full validation and may set the audit fields (CreatedDate, CreatedById,
  LastModifiedDate, LastModifiedById). All or none: the first bad record answers
  400 ``{"error": "record rejected", "object": ..., "index": i, "errors": [{statusCode,
  message, fields}]}`` and nothing is kept. No API usage is counted.
* ``GET /_sandbox/requests`` -> ``[{"method", "path", "query", "status", "at"}, ...]`` for
  every token and data request, oldest first (a dropped connection adds ``"dropped": true``;
  its status is what processing returned, 0 when dropped before processing).
  ``DELETE /_sandbox/requests`` -> ``{"cleared": n}``.
* ``GET /_sandbox/clock`` -> ``{"now": iso}``; ``POST /_sandbox/clock``
  ``{"advance_seconds": 3600}`` or ``{"to": "2026-10-01T09:00:00Z"}`` -> ``{"now": iso}``.
  The clock keeps ticking from there; it drives every timestamp, token expiry, the 24-hour
  API window and the 15-day recycle bin.

Limits and sessions
* ``GET /_sandbox/limits`` -> ``{"used": n, "max": m}``; ``POST /_sandbox/limits``
  ``{"used": n, "max": m}`` (either key optional) sets the rolling 24-hour usage and the
  daily limit. ``{"used": m}`` with ``m`` = max exhausts the allowance: every data call then
  answers 403 ``[{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": ...}]``.
* ``POST /_sandbox/expire-sessions`` -> ``{"expired": n}``: every issued token now answers
  401 ``INVALID_SESSION_ID``.
* ``POST /_sandbox/config`` ``{"token_ttl": seconds}`` -> ``{"token_ttl": seconds}``: the
  lifetime of tokens issued from now on (sandbox clock); start-up default ``--token-ttl``.

Faults (each fires once per armed count, then disarms)
* ``POST /_sandbox/faults`` with any of:
  - ``"record_errors": {"<Id or External ID value>": "<STATUS_CODE>"}``: the next write of
    that record (REST, Collections or Bulk) fails with that code, e.g.
    ``UNABLE_TO_LOCK_ROW``, ``DUPLICATE_VALUE``, ``FIELD_CUSTOM_VALIDATION_EXCEPTION``;
  - ``"bursts": [{"kind": "503" | "latency" | "drop", "count": 1, "skip": 0,
    "method": "PATCH" | null, "path_contains": "/services/data/", "latency_ms": 0,
    "phase": "before" | "after"}]``: the next ``count`` requests whose path contains
    ``path_contains`` (and with that method, if given), after ``skip`` matching ones went
    through, answer 503 ``SERVER_UNAVAILABLE``, wait ``latency_ms`` first, or have their
    connection closed without a response - ``phase: "before"`` the request is not
    processed, ``"after"`` it is processed and committed and only the response is lost;
  - ``"http_503_next": n``: shorthand for a 503 burst of n data calls.
  -> the armed faults: ``{"record_errors": {...}, "http_503_next": n, "bursts": [...]}``.
  ``GET`` shows them, ``DELETE`` disarms all.

Bulk API 2.0
* ``POST /_sandbox/bulk`` ``{"paused": true|false}`` -> ``{"paused": bool, "waiting": n}``:
  pause the worker that processes jobs (jobs stay ``UploadComplete`` / ``InProgress``), or
  resume it. ``GET /_sandbox/bulk`` shows the same.
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce import records
from sandbox.salesforce.catalog import find_object
from sandbox.salesforce.clock import format_iso_z, parse_datetime
from sandbox.salesforce.demo import load_demo_data
from sandbox.salesforce.errors import ApiError, RecordError
from sandbox.salesforce.org import ADMIN_USER
from sandbox.salesforce.routing import Reply, Request, Route, dispatch, route
from sandbox.salesforce.state import Sandbox
from sandbox.salesforce.validation import parse_fields


class ControlError(Exception):
    def __init__(self, text: str, **extra: Any) -> None:
        super().__init__(text)
        self.body = {"error": text, **extra}


def handle(app: Sandbox, req: Request, path: str) -> Reply:
    try:
        return dispatch(ROUTES, app, req, path.rstrip("/"))
    except ControlError as exc:
        return Reply(400, exc.body)
    except ApiError as exc:
        return Reply(exc.status, {"error": exc.text, "errorCode": exc.code})


def _body(req: Request) -> dict[str, Any]:
    body = req.json() if req.body.strip() else {}
    if not isinstance(body, dict):
        raise ControlError("expected a JSON object")
    return body


def _count(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ControlError(f"{key} must be a non-negative integer")
    return value


def health(app: Sandbox, req: Request) -> Reply:
    return Reply(200, {"status": "ok", "now": format_iso_z(app.clock.now())})


def reset(app: Sandbox, req: Request) -> Reply:
    body = _body(req)
    app.store.clear()
    app.jobs.clear()
    app.clear_requests()
    app.cursors.clear()
    app.faults.clear()
    app.usage.set(used=0)
    app.ensure_org()
    demo_ids = load_demo_data(app) if body.get("demo_data") else []
    return Reply(200, {"reset": True, "demo_ids": demo_ids})


def seed(app: Sandbox, req: Request) -> Reply:
    body = _body(req)
    ctx = app.writer(ADMIN_USER.id)
    created: dict[str, list[str]] = {}
    with app.store.savepoint():
        for name, rows in body.items():
            obj = find_object(name)
            if obj is None or not isinstance(rows, list):
                raise ControlError(f"unknown object or not a list: {name}")
            created[obj.name] = []
            for index, row in enumerate(rows):
                try:
                    created[obj.name].append(
                        records.create(ctx, obj, parse_fields(obj, row), audit=True))
                except RecordError as exc:
                    raise ControlError("record rejected", object=obj.name, index=index,
                                       errors=[exc.entry()]) from None
    return Reply(200, created)


def list_requests(app: Sandbox, req: Request) -> Reply:
    return Reply(200, app.requests())


def clear_requests(app: Sandbox, req: Request) -> Reply:
    return Reply(200, {"cleared": app.clear_requests()})


def get_faults(app: Sandbox, req: Request) -> Reply:
    return Reply(200, app.faults.snapshot())


def add_faults(app: Sandbox, req: Request) -> Reply:
    body = _body(req)
    record_errors = body.get("record_errors", {})
    bursts = body.get("bursts", [])
    if not isinstance(record_errors, dict) or not isinstance(bursts, list):
        raise ControlError("record_errors must be {key: STATUS_CODE}, bursts a list")
    try:
        app.faults.add(record_errors, body.get("http_503_next"), bursts)
    except ValueError as exc:
        raise ControlError(str(exc)) from None
    return Reply(200, app.faults.snapshot())


def clear_faults(app: Sandbox, req: Request) -> Reply:
    app.faults.clear()
    return Reply(200, app.faults.snapshot())


def expire_sessions(app: Sandbox, req: Request) -> Reply:
    return Reply(200, {"expired": app.sessions.expire_all()})


def set_config(app: Sandbox, req: Request) -> Reply:
    ttl = _count(_body(req), "token_ttl")
    if ttl is None:
        raise ControlError("give token_ttl (seconds)")
    app.sessions.set_ttl(ttl)
    return Reply(200, {"token_ttl": ttl})


def get_limits(app: Sandbox, req: Request) -> Reply:
    return Reply(200, {"used": app.usage.used(), "max": app.usage.limit})


def set_limits(app: Sandbox, req: Request) -> Reply:
    body = _body(req)
    app.usage.set(used=_count(body, "used"), limit=_count(body, "max"))
    return get_limits(app, req)


def bulk_state(app: Sandbox, req: Request) -> Reply:
    if req.method == "POST":
        paused = _body(req).get("paused")
        if not isinstance(paused, bool):
            raise ControlError("give paused: true or false")
        app.bulk_paused = paused
        app.work_ready.set()
    waiting = sum(1 for kind in ("ingest", "query") for job in app.jobs.listing(kind)
                  if job["state"] in ("UploadComplete", "InProgress"))
    return Reply(200, {"paused": app.bulk_paused, "waiting": waiting})


def get_clock(app: Sandbox, req: Request) -> Reply:
    return Reply(200, {"now": format_iso_z(app.clock.now())})


def set_clock(app: Sandbox, req: Request) -> Reply:
    body = _body(req)
    if "advance_seconds" in body:
        seconds = body["advance_seconds"]
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            raise ControlError("advance_seconds must be a number")
        now = app.clock.advance(float(seconds))
    elif "to" in body:
        moment = parse_datetime(str(body["to"]))
        if moment is None:
            raise ControlError("to must be an ISO 8601 datetime, e.g. 2026-10-01T09:00:00Z")
        now = app.clock.set(moment)
    else:
        raise ControlError("give advance_seconds or to")
    return Reply(200, {"now": format_iso_z(now)})


ROUTES: list[Route] = [
    route("GET", r"/health", health),
    route("POST", r"/reset", reset),
    route("POST", r"/seed", seed),
    route("GET", r"/requests", list_requests),
    route("DELETE", r"/requests", clear_requests),
    route("GET", r"/faults", get_faults),
    route("POST", r"/faults", add_faults),
    route("DELETE", r"/faults", clear_faults),
    route("POST", r"/expire-sessions", expire_sessions),
    route("POST", r"/config", set_config),
    route("GET", r"/limits", get_limits),
    route("POST", r"/limits", set_limits),
    route("GET", r"/bulk", bulk_state),
    route("POST", r"/bulk", bulk_state),
    route("GET", r"/clock", get_clock),
    route("POST", r"/clock", set_clock),
]
