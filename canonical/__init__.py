"""Canonical business records: every system maps to and from these. Pure data, no I/O."""

from canonical.customer import Customer
from canonical.types import Address, AwareDatetime, CanonicalModel, Money

ENTITIES: dict[str, type[CanonicalModel]] = {"customer": Customer}
"""Canonical entities by the name mappings use in ``entity:``."""

__all__ = ["ENTITIES", "Address", "AwareDatetime", "CanonicalModel", "Customer", "Money"]
