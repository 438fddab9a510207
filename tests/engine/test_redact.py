"""Secrets stay out of dead letters and the review queue: values of secret-looking fields are
masked, nested ones too; other values keep a plain, JSON-safe form."""

from __future__ import annotations

from decimal import Decimal

from engine.merge import Held
from engine.recording import _held_field
from engine.redact import MASK, redact


def test_dead_letter_payloads_mask_secret_fields_at_any_depth() -> None:
    payload = {"Name": "Kiwi", "Password__c": "hunter2", "Limit": Decimal("1.5"),
               "auth": {"Authorization": "Bearer abc", "user": "x"}}
    assert redact(payload) == {"Name": "Kiwi", "Password__c": MASK, "Limit": "1.5",
                               "auth": {"Authorization": MASK, "user": "x"}}
    assert redact({"nested": {"api_token": "t", "city": "Auckland"}}) == {
        "nested": {"api_token": MASK, "city": "Auckland"}}


def test_a_held_secret_field_is_kept_masked_in_the_review_queue() -> None:
    held = _held_field(Held("portal_password", {"sap": "a", "salesforce": "b"}, "c"))
    assert held.values == {"sap": MASK, "salesforce": MASK} and held.base == MASK
    plain = _held_field(Held("billing_address.city", {"sap": "Lyon"}, "Graz"))
    assert plain.values == {"sap": "Lyon"} and plain.base == "Graz"
