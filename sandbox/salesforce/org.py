"""Who lives in the sandbox org: its ID, the API user clients log in as, and the admin.

The admin owns demo and seeded records, so a sync can tell an admin's edits from its own
(``LastModifiedById``) exactly as it would in a real org.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.salesforce.ids import make_id

ORG_ID = make_id("00D", 1)


@dataclass(frozen=True)
class User:
    id: str
    username: str
    name: str


INTEGRATION_USER = User(make_id("005", 1), "integration@sandbox.local", "Integration User")
ADMIN_USER = User(make_id("005", 2), "admin@sandbox.local", "Sandbox Admin")
USERS: dict[str, User] = {user.id: user for user in (INTEGRATION_USER, ADMIN_USER)}
