"""Salesforce connector: REST API (query/queryAll, sObject Collections, describe) through
simple-salesforce, with our own OAuth token handling. See ``connector.SalesforceConnector``."""

from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.settings import SalesforceSettings

__all__ = ["SalesforceConnector", "SalesforceSettings"]
