"""SAP over RFC/BAPI: ``SapRfcConnector`` configured by ``SapRfcSettings`` (transport ``rfc``)."""

from connectors.sap.rfc.connector import SapRfcConnector
from connectors.sap.rfc.settings import SapRfcSettings

__all__ = ["SapRfcConnector", "SapRfcSettings"]
