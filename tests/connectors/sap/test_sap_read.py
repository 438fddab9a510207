"""Reading from a real mock-sap: change capture, keyset paging, flattening, lookups by value."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sap_support import (
    ADDRESS,
    ADDRESS_ID,
    BP,
    CITY,
    MakeConnector,
    ServerPagingSession,
    add_fault,
    seed_partners,
    served,
)

from connectors.base import Connector, Cursor, SourceRecord, TargetRecord
from connectors.errors import ConfigError
from connectors.sap import SapODataConnector
from sandbox.process import ChildServer

SEEDED = 24
FIELDS = ["OrganizationBPName1", "BusinessPartnerIsBlocked", CITY, f"{ADDRESS}/Country"]


def order(record: SourceRecord) -> tuple[datetime, str]:
    return record.modified_at, record.key


def test_is_a_connector(connector: SapODataConnector) -> None:
    assert isinstance(connector, Connector)
    assert connector.system == "sap"


def test_full_read_returns_every_partner_in_change_order(connector: SapODataConnector) -> None:
    records = list(connector.read_changes(BP, None, FIELDS))
    assert len(records) == SEEDED
    assert records == sorted(records, key=order)
    assert len({r.key for r in records}) == SEEDED
    assert all(r.modified_at.tzinfo is UTC for r in records)
    assert all(r.system == "sap" and r.object == BP and not r.deleted for r in records)


def test_records_are_flattened(connector: SapODataConnector) -> None:
    by_key = {r.key: r for r in connector.read_changes(BP, None, FIELDS)}
    becker = by_key["1000001"]
    assert dict(becker.fields) == {
        "BusinessPartner": "1000001",
        "LastChangeDate": datetime(2021, 12, 2, tzinfo=UTC),
        "OrganizationBPName1": "Becker Berlin",
        "BusinessPartnerIsBlocked": False,
        ADDRESS_ID: "0000020000",
        CITY: "Walldorf",
        f"{ADDRESS}/Country": "DE",
    }
    assert becker.modified_at == datetime(2021, 12, 2, tzinfo=UTC)
    assert becker.etag == "W/\"datetime'2021-12-02T00%3A00%3A00'\""
    without_address = [r for r in by_key.values() if r.fields[ADDRESS_ID] is None]
    assert without_address, "the seed has partners without an address"
    assert all(r.fields[CITY] is None for r in without_address)


def test_query_selects_exactly_what_is_needed(sap: ChildServer,
                                               connector: SapODataConnector) -> None:
    list(connector.read_changes(BP, None, ["SearchTerm1", CITY]))
    query = next(r["query"] for r in served(sap) if r["path"].endswith(BP))
    assert ("$select=BusinessPartner,LastChangeDate,SearchTerm1,"
            f"{ADDRESS}/AddressID,{CITY}") in query
    assert "$orderby=LastChangeDate,BusinessPartner" in query
    assert f"$expand={ADDRESS}" in query
    assert "sap-client=100" in query


def test_incremental_read_is_inclusive_and_sees_new_records(
    connector: SapODataConnector,
) -> None:
    everything = list(connector.read_changes(BP, None, FIELDS))
    last = everything[-1]
    cursor = Cursor(last.modified_at, last.key)
    assert [r.key for r in connector.read_changes(BP, cursor, FIELDS)] == [last.key]

    created = connector.write_batch(BP, [TargetRecord(
        ref="n1", fields={"BusinessPartnerCategory": "2", "OrganizationBPName1": "After Cursor",
                          CITY: "Hamburg", f"{ADDRESS}/Country": "DE"})])
    since = list(connector.read_changes(BP, cursor, FIELDS))
    assert [r.key for r in since] == [last.key, created[0].key]
    new = since[-1]
    assert new.fields["OrganizationBPName1"] == "After Cursor"
    assert new.fields[CITY] == "Hamburg"
    assert new.modified_at > last.modified_at


def test_lookback_is_exposed_for_the_engine_not_applied_per_read(
        make_connector: MakeConnector) -> None:
    """The engine moves a run's first cursor back by ``lookback``; each read itself starts at
    its cursor, so a page after page does not re-read the window every time."""
    connector = make_connector(lookback_seconds=timedelta(days=100).total_seconds())
    assert connector.lookback == timedelta(days=100)
    everything = list(connector.read_changes(BP, None, []))
    last = everything[-1]
    assert [r.key for r in connector.read_changes(BP, Cursor(last.modified_at, last.key), [])] \
        == [last.key]
    start = last.modified_at - connector.lookback
    window = [r for r in everything if r.modified_at >= start]
    read = list(connector.read_changes(BP, Cursor(start, ""), []))
    assert [r.key for r in read] == [r.key for r in window]


@pytest.mark.parametrize(("page_size", "requests_made"), [(5, 5), (4, 7), (500, 1)])
def test_paging_loses_and_repeats_nothing(
    make_connector: MakeConnector, page_size: int, requests_made: int
) -> None:
    connector = make_connector(page_size=page_size)
    records = list(connector.read_changes(BP, None, [CITY]))
    assert len(records) == SEEDED
    assert len({r.key for r in records}) == SEEDED
    assert records == sorted(records, key=order)
    # 24 rows: full pages, then a short (or, at 4 per page, an empty) one ends the read
    assert connector.counter.by_kind["query"] == requests_made


def test_server_driven_paging_is_followed(make_connector: MakeConnector) -> None:
    """Real S/4 cuts long answers and links the rest with __next; mock-sap never does."""
    session = ServerPagingSession(cap=3)
    connector = make_connector(session=session, page_size=10)
    records = list(connector.read_changes(BP, None, [CITY]))
    assert len(records) == SEEDED
    assert len({r.key for r in records}) == SEEDED
    assert records == sorted(records, key=order)
    # 3 keyset pages of 10, 10, 4 rows; each cut into pieces of 3 and linked
    assert session.links_followed == 3 + 3 + 1
    assert connector.counter.by_kind["query"] == 3 + session.links_followed
    assert all(r.fields[ADDRESS_ID] or r.fields[CITY] is None for r in records)


def test_a_change_during_paging_loses_no_record(make_connector: MakeConnector) -> None:
    """With $skip paging, moving a read row to the end would shift an unread one past us."""
    reader, writer = make_connector(page_size=5), make_connector()
    seen: list[SourceRecord] = []
    for record in reader.read_changes(BP, None, ["SearchTerm1"]):
        seen.append(record)
        if len(seen) == 5:  # first page consumed: change a row of it
            first = seen[0]
            result = writer.write_batch(BP, [TargetRecord(
                ref="m", key=first.key, etag=first.etag, fields={"SearchTerm1": "MOVED"})])
            assert result[0].outcome == "updated"
    keys = [r.key for r in seen]
    assert len(set(keys)) == SEEDED
    assert keys.count(seen[0].key) == 2  # read again, with its new change stamp, at the end
    assert seen[-1].fields["SearchTerm1"] == "MOVED"



def _read_pages(connector: SapODataConnector, size: int,
                between: Callable[[list[SourceRecord]], None] | None = None,
                ) -> list[list[SourceRecord]]:
    """Pages of ``size`` as the engine asks for them (``SyncRun.pages``): every page a new
    read from ``(stamp, key)`` of the last record of the page before, inclusively, that
    record skipped and the read closed once the page is full. ``between`` sees each page
    before the next read."""
    pages: list[list[SourceRecord]] = []
    since: Cursor | None = None
    while True:
        records = connector.read_changes(BP, since, [CITY])
        page: list[SourceRecord] = []
        for record in records:
            if since is not None and (record.modified_at, record.key) == \
                    (since.modified_at, since.key):
                continue
            page.append(record)
            if len(page) == size:
                break
        records.close()  # type: ignore[attr-defined]  # a generator
        if not page:
            return pages
        pages.append(page)
        if between is not None:
            between(page)
        since = Cursor(page[-1].modified_at, page[-1].key)
        if len(page) < size:
            return pages


def test_each_page_from_an_inclusive_cursor_costs_one_request(
        sap: ChildServer, connector: SapODataConnector) -> None:
    """The record the cursor names comes back first; asking for one row more keeps a full
    page of new ones to one request (it took two: the second fetched 500 rows to use one)."""
    seed_partners(sap, 1200)
    connector.describe(BP)
    mark = max(r["id"] for r in served(sap))

    pages = _read_pages(connector, 500)

    keys = [r.key for page in pages for r in page]
    assert [len(page) for page in pages] == [500, 500, SEEDED + 200]
    assert len(set(keys)) == len(keys) == SEEDED + 1200
    assert keys == [r.key for r in sorted((r for p in pages for r in p), key=order)]
    reads = [r for r in served(sap) if r["id"] > mark and r["path"].endswith(BP)]
    assert len(reads) == 3 == connector.counter.by_kind["query"]
    tops = [re.search(r"\$top=(\d+)", r["query"]) for r in reads]
    assert [int(t.group(1)) for t in tops if t] == [500, 501, 501]


def test_server_cut_pages_are_followed_within_each_engine_page(
        make_connector: MakeConnector) -> None:
    """With ``$top`` one row larger, a server that cuts its answers still links the rest with
    ``__next``; a request counts as full only when every linked piece together is."""
    session = ServerPagingSession(cap=4)
    connector = make_connector(session=session, page_size=10)
    pages = _read_pages(connector, 10)
    keys = [r.key for page in pages for r in page]
    assert [len(page) for page in pages] == [10, 10, 4]
    assert len(set(keys)) == SEEDED
    # $top 10, 11, 11: answered 4+4+2, 4+4+3, and (from the 20th record on) 4+1
    assert session.links_followed == 2 + 2 + 1
    assert connector.counter.by_kind["query"] == 3 + session.links_followed

def test_a_cursor_record_changed_between_pages_is_read_again_and_nothing_lost(
        sap: ChildServer, make_connector: MakeConnector) -> None:
    """When the cursor's record moved meanwhile, the one extra row is a new record: the page
    still fills from one request, the next read starts after it, and the moved record comes
    again at the end with its new stamp."""
    seed_partners(sap, 30)
    reader, writer = make_connector(page_size=10), make_connector()
    moved: list[str] = []

    def move_last(page: list[SourceRecord]) -> None:
        if moved:
            return
        last = page[-1]
        result = writer.write_batch(BP, [TargetRecord(
            ref="m", key=last.key, etag=last.etag, fields={"SearchTerm1": "MOVED"})])
        assert result[0].outcome == "updated"
        moved.append(last.key)

    reader.describe(BP)
    pages = _read_pages(reader, 10, move_last)

    keys = [r.key for page in pages for r in page]
    assert set(keys) == {r.key for r in writer.read_changes(BP, None, [])}
    assert len(keys) == SEEDED + 30 + 1  # every record once, the moved one twice
    assert keys.count(moved[0]) == 2 and keys[-1] == moved[0]
    assert all(len(page) == 10 for page in pages[:-1])
    assert reader.counter.by_kind["query"] == len(pages)

def test_unknown_fields_fail_before_any_query(connector: SapODataConnector) -> None:
    with pytest.raises(ConfigError, match="no field 'Nope'"):
        connector.read_changes(BP, None, ["Nope"])
    assert "query" not in connector.counter.by_kind


def test_read_by_key_matches_both_alpha_spellings(connector: SapODataConnector) -> None:
    created = connector.write_batch(BP, [TargetRecord(
        ref="n", fields={"BusinessPartnerCategory": "2", "OrganizationBPName1": "Padded"})])
    padded = created[0].key
    assert padded is not None and padded.startswith("000")
    values = ["0001000001", "1000002", padded.lstrip("0"), "999"]
    found = list(connector.read_by(BP, "BusinessPartner", values, ["OrganizationBPName1", CITY]))
    assert sorted(r.key for r in found) == sorted(["1000001", "1000002", padded])
    assert connector.counter.by_kind["query"] == 1
    assert {r.fields["OrganizationBPName1"] for r in found} >= {"Becker Berlin", "Padded"}


def test_read_by_other_field_chunks_values(make_connector: MakeConnector) -> None:
    connector = make_connector(read_by_chunk=2)
    names = ["Becker Berlin", "Talpa GmbH", "O'Brien & Co"]
    found = list(connector.read_by(BP, "OrganizationBPName1", names, []))
    assert sorted(r.fields["BusinessPartner"] for r in found) == ["1000001", "1000002"]
    assert connector.counter.by_kind["query"] == 2


def test_read_is_retried_on_a_transient_failure(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    connector.describe(BP)
    add_fault(sap, match=BP, method="GET", scenario="busy", count=1)
    records = list(connector.read_changes(BP, None, []))
    assert len(records) == SEEDED
    assert connector.counter.by_kind["query"] == 2
    assert [r["status"] for r in served(sap) if r["path"].endswith(BP)] == [503, 200]


def test_a_slow_read_is_retried_after_the_timeout(make_connector: MakeConnector,
                                                  sap: ChildServer) -> None:
    connector = make_connector(timeout=0.5)
    connector.describe(BP)
    add_fault(sap, match=BP, method="GET", scenario="slow", count=1)
    assert len(list(connector.read_changes(BP, None, []))) == SEEDED
    assert connector.counter.by_kind["query"] == 2
