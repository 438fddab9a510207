"""The entity model of ``API_MATERIAL_STOCK_SRV`` (Material Stock - Read), and its EDMX.

Taken from SAP's published API reference for the service (communication scenario
SAP_COM_0164; the OData V2 API described on the SAP Business Accelerator Hub and in the SAP
Cloud SDK's generated client,
https://help.sap.com/doc/98598d91753e472da1235b2aa36babc5/1.0/en-US/classes/_sap_cloud_sdk_vdm_material_stock_service.matlstkinacctmod.html):

- ``A_MaterialStock`` - key ``Material`` (40), ``MaterialBaseUnit`` (3), navigation
  ``to_MatlStkInAcctMod`` (many);
- ``A_MatlStkInAcctMod`` - stock in the account model, keyed by the eleven stock
  identifiers ``Material``, ``Plant`` (4), ``StorageLocation`` (4), ``Batch`` (10),
  ``Supplier`` (10), ``Customer`` (10), ``WBSElementInternalID`` (8), ``SDDocument`` (10),
  ``SDDocumentItem`` (6), ``InventorySpecialStockType`` (1), ``InventoryStockType`` (2); with
  ``WBSElementExternalID`` (24), ``MaterialBaseUnit`` and the quantity
  ``MatlWrhsStkQtyInMatlBaseUnit`` (``Edm.Decimal``, precision 31, scale 14); navigation
  ``to_MaterialStock`` (one).

The service is read-only. ``A_MaterialSerialNumber`` (serial numbers with stock) is part of
the real service and left out here: nothing in erpsync reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

SERVICE = "API_MATERIAL_STOCK_SRV"
NAMESPACE = SERVICE


@dataclass(frozen=True)
class Prop:
    name: str
    type: str = "Edm.String"
    length: int | None = None
    key: bool = False
    label: str = ""
    precision: int | None = None
    scale: int | None = None


@dataclass(frozen=True)
class Nav:
    name: str
    target: str
    many: bool


@dataclass(frozen=True)
class EntitySet:
    name: str
    props: tuple[Prop, ...]
    navs: tuple[Nav, ...]

    @property
    def type_name(self) -> str:
        return f"{self.name}Type"

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.props if p.key)

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.props if p.name == name), None)

    def nav(self, name: str) -> Nav | None:
        return next((n for n in self.navs if n.name == name), None)


def _key(name: str, length: int, label: str) -> Prop:
    return Prop(name, length=length, key=True, label=label)


MATERIAL_STOCK = EntitySet("A_MaterialStock", (
    _key("Material", 40, "Material"),
    Prop("MaterialBaseUnit", length=3, label="Base Unit of Measure"),
), (Nav("to_MatlStkInAcctMod", "A_MatlStkInAcctMod", many=True),))

STOCK_IN_ACCOUNT_MODEL = EntitySet("A_MatlStkInAcctMod", (
    _key("Material", 40, "Stock Material"),
    _key("Plant", 4, "Plant"),
    _key("StorageLocation", 4, "Storage Location"),
    _key("Batch", 10, "Batch SID"),
    _key("Supplier", 10, "Supplier SID"),
    _key("Customer", 10, "Customer SID"),
    _key("WBSElementInternalID", 8, "WBS Internal ID"),
    _key("SDDocument", 10, "Sales order"),
    _key("SDDocumentItem", 6, "Sales order item"),
    _key("InventorySpecialStockType", 1, "Special Stock Type"),
    _key("InventoryStockType", 2, "Stock Type"),
    Prop("WBSElementExternalID", length=24, label="WBS Element"),
    Prop("MaterialBaseUnit", length=3, label="Base Unit of Measure"),
    Prop("MatlWrhsStkQtyInMatlBaseUnit", "Edm.Decimal", precision=31, scale=14,
         label="Quantity in Base Unit"),
), (Nav("to_MaterialStock", "A_MaterialStock", many=False),))

ENTITY_SETS = {s.name: s for s in (MATERIAL_STOCK, STOCK_IN_ACCOUNT_MODEL)}
ASSOCIATION = "assoc_MaterialStock_MatlStkInAcctMod"


def _property_xml(prop: Prop) -> str:
    attrs = {"Name": prop.name, "Type": prop.type}
    if prop.length is not None:
        attrs["MaxLength"] = str(prop.length)
    if prop.precision is not None:
        attrs["Precision"], attrs["Scale"] = str(prop.precision), str(prop.scale or 0)
    if prop.key:
        attrs["Nullable"] = "false"
    attrs.update({"sap:label": prop.label, "sap:creatable": "false",
                  "sap:updatable": "false"})
    return "<Property " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + "/>"


def _entity_type_xml(entity: EntitySet) -> str:
    keys = "".join(f'<PropertyRef Name="{k}"/>' for k in entity.keys)
    props = "".join(_property_xml(p) for p in entity.props)
    navs = "".join(
        f'<NavigationProperty Name="{n.name}" Relationship="{NAMESPACE}.{ASSOCIATION}" '
        f'FromRole="{"FromRole" if n.many else "ToRole"}_{ASSOCIATION}" '
        f'ToRole="{"ToRole" if n.many else "FromRole"}_{ASSOCIATION}"/>'
        for n in entity.navs)
    return (f'<EntityType Name="{entity.type_name}" sap:content-version="1">'
            f"<Key>{keys}</Key>{props}{navs}</EntityType>")


def _association_xml() -> str:
    principal, dependent = MATERIAL_STOCK, STOCK_IN_ACCOUNT_MODEL
    return (
        f'<Association Name="{ASSOCIATION}" sap:content-version="1">'
        f'<End Type="{NAMESPACE}.{principal.type_name}" Multiplicity="1" '
        f'Role="FromRole_{ASSOCIATION}"/>'
        f'<End Type="{NAMESPACE}.{dependent.type_name}" Multiplicity="*" '
        f'Role="ToRole_{ASSOCIATION}"/>'
        f'<ReferentialConstraint><Principal Role="FromRole_{ASSOCIATION}">'
        f'<PropertyRef Name="Material"/></Principal><Dependent Role="ToRole_{ASSOCIATION}">'
        f'<PropertyRef Name="Material"/></Dependent></ReferentialConstraint></Association>'
    )


def _container_xml() -> str:
    sets = "".join(
        f'<EntitySet Name="{s.name}" EntityType="{NAMESPACE}.{s.type_name}" '
        f'sap:creatable="false" sap:updatable="false" sap:deletable="false" '
        f'sap:content-version="1"/>' for s in ENTITY_SETS.values())
    association_set = (
        f'<AssociationSet Name="{ASSOCIATION}_set" Association="{NAMESPACE}.{ASSOCIATION}" '
        f'sap:creatable="false" sap:updatable="false" sap:deletable="false" '
        f'sap:content-version="1">'
        f'<End EntitySet="A_MaterialStock" Role="FromRole_{ASSOCIATION}"/>'
        f'<End EntitySet="A_MatlStkInAcctMod" Role="ToRole_{ASSOCIATION}"/></AssociationSet>')
    return (f'<EntityContainer Name="{SERVICE}_Entities" m:IsDefaultEntityContainer="true" '
            f'sap:supported-formats="atom json xlsx">{sets}{association_set}</EntityContainer>')


def metadata_document() -> bytes:
    """The service's ``$metadata``: EDMX 1.0 with SAP's ``sap:`` annotations."""
    types = "".join(_entity_type_xml(s) for s in ENTITY_SETS.values())
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" '
        'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" '
        'xmlns:sap="http://www.sap.com/Protocols/SAPData">'
        '<edmx:DataServices m:DataServiceVersion="2.0">'
        f'<Schema Namespace="{NAMESPACE}" xml:lang="en" sap:schema-version="1" '
        'xmlns="http://schemas.microsoft.com/ado/2008/09/edm">'
        f"{types}{_association_xml()}{_container_xml()}"
        "</Schema></edmx:DataServices></edmx:Edmx>"
    ).encode()
