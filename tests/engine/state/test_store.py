"""State store on SQLite and (where available) PostgreSQL: migrations match the tables,
checkpoints are atomic, the audit chain detects edits and deletions, the lock excludes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TypeVar

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, text, update

from connectors.base import Cursor
from engine.state import schema as t
from engine.state.records import (
    AuditEntry,
    ConflictHold,
    DeadLetter,
    FieldChange,
    HeldField,
    PageCommit,
    XrefRow,
)
from engine.state.store import StateStore

T = TypeVar("T")

POSTGRES_URL = os.environ.get("ERPSYNC_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_store(prefix: str = "erpsync_test") -> StateStore:
    """A store on a fresh schema of its own (several test sessions share the server), or a
    skip with the reason when no server answers."""
    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = StateStore(POSTGRES_URL)
    try:
        with admin.engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # any failure to reach it means: not available
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}")
    finally:
        admin.engine.dispose()
    store = StateStore(POSTGRES_URL + f"?options=-csearch_path%3D{schema}")
    store.schema = schema  # type: ignore[attr-defined]
    return store


def drop_postgres_schema(store: StateStore) -> None:
    store.close()
    admin = StateStore(POSTGRES_URL)
    with admin.engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {store.schema} CASCADE"))  # type: ignore[attr-defined]
    admin.engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[StateStore]:
    if request.param == "sqlite":
        result = StateStore(f"sqlite:///{tmp_path}/state.db")
    else:
        result = postgres_store()
    result.migrate()
    yield result
    if request.param == "sqlite":
        result.close()
    else:
        drop_postgres_schema(result)


def commit(n: int, *, cursor_at: datetime | None = None) -> PageCommit:
    page = PageCommit(sync="customers", run_id="run-1")
    page.xrefs.append(XrefRow(f"c{n}", "sap", f"{n:010d}", "h" * 64))
    page.snapshots[f"c{n}"] = {"name": f"Customer {n}"}
    page.audit.append(AuditEntry(f"c{n}", "salesforce", f"001{n}", "create", reason="new",
                                 fields=(FieldChange("name", None, "abc"),)))
    if cursor_at:
        page.cursor = ("sap", Cursor(cursor_at, f"{n:010d}"))
    return page


def test_migrations_create_exactly_the_declared_tables(store: StateStore) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert diff == []


def test_checkpoint_writes_everything_and_cursor_is_aware(store: StateStore) -> None:
    at = datetime(2026, 10, 1, 8, 0, 0, 123000, tzinfo=UTC)
    store.checkpoint(commit(1, cursor_at=at))
    assert store.cursor("customers", "sap") == Cursor(at, "0000000001")
    assert store.ids_for_keys("customers", "sap", ["0000000001", "nope"]) == {"0000000001": "c1"}
    assert store.snapshots("customers", ["c1"]) == {"c1": {"name": "Customer 1"}}
    assert [r["operation"] for r in store.audit_trail("customers", "0000000001")] == ["create"]


def test_failed_checkpoint_leaves_nothing(store: StateStore) -> None:
    bad = commit(2)
    bad.xrefs.append(XrefRow("c3", "sap", "0000000002", "x" * 64))  # same key: unique violated
    with pytest.raises(Exception, match=r"(?i)unique|integrity"):
        store.checkpoint(bad)
    assert store.ids_for_keys("customers", "sap", ["0000000002"]) == {}
    assert store.audit_trail("customers") == []


def test_audit_chain_detects_edit_and_deletion(store: StateStore) -> None:
    for n in range(1, 4):
        store.checkpoint(commit(n))
    assert store.verify_audit() == []
    with store.engine.begin() as conn:
        conn.execute(update(t.audit).where(t.audit.c.id == 2).values(reason="edited"))
    assert 2 in store.verify_audit()
    with store.engine.begin() as conn:
        conn.execute(update(t.audit).where(t.audit.c.id == 2).values(reason="new"))
        conn.execute(delete(t.audit).where(t.audit.c.id == 3))
    assert store.verify_audit() == [-1]


def test_lock_excludes_a_second_holder(store: StateStore) -> None:
    assert store.acquire_lock("customers", "worker-a")
    assert not store.acquire_lock("customers", "worker-b")
    store.release_lock("customers", "worker-a")
    assert store.acquire_lock("customers", "worker-b")


def hold_page(n: int, city: str) -> PageCommit:
    page = PageCommit(sync="customers", run_id="run-2")
    page.holds.append(ConflictHold(f"c{n}", {"sap": f"{n:010d}", "salesforce": f"001{n}"},
                                   (HeldField("billing_address.city",
                                              {"sap": "Munich", "salesforce": city},
                                              "Berlin"),), "changed on both sides"))
    return page


def test_held_conflict_is_refreshed_resolved_audited_and_applied(store: StateStore) -> None:
    store.checkpoint(hold_page(1, "Hamburg"))
    store.checkpoint(hold_page(1, "Bremen"))  # held again: the open conflict is refreshed
    (row,) = store.review.conflicts("customers", "open")
    assert row["fields"][0]["values"] == {"sap": "Munich", "salesforce": "Bremen"}
    assert set(store.review.holding("customers", ["c1", "c2"])) == {"c1"}
    entry = AuditEntry("c1", "salesforce", None, "resolve", reason="by reviewer",
                       keys={"sap": "0000000001"})
    assert store.resolve_conflict(row["id"], {"billing_address.city": "salesforce"},
                                  "reviewer", entry, "run-3")
    assert not store.resolve_conflict(row["id"], {}, "someone else", entry, "run-4")
    assert [r["id"] for page in store.review.resolved_pages("customers", 10) for r in page] \
        == [row["id"]]
    assert store.review.counts("customers") == {"open_conflicts": 0, "resolved_conflicts": 1,
                                                "dead_letters": 0}
    applied = PageCommit(sync="customers", run_id="run-5")
    applied.applied_conflicts.append(row["id"])
    store.checkpoint(applied)
    assert store.review.holding("customers", ["c1"]) == {}
    assert [r["operation"] for r in store.audit_trail("customers")] == ["resolve"]
    assert store.verify_audit() == []


def test_dead_letter_of_the_same_record_counts_attempts_until_replayed(
        store: StateStore) -> None:
    letter = DeadLetter("sap", None, "map", "UNMAPPED_VALUE", "RecordRejected", "NZ",
                        {"Name": "Kiwi", "password": "***"}, source_system="salesforce",
                        source_key="001K")
    for _ in range(3):
        page = PageCommit(sync="customers", run_id="run-1")
        page.dead_letters.append(letter)
        store.checkpoint(page)
    (row,) = store.dead_letters("customers")
    assert row["attempts"] == 3 and row["status"] == "open"
    replayed = PageCommit(sync="customers", run_id="run-2")
    replayed.replayed_letters.append(row["id"])
    store.checkpoint(replayed)
    assert store.dead_letters("customers", "open") == []
    assert store.dead_letters("customers")[0]["status"] == "replayed"


def test_reconcile_marks_find_unseen_keys_page_by_page(store: StateStore) -> None:
    for n in range(1, 8):
        store.checkpoint(commit(n))
    store.mark_seen("customers", "sap", [f"{n:010d}" for n in (1, 3, 5)], "scan-1")
    pages = list(store.unseen_pages("customers", "sap", "scan-1", 2))
    assert [[x.key for x in page] for page in pages] == [
        ["0000000002", "0000000004"], ["0000000006", "0000000007"]]


def test_audit_chain_covers_the_keys_of_both_systems(store: StateStore) -> None:
    page = PageCommit(sync="customers", run_id="run-1")
    page.audit.append(AuditEntry("c1", "sap", "1", "update", reason="changed",
                                 keys={"sap": "1", "salesforce": "001A"}))
    store.checkpoint(page)
    assert store.verify_audit() == []
    with store.engine.begin() as conn:
        conn.execute(update(t.audit).values(keys={"sap": "1", "salesforce": "001B"}))
    assert store.verify_audit() == [1]


def test_a_delta_link_is_kept_per_sync_system_and_object_exactly_as_given(
        store: StateStore) -> None:
    link = "A_BusinessPartner?!deltatoken='D20261001T080000146'&sap-client=100"
    assert store.delta_link("customers", "sap", "A_BusinessPartner") is None
    store.save_delta_link("customers", "sap", "A_BusinessPartner", link)
    store.save_delta_link("products", "sap", "A_Product", "other")
    assert store.delta_link("customers", "sap", "A_BusinessPartner") == link
    assert store.delta_link("customers", "sap", "A_Product") is None
    store.save_delta_link("customers", "sap", "A_BusinessPartner", link + "2")
    assert store.delta_link("customers", "sap", "A_BusinessPartner") == link + "2"
    assert store.delta_link("products", "sap", "A_Product") == "other"


def state_on(kind: str, env: T, monkeypatch: pytest.MonkeyPatch, prefix: str) -> Iterator[T]:
    """``env`` with the state store on SQLite (as it came) or on a fresh PostgreSQL schema,
    dropped afterwards: the body of a fixture parametrised over both."""
    if kind == "sqlite":
        yield env
        return
    store = postgres_store(prefix)
    monkeypatch.setenv("ERPSYNC_STATE_URL", store.url)
    yield env
    drop_postgres_schema(store)
