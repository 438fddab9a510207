"""Getting an OAuth 2.0 access token from ``<login_url>/services/oauth2/token`` ourselves.

simple-salesforce's own login builds ``https://{domain}.salesforce.com`` and so cannot reach a
My Domain login URL on another host or the loopback sandbox; we post the grant with ``requests``
on the connector's session and hand simple-salesforce only the token and ``instance_url``.

Grants (Salesforce Help, "Identify Your Users and Manage Access"):

* ``password`` - "OAuth 2.0 Username-Password Flow for Special Scenarios"
  (https://help.salesforce.com/apex/HTViewHelpDoc?id=remoteaccess_oauth_username_password_flow.htm);
  the security token, when the org wants one, is appended to the password.
* ``client_credentials`` - "OAuth 2.0 Client Credentials Flow for Server-to-Server Integration".
* ``jwt`` - "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"
  (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm): an
  RS256 assertion with ``iss`` = consumer key, ``sub`` = username, ``aud`` = login URL and a
  short ``exp``.

Secrets are read from ``SecretStr`` only at the moment the form is built; they never reach a
message: refusals are described by the OAuth ``error`` code, the grant name and the URL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests
from pydantic import SecretStr

from connectors.errors import ConfigError
from connectors.salesforce.errors import (
    SYSTEM,
    Redact,
    translate_token_error,
    translate_transport_error,
)
from connectors.salesforce.settings import SalesforceSettings

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME_SECONDS = 180  # Salesforce accepts an assertion for at most a few minutes


@dataclass(frozen=True)
class AccessToken:
    """A session: the bearer token (kept out of ``repr``) and the org's instance URL."""

    instance_url: str
    value: SecretStr = field(repr=False)


def request_token(
    session: requests.Session, settings: SalesforceSettings, redact: Redact
) -> AccessToken:
    """Post the configured grant and return the session, or raise a translated error."""
    form = grant_form(settings)
    context = f"token request to {settings.token_url}"
    try:
        response = session.post(
            settings.token_url,
            data=form,
            headers={"Accept": "application/json"},
            timeout=settings.timeout,
        )
    except requests.RequestException as exc:
        raise translate_transport_error(exc, context=context, redact=redact) from None
    body = _json_or_none(response)
    if response.status_code != 200:
        raise translate_token_error(
            response.status_code,
            body,
            grant=settings.auth,
            token_url=settings.token_url,
            redact=redact,
        ) from None
    return _token_from(body, settings)


def grant_form(settings: SalesforceSettings) -> dict[str, str]:
    """The form fields of the configured grant (the caller validated what each grant needs)."""
    client_id = settings.client_id or ""
    if settings.auth == "client_credentials":
        return {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": _reveal(settings.client_secret),
        }
    if settings.auth == "jwt":
        return {"grant_type": JWT_BEARER_GRANT, "assertion": jwt_assertion(settings)}
    form = {
        "grant_type": "password",
        "client_id": client_id,
        "username": settings.username or "",
        "password": _reveal(settings.password) + _reveal(settings.security_token),
    }
    if settings.client_secret is not None:
        form["client_secret"] = _reveal(settings.client_secret)
    return form


def jwt_assertion(settings: SalesforceSettings, now: float | None = None) -> str:
    """An RS256-signed JWT bearer assertion for ``settings.username``."""
    key_file = settings.private_key_file
    try:
        key = key_file.read_text(encoding="utf-8") if key_file else ""
    except OSError as exc:
        raise ConfigError(
            f"cannot read private_key_file {key_file}: {exc.strerror}",
            code="PRIVATE_KEY_UNREADABLE",
            system=SYSTEM,
        ) from None
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": settings.client_id,
        "sub": settings.username,
        "aud": settings.jwt_audience or settings.login_url,
        "exp": issued + JWT_LIFETIME_SECONDS,
    }
    try:
        return jwt.encode(claims, key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError):
        raise ConfigError(
            f"private_key_file {key_file} is not a usable PEM RSA private key",
            code="PRIVATE_KEY_INVALID",
            system=SYSTEM,
        ) from None


def _token_from(body: Any, settings: SalesforceSettings) -> AccessToken:
    token = body.get("access_token") if isinstance(body, dict) else None
    instance_url = body.get("instance_url") if isinstance(body, dict) else None
    if not isinstance(token, str) or not isinstance(instance_url, str):
        raise ConfigError(
            f"token endpoint {settings.token_url} answered 200 without access_token and "
            "instance_url; is login_url an OAuth server?",
            code="BAD_TOKEN_RESPONSE",
            system=SYSTEM,
        )
    instance_url = settings.instance_url or instance_url  # the configured one wins
    if not instance_url.startswith("https://"):
        raise ConfigError(
            f"token endpoint gave a non-https instance_url {instance_url!r}",
            code="BAD_TOKEN_RESPONSE",
            system=SYSTEM,
        )
    return AccessToken(instance_url=instance_url.rstrip("/"), value=SecretStr(token))


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _reveal(secret: SecretStr | None) -> str:
    return secret.get_secret_value() if secret is not None else ""
