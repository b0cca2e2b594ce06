"""The indicator catalogue and the area list, as the importer needs them.

Read from ``data/indicators.csv`` and ``data/areas.csv`` (the same files the database is
built from), so parsing and the template work without a database connection.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import pandas as pd

from nmgdash.core.rules import (  # noqa: F401 (re-exported for the importer's callers)
    AMOUNT_UNITS,
    COUNT_UNITS,
    MONEY_UNITS,
    REFERENCE_CATEGORIES,
    measure,
)
from nmgdash.core.settings import DATA_DIR

#: Indicators the dashboard computes itself (queries/derive.sql); never imported.
DERIVED = frozenset({"hub_activities_per_hub"})
#: Categories that hold reference data (census, boundaries), never imported from league reports.
#: Other spellings of a unit that mean the same thing (the bulletin writes 名 for persons).
UNIT_SYNONYMS = {"人": {"名", "人"}, "名": {"名", "人"}, "个": {"个"}, "场次": {"场次", "场"}, "次": {"次"}, "家": {"家", "个"},
                 "人次": {"人次"}, "班次": {"班次", "期", "班"}, "%": {"%", "百分比"}}

_QUOTES = "“”‘’\"'「」『』《》〈〉"
_SPACE_RE = re.compile(r"\s+")
_TRAILING_UNIT_RE = re.compile(r"^(?P<name>.+?)\((?P<unit>[^()]*)\)$")


def norm_text(text: object) -> str:
    """Normalise a label for matching: NFKC (full-width → ASCII, （）→()), no spaces (incl. U+3000),
    no quote marks, lower case, no trailing colon."""
    s = unicodedata.normalize("NFKC", str(text))
    s = _SPACE_RE.sub("", s)
    s = s.translate({ord(q): None for q in _QUOTES})
    return s.rstrip(":").lower()


@dataclass(frozen=True)
class HeaderMatch:
    """A header recognised as an indicator; ``unit`` is the unit written in the header, if any."""

    indicator_id: str
    unit: str | None


class Catalogue:
    """Indicators (``indicators``: the catalogue frame indexed by indicator_id) and areas
    (``areas``: adcode, name_zh, level, parent_adcode, indexed by adcode)."""

    def __init__(self, indicators: pd.DataFrame, areas: pd.DataFrame):
        self.indicators = indicators.set_index("indicator_id", drop=False).rename_axis(None)
        self.areas = areas.set_index("adcode", drop=False).rename_axis(None)
        # plain dicts for the per-cell lookups (a pandas .at per cell costs seconds on a large file)
        self._unit = self.indicators["unit"].to_dict()
        self._name = self.indicators["name_zh"].to_dict()
        self._additive = {k: str(v).lower() == "true" for k, v in self.indicators["additive"].items()}
        self._area_name = self.areas["name_zh"].to_dict()
        self._level = self.areas["level"].to_dict()
        self._levels: dict[str, set[str]] = {}
        self._keys: dict[str, str] = {}
        for ind in self.indicators.itertuples():
            names = [ind.name_zh, ind.indicator_id, *[a for a in str(ind.aliases or "").split("|") if a]]
            for name in names:
                key = norm_text(name)
                other = self._keys.setdefault(key, ind.indicator_id)
                if other != ind.indicator_id:
                    raise ValueError(f"indicators.csv: “{name}” names both {other} and {ind.indicator_id}")

    # ---- indicators -------------------------------------------------------------------
    def unit(self, indicator_id: str) -> str:
        """The catalogue unit of an indicator (万元, 个, % …)."""
        return self._unit[indicator_id]

    def name(self, indicator_id: str) -> str:
        """The indicator's Chinese name."""
        return self._name[indicator_id]

    def measure(self, indicator_id: str) -> str:
        return measure(self.unit(indicator_id))

    def additive(self, indicator_id: str) -> bool:
        """True when the leagues' values add up to the region's."""
        return self._additive[indicator_id]

    def importable_levels(self, indicator_id: str) -> set[str]:
        """Area levels at which staff may import this indicator: {'league'}, {'league', 'county'} or set()."""
        if indicator_id not in self._levels:
            row = self.indicators.loc[indicator_id]
            if indicator_id in DERIVED or row["category"] in REFERENCE_CATEGORIES:
                self._levels[indicator_id] = set()
            else:
                self._levels[indicator_id] = {"league": {"league"}, "county": {"league", "county"}}.get(row["lowest_level"], set())
        return set(self._levels[indicator_id])

    def importable(self, level: str) -> list[str]:
        """Indicator ids importable at ``level`` ('league' or 'county'), in catalogue order."""
        return [i for i in self.indicators.index if level in self.importable_levels(i)]

    def template_header(self, indicator_id: str) -> str:
        """Header used in the Excel template: name with unit, e.g. 青年爱里数量（个）.

        Uses the first alias when it is a longer form of the name (青年爱里 → 青年爱里数量)."""
        row = self.indicators.loc[indicator_id]
        first_alias = str(row["aliases"] or "").split("|")[0]
        name = first_alias if first_alias.startswith(row["name_zh"]) and len(first_alias) > len(row["name_zh"]) else row["name_zh"]
        return f"{name}（{row['unit']}）"

    def match_header(self, text: object) -> HeaderMatch | None:
        """The indicator a header names, through names and aliases, with or without the unit,
        full-width or ASCII brackets, ignoring spaces. None when nothing matches."""
        key = norm_text(text)
        if not key:
            return None
        if key in self._keys:
            return HeaderMatch(self._keys[key], None)
        m = _TRAILING_UNIT_RE.match(key)
        if m and m["name"] in self._keys:
            return HeaderMatch(self._keys[m["name"]], m["unit"] or None)
        for sep in ("/", "，", ",", "单位:"):
            name, _, unit = key.rpartition(sep)
            if name and name in self._keys and unit:
                return HeaderMatch(self._keys[name], unit)
        return None

    # ---- areas ------------------------------------------------------------------------
    def area_name(self, adcode: str) -> str:
        """The area's official Chinese name."""
        return self._area_name[adcode]

    def level(self, adcode: str) -> str:
        """'region', 'league' or 'county'."""
        return self._level[adcode]

    def leagues(self) -> pd.DataFrame:
        return self.areas[self.areas["level"] == "league"]

    def counties(self, league: str | None = None) -> pd.DataFrame:
        c = self.areas[self.areas["level"] == "county"]
        return c if league is None else c[c["parent_adcode"] == league]


@cache
def load() -> Catalogue:
    """The catalogue from ``data/`` (cached for the process)."""
    read = lambda name: pd.read_csv(DATA_DIR / name, dtype=str, keep_default_na=False, encoding="utf-8")  # noqa: E731
    return Catalogue(read("indicators.csv"), read("areas.csv"))
