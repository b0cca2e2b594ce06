"""The topic registry (``data/topics.toml``): the dashboard's pages, their indicators and slides.

One entry per page, in navigation order; see the file's header for the fields. Navigation
(``app.py``), the standard topic page (:func:`nmgdash.ui.topic.topic_page`), 汇报模式
(:mod:`nmgdash.slides.present`) and the tests read it through this module.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from nmgdash.core.settings import DATA_DIR

REGISTRY_FILE = DATA_DIR / "topics.toml"
LAYOUTS = ("topic", "custom")
SLIDE_KINDS = ("topic", "reforms", "innovations")


@dataclass(frozen=True)
class Page:
    """One registry entry. ``map``/``headline``/``slide_numbers`` are indicator ids of data/indicators.csv."""

    key: str
    icon: str
    layout: str = "custom"
    default: bool = False
    headline: tuple[str, ...] = ()
    map_default: str | None = None
    #: The map's indicators: every catalogue row whose ``topic`` column names this page, the
    #: default first, then in catalogue order (filled in from data/indicators.csv by :func:`parse`).
    map: tuple[str, ...] = ()
    caption: str | None = None
    slide: str | None = None
    slide_map: str | None = None
    slide_numbers: tuple[str, ...] = ()

    @property
    def slide_indicator(self) -> str | None:
        """The indicator mapped on this page's topic slide (``slide_map``, else the first map indicator)."""
        return self.slide_map or self.map_default


@dataclass(frozen=True)
class Registry:
    """The pages in navigation order and the slide settings (``[slides]``)."""

    pages: tuple[Page, ...]
    headline_indicator: str
    headline_numbers: tuple[str, ...]
    league_indicator: str
    rates: tuple[str, ...]
    source: Path = field(default=REGISTRY_FILE, compare=False)

    def page(self, key: str) -> Page:
        """The entry ``key``; KeyError when there is none."""
        for p in self.pages:
            if p.key == key:
                return p
        raise KeyError(key)

    def slide_sequence(self) -> list[str]:
        """汇报模式's default slide keys: "headline", then each page with a slide, in page order."""
        return ["headline", *[p.key for p in self.pages if p.slide]]

    def indicators(self) -> set[str]:
        """Every indicator id the registry names (cards, maps, slides)."""
        out = {self.headline_indicator, self.league_indicator, *self.headline_numbers, *self.rates}
        for p in self.pages:
            out |= {*p.headline, *p.map, *p.slide_numbers} | ({p.slide_map} if p.slide_map else set())
        return out


def catalogue_topics(path: Path = DATA_DIR / "indicators.csv") -> list[tuple[str, str]]:
    """(indicator_id, topic) of every catalogue row with a topic, in catalogue order."""
    with path.open(encoding="utf-8", newline="") as f:
        return [(r["indicator_id"], r["topic"]) for r in csv.DictReader(f) if r.get("topic")]


def parse(text: str, source: Path = REGISTRY_FILE, indicator_topics: list[tuple[str, str]] | None = None) -> Registry:
    """A registry from TOML text and the catalogue's ``topic`` column (default: data/indicators.csv).
    Raises ValueError naming the entry for a bad field, or an indicator whose topic is no topic page."""
    raw = tomllib.loads(text)
    members = catalogue_topics() if indicator_topics is None else indicator_topics
    pages = []
    for i, entry in enumerate(raw.get("page", []), 1):
        unknown = set(entry) - set(Page.__dataclass_fields__) - {"map"}
        entry = {k: v for k, v in entry.items() if k != "map"}
        if unknown or "key" not in entry or "icon" not in entry:
            raise ValueError(f"{source.name}: page {i} ({entry.get('key', '?')}): unknown or missing fields {sorted(unknown)}")
        p = Page(**{k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()})
        if p.layout not in LAYOUTS or (p.slide and p.slide not in SLIDE_KINDS):
            raise ValueError(f"{source.name}: page {p.key}: layout {p.layout!r} / slide {p.slide!r}")
        mine = [ind for ind, top in members if top == p.key]
        if p.map_default and p.map_default not in mine:
            raise ValueError(f"{source.name}: page {p.key}: map_default {p.map_default} has another topic")
        p = replace(p, map=tuple(sorted(mine, key=lambda ind: ind != p.map_default)))
        if p.layout == "topic" and not p.map:
            raise ValueError(f"{source.name}: page {p.key}: a topic page needs indicators (topic column)")
        pages.append(p)
    orphans = {top for _, top in members} - {p.key for p in pages if p.map_default}
    if orphans:
        raise ValueError(f"indicators.csv: topic {sorted(orphans)} is no page with a map_default in {source.name}")
    keys = [p.key for p in pages]
    if len(set(keys)) != len(keys) or sum(p.default for p in pages) != 1:
        raise ValueError(f"{source.name}: page keys must be unique and exactly one page the default")
    s = raw["slides"]
    return Registry(tuple(pages), s["headline_indicator"], tuple(s["headline_numbers"]), s["league_indicator"],
                    tuple(s["rates"]), source)


@cache
def registry(path: Path = REGISTRY_FILE) -> Registry:
    """The registry in ``data/topics.toml`` (read once per process)."""
    return parse(path.read_text(encoding="utf-8"), path)
