"""Plain read access to the current build for code outside Streamlit (slides, exports, the CLI).

:class:`Reader` offers what the pages' cached access (:mod:`nmgdash.ui.data`) offers, with the
same method names, so a builder takes either: ``query``, ``years``, ``leagues``, ``catalogue``,
``shapes``, ``label_offsets`` and ``BASELINE_YEAR``. Results are cached per build in memory.
"""

from __future__ import annotations

from functools import cache, lru_cache

import pandas as pd

from nmgdash.core import geo
from nmgdash.core.settings import BASELINE_YEAR
from nmgdash.storage.database import Database


class Reader:
    """Read access on one :class:`Database` handle (default: a new handle on the current build)."""

    BASELINE_YEAR = BASELINE_YEAR

    def __init__(self, database: Database | None = None) -> None:
        self.database = database or Database()
        self._run = lru_cache(maxsize=512)(self._run_uncached)

    def _run_uncached(self, name: str, build: str | None, params: tuple) -> pd.DataFrame:
        bound = {k: list(v) if isinstance(v, tuple) else v for k, v in params}
        return self.database.run(name, **bound)

    def query(self, name: str, **params: object) -> pd.DataFrame:
        """The named query (``queries/<name>.sql``) on the current build; lists as tuples. Do not change the frame."""
        return self._run(name, self.database.version, tuple(sorted(params.items())))

    def years(self) -> list[int]:
        """The statistical years with non-reference data, ascending."""
        return [int(y) for y in self.query("years", published_only=False)["year"]]

    def leagues(self) -> pd.DataFrame:
        """The 12 leagues: adcode, name_zh, name_en, level, parent_adcode."""
        return self.query("areas", level="league", parent=None)

    def catalogue(self) -> pd.DataFrame:
        """The indicator catalogue indexed by indicator_id."""
        return self.query("catalogue").set_index("indicator_id", drop=False)

    @staticmethod
    @cache
    def shapes(level: str, parent: str | None = None) -> geo.MapShapes:
        """The boundary layer ``level`` (optionally the counties of league ``parent``)."""
        return geo.map_shapes(level, parent)

    @staticmethod
    @cache
    def label_offsets() -> dict[str, tuple[float, float]]:
        """adcode → (dx_km, dy_km) label moves from ``data/map_labels.csv``."""
        return geo.label_offsets()


@cache
def default_reader() -> Reader:
    """One :class:`Reader` per process, for callers that pass none."""
    return Reader()
