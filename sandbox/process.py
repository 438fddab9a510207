"""Start a stand-in system as a child process on a free loopback port and wait until it answers."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ChildServer:
    """A running stand-in: its base URL and process. ``stop()`` ends it."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    ca_bundle: str | None = None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_child(
    name: str,
    args: list[str],
    url: str,
    health_path: str,
    *,
    log_file: Path,
    ca_bundle: str | None = None,
    timeout: float = 30.0,
    detach: bool = False,
) -> ChildServer:
    """Run ``python <args>`` and poll ``url + health_path`` until it answers 200."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=detach,
        )
    server = ChildServer(name=name, url=url, process=process, ca_bundle=ca_bundle)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {log_file}")
        if is_healthy(url + health_path, ca_bundle):
            return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} did not answer on {url} within {timeout:.0f}s; see {log_file}")


def is_healthy(url: str, ca_bundle: str | None = None) -> bool:
    context = ssl.create_default_context(cafile=ca_bundle) if url.startswith("https") else None
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:  # noqa: S310
            return int(response.status) == 200
    except (urllib.error.URLError, OSError, ssl.SSLError):
        return False
