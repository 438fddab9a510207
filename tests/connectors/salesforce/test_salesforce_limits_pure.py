"""Pure parts of limits and transient errors: the API budget, the limit error, Bulk error cells,
transport failures split by whether the request may have reached the server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from urllib3.exceptions import NewConnectionError, ProtocolError

from connectors.errors import ConfigError, LimitExhausted, RecordRejected, TransientError
from connectors.salesforce.budget import ApiBudget
from connectors.salesforce.errors import (
    is_worth_retrying,
    is_worth_retrying_once_sent,
    translate_api_error,
    translate_bulk_error,
    translate_transport_error,
)

NOW = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def budget(share: float | None = 0.1) -> ApiBudget:
    return ApiBudget(share, timedelta(hours=1), now=lambda: NOW)


def test_the_budget_is_unknown_until_a_header_tells_the_limit() -> None:
    made = budget()
    made.ensure(1000, "write Account")  # nothing known yet: the first call goes
    made.record(None)
    assert made.allowed is None and made.spent == 1


def test_the_budget_is_a_share_of_the_daily_limit_checked_before_each_call() -> None:
    made = budget(0.1)
    made.record("api-usage=500/1000")
    assert made.allowed == 100
    for _ in range(98):
        made.record("api-usage=600/1000")
    made.ensure(1, "query Account")  # the 100th call fits
    with pytest.raises(LimitExhausted) as caught:
        made.ensure(2, "query Account")  # 101 would not
    assert caught.value.code == "API_BUDGET_SPENT"
    assert caught.value.resume_at is None


def test_an_org_without_allowance_is_not_called_and_says_when_to_resume() -> None:
    made = budget(None)
    made.record("api-usage=1000/1000")
    with pytest.raises(LimitExhausted) as caught:
        made.ensure(1, "query Account")
    assert caught.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert caught.value.resume_at == NOW + timedelta(hours=1)


def test_no_budget_means_only_the_org_limit_counts() -> None:
    made = budget(None)
    made.record("api-usage=10/1000")
    made.ensure(10_000, "write Account")


def test_request_limit_exceeded_is_a_limit_that_is_never_retried() -> None:
    content = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]
    error = translate_api_error(403, content, context="query Account", resume_at=NOW)
    assert isinstance(error, LimitExhausted) and error.resume_at == NOW
    assert not is_worth_retrying(error)
    assert is_worth_retrying(TransientError("x", code="HTTP_503"))


@pytest.mark.parametrize(
    ("cell", "cls", "code"),
    [
        ("REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --",
         RecordRejected, "REQUIRED_FIELD_MISSING"),
        ("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--",
         TransientError, "UNABLE_TO_LOCK_ROW"),
        ("FIELD_CUSTOM_VALIDATION_EXCEPTION:Blocked accounts cannot change:--",
         RecordRejected, "FIELD_CUSTOM_VALIDATION_EXCEPTION"),
        ("INVALID_FIELD_FOR_INSERT_UPDATE:Unable to create/update fields: Id:Id --",
         ConfigError, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ("something without a code", RecordRejected, "UNKNOWN"),
    ],
)
def test_bulk_error_cells_go_through_the_code_table(
    cell: str, cls: type[Exception], code: str
) -> None:
    error = translate_bulk_error(cell, context="bulk Account")
    assert type(error) is cls
    assert error.code == code


def refused() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: refused")  # type: ignore[arg-type]
    return requests.ConnectionError(reason)


def dropped() -> requests.ConnectionError:
    return requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError()))


@pytest.mark.parametrize(
    ("exc", "code", "resend_create"),
    [
        (refused(), "CONNECTION", True),
        (requests.exceptions.ConnectTimeout("no connect"), "CONNECT_TIMEOUT", True),
        (dropped(), "CONNECTION_DROPPED", False),
        (requests.exceptions.ChunkedEncodingError("cut"), "CONNECTION_DROPPED", False),
        (requests.exceptions.ReadTimeout("slow"), "TIMEOUT", False),
    ],
)
def test_a_create_is_resent_only_when_it_certainly_did_not_arrive(
    exc: requests.RequestException, code: str, resend_create: bool
) -> None:
    error = translate_transport_error(exc, context="create Account")
    assert isinstance(error, TransientError) and error.code == code
    assert is_worth_retrying(error)  # idempotent requests: always
    assert is_worth_retrying_once_sent(error) is resend_create


def test_tls_failures_are_configuration() -> None:
    error = translate_transport_error(requests.exceptions.SSLError("bad cert"), context="x")
    assert isinstance(error, ConfigError) and error.code == "TLS"
