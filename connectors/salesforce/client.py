"""The HTTP layer: one ``requests.Session``, a token, simple-salesforce, retries and counting.

Every call goes through ``SalesforceClient.call``, which in this order

1. authenticates lazily (``auth.request_token``) and builds ``simple_salesforce.Salesforce`` from
   the token and ``instance_url`` on our own session (which verifies TLS with ``ca_bundle``);
2. translates simple-salesforce's exceptions (by ``status`` and ``errorCode``) and requests'
   transport errors into the error tree at this boundary;
3. on ``INVALID_SESSION_ID`` (401: the session expired or was revoked) authenticates again once
   and repeats the call; a second refusal is a ``ConfigError``;
4. retries ``TransientError`` with backoff, at most ``max_retries`` times.

A response hook on the session counts every HTTP exchange, token requests included, in the
``CallCounter`` and keeps the last ``Sforce-Limit-Info: api-usage=used/limit`` seen (REST API
Developer Guide, "Limit Info Header",
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm).
Query pages are asked for with ``Sforce-Query-Options: batchSize=n`` ("Query Options Header").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError
from tenacity import Retrying, retry_if_exception, stop_after_attempt

from connectors.base import CallCounter
from connectors.errors import ConfigError
from connectors.salesforce.auth import AccessToken, request_token
from connectors.salesforce.errors import (
    is_worth_retrying,
    translate_api_error,
    translate_transport_error,
)
from connectors.salesforce.retry import backoff, log_retry, logger
from connectors.salesforce.settings import SalesforceSettings
from connectors.salesforce.transport import make_session

T = TypeVar("T")
SalesforceCall = Callable[[Salesforce], T]

_API_USAGE = re.compile(r"(?:^|[;\s])api-usage=(\d+)/(\d+)")
_KINDS = (
    ("/services/oauth2/", "auth"),
    ("/composite/", "write"),
    ("/query", "query"),  # query, queryAll and their nextRecordsUrl pages
    ("/describe", "describe"),
    ("/sobjects", "describe"),  # describe global
    ("/limits", "limits"),
)
REDACTED = "***"


def call_kind(url: str) -> str:
    """What an HTTP call was for, from its path: auth, query, write, describe, limits, other."""
    path = urlsplit(url).path
    return next((kind for marker, kind in _KINDS if marker in path), "other")


def parse_api_usage(header: str) -> tuple[int, int] | None:
    """``"api-usage=18/5000; per-app-api-usage=..."`` -> ``(18, 5000)``."""
    match = _API_USAGE.search(header)
    return (int(match.group(1)), int(match.group(2))) if match else None


class SalesforceClient:
    """Authenticated, retrying, counted access to one org's REST API."""

    def __init__(self, settings: SalesforceSettings, counter: CallCounter) -> None:
        self._settings = settings
        self._counter = counter
        self._session = make_session(settings.ca_bundle)
        self._session.hooks["response"].append(self._on_response)
        self._token: AccessToken | None = None
        self._sf: Salesforce | None = None
        self.api_usage: tuple[int, int] | None = None

    def __repr__(self) -> str:
        return f"SalesforceClient(login_url={self._settings.login_url!r})"

    # -- calls -------------------------------------------------------------------------------

    def call(self, fn: SalesforceCall[T], context: str) -> T:
        """Run ``fn`` with re-authentication and transient retries; raise translated errors."""
        retrying = Retrying(
            retry=retry_if_exception(is_worth_retrying),
            stop=stop_after_attempt(self._settings.max_retries + 1),
            wait=backoff(self._settings),
            before_sleep=log_retry(context),
            reraise=True,
        )
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
    ) -> Any:
        """A REST call relative to ``/services/data/vXX.X/``; ``None`` for an empty answer."""
        timeout = self._settings.timeout

        def send(sf: Salesforce) -> Any:
            return sf.restful(path, params=params, method=method, json=json, timeout=timeout)

        return self.call(send, context)

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
        """Get a fresh token now (``check`` and re-authentication)."""
        self._token = request_token(self._session, self._settings, self.redact)
        self._sf = Salesforce(
            instance_url=self._token.instance_url,
            session_id=self._token.value.get_secret_value(),
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
            if exc.code != "INVALID_SESSION_ID":
                raise
            logger.info("salesforce %s: session expired or revoked; authenticating again", context)
            self.authenticate()
            return self._invoke(fn, context)

    def _invoke(self, fn: SalesforceCall[T], context: str) -> T:
        if self._sf is None:
            self.authenticate()
        assert self._sf is not None
        try:
            return fn(self._sf)
        except SalesforceError as exc:
            raise translate_api_error(
                exc.status, exc.content, context=context, redact=self.redact
            ) from None
        except requests.RequestException as exc:
            raise translate_transport_error(exc, context=context, redact=self.redact) from None

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._counter.add(call_kind(response.url))
        header = response.headers.get("Sforce-Limit-Info")
        usage = parse_api_usage(header) if header else None
        if usage is not None:
            self.api_usage = usage


def _query_more(
    next_url: str, headers: dict[str, str], timeout: float
) -> Callable[[Salesforce], Any]:
    def more(sf: Salesforce) -> Any:
        return sf.query_more(next_url, identifier_is_url=True, headers=headers, timeout=timeout)

    return more
