"""The HTTP layer: one ``requests.Session``, a token, simple-salesforce, retries, counting and
the API budget.

Every call goes through ``SalesforceClient.call``, which in this order

1. checks the API budget (``budget.ApiBudget``): a call that would overspend this run's share
   of the org's daily allowance, or that the org has no allowance left for, is not made;
2. authenticates lazily - with the session this process already holds for the same org, user
   and credentials (``org_cache``), else with a token request (``auth.request_token``) - and
   builds ``simple_salesforce.Salesforce`` from the token and ``instance_url`` on our own
   session (which verifies TLS with ``ca_bundle``);
3. translates simple-salesforce's exceptions, HTTP error answers of our own raw calls (by
   ``status`` and ``errorCode``) and requests' transport errors into the error tree;
4. on ``INVALID_SESSION_ID`` (401: the session expired or was revoked) authenticates again once
   and repeats the call; a refusal of the brand-new session is a ``ConfigError`` (no loop:
   a new login that is refused at once will not be accepted by a third);
5. retries ``TransientError`` with jittered backoff, at most ``max_retries`` times - except
   ``LimitExhausted``, and except, for a request that is not idempotent (a create), failures
   after which the server may have acted on it (a dropped connection, a read timeout).

A response hook on the session counts every HTTP exchange, token requests included, in the
``CallCounter``, feeds ``Sforce-Limit-Info`` to the budget, and keeps the server's clock from
the ``Date`` header (``server_now``), which decides the delete window and when to resume
after the daily allowance ran out.
Query pages are asked for with ``Sforce-Query-Options: batchSize=n`` (REST API Developer Guide,
"Query Options Header").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError
from tenacity import retry_if_exception

from connectors.base import CallCounter
from connectors.errors import ConfigError, LimitExhausted, SyncError, TransientError
from connectors.salesforce.auth import AccessToken, request_token
from connectors.salesforce.budget import ApiBudget, parse_api_usage
from connectors.salesforce.errors import (
    SCHEMA_CODES,
    SYSTEM,
    is_worth_retrying,
    is_worth_retrying_once_sent,
    translate_api_error,
    translate_transport_error,
)
from connectors.salesforce.org_cache import org_cache
from connectors.salesforce.retry import bounded_retrying, logger
from connectors.salesforce.settings import SalesforceSettings
from connectors.salesforce.transport import make_session

__all__ = ["SalesforceClient", "call_kind", "parse_api_usage"]

T = TypeVar("T")
SalesforceCall = Callable[[Salesforce], T]

_KINDS = (
    ("/services/oauth2/", "auth"),
    ("/composite/", "write"),
    ("/jobs/ingest", "bulk"),
    ("/query", "query"),  # query, queryAll and their nextRecordsUrl pages
    ("/deleted/", "deleted"),
    ("/describe", "describe"),
    ("/sobjects", "describe"),  # describe global
    ("/limits", "limits"),
)
REDACTED = "***"
SESSION_REFUSED = "INVALID_SESSION_ID"


def call_kind(url: str) -> str:
    """What an HTTP call was for, from its path: auth, query, write, bulk, describe, ..."""
    path = urlsplit(url).path
    return next((kind for marker, kind in _KINDS if marker in path), "other")


class SalesforceClient:
    """Authenticated, retrying, counted, budgeted access to one org's REST API."""

    def __init__(self, settings: SalesforceSettings, counter: CallCounter) -> None:
        self._settings = settings
        self._counter = counter
        self._session = make_session(settings.ca_bundle)
        self._session.hooks["response"].append(self._on_response)
        self._token: AccessToken | None = None
        self._sf: Salesforce | None = None
        self.org = org_cache(settings)
        self.budget = ApiBudget(
            settings.api_budget_share,
            timedelta(seconds=settings.limit_resume_after_seconds),
            now=self.server_now,
        )

    def __repr__(self) -> str:
        return f"SalesforceClient(login_url={self._settings.login_url!r})"

    @property
    def api_usage(self) -> tuple[int, int] | None:
        """``(used, limit)`` of the org's daily API requests, from the last Sforce-Limit-Info."""
        return self.budget.usage

    def server_now(self) -> datetime:
        """The org's clock, as far as the last response's ``Date`` header tells (else ours)."""
        return datetime.now(UTC) + (self.org.clock() or timedelta(0))

    def knows_server_clock(self) -> bool:
        """True once a response of this org (in this process) carried a ``Date`` header."""
        return self.org.clock() is not None

    # -- calls -------------------------------------------------------------------------------

    def call(self, fn: SalesforceCall[T], context: str, *, idempotent: bool = True) -> T:
        """Run ``fn`` with re-authentication and transient retries; raise translated errors.
        ``idempotent=False`` (a create) is never resent after the server may have acted."""
        worth = is_worth_retrying if idempotent else is_worth_retrying_once_sent
        retrying = bounded_retrying(self._settings, context, retry_if_exception(worth))
        result: T = retrying(self._with_reauth, fn, context)
        return result

    def rest(
        self,
        method: str,
        path: str,
        context: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        idempotent: bool = True,
    ) -> Any:
        """A REST call relative to ``/services/data/vXX.X/``; ``None`` for an empty answer."""
        timeout = self._settings.timeout

        def send(sf: Salesforce) -> Any:
            return sf.restful(path, params=params, method=method, json=json, timeout=timeout)

        return self.call(send, context, idempotent=idempotent)

    def raw(
        self,
        method: str,
        path: str,
        context: str,
        *,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        idempotent: bool = True,
    ) -> requests.Response:
        """A call whose body or answer is not JSON (Bulk API CSV); ``path`` is relative to
        ``/services/data/vXX.X/``, or to the instance when it starts with ``services/`` (a
        ``contentUrl``). The answer, when its status is below 300."""
        timeout = self._settings.timeout

        def send(sf: Salesforce) -> requests.Response:
            sent = {**sf.headers, **(headers or {})}
            return sf.session.request(
                method, self._url(sf, path), headers=sent, data=data, json=json, timeout=timeout
            )

        return self.call(send, context, idempotent=idempotent)

    def _url(self, sf: Salesforce, path: str) -> str:
        if path.lstrip("/").startswith("services/") and self._token is not None:
            return self._token.instance_url + "/" + path.lstrip("/")
        return str(sf.base_url) + path

    def query_pages(self, soql: str, *, include_deleted: bool, context: str) -> Iterator[Any]:
        """The ``records`` of each page of ``soql`` (``queryAll`` when ``include_deleted``),
        fetched one page at a time by following ``nextRecordsUrl``."""
        headers = {"Sforce-Query-Options": f"batchSize={self._settings.query_page_size}"}
        timeout = self._settings.timeout

        def first(sf: Salesforce) -> Any:
            return sf.query(soql, include_deleted=include_deleted, headers=headers, timeout=timeout)

        page = self.call(first, context)
        while True:
            yield page.get("records", [])
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                return
            page = self.call(_query_more(str(next_url), headers, timeout), context)

    # -- session -----------------------------------------------------------------------------

    def authenticate(self) -> None:
        """Get a fresh token now (``check`` and re-authentication) and share it."""
        token = request_token(self._session, self._settings, self.redact)
        self.org.keep_token(token)
        self._use(token)

    def _use(self, token: AccessToken) -> None:
        self._token = token
        self._sf = Salesforce(
            instance_url=token.instance_url,
            session_id=token.value.get_secret_value(),
            session=self._session,
            version=self._settings.api_version,
            object_pairs_hook=dict,
        )

    def close(self) -> None:
        self._session.close()
        self._sf = None
        self._token = None

    def redact(self, text: str) -> str:
        """``text`` with every credential and the current token replaced by ``***``."""
        for secret in self._secrets():
            text = text.replace(secret, REDACTED)
        return text

    def _secrets(self) -> list[str]:
        held = [
            self._settings.password,
            self._settings.security_token,
            self._settings.client_secret,
        ]
        values = [s.get_secret_value() for s in held if s is not None]
        if self._token is not None:
            values.append(self._token.value.get_secret_value())
        return [v for v in values if len(v) >= 4]  # shorter ones would mangle ordinary text

    def _with_reauth(self, fn: SalesforceCall[T], context: str) -> T:
        try:
            return self._invoke(fn, context)
        except ConfigError as exc:
            if exc.code != SESSION_REFUSED:
                raise
            logger.info("salesforce %s: session expired or revoked; authenticating again", context)
            self.org.forget_token(self._token)
            self.authenticate()
        try:
            return self._invoke(fn, context)
        except ConfigError as again:
            if again.code != SESSION_REFUSED:
                raise
            self.org.forget_token(self._token)
            raise ConfigError(
                f"{context}: Salesforce refused a brand-new session right after logging in "
                f"again ({again.message}); check the integration user's profile, login IP "
                "ranges and the connected app's session policy",
                code=SESSION_REFUSED,
                system=SYSTEM,
            ) from None

    def _invoke(self, fn: SalesforceCall[T], context: str) -> T:
        self.budget.ensure(1, context)
        if self._sf is None:
            shared = self.org.take_token()
            if shared is not None:
                self._use(shared)
            else:
                self.authenticate()
        assert self._sf is not None
        try:
            result = fn(self._sf)
        except SalesforceError as exc:
            raise self._api_error(exc.status, exc.content, context) from None
        except requests.RequestException as exc:
            raise translate_transport_error(exc, context=context, redact=self.redact) from None
        if isinstance(result, requests.Response) and result.status_code >= 300:
            raise self._api_error(result.status_code, _json_or_text(result), context)
        return result

    def _api_error(self, status: int, content: Any, context: str) -> SyncError:
        error = translate_api_error(
            status, content, context=context, redact=self.redact,
            resume_at=self.budget.resume_at(),
        )
        if isinstance(error, LimitExhausted) and self.budget.usage is not None \
                and not self.budget.daily_allowance_spent():
            # Same code, other cause: too many concurrent long-running requests. That passes
            # in seconds, so it is an ordinary transient error, retried with backoff.
            return TransientError(error.message, code=error.code, system=SYSTEM)
        if isinstance(error, ConfigError) and error.code in SCHEMA_CODES:
            self.org.forget_describes()  # the org changed: the next run describes it afresh
        return error

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        kind = call_kind(response.url)
        self._counter.add(kind)
        if kind != "auth":
            self.budget.record(response.headers.get("Sforce-Limit-Info"))
        self._follow_clock(response.headers.get("Date"))

    def _follow_clock(self, date_header: str | None) -> None:
        if not date_header:
            return
        try:
            server = parsedate_to_datetime(date_header)
        except (TypeError, ValueError):
            return
        if server.tzinfo is not None:
            self.org.keep_clock(server - datetime.now(UTC))


def _json_or_text(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _query_more(
    next_url: str, headers: dict[str, str], timeout: float
) -> Callable[[Salesforce], Any]:
    def more(sf: Salesforce) -> Any:
        return sf.query_more(next_url, identifier_is_url=True, headers=headers, timeout=timeout)

    return more
