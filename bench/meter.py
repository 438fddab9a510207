"""What one measured piece of work cost this process: wall time, peak Python memory
(tracemalloc), peak resident memory growth, and the time spent inside HTTP calls.

HTTP time is summed over every ``requests.Session.send`` made while measuring (both
connectors and simple-salesforce use requests; Prefect's client uses httpx and is not
counted), outermost calls only, so a redirect is not counted twice. Wall time minus HTTP
time is the time spent outside the systems' APIs: the engine, the state store, Prefect.

Peak RSS: the kernel's high-water mark (``VmHWM``) is reset through ``/proc/self/clear_refs``
before the work, so the growth is this work's own; where that file is not writable (not
Linux) the value is ``None``.
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

MIB = 2**20


@dataclass
class Measured:
    seconds: float = 0.0
    http_seconds: float = 0.0
    http_calls: int = 0
    peak_python_mib: float = 0.0
    peak_rss_growth_mib: float | None = None

    @property
    def outside_http_share(self) -> float:
        return max(0.0, 1 - self.http_seconds / self.seconds) if self.seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        return {"seconds": round(self.seconds, 3), "http_seconds": round(self.http_seconds, 3),
                "http_calls": self.http_calls,
                "outside_http_share": round(self.outside_http_share, 3),
                "peak_python_mib": round(self.peak_python_mib, 2),
                "peak_rss_growth_mib": (None if self.peak_rss_growth_mib is None
                                        else round(self.peak_rss_growth_mib, 1))}


class _HttpTimer:
    """Wraps ``requests.Session.send`` once; adds time only while a measurement is on."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.lock = threading.Lock()
        self.active: Measured | None = None
        self.installed = False

    def install(self) -> None:
        if self.installed:
            return
        original: Callable[..., requests.Response] = requests.Session.send
        timer = self

        def send(session: requests.Session, request: requests.PreparedRequest,
                 **kwargs: Any) -> requests.Response:
            depth = getattr(timer.local, "depth", 0)
            if depth or timer.active is None:
                return original(session, request, **kwargs)
            timer.local.depth = 1
            started = time.perf_counter()
            try:
                return original(session, request, **kwargs)
            finally:
                timer.local.depth = 0
                with timer.lock:
                    if timer.active is not None:
                        timer.active.http_seconds += time.perf_counter() - started
                        timer.active.http_calls += 1

        requests.Session.send = send  # type: ignore[method-assign, assignment]
        self.installed = True


HTTP = _HttpTimer()


@contextmanager
def measuring(*, python_memory: bool = True) -> Iterator[Measured]:
    """Measure the body; the result is filled in when it ends (also when it raises)."""
    HTTP.install()
    result = Measured()
    rss_start = _reset_peak_rss()
    if python_memory:
        tracemalloc.start()
    HTTP.active = result
    started = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - started
        HTTP.active = None
        if python_memory:
            result.peak_python_mib = tracemalloc.get_traced_memory()[1] / MIB
            tracemalloc.stop()
        peak = _status_kib("VmHWM")
        if rss_start is not None and peak is not None:
            result.peak_rss_growth_mib = max(0.0, (peak - rss_start) / 1024)


def _reset_peak_rss() -> int | None:
    """Reset the high-water mark to the current RSS; the RSS now in KiB (None if unknown)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return _status_kib("VmRSS")


def _status_kib(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None
