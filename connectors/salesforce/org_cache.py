"""What connectors to the same org, as the same user, share within one process.

A sync run builds its own connectors; several runs in one process (the syncs of a business
flow run as subflows, a long-lived worker, the tests) would otherwise log in, describe and
learn the org's clock again each time. Three things are shared:

* the **session** (access token and instance URL): Salesforce sessions live for hours and
  may be used by several clients at once; one that has expired answers
  ``INVALID_SESSION_ID``, after which the client logs in again once (``client``) and shares
  the new one;
* **describe answers**, for ``describe_cache_seconds``: the mapping's start-up schema check
  then costs no call in a run that follows another within that time; a whole call refused
  with a field or type error (the org changed under us) forgets them at once;
* the **org's clock** offset, read from ``Date`` headers (``deletes`` decides the recycle-bin
  window by it).

The key is a hash over the login and instance URLs, API version, grant, user, app, key file and the
credentials themselves, so connectors with other credentials never see this session (a
refused password stays refused). Nothing here is written to disk: a new process starts
with nothing. Every entry is read and replaced under one lock.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from connectors.salesforce.auth import AccessToken
from connectors.salesforce.settings import SalesforceSettings

_LOCK = threading.Lock()


@dataclass
class OrgCache:
    """The shared state of one (org, user, credentials). Use its methods, not its fields."""

    token: AccessToken | None = None
    clock_offset: timedelta | None = None
    describes: dict[str, tuple[float, Any]] = field(default_factory=dict)

    def take_token(self) -> AccessToken | None:
        with _LOCK:
            return self.token

    def keep_token(self, token: AccessToken) -> None:
        with _LOCK:
            self.token = token

    def forget_token(self, token: AccessToken | None) -> None:
        """Drop ``token`` (refused); a newer one another connector got meanwhile stays."""
        with _LOCK:
            if token is None or self.token == token:
                self.token = None

    def clock(self) -> timedelta | None:
        """How far the org's clock is ahead of ours, once a ``Date`` header told."""
        with _LOCK:
            return self.clock_offset

    def keep_clock(self, offset: timedelta) -> None:
        with _LOCK:
            self.clock_offset = offset

    def describe(self, obj: str, max_age: float) -> Any | None:
        """The cached describe answer of ``obj`` if younger than ``max_age`` seconds."""
        with _LOCK:
            found = self.describes.get(obj)
        if found is None or time.monotonic() - found[0] > max_age:
            return None
        return found[1]

    def keep_describe(self, obj: str, answer: Any) -> None:
        with _LOCK:
            self.describes[obj] = (time.monotonic(), answer)

    def forget_describes(self) -> None:
        with _LOCK:
            self.describes.clear()


_CACHES: dict[str, OrgCache] = {}


def org_key(settings: SalesforceSettings) -> str:
    """A digest naming the org, user and credentials (never the credentials themselves)."""
    secrets = [s.get_secret_value() if s is not None else "" for s in
               (settings.password, settings.security_token, settings.client_secret)]
    parts = [settings.login_url, settings.instance_url or "", settings.api_version,
             settings.auth, settings.username or "",
             settings.client_id or "", str(settings.private_key_file or ""),
             settings.jwt_audience or "", settings.ca_bundle or "", *secrets]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def org_cache(settings: SalesforceSettings) -> OrgCache:
    """The cache shared by every connector of this process with these settings."""
    key = org_key(settings)
    with _LOCK:
        return _CACHES.setdefault(key, OrgCache())


def clear_org_caches() -> None:
    """Forget every session, describe and clock (as a new process would start)."""
    with _LOCK:
        _CACHES.clear()
