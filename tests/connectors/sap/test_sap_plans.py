"""Pure parts of reading and writing documents with lines, on a small EDMX shaped like a
sales order (header, items, pricing elements per item): keyset conditions, change stamps,
read plans and flattening, deep inserts and line changes. No server needed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.base import TargetRecord
from connectors.errors import ConfigError
from connectors.sap import SapSettings
from connectors.sap.changes import ChangeStamp, key_position, stamp_of
from connectors.sap.errors import bearer_error, translate
from connectors.sap.filters import FilterBuilder
from connectors.sap.metadata import EntityModel, parse_edmx
from connectors.sap.payloads import WriteOptions
from connectors.sap.reading import flatten, key_from_uri, plan_read
from connectors.sap.writing import plan_write
from connectors.settings import load_settings

ORDER_EDMX = b"""<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx">
 <edmx:DataServices><Schema Namespace="S" xmlns="http://schemas.microsoft.com/ado/2008/09/edm">
  <EntityType Name="O"><Key><PropertyRef Name="Order"/></Key>
   <Property Name="Order" Type="Edm.String" MaxLength="10"/>
   <Property Name="Ref" Type="Edm.String"/>
   <Property Name="Day" Type="Edm.DateTime"/><Property Name="At" Type="Edm.Time"/>
   <NavigationProperty Name="to_Item" Relationship="S.OI" FromRole="O" ToRole="I"/>
  </EntityType>
  <EntityType Name="I"><Key><PropertyRef Name="Order"/><PropertyRef Name="Item"/></Key>
   <Property Name="Order" Type="Edm.String"/><Property Name="Item" Type="Edm.String" MaxLength="6"/>
   <Property Name="Qty" Type="Edm.Decimal"/><Property Name="Material" Type="Edm.String"/>
   <NavigationProperty Name="to_Price" Relationship="S.IP" FromRole="I" ToRole="P"/>
  </EntityType>
  <EntityType Name="P"><Key><PropertyRef Name="Order"/><PropertyRef Name="Item"/>
   <PropertyRef Name="Step"/></Key>
   <Property Name="Order" Type="Edm.String"/><Property Name="Item" Type="Edm.String"/>
   <Property Name="Step" Type="Edm.String"/><Property Name="Rate" Type="Edm.Decimal"/>
  </EntityType>
  <Association Name="OI"><End Type="S.O" Multiplicity="1" Role="O"/>
   <End Type="S.I" Multiplicity="*" Role="I"/>
   <ReferentialConstraint><Principal Role="O"><PropertyRef Name="Order"/></Principal>
    <Dependent Role="I"><PropertyRef Name="Order"/></Dependent></ReferentialConstraint>
  </Association>
  <Association Name="IP"><End Type="S.I" Multiplicity="1" Role="I"/>
   <End Type="S.P" Multiplicity="*" Role="P"/>
   <ReferentialConstraint><Principal Role="I"><PropertyRef Name="Order"/>
    <PropertyRef Name="Item"/></Principal><Dependent Role="P"><PropertyRef Name="Order"/>
    <PropertyRef Name="Item"/></Dependent></ReferentialConstraint>
  </Association>
  <EntityContainer Name="C"><EntitySet Name="Orders" EntityType="S.O"/>
   <EntitySet Name="Items" EntityType="S.I"/><EntitySet Name="Prices" EntityType="S.P"/>
  </EntityContainer>
 </Schema></edmx:DataServices></edmx:Edmx>"""

OPTIONS = WriteOptions({}, reference_field="Ref")
FIELDS = ["Ref", "to_Item/Qty", "to_Item/to_Price/Rate"]


def orders() -> EntityModel:
    return parse_edmx(ORDER_EDMX, "S").entity("Orders")


# -- keyset conditions and change stamps ----------------------------------------------------

def test_not_before_is_the_inclusive_lexicographic_start() -> None:
    builder = FilterBuilder("X", {"A": "Edm.String", "B": "Edm.String"})
    assert builder.not_before([("A", "x")]).text == "A ge 'x'"  # type: ignore[union-attr]
    both = builder.not_before([("A", "x"), ("B", "y")])
    assert both is not None
    assert both.text == "(A gt 'x') or ((A eq 'x') and (B ge 'y'))"
    assert builder.not_before([("A", "x"), ("B", None)]).text == "A ge 'x'"  # type: ignore[union-attr]
    assert builder.not_before([("A", None)]) is None
    lead = builder.not_before([("A", None), ("B", "y")])
    assert lead is not None
    assert lead.text == "(A ne null) or ((A eq null) and (B ge 'y'))"


def test_a_date_and_a_time_make_one_stamp() -> None:
    stamp = ChangeStamp(("Day", "At"))
    day = datetime(2026, 10, 1, tzinfo=UTC)
    assert stamp.moment({"Day": day, "At": time(9, 15, 7)}) == datetime(
        2026, 10, 1, 9, 15, 7, tzinfo=UTC)
    assert stamp.moment({"Day": day, "At": None}) == day
    assert stamp.position(datetime(2026, 10, 1, 8, 30, 15, 900000, tzinfo=UTC)) == [
        ("Day", day), ("At", time(8, 30, 15))]
    assert ChangeStamp().is_snapshot and ChangeStamp().moment({}).year == 1970


def test_a_stamp_must_be_a_datetime_then_a_time() -> None:
    entity = orders().type
    assert stamp_of(entity, "Orders", ("Day", "At")).fields == ("Day", "At")
    with pytest.raises(ConfigError, match=r"no change stamp 'At'.*At, Day"):
        stamp_of(entity, "Orders", ("At",))
    with pytest.raises(ConfigError, match="no change stamp 'Ref'"):
        stamp_of(entity, "Orders", ("Ref",))


def test_cursor_keys_become_key_positions() -> None:
    items = orders().target(orders().type.navigations["to_Item"])
    assert key_position(orders().type, "0000004711") == [("Order", "0000004711")]
    assert key_position(items, "Order='1',Item='10'") == [("Order", "1"), ("Item", "10")]
    assert key_position(items, "Order='1'") is None
    assert key_position(items, "not a predicate") is None
    assert key_position(items, "") is None


# -- read plans and flattening --------------------------------------------------------------

def test_lines_are_selected_and_expanded_level_by_level() -> None:
    plan = plan_read(orders(), FIELDS)
    assert plan.select == "Order,Ref,to_Item/Item,to_Item/Qty,to_Item/to_Price/Step," \
                          "to_Item/to_Price/Rate"
    assert plan.expand == "to_Item,to_Item/to_Price"
    bare = plan_read(orders(), ["to_Item"])
    assert bare.select == "Order,to_Item/Item,to_Item/Order,to_Item/Qty,to_Item/Material"
    with pytest.raises(ConfigError, match=r"Orders/to_Item has no field 'Nope'.*Material"):
        plan_read(orders(), ["to_Item/Nope"])
    with pytest.raises(ConfigError, match=r"Orders/to_Item has no navigation 'to_X'"):
        plan_read(orders(), ["to_Item/to_X/Rate"])


def test_lines_flatten_into_lists_of_their_own_fields() -> None:
    row = {"Order": "1", "Ref": "SF-1", "to_Item": {"results": [
        {"Order": "1", "Item": "10", "Qty": "2.000",
         "to_Price": {"results": [{"Step": "010", "Rate": "9.50"}]}},
        {"Order": "1", "Item": "20", "Qty": "1", "to_Price": {"__deferred": {}}}]}}
    flat = flatten(plan_read(orders(), FIELDS), row)
    assert flat == {"Order": "1", "Ref": "SF-1", "to_Item": [
        {"Item": "10", "Qty": Decimal("2"), "to_Price": [{"Step": "010",
                                                          "Rate": Decimal("9.50")}]},
        {"Item": "20", "Qty": Decimal("1"), "to_Price": []}]}
    assert flatten(plan_read(orders(), FIELDS), {"Order": "2"})["to_Item"] == []


def test_single_entry_navigations_flatten_into_paths() -> None:
    plan = plan_read(orders(), ["to_Item/Qty"], single_entry={"to_Item"})
    flat = flatten(plan, {"Order": "1", "to_Item": {"results": [{"Item": "10", "Qty": "3"}]}})
    assert flat == {"Order": "1", "to_Item/Item": "10", "to_Item/Qty": Decimal("3")}


def test_keys_are_read_from_entry_uris() -> None:
    items = orders().target(orders().type.navigations["to_Item"])
    assert key_from_uri(orders().type, "http://h/S/Orders('0000%2047')") == "0000 47"
    assert key_from_uri(items, "http://h/S/Items(Order='1',Item='10')") == "Order='1',Item='10'"
    assert key_from_uri(orders().type, "http://h/S/Orders") is None


# -- write plans ----------------------------------------------------------------------------

def test_a_document_is_created_with_its_lines_in_one_deep_insert() -> None:
    record = TargetRecord("r", {"Ref": "SF-1", "to_Item": [
        {"Order": "ignored", "Item": None, "Qty": Decimal("2"),
         "to_Price": [{"Step": "010", "Rate": Decimal("9.5")}]}]})
    plan = plan_write(orders(), record, OPTIONS)
    (operation,) = plan.operations
    assert (operation.method, operation.path, plan.creates, plan.reference) == (
        "POST", "Orders", True, "SF-1")
    assert operation.body == {"Ref": "SF-1", "to_Item": [
        {"Qty": "2", "to_Price": [{"Step": "010", "Rate": "9.5"}]}]}


CURRENT = {"Order": "1", "to_Item": [
    {"Item": "000010", "Qty": Decimal("2"), "Material": "M1",
     "to_Price": [{"Step": "010", "Rate": Decimal("9.50")}]},
    {"Item": "000020", "Qty": Decimal("1"), "Material": "M2", "to_Price": []}]}


def test_changed_lines_are_patched_new_ones_posted_equal_ones_left_alone() -> None:
    lines = [
        {"Item": "10", "Qty": Decimal("3.000"), "Material": "M1",
         "to_Price": [{"Step": "010", "Rate": Decimal("9.5")}, {"Rate": Decimal("1")}]},
        {"Item": "000020", "Qty": Decimal("1"), "Material": "M2"},
        {"Qty": Decimal("4"), "Material": "M3"},
    ]
    record = TargetRecord("r", {"to_Item": lines}, key="1", etag='W/"e"', current=CURRENT)
    steps = [(op.method, op.path, op.body) for op in plan_write(orders(), record,
                                                                OPTIONS).operations]
    assert steps == [
        ("PATCH", "Orders('1')", {}),  # the header's ETag guards its lines
        ("PATCH", "Items(Order='1',Item='000010')", {"Qty": "3.000"}),
        ("POST", "Items(Order='1',Item='000010')/to_Price", {"Rate": "1"}),
        ("POST", "Orders('1')/to_Item", {"Qty": "4", "Material": "M3"}),
    ]


def test_a_keyed_line_the_document_lacks_is_new_and_lines_left_out_are_removed() -> None:
    """The record's lines are the document's complete list: current lines it leaves out
    are deleted in the same changeset (the engine leaves out what its line merge removed)."""
    record = TargetRecord("r", {"to_Item": [{"Item": "30", "Qty": Decimal("1")}]}, key="1",
                          etag='W/"e"', current=CURRENT)
    steps = [(op.method, op.path, op.body)
             for op in plan_write(orders(), record, OPTIONS).operations[1:]]
    assert steps == [("POST", "Orders('1')/to_Item", {"Item": "30", "Qty": "1"}),
                     ("DELETE", "Items(Order='1',Item='000010')", None),
                     ("DELETE", "Items(Order='1',Item='000020')", None)]


def test_without_current_lines_a_keyed_line_is_patched_whole() -> None:
    record = TargetRecord("r", {"to_Item": [{"Item": "10", "Qty": Decimal("1")}]}, key="1")
    (only,) = plan_write(orders(), record, OPTIONS).operations
    assert (only.method, only.path, only.body) == ("PATCH", "Items(Order='1',Item='10')",
                                                   {"Qty": "1"})


def test_lines_in_the_wrong_shape_are_rejected_with_the_right_one() -> None:
    as_path = plan_write(orders(), TargetRecord("r", {"to_Item/Qty": 1}, key="1"), OPTIONS)
    assert as_path.error is not None and "fields['to_Item'] = [{...}" in as_path.error.message
    as_dict = plan_write(orders(), TargetRecord("r", {"to_Item": {"Qty": 1}}, key="1"), OPTIONS)
    assert as_dict.error is not None and as_dict.error.code == "BAD_RECORD_SHAPE"


# -- errors and settings --------------------------------------------------------------------

def test_bearer_challenges_are_read_by_their_error_code() -> None:
    challenge = {"WWW-Authenticate": 'Bearer realm="x", error="invalid_token", '
                                     'error_description="The access token expired"'}
    assert bearer_error(challenge) == "invalid_token"
    assert bearer_error({"WWW-Authenticate": 'Basic realm="x"'}) == ""
    error = translate(401, b"", challenge, where="service", operation="GET x")
    assert error.code == "AUTH_FAILED" and "no longer accepts the access token" in error.message


def test_a_refused_query_is_a_config_error_a_refused_record_is_not() -> None:
    body = b'{"error":{"code":"/IWBEP/CX_MGW_BUSI_EXCEPTION","message":{"value":"bad"}}}'
    assert type(translate(400, body, {}, where="service", operation="GET")) is ConfigError
    assert type(translate(400, body, {}, where="record", operation="PATCH")) is not ConfigError


def test_per_entity_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ERPSYNC_SAP_BASE_URL", "https://s4.example")
    monkeypatch.setenv("ERPSYNC_SAP_CHANGE_FIELDS",
                       json.dumps({"A_BusinessPartner": "LastChangeDate+LastChangeTime"}))
    monkeypatch.setenv("ERPSYNC_SAP_SERVICE_BASE_URLS",
                       json.dumps({"API_MATERIAL_STOCK_SRV": "http://stock:8001/"}))
    monkeypatch.setenv("ERPSYNC_SAP_SINGLE_ENTRY_NAVIGATIONS", '["to_BusinessPartnerAddress"]')
    settings = load_settings("sap", SapSettings, path=tmp_path / "absent.toml")
    assert settings.change_fields == {"A_BusinessPartner": "LastChangeDate+LastChangeTime"}
    assert settings.base_url_of("API_MATERIAL_STOCK_SRV") == "http://stock:8001"
    assert settings.base_url_of("API_SALES_ORDER_SRV") == "https://s4.example"
    assert settings.single_entry_navigations == ("to_BusinessPartnerAddress",)
    assert settings.reference_fields == {"A_SalesOrder": "PurchaseOrderByCustomer"}
    with pytest.raises(ValueError, match="http"):
        SapSettings(base_url="http://x", service_base_urls={"S": "stock:8001"})


def test_a_sandbox_address_missing_from_a_table_falls_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "erpsync.toml"
    config.write_text('[sap]\nbase_url = "http://sap:1"\nservice_base_urls = '
                      '{ API_MATERIAL_STOCK_SRV = "sandbox:sap_stock_base_url" }\n',
                      encoding="utf-8")
    monkeypatch.setenv("ERPSYNC_HOME", str(tmp_path / "home"))
    assert load_settings("sap", SapSettings, path=config).service_base_urls == {}
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "sandbox.json").write_text(
        '{"sap_stock_base_url": "http://127.0.0.1:9"}', encoding="utf-8")
    resolved = load_settings("sap", SapSettings, path=config)
    assert resolved.base_url_of("API_MATERIAL_STOCK_SRV") == "http://127.0.0.1:9"
