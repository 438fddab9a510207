"""What a connector's tests provide so that the shared contract suite can drive it.

The suite (``suite.py``) knows nothing about any vendor: each system's harness reaches its
real stand-in through the stand-in's *own* API (REST for the Salesforce sandbox, OData or the
control plane for mock-sap), never through the connector under test, so that the suite checks
the connector against the system and not against itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from connectors.base import Connector, TargetRecord


class ContractHarness(Protocol):
    system: str
    obj: str
    """The object the suite reads and writes (``Account``, ``A_BusinessPartner``)."""
    fields: Sequence[str]
    """Fields the suite reads; ``text_field`` and ``lookup_field`` among them."""
    text_field: str
    """A writable text field the suite edits and reads back."""
    lookup_field: str
    """A field ``read_by`` can look records up by, unique per seeded record."""
    # Optional: ``writes = False`` when the connector cannot write ``obj`` at all (SAP over
    # RFC has no customer write BAPI). The suite then skips its create/update tests, and the
    # harness's module must check that ``write_batch`` refuses with ``ConfigError`` before
    # any call. Harnesses without the attribute write. Likewise ``changes = False`` when the
    # connector reads ``obj`` by key only (SAP sales orders over RFC: a status BAPI, no change
    # feed): the change-capture tests are skipped and the module checks the refusal.

    def connector(self) -> Connector:
        """A fresh connector with working settings; the suite closes it."""

    def broken_connector(self) -> Connector:
        """A connector whose credentials the system refuses."""

    def secret(self) -> str:
        """The credential ``broken_connector`` sent; it must show in no error message."""

    def reset(self) -> None:
        """The stand-in back to a known state (seed data allowed)."""

    def mark(self) -> datetime:
        """Move the system's clock past every existing record's change stamp and return an
        instant at or before which nothing the suite creates afterwards is stamped."""

    def seed(self, count: int) -> list[str]:
        """Create ``count`` records through the system's own API; their keys, in creation
        order. Each gets a distinct ``lookup_field`` value (see ``lookup_value``)."""

    def lookup_value(self, key: str) -> str:
        """The ``lookup_field`` value of a seeded record."""

    def touch(self, key: str, text: str) -> None:
        """Set ``text_field`` of a record through the system's own API (its stamp moves)."""

    def read_native(self, key: str) -> dict[str, Any]:
        """The record as the system itself returns it, by key (``text_field`` included)."""

    def new_record(self, n: int) -> TargetRecord:
        """A valid record to create, with ``ref`` ``f"new-{n}"`` and ``text_field`` set to
        ``f"contract {n}"``."""

    def invalid_record(self) -> TargetRecord:
        """A record the system itself rejects (not one the connector refuses locally)."""

    def update_of(self, key: str, text: str) -> TargetRecord:
        """An update of an existing record that sets ``text_field`` to ``text``."""

    def served_writes(self) -> int:
        """How many modifying API requests the stand-in has served so far."""
