"""A local Prefect server with its UI, for ``make ui`` and the demo.

``erpsync ui`` starts ``prefect server start`` on 127.0.0.1 (port 4200, or a free one when
that is taken) as a detached process and records its address in
``<ERPSYNC_HOME>/prefect-server.json``, the way the sandbox records its own. Commands that
run flows use that server when ``PREFECT_API_URL`` is not set, so the demo's runs land
where the UI shows them. The server keeps its database under ``PREFECT_HOME`` (Prefect's
default, ``~/.prefect``): runs made without any server (an ephemeral one) are there too.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from connectors.errors import ConfigError
from connectors.settings import work_dir
from sandbox.process import free_port

DEFAULT_PORT = 4200
START_TIMEOUT = 180.0  # the first start migrates a database; slow on a busy 2-core machine


def address_file() -> Path:
    return work_dir() / "prefect-server.json"


def is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/health", timeout=3) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def running() -> str | None:
    """The recorded local server's base URL, if it answers."""
    path = address_file()
    if not path.exists():
        return None
    url = str(json.loads(path.read_text(encoding="utf-8"))["url"])
    return url if is_up(url) else None


def start(port: int | None = None) -> str:
    """Start the server (or return the running one's URL) and wait until it answers."""
    found = running()
    if found:
        return found
    port = port or (DEFAULT_PORT if _port_free(DEFAULT_PORT) else free_port())
    url = f"http://127.0.0.1:{port}"
    log_path = work_dir() / "prefect-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_API_URL": f"{url}/api"}
    env.pop("PREFECT_API_URL", None)  # the server is not a client of another server
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [_prefect(), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True)
    address_file().write_text(json.dumps({"url": url, "pid": process.pid}), encoding="utf-8")
    _wait_until_up(url, process, log_path)
    return url


def stop() -> bool:
    """Stop the recorded server; False when none was recorded."""
    path = address_file()
    if not path.exists():
        return False
    pid = int(json.loads(path.read_text(encoding="utf-8"))["pid"])
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)  # the server's own session: uvicorn and its children
    path.unlink(missing_ok=True)
    return True


def use_if_running() -> str | None:
    """Point this process at the local server when no Prefect API is configured; its URL."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    url = running()
    if url:
        os.environ["PREFECT_API_URL"] = f"{url}/api"
    return url


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if is_up(url):
            return
        if process.poll() is not None:
            break
        time.sleep(0.5)
    address_file().unlink(missing_ok=True)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    raise ConfigError(f"the Prefect server did not come up at {url}; see {log_path}",
                      code="PREFECT_SERVER_DOWN")


def _prefect() -> str:
    return str(Path(sys.executable).parent / "prefect")


def _port_free(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0
