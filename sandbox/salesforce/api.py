"""The data API under ``/services/data/vNN.N/``: describes, records, queries, collections.

Any version is accepted and echoed back in URLs (``attributes.url``, ``nextRecordsUrl``).
Single-record resources report record-level failures as HTTP 400 with
``[{"message", "errorCode", "fields"}]``; a missing or malformed record ID is 404 ``NOT_FOUND``
and a deleted one 404 ``ENTITY_IS_DELETED``.
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_retrieve.htm
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_upsert_patch.htm
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sandbox.salesforce import composite, query, records, replication
from sandbox.salesforce.bulk import routes as bulk_routes
from sandbox.salesforce.catalog import find_object
from sandbox.salesforce.describe import describe_global, describe_object, object_summary
from sandbox.salesforce.errors import ApiError, RecordError, message
from sandbox.salesforce.execute import matching_ids
from sandbox.salesforce.paging import LOCATOR, Cursor, batch_size, page
from sandbox.salesforce.paths import FieldPath, plain, record_json
from sandbox.salesforce.routing import Reply, Request, Route, dispatch, route
from sandbox.salesforce.schema import FieldSpec, Json, ObjectSpec
from sandbox.salesforce.state import Sandbox
from sandbox.salesforce.subqueries import render_rows
from sandbox.salesforce.validation import parse_fields

VERSIONS = ("58.0", "59.0", "60.0", "61.0", "62.0", "63.0", "64.0")
T = TypeVar("T")
_NOT_FOUND_CODES = frozenset({"MALFORMED_ID", "INVALID_CROSS_REFERENCE_KEY"})


def handle(app: Sandbox, req: Request, version: str, rest: str) -> Reply:
    req.args = {"version": version}
    return dispatch(ROUTES, app, req, rest.rstrip("/"))


def versions(app: Sandbox, req: Request) -> Reply:
    return Reply(200, [{"label": f"v{v}", "url": f"/services/data/v{v}", "version": v}
                       for v in VERSIONS])


def _version(req: Request) -> str:
    return req.args.get("version", "62.0")


def _object(req: Request) -> ObjectSpec:
    obj = find_object(req.args["sobject"])
    if obj is None:
        raise ApiError(404, "NOT_FOUND")
    return obj


def _user(req: Request) -> str:
    assert req.session is not None  # the server authenticates data calls first
    return req.session.user.id


def resources(app: Sandbox, req: Request) -> Reply:
    base = f"/services/data/v{_version(req)}"
    names = ("sobjects", "query", "queryAll", "composite", "limits", "jobs")
    return Reply(200, {name: f"{base}/{name}" for name in names})


def global_describe(app: Sandbox, req: Request) -> Reply:
    return Reply(200, describe_global(_version(req)))


def sobject_describe(app: Sandbox, req: Request) -> Reply:
    return Reply(200, describe_object(_object(req), _version(req)))


def sobject_info(app: Sandbox, req: Request) -> Reply:
    obj = _object(req)
    return Reply(200, {"objectDescribe": object_summary(obj, _version(req)), "recentItems": []})


def create_record(app: Sandbox, req: Request) -> Reply:
    obj = _object(req)
    values = parse_fields(obj, req.json())
    with app.store.savepoint():
        record_id = _as_reply_error(lambda: records.create(app.writer(_user(req)), obj, values))
    return Reply(201, {"id": record_id, "success": True, "errors": []})


def _as_reply_error(action: Callable[[], T]) -> T:
    """Run a record write for a single-record resource, mapping RecordError to HTTP errors."""
    try:
        return action()
    except RecordError as exc:
        if exc.code in _NOT_FOUND_CODES and exc.fields == ["Id"]:
            raise ApiError(404, "NOT_FOUND") from None
        status = 404 if exc.code == "ENTITY_IS_DELETED" else 400
        raise exc.as_api_error(status) from None


def get_record(app: Sandbox, req: Request) -> Reply:
    obj = _object(req)
    ctx = app.writer(_user(req))
    data = _as_reply_error(lambda: records.load_live(ctx, obj, req.args["id"]))
    return Reply(200, record_json(obj, _selected_fields(obj, req), data, _version(req)))


def _selected_fields(obj: ObjectSpec, req: Request) -> list[FieldPath]:
    names = [n.strip() for n in req.params.get("fields", "").split(",") if n.strip()]
    if not names:
        return [plain(spec) for spec in obj.fields]
    specs = [obj.field(name) for name in names]
    unknown = [n for n, s in zip(names, specs, strict=True) if s is None]
    if unknown:
        raise ApiError(400, "INVALID_FIELD",
                       message("INVALID_FIELD", field=unknown[0], object=obj.name))
    return [plain(s) for s in specs if s is not None]


def update_record(app: Sandbox, req: Request) -> Reply:
    obj = _object(req)
    values = parse_fields(obj, req.json())
    ctx = app.writer(_user(req))
    with app.store.savepoint():
        _as_reply_error(lambda: records.update(ctx, obj, req.args["id"], values))
    return Reply(204, empty=True)


def delete_record(app: Sandbox, req: Request) -> Reply:
    obj = _object(req)
    ctx = app.writer(_user(req))
    with app.store.savepoint():
        _as_reply_error(lambda: records.delete(ctx, obj, req.args["id"]))
    return Reply(204, empty=True)


def _external_key(obj: ObjectSpec, req: Request) -> FieldSpec:
    """An External ID or, on standard objects, another idLookup field (Contact/Email)."""
    spec = obj.upsert_key(req.args["field"])
    if spec is None or spec.name == "Id":
        raise ApiError(404, "NOT_FOUND", "Provided external ID field does not exist or is not "
                       f"accessible: {req.args['field']}")
    return spec


def _several(obj: ObjectSpec, matches: list[str], version: str) -> Reply:
    """HTTP 300 Multiple Choices: the URLs of every record with that External ID value."""
    return Reply(300, [f"/services/data/v{version}/sobjects/{obj.name}/{i}" for i in matches])


def get_by_external_id(app: Sandbox, req: Request) -> Reply:
    obj = _object(req)
    key = _external_key(obj, req)
    matches = app.store.find(obj.name, key.name, req.args["value"])
    if len(matches) > 1:
        return _several(obj, matches, _version(req))
    stored = app.store.get(obj.name, matches[0]) if matches else None
    if stored is None:
        raise ApiError(404, "NOT_FOUND")
    return Reply(200, record_json(obj, _selected_fields(obj, req), stored.data, _version(req)))


def upsert_by_external_id(app: Sandbox, req: Request) -> Reply:
    obj = _object(req)
    key = _external_key(obj, req)
    values = {**parse_fields(obj, req.json()), key.name: req.args["value"]}
    matches = app.store.find(obj.name, key.name, req.args["value"])
    if len(matches) > 1:
        return _several(obj, matches, _version(req))
    ctx = app.writer(_user(req))
    with app.store.savepoint():
        record_id, created = _as_reply_error(lambda: records.upsert(ctx, obj, key, values))
    body = {"id": record_id, "success": True, "errors": [], "created": created}
    return Reply(201 if created else 200, body)


def run_query(app: Sandbox, req: Request) -> Reply:
    text = req.params.get("q")
    if not text:
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    bound = query.compile_query(text, app.clock.now())
    include_deleted = req.args["endpoint"] == "queryAll"
    found = matching_ids(app.store, bound, include_deleted=include_deleted)
    if bound.count_only:
        return Reply(200, {"totalSize": len(found), "done": True, "records": []})
    cursor = Cursor(bound.obj, bound.columns, found, req.args["endpoint"],
                    batch_size(req.header("Sforce-Query-Options")))
    return Reply(200, page(app.cursors, cursor, cursor_id=None, start=0, version=_version(req),
                           render=_renderer(app, _version(req))))


def query_more(app: Sandbox, req: Request) -> Reply:
    match = LOCATOR.fullmatch(req.args["locator"])
    cursor = app.cursors.get(match.group("cursor")) if match else None
    if match is None or cursor is None:
        raise ApiError(400, "INVALID_QUERY_LOCATOR")
    start = int(match.group("position"))
    return Reply(200, page(app.cursors, cursor, cursor_id=match.group("cursor"), start=start,
                           version=_version(req), render=_renderer(app, _version(req))))


def _renderer(app: Sandbox, version: str) -> Callable[[Cursor, list[str]], list[Json]]:
    """Turns a page of IDs into JSON records, parents and children fetched once per
    relationship."""
    def render(cursor: Cursor, chunk: list[str]) -> list[Json]:
        found = app.store.rows_by_id(cursor.obj.name, chunk)
        rows = [found[i] for i in chunk if i in found]
        return render_rows(app.store, cursor.obj, cursor.columns, rows, version,
                           include_deleted=cursor.endpoint == "queryAll")

    return render


def get_deleted(app: Sandbox, req: Request) -> Reply:
    return Reply(200, replication.deleted(app.store, _object(req), req.params, app.clock.now()))


def get_updated(app: Sandbox, req: Request) -> Reply:
    return Reply(200, replication.updated(app.store, _object(req), req.params, app.clock.now()))


def limits(app: Sandbox, req: Request) -> Reply:
    query_jobs = len(app.jobs.listing("query"))
    return Reply(200, app.usage.limits_body(query_jobs))


def record_count(app: Sandbox, req: Request) -> Reply:
    names = [n for n in req.params.get("sObjects", "").split(",") if n]
    objs = [o for o in (find_object(n) for n in names) if o is not None]
    counts = [{"count": app.store.count(o.name), "name": o.name} for o in objs]
    return Reply(200, {"sObjects": [c for c in counts if c["count"]]})


_OBJ = r"/sobjects/(?P<sobject>\w+)"
ROUTES: list[Route] = [
    route("GET", r"", resources),
    route("GET", r"/sobjects", global_describe),
    route("GET", _OBJ, sobject_info),
    route("POST", _OBJ, create_record),
    route("GET", _OBJ + r"/describe", sobject_describe),
    route("GET", _OBJ + r"/deleted", get_deleted),
    route("GET", _OBJ + r"/updated", get_updated),
    route("GET", _OBJ + r"/(?P<id>[^/]+)", get_record),
    route("PATCH", _OBJ + r"/(?P<id>[^/]+)", update_record),
    route("DELETE", _OBJ + r"/(?P<id>[^/]+)", delete_record),
    route("GET", _OBJ + r"/(?P<field>\w+)/(?P<value>[^/]+)", get_by_external_id),
    route("PATCH", _OBJ + r"/(?P<field>\w+)/(?P<value>[^/]+)", upsert_by_external_id),
    route("GET", r"/(?P<endpoint>query|queryAll)", run_query),
    route("GET", r"/(?P<endpoint>query|queryAll)/(?P<locator>[^/]+)", query_more),
    route("POST", r"/composite/sobjects", composite.create_records),
    route("PATCH", r"/composite/sobjects", composite.update_records),
    route("DELETE", r"/composite/sobjects", composite.delete_records),
    route("PATCH", r"/composite/sobjects/(?P<sobject>\w+)/(?P<field>\w+)",
          composite.upsert_records),
    route("GET", r"/limits", limits),
    route("GET", r"/limits/recordCount", record_count),
    *bulk_routes.ROUTES,
]
