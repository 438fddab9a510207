"""HTTPS plumbing and top-level routing: control plane, token endpoint, data API.

One process, ``ThreadingHTTPServer`` over TLS on 127.0.0.1; requests are served one at a
time under the sandbox lock, which keeps every call transactional without further care.
Every response carries ``Sforce-Limit-Info: api-usage=n/15000``.
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
"""

from __future__ import annotations

import json
import re
import signal
import ssl
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.salesforce import api, control
from sandbox.salesforce.auth import AuthFailure, token_response
from sandbox.salesforce.certs import ensure_certs
from sandbox.salesforce.demo import load_demo_data
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.routing import Reply, Request
from sandbox.salesforce.state import Config, Sandbox

CONTROL_PREFIX = "/_sandbox"
TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 - a URL path, not a secret
_DATA = re.compile(r"/services/data(?:/v(?P<version>\d+\.\d+)(?P<rest>/.*)?)?/?")


def route_request(app: Sandbox, req: Request) -> Reply:
    path = req.path
    if path.startswith(CONTROL_PREFIX + "/"):
        return control.handle(app, req, path[len(CONTROL_PREFIX):])
    try:
        if path.rstrip("/") == TOKEN_PATH and req.method == "POST":
            return _token(app, req)
        match = _DATA.fullmatch(path)
        if match is None:
            raise ApiError(404, "NOT_FOUND")
        if match.group("version") is None:
            return api.versions(app, req)
        return _data_call(app, req, match.group("version"), match.group("rest") or "")
    except ApiError as exc:
        return Reply(exc.status, exc.body())


def _token(app: Sandbox, req: Request) -> Reply:
    try:
        return Reply(200, token_response(req.body, app.sessions, app.clock, app.instance_url))
    except AuthFailure as exc:
        return Reply(exc.status, exc.body())


def _data_call(app: Sandbox, req: Request, version: str, rest: str) -> Reply:
    if app.faults.take_503():
        raise ApiError(503, "SERVER_UNAVAILABLE")
    req.session = app.sessions.check(req.header("Authorization"))
    if req.session is None:
        raise ApiError(401, "INVALID_SESSION_ID")
    app.count_api_call()
    return api.handle(app, req, version, rest)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: SandboxServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = do_GET

    def _serve(self) -> None:
        app = self.server.app
        parsed = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parsed.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(self.command, parsed.path, query, headers, body)
        with app.lock:
            reply = _safely(app, req)
            # Logged before the reply leaves: a client that reads the log right after its
            # call returns must find that call there.
            if not parsed.path.startswith(CONTROL_PREFIX + "/"):
                app.log_request(self.command, parsed.path, query, reply.status)
        self._send(reply, app.limit_info())

    def _send(self, reply: Reply, limit_info: str) -> None:
        payload = b"" if reply.empty else json.dumps(reply.body).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Sforce-Limit-Info", limit_info)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if not reply.empty:
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def _safely(app: Sandbox, req: Request) -> Reply:
    """Route, turning a bug into Salesforce's 500 shape instead of a dropped connection."""
    try:
        return route_request(app, req)
    except Exception as exc:
        traceback.print_exc()
        return Reply(500, [{"message": f"sandbox error: {exc}", "errorCode": "UNKNOWN_EXCEPTION"}])


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: Sandbox, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", app.config.port), _Handler)
        self.app = app
        # The handshake happens on first read, in the request's own thread.
        self.socket = context.wrap_socket(self.socket, server_side=True,
                                          do_handshake_on_connect=False)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ssl.SSLError | ConnectionError):
            sys.stderr.write(f"{client_address[0]} TLS/connection error: {error}\n")
            return
        super().handle_error(request, client_address)


def serve(config: Config) -> None:
    """Run until SIGTERM/SIGINT; the database is closed cleanly on the way out."""
    paths = ensure_certs(config.cert_dir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(paths.cert, paths.key)
    app = Sandbox(config)
    if config.demo_data and app.store.count("Account") == 0:
        load_demo_data(app)
    server = SandboxServer(app, context)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"Salesforce sandbox on {app.instance_url} (CA bundle {paths.ca})", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        app.store.close()
