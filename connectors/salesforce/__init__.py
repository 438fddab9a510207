"""Salesforce connector: REST API (query/queryAll, sObject Collections, describe, getDeleted)
through simple-salesforce and Bulk API 2.0 ingest jobs, with our own OAuth token handling and
API budget. See ``connector.SalesforceConnector``."""

from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.settings import SalesforceSettings

__all__ = ["SalesforceConnector", "SalesforceSettings"]
