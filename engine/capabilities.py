"""Optional connector abilities the engine uses when a mapping asks for them.

``connectors.base.Connector`` has no delete: most syncs never delete (``deletes: deactivate``
is the default). A connector that can delete records in batches offers ``delete_batch``;
``deletes: propagate`` needs it on each system the sync writes into
(``SyncMapping.receives_deletes``) and stops before the first read otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from connectors.base import WriteResult


@runtime_checkable
class DeletesRecords(Protocol):
    def delete_batch(self, obj: str, keys: Sequence[str],
                     etags: Mapping[str, str] | None = None) -> list[WriteResult]:
        """Delete the records with these keys, in batches; one result per key, in order,
        ``ref`` being the key. Outcome ``updated`` means deleted, or already gone (deleting
        is idempotent; ``WriteResult`` has no ``deleted`` outcome). ``etags`` (by key), where
        the system has them, guard each delete: a record changed since it was read is not
        deleted but ``failed`` with a ``ConflictError``."""
