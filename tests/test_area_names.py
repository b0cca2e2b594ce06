"""Each of the 12 leagues has one official English name (data/areas.csv, the registry), used
everywhere: the census copy, the database, the catalogue, the map labels and hovers, the reporting
page; no other English spelling of a league in code, catalogues, SQL or data files."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from nmgdash.core import labels
from nmgdash.ingest import catalogue

ROOT = Path(__file__).resolve().parents[1]


def official() -> dict[str, str]:
    with (ROOT / "data" / "areas.csv").open(encoding="utf-8") as f:
        return {r["adcode"]: r["name_en"] for r in csv.DictReader(f) if r["level"] == "league"}


def test_the_registry_names_twelve_leagues():
    names = official()
    assert len(names) == 12 and len(set(names.values())) == 12
    assert [names[c] for c in ("152200", "152500", "152900")] == ["Hinggan League", "Xilingol League", "Alxa League"]


def test_every_copy_of_the_names_is_the_registry(con):
    names = official()
    with (ROOT / "data" / "leagues_census_2020.csv").open(encoding="utf-8") as f:
        assert {r["adcode"]: r["name_en"] for r in csv.DictReader(f)} == names
    db = con.execute("SELECT adcode, name_en FROM areas WHERE level = 'league'").fetchall()
    assert dict(db) == names
    areas = catalogue.load().areas
    assert {c: areas.at[c, "name_en"] for c in names} == names


def test_the_map_labels_and_hovers_use_the_official_names():
    names = official()
    rows = pd.DataFrame({"adcode": list(names), "name_zh": list(names), "name_en": list(names.values()),
                         "metric": 1.0, "value": 1.0})
    frame = labels.map_frame(rows, "persons", "value", "en")
    assert frame["name"].tolist() == list(names.values())
    assert frame.loc[frame["adcode"] == "152500", "hover"].iloc[0].startswith("<b>Xilingol League</b>")


def test_no_other_spelling_of_a_league_anywhere():
    """Outside the registry (and its census copy), a league's English name only appears whole:
    no "Xilingol" without " League", no "Xilin Gol", "Alashan", "Xing'an" …"""
    names = list(official().values())
    stems = {n.split()[0]: n for n in names}
    variants = re.compile(r"Xilin ?Gol\b|Alashan|Alax\b|Xing'?an\b|Hulun ?Buir\b|Huhhot|Bayan ?Nur\b|Ulanqap|Wulanchabu")
    bad = []
    files = [p for d in ("nmgdash", "queries", "data", "pages", "static") for p in (ROOT / d).rglob("*")
             if p.is_file() and p.suffix in {".py", ".toml", ".sql", ".csv", ".json", ".geojson", ".md", ".js", ".css"}]
    files += [ROOT / "app.py"]
    for p in files:
        if p.name in ("areas.csv", "leagues_census_2020.csv"):
            continue
        text = p.read_text(encoding="utf-8", errors="ignore")
        for stem, name in stems.items():
            for m in re.finditer(rf"\b{re.escape(stem)}\b", text):
                if not text.startswith(name, m.start()):
                    bad.append(f"{p.relative_to(ROOT)}: {text[m.start():m.start() + 30]!r}")
        bad += [f"{p.relative_to(ROOT)}: {m.group()!r}" for m in variants.finditer(text)]
    assert bad == []
