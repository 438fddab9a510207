"""The sync's write lock as a lease: who holds it, until when, and whether its holder is gone.

A run takes the lock before it reads anything and renews it at every page (in the page's
checkpoint transaction). A lock that was not renewed for its lease (``lease_seconds``, from
``ERPSYNC_LOCK_LEASE_SECONDS`` of the run that holds it, default 600) is from a run that no
longer works and may be taken over. A lock whose holder ran on this same host, in this same
kernel boot and PID namespace, and whose process is gone is stale at once: no lease to wait
for. A run that finds its lock taken over stops before it writes anything more
(``LockLost``).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from connectors.errors import ConfigError, SyncError

LEASE_ENV = "ERPSYNC_LOCK_LEASE_SECONDS"
DEFAULT_LEASE_SECONDS = 600


class LockLost(SyncError):
    """This run's lock was taken over (its lease ended) or released by an operator: it must
    not write anything more."""


def lease_seconds() -> int:
    """``ERPSYNC_LOCK_LEASE_SECONDS``: how long a lock lives without being renewed."""
    raw = os.environ.get(LEASE_ENV, "").strip()
    if not raw:
        return DEFAULT_LEASE_SECONDS
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"{LEASE_ENV} must be a whole number of seconds above 0, got "
                          f"{raw!r}", code="BAD_SETTING")
    return value


@cache
def pid_scope() -> str:
    """What makes a pid on this host mean the same process to another process: the kernel
    boot and the PID namespace. Two containers sharing a host name differ here, so neither
    ever judges the other's pid. Empty where unknown (then no pid is judged at all)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return f"{boot}/{namespace}"[:128]


@dataclass(frozen=True)
class Holder:
    """A run holding (or asking for) a sync's lock. ``label`` is what the lock row keeps and
    what identifies the holder; ``host``/``pid`` are None for holders that name no process."""

    label: str
    host: str | None = None
    pid: int | None = None
    run_id: str | None = None
    scope: str = ""

    @classmethod
    def this_process(cls, run_id: str) -> Holder:
        host, pid = socket.gethostname(), os.getpid()
        return cls(f"{host}:{pid}:{run_id[:8]}"[:255], host, pid, run_id, pid_scope())

    @classmethod
    def named(cls, label: str) -> Holder:
        return cls(label[:255])


@dataclass(frozen=True)
class LockInfo:
    """A lock row as read."""

    sync: str
    holder: str
    host: str | None
    pid: int | None
    run_id: str | None
    scope: str
    acquired_at: datetime
    renewed_at: datetime
    lease_seconds: int

    @classmethod
    def from_row(cls, row: Any) -> LockInfo:
        return cls(row.sync, row.holder, row.host, row.pid, row.run_id, row.pid_scope or "",
                   row.acquired_at, row.renewed_at, int(row.lease_seconds))

    @property
    def expires_at(self) -> datetime:
        return self.renewed_at + timedelta(seconds=self.lease_seconds)

    def on_this_host(self) -> bool:
        """Held by a process this one can see: same host name, boot and PID namespace."""
        return (self.pid is not None and bool(self.scope) and self.scope == pid_scope()
                and self.host == socket.gethostname())

    def holder_alive(self) -> bool | None:
        """True or False for a holder on this host; None when it cannot be told from here."""
        if not self.on_this_host() or self.pid is None:
            return None
        return pid_alive(self.pid)

    def stale_reason(self, now: datetime) -> str | None:
        """Why the lock may be taken over now, or None while it is live."""
        if self.holder_alive() is False:
            return f"its process {self.pid} on this host is gone"
        if now >= self.expires_at:
            return (f"its lease ended at {self.expires_at.isoformat(timespec='seconds')} "
                    f"(last renewed {self.renewed_at.isoformat(timespec='seconds')})")
        return None

    def describe(self, now: datetime) -> str:
        """The holder and its lease in one line, for messages and the CLI."""
        left = int((self.expires_at - now).total_seconds())
        ends = (f"lease ends {self.expires_at.isoformat(timespec='seconds')} (in {left} s)"
                if left > 0 else
                f"lease ended {self.expires_at.isoformat(timespec='seconds')}")
        who = f"host {self.host}, pid {self.pid}, run {self.run_id}" if self.pid else "no process"
        return (f"held by {self.holder} ({who}) since "
                f"{self.acquired_at.isoformat(timespec='seconds')}, last renewed "
                f"{self.renewed_at.isoformat(timespec='seconds')}, {ends}")


@dataclass(frozen=True)
class LockAttempt:
    """The outcome of asking for a lock: taken (perhaps over a stale one), or blocked."""

    acquired: bool
    current: LockInfo | None = None  # the blocking lock when not acquired
    taken_over: LockInfo | None = None  # the stale lock replaced
    reason: str | None = None  # why it was stale

    def __bool__(self) -> bool:
        return self.acquired


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists here (owned by anyone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _not_a_zombie(pid)


def _not_a_zombie(pid: int) -> bool:
    """A killed child its parent has not reaped yet still has a pid; it is gone all the same."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]
