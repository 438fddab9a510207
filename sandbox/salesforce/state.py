"""Everything one running sandbox holds: config, clock, records, sessions, faults, cursors,
request log, API usage and Bulk jobs. Handlers receive it; nothing is global."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sandbox.salesforce import records
from sandbox.salesforce.auth import Sessions
from sandbox.salesforce.bulk.jobs import JobStore
from sandbox.salesforce.catalog import OBJECTS
from sandbox.salesforce.clock import Clock, format_datetime, format_iso_z
from sandbox.salesforce.faults import Faults
from sandbox.salesforce.limits import DEFAULT_DAILY_LIMIT, ApiUsage
from sandbox.salesforce.objects_commerce import PRICEBOOK2, STANDARD_PRICEBOOK_NAME
from sandbox.salesforce.org import ADMIN_USER
from sandbox.salesforce.paging import Cursors
from sandbox.salesforce.records import WriteContext
from sandbox.salesforce.replication import ORG_CREATED
from sandbox.salesforce.store import Store

MAX_LOGGED = 100_000


@dataclass(frozen=True)
class Config:
    port: int
    db: str = ":memory:"
    cert_dir: Path = Path(".erpsync/sandbox/certs")
    clock: datetime | None = None
    token_ttl: int = 7200
    demo_data: bool = False
    api_limit: int = DEFAULT_DAILY_LIMIT


class Sandbox:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.instance_url = f"https://127.0.0.1:{config.port}"
        self.clock = Clock(config.clock)
        self.store = Store(config.db, OBJECTS.values())
        self.jobs = JobStore(self.store.connection)
        self.sessions = Sessions(self.clock, config.token_ttl)
        self.faults = Faults()
        self.cursors = Cursors()
        self.usage = ApiUsage(self.clock, config.api_limit)
        self.lock = threading.RLock()  # one request at a time: simple and transactional
        self.work_ready = threading.Event()  # set when a Bulk job has work for the worker
        self.bulk_paused = False
        self.last_purge: datetime | None = None
        self._log: list[dict[str, Any]] = []
        self.ensure_org()

    def ensure_org(self) -> None:
        """What every org has from day one: its creation date and the Standard Price Book."""
        if self.store.get_meta(ORG_CREATED) is not None:
            return
        self.store.set_meta(ORG_CREATED, format_datetime(self.clock.now()))
        ctx = self.writer(ADMIN_USER.id)
        record_id = records.create(ctx, PRICEBOOK2, {"Name": STANDARD_PRICEBOOK_NAME,
                                                     "IsActive": True})
        stored = self.store.get(PRICEBOOK2.name, record_id)
        assert stored is not None
        self.store.save(PRICEBOOK2.name, {**stored.data, "IsStandard": True})

    def writer(self, user_id: str) -> WriteContext:
        return WriteContext(self.store, self.clock, user_id, self.faults)

    def log_request(self, method: str, path: str, query: dict[str, str], status: int,
                    *, dropped: bool = False) -> None:
        """One log entry; a request whose connection was dropped says ``dropped: true`` (its
        status is what processing gave, 0 if it was dropped before processing)."""
        entry: dict[str, Any] = {"method": method, "path": path, "query": query,
                                 "status": status, "at": format_iso_z(self.clock.now())}
        if dropped:
            entry["dropped"] = True
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

    def limit_info(self) -> str:
        return self.usage.header()
