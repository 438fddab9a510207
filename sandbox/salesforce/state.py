"""Everything one running sandbox holds: config, clock, records, sessions, faults, cursors,
request log and API usage. Handlers receive it; nothing is global."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sandbox.salesforce.auth import Sessions
from sandbox.salesforce.clock import Clock, format_iso_z
from sandbox.salesforce.faults import Faults
from sandbox.salesforce.paging import Cursors
from sandbox.salesforce.records import WriteContext
from sandbox.salesforce.schema import OBJECTS
from sandbox.salesforce.store import Store

API_LIMIT = 15000  # a Developer Edition's daily allowance; shown in Sforce-Limit-Info
MAX_LOGGED = 100_000


@dataclass(frozen=True)
class Config:
    port: int
    db: str = ":memory:"
    cert_dir: Path = Path(".erpsync/sandbox/certs")
    clock: datetime | None = None
    token_ttl: int = 7200
    demo_data: bool = False


class Sandbox:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.instance_url = f"https://127.0.0.1:{config.port}"
        self.clock = Clock(config.clock)
        key_fields = {f.name for o in OBJECTS.values() for f in o.fields
                      if f.external_id or f.unique}
        self.store = Store(config.db, sorted(key_fields))
        self.sessions = Sessions(self.clock, config.token_ttl)
        self.faults = Faults()
        self.cursors = Cursors()
        self.lock = threading.RLock()  # one request at a time: simple and transactional
        self._log: list[dict[str, Any]] = []
        self.api_usage = 0

    def writer(self, user_id: str) -> WriteContext:
        return WriteContext(self.store, self.clock, user_id, self.faults)

    def log_request(self, method: str, path: str, query: dict[str, str], status: int) -> None:
        entry = {"method": method, "path": path, "query": query, "status": status,
                 "at": format_iso_z(self.clock.now())}
        with self.lock:
            self._log.append(entry)
            del self._log[:-MAX_LOGGED]

    def requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self._log)

    def clear_requests(self) -> int:
        with self.lock:
            count = len(self._log)
            self._log.clear()
            return count

    def count_api_call(self) -> None:
        with self.lock:
            self.api_usage += 1

    def limit_info(self) -> str:
        return f"api-usage={self.api_usage}/{API_LIMIT}"
