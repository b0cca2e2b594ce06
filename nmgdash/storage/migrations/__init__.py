"""Alembic migrations of the store (:mod:`nmgdash.storage.store.schema`). Run by
:func:`nmgdash.storage.store.engine.migrate` on first use; no alembic.ini is needed."""
