"""Run syncs with known secrets, then search everything they left for them: the console, every
log line, artifact, flow and task run the Prefect API holds, the Prefect server's database
file, and every row (and every byte) of the state database.

The secrets are real ones for these servers: a private mock-sap started with basic
authentication and a random password (stored in a Prefect Secret block, so the block path is
the one that authenticates), a random Salesforce client secret (from the environment; the
sandbox's password grant accepts any), and a wrong SAP password in a second, failing run — the
path where error messages are most tempted to quote what was sent."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, select

from sandbox import sap
from sandbox.process import ChildServer
from sandbox.salesforce.org import ORG_ID
from tests.conftest import CLOCK, Sandboxes
from tests.flows.conftest import child_env, erpsync, poll

SAP_USER = "INTEGRATION"


@pytest.fixture
def sap_with_auth(tmp_path: Path) -> Iterator[tuple[ChildServer, str]]:
    password = f"sap-pw-{secrets.token_hex(12)}"
    server = sap.start(log_file=tmp_path / "sap-auth.log", clock=CLOCK,
                       extra_args=("--auth", f"{SAP_USER}:{password}"))
    try:
        yield server, password
    finally:
        server.stop()


@pytest.mark.prefect
def test_no_secret_reaches_logs_artifacts_runs_or_state(
        erpsync_env: Sandboxes, sap_with_auth: tuple[ChildServer, str], prefect_api: str,
        tmp_path: Path) -> None:
    from prefect.blocks.system import Secret

    sap_server, sap_password = sap_with_auth
    client_secret = f"sf-cs-{secrets.token_hex(12)}"
    wrong_password = f"wrong-pw-{secrets.token_hex(12)}"
    Secret(value=sap_password).save("erpsync-sap-password", overwrite=True)
    env = child_env(prefect_api, ERPSYNC_SAP_BASE_URL=sap_server.url, ERPSYNC_SAP_USER=SAP_USER,
                    ERPSYNC_SALESFORCE_CLIENT_SECRET=client_secret,
                    PREFECT_LOGGING_LEVEL="DEBUG", PREFECT_LOGGING_ROOT_LEVEL="DEBUG")

    good = erpsync("run", "customers", "--json", env=env)
    assert good.returncode == 0, good.stderr[-3000:]
    assert '"created": 16' in good.stdout, "the block's password really logged in to SAP"
    bad = erpsync("run", "customers", env={**env, "ERPSYNC_SAP_PASSWORD": wrong_password})
    assert bad.returncode == 2, bad.stderr[-3000:]

    known = {"SAP password": sap_password, "Salesforce client secret": client_secret,
             "wrong SAP password": wrong_password,
             "Salesforce access token": f"{ORG_ID[:15]}!"}  # every token starts so
    places = {"console": good.stdout + good.stderr + bad.stdout + bad.stderr,
              **_prefect_api_texts(), **_state_texts(tmp_path / "state.db")}
    leaks = [f"{what} in {place}" for place, text in places.items()
             for what, value in known.items() if value in text]
    assert leaks == []
    assert "ConfigError" in places["flow runs"], "the failed run's state message was searched"


def _prefect_api_texts() -> dict[str, str]:
    """Everything the Prefect server holds about runs, through its API, and its raw database
    file (events, states, parameters) — once the last run's logs have arrived."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL

    with get_client(sync_client=True) as client:
        flow_runs = client.read_flow_runs()
        logs = poll(lambda: client.read_logs(limit=200),
                    lambda got: sum("Finished in state" in log.message for log in got) >= 2)
        texts = {
            "flow runs": "\n".join(f"{r.name} {r.parameters} {r.state and r.state.message}"
                                   for r in flow_runs),
            "task runs": "\n".join(f"{t.name} {t.state and t.state.message}"
                                   for t in client.read_task_runs()),
            "logs": "\n".join(log.message for log in _all_logs(client, logs)),
            "artifacts": "\n".join(f"{a.key} {a.description} {a.data}"
                                   for a in client.read_artifacts()),
        }
    database = Path(str(PREFECT_API_DATABASE_CONNECTION_URL.value()).split("///", 1)[1])
    texts["Prefect database file"] = _file_bytes(database)
    return texts


def _all_logs(client: Any, first: list[Any]) -> list[Any]:
    logs, offset = list(first), len(first)
    while True:
        more = client.read_logs(limit=200, offset=offset)
        if not more:
            return logs
        logs += more
        offset += len(more)


def _state_texts(path: Path) -> dict[str, str]:
    engine = create_engine(f"sqlite:///{path}")
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        rows = "\n".join(str(tuple(row)) for table in metadata.sorted_tables
                         for row in conn.execute(select(table)))
    engine.dispose()
    return {"state database rows": rows, "state database file": _file_bytes(path)}


def _file_bytes(path: Path) -> str:
    """The file and its write-ahead log, as text (SQLite keeps TEXT as UTF-8 bytes)."""
    parts = [p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()]
    assert parts, f"{path} does not exist"
    return b"".join(parts).decode("utf-8", errors="replace")
