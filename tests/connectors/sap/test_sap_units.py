"""The SAP connector's pure parts: filter quoting, ALPHA keys, value codecs, $batch framing,
error translation and settings. No server needed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sap_support import BP

from connectors.base import TargetRecord
from connectors.errors import ConfigError, RecordRejected, TransientError
from connectors.sap import SapSettings
from connectors.sap import batch as sap_batch
from connectors.sap.errors import (
    OutcomeUnknown,
    PreconditionFailed,
    PreconditionRequired,
    SapRejected,
    retry_after,
    translate,
)
from connectors.sap.filters import (
    FilterBuilder,
    key_predicate,
    literal,
    parse_key_predicate,
    string_literal,
)
from connectors.sap.keys import alpha_in, alpha_out, key_forms, same_key
from connectors.sap.metadata import EntityModel, parse_edmx
from connectors.sap.payloads import WriteOptions
from connectors.sap.results import created_key
from connectors.sap.retry import RetryPolicy
from connectors.sap.values import decode, encode, iso_millis, json_date, parse_datetime
from connectors.sap.writing import plan_write
from connectors.settings import load_settings

TYPES = {"OrganizationBPName1": "Edm.String", "LastChangeDate": "Edm.DateTime",
         "BusinessPartner": "Edm.String", "BusinessPartnerIsBlocked": "Edm.Boolean"}


# -- filters ------------------------------------------------------------------------------

def test_string_literal_doubles_single_quotes() -> None:
    assert string_literal("O'Brien") == "'O''Brien'"
    builder = FilterBuilder(BP, TYPES)
    assert builder.eq("OrganizationBPName1", "O'Brien").text == "OrganizationBPName1 eq 'O''Brien'"


def test_an_injection_attempt_stays_one_literal() -> None:
    text = FilterBuilder(BP, TYPES).eq("OrganizationBPName1", "x') or ('1' eq '1").text
    assert text == "OrganizationBPName1 eq 'x'') or (''1'' eq ''1'"


@given(st.text())
def test_any_string_round_trips_through_a_literal(value: str) -> None:
    text = string_literal(value)
    assert text.startswith("'") and text.endswith("'")
    assert text[1:-1].replace("''", "'") == value
    assert "'" not in text[1:-1].replace("''", "")


def test_unknown_field_is_refused_with_the_allowed_names() -> None:
    with pytest.raises(ConfigError, match=r"no property 'Name'.*OrganizationBPName1"):
        FilterBuilder(BP, TYPES).eq("Name", "x")


def test_values_must_match_the_property_type() -> None:
    builder = FilterBuilder(BP, TYPES)
    with pytest.raises(TypeError):
        builder.eq("LastChangeDate", "2026-01-01")
    with pytest.raises(TypeError):
        builder.eq("OrganizationBPName1", 5)


def test_literals_of_each_type() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert literal(moment, "Edm.DateTime") == "datetime'2026-01-02T03:04:05.678'"
    assert literal(moment.replace(microsecond=0), "Edm.DateTime") == "datetime'2026-01-02T03:04:05'"
    assert literal(moment, "Edm.DateTimeOffset") == "datetimeoffset'2026-01-02T03:04:05.678Z'"
    assert literal(date(2026, 1, 2), "Edm.DateTime") == "datetime'2026-01-02T00:00:00'"
    assert literal(Decimal("12.50"), "Edm.Decimal") == "12.50M"
    assert literal(7, "Edm.Int64") == "7L"
    assert literal(True, "Edm.Boolean") == "true"
    assert literal(None, "Edm.String") == "null"
    assert literal(time(8, 30), "Edm.Time") == "time'PT08H30M00S'"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        literal(datetime(2026, 1, 1), "Edm.DateTime")  # a naive datetime: the point of the test


def test_non_utc_datetimes_are_converted_to_utc() -> None:
    cet = timezone(timedelta(hours=1))
    assert literal(datetime(2026, 1, 1, 1, 0, tzinfo=cet), "Edm.DateTime") == (
        "datetime'2026-01-01T00:00:00'")


def test_keyset_condition_for_the_next_page() -> None:
    builder = FilterBuilder(BP, TYPES)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    text = builder.after([("LastChangeDate", moment), ("BusinessPartner", "O'1")]).text
    assert text == ("(LastChangeDate gt datetime'2026-01-01T00:00:00') or "
                    "((LastChangeDate eq datetime'2026-01-01T00:00:00') and "
                    "(BusinessPartner gt 'O''1'))")
    nulls = builder.after([("LastChangeDate", None), ("BusinessPartner", "1")]).text
    assert nulls == ("(LastChangeDate ne null) or ((LastChangeDate eq null) and "
                     "(BusinessPartner gt '1'))")


def test_one_of_is_an_or_of_equalities() -> None:
    text = FilterBuilder(BP, TYPES).one_of("BusinessPartner", ["1", "0000000001"]).text
    assert text == "(BusinessPartner eq '1') or (BusinessPartner eq '0000000001')"


def test_key_predicates_round_trip() -> None:
    types = {"BusinessPartner": "Edm.String", "AddressID": "Edm.String"}
    assert key_predicate({"BusinessPartner": "1"}, types) == "('1')"
    composite = key_predicate({"BusinessPartner": "O'1", "AddressID": "2"}, types)
    assert composite == "(BusinessPartner='O''1',AddressID='2')"
    assert parse_key_predicate(composite[1:-1]) == {"BusinessPartner": "O'1", "AddressID": "2"}
    with pytest.raises(ValueError):
        parse_key_predicate("BusinessPartner='1")


# -- ALPHA keys ---------------------------------------------------------------------------

def test_alpha_conversion() -> None:
    assert alpha_in("1") == "0000000001"
    assert alpha_in("1000001") == "0001000001"
    assert alpha_in("ABC") == "ABC"
    assert alpha_in("12345678901") == "12345678901"  # too long to pad: left alone
    assert alpha_out("0001000001") == "1000001"
    assert alpha_out("0000000000") == "0"
    assert alpha_out("A01") == "A01"
    assert same_key("1", "0000000001")
    assert not same_key("1", "10")
    assert key_forms("1") == ("1", "0000000001")
    assert key_forms("0001000026") == ("0001000026", "1000026")
    assert key_forms("CUST-1") == ("CUST-1",)


@given(st.integers(min_value=0, max_value=9_999_999_999))
def test_alpha_forms_agree(number: int) -> None:
    short, long = str(number), str(number).zfill(10)
    assert alpha_in(short) == long
    assert alpha_out(long) == short
    assert same_key(short, long)


# -- values -------------------------------------------------------------------------------

def test_decode_by_edm_type() -> None:
    assert decode("/Date(1790841621121)/", "Edm.DateTime") == datetime(
        2026, 10, 1, 8, 0, 21, 121000, tzinfo=UTC)
    assert decode("/Date(0+0060)/", "Edm.DateTimeOffset") == datetime(1970, 1, 1, tzinfo=UTC)
    assert decode("123991.820", "Edm.Decimal") == Decimal("123991.820")
    assert decode("42", "Edm.Int64") == 42
    assert decode("PT08H30M15S", "Edm.Time") == time(8, 30, 15)
    assert decode("/Date(1)/", "Edm.String") == "/Date(1)/"  # a string stays a string
    assert decode(None, "Edm.DateTime") is None


def test_encode_by_edm_type() -> None:
    moment = datetime(2026, 10, 1, 8, 0, 21, 121000, tzinfo=UTC)
    assert encode(moment, "Edm.DateTime") == "/Date(1790841621121)/"
    assert encode(moment, "Edm.DateTimeOffset") == "/Date(1790841621121+0000)/"
    assert encode(Decimal("1.10"), "Edm.Decimal") == "1.10"
    assert encode(5, "Edm.Int64") == "5"
    assert encode("x", "Edm.Decimal") == "x"  # SAP, not we, says what is wrong with it
    assert parse_datetime(json_date(moment)) == moment
    assert iso_millis(moment) == "2026-10-01T08:00:21.121"


# -- $batch framing -----------------------------------------------------------------------

def test_batch_request_has_one_changeset_per_entry() -> None:
    operations = [[sap_batch.Operation("POST", BP, {"A": "é"})],
                  [sap_batch.Operation("PATCH", f"{BP}('1')", {}, {"If-Match": 'W/"x"'}),
                   sap_batch.Operation("PATCH", "A_BusinessPartnerAddress(x)", {"B": 1})]]
    content_type, body = sap_batch.build(operations)
    boundary = sap_batch.boundary_of(content_type)
    text = body.decode("utf-8")
    assert text.count(f"--{boundary}\r\nContent-Type: multipart/mixed; boundary=changeset_") == 2
    assert f"PATCH {BP}('1') HTTP/1.1\r\n" in text
    assert 'If-Match: W/"x"\r\n' in text
    assert text.endswith(f"--{boundary}--\r\n")
    assert '{"A": "\\u00e9"}' in text


RESPONSE = (
    b"--batchresponse_1\r\n"
    b"Content-Type: multipart/mixed; boundary=changesetresponse_a\r\n\r\n"
    b"--changesetresponse_a\r\nContent-Type: application/http\r\n"
    b"Content-Transfer-Encoding: binary\r\n\r\n"
    b"HTTP/1.1 201 Created\r\nLocation: x/A_BusinessPartner('0001')\r\n"
    b"Content-Type: application/json\r\n\r\n"
    b'{"d": {"BusinessPartner": "0001"}}\r\n'
    b"--changesetresponse_a\r\nContent-Type: application/http\r\n\r\n"
    b"HTTP/1.1 204 No Content\r\n\r\n\r\n"
    b"--changesetresponse_a--\r\n"
    b"--batchresponse_1\r\nContent-Type: application/http\r\n"
    b"Content-Transfer-Encoding: binary\r\n\r\n"
    b"HTTP/1.1 412 Precondition Failed\r\nContent-Type: application/json\r\n\r\n"
    b'{"error": {"code": "X", "message": {"lang": "en", "value": "stale"}}}\r\n'
    b"--batchresponse_1--\r\n"
)


def test_batch_response_parts_map_to_changesets() -> None:
    parts = sap_batch.parse("multipart/mixed; boundary=batchresponse_1", RESPONSE)
    assert [[r.status for r in part] for part in parts] == [[201, 204], [412]]
    assert parts[0][0].json() == {"d": {"BusinessPartner": "0001"}}
    assert parts[0][0].headers["location"].endswith("('0001')")
    assert parts[0][1].body == b""
    assert parts[1][0].json()["error"]["message"]["value"] == "stale"


def test_batch_response_without_boundary_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        sap_batch.parse("application/json", b"{}")


# -- error translation --------------------------------------------------------------------

ENVELOPE = (b'{"error":{"code":"/IWBEP/CX_MGW_BUSI_EXCEPTION","message":{"lang":"en",'
            b'"value":"Property \'Nope\' does not exist"},"innererror":{"errordetails":['
            b'{"code":"C1","message":"Nope is unknown","propertyref":"Nope",'
            b'"severity":"error","target":"Nope"}]}}}')


def test_business_error_is_a_rejected_record_with_details() -> None:
    error = translate(400, ENVELOPE, {}, where="record", operation="PATCH x")
    assert isinstance(error, SapRejected)
    assert error.code == "/IWBEP/CX_MGW_BUSI_EXCEPTION"
    assert "Property 'Nope' does not exist" in error.message
    assert "Nope: Nope is unknown" in error.message
    assert error.details[0].target == "Nope"


@pytest.mark.parametrize(
    ("status", "where", "expected", "code"),
    [
        (412, "record", PreconditionFailed, "PRECONDITION_FAILED"),
        (428, "record", PreconditionRequired, "PRECONDITION_REQUIRED"),
        (401, "service", ConfigError, "AUTH_FAILED"),
        (403, "service", ConfigError, "FORBIDDEN"),
        (404, "service", ConfigError, "NOT_FOUND"),
        (404, "record", SapRejected, "NOT_FOUND"),
        (423, "record", TransientError, "/IWBEP/CX_MGW_BUSI_EXCEPTION"),
        (429, "service", TransientError, "/IWBEP/CX_MGW_BUSI_EXCEPTION"),
        (503, "service", TransientError, "/IWBEP/CX_MGW_BUSI_EXCEPTION"),
        (500, "service", SapRejected, "/IWBEP/CX_MGW_BUSI_EXCEPTION"),
    ],
)
def test_status_table(status: int, where: str, expected: type, code: str) -> None:
    error = translate(status, ENVELOPE, {}, where=where, operation="op")  # type: ignore[arg-type]
    assert type(error) is expected
    assert error.code == code


def test_technical_exception_is_transient_and_carries_retry_after() -> None:
    body = b'{"error":{"code":"/IWBEP/CX_MGW_TECH_EXCEPTION","message":{"value":"dump"}}}'
    error = translate(500, body, {"Retry-After": "7"}, where="service", operation="op")
    assert isinstance(error, TransientError)
    assert error.retry_after == 7.0
    assert isinstance(translate(502, b"<html>proxy</html>", {}, where="service", operation="op"),
                      TransientError)


def test_xml_error_bodies_are_read_too() -> None:
    body = (b'<?xml version="1.0"?><error xmlns="http://schemas.microsoft.com/ado/2007/08/'
            b'dataservices/metadata"><code>SY/530</code><message xml:lang="en">Locked</message>'
            b"</error>")
    error = translate(400, body, {}, where="record", operation="op")
    assert isinstance(error, RecordRejected)
    assert error.code == "SY/530"
    assert "Locked" in error.message


def test_401_message_names_the_settings_but_no_secret() -> None:
    error = translate(401, b"", {}, where="service", operation="GET x", user="RFC_USER")
    assert "ERPSYNC_SAP_PASSWORD" in error.message
    assert "RFC_USER" in error.message


def test_retry_after_forms() -> None:
    assert retry_after("30") == 30.0
    assert retry_after(None) is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after("soon") is None


def test_retry_policy_waits() -> None:
    policy = RetryPolicy(4, 0.5, 10.0)
    assert policy.wait(1, TransientError("x", retry_after=30)) == 10.0
    assert 0.5 <= policy.wait(1, TransientError("x")) <= 1.0
    assert 2.0 <= policy.wait(3, TransientError("x")) <= 2.5
    assert policy.should_retry(OutcomeUnknown("x"), idempotent=True)
    assert not policy.should_retry(OutcomeUnknown("x"), idempotent=False)
    assert policy.should_retry(TransientError("x"), idempotent=False)
    assert not policy.should_retry(ConfigError("x"), idempotent=True)


# -- settings -----------------------------------------------------------------------------

def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ERPSYNC_SAP_BASE_URL", "https://s4.example:443/")
    monkeypatch.setenv("ERPSYNC_SAP_USER", "RFC_USER")
    monkeypatch.setenv("ERPSYNC_SAP_PASSWORD", "s3cret")
    monkeypatch.setenv("ERPSYNC_SAP_VERIFY", "false")
    monkeypatch.setenv("ERPSYNC_SAP_SERVICES", '{"A_Product": "API_PRODUCT_SRV"}')
    settings = load_settings("sap", SapSettings, path=tmp_path / "absent.toml")
    assert settings.base_url == "https://s4.example:443"
    assert settings.password is not None and settings.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    assert settings.verify is False
    assert settings.service_for("A_Product") == "API_PRODUCT_SRV"
    assert settings.page_size == 500 and settings.max_retries == 4
    assert settings.change_field == "LastChangeDate"


def test_settings_refuse_a_password_in_the_file(tmp_path: Path) -> None:
    config = tmp_path / "erpsync.toml"
    config.write_text('[sap]\nbase_url = "http://x"\npassword = "p"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="secret"):
        load_settings("sap", SapSettings, path=config)


def test_settings_keep_a_ca_path_and_reject_bad_urls() -> None:
    assert SapSettings(base_url="http://x", verify="/etc/ca.pem").verify == "/etc/ca.pem"
    with pytest.raises(ValueError, match="http"):
        SapSettings(base_url="s4.example")


# -- write plans --------------------------------------------------------------------------

SMALL_EDMX = b"""<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx"
  xmlns:sap="http://www.sap.com/Protocols/SAPData">
 <edmx:DataServices><Schema Namespace="S" xmlns="http://schemas.microsoft.com/ado/2008/09/edm">
  <EntityType Name="P"><Key><PropertyRef Name="Id"/></Key>
   <Property Name="Id" Type="Edm.String" MaxLength="10" Nullable="false"/>
   <Property Name="Name" Type="Edm.String" MaxLength="40"/>
   <Property Name="Limit" Type="Edm.Decimal" Precision="15" Scale="2"/>
   <Property Name="Changed" Type="Edm.DateTime" ConcurrencyMode="Fixed" sap:updatable="false"/>
   <NavigationProperty Name="to_A" Relationship="S.PA" FromRole="P" ToRole="A"/>
  </EntityType>
  <EntityType Name="A"><Key><PropertyRef Name="Id"/><PropertyRef Name="No"/></Key>
   <Property Name="Id" Type="Edm.String"/><Property Name="No" Type="Edm.String"/>
   <Property Name="City" Type="Edm.String"/>
  </EntityType>
  <Association Name="PA"><End Type="S.P" Multiplicity="1" Role="P"/>
   <End Type="S.A" Multiplicity="*" Role="A"/></Association>
  <EntityContainer Name="C"><EntitySet Name="Ps" EntityType="S.P"/>
   <EntitySet Name="As" EntityType="S.A"/></EntityContainer>
 </Schema></edmx:DataServices></edmx:Edmx>"""

OPTIONS = WriteOptions({"to_A": {"No": "1"}}, single_entry={"to_A"})


def small() -> EntityModel:
    return parse_edmx(SMALL_EDMX, "S").entity("Ps")


def test_plan_create_deep_inserts_children_with_default_keys() -> None:
    plan = plan_write(small(), TargetRecord("r", {"Name": "N", "Limit": Decimal("5.50"),
                                                  "to_A/City": "C", "to_A/No": None}), OPTIONS)
    (operation,) = plan.operations
    assert (operation.method, operation.path, plan.creates) == ("POST", "Ps", True)
    assert operation.body == {"Name": "N", "Limit": "5.50", "to_A": [{"City": "C", "No": "1"}]}


def test_plan_update_patches_parent_and_child_in_one_changeset() -> None:
    record = TargetRecord("r", {"Id": "O'1", "Name": "N", "to_A/No": "7", "to_A/City": "C"},
                          key="O'1", etag='W/"e"')
    first, second = plan_write(small(), record, OPTIONS).operations
    assert (first.method, first.path, first.body) == ("PATCH", "Ps('O''1')", {"Name": "N"})
    assert first.headers == {"If-Match": 'W/"e"'}
    assert (second.method, second.path, second.body) == (
        "PATCH", "As(Id='O''1',No='7')", {"City": "C"})


def test_plan_update_posts_a_missing_child_under_an_etag_guard() -> None:
    record = TargetRecord("r", {"to_A/No": None, "to_A/City": "C"}, key="1", etag='W/"e"')
    guard, create = plan_write(small(), record, OPTIONS).operations
    assert (guard.method, guard.body, guard.headers) == ("PATCH", {}, {"If-Match": 'W/"e"'})
    assert (create.method, create.path, create.body) == ("POST", "Ps('1')/to_A",
                                                         {"City": "C", "No": "1"})
    unguarded = plan_write(small(), TargetRecord("r", {"to_A/City": "C"}, key="1"), OPTIONS)
    assert [op.method for op in unguarded.operations] == ["POST"]


def test_plan_rejects_what_cannot_be_phrased() -> None:
    plan = plan_write(small(), TargetRecord("r", {"to_B/City": "C"}, key="1"), OPTIONS)
    assert plan.error is not None and plan.error.code == "UNKNOWN_FIELD"
    naive = plan_write(small(), TargetRecord("r", {"Changed": datetime(2026, 1, 1)}), OPTIONS)
    assert naive.error is not None and "naive" in naive.error.message


def test_created_key_from_body_or_location() -> None:
    entity = small()
    with_body = sap_batch.Response(201, {}, b'{"d": {"Id": "0042", "Name": "N"}}')
    assert created_key(entity, with_body) == "0042"
    located = sap_batch.Response(201, {"location": "http://h/S/Ps('O%27%271')"}, b"")
    assert created_key(entity, located) == "O'1"
    assert created_key(entity, sap_batch.Response(201, {}, b"")) is None
