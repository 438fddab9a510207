"""Connection settings: one config file for every system, each setting overridable from the
environment as ``ERPSYNC_<SYSTEM>_<SETTING>``; secrets only from the environment or a resolver.

The file (``erpsync.toml``, or the path in ``ERPSYNC_CONFIG``) has one table per system. Its
defaults point at the local sandbox: a value ``"sandbox:<name>"`` is read from the address file
the sandbox writes when it starts (``.erpsync/sandbox.json``), because the sandbox picks free
ports. Secret settings (pydantic ``SecretStr`` fields) in the file are refused: a config file is
shared and committed, credentials are not.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, SecretStr, ValidationError

from connectors.errors import ConfigError

SettingsT = TypeVar("SettingsT", bound=BaseModel)
SecretResolver = Callable[[str, str], str | None]
"""``(system, setting) -> value``: finds a secret outside the environment (a Prefect Secret
block, a vault). Returns ``None`` when it has none."""

SANDBOX_PREFIX = "sandbox:"
log = logging.getLogger(__name__)


def config_path() -> Path:
    return Path(os.environ.get("ERPSYNC_CONFIG", "erpsync.toml"))


def work_dir() -> Path:
    """Where erpsync keeps local files (state, sandbox addresses): ``ERPSYNC_HOME``, else
    ./.erpsync."""
    return Path(os.environ.get("ERPSYNC_HOME", ".erpsync"))


def sandbox_addresses_path() -> Path:
    return work_dir() / "sandbox.json"


def load_settings(
    system: str,
    model: type[SettingsT],
    *,
    path: Path | None = None,
    secret_resolver: SecretResolver | None = None,
) -> SettingsT:
    """Build ``model`` for ``system`` from the config file, then the environment, then secrets."""
    path = path or config_path()
    values = _file_section(path, system)
    secret_names = {n for n, f in model.model_fields.items() if f.annotation in _SECRET_TYPES}
    if leaked := secret_names & values.keys():
        raise ConfigError(
            f"{path}: [{system}] sets secret setting(s) {sorted(leaked)}; put them in the "
            f"environment as ERPSYNC_{system.upper()}_<SETTING> or in a Prefect Secret block",
            code="SECRET_IN_CONFIG_FILE",
        )
    for name in model.model_fields:
        env_value = os.environ.get(_env_name(system, name))
        if env_value is not None:
            values[name] = env_value
        elif name in secret_names and secret_resolver is not None:
            resolved = secret_resolver(system, name)
            if resolved is not None:
                values[name] = resolved
    _warn_unused_environment(system, set(model.model_fields))
    values = {k: _resolve_sandbox(v) for k, v in values.items()}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(f"settings for {system}: {_describe(exc, system)}") from None


_SECRET_TYPES: tuple[Any, ...] = (SecretStr, SecretStr | None)


def setting_value(system: str, setting: str, *, path: Path | None = None) -> Any:
    """One setting as ``load_settings`` would see it (environment first, then the file),
    before any model is chosen; ``None`` when unset. For settings that choose the model,
    such as ``ERPSYNC_SAP_TRANSPORT``."""
    env_value = os.environ.get(_env_name(system, setting))
    if env_value is not None:
        return env_value
    return _file_section(path or config_path(), system).get(setting)


CHOOSER_SETTINGS = frozenset({"transport"})
"""Settings read before a settings model is chosen (``setting_value``); never unused."""


def _warn_unused_environment(system: str, fields: set[str]) -> None:
    """Warn about ``ERPSYNC_<SYSTEM>_*`` variables no setting reads: a misspelt name (or a
    setting of another transport) would otherwise be ignored without a word, and the run would
    quietly use the file's value. Names only - never the values, which may be secrets."""
    prefix = f"ERPSYNC_{system.upper()}_"
    known = fields | CHOOSER_SETTINGS
    for name in sorted(os.environ):
        setting = name.removeprefix(prefix).lower()
        if not name.startswith(prefix) or setting in known:
            continue
        close = difflib.get_close_matches(setting, sorted(known), n=1)
        hint = f"; did you mean {_env_name(system, close[0])}?" if close else ""
        log.warning("%s is set but no %s setting reads it (valid: %s)%s", name, system,
                    ", ".join(sorted(known)), hint)


def _env_name(system: str, setting: str) -> str:
    return f"ERPSYNC_{system.upper()}_{setting.upper()}"


def _file_section(path: Path, system: str) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", code="BAD_CONFIG_FILE") from None
    section = data.get(system, {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [{system}] must be a table", code="BAD_CONFIG_FILE")
    return dict(section)


def _resolve_sandbox(value: Any) -> Any:
    if isinstance(value, dict):
        return _resolve_sandbox_table(value)
    if not (isinstance(value, str) and value.startswith(SANDBOX_PREFIX)):
        return value
    name = value.removeprefix(SANDBOX_PREFIX)
    addresses_file = sandbox_addresses_path()
    if not addresses_file.exists():
        raise ConfigError(
            f"setting {value!r} points at the local sandbox, which is not running "
            f"({addresses_file} is missing); start it with `erpsync sandbox up`, or set a real "
            f"address in {config_path()} or the environment",
            code="SANDBOX_NOT_RUNNING",
        )
    addresses: dict[str, Any] = json.loads(addresses_file.read_text(encoding="utf-8"))
    if name not in addresses:
        raise ConfigError(f"{addresses_file} has no entry {name!r}", code="SANDBOX_NOT_RUNNING")
    return addresses[name]


def _resolve_sandbox_table(table: dict[str, Any]) -> dict[str, Any]:
    """A table of overrides (an address per SAP service): an entry pointing at a sandbox
    address that is not there is left out, so that its default applies - a run pointed at
    other servers through the environment does not need the sandbox's extras."""
    resolved = {}
    for key, item in table.items():
        try:
            resolved[key] = _resolve_sandbox(item)
        except ConfigError:
            continue
    return resolved


def _describe(exc: ValidationError, system: str) -> str:
    parts = []
    for err in exc.errors():
        setting = ".".join(str(p) for p in err["loc"])
        parts.append(f"{setting} ({_env_name(system, setting)}): {err['msg']}")
    return "; ".join(parts)
