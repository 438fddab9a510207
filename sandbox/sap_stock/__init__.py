"""A local stand-in for SAP's ``API_MATERIAL_STOCK_SRV`` (Material Stock - Read), which the
third-party mock-sap does not serve.

An OData V2 server built from SAP's published API reference for that service (see
``model.py``), with Gateway's conventions (``sap-client``, CSRF fetch, the SAP error
envelope, server-driven paging with ``__next``). It knows nothing about erpsync: it never
imports the product's code. Start it from Python with ``start()`` or from a shell with
``python -m sandbox.sap_stock --port 8001``; its control plane lives under ``/_stock/``.
"""

from __future__ import annotations

from pathlib import Path

from sandbox.process import ChildServer, free_port, start_child

HEALTH_PATH = "/_stock/health"
SERVICE_PATH = "/sap/opu/odata/sap/API_MATERIAL_STOCK_SRV"
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def start(
    *,
    port: int | None = None,
    log_file: Path,
    page_cap: int = 1000,
    auth: str | None = None,
    detach: bool = False,
) -> ChildServer:
    """Start the stand-in on ``port`` (a free one when ``None``) and wait until it answers.
    The child imports this package from the project root, whatever the working directory."""
    port = port or free_port()
    bootstrap = (f"import runpy, sys; sys.path.insert(0, {str(_PROJECT_ROOT)!r}); "
                 "runpy.run_module('sandbox.sap_stock', run_name='__main__')")
    args = ["-c", bootstrap, "--port", str(port), "--page-cap", str(page_cap), "-q"]
    if auth:
        args += ["--auth", auth]
    return start_child("sap_stock", args, f"http://127.0.0.1:{port}", HEALTH_PATH,
                       log_file=log_file, detach=detach)
