"""Start, find and stop the local stand-in systems used by the demo and by `erpsync sandbox`.

Both run as child processes on free loopback ports. Their addresses go to
``<ERPSYNC_HOME>/sandbox.json``, which the product's config file refers to with
``"sandbox:<name>"`` values, so the product finds them without hard-coded ports.
This module knows nothing about the product: it only starts servers and writes addresses.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sandbox import salesforce, sap, sap_stock
from sandbox.process import is_healthy


def home() -> Path:
    return Path(os.environ.get("ERPSYNC_HOME", ".erpsync"))


def addresses_file() -> Path:
    return home() / "sandbox.json"


@dataclass(frozen=True)
class SandboxAddresses:
    sap_base_url: str
    salesforce_url: str
    salesforce_ca_bundle: str
    pids: dict[str, int]
    sap_stock_base_url: str = ""
    """The stand-in for API_MATERIAL_STOCK_SRV, which mock-sap does not serve."""

    def to_json(self) -> dict[str, object]:
        return {"sap_base_url": self.sap_base_url, "salesforce_url": self.salesforce_url,
                "salesforce_ca_bundle": self.salesforce_ca_bundle,
                "sap_stock_base_url": self.sap_stock_base_url, "pids": self.pids}


def running() -> SandboxAddresses | None:
    """The sandbox recorded in the addresses file, if both its servers still answer."""
    path = addresses_file()
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    found = SandboxAddresses(data["sap_base_url"], data["salesforce_url"],
                             data["salesforce_ca_bundle"], dict(data.get("pids", {})),
                             data.get("sap_stock_base_url", ""))
    sap_ok = is_healthy(found.sap_base_url + sap.HEALTH_PATH)
    sf_ok = is_healthy(found.salesforce_url + "/_sandbox/health", found.salesforce_ca_bundle)
    stock_ok = bool(found.sap_stock_base_url) and is_healthy(
        found.sap_stock_base_url + sap_stock.HEALTH_PATH)
    return found if sap_ok and sf_ok and stock_ok else None


def up(*, fresh: bool = False) -> SandboxAddresses:
    """Start both stand-ins (or reuse running ones); with ``fresh`` reset them to seed data."""
    current = running()
    if current is not None:
        if fresh:
            reset(current)
        return current
    down()
    base = home() / "sandbox"
    sap_server = sap.start(db=base / "sap.db", log_file=base / "sap.log", detach=True)
    stock_server = sap_stock.start(log_file=base / "sap_stock.log", detach=True)
    sf_server = salesforce.start(db=str(base / "salesforce.db"), cert_dir=base / "certs",
                                 log_file=base / "salesforce.log", demo_data=True, detach=True)
    found = SandboxAddresses(sap_server.url, sf_server.url, sf_server.ca_bundle or "",
                             {"sap": sap_server.process.pid, "salesforce": sf_server.process.pid,
                              "sap_stock": stock_server.process.pid}, stock_server.url)
    addresses_file().write_text(json.dumps(found.to_json(), indent=2), encoding="utf-8")
    if fresh:
        reset(found)
    return found


def reset(found: SandboxAddresses) -> None:
    """Back to seed data: SAP's generated partners and stock, Salesforce's demo accounts."""
    _post(found.sap_base_url + "/_mock/reset", b"{}")
    if found.sap_stock_base_url:
        _post(found.sap_stock_base_url + "/_stock/reset", b"{}")
    _post(found.salesforce_url + "/_sandbox/reset", b'{"demo_data": true}',
          found.salesforce_ca_bundle)


def down() -> None:
    """Stop the recorded servers (if any) and forget their addresses."""
    path = addresses_file()
    if not path.exists():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    pids = [int(pid) for pid in dict(data.get("pids", {})).values()]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    _wait_until_gone(pids)
    path.unlink()


def _wait_until_gone(pids: list[int], timeout: float = 10.0) -> None:
    """Return once the stopped servers have exited (their ports and database files are free
    then, so a `sandbox up` right after starts cleanly), or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    status = Path(f"/proc/{pid}/status")  # an exited child nobody reaped yet is done too
    try:
        return "zombie" not in status.read_text(encoding="utf-8")
    except OSError:
        return True


def _post(url: str, body: bytes, ca_bundle: str | None = None) -> None:
    import ssl

    context = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else None
    request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30, context=context) as response:  # noqa: S310
        response.read()
