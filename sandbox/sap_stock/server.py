"""The HTTP side of the stock stand-in: Gateway conventions around the resources.

- ``sap-client`` is checked against the configured client (400 for another, as Gateway
  answers a client that does not exist); HTTP basic authentication when ``--auth`` is set
  (401 with a NetWeaver realm otherwise).
- ``GET`` with ``X-CSRF-Token: Fetch`` answers a token and a session cookie, as every SAP
  Gateway service does; the service is read-only, so no modifying request is accepted:
  ``POST``, ``PUT``, ``PATCH``, ``MERGE`` and ``DELETE`` on a resource answer 405 and
  ``$batch`` answers 501 (not implemented here).
- The control plane (not SAP's; under ``/_stock/``): ``GET health``, ``POST reset`` (seed
  stock again), ``POST levels`` (set one stock row; a null quantity removes it), ``GET`` and
  ``DELETE requests`` (what was served).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from sandbox.sap_stock.errors import ODataError
from sandbox.sap_stock.model import metadata_document
from sandbox.sap_stock.resources import SERVICE_PATH, next_link, query, render, resolve
from sandbox.sap_stock.store import StockStore

SYSTEM = "STK"
_MODIFYING = {"POST", "PUT", "PATCH", "MERGE", "DELETE"}


@dataclass(frozen=True)
class Config:
    port: int
    host: str = "127.0.0.1"
    client: str = "100"
    auth: str | None = None
    """``USER:PASSWORD`` for HTTP basic authentication; open when ``None``."""
    page_cap: int = 1000
    """Most entries in one answer; the rest is linked with ``__next``."""
    quiet: bool = False


@dataclass
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class StockServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, config: Config) -> None:
        super().__init__((config.host, config.port), Handler)
        self.config = config
        self.store = StockStore()
        self.log_lock = threading.Lock()
        self.served: list[dict[str, Any]] = []


class Handler(BaseHTTPRequestHandler):
    server: StockServer
    server_version = "SAP NetWeaver Application Server (erpsync stock stand-in)"

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_MERGE(self) -> None:
        self._handle("MERGE")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.config.quiet:
            super().log_message(format, *args)

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        path, options = unquote(parts.path), dict(parse_qsl(parts.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            answer = self._route(method, path, options, body)
        except ODataError as error:
            answer = Answer(error.status, error.body(), headers=error.headers)
        if not path.startswith("/_stock"):
            self._log(method, path, parts.query, answer.status)
        self._send(answer, head_only=method == "HEAD")

    def _route(self, method: str, path: str, options: dict[str, str], body: bytes) -> Answer:
        if path.startswith("/_stock/"):
            return control(self.server, method, path.removeprefix("/_stock/"), body)
        if not path.startswith(SERVICE_PATH):
            raise ODataError(404, f"Resource not found for segment '{path.strip('/')}'")
        self._check_auth()
        client = options.pop("sap-client", self.server.config.client)
        if client != self.server.config.client:
            raise ODataError(400, f"Client {client} is not available in this system",
                             code="/IWFND/CM_CONSUMER/101")
        resource = path.removeprefix(SERVICE_PATH).strip("/")
        if method in _MODIFYING:
            raise _read_only(method, resource)
        answer = self._read(resource, options)
        if self.headers.get("X-CSRF-Token", "").lower() == "fetch":
            answer.headers["x-csrf-token"] = secrets.token_urlsafe(18)
            answer.headers["Set-Cookie"] = (f"SAP_SESSIONID_{SYSTEM}_{client}="
                                            f"{secrets.token_hex(12)}; path=/")
        return answer

    def _check_auth(self) -> None:
        expected = self.server.config.auth
        if expected is None:
            return
        supplied = self.headers.get("Authorization", "")
        if supplied.startswith("Basic "):
            try:
                if base64.b64decode(supplied[6:]).decode("utf-8") == expected:
                    return
            except (ValueError, UnicodeDecodeError):
                pass
        server_name = f"[{SYSTEM}/{self.server.config.client}]"
        realm = f'Basic realm="SAP NetWeaver Application Server {server_name}"'
        raise ODataError(401, "Logon failed", headers={"WWW-Authenticate": realm})

    def _read(self, resource: str, options: dict[str, str]) -> Answer:
        if resource == "":
            return Answer(200, _service_document(), "application/xml")
        if resource == "$metadata":
            return Answer(200, metadata_document(), "application/xml")
        if resource == "$batch":
            raise ODataError(501, "$batch is not implemented by this stand-in")
        stock = self.server.store.rows()
        target = resolve(resource, stock)
        base = f"http://{self.headers.get('Host') or self.server.config.host}"
        if target.single:
            if not target.rows:
                raise ODataError(404, f"Resource not found for segment '{resource}'")
            entry = render(base, target.entity, target.rows[0], options, stock)
            return _json({"d": entry})
        page = query(target, options, self.server.config.page_cap)
        results: dict[str, Any] = {
            "results": [render(base, target.entity, r, options, stock) for r in page.rows]}
        if options.get("$inlinecount") == "allpages":
            results["__count"] = str(page.count)
        if page.next_token is not None:
            results["__next"] = next_link(base, resource, options, page.next_token)
        return _json({"d": results})

    def _log(self, method: str, path: str, query_text: str, status: int) -> None:
        with self.server.log_lock:
            self.server.served.append({"method": method, "path": path, "query": query_text,
                                       "status": status})

    def _send(self, answer: Answer, *, head_only: bool) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("DataServiceVersion", "2.0")
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head_only:
            self.wfile.write(answer.body)


def _read_only(method: str, resource: str) -> ODataError:
    if resource.strip("/") == "$batch":
        return ODataError(501, "$batch is not implemented by this stand-in")
    return ODataError(405, f"{method} is not allowed: {resource or 'the service'} is read-only "
                           "(API_MATERIAL_STOCK_SRV reads stock; stock moves by goods movements)",
                      headers={"Allow": "GET, HEAD"})


def _json(payload: Any) -> Answer:
    return Answer(200, json.dumps(payload).encode("utf-8"), "application/json;charset=utf-8")


def _service_document() -> bytes:
    collections = "".join(
        f'<app:collection href="{name}"><atom:title>{name}</atom:title></app:collection>'
        for name in ("A_MaterialStock", "A_MatlStkInAcctMod"))
    return ('<?xml version="1.0" encoding="utf-8"?><app:service '
            'xmlns:app="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom">'
            f"<app:workspace><atom:title>Data</atom:title>{collections}</app:workspace>"
            "</app:service>").encode()


def control(server: StockServer, method: str, action: str, body: bytes) -> Answer:
    """The stand-in's own control plane (see the module docstring)."""
    if (method, action) == ("GET", "health"):
        return _json({"status": "UP", "service": "API_MATERIAL_STOCK_SRV"})
    if (method, action) == ("POST", "reset"):
        server.store.reset()
        with server.log_lock:
            server.served.clear()
        return _json({"rows": len(server.store.rows())})
    if (method, action) == ("POST", "levels"):
        try:
            row = server.store.set_level(json.loads(body or b"{}"))
        except (ValueError, ArithmeticError) as exc:
            raise ODataError(400, str(exc)) from None
        return _json({k: str(v) for k, v in row.items()})
    if action == "requests" and method in {"GET", "DELETE"}:
        with server.log_lock:
            served = list(server.served)
            if method == "DELETE":
                server.served.clear()
        return _json(served)
    raise ODataError(404, f"no control endpoint {method} /_stock/{action}")


def serve(config: Config) -> None:
    server = StockServer(config)
    try:
        server.serve_forever()
    finally:
        server.server_close()
