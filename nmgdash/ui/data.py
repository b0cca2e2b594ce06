"""Cached data access for the pages: the database connection, named-query results, boundary
layers and map label offsets. Everything here is cached (``st.cache_resource`` for the connection
and geometry, ``st.cache_data`` for query results); nothing draws.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable

import pandas as pd
import streamlit as st

from nmgdash.core import geo
from nmgdash.core.settings import BASELINE_YEAR, DATA_DIR, GEO_DIR, file_stamp
from nmgdash.storage.database import Database
from nmgdash.ui import state


@st.cache_resource(show_spinner=False)
def database() -> Database:
    """One handle per server process on the current database build. It follows rebuilds and
    imports (a new build file is swapped in atomically; open sessions read it on their next
    rerun) and hands every query its own cursor, so sessions never share one."""
    return Database()


def version() -> str | None:
    """Name of the current build: part of every cached query's key, so a rebuild or an import
    invalidates the cached results. Raises DatabaseUnavailable (Chinese message)."""
    return database().version


@st.cache_data(show_spinner=False, max_entries=2000)
def _query(name: str, build: str | None, **params: object) -> pd.DataFrame:
    bound = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
    return database().run(name, **bound)


def query(name: str, **params: object) -> pd.DataFrame:
    """Cached result of the named query on the current build (lists must be passed as tuples).
    Raises DatabaseUnavailable when the database cannot be opened (Chinese message, no path)."""
    return _query(name, version(), **params)


@st.cache_resource(show_spinner=False)
def _shapes(level: str, parent: str | None, stamp: tuple[int, int]) -> geo.MapShapes:
    return geo.map_shapes(level, parent)


def shapes(level: str, parent: str | None = None) -> geo.MapShapes:
    """Cached boundary layer for the maps (see geo.map_shapes); reloaded when its GeoJSON file
    changes. Raises geo.GeometryError when the file fails validation."""
    name = "leagues.geojson" if level == "league" else "counties.geojson"
    return _shapes(level, parent, file_stamp(GEO_DIR / name))


@st.cache_data(show_spinner=False)
def _label_offsets(stamp: tuple[int, int]) -> dict[str, tuple[float, float]]:
    return geo.label_offsets(DATA_DIR)


def label_offsets() -> dict[str, tuple[float, float]]:
    """adcode → (dx_km, dy_km) label moves from data/map_labels.csv (reloaded when it changes)."""
    return _label_offsets(file_stamp(DATA_DIR / "map_labels.csv"))


@st.cache_resource(show_spinner=False, max_entries=4)
def _leagues(build: str | None) -> pd.DataFrame:
    return _query("areas", build, level="league", parent=None)


def leagues() -> pd.DataFrame:
    """The 12 leagues: adcode, name_zh, name_en, level, parent_adcode. One frame per database build,
    shared by all sessions (read many times per run: the league filter's labels, names, counts):
    read it, never change it in place."""
    return _leagues(version())


@st.cache_resource(show_spinner=False, max_entries=160)
def shared(kind: str, view: tuple, _build: Callable[[], object]) -> object:
    """``_build()`` once per ``kind`` and ``view`` in this server process, shared by all sessions
    (a figure, a written summary: what a fresh session would otherwise rebuild, as topic pages
    cache their figures). ``view``: everything the value depends on, the database build
    (:func:`version`) and the language among them. Figures for ``plotly_map`` are best stored
    as JSON text (``mapview.figure_json(fig.to_plotly_json())``: serialised once, and a string is
    nothing for the garbage collector to walk); Figures for ``st.plotly_chart``, which copies them
    before use. Nobody mutates a shared value."""
    return _build()


class _Memo:
    """A small LRU of values computed from an object, keyed by the object's identity (the object
    is held while its entry lives, so its id is never reused meanwhile)."""

    def __init__(self, size: int) -> None:
        self.size, self.lock, self.items = size, threading.Lock(), OrderedDict()

    def get(self, key: tuple, obj: object, build: Callable[[], object]) -> object:
        with self.lock:
            hit = self.items.get(key)
            if hit is not None and hit[0] is obj:
                self.items.move_to_end(key)
                return hit[1]
        value = build()
        with self.lock:
            self.items[key] = (obj, value)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


@st.cache_resource(show_spinner=False)
def _memo(kind: str, size: int) -> _Memo:
    return _Memo(size)


def per_object(kind: str, obj: object, extra: tuple, build: Callable[[], object], size: int = 512) -> object:
    """``build()`` once per ``kind``, object ``obj`` (by identity: the same shared frame or figure
    dict, e.g. from :func:`shared`) and ``extra`` (the language and whatever else the value depends
    on), in this server process: the text of a footnote, a figure's JSON. Objects made anew in every
    run simply miss; the ``size`` most recent entries of each ``kind`` are kept (with their objects).
    Nobody mutates a memoised value."""
    return _memo(kind, size).get((id(obj), extra), obj, build)


@st.cache_resource(show_spinner=False)
def freeze_startup_heap() -> bool:
    """Once per server process, after its first complete script run: move every object alive
    now (modules, pandas/plotly/geopandas/DuckDB internals, the cached boundary layers) into
    Python's permanent GC generation (``gc.freeze``). Streamlit collects garbage after every
    script run (``runner.postScriptGC``) and a full collection used to walk all of them: about
    65 ms of CPU per page run. Afterwards it walks only what later runs allocated, so memory
    stays flat at a few ms per run. Returns True."""

    gc.collect()
    gc.freeze()
    return True


@st.cache_resource(show_spinner=False, max_entries=4)
def _catalogue(build: str | None) -> pd.DataFrame:
    return _query("catalogue", build).set_index("indicator_id", drop=False)


def catalogue() -> pd.DataFrame:
    """The indicator catalogue indexed by indicator_id: one frame per database build, shared by
    all sessions (the indicator picker reads it once per option and rerun). Read it, never change
    it in place (``.loc``, ``reset_index`` and friends return copies)."""
    return _catalogue(version())


@st.cache_resource(show_spinner=False, max_entries=4)
def _years(build: str | None) -> tuple[tuple[int, ...], int]:
    options = tuple(int(y) for y in _query("years", build, published_only=False)["year"])
    found = _query("default_year", build)["year"]
    value = found.iloc[0] if len(found) else None
    default = int(value) if value is not None and value == value and int(value) in options else options[-1]
    return options, default


def years() -> list[int]:
    """The statistical years offered by the year filter (every year with non-reference data).
    Computed once per database build (every card and filter of a run asks)."""
    return list(_years(version())[0])


def default_year() -> int:
    """The year the year filter opens on: the latest year in which some indicator has a value for
    every league (``queries/default_year.sql``), else the latest year with data. A year that only
    some leagues have reported is offered but not opened (leaders would see a nearly empty map).
    Computed once per database build."""
    return _years(version())[1]


def metrics(indicator_id: str, level: str, parent: str | None, mode: str,
            year_list: tuple[int, ...] | None = None) -> pd.DataFrame:
    """area_metrics for every year of the year filter, or ``year_list`` (cached)."""
    return query("area_metrics", indicator_id=indicator_id, level=level, parent=parent,
                 years=year_list or tuple(years()), baseline_year=BASELINE_YEAR,
                 published_only=state.published_only(), mode=mode)
