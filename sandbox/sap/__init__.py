"""The SAP stand-in: the third-party ``mock-sap`` package, run as it is in a child process.

We do not patch or wrap it: its known gaps against real S/4HANA are listed in
``../shared/fixtures/SOURCES.md`` and tested separately against real ``$metadata`` files.
The clock is pinned (``--clock``) so change dates are the same on every run.
"""

from __future__ import annotations

from pathlib import Path

from sandbox.process import ChildServer, free_port, start_child

DEFAULT_CLOCK = "2026-10-01T08:00"
HEALTH_PATH = "/_mock/health"


def start(
    *,
    port: int | None = None,
    db: Path | str = ":memory:",
    clock: str = DEFAULT_CLOCK,
    log_file: Path,
    detach: bool = False,
    extra_args: tuple[str, ...] = (),
) -> ChildServer:
    """Start mock-sap on ``port`` (a free one when ``None``) and wait until it answers."""
    port = port or free_port()
    args = ["-m", "mocksap", "--host", "127.0.0.1", "--port", str(port), "--db", str(db),
            "--clock", clock, "-q", *extra_args]
    return start_child("sap", args, f"http://127.0.0.1:{port}", HEALTH_PATH,
                       log_file=log_file, detach=detach)
