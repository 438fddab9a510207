"""A thin OData V2 client for SAP Gateway, on ``requests``.

Why not pyodata: we use five things - ``$metadata``, paged queries, the CSRF handshake, ``$batch``
and error envelopes - and need each under our control: which requests may be repeated, when a
CSRF token is refetched, how ``$batch`` changesets map to records, how every SAP error maps to
our error tree, and a ``requests.Session`` that tests and callers can inject. A generic client
would hide exactly those decisions behind its own model of entities.

Gateway conventions this client follows:

- Every request carries ``sap-client``; JSON is asked for with ``Accept: application/json``.
- Modifying requests carry an ``X-CSRF-Token`` fetched once per service with a GET that sends
  ``X-CSRF-Token: Fetch``, together with the session cookies set by that GET (the session
  keeps them). A 403 answered with ``x-csrf-token: Required`` means the token expired: fetch a
  new one and repeat once (https://help.sap.com/saphelp_em92/helpdata/en/b3/5c22518bc72214e10000000a44176d/content.htm).
- A collection may be cut by the server, which then links the rest with ``d.__next``
  (server-driven paging, as S/4HANA Cloud enforces); the link is followed as given.
- Every HTTP request, retries and token fetches included, is counted in the ``CallCounter``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urljoin

import requests

from connectors.base import CallCounter
from connectors.errors import ConfigError
from connectors.sap.errors import CsrfRequired, Where, translate, transport_error
from connectors.sap.retry import RetryPolicy
from connectors.sap.settings import SapSettings

log = logging.getLogger(__name__)

_URL_SAFE = "$'(),/:*"  # left as they are in query values: OData literals read better so
_DEFAULT_HEADERS = {"Accept": "application/json", "DataServiceVersion": "2.0",
                    "MaxDataServiceVersion": "2.0"}


class ODataClient:
    """HTTP access to the OData services of one SAP system."""

    def __init__(
        self,
        settings: SapSettings,
        counter: CallCounter,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """``session``: bring your own (proxies, client certificates, an adapter); it is
        used as given - ``user``/``password``/``verify`` only configure the default one."""
        self.settings = settings
        self.counter = counter
        self.retry = retry or RetryPolicy(
            settings.max_retries, settings.retry_base_wait, settings.retry_max_wait
        )
        self._session = session or self._new_session()
        self._tokens: dict[str, str] = {}

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        settings = self.settings
        if settings.user:
            password = settings.password.get_secret_value() if settings.password else ""
            session.auth = (settings.user, password)
        session.verify = settings.verify
        return session

    def close(self) -> None:
        self._session.close()
        self._tokens.clear()

    # -- addresses ------------------------------------------------------------------------

    def service_url(self, service: str) -> str:
        base = self.settings.base_url_of(service)
        return f"{base}{self.settings.service_root}/{quote(service)}"

    def url(self, service: str, path: str, query: Mapping[str, str] | None = None) -> str:
        """``path`` (already encoded, e.g. ``A_BusinessPartner('1')``) under the service, with
        ``sap-client`` and ``query`` percent-encoded (spaces as ``%20``, as Gateway expects)."""
        params = {"sap-client": self.settings.client, **(query or {})}
        encoded = urlencode(params, safe=_URL_SAFE, quote_via=quote)
        return f"{self.service_url(service)}/{path}?{encoded}"

    def absolute(self, service: str, link: str) -> str:
        """A link SAP handed out (``__next``, ``__delta``), resolved against the service and
        carrying ``sap-client``; otherwise followed exactly as given."""
        absolute = urljoin(self.service_url(service) + "/", link)
        if "sap-client=" in absolute:
            return absolute
        separator = "&" if "?" in absolute else "?"
        return f"{absolute}{separator}sap-client={quote(self.settings.client)}"

    # -- reading --------------------------------------------------------------------------

    def metadata(self, service: str, *, retry: bool = True) -> bytes:
        """The service's ``$metadata`` document (EDMX)."""
        url = self.url(service, "$metadata")
        response = self._request("GET", url, kind="metadata", where="service", retry=retry,
                                 headers={"Accept": "application/xml"})
        return response.content

    def pages(
        self, service: str, entity_set: str, query: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
    ) -> Iterator[Page]:
        """The rows of one query, one server page at a time, following ``__next`` links."""
        return self.follow(service, self.url(service, entity_set, query), headers)

    def follow(
        self, service: str, url: str, headers: Mapping[str, str] | None = None
    ) -> Iterator[Page]:
        """Pages from ``url`` on (a query, or a ``__delta`` link SAP handed out)."""
        next_url: str | None = url
        seen: set[str] = set()
        while next_url is not None:
            seen.add(next_url)
            response = self._request("GET", next_url, kind="query", where="service",
                                     headers=dict(headers or {}))
            page = _page(response.json(), response.headers.get("Date"))
            yield page
            next_url = self.absolute(service, page.next_link) if page.next_link else None
            if next_url in seen:
                raise ConfigError(f"SAP repeated the next-page link {next_url}",
                                  code="PAGING_LOOP", system="sap")

    # -- writing --------------------------------------------------------------------------

    def batch(self, service: str, content_type: str, body: bytes) -> tuple[str, bytes]:
        """POST one ``$batch``; returns the response's content type and body."""
        url = self.url(service, "$batch")
        headers = {"Content-Type": content_type, "Accept": "multipart/mixed"}
        response = self._modify(service, "POST", url, kind="batch", headers=headers, data=body)
        return response.headers.get("Content-Type", ""), response.content

    def _modify(
        self, service: str, method: str, url: str, *, kind: str, headers: dict[str, str],
        data: bytes,
    ) -> requests.Response:
        """A modifying request with a CSRF token; a refused token is refetched once."""
        for fresh in (False, True):
            token = self._token(service, refresh=fresh)
            sent = {**headers, "X-CSRF-Token": token} if token else headers
            try:
                return self._request(method, url, kind=kind, where="service", idempotent=False,
                                     headers=sent, data=data)
            except CsrfRequired:
                if fresh:
                    raise
                log.info("SAP asked for a new CSRF token for %s; fetching one", service)
        raise AssertionError("unreachable")  # pragma: no cover

    def _token(self, service: str, *, refresh: bool) -> str:
        if refresh or service not in self._tokens:
            response = self._request("GET", self.url(service, ""), kind="csrf", where="service",
                                     headers={"X-CSRF-Token": "Fetch"})
            self._tokens[service] = response.headers.get("x-csrf-token", "")
        return self._tokens[service]

    # -- one request ----------------------------------------------------------------------

    def _request(
        self, method: str, url: str, *, kind: str, where: Where, retry: bool = True,
        idempotent: bool = True, **kwargs: Any,
    ) -> requests.Response:
        operation = f"SAP {method} {url.split('?', 1)[0]}"
        if not retry:
            return self._send(method, url, kind, where, operation, **kwargs)
        controller = self.retry.retrying(idempotent=idempotent, what=operation)
        return controller(self._send, method, url, kind, where, operation, **kwargs)

    def _send(
        self, method: str, url: str, kind: str, where: Where, operation: str, **kwargs: Any
    ) -> requests.Response:
        self.counter.add(kind)
        kwargs["headers"] = {**_DEFAULT_HEADERS, **kwargs.get("headers", {})}
        try:
            response = self._session.request(method, url, timeout=self.settings.timeout,
                                             **kwargs)
        except requests.RequestException as exc:
            raise transport_error(exc, operation) from exc
        if response.status_code == 403 and _csrf_required(response):
            raise CsrfRequired(f"{operation}: CSRF token required", code="/IWFND/CM_CSRF",
                               system="sap")
        if response.status_code >= 400:
            raise translate(response.status_code, response.content, response.headers,
                            where=where, operation=operation, user=self.settings.user)
        return response


def _csrf_required(response: requests.Response) -> bool:
    return response.headers.get("x-csrf-token", "").strip().lower() == "required"


@dataclass(frozen=True)
class Page:
    """One answered page: its rows, the link to the rest (``__next``), the link to what
    changes after it (``__delta``, when change tracking was asked for) and the server's
    ``Date`` header."""

    rows: list[dict[str, Any]]
    next_link: str | None = None
    delta_link: str | None = None
    served_at: str | None = None


def _page(payload: Any, served_at: str | None) -> Page:
    """``{"d": {"results": [...], "__next": ..., "__delta": ...}}`` (V2) or ``{"d": [...]}``
    (V1)."""
    body = payload.get("d") if isinstance(payload, dict) else None
    if isinstance(body, list):
        return Page(body, served_at=served_at)
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        return Page(body["results"], _link(body, "__next"), _link(body, "__delta"), served_at)
    raise ConfigError("SAP answered a query without a result list", code="BAD_PAYLOAD",
                      system="sap")


def _link(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value else None
