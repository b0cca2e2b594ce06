"""Named, parameterised SQL from ``queries/*.sql``.

Every query is a file; parameters are DuckDB named parameters (``$name``) bound
by the driver, never formatted into the text.
"""

from __future__ import annotations

from functools import cache

import duckdb
import pandas as pd

from nmgdash.core.settings import QUERY_DIR


@cache
def load_sql(name: str) -> str:
    """Return the text of ``queries/<name>.sql``.

    Raises:
        FileNotFoundError: no query of that name.
    """
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> pd.DataFrame:
    """Run the named query with bound parameters and return its rows as a DataFrame.

    ``con`` may be a connection or a cursor; a fresh cursor is taken per call so
    one connection can serve several threads (Streamlit sessions).
    Raises ``duckdb.Error`` on SQL errors (e.g. a missing parameter).
    """
    cur = con.cursor()
    try:
        return cur.execute(load_sql(name), params or None).df()
    finally:
        cur.close()


def rows(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> list[tuple]:
    """The named query's rows as tuples (no DataFrame: for the build's small checks).
    Raises ``duckdb.Error`` on SQL errors."""
    return con.execute(load_sql(name), params or None).fetchall()


def run_script(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Execute a multi-statement script without parameters (schema, derive)."""
    con.execute(load_sql(name))
