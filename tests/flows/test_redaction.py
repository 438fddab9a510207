"""The redaction layer on its own: real loggers and handlers, real exceptions."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from connectors.errors import ConfigError
from flows.redaction import (
    RedactingFilter,
    SecretRegistry,
    errors_redacted,
    install_log_redaction,
    redacted_exception,
)

SECRET = "s3cr3t-Value-4711"


@pytest.fixture
def registry() -> SecretRegistry:
    registry = SecretRegistry()
    registry.register(SECRET, "ab", None)  # too short or empty: never registered
    return registry


@pytest.fixture
def captured(registry: SecretRegistry) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(registry))
    logger = logging.getLogger("erpsync.test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


def test_known_values_and_credential_shapes_are_masked(registry: SecretRegistry) -> None:
    text = registry.redact(f"login with {SECRET}; Authorization: Bearer 00Dxx!AQ4AQLongToken; "
                           "POST grant_type=password&password=hunter2hunter2&client_id=app; "
                           '{"access_token": "eyJhbGciOi.payload.sig"}')
    assert SECRET not in text and "00Dxx!AQ4AQLongToken" not in text
    assert "hunter2hunter2" not in text and "eyJhbGciOi" not in text
    assert "Bearer ***" in text and "client_id=app" in text, "only the secret parts go"
    assert registry.redact("a short word like ab stays") == "a short word like ab stays"


def test_log_arguments_and_tracebacks_are_masked(
        captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.info("connecting with %s to %s", SECRET, "https://example.test")
    try:
        raise RuntimeError(f"refused: {SECRET}")
    except RuntimeError:
        logger.exception("failed")
    output = stream.getvalue()
    assert SECRET not in output
    assert "connecting with *** to https://example.test" in output
    assert "RuntimeError: refused: ***" in output


def test_every_existing_handler_gets_the_filter_once() -> None:
    handler = logging.StreamHandler(io.StringIO())
    logger = logging.getLogger("erpsync.test.install")
    logger.addHandler(handler)
    try:
        install_log_redaction()
        install_log_redaction()
        assert [type(f) for f in handler.filters] == [RedactingFilter]
    finally:
        logger.removeHandler(handler)


def test_an_exception_keeps_its_class_and_loses_the_secret(registry: SecretRegistry) -> None:
    error = ConfigError(f"SAP refused user INTEGRATION with password {SECRET}", code="AUTH",
                        system="sap")
    clean = redacted_exception(error, registry)
    assert isinstance(clean, ConfigError) and clean.code == "AUTH"
    assert SECRET not in str(clean) and SECRET not in repr(clean)
    harmless = ConfigError("nothing secret here")
    assert redacted_exception(harmless, registry) is harmless

    with pytest.raises(ConfigError) as raised, errors_redacted(registry):
        raise error
    assert SECRET not in str(raised.value) and raised.value.__traceback__ is not None
