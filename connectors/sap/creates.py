"""Exactly-once creates: find a record SAP already holds under the caller's own reference.

A create whose answer never came (a timeout, a dropped connection: ``OutcomeUnknown``) may
or may not have been carried out. OData V2 on S/4HANA has no idempotency key for a POST, so
the caller's id travels in a property of the record itself - the Salesforce order id in the
customer's purchase order number (``PurchaseOrderByCustomer``, configured in
``reference_fields``) - and before anything is created again, SAP is asked for records
holding those references. The same lookup runs once before the first attempt too, so a
create SAP carried out in an earlier run (which crashed before it recorded the key) is found
rather than repeated.

SAP may still be working on a request whose answer we gave up on: the read-back waits
``outcome_wait`` seconds first. A record created without a reference cannot be looked for;
after a lost answer it is reported failed (``OutcomeUnknown``) and never sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from connectors.base import SourceRecord

log = logging.getLogger(__name__)

FindBy = Callable[[str, list[str], list[str]], Iterable[SourceRecord]]
"""``(field, values, fields) -> records``: one batched lookup by value."""


def already_created(
    obj: str, reference_field: str, references: Sequence[str], find_by: FindBy
) -> dict[str, str]:
    """Reference -> key of the record SAP holds under it, for each reference it holds."""
    wanted = [ref for ref in dict.fromkeys(references) if ref]
    if not wanted:
        return {}
    found: dict[str, list[str]] = {}
    for record in find_by(reference_field, wanted, [reference_field]):
        value = str(record.fields.get(reference_field) or "")
        found.setdefault(value, []).append(record.key)
    for value, keys in found.items():
        if len(keys) > 1:
            log.warning("SAP %s holds %s records under %s %r (%s); using %s, the oldest key",
                        obj, len(keys), reference_field, value, ", ".join(sorted(keys)),
                        min(keys))
    return {value: min(keys) for value, keys in found.items() if value in wanted}
