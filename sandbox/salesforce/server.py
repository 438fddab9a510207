"""HTTPS plumbing and top-level routing: control plane, token endpoint, data API.

One process, ``ThreadingHTTPServer`` over TLS on 127.0.0.1; requests are served one at a
time under the sandbox lock, which keeps every call transactional without further care.
Every response carries ``Sforce-Limit-Info: api-usage=n/m``; data calls past the daily
limit answer 403 ``REQUEST_LIMIT_EXCEEDED``. Injected bursts (``faults.py``) answer 503,
wait, or close the socket without a response before or after processing the request.
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

from sandbox.salesforce import api, control
from sandbox.salesforce.auth import AuthFailure, token_response
from sandbox.salesforce.bulk.csvio import SPOOL_BYTES
from sandbox.salesforce.bulk.worker import start_worker
from sandbox.salesforce.certs import ensure_certs
from sandbox.salesforce.demo import load_demo_data
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.replication import purge_recycle_bin
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
    req.session = app.sessions.check(req.header("Authorization"))
    if req.session is None:
        raise ApiError(401, "INVALID_SESSION_ID")
    if not app.usage.try_call():
        raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    _purge_once_a_minute(app)
    return api.handle(app, req, version, rest)


def _purge_once_a_minute(app: Sandbox) -> None:
    minute = app.clock.now().replace(second=0, microsecond=0)
    if app.last_purge != minute:
        purge_recycle_bin(app.store, minute)
        app.last_purge = minute


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
        is_control = parsed.path.startswith(CONTROL_PREFIX + "/")
        burst = None if is_control else app.faults.take_burst(self.command, parsed.path)
        req = self._request(parsed.path, parsed.query)
        if burst is not None and burst.kind == "latency":
            time.sleep(burst.latency_ms / 1000)
        if burst is not None and burst.kind == "drop" and burst.phase == "before":
            self._drop(app, req, 0)
            return
        with app.lock:
            if burst is not None and burst.kind == "503":
                reply = Reply(503, ApiError(503, "SERVER_UNAVAILABLE").body())
            else:
                reply = _safely(app, req)
            # Logged before the reply leaves: a client that reads the log right after its
            # call returns must find that call there.
            if not is_control and (burst is None or burst.kind != "drop"):
                app.log_request(self.command, parsed.path, req.params, reply.status)
        if burst is not None and burst.kind == "drop":
            self._drop(app, req, reply.status)
            return
        self._send(reply, app.limit_info())

    def _request(self, path: str, query_string: str) -> Request:
        query = {k: v[-1] for k, v in parse_qs(query_string, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(self.headers.get("Content-Length") or 0)
        if "csv" in headers.get("content-type", ""):
            return Request(self.command, path, query, headers, b"",
                           body_file=self._spool_body(length))
        body = self.rfile.read(length) if length else b""
        return Request(self.command, path, query, headers, body)

    def _spool_body(self, length: int) -> IO[bytes]:
        """A CSV upload copied to a spooled file in 64 KiB pieces, never whole in memory."""
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        remaining = length
        while remaining > 0:
            piece = self.rfile.read(min(remaining, 1 << 16))
            if not piece:
                break
            spool.write(piece)
            remaining -= len(piece)
        spool.seek(0)
        return spool

    def _drop(self, app: Sandbox, req: Request, status: int) -> None:
        """Close the connection without a response, as a network failure would."""
        with app.lock:
            app.log_request(self.command, req.path, req.params, status, dropped=True)
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, reply: Reply, limit_info: str) -> None:
        payload = b"" if reply.empty or reply.file else json.dumps(reply.body).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Sforce-Limit-Info", limit_info)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.file is not None:
            self.send_header("Content-Length", str(reply.file_size))
        elif not reply.empty:
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
        elif reply.status != 204:  # e.g. 201 after a CSV upload: say there is no body
            self.send_header("Content-Length", "0")
        self.end_headers()
        if self.command == "HEAD":
            return
        if reply.file is not None:
            with reply.file:
                shutil.copyfileobj(reply.file, self.wfile, 1 << 16)
        elif payload:
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
    start_worker(app)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"Salesforce sandbox on {app.instance_url} (CA bundle {paths.ca})", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        app.store.close()
