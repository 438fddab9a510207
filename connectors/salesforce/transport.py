"""A ``requests`` session whose TLS trust is exactly ``ca_bundle`` when one is configured.

``Session.verify`` alone is not enough: when ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` is set
in the environment (common on CI images and corporate machines), requests prefers it over the
session's own value (psf/requests#3829, #4726), and the sandbox's self-made CA would be ignored.
An adapter that pins ``verify`` on every send wins over that merge, while proxies and the rest of
the environment still apply.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests
from requests.adapters import HTTPAdapter


class PinnedVerifyAdapter(HTTPAdapter):
    """Sends every request with ``verify=ca_bundle``, whatever the environment says."""

    def __init__(self, ca_bundle: str) -> None:
        super().__init__()
        self._ca_bundle = ca_bundle

    def send(  # noqa: PLR0917 - the signature of HTTPAdapter.send
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        return super().send(
            request,
            stream=stream,
            timeout=timeout,
            verify=self._ca_bundle,
            cert=cert,
            proxies=proxies,
        )


def make_session(ca_bundle: str | None) -> requests.Session:
    """A session that verifies TLS with ``ca_bundle`` (or the system/environment CAs)."""
    session = requests.Session()
    if ca_bundle:
        session.verify = ca_bundle
        session.mount("https://", PinnedVerifyAdapter(ca_bundle))
    return session
