"""Cached data access for the pages: the database connection, named-query results, boundary
layers and map label offsets. Everything here is cached (``st.cache_resource`` for the connection
and geometry, ``st.cache_data`` for query results); nothing draws.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from . import charts, db, queries, state
from .paths import DATA_DIR

BASELINE_YEAR = 2017


@st.cache_resource(show_spinner=False)
def connection():
    """One DuckDB connection per server process; ``queries.run`` takes a cursor per call."""
    return db.connect(read_only=True)


@st.cache_data(show_spinner=False)
def query(name: str, **params: object) -> pd.DataFrame:
    """Cached result of the named query (lists must be passed as tuples for hashing)."""
    bound = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
    return queries.run(connection(), name, **bound)


@st.cache_resource(show_spinner=False)
def shapes(level: str, parent: str | None = None) -> charts.MapShapes:
    """Cached boundary layer for the maps (see charts.map_shapes)."""
    spacing = 20.0 if level == "league" else 6.0
    return charts.map_shapes(level, parent, spacing_km=spacing)


@st.cache_data(show_spinner=False)
def label_offsets() -> dict[str, tuple[float, float]]:
    """adcode → (dx_km, dy_km) label moves from data/map_labels.csv."""
    df = pd.read_csv(DATA_DIR / "map_labels.csv", dtype={"adcode": str})
    return {r.adcode: (float(r.dx_km), float(r.dy_km)) for r in df.itertuples()}


def leagues() -> pd.DataFrame:
    """The 12 leagues: adcode, name_zh, name_en, level, parent_adcode."""
    return query("areas", level="league", parent=None)


def league_names() -> dict[str, str]:
    """adcode → official Chinese name for the 12 leagues."""
    lg = leagues()
    return dict(zip(lg["adcode"], lg["name_zh"]))


def catalogue() -> pd.DataFrame:
    """The indicator catalogue indexed by indicator_id."""
    return query("catalogue").set_index("indicator_id", drop=False)


def years() -> list[int]:
    """The statistical years offered by the year filter (every year with non-reference data)."""
    return [int(y) for y in query("years", published_only=False)["year"]]


def metrics(indicator_id: str, level: str, parent: str | None, mode: str,
            year_list: tuple[int, ...] | None = None) -> pd.DataFrame:
    """area_metrics for every year of the year filter, or ``year_list`` (cached)."""
    return query("area_metrics", indicator_id=indicator_id, level=level, parent=parent,
                 years=year_list or tuple(years()), baseline_year=BASELINE_YEAR,
                 published_only=state.published_only(), mode=mode)
