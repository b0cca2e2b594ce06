"""Generate ``data/observations_sample.csv`` — SAMPLE league/county data.

The bulletin (《全团要讯》2020年第6期) gives only totals for the whole region.
This script writes a clearly labelled *sample* (generated, not reported)
breakdown by league (盟市) and, for county-level indicators, by county (旗县),
for 2017 (pre-reform baseline), 2018 and 2019, until real league reports are
imported. Every row has ``status = sample`` and ``source_id =
sample_generator_v1`` (see ``data/sources.csv``).

Method (details in :mod:`samplegen`):

* indicators: additive, lowest level league/county, with a 2019 region total
  in ``observations_published.csv``, not category 基础数据; plus the work
  funding series ``league_work_funding`` and ``county_work_funding`` (万元);
* 2019 region totals are split among the 12 leagues by the largest-remainder
  (Hamilton) method with weights population^a × county-units^b × uniform noise
  in [0.8, 1.2) (``numpy.random.default_rng``, seed 20200313), and for
  county-level indicators further among each league's counties; league values
  are exact county sums and the 2019 league sums equal the bulletin totals;
* 2018 and 2017 are backcast from 2019 (region ratio ≈ 45–65 % in 2017) with
  the same method, capped so that no area ever decreases over time;
* funding totals are 1000 → 2225 → 3450 万元 (league, ×3.45 = +245 %) and
  1500 → 2002 → 2505 万元 (county, ×1.67 = +67 %);
* coupled rules: exactly 12 counties have no county cadres in 2019 and
  ``counties_staffed`` counts counties with cadres; hubs on the cloud platform
  never exceed hubs; township cadres are at least the staffed townships.

The output is sorted by indicator_id, adcode, year, uses ``\\n`` line endings
and integral values are written without a decimal point, so repeated runs give
identical bytes. A reconciliation table (league sums vs bulletin totals,
county sums vs league values, funding ratios) is printed.

Run: ``.venv/bin/python scripts/generate_sample.py [--seed N] [--out PATH]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from samplegen import (
    DEFAULT_SEED,
    REGION_ADCODE,
    TARGET_YEAR,
    YEARS,
    funding_totals,
    generate_sample,
)

DATA = ROOT / "data"
OUT = DATA / "observations_sample.csv"


def load_inputs(
    data_dir: Path = DATA,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read areas, census, indicators and published observations (adcodes as text)."""
    areas = pd.read_csv(
        data_dir / "areas.csv", dtype={"adcode": str, "parent_adcode": str}
    )
    census = pd.read_csv(data_dir / "leagues_census_2020.csv", dtype={"adcode": str})
    indicators = pd.read_csv(data_dir / "indicators.csv", dtype={"indicator_id": str})
    published = pd.read_csv(
        data_dir / "observations_published.csv", dtype={"adcode": str}
    )
    return areas, census, indicators, published


def format_value(value: float) -> str:
    """Integral values without a decimal point, others with one decimal."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def to_csv_text(frame: pd.DataFrame) -> str:
    """Serialise a :func:`generate_sample` frame exactly as written to disk."""
    out = frame.sort_values(["indicator_id", "adcode", "year"], kind="mergesort").copy()
    out["value"] = out["value"].map(format_value)
    return out.to_csv(index=False, lineterminator="\n")


def reconciliation(
    frame: pd.DataFrame, areas: pd.DataFrame, published: pd.DataFrame
) -> pd.DataFrame:
    """One row per indicator and year: league sum, county sum, bulletin total, difference."""
    levels = dict(zip(areas["adcode"], areas["level"]))
    f = frame.assign(level=frame["adcode"].map(levels))
    league = f[f["level"] == "league"].groupby(["indicator_id", "year"])["value"].sum()
    county = f[f["level"] == "county"].groupby(["indicator_id", "year"])["value"].sum()
    pub = published[(published["adcode"] == REGION_ADCODE)].set_index(
        ["indicator_id", "year"]
    )["value"]
    table = pd.DataFrame(
        {"league_sum": league, "county_sum": county, "bulletin": pub}
    ).loc[league.index]
    table["diff"] = table["league_sum"] - table["bulletin"]
    return table.reset_index()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    areas, census, indicators, published = load_inputs()
    frame = generate_sample(areas, census, indicators, published, seed=args.seed)
    text = to_csv_text(frame)
    args.out.write_bytes(text.encode("utf-8"))

    table = reconciliation(frame, areas, published)
    with pd.option_context("display.max_rows", None, "display.width", 120):
        print(
            table.to_string(
                index=False, na_rep="–", float_format=lambda v: format_value(v)
            )
        )
    bad = table[
        (table["year"] == TARGET_YEAR)
        & table["bulletin"].notna()
        & (table["diff"] != 0)
    ]
    mismatch = table[
        table["county_sum"].notna() & (table["county_sum"] != table["league_sum"])
    ]
    print()
    for series, totals in funding_totals(published).items():
        sums = table[table["indicator_id"] == series].set_index("year")["league_sum"]
        print(
            f"{series}: "
            + " → ".join(f"{y} {format_value(sums[y])}" for y in YEARS)
            + f" 万元; 2019/2017 = {sums[TARGET_YEAR] / sums[YEARS[0]]:.2f}"
            + f" (target {totals[TARGET_YEAR]}/{totals[YEARS[0]]})"
        )
    print(
        f"\n{len(frame)} rows, {frame['indicator_id'].nunique()} indicators, seed {args.seed} → "
        f"{args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}"
    )
    if len(bad) or len(mismatch):
        print(
            f"RECONCILIATION FAILED: {len(bad)} bulletin mismatches, {len(mismatch)} county-sum mismatches"
        )
        return 1
    print(
        "reconciliation OK: 2019 league sums = bulletin totals; league values = county sums"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
