"""A local stand-in for the Salesforce REST API, served over HTTPS from one process.

Built from Salesforce's published REST API reference and checked against payloads recorded
from real orgs. It serves OAuth (password, client credentials, JWT bearer), describes of the
objects the product uses (``catalog.py``), records with validation and relationship
references by External ID, upserts by External ID or idLookup field, SOQL
(``query``/``queryAll``, parent fields, parent-to-child subqueries, paging), getUpdated /
getDeleted, sObject Collections, Bulk API 2.0 ingest and query jobs (``bulk/``) and
``/limits`` with a daily allowance that runs out. Start it from Python with ``start()`` or
from a shell with ``python -m sandbox.salesforce --port 8443``; trust it with the CA bundle
in the cert directory. The control plane lives under ``/_sandbox/``: every endpoint and its
JSON body are documented in ``control.py``.

Default credentials: username ``integration@sandbox.local``, password ``sandbox``, client_id
``erpsync-sandbox``, client_secret ``sandbox-secret``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sandbox.process import ChildServer, free_port, start_child
from sandbox.salesforce.auth import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME
from sandbox.salesforce.certs import ensure_certs

DEFAULT_CERT_DIR = Path(".erpsync/sandbox/certs")
DEFAULT_LOG_FILE = Path(".erpsync/sandbox/salesforce.log")
HEALTH_PATH = "/_sandbox/health"
_PROJECT_ROOT = Path(__file__).resolve().parents[2]

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "PASSWORD", "USERNAME", "start"]


def start(
    port: int | None = None,
    *,
    db: str | Path = ":memory:",
    cert_dir: str | Path = DEFAULT_CERT_DIR,
    clock: datetime | str | None = None,
    log_file: str | Path = DEFAULT_LOG_FILE,
    demo_data: bool = False,
    detach: bool = False,
    token_ttl: int = 7200,
    api_limit: int | None = None,
) -> ChildServer:
    """Run the sandbox as a child process and wait until it answers; ``.stop()`` ends it.

    The certificates are made here first, so the returned ``ca_bundle`` is usable at once.
    The child imports this package from the project root whatever the caller's working
    directory is.
    """
    port = port or free_port()
    cert_path = Path(cert_dir).resolve()
    paths = ensure_certs(cert_path)
    db_arg = str(db) if str(db) == ":memory:" else str(Path(db).resolve())
    clock_arg = clock.isoformat() if isinstance(clock, datetime) else clock
    bootstrap = (f"import runpy, sys; sys.path.insert(0, {str(_PROJECT_ROOT)!r}); "
                 "runpy.run_module('sandbox.salesforce', run_name='__main__')")
    args = ["-c", bootstrap, "--port", str(port), "--db", db_arg, "--cert-dir", str(cert_path),
            "--token-ttl", str(token_ttl)]
    if clock_arg:
        args += ["--clock", clock_arg]
    if api_limit is not None:
        args += ["--api-limit", str(api_limit)]
    if demo_data:
        args.append("--demo-data")
    return start_child("salesforce", args, f"https://127.0.0.1:{port}", HEALTH_PATH,
                       log_file=Path(log_file), ca_bundle=str(paths.ca), detach=detach)
