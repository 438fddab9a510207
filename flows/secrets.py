"""Secrets for connectors: the environment first, then Prefect Secret blocks.

A block named ``erpsync-<system>-<setting>`` (``erpsync-salesforce-password``) is looked up
only when a Prefect API is configured (the ``PREFECT_API_URL`` setting, from the environment,
a profile or a test harness): an ephemeral server has no blocks.
For the local sandbox, whose credentials are documented and not secret, the sandbox's own
address file supplies them when nothing else does.
"""

from __future__ import annotations

import os
import tomllib
from typing import cast

from connectors.settings import SANDBOX_PREFIX, config_path, sandbox_addresses_path

SANDBOX_CREDENTIALS = {("salesforce", "password"): "sandbox"}
PUBLISHED = frozenset(SANDBOX_CREDENTIALS.values())
"""Credentials the sandbox documents: not secrets, and masking a word like "sandbox" in every
log line and message would make them unreadable."""


def resolve_secret(system: str, setting: str) -> str | None:
    value = _prefect_block(system, setting)
    if value is not None:
        return value
    return _sandbox_default(system, setting)


def _prefect_block(system: str, setting: str) -> str | None:
    from prefect.blocks.system import Secret
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        return None
    try:
        # Block.load is sync-compatible: called from sync code it returns the block itself.
        block = cast("Secret[str]", Secret.load(f"erpsync-{system}-{setting.replace('_', '-')}"))
    except (ValueError, RuntimeError):
        return None
    value = block.get()
    return value if isinstance(value, str) else None


def _sandbox_default(system: str, setting: str) -> str | None:
    """Only while the configured address is the local sandbox's (never sent to a real org)."""
    default = SANDBOX_CREDENTIALS.get((system, setting))
    if default is None or os.environ.get(f"ERPSYNC_{system.upper()}_LOGIN_URL"):
        return None
    path = config_path()
    section = tomllib.loads(path.read_text(encoding="utf-8")).get(system, {}) \
        if path.exists() else {}
    if not str(section.get("login_url", "")).startswith(SANDBOX_PREFIX):
        return None
    return default if sandbox_addresses_path().exists() else None
