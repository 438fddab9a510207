"""Requests, replies and route tables: the small vocabulary the handlers share."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING
from urllib.parse import unquote

from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.schema import Json

if TYPE_CHECKING:
    from sandbox.salesforce.auth import Session
    from sandbox.salesforce.state import Sandbox


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: Mapping[str, str]  # names lower-cased
    body: bytes
    args: dict[str, str] = field(default_factory=dict)  # named groups of the matched route
    session: Session | None = None
    body_file: IO[bytes] | None = None  # a CSV upload, spooled instead of read into ``body``

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Json:
        """The body as JSON, or the 400 Salesforce sends for unreadable bodies."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character in body: {exc}") \
                from None


@dataclass
class Reply:
    status: int
    body: Json = None
    headers: dict[str, str] = field(default_factory=dict)
    empty: bool = False  # 204-style: no body at all
    file: IO[bytes] | None = None  # a CSV body, sent from this file instead of ``body``
    file_size: int = 0


Handler = Callable[["Sandbox", Request], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


def route(method: str, pattern: str, handler: Handler) -> Route:
    return Route(method, re.compile(pattern), handler)


def dispatch(routes: list[Route], app: Sandbox, request: Request, path: str) -> Reply:
    """Run the first route matching method and path: 404 if no path matches, 405 if only the
    method is wrong."""
    allowed: list[str] = []
    for candidate in routes:
        match = candidate.pattern.fullmatch(path)
        if match is None:
            continue
        if candidate.method != request.method:
            allowed.append(candidate.method)
            continue
        request.args.update(
            {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
        )
        return candidate.handler(app, request)
    if allowed:
        raise ApiError(405, "METHOD_NOT_ALLOWED",
                       f"HTTP Method '{request.method}' not allowed. Allowed are "
                       + ",".join(sorted(set(allowed))))
    raise ApiError(404, "NOT_FOUND")
