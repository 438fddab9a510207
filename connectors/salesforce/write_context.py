"""What the writers of one ``write_batch`` call share: where, how, and the results so far."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from connectors.base import TargetRecord, WriteResult
from connectors.errors import SyncError
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.references import Relationship
from connectors.salesforce.settings import SalesforceSettings

Indexed = tuple[int, TargetRecord]
"""A record with its place in the ``write_batch`` input, which its result takes."""
Results = dict[int, WriteResult]


@dataclass(frozen=True)
class WriteContext:
    """One object's writes in one call: the client, the settings, the object's lookups (for
    parent references) and the results by input index, filled in by whichever writer sends."""

    client: SalesforceClient
    settings: SalesforceSettings
    obj: str
    relationships: Mapping[str, Relationship]
    results: Results

    def fail(self, index: int, record: TargetRecord, error: SyncError) -> None:
        self.results[index] = WriteResult(
            ref=record.ref, outcome="failed", key=record.key, error=error
        )


class ContextWriter:
    """Base of the writers: the context and the parts of it every method needs."""

    def __init__(self, context: WriteContext) -> None:
        self._context = context
        self._client = context.client
        self._settings = context.settings
        self._obj = context.obj
