"""The store: one transactional database for everything staff write (accounts, sign-in events,
import batches and their values, the audit log), on SQLite (default, a file in the imports
folder) or PostgreSQL (``NMGDASH_STORE_URL``). SQLAlchemy 2 Core; Alembic migrations in
:mod:`nmgdash.storage.migrations` run on first use. See :mod:`.schema` and :mod:`.engine`.
"""
