"""Optional connector abilities the engine uses when a mapping asks for them.

``connectors.base.Connector`` has no delete: most syncs never delete (``deletes: deactivate``
is the default). A connector that can delete records in batches offers ``delete_batch``;
``deletes: propagate`` needs it on each system the sync writes into
(``SyncMapping.receives_deletes``) and stops before the first read otherwise.

A connector whose system keeps a delta feed for an object (SAP's delta tokens) offers
``ReadsDelta``: the engine then reads that object through the link it kept from the last run
(``StateStore.delta_link``) instead of by change stamp, and so also sees records deleted
outright, which a change-stamp filter cannot.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol, runtime_checkable

from connectors.base import SourceRecord, WriteResult


@runtime_checkable
class DeletesRecords(Protocol):
    def delete_batch(self, obj: str, keys: Sequence[str],
                     etags: Mapping[str, str] | None = None) -> list[WriteResult]:
        """Delete the records with these keys, in batches; one result per key, in order,
        ``ref`` being the key. Outcome ``updated`` means deleted, or already gone (deleting
        is idempotent; ``WriteResult`` has no ``deleted`` outcome). ``etags`` (by key), where
        the system has them, guard each delete: a record changed since it was read is not
        deleted but ``failed`` with a ``ConflictError``."""


class DeltaFeed(Protocol):
    """One delta read: records changed since the link it started from, deletes included (in
    the system's order); ``link`` is where the next read resumes, set once all are read
    (``None`` when the system handed out none)."""

    link: str | None

    def __iter__(self) -> Iterator[SourceRecord]: ...


@runtime_checkable
class ReadsDelta(Protocol):
    def tracks_changes(self, obj: str) -> bool:
        """True when ``obj`` is read through delta links (the system tracks its changes)."""

    def read_delta(self, obj: str, link: str | None, fields: Sequence[str]) -> DeltaFeed:
        """Changes of ``obj`` since ``link`` (every record when ``None``)."""
