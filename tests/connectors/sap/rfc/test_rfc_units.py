"""Pure parts of the RFC transport: the RFC_READ_TABLE builder and reader, the error tables,
BAPI RETURN shapes, day runs, order parameters, settings and the transport switch."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest
import rfc_support  # noqa: F401 - puts the project on sys.path

from connectors.base import TargetRecord
from connectors.errors import ConfigError, RecordRejected, TransientError
from connectors.registry import FACTORIES
from connectors.sap.errors import OutcomeUnknown
from connectors.sap.rfc import SapRfcConnector, SapRfcSettings, errors, orders, pyrfc_backend
from connectors.sap.rfc.changes import _runs
from connectors.sap.rfc.protocol import CommunicationError, LogonError
from connectors.sap.rfc.table_query import TableQuery, options, rows
from connectors.sap.settings import SapSettings

COLUMNS = ("KUNNR", "SORTL", "ERDAT")


def test_conditions_quote_values_and_whitelist_columns() -> None:
    query = TableQuery("KNA1", COLUMNS)
    condition = query.compare("KUNNR", "=", "O'Brien") & query.one_of("SORTL", ["A", "B"])
    assert condition.text == "( KUNNR = 'O''Brien' ) AND ( SORTL = 'A' OR SORTL = 'B' )"
    with pytest.raises(ConfigError) as caught:
        query.compare("KUNNR; DROP", "=", "x")
    assert "SORTL" in str(caught.value)
    with pytest.raises(ValueError, match="operator"):
        query.compare("KUNNR", "LIKE", "%")


def test_options_lines_stay_within_71_characters_and_never_cut_a_literal() -> None:
    query = TableQuery("KNA1", COLUMNS)
    values = [f"VALUE {n:03d} WITH SPACES" for n in range(40)]
    lines = [line["TEXT"] for line in options(query.one_of("SORTL", values))]
    assert all(len(line) <= 71 for line in lines) and len(lines) > 10
    assert " ".join(lines) == query.one_of("SORTL", values).text
    with pytest.raises(ConfigError):
        options(query.compare("SORTL", "=", "x" * 80))


def test_rows_are_cut_at_the_offsets_the_answer_gives() -> None:
    answer = {"FIELDS": [{"FIELDNAME": "KUNNR", "OFFSET": "000000", "LENGTH": "000010"},
                         {"FIELDNAME": "ERDAT", "OFFSET": "000010", "LENGTH": "000008"}],
              "DATA": [{"WA": "000100000120240310"}, {"WA": "X         20240311"}]}
    assert rows(answer) == [{"KUNNR": "0001000001", "ERDAT": "20240310"},
                            {"KUNNR": "X", "ERDAT": "20240311"}]


def test_rfc_exceptions_translate_by_class_name_whatever_module_they_come_from() -> None:
    foreign = type("CommunicationError", (Exception,), {})  # pyrfc's class, not ours
    assert isinstance(errors.translate(foreign("down"), "BAPI_X"), OutcomeUnknown)
    assert type(errors.translate(CommunicationError("down"), "logon", "logon")) is \
        TransientError
    logon = errors.translate(LogonError("Name or password is incorrect", key="RFC_LOGON"), "x")
    assert isinstance(logon, ConfigError) and logon.code == "RFC_LOGON"
    assert "ERPSYNC_SAP_PASSWORD" in logon.message
    assert not errors.is_rfc_error(ValueError("no"))


@pytest.mark.parametrize("value", [
    {"TYPE": "E", "ID": "V1", "NUMBER": "301", "MESSAGE": "Enter sold-to party"},
    [{"TYPE": "S", "ID": "V1", "NUMBER": "311", "MESSAGE": "saved"},
     {"TYPE": "E", "ID": "V1", "NUMBER": "301", "MESSAGE": "Enter sold-to party"}],
    {"TYPE": "E", "CODE": "V1301", "MESSAGE": "Enter sold-to party"},  # BAPIRETURN
])
def test_return_is_read_as_a_structure_a_table_or_the_old_shape(value: object) -> None:
    messages = errors.return_messages({"RETURN": value})
    rejected = errors.rejection("BAPI_X", messages)
    assert rejected.code == "V1/301" and "Enter sold-to party" in rejected.message
    assert isinstance(rejected, RecordRejected)


def test_a_blank_return_structure_is_no_message() -> None:
    assert errors.return_messages({"RETURN": {"TYPE": "", "MESSAGE": ""}}) == []


def test_days_are_grouped_into_runs_and_the_last_run_is_open() -> None:
    days = [("20240101", 2), ("20240102", 2), ("20240103", 5), ("20240104", 1)]
    assert list(_runs(days, 4)) == [("20240101", "20240102"), ("20240103", "20240103"),
                                    ("20240104", None)]
    assert list(_runs([], 4)) == []
    assert list(_runs([("20240101", 9)], 4)) == [("20240101", None)]


def test_create_parameters_carry_the_quantity_twice_and_pad_numbers() -> None:
    params = orders.create_params({"SOLD_TO": "1000001", "PURCH_NO_C": "SF-1", "ITEMS": [
        {"MATERIAL": "TG11", "REQ_QTY": Decimal("2")}, {"ITM_NUMBER": "30", "MATERIAL": "X"}]})
    assert params["ORDER_PARTNERS"] == [{"PARTN_ROLE": "AG", "PARTN_NUMB": "0001000001"}]
    assert [i["ITM_NUMBER"] for i in params["ORDER_ITEMS_IN"]] == ["000010", "000030"]
    assert params["ORDER_ITEMS_IN"][0]["TARGET_QTY"] == Decimal("2")
    assert params["ORDER_SCHEDULES_IN"] == [
        {"ITM_NUMBER": "000010", "SCHED_LINE": "0001", "REQ_QTY": Decimal("2")}]


def test_change_parameters_flag_exactly_what_changes() -> None:
    current = {"ITEMS": [{"ITM_NUMBER": "000010"}, {"ITM_NUMBER": "000020"}]}
    record = TargetRecord(ref="r", key="4711", current=current, fields={
        "PURCH_NO_C": "SF-2", "ITEMS": [{"ITM_NUMBER": "10", "REQ_QTY": 3},
                                        {"ITM_NUMBER": "30", "MATERIAL": "TG12"}]})
    params, repeatable = orders.change_params(record)
    assert params["SALESDOCUMENT"] == "0000004711"
    assert params["ORDER_HEADER_INX"] == {"UPDATEFLAG": "U", "PURCH_NO_C": "X"}
    assert params["ORDER_ITEM_INX"] == [
        {"ITM_NUMBER": "000010", "UPDATEFLAG": "U", "TARGET_QTY": "X"},
        {"ITM_NUMBER": "000030", "UPDATEFLAG": "I", "MATERIAL": "X"},
        {"ITM_NUMBER": "000020", "UPDATEFLAG": "D"}]
    assert params["SCHEDULE_LINESX"] == [{"ITM_NUMBER": "000010", "SCHED_LINE": "0001",
                                          "UPDATEFLAG": "U", "REQ_QTY": "X"}]
    assert not repeatable  # a line is inserted and one deleted: not safe to send twice


def test_a_change_of_existing_lines_only_may_be_repeated() -> None:
    record = TargetRecord(ref="r", key="1", current={"ITEMS": [{"ITM_NUMBER": "000010"}]},
                          fields={"ITEMS": [{"ITM_NUMBER": "10", "REQ_QTY": 2}]})
    _, repeatable = orders.change_params(record)
    assert repeatable
    _, header_only = orders.change_params(TargetRecord(ref="r", key="1",
                                                       fields={"PURCH_NO_C": "x"}))
    assert header_only


@pytest.mark.parametrize(("fields", "reason"), [
    ({"PURCH_NO_C": "x", "ITEMS": [{"MATERIAL": "A"}]}, "SOLD_TO"),
    ({"SOLD_TO": "1", "PURCH_NO_C": "x"}, "at least one line"),
    ({"SOLD_TO": "1", "PURCH_NO_C": "x", "ITEMS": [{"MATERIAL": "A", "COLOUR": "red"}]},
     "COLOUR"),
    ({"SOLD_TO": "1", "PURCH_NO_C": "x", "ITEMS": [{"MATERIAL": "A", "REQ_QTY": "-1"}]},
     "positive"),
    ({"SOLD_TO": "1", "PURCH_NO_C": "x", "NETWR": 5, "ITEMS": [{"MATERIAL": "A"}]}, "NETWR"),
])
def test_bad_order_records_are_refused_with_the_reason(fields: dict[str, object],
                                                       reason: str) -> None:
    with pytest.raises(RecordRejected, match=reason):
        orders.validate(TargetRecord(ref="r", fields=fields))


def test_settings_need_an_address_for_the_chosen_library() -> None:
    with pytest.raises(ValueError, match="ashost"):
        SapRfcSettings()
    with pytest.raises(ValueError, match="base_url"):
        SapRfcSettings(rfc_library="json-http")
    with pytest.raises(ValueError, match="time zone"):
        SapRfcSettings(ashost="h", system_timezone="Mars/Olympus")


def test_the_password_is_in_the_logon_parameters_and_nowhere_else() -> None:
    settings = SapRfcSettings(ashost="s4.example", user="RFCUSER", password="s3cret-rfc")
    assert pyrfc_backend.logon_parameters(settings)["passwd"] == "s3cret-rfc"
    assert pyrfc_backend.logon_parameters(settings)["ashost"] == "s4.example"
    connector = SapRfcConnector(settings, connect=lambda: None)  # type: ignore[arg-type,return-value]
    assert "s3cret-rfc" not in repr(settings) + repr(connector) + str(settings)


@pytest.mark.skipif(importlib.util.find_spec("pyrfc") is not None,
                    reason="pyrfc is installed here; this checks the message without it")
def test_without_pyrfc_the_error_says_how_to_install_it() -> None:
    with pytest.raises(ConfigError) as caught:
        pyrfc_backend.open_connection(SapRfcSettings(ashost="s4.example"))
    assert caught.value.code == "PYRFC_MISSING" and "erpsync[rfc]" in caught.value.message


def test_the_transport_setting_chooses_the_sap_connector(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ERPSYNC_CONFIG", str(tmp_path / "none.toml"))
    factory = FACTORIES["sap"]
    monkeypatch.delenv("ERPSYNC_SAP_TRANSPORT", raising=False)
    assert factory.settings_model() is SapSettings
    monkeypatch.setenv("ERPSYNC_SAP_TRANSPORT", "rfc")
    assert factory.settings_model() is SapRfcSettings
    built = factory.build(SapRfcSettings(rfc_library="json-http", base_url="http://sap"))
    assert isinstance(built, SapRfcConnector)
    built.close()
    monkeypatch.setenv("ERPSYNC_SAP_TRANSPORT", "soap")
    with pytest.raises(ConfigError, match="odata or rfc"):
        factory.settings_model()


def test_the_transport_can_come_from_the_config_file(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    config = tmp_path / "erpsync.toml"
    config.write_text('[sap]\ntransport = "rfc"\nrfc_library = "json-http"\n'
                      'base_url = "http://127.0.0.1:9"\n', encoding="utf-8")
    monkeypatch.setenv("ERPSYNC_CONFIG", str(config))
    monkeypatch.delenv("ERPSYNC_SAP_TRANSPORT", raising=False)
    from connectors.settings import load_settings

    settings = load_settings("sap", FACTORIES["sap"].settings_model())
    assert isinstance(settings, SapRfcSettings) and settings.rfc_library == "json-http"


def test_the_shared_sap_table_may_hold_odata_settings_but_no_unknown_ones(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The shipped erpsync.toml sets ``service_base_urls`` (OData only) under [sap]; switching
    to RFC with ERPSYNC_SAP_TRANSPORT must not trip over it, a misspelt setting still does."""
    from connectors.settings import load_settings

    config = tmp_path / "erpsync.toml"
    shared = ('[sap]\nrfc_library = "json-http"\nbase_url = "http://127.0.0.1:9"\n'
              'service_base_urls = { API_MATERIAL_STOCK_SRV = "http://127.0.0.1:8" }\n')
    config.write_text(shared, encoding="utf-8")
    monkeypatch.setenv("ERPSYNC_CONFIG", str(config))
    monkeypatch.setenv("ERPSYNC_SAP_TRANSPORT", "rfc")
    settings = load_settings("sap", FACTORIES["sap"].settings_model())
    assert isinstance(settings, SapRfcSettings) and settings.base_url == "http://127.0.0.1:9"
    config.write_text(shared + 'ashots = "s4"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="ashots"):
        load_settings("sap", FACTORIES["sap"].settings_model())
