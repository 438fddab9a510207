"""OAuth 2.0 token endpoint and session checks.

Three grants, answered in the shape of Salesforce's token responses:

* ``password`` (username-password flow): username ``integration@sandbox.local``, password
  ``sandbox``, client_id ``erpsync-sandbox``; client_secret optional (any value).
  https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_username_password_flow.htm
* ``client_credentials``: client_id ``erpsync-sandbox`` + client_secret ``sandbox-secret``; runs
  as the integration user.
  https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm
* ``urn:ietf:params:oauth:grant-type:jwt-bearer``: the assertion's ``iss`` must be the client
  id and ``sub`` the integration username. The signature and ``exp`` are NOT verified: the
  sandbox has no connected-app certificate, and a client's ``exp`` comes from real time while
  the sandbox clock may be pinned elsewhere. Real Salesforce verifies both. Its response has no
  ``signature``/``issued_at``, like the real one.
  https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm

Tokens expire ``token_ttl`` seconds (sandbox clock) after issue; a missing, unknown or expired
token gets 401 ``INVALID_SESSION_ID`` on every data call.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from sandbox.salesforce.clock import Clock
from sandbox.salesforce.org import INTEGRATION_USER, ORG_ID, User

USERNAME = INTEGRATION_USER.username
PASSWORD = "sandbox"  # noqa: S105 - a published sandbox credential
CLIENT_ID = "erpsync-sandbox"
CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - a published sandbox credential
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

# (status, error, error_description) keyed by what went wrong.
AUTH_ERRORS: dict[str, tuple[int, str, str]] = {
    "unsupported_grant": (400, "unsupported_grant_type", "grant type not supported"),
    "unknown_client": (400, "invalid_client_id", "client identifier invalid"),
    "bad_secret": (400, "invalid_client", "invalid client credentials"),
    "bad_user": (400, "invalid_grant", "authentication failure"),
    "bad_assertion": (400, "invalid_grant", "invalid assertion"),
}


class AuthFailure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error, self.description = AUTH_ERRORS[reason]

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class Session:
    user: User
    expires_at: datetime


class Sessions:
    """Issued tokens and their expiry."""

    def __init__(self, clock: Clock, ttl_seconds: int) -> None:
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._lock = threading.Lock()
        self._tokens: dict[str, Session] = {}

    def set_ttl(self, seconds: int) -> None:
        """Tokens issued from now on live ``seconds`` (issued ones keep their expiry)."""
        self._ttl = timedelta(seconds=seconds)

    def issue(self, user: User) -> str:
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
        with self._lock:
            self._tokens[token] = Session(user, self._clock.now() + self._ttl)
        return token

    def check(self, authorization: str | None) -> Session | None:
        """The session for an ``Authorization: Bearer <token>`` header, if still valid."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            return None
        with self._lock:
            session = self._tokens.get(token.strip())
        if session is None or session.expires_at <= self._clock.now():
            return None
        return session

    def expire_all(self) -> int:
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
        return count


def token_response(form_body: bytes, sessions: Sessions, clock: Clock,
                   instance_url: str) -> dict[str, str]:
    """Run the grant in a form-encoded token request; raises AuthFailure."""
    form = {k: v[-1] for k, v in parse_qs(form_body.decode("utf-8", "replace")).items()}
    grant = form.get("grant_type", "")
    if grant not in _GRANTS:
        raise AuthFailure("unsupported_grant")
    _GRANTS[grant](form)
    token = sessions.issue(INTEGRATION_USER)
    body = {
        "access_token": token,
        "instance_url": instance_url,
        "id": f"{instance_url}/id/{ORG_ID}/{INTEGRATION_USER.id}",
        "token_type": "Bearer",
    }
    if grant == JWT_GRANT:
        return {**body, "scope": "api"}
    issued_at = str(int(clock.now().timestamp() * 1000))
    signed = hmac.new(CLIENT_SECRET.encode(), (body["id"] + issued_at).encode(), hashlib.sha256)
    body.update(issued_at=issued_at, signature=base64.b64encode(signed.digest()).decode())
    if grant == "client_credentials":
        body["scope"] = "api"
    return body


def _password_grant(form: dict[str, str]) -> None:
    if form.get("client_id") != CLIENT_ID:
        raise AuthFailure("unknown_client")
    if form.get("username") != USERNAME or form.get("password") != PASSWORD:
        raise AuthFailure("bad_user")


def _client_credentials_grant(form: dict[str, str]) -> None:
    if form.get("client_id") != CLIENT_ID:
        raise AuthFailure("unknown_client")
    if form.get("client_secret") != CLIENT_SECRET:
        raise AuthFailure("bad_secret")


def _jwt_grant(form: dict[str, str]) -> None:
    claims = _jwt_claims(form.get("assertion", ""))
    if claims.get("iss") != CLIENT_ID:
        raise AuthFailure("unknown_client")
    if claims.get("sub") != USERNAME:
        raise AuthFailure("bad_user")


def _jwt_claims(assertion: str) -> dict[str, object]:
    """The payload of a compact JWS, decoded without verifying its signature (see above)."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise AuthFailure("bad_assertion")
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError):
        raise AuthFailure("bad_assertion") from None
    if not isinstance(claims, dict):
        raise AuthFailure("bad_assertion")
    return claims


_GRANTS = {
    "password": _password_grant,
    "client_credentials": _client_credentials_grant,
    JWT_GRANT: _jwt_grant,
}
