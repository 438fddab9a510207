"""SAP S/4HANA over OData V2: ``SapODataConnector`` configured by ``SapSettings``."""

from connectors.sap.connector import SapODataConnector
from connectors.sap.settings import SapSettings

__all__ = ["SapODataConnector", "SapSettings"]
