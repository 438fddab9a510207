"""Which OData service serves an entity set, and that service's ``$metadata``, fetched once.

Everything the connector reads or writes goes through an ``EntityModel`` from here, so every
field name is checked against the live ``$metadata`` before a request is built. The
per-entity behaviour configured in ``SapSettings`` (change stamp, caller reference) is
checked here too, when the entity is first described: the engine describes each object at
start-up, so a wrong setting stops the run before anything is read or written.
"""

from __future__ import annotations

from connectors.base import ObjectSchema
from connectors.errors import ConfigError
from connectors.sap.changes import ChangeStamp, stamp_of
from connectors.sap.metadata import EntityModel, ServiceModel, parse_edmx
from connectors.sap.odata import ODataClient
from connectors.sap.reading import own_field
from connectors.sap.settings import SapSettings


class ServiceDirectory:
    """Service documents by name, cached for the life of the connector."""

    def __init__(self, settings: SapSettings, client: ODataClient) -> None:
        self.settings = settings
        self.client = client
        self._models: dict[str, ServiceModel] = {}
        self._schemas: dict[str, ObjectSchema] = {}

    def service_of(self, obj: str) -> str:
        service = self.settings.service_for(obj)
        if service is None:
            known = ", ".join(sorted(self.settings.services))
            raise ConfigError(
                f"no OData service configured for {obj!r} (ERPSYNC_SAP_SERVICES); "
                f"configured: {known}", code="UNKNOWN_OBJECT", system="sap",
            )
        return service

    def model(self, service: str, *, retry: bool = True) -> ServiceModel:
        if service not in self._models:
            document = self.client.metadata(service, retry=retry)
            self._models[service] = parse_edmx(document, service)
        return self._models[service]

    def entity(self, obj: str) -> EntityModel:
        return self.model(self.service_of(obj)).entity(obj)

    def schema(self, obj: str) -> ObjectSchema:
        """Fields of ``obj`` as ``describe`` reports them (cached: it is walked per write)."""
        if obj not in self._schemas:
            self._schemas[obj] = self.model(self.service_of(obj)).object_schema(obj)
        return self._schemas[obj]

    def stamp(self, entity: EntityModel) -> ChangeStamp:
        """The change stamp of ``entity``: the one configured for it in ``change_fields``
        (checked against its properties), else ``change_field`` where it has that
        property, else none (read whole: items, addresses, stock have no stamp of their
        own)."""
        configured = self.settings.change_fields.get(entity.set_name)
        if configured is not None:
            parts = tuple(part.strip() for part in configured.split("+") if part.strip())
            return stamp_of(entity.type, entity.set_name, parts)
        default = self.settings.change_field
        if default in entity.type.properties:
            return stamp_of(entity.type, entity.set_name, (default,))
        return ChangeStamp()

    def reference_field(self, entity: EntityModel) -> str | None:
        """The property holding the caller's id of a record, when one is configured."""
        name = self.settings.reference_fields.get(entity.set_name)
        if name is None:
            return None
        return own_field(f"{entity.set_name} (ERPSYNC_SAP_REFERENCE_FIELDS)", entity.type, name)

    def deleted_field(self, entity: EntityModel) -> str | None:
        """The deletion flag, when this entity has the configured one."""
        name = self.settings.deleted_field
        return name if name is not None and name in entity.type.properties else None
