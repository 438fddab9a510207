"""Alembic environment: runs against the connection the state store hands over."""

from __future__ import annotations

from alembic import context

from engine.state.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs `alembic` by hand
    raise RuntimeError("run migrations through engine.state.store.StateStore.migrate()")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
