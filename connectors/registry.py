"""Which connector class and settings model serve each system name used in mappings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from connectors.base import Connector
from connectors.errors import ConfigError
from connectors.settings import SecretResolver, load_settings, setting_value


@dataclass(frozen=True)
class ConnectorFactory:
    settings_model: Callable[[], type[BaseModel]]
    build: Callable[[Any], Connector]


def _sap_settings() -> type[BaseModel]:
    """OData (default) or RFC, as ``transport`` in [sap] or ERPSYNC_SAP_TRANSPORT says."""
    transport = str(setting_value("sap", "transport") or "odata").strip().lower()
    if transport == "rfc":
        from connectors.sap.rfc.settings import SapRfcSettings

        return SapRfcSettings
    if transport != "odata":
        raise ConfigError(f"ERPSYNC_SAP_TRANSPORT is {transport!r}; use odata or rfc",
                          code="UNKNOWN_TRANSPORT")
    from connectors.sap.settings import SapSettings

    return SapSettings


def _sap(settings: Any) -> Connector:
    if getattr(settings, "transport", "odata") == "rfc":
        from connectors.sap.rfc.connector import SapRfcConnector

        return SapRfcConnector(settings)
    from connectors.sap.connector import SapODataConnector

    return SapODataConnector(settings)


def _salesforce_settings() -> type[BaseModel]:
    from connectors.salesforce.settings import SalesforceSettings

    return SalesforceSettings


def _salesforce(settings: Any) -> Connector:
    from connectors.salesforce.connector import SalesforceConnector

    return SalesforceConnector(settings)


FACTORIES: dict[str, ConnectorFactory] = {
    "sap": ConnectorFactory(_sap_settings, _sap),
    "salesforce": ConnectorFactory(_salesforce_settings, _salesforce),
}


def build_connector(system: str, secret_resolver: SecretResolver | None = None) -> Connector:
    """A connector for ``system`` configured from erpsync.toml and the environment."""
    factory = FACTORIES.get(system)
    if factory is None:
        raise ConfigError(f"no connector for system {system!r}; available: "
                          f"{', '.join(sorted(FACTORIES))}", code="UNKNOWN_SYSTEM")
    settings = load_settings(system, factory.settings_model(), secret_resolver=secret_resolver)
    return factory.build(settings)
