"""Alembic environment: migrations run on the connection handed in by
:func:`nmgdash.storage.store.engine.migrate` (``config.attributes["connection"]``)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
