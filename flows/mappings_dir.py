"""Where mapping files live: ``ERPSYNC_MAPPINGS`` or ./mappings, one ``<sync>.yaml`` each."""

from __future__ import annotations

import os
from pathlib import Path

from connectors.errors import ConfigError


def mappings_dir() -> Path:
    return Path(os.environ.get("ERPSYNC_MAPPINGS", "mappings"))


def mapping_path(sync: str) -> Path:
    path = mappings_dir() / f"{sync}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in mappings_dir().glob("*.yaml"))
        raise ConfigError(f"no mapping for sync {sync!r} at {path}; known syncs: "
                          f"{', '.join(known) or 'none'}", code="UNKNOWN_SYNC")
    return path
