"""OData V2 ``$batch``: many operations in one HTTP request, as ``multipart/mixed``.

A batch is a list of parts; a part is either one retrieve request or a *changeset*, a nested
``multipart/mixed`` of modifying requests that the server applies atomically - all or none
(https://help.sap.com/doc/saphelp_nw75/7.5.5/en-US/94/a126519eff236ee10000000a445394/content.htm,
https://www.odata.org/documentation/odata-version-3-0/batch-processing/). We send one changeset
per record, so a record's own operations (a partner and its address) stand or fall together
while one bad record cannot roll back the others.

The response has one part per request part, in order. A changeset that succeeded answers with
a nested multipart holding one HTTP response per operation; a changeset that failed answers
with a single HTTP response, the error that stopped it. Every operation is written as an
``application/http`` message with a relative URL (resolved against the service root).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import ConfigError

CRLF = b"\r\n"


@dataclass(frozen=True)
class Operation:
    """One modifying request inside a changeset."""

    method: str
    path: str
    """relative to the service root and already URL-encoded, e.g. ``A_BusinessPartner('1')``"""
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Response:
    """One HTTP response read out of a batch response."""

    status: int
    headers: Mapping[str, str]
    """header names in lower case"""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body.strip() else None


def build(changesets: Sequence[Sequence[Operation]]) -> tuple[str, bytes]:
    """The content type and body of a ``$batch`` with one changeset per entry."""
    boundary = f"batch_{uuid.uuid4()}"
    chunks: list[bytes] = []
    for operations in changesets:
        changeset = f"changeset_{uuid.uuid4()}"
        chunks.append(_line(f"--{boundary}"))
        chunks.append(_line(f"Content-Type: multipart/mixed; boundary={changeset}"))
        chunks.append(CRLF)
        for operation in operations:
            chunks.append(_line(f"--{changeset}"))
            chunks.append(_operation(operation))
        chunks.append(_line(f"--{changeset}--"))
    chunks.append(_line(f"--{boundary}--"))
    return f"multipart/mixed; boundary={boundary}", b"".join(chunks)


def _line(text: str) -> bytes:
    return text.encode("ascii") + CRLF


def _operation(operation: Operation) -> bytes:
    body = b"" if operation.body is None else json.dumps(operation.body).encode("utf-8")
    headers = {"Accept": "application/json", **operation.headers}
    if operation.body is not None:
        headers.setdefault("Content-Type", "application/json")
        headers["Content-Length"] = str(len(body))
    lines = [f"{operation.method} {operation.path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    head = "\r\n".join(lines).encode("utf-8")
    part_head = b"Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
    return part_head + head + CRLF + CRLF + body + CRLF


def parse(content_type: str, body: bytes) -> list[list[Response]]:
    """The responses of a batch, one list per request part: a succeeded changeset gives one
    response per operation, a failed one (or a plain request) a single response."""
    boundary = boundary_of(content_type)
    results: list[list[Response]] = []
    for part in _split(body, boundary):
        headers, content = _head(part)
        inner = headers.get("content-type", "")
        if inner.lower().startswith("multipart/mixed"):
            results.append([_http(p) for p in _split(content, boundary_of(inner))])
        else:
            results.append([_http(part)])
    return results


def boundary_of(content_type: str) -> str:
    match = re.search(r'boundary="?([^";]+)"?', content_type, re.IGNORECASE)
    if not match:
        raise ConfigError(f"$batch answered {content_type!r}, not multipart with a boundary",
                          code="BAD_BATCH_RESPONSE", system="sap")
    return match.group(1).strip()


def _split(body: bytes, boundary: str) -> list[bytes]:
    """The parts between ``--boundary`` lines; the line break before a delimiter belongs to
    the delimiter (RFC 2046), so part bodies come out exactly as sent."""
    delimiter = re.escape(b"--" + boundary.encode("ascii"))
    pieces = re.split(rb"(?:^|\r?\n)" + delimiter, body)
    parts: list[bytes] = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break
        _, _, content = piece.partition(b"\n")  # rest of the delimiter line
        parts.append(content)
    return parts


def _head(raw: bytes) -> tuple[dict[str, str], bytes]:
    """Headers (lower-case names) and the body after the first empty line."""
    match = re.search(rb"\r?\n\r?\n", raw)
    head, rest = (raw[: match.start()], raw[match.end() :]) if match else (raw, b"")
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers, rest


def _http(part: bytes) -> Response:
    """An ``application/http`` part: its MIME headers, then an HTTP response message."""
    _, message = _head(part)
    status_line, _, rest = message.lstrip(b"\r\n").partition(b"\n")
    match = re.match(rb"HTTP/\d\.\d\s+(\d{3})", status_line.strip())
    if not match:
        raise ConfigError(f"$batch part without an HTTP status line: {status_line[:80]!r}",
                          code="BAD_BATCH_RESPONSE", system="sap")
    if rest.startswith((b"\r\n", b"\n")):  # no headers at all: the body follows at once
        return Response(int(match.group(1)), {}, rest.split(b"\n", 1)[1])
    headers, body = _head(rest)
    return Response(int(match.group(1)), headers, body)
