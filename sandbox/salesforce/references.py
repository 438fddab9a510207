"""Relationship references by External ID: linking a record to its parent without its ID.

In a JSON write the relationship name carries the parent's External ID,
``"Account": {"ERP_Customer_Number__c": "0001000001"}``; in a Bulk API CSV the column header
is ``Account.ERP_Customer_Number__c``. Either way the server looks the parent up and stores
its ID in the reference field (``AccountId``). A malformed reference fails the request; a
parent that does not exist fails only that record.
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_relationshipfields.htm
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.salesforce.catalog import target_of
from sandbox.salesforce.errors import ApiError, RecordError, message
from sandbox.salesforce.schema import FieldSpec, Json, ObjectSpec
from sandbox.salesforce.store import Store


@dataclass(frozen=True)
class ForeignKey:
    """A parent named by one of its External ID values, resolved when the record is written."""

    field: FieldSpec  # the reference field on the child, e.g. AccountId
    target: ObjectSpec  # e.g. Account
    key: FieldSpec  # the parent's External ID field
    value: str

    def resolve(self, store: Store) -> str:
        """The parent's ID; RecordError if no live parent or several have this value."""
        matches = store.find(self.target.name, self.key.name, self.value)
        if not matches:
            raise RecordError("INVALID_FIELD", f"Foreign key external ID: {self.value} not "
                              f"found for field {self.key.name} in entity {self.target.name}",
                              [self.field.name])
        if len(matches) > 1:
            raise RecordError.of("DUPLICATE_EXTERNAL_ID", [self.field.name], field=self.key.name,
                                 value="[" + ", ".join(matches) + "]")
        return matches[0]


def parse_reference(obj: ObjectSpec, name: str, raw: Json) -> ForeignKey | None:
    """The ForeignKey for a JSON member named after a relationship, or None if ``name`` is
    not a relationship of ``obj``. Malformed references raise the request-level 400."""
    spec = obj.relationship(name)
    if spec is None:
        return None
    target = target_of(spec)
    members = {k: v for k, v in raw.items() if k != "attributes"} if isinstance(raw, dict) else {}
    if target is None or len(members) != 1:
        raise ApiError(400, "INVALID_FIELD", f"A relationship reference {name} must name "
                       "exactly one External ID field of the parent, e.g. "
                       f'"{name}": {{"ExternalId__c": "value"}}')
    key_name, value = next(iter(members.items()))
    key = target.field(key_name)
    if key is None or not key.external_id:
        raise ApiError(400, "INVALID_FIELD", message("INVALID_FIELD", field=key_name,
                                                      object=target.name))
    if value is None or isinstance(value, dict | list | bool):
        raise ApiError(400, "JSON_PARSER_ERROR",
                       f"Cannot deserialize value {value} for {name}.{key.name}")
    return ForeignKey(spec, target, key, str(value))


def both_given(spec: FieldSpec) -> ApiError:
    """A field may be set by ID or by reference, not both in one record."""
    return ApiError(400, "INVALID_FIELD", "Cannot specify both an external ID reference "
                    f"{spec.relationship} and a salesforce id, {spec.name}")
