"""The control plane under ``/_sandbox/`` (no auth, not logged, not counted as API usage).

* ``GET /_sandbox/health`` -> ``{"status": "ok", "now": <clock>}``
* ``POST /_sandbox/reset`` ``{"demo_data": bool}`` -> ``{"reset": true, "demo_ids": [...]}``
  (drops records, the request log, query cursors and faults; sessions stay valid)
* ``POST /_sandbox/seed`` ``{"Account": [{field: value}, ...]}`` -> ``{"Account": [ids]}``;
  records are created by the admin user with full validation, may set audit fields
  (CreatedDate, CreatedById, LastModifiedDate, LastModifiedById) and are all-or-none:
  400 ``{"error": ..., "object": ..., "index": i, "errors": [...]}`` on the first bad one.
* ``GET|DELETE /_sandbox/requests`` -> the log list / ``{"cleared": n}``
* ``GET|POST|DELETE /_sandbox/faults`` -> ``{"record_errors": {...}, "http_503_next": n}``
* ``POST /_sandbox/expire-sessions`` -> ``{"expired": n}``
* ``GET|POST /_sandbox/clock`` ``{"advance_seconds": n}`` or ``{"to": iso}`` -> ``{"now": iso}``
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce import records
from sandbox.salesforce.clock import format_iso_z, parse_datetime
from sandbox.salesforce.demo import load_demo_data
from sandbox.salesforce.errors import ApiError, RecordError
from sandbox.salesforce.org import ADMIN_USER
from sandbox.salesforce.routing import Reply, Request, Route, dispatch, route
from sandbox.salesforce.schema import find_object
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


def health(app: Sandbox, req: Request) -> Reply:
    return Reply(200, {"status": "ok", "now": format_iso_z(app.clock.now())})


def reset(app: Sandbox, req: Request) -> Reply:
    body = _body(req)
    app.store.clear()
    app.clear_requests()
    app.cursors.clear()
    app.faults.clear()
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
    if not isinstance(record_errors, dict):
        raise ControlError("record_errors must be an object {key: STATUS_CODE}")
    try:
        app.faults.add(record_errors, body.get("http_503_next"))
    except ValueError as exc:
        raise ControlError(str(exc)) from None
    return Reply(200, app.faults.snapshot())


def clear_faults(app: Sandbox, req: Request) -> Reply:
    app.faults.clear()
    return Reply(200, app.faults.snapshot())


def expire_sessions(app: Sandbox, req: Request) -> Reply:
    return Reply(200, {"expired": app.sessions.expire_all()})


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
    route("GET", r"/clock", get_clock),
    route("POST", r"/clock", set_clock),
]
