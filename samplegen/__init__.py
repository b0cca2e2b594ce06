"""SAMPLE per-league (and per-county) observations, generated — not reported.

The bulletin (《全团要讯》2020年第6期) publishes only totals for the whole
region (adcode ``150000``). Until real league reports are imported, the
dashboard shows a clearly labelled *sample* breakdown produced here. All
functions are pure: they take data frames, return new ones, do no I/O and use
only their own seeded random generators.

Method (generator v1)
---------------------
* **Indicators.** Every indicator in ``indicators.csv`` with ``additive`` true,
  ``lowest_level`` ``league`` or ``county`` and a 2019 region total in
  ``observations_published.csv``, except category 基础数据 (census and land
  reference data are real, never sample); plus the two work-funding series
  ``league_work_funding`` and ``county_work_funding`` (万元), which have no
  published level, only a growth rate (``league_funding_growth`` 245 %,
  ``county_funding_growth`` 67 %).
* **Apportionment.** A region total (integer) is split among the 12 leagues by
  the largest-remainder (Hamilton) method, :func:`hamilton`, with weights
  ``population_2020 ** a × county_level_units ** b × noise``, where ``(a, b)``
  depends on the indicator (:data:`WEIGHT_EXPONENTS`) and ``noise`` is drawn
  uniformly from ``[0.8, 1.2)``. Indicators whose ``lowest_level`` is
  ``county`` are then split among the league's county-level units the same
  way, with weight ``1.3`` for urban districts (name ends in 区) and ``1.0``
  otherwise, times noise; the league value is the exact sum of its counties.
* **2019** league values sum exactly to the bulletin total.
* **2017 (pre-reform baseline) and 2018.** Per indicator, a region ratio
  ``r17`` is drawn from ``base ± 0.1`` (``base`` from :data:`BASELINE_RATIO`,
  0.55 unless stated) and ``r18 = r17 + (1 − r17) × u`` with ``u`` uniform in
  ``[0.35, 0.65)``. Going back from 2019, the year's total
  ``round(total_2019 × r)`` is apportioned (Hamilton again) among the same
  areas with weights = next year's values × noise, capped by next year's
  values — so every area satisfies 2017 ≤ 2018 ≤ 2019, and counties/leagues
  that had 0 later stay 0. For county-level indicators this is done over all
  counties at once and the league values remain exact county sums.
* **Funding series.** Region totals are fixed integers of 万元 for each year
  (:data:`FUNDING_BASELINE`; 2019 = baseline × (100 + published growth) / 100,
  2018 = midpoint rounded down), apportioned separately each year with fresh
  noise, so the 2019/2017 ratio of the league sums is exactly 3.45 (league
  funding) and 1.67 (county funding).
* **Coupled indicators.**
  ``county_cadres`` / ``counties_staffed``: exactly ``103 − 91 = 12`` counties
  (chosen at random, never all counties of one league) get 0 cadres in 2019;
  every other county gets at least one. Going back, 60–75 % of them were
  staffed in 2017 (nested random subsets, :func:`_cadres_backcast`).
  ``counties_staffed`` for a league and year is the number of its counties
  with ``county_cadres > 0`` that year.
  ``hubs_cloud`` is apportioned with weights proportional to ``hubs`` and
  capped by the same year's ``hubs`` in every county and year.
  ``township_fulltime + township_parttime ≥ townships_staffed`` for every
  league and year (each staffed township has at least one cadre).
* **Randomness.** Each indicator has its own generator
  ``numpy.random.default_rng([seed, crc32(indicator_id)])``; draws are made in
  sorted adcode order, so the output depends only on the inputs and ``seed``.

Every row carries ``status = 'sample'``, ``source_id = 'sample_generator_v1'``
and a Chinese ``locator`` starting with ``示例数据：`` that says the value is
generated.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "BASELINE_RATIO",
    "COUNTY_DISTRICT_WEIGHT",
    "DEFAULT_SEED",
    "EXCLUDED_CATEGORIES",
    "FUNDING_BASELINE",
    "NOISE_HIGH",
    "NOISE_LOW",
    "OUTPUT_COLUMNS",
    "REGION_ADCODE",
    "SAMPLE_SOURCE_ID",
    "SAMPLE_STATUS",
    "WEIGHT_EXPONENTS",
    "YEARS",
    "funding_totals",
    "generate_sample",
    "hamilton",
    "sample_indicator_ids",
]

DEFAULT_SEED = 20200313
"""Default seed: the bulletin's issue date (2020-03-13)."""

SAMPLE_STATUS = "sample"
SAMPLE_SOURCE_ID = "sample_generator_v1"
REGION_ADCODE = "150000"

YEARS: tuple[int, ...] = (2017, 2018, 2019)
"""2017 is the pre-reform baseline; 2019 is the bulletin's year."""
BASELINE_YEAR = 2017
MIDDLE_YEAR = 2018
TARGET_YEAR = 2019

EXCLUDED_CATEGORIES = frozenset({"基础数据"})
"""Categories never generated (census / land reference data)."""

NOISE_LOW = 0.8
NOISE_HIGH = 1.2
"""Bounds of the multiplicative uniform noise on every weight."""

COUNTY_DISTRICT_WEIGHT = 1.3
"""Base weight of an urban district (name ends in 区); other counties 1.0."""

OUTPUT_COLUMNS = [
    "indicator_id",
    "adcode",
    "year",
    "value",
    "status",
    "source_id",
    "locator",
]

WEIGHT_EXPONENTS: Mapping[str, tuple[float, float]] = {
    # (a, b): league weight = population ** a * county_level_units ** b * noise
    "party_reports_heard": (0.0, 0.0),
    "party_instructions": (0.0, 0.0),
    "party_events_attended": (0.0, 0.0),
    "county_cadres": (0.2, 1.0),
    "county_new_posts": (0.2, 1.0),
    "townships_staffed": (0.3, 0.7),
    "township_fulltime": (0.3, 0.7),
    "township_parttime": (0.3, 0.7),
    "village_orgs_reelected": (0.6, 0.4),
    "western_volunteers": (0.3, 0.7),
    "hubs": (0.5, 0.5),
    "hub_activities": (0.8, 0.2),
    "hub_youth_covered": (1.0, 0.0),
    "grassroots_funding": (0.5, 0.5),
    "social_orgs": (1.0, 0.0),
    "orgs_rectified": (0.6, 0.4),
    "training_classes": (0.5, 0.5),
    "training_participants": (0.8, 0.2),
    "league_work_funding": (0.5, 0.3),
    "county_work_funding": (0.3, 1.0),
}
DEFAULT_EXPONENTS = (0.7, 0.3)

BASELINE_RATIO: Mapping[str, float] = {
    # centre of the 2017/2019 ratio (each area draws base ± BASELINE_SPREAD)
    "hubs_cloud": 0.35,  # the cloud platform is newer than the hubs
    "county_new_posts": 0.5,
    "village_orgs_reelected": 0.5,
}
DEFAULT_BASELINE_RATIO = 0.55
BASELINE_SPREAD = 0.1
MIDDLE_STEP = (0.35, 0.65)
STAFFED_2017_RATIO = (0.6, 0.75)
"""Range of the share of 2019's staffed counties already staffed in 2017."""

FUNDING_BASELINE: Mapping[str, tuple[str, int]] = {
    # series -> (published growth indicator, 2017 region total in 万元)
    "league_work_funding": ("league_funding_growth", 1000),
    "county_work_funding": ("county_funding_growth", 1500),
}

_LOCATOR_TAIL = "2017、2018年为生成的增长路径（生成器 v1，种子 {seed}）"


# --------------------------------------------------------------------------
# apportionment
# --------------------------------------------------------------------------


def hamilton(
    total: int,
    weights: Sequence[float] | np.ndarray,
    caps: Sequence[int] | np.ndarray | None = None,
) -> np.ndarray:
    """Split a non-negative integer ``total`` by the largest-remainder method.

    Each unit first gets ``floor(total × w / Σw)``; the seats left over go to
    the units with the largest fractional remainders, ties to the lower index.
    Units with weight 0 get nothing. With ``caps``, a unit whose share would
    exceed its cap is fixed at the cap and the rest is re-apportioned among
    the others (repeatedly) — the result never exceeds ``caps``.

    Parameters
    ----------
    total : int (or integral float), ≥ 0.
    weights : 1-D array-like of finite floats ≥ 0.
    caps : optional 1-D array-like of integers ≥ 0, same length as weights.

    Returns
    -------
    numpy.ndarray of int64, same length as ``weights``, summing exactly to
    ``total``.

    Raises
    ------
    ValueError
        ``total`` negative or not integral; weights not 1-D, negative or not
        finite; all weights zero while ``total > 0``; caps of the wrong shape,
        negative or not integral; ``total`` larger than the capacity of the
        units with positive weight.
    """
    if isinstance(total, bool) or not np.isfinite(total) or float(total) != int(total):
        raise ValueError(f"total must be an integer, got {total!r}")
    total = int(total)
    if total < 0:
        raise ValueError(f"total must be >= 0, got {total}")
    w = np.asarray(weights, dtype="float64")
    if w.ndim != 1:
        raise ValueError("weights must be one-dimensional")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and >= 0")
    n = len(w)
    if caps is None:
        return _hamilton_plain(total, w)
    c = np.asarray(caps, dtype="float64")
    if c.shape != w.shape:
        raise ValueError("caps must have the same length as weights")
    if not np.all(np.isfinite(c)) or np.any(c < 0) or np.any(c != np.floor(c)):
        raise ValueError("caps must be integers >= 0")
    c = c.astype("int64")
    if int(c[w > 0].sum()) < total:
        raise ValueError(
            f"total {total} exceeds the capacity {int(c[w > 0].sum())} of the units"
        )
    result = np.zeros(n, dtype="int64")
    active = (w > 0) & (c > 0)
    remaining = total
    while True:
        idx = np.flatnonzero(active)
        share = _hamilton_plain(remaining, w[idx])
        over = share > c[idx]
        if not over.any():
            result[idx] = share
            return result
        fixed = idx[over]
        result[fixed] = c[fixed]
        remaining -= int(c[fixed].sum())
        active[fixed] = False


def _hamilton_plain(total: int, w: np.ndarray) -> np.ndarray:
    n = len(w)
    if total == 0:
        return np.zeros(n, dtype="int64")
    s = float(w.sum())
    if n == 0 or s <= 0:
        raise ValueError(
            f"cannot apportion {total} among units whose weights are all zero"
        )
    quotas = total * (w / s)
    floors = np.floor(quotas).astype("int64")
    left = total - int(floors.sum())
    frac = quotas - floors
    frac[w == 0] = -1.0  # zero-weight units never receive a remainder seat
    order = np.lexsort((np.arange(n), -frac))  # largest remainder, then lowest index
    floors[order[:left]] += 1
    return floors


# --------------------------------------------------------------------------
# input preparation
# --------------------------------------------------------------------------


def _as_bool(value: object) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return str(value).strip().lower() in {"true", "1", "yes", "y", "t"}


def _require_columns(frame: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks columns {missing}")


def _adcodes(series: pd.Series) -> pd.Series:
    out = series.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    bad = out[~out.fillna("").str.fullmatch(r"\d{6}")]
    if len(bad):
        raise ValueError(f"adcodes must have 6 digits, got {bad.tolist()[:5]}")
    return out.astype(str)


class _Geography:
    """Leagues (sorted adcodes) with weights, and their counties."""

    def __init__(self, areas: pd.DataFrame, census: pd.DataFrame) -> None:
        _require_columns(
            areas, "areas", ["adcode", "name_zh", "level", "parent_adcode"]
        )
        _require_columns(
            census, "census", ["adcode", "population_2020", "county_level_units"]
        )
        a = areas.copy()
        a["adcode"] = _adcodes(a["adcode"])
        leagues = a[a["level"] == "league"].sort_values("adcode")
        if leagues.empty:
            raise ValueError("areas has no league-level rows")
        counties = a[a["level"] == "county"].copy()
        counties["parent_adcode"] = _adcodes(counties["parent_adcode"])
        counties = counties.sort_values("adcode")
        self.leagues: list[str] = leagues["adcode"].tolist()
        orphans = sorted(set(counties["parent_adcode"]) - set(self.leagues))
        if orphans:
            raise ValueError(f"counties with unknown parent leagues {orphans}")
        self.counties: dict[str, list[str]] = {
            lg: counties.loc[counties["parent_adcode"] == lg, "adcode"].tolist()
            for lg in self.leagues
        }
        names = dict(zip(counties["adcode"], counties["name_zh"].astype(str)))
        self.county_base: dict[str, float] = {
            code: COUNTY_DISTRICT_WEIGHT if names[code].endswith("区") else 1.0
            for code in names
        }
        c = census.copy()
        c["adcode"] = _adcodes(c["adcode"])
        c = c.set_index("adcode")
        missing = [lg for lg in self.leagues if lg not in c.index]
        if missing:
            raise ValueError(f"census lacks leagues {missing}")
        self.population = (
            c.loc[self.leagues, "population_2020"].astype("float64").to_numpy()
        )
        self.units = (
            c.loc[self.leagues, "county_level_units"].astype("float64").to_numpy()
        )
        if np.any(~np.isfinite(self.population)) or np.any(self.population <= 0):
            raise ValueError("census population_2020 must be positive")
        for lg, n in zip(self.leagues, self.units):
            if int(n) != len(self.counties[lg]):
                raise ValueError(
                    f"league {lg}: census county_level_units {int(n)} != "
                    f"{len(self.counties[lg])} counties in areas"
                )
            if n < 1:
                raise ValueError(f"league {lg} has no county-level units")

    @property
    def all_counties(self) -> list[str]:
        return [c for lg in self.leagues for c in self.counties[lg]]

    def league_base(self, indicator_id: str) -> np.ndarray:
        a, b = WEIGHT_EXPONENTS.get(indicator_id, DEFAULT_EXPONENTS)
        return self.population**a * self.units**b

    def county_weights(self, league: str) -> np.ndarray:
        return np.array(
            [self.county_base[c] for c in self.counties[league]], dtype="float64"
        )


def _rng(seed: int, indicator_id: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(indicator_id.encode("utf-8"))])


def _noise(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(NOISE_LOW, NOISE_HIGH, n)


def _region_totals(
    published: pd.DataFrame, year: int = TARGET_YEAR
) -> dict[str, float]:
    _require_columns(
        published, "published", ["indicator_id", "adcode", "year", "value"]
    )
    p = published.copy()
    p["adcode"] = p["adcode"].astype(str).str.strip()
    p = p[(p["adcode"] == REGION_ADCODE) & (p["year"].astype(int) == year)]
    dup = p["indicator_id"][p["indicator_id"].duplicated()]
    if len(dup):
        raise ValueError(
            f"published has duplicate {year} region totals for {sorted(set(dup))}"
        )
    return dict(zip(p["indicator_id"].astype(str), p["value"].astype("float64")))


def _integral(value: float, what: str) -> int:
    if not np.isfinite(value) or value < 0 or float(value) != int(value):
        raise ValueError(f"{what} must be a non-negative integer, got {value!r}")
    return int(value)


def sample_indicator_ids(
    indicators: pd.DataFrame, published: pd.DataFrame
) -> list[str]:
    """Return the sorted ids of the indicators :func:`generate_sample` produces.

    ``indicators`` needs columns ``indicator_id, category, additive,
    lowest_level`` (``additive`` bool or 'true'/'false' text); ``published``
    needs ``indicator_id, adcode, year, value``. Selected: additive,
    ``lowest_level`` in (league, county), with a 2019 total at adcode 150000,
    category not in :data:`EXCLUDED_CATEGORIES` — plus the series in
    :data:`FUNDING_BASELINE`.

    Raises ``ValueError`` if columns are missing or a funding series is not in
    ``indicators``.
    """
    _require_columns(
        indicators,
        "indicators",
        ["indicator_id", "category", "additive", "lowest_level"],
    )
    totals = _region_totals(published)
    ind = indicators.copy()
    ind["indicator_id"] = ind["indicator_id"].astype(str)
    keep = (
        ind["additive"].map(_as_bool)
        & ind["lowest_level"].isin(["league", "county"])
        & ind["indicator_id"].isin(list(totals))
        & ~ind["category"].isin(list(EXCLUDED_CATEGORIES))
    )
    chosen = set(ind.loc[keep, "indicator_id"])
    missing = [f for f in FUNDING_BASELINE if f not in set(ind["indicator_id"])]
    if missing:
        raise ValueError(f"indicators lacks the funding series {missing}")
    return sorted(chosen | set(FUNDING_BASELINE))


def funding_totals(published: pd.DataFrame) -> dict[str, dict[int, int]]:
    """Region totals (万元, int) per year for each series in :data:`FUNDING_BASELINE`.

    2017 is the fixed baseline, 2019 = baseline × (100 + g) / 100 where ``g``
    is the published 2019 growth in percent (245 → ×3.45, 67 → ×1.67), and
    2018 = (2017 + 2019) // 2. Returns ``{series: {2017: t, 2018: t, 2019: t}}``.

    Raises ``ValueError`` if a growth rate is not published or the 2019 total
    would not be an integer number of 万元.
    """
    growth = _region_totals(published)
    out: dict[str, dict[int, int]] = {}
    for series, (growth_id, base) in FUNDING_BASELINE.items():
        if growth_id not in growth:
            raise ValueError(f"published lacks the 2019 growth rate {growth_id}")
        scaled = base * (100 + growth[growth_id])
        if not float(scaled / 100).is_integer():
            raise ValueError(
                f"{series}: {base} × (1 + {growth[growth_id]}%) is not an integer"
            )
        last = round(scaled / 100)
        out[series] = {
            BASELINE_YEAR: base,
            MIDDLE_YEAR: (base + last) // 2,
            TARGET_YEAR: last,
        }
    return out


# --------------------------------------------------------------------------
# generation
# --------------------------------------------------------------------------

# one indicator: year -> adcode -> value (leagues and, for county-level ones, counties)
_Values = dict[int, dict[str, float]]


def _backcast(
    v2019: np.ndarray,
    rng: np.random.Generator,
    base: float,
    extra_caps: Mapping[int, np.ndarray] | None = None,
) -> dict[int, np.ndarray]:
    """2018 and 2017 values of a set of areas, going back from 2019.

    The region ratio ``r17`` is drawn from ``base ± BASELINE_SPREAD`` and
    ``r18 = r17 + (1 − r17) × u``, ``u`` uniform in :data:`MIDDLE_STEP`. The year's
    total ``round(Σv2019 × r)`` is apportioned with :func:`hamilton`, weights =
    next year's values × noise, capped by next year's values (and by
    ``extra_caps[year]`` if given), so each area is non-decreasing over time.
    """
    v = np.asarray(v2019, dtype="int64")
    r17 = base + rng.uniform(-BASELINE_SPREAD, BASELINE_SPREAD)
    r18 = r17 + (1.0 - r17) * rng.uniform(*MIDDLE_STEP)
    out = {TARGET_YEAR: v}
    nxt = v
    for year, ratio in ((MIDDLE_YEAR, r18), (BASELINE_YEAR, r17)):
        cap = nxt if extra_caps is None else np.minimum(nxt, extra_caps[year])
        total = min(int(np.floor(v.sum() * ratio + 0.5)), int(cap.sum()))
        out[year] = hamilton(total, nxt * _noise(rng, len(v)), caps=cap)
        nxt = out[year]
    return out


def _ratio(indicator_id: str) -> float:
    return BASELINE_RATIO.get(indicator_id, DEFAULT_BASELINE_RATIO)


def _leagues(geo: _Geography, path: Mapping[int, np.ndarray]) -> _Values:
    return {y: dict(zip(geo.leagues, path[y].tolist())) for y in YEARS}


def _with_counties(geo: _Geography, path: Mapping[int, np.ndarray]) -> _Values:
    """County values (in ``geo.all_counties`` order) per year, plus league sums."""
    codes = geo.all_counties
    out: _Values = {}
    for y in YEARS:
        vals = dict(zip(codes, path[y].tolist()))
        out[y] = dict(vals)
        for lg in geo.leagues:
            out[y][lg] = sum(vals[c] for c in geo.counties[lg])
    return out


def _county_matrix(geo: _Geography, values: _Values) -> dict[int, np.ndarray]:
    return {
        y: np.array([values[y][c] for c in geo.all_counties], dtype="int64")
        for y in YEARS
    }


def _simple_league(geo, total: int, indicator_id: str, seed: int) -> _Values:
    rng = _rng(seed, indicator_id)
    league = hamilton(
        total, geo.league_base(indicator_id) * _noise(rng, len(geo.leagues))
    )
    return _leagues(geo, _backcast(league, rng, _ratio(indicator_id)))


def _simple_county(geo, total: int, indicator_id: str, seed: int) -> _Values:
    rng = _rng(seed, indicator_id)
    league = hamilton(
        total, geo.league_base(indicator_id) * _noise(rng, len(geo.leagues))
    )
    county = []
    for lg, t in zip(geo.leagues, league):
        w = geo.county_weights(lg)
        county.append(hamilton(int(t), w * _noise(rng, len(w))))
    return _with_counties(
        geo, _backcast(np.concatenate(county), rng, _ratio(indicator_id))
    )


def _hubs_cloud(geo, total: int, hubs: _Values, seed: int) -> _Values:
    """Apportion ``hubs_cloud`` proportionally to (and capped by) ``hubs``."""
    rng = _rng(seed, "hubs_cloud")
    h_league = np.array([hubs[TARGET_YEAR][lg] for lg in geo.leagues], dtype="int64")
    league = hamilton(total, h_league * _noise(rng, len(geo.leagues)), caps=h_league)
    county = []
    for lg, t in zip(geo.leagues, league):
        h = np.array([hubs[TARGET_YEAR][c] for c in geo.counties[lg]], dtype="int64")
        county.append(hamilton(int(t), h * _noise(rng, len(h)), caps=h))
    path = _backcast(
        np.concatenate(county), rng, _ratio("hubs_cloud"), _county_matrix(geo, hubs)
    )
    return _with_counties(geo, path)


def _cadres_and_staffed(
    geo, cadres_total: int, staffed_total: int, seed: int
) -> tuple[_Values, _Values]:
    """Generate ``county_cadres`` with exactly ``n − staffed_total`` zero counties in 2019.

    ``counties_staffed`` = number of counties with cadres > 0, per league/year.
    """
    all_counties = geo.all_counties
    n_zero = len(all_counties) - staffed_total
    if n_zero < 0:
        raise ValueError(
            f"counties_staffed total {staffed_total} exceeds {len(all_counties)} counties"
        )
    if cadres_total < staffed_total:
        raise ValueError(
            f"county_cadres total {cadres_total} < counties_staffed total {staffed_total}"
        )
    rng = _rng(seed, "county_cadres")
    parent = {c: lg for lg in geo.leagues for c in geo.counties[lg]}
    staffed_left = {lg: len(geo.counties[lg]) for lg in geo.leagues}
    zero: set[str] = set()
    for i in rng.permutation(len(all_counties)):
        if len(zero) == n_zero:
            break
        code = all_counties[i]
        # keep at least one staffed county per league
        if staffed_left[parent[code]] > 1:
            zero.add(code)
            staffed_left[parent[code]] -= 1
    if len(zero) != n_zero:
        raise ValueError(
            f"cannot leave {n_zero} counties unstaffed with one staffed per league"
        )
    s = np.array([staffed_left[lg] for lg in geo.leagues], dtype="int64")
    extra = hamilton(
        cadres_total - staffed_total,
        geo.league_base("county_cadres") * _noise(rng, len(geo.leagues)) * (s > 0),
    )
    league = s + extra
    county = []
    for lg, t in zip(geo.leagues, league):
        staffed = np.array([c not in zero for c in geo.counties[lg]])
        w = geo.county_weights(lg) * _noise(rng, len(staffed)) * staffed
        county.append(
            staffed.astype("int64") + hamilton(int(t) - int(staffed.sum()), w)
        )
    path = _cadres_backcast(np.concatenate(county), rng)
    cadres = _with_counties(geo, path)
    counted: _Values = {
        y: {
            lg: sum(1 for c in geo.counties[lg] if cadres[y][c] > 0)
            for lg in geo.leagues
        }
        for y in YEARS
    }
    return cadres, counted


def _cadres_backcast(
    v2019: np.ndarray, rng: np.random.Generator
) -> dict[int, np.ndarray]:
    """Like :func:`_backcast`, but fewer counties are staffed before 2019.

    The number of staffed counties (cadres > 0) in 2017 is
    ``round(staffed_2019 × q17)``, ``q17`` uniform in :data:`STAFFED_2017_RATIO`,
    and in 2018 ``q18 = q17 + (1 − q17) × u``; the counties that drop out are
    drawn at random among those staffed the year after (nested sets). Each
    staffed county keeps at least one cadre and never more than the year after.
    """
    v = np.asarray(v2019, dtype="int64")
    base = _ratio("county_cadres")
    r17 = base + rng.uniform(-BASELINE_SPREAD, BASELINE_SPREAD)
    r18 = r17 + (1.0 - r17) * rng.uniform(*MIDDLE_STEP)
    q17 = rng.uniform(*STAFFED_2017_RATIO)
    q18 = q17 + (1.0 - q17) * rng.uniform(*MIDDLE_STEP)
    n_staffed = int((v > 0).sum())
    out = {TARGET_YEAR: v}
    nxt = v
    for year, ratio, share in ((MIDDLE_YEAR, r18, q18), (BASELINE_YEAR, r17, q17)):
        candidates = np.flatnonzero(nxt > 0)
        keep_n = min(len(candidates), int(np.floor(n_staffed * share + 0.5)))
        kept = np.sort(rng.choice(candidates, size=keep_n, replace=False))
        staffed = np.zeros(len(v), dtype="int64")
        staffed[kept] = 1
        total = int(np.floor(v.sum() * ratio + 0.5))
        total = max(keep_n, min(total, int(nxt[kept].sum())))
        cap = (nxt - 1) * staffed
        extra = hamilton(total - keep_n, nxt * _noise(rng, len(v)) * staffed, caps=cap)
        out[year] = staffed + extra
        nxt = out[year]
    return out


def _townships(geo, totals: Mapping[str, int], seed: int) -> dict[str, _Values]:
    """``townships_staffed``, ``township_fulltime``, ``township_parttime`` jointly.

    Each staffed township has at least one cadre: fulltime + parttime ≥
    townships_staffed for every league and year.
    """
    ts_total = totals["townships_staffed"]
    ft_total = totals["township_fulltime"]
    pt_total = totals["township_parttime"]
    if ft_total + pt_total < ts_total:
        raise ValueError("township cadres are fewer than staffed townships")
    n = len(geo.leagues)
    rng_ts = _rng(seed, "townships_staffed")
    ts = hamilton(ts_total, geo.league_base("townships_staffed") * _noise(rng_ts, n))
    rng_pt = _rng(seed, "township_parttime")
    cadres = ts + hamilton(ft_total + pt_total - ts_total, ts * _noise(rng_pt, n))
    rng_ft = _rng(seed, "township_fulltime")
    ft = hamilton(ft_total, cadres * _noise(rng_ft, n), caps=cadres)
    pt = cadres - ft
    p_ft = _backcast(ft, rng_ft, _ratio("township_fulltime"))
    p_pt = _backcast(pt, rng_pt, _ratio("township_parttime"))
    p_ts = _backcast(
        ts, rng_ts, _ratio("townships_staffed"), {y: p_ft[y] + p_pt[y] for y in YEARS}
    )
    return {
        "townships_staffed": _leagues(geo, p_ts),
        "township_fulltime": _leagues(geo, p_ft),
        "township_parttime": _leagues(geo, p_pt),
    }


def _funding(
    geo, series: str, totals: Mapping[int, int], county_level: bool, seed: int
) -> _Values:
    rng = _rng(seed, series)
    out: _Values = {y: {} for y in YEARS}
    base = geo.league_base(series)
    for y in YEARS:
        league = hamilton(totals[y], base * _noise(rng, len(geo.leagues)))
        for lg, t in zip(geo.leagues, league):
            out[y][lg] = int(t)
            if county_level:
                w = geo.county_weights(lg)
                out[y].update(
                    zip(
                        geo.counties[lg],
                        hamilton(int(t), w * _noise(rng, len(w))).tolist(),
                    )
                )
    return out


def _locator(kind: str, seed: int) -> str:
    tail = _LOCATOR_TAIL.format(seed=seed)
    return {
        "league": "示例数据：按常住人口与旗县数分配并加有界扰动，2019年各盟市合计与公报总数一致；"
        + tail,
        "county": "示例数据：按常住人口与旗县数分配至盟市、再按旗县权重分配至旗县并加有界扰动，"
        "盟市值为所辖旗县之和，2019年各盟市合计与公报总数一致；" + tail,
        "hubs_cloud": "示例数据：按各旗县青年爱里数分配并加有界扰动（不超过青年爱里数），"
        "盟市值为所辖旗县之和，2019年各盟市合计与公报总数一致；" + tail,
        "counties_staffed": "示例数据：由同年生成的旗县挂兼职团干部数推算（挂兼职团干部数大于0的旗县个数），"
        "2019年各盟市合计与公报总数一致；" + tail,
        "league_work_funding": "示例数据：按常住人口与旗县数分配并加有界扰动，各年总额为生成值，"
        f"2019年各盟市合计为2017年的3.45倍（公报“较改革前增长245%”）（生成器 v1，种子 {seed}）",
        "county_work_funding": "示例数据：按常住人口与旗县数分配至盟市、再分配至旗县并加有界扰动，"
        "盟市值为所辖旗县之和，各年总额为生成值，2019年各旗县合计为2017年的1.67倍"
        f"（公报“增长67%”）（生成器 v1，种子 {seed}）",
    }[kind]


def generate_sample(
    areas: pd.DataFrame,
    census: pd.DataFrame,
    indicators: pd.DataFrame,
    published: pd.DataFrame,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Generate the SAMPLE league/county observations for 2017–2019.

    Parameters
    ----------
    areas : DataFrame
        ``adcode, name_zh, level, parent_adcode`` (``data/areas.csv``); levels
        ``region``/``league``/``county``; adcodes as 6-digit text (ints are
        accepted and converted).
    census : DataFrame
        ``adcode, population_2020, county_level_units`` for every league
        (``data/leagues_census_2020.csv``).
    indicators : DataFrame
        ``indicator_id, unit, category, additive, lowest_level``
        (``data/indicators.csv``).
    published : DataFrame
        ``indicator_id, adcode, year, value`` (``data/observations_published.csv``);
        the 2019 rows at adcode 150000 are the totals to reproduce.
    seed : int
        Seed of the bounded noise (default 20200313).

    Returns
    -------
    DataFrame with columns, sorted by ``indicator_id, adcode, year`` and a
    fresh RangeIndex:

    ``indicator_id`` str · ``adcode`` str (6 digits; leagues, plus counties
    for ``lowest_level == 'county'`` indicators; never the region) ·
    ``year`` int64 (2017, 2018, 2019) · ``value`` float64 (integral; counts in
    the indicator's unit, funding in 万元) · ``status`` str ``'sample'`` ·
    ``source_id`` str ``'sample_generator_v1'`` · ``locator`` str (Chinese,
    starts with ``示例数据：``).

    Raises
    ------
    ValueError
        Missing columns; malformed adcodes; census county counts that differ
        from ``areas``; a selected region total that is not a non-negative
        integer; a funding growth rate that is missing or gives a
        non-integral 2019 total; ``hubs_cloud`` without ``hubs`` or
        ``counties_staffed`` without ``county_cadres``; inconsistent totals
        (e.g. more cloud hubs than hubs, more staffed counties than counties).
    """
    geo = _Geography(areas, census)
    _require_columns(indicators, "indicators", ["indicator_id", "lowest_level"])
    level = dict(
        zip(
            indicators["indicator_id"].astype(str),
            indicators["lowest_level"].astype(str),
        )
    )
    ids = sample_indicator_ids(indicators, published)
    region = _region_totals(published)
    fund = funding_totals(published)
    totals = {
        iid: _integral(region[iid], f"2019 region total of {iid}")
        for iid in ids
        if iid not in fund
    }

    values: dict[str, _Values] = {}
    kinds: dict[str, str] = {}
    township_ids = ("townships_staffed", "township_fulltime", "township_parttime")
    if all(i in totals for i in township_ids):
        values.update(_townships(geo, totals, seed))
        kinds.update({i: "league" for i in township_ids})
    if "counties_staffed" in totals:
        if "county_cadres" not in totals:
            raise ValueError("counties_staffed needs county_cadres to be generated too")
        cadres, staffed = _cadres_and_staffed(
            geo, totals["county_cadres"], totals["counties_staffed"], seed
        )
        values["county_cadres"], values["counties_staffed"] = cadres, staffed
        kinds["county_cadres"], kinds["counties_staffed"] = "county", "counties_staffed"
    for iid in ids:
        if iid in values or iid == "hubs_cloud":
            continue
        if iid in fund:
            county_level = level[iid] == "county"
            values[iid] = _funding(geo, iid, fund[iid], county_level, seed)
            kinds[iid] = iid
        elif level[iid] == "county":
            values[iid] = _simple_county(geo, totals[iid], iid, seed)
            kinds[iid] = "county"
        else:
            values[iid] = _simple_league(geo, totals[iid], iid, seed)
            kinds[iid] = "league"
    if "hubs_cloud" in ids:
        if "hubs" not in values:
            raise ValueError("hubs_cloud needs hubs to be generated too")
        if totals["hubs_cloud"] > totals["hubs"]:
            raise ValueError("hubs_cloud total exceeds hubs total")
        values["hubs_cloud"] = _hubs_cloud(
            geo, totals["hubs_cloud"], values["hubs"], seed
        )
        kinds["hubs_cloud"] = "hubs_cloud"

    rows = []
    for iid in sorted(values):
        loc = _locator(kinds[iid], seed)
        for y in YEARS:
            for code, v in values[iid][y].items():
                rows.append(
                    (iid, code, y, float(v), SAMPLE_STATUS, SAMPLE_SOURCE_ID, loc)
                )
    out = pd.DataFrame(rows, columns=OUTPUT_COLUMNS)
    out = out.sort_values(
        ["indicator_id", "adcode", "year"], kind="mergesort"
    ).reset_index(drop=True)
    for col in ("indicator_id", "adcode", "status", "source_id", "locator"):
        out[col] = out[col].astype(str)
    out["year"] = out["year"].astype("int64")
    out["value"] = out["value"].astype("float64")
    return out
