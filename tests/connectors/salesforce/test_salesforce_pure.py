"""Pure parts of the connector: error tables, settings, grants, parsing, routing."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from connectors.base import Connector, ObjectSchema, TargetRecord
from connectors.errors import ConfigError, LimitExhausted, RecordRejected, TransientError
from connectors.salesforce import SalesforceConnector
from connectors.salesforce.auth import JWT_BEARER_GRANT, grant_form, jwt_assertion
from connectors.salesforce.client import call_kind, parse_api_usage
from connectors.salesforce.errors import (
    is_worth_retrying,
    translate_api_error,
    translate_record_errors,
    translate_token_error,
)
from connectors.salesforce.records import parse_datetime, source_record
from connectors.salesforce.routes import Route
from connectors.salesforce.schema import object_schema
from connectors.salesforce.settings import SalesforceSettings
from connectors.settings import load_settings

LOGIN = "https://127.0.0.1:8443"


def settings(**overrides: object) -> SalesforceSettings:
    values: dict[str, object] = {
        "login_url": LOGIN,
        "username": "integration@sandbox.local",
        "password": "sandbox-password",
        "client_id": "erpsync-sandbox",
    }
    values.update(overrides)
    return SalesforceSettings.model_validate(values)


# -- error tables ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "INVALID_SESSION_ID", ConfigError),
        (400, "INVALID_FIELD", ConfigError),
        (400, "MALFORMED_QUERY", ConfigError),
        (403, "INSUFFICIENT_ACCESS", ConfigError),
        (403, "REQUEST_LIMIT_EXCEEDED", LimitExhausted),
        (503, "SERVER_UNAVAILABLE", TransientError),
        (503, "", TransientError),
        (500, "UNKNOWN_EXCEPTION", TransientError),
        (400, "DUPLICATE_VALUE", RecordRejected),
        (404, "", ConfigError),
        (300, "", RecordRejected),
    ],
)
def test_api_errors_are_translated_by_status_and_code(
    status: int, code: str, expected: type[Exception]
) -> None:
    content = [{"errorCode": code, "message": "server says"}] if code else "<html>"
    error = translate_api_error(status, content, context="query Account")
    assert type(error) is expected
    assert error.system == "salesforce"
    assert error.code == (code or f"HTTP_{status}")


def test_the_message_text_never_decides_the_branch() -> None:
    lying = [{"errorCode": "DUPLICATE_VALUE", "message": "UNABLE_TO_LOCK_ROW please retry"}]
    assert isinstance(translate_api_error(400, lying, context="x"), RecordRejected)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("DUPLICATE_VALUE", RecordRejected),
        ("REQUIRED_FIELD_MISSING", RecordRejected),
        ("STRING_TOO_LONG", RecordRejected),
        ("FIELD_CUSTOM_VALIDATION_EXCEPTION", RecordRejected),
        ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", RecordRejected),
        ("SOMETHING_NEW_IN_WINTER_27", RecordRejected),
        ("UNABLE_TO_LOCK_ROW", TransientError),
        ("INVALID_FIELD_FOR_INSERT_UPDATE", ConfigError),
        ("INVALID_FIELD", RecordRejected),  # one record's parent reference matched nothing
    ],
)
def test_per_record_errors(code: str, expected: type[Exception]) -> None:
    errors = [{"statusCode": code, "message": "nope", "fields": ["Name"]}]
    error = translate_record_errors(errors, context="upsert Account")
    assert type(error) is expected
    assert error.code == code
    assert "[Name]" in error.message


def test_token_refusals_are_config_errors_without_secrets() -> None:
    body = {"error": "invalid_grant", "error_description": "bad pw hunter2"}
    error = translate_token_error(
        400, body, grant="password", token_url=LOGIN, redact=lambda t: t.replace("hunter2", "***")
    )
    assert isinstance(error, ConfigError)
    assert error.code == "invalid_grant"
    assert "hunter2" not in str(error)
    assert isinstance(
        translate_token_error(503, None, grant="password", token_url=LOGIN, redact=str),
        TransientError,
    )


def test_only_short_term_transient_errors_are_retried_in_the_call() -> None:
    assert is_worth_retrying(TransientError("x", code="UNABLE_TO_LOCK_ROW"))
    assert is_worth_retrying(TransientError("x", code="HTTP_503"))
    assert not is_worth_retrying(LimitExhausted("x", code="REQUEST_LIMIT_EXCEEDED"))
    assert not is_worth_retrying(ConfigError("x"))


# -- settings ----------------------------------------------------------------------------------


def test_settings_defaults_and_secret_repr() -> None:
    built = settings(security_token="tok-123456")
    assert built.api_version == "62.0"
    assert built.max_retries == 4
    assert built.query_page_size == 2000
    assert built.lookback_seconds == 60
    assert built.token_url == LOGIN + "/services/oauth2/token"
    assert "sandbox-password" not in repr(built)
    assert "tok-123456" not in repr(built)


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [
        ({"password": None}, "password"),
        ({"auth": "client_credentials"}, "client_secret"),
        ({"auth": "jwt"}, "private_key_file"),
    ],
)
def test_each_grant_names_what_it_misses(overrides: dict[str, object], missing: str) -> None:
    with pytest.raises(ValidationError, match=missing):
        settings(**overrides)


def test_login_url_must_be_https() -> None:
    with pytest.raises(ValidationError, match="https"):
        settings(login_url="http://login.salesforce.com")


def test_secret_fields_are_refused_in_the_config_file(tmp_path: Path) -> None:

    config = tmp_path / "erpsync.toml"
    config.write_text('[salesforce]\nlogin_url = "https://x"\npassword = "pw"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="secret"):
        load_settings("salesforce", SalesforceSettings, path=config)


def test_settings_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    monkeypatch.setenv("ERPSYNC_SALESFORCE_LOGIN_URL", LOGIN)
    monkeypatch.setenv("ERPSYNC_SALESFORCE_AUTH", "client_credentials")
    monkeypatch.setenv("ERPSYNC_SALESFORCE_CLIENT_ID", "erpsync-sandbox")
    monkeypatch.setenv("ERPSYNC_SALESFORCE_CLIENT_SECRET", "sandbox-secret")
    loaded = load_settings("salesforce", SalesforceSettings, path=tmp_path / "none.toml")
    assert loaded.auth == "client_credentials"
    assert loaded.client_secret is not None
    assert loaded.client_secret.get_secret_value() == "sandbox-secret"


# -- grants ------------------------------------------------------------------------------------


def test_password_grant_appends_the_security_token() -> None:
    form = grant_form(settings(security_token="TOKEN"))
    assert form == {
        "grant_type": "password",
        "client_id": "erpsync-sandbox",
        "username": "integration@sandbox.local",
        "password": "sandbox-passwordTOKEN",
    }


def test_client_credentials_grant() -> None:
    form = grant_form(settings(auth="client_credentials", client_secret="s3cr3t"))
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "erpsync-sandbox",
        "client_secret": "s3cr3t",
    }


def test_jwt_assertion_is_signed_with_the_key(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_file = tmp_path / "server.key"
    key_file.write_bytes(pem)
    built = settings(auth="jwt", password=None, private_key_file=key_file)
    form = grant_form(built)
    assert form["grant_type"] == JWT_BEARER_GRANT
    claims = jwt.decode(form["assertion"], key.public_key(), algorithms=["RS256"], audience=LOGIN)
    assert claims["iss"] == "erpsync-sandbox"
    assert claims["sub"] == "integration@sandbox.local"
    assert 0 < claims["exp"] - datetime.now(UTC).timestamp() <= 180


def test_jwt_with_an_unreadable_or_bad_key_is_a_config_error(tmp_path: Path) -> None:
    missing = settings(auth="jwt", private_key_file=tmp_path / "nope.key")
    with pytest.raises(ConfigError, match="cannot read"):
        jwt_assertion(missing)
    junk = tmp_path / "junk.key"
    junk.write_text("not a key", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a usable"):
        jwt_assertion(settings(auth="jwt", private_key_file=junk))


def no_parents(obj: str) -> ObjectSchema:
    raise AssertionError(f"no parent lookup expected, got {obj}")


# -- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["2026-10-01T08:00:00.000+0000", "2026-10-01T08:00:00Z", "2026-10-01T10:00:00+02:00"],
)
def test_datetimes_parse_to_aware_utc(raw: str) -> None:
    assert parse_datetime(raw) == datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    assert parse_datetime(raw).tzinfo is UTC


def test_a_query_row_becomes_a_source_record() -> None:
    row = {
        "attributes": {"type": "Account", "url": "/services/data/v62.0/sobjects/Account/001"},
        "Id": "001000000000001AAA",
        "SystemModstamp": "2026-10-01T08:00:00.000+0000",
        "IsDeleted": True,
        "Name": "Acme",
    }
    record = source_record("Account", row)
    assert record.key == "001000000000001AAA"
    assert record.deleted is True
    assert record.system == "salesforce"
    assert "attributes" not in record.fields
    assert record.fields["Name"] == "Acme"


def test_describe_becomes_an_object_schema() -> None:
    describe = {
        "name": "Account",
        "fields": [
            {
                "name": "Id",
                "type": "id",
                "length": 18,
                "nillable": False,
                "createable": False,
                "updateable": False,
            },
            {"name": "ERP_Customer_Number__c", "type": "string", "length": 20, "externalId": True},
            {
                "name": "Rating",
                "type": "picklist",
                "length": 40,
                "restrictedPicklist": True,
                "picklistValues": [
                    {"value": "Hot", "active": True},
                    {"value": "Old", "active": False},
                ],
            },
        ],
    }
    schema = object_schema("Account", describe, no_parents)
    assert schema.has("ERP_Customer_Number__c")
    assert schema.fields["ERP_Customer_Number__c"].external_id
    assert schema.fields["Rating"].picklist_values == ("Hot",)
    assert schema.fields["Rating"].restricted_picklist
    assert not schema.fields["Id"].updateable


# -- client helpers and routing ----------------------------------------------------------------


def test_api_usage_header() -> None:
    assert parse_api_usage("api-usage=18/5000") == (18, 5000)
    assert parse_api_usage("api-usage=25/5000; per-app-api-usage=17/250(appName=x)") == (25, 5000)
    assert parse_api_usage("per-app-api-usage=17/250(appName=x)") is None


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (LOGIN + "/services/oauth2/token", "auth"),
        (LOGIN + "/services/data/v62.0/queryAll/?q=SELECT", "query"),
        (LOGIN + "/services/data/v62.0/query/01gxx-2000", "query"),
        (LOGIN + "/services/data/v62.0/composite/sobjects/Account/Ext__c", "write"),
        (LOGIN + "/services/data/v62.0/sobjects/Account/describe", "describe"),
        (LOGIN + "/services/data/v62.0/sobjects", "describe"),
        (LOGIN + "/services/data/v62.0/limits/", "limits"),
        (LOGIN + "/services/data/v62.0/", "other"),
    ],
)
def test_calls_are_counted_by_kind(url: str, kind: str) -> None:
    assert call_kind(url) == kind


def test_routing() -> None:
    update = Route.of(TargetRecord(ref="1", fields={}, key="001", upsert_field="Ext__c"))
    upsert = Route.of(TargetRecord(ref="2", fields={"Ext__c": "A"}, upsert_field="Ext__c"))
    create = Route.of(TargetRecord(ref="3", fields={"Name": "x"}))
    assert (update.method, update.path("Account")) == ("PATCH", "composite/sobjects")
    assert (upsert.method, upsert.path("Account")) == (
        "PATCH",
        "composite/sobjects/Account/Ext__c",
    )
    assert (create.method, create.path("Account")) == ("POST", "composite/sobjects")
    assert upsert.outcome({"created": True}) == "created"
    assert upsert.outcome({"created": False}) == "updated"
    assert update.outcome({}) == "updated"
    assert create.outcome({}) == "created"


def test_the_connector_satisfies_the_protocol() -> None:
    connector = SalesforceConnector(settings())  # no call is made before first use
    assert isinstance(connector, Connector)
    assert connector.system == "salesforce"
    assert connector.counter.calls == 0
    assert connector.api_usage is None
    connector.close()


def test_an_environment_variable_no_setting_reads_is_named_with_a_suggestion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("ERPSYNC_SALESFORCE_LOGIN_URL", LOGIN)
    monkeypatch.setenv("ERPSYNC_SALESFORCE_CLIENT_ID", "erpsync-sandbox")
    monkeypatch.setenv("ERPSYNC_SALESFORCE_USERNAME", "integration@sandbox.local")
    monkeypatch.setenv("ERPSYNC_SALESFORCE_PASSWORD", "sandbox")
    monkeypatch.setenv("ERPSYNC_SALESFORCE_INSTANCEURL", "https://secret-looking-value")
    with caplog.at_level(logging.WARNING, logger="connectors.settings"):
        loaded = load_settings("salesforce", SalesforceSettings, path=tmp_path / "none.toml")
    assert loaded.instance_url is None
    warning = caplog.text
    assert "ERPSYNC_SALESFORCE_INSTANCEURL is set but no salesforce setting reads it" in warning
    assert "did you mean ERPSYNC_SALESFORCE_INSTANCE_URL?" in warning
    assert "secret-looking-value" not in warning, "names only, never values"


def test_instance_url_must_be_https() -> None:
    with pytest.raises(ValidationError, match="https"):
        settings(instance_url="http://example.my.salesforce.com")
    assert settings(instance_url="https://example.my.salesforce.com/").instance_url == \
        "https://example.my.salesforce.com"
