"""Exact tests of the SAMPLE generator (samplegen, scripts/generate_sample.py).

Each rule of the sample data set is tested on its own.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from samplegen import (
    DEFAULT_SEED,
    OUTPUT_COLUMNS,
    SAMPLE_SOURCE_ID,
    SAMPLE_STATUS,
    funding_totals,
    generate_sample,
    hamilton,
    sample_indicator_ids,
)

DATA = ROOT / "data"
SAMPLE_CSV = DATA / "observations_sample.csv"

PUBLISHED_2019 = {
    "hubs": 1042,
    "hubs_cloud": 334,
    "hub_activities": 18200,
    "hub_youth_covered": 470000,
    "township_fulltime": 236,
    "township_parttime": 1319,
    "county_cadres": 275,
    "county_new_posts": 65,
    "village_orgs_reelected": 13483,
    "western_volunteers": 1330,
    "grassroots_funding": 3193,
    "social_orgs": 1634,
    "orgs_rectified": 8600,
    "training_classes": 711,
    "training_participants": 62000,
    "party_reports_heard": 26,
    "party_instructions": 74,
    "party_events_attended": 54,
    "counties_staffed": 91,
    "townships_staffed": 1030,
}
FUNDING = {"league_work_funding", "county_work_funding"}
COUNTY_LEVEL = {
    "hubs",
    "hubs_cloud",
    "county_cadres",
    "county_new_posts",
    "county_work_funding",
}
MONEY = {"grassroots_funding", "league_work_funding", "county_work_funding"}


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "generate_sample_script", ROOT / "scripts" / "generate_sample.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script():
    return _load_script()


@pytest.fixture(scope="module")
def inputs(script):
    return script.load_inputs(DATA)


@pytest.fixture(scope="module")
def areas(inputs):
    return inputs[0]


@pytest.fixture(scope="module")
def sample(inputs):
    return generate_sample(*inputs)


@pytest.fixture(scope="module")
def leagues(areas):
    return sorted(areas.loc[areas["level"] == "league", "adcode"])


@pytest.fixture(scope="module")
def counties(areas):
    return areas.loc[areas["level"] == "county", ["adcode", "parent_adcode"]]


@pytest.fixture(scope="module")
def parent(counties):
    return dict(zip(counties["adcode"], counties["parent_adcode"]))


@pytest.fixture(scope="module")
def league_rows(sample, leagues):
    return sample[sample["adcode"].isin(leagues)]


def _wide(frame: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """adcode × year values of one indicator."""
    return frame[frame["indicator_id"] == indicator_id].pivot(
        index="adcode", columns="year", values="value"
    )


def _sums(league_rows: pd.DataFrame, indicator_id: str) -> pd.Series:
    return (
        league_rows[league_rows["indicator_id"] == indicator_id]
        .groupby("year")["value"]
        .sum()
    )


# --------------------------------------------------------------------------- shape


def test_columns_and_dtypes(sample):
    assert list(sample.columns) == OUTPUT_COLUMNS
    assert pd.api.types.is_string_dtype(sample["indicator_id"])
    assert pd.api.types.is_string_dtype(sample["adcode"])
    assert sample["year"].dtype == np.int64
    assert sample["value"].dtype == np.float64
    assert sample["adcode"].str.fullmatch(r"\d{6}").all()
    assert not sample.isna().any().any()


def test_row_count_and_uniqueness(sample):
    # 5 county-level indicators × (103 counties + 12 leagues) × 3 years
    # + 17 league-level indicators × 12 leagues × 3 years
    assert len(sample) == 5 * 115 * 3 + 17 * 12 * 3 == 2337
    assert not sample.duplicated(["indicator_id", "adcode", "year"]).any()


def test_sorted_with_range_index(sample):
    expected = sample.sort_values(["indicator_id", "adcode", "year"], kind="mergesort")
    assert sample.index.equals(pd.RangeIndex(len(sample)))
    assert expected.index.equals(sample.index)


def test_years_exact(sample):
    assert sorted(sample["year"].unique()) == [2017, 2018, 2019]
    per = sample.groupby(["indicator_id", "adcode"])["year"].apply(tuple)
    assert (per == (2017, 2018, 2019)).all()


# --------------------------------------------------------------------------- indicators


def test_indicator_set_is_the_expected_22(sample):
    assert set(sample["indicator_id"]) == set(PUBLISHED_2019) | FUNDING
    assert sample["indicator_id"].nunique() == 22


def test_indicator_set_follows_the_rule(inputs, sample):
    _, _, indicators, published = inputs
    pub = published[(published["adcode"] == "150000") & (published["year"] == 2019)]
    ind = indicators.assign(
        additive=indicators["additive"].astype(str).str.lower() == "true"
    )
    rule = ind[
        ind["additive"]
        & ind["lowest_level"].isin(["league", "county"])
        & ind["indicator_id"].isin(pub["indicator_id"])
        & (ind["category"] != "基础数据")
    ]
    assert set(rule["indicator_id"]) == set(PUBLISHED_2019)
    assert sample_indicator_ids(indicators, published) == sorted(
        set(PUBLISHED_2019) | FUNDING
    )


def test_reference_data_never_sampled(inputs, sample):
    indicators = inputs[2]
    basic = set(indicators.loc[indicators["category"] == "基础数据", "indicator_id"])
    assert basic >= {"population", "mongol_population", "county_units", "land_area"}
    assert not basic & set(sample["indicator_id"])


# --------------------------------------------------------------------------- totals


@pytest.mark.parametrize("indicator_id,total", sorted(PUBLISHED_2019.items()))
def test_2019_league_sum_equals_bulletin(league_rows, inputs, indicator_id, total):
    published = inputs[3]
    row = published[
        (published["indicator_id"] == indicator_id)
        & (published["adcode"] == "150000")
        & (published["year"] == 2019)
    ]
    assert row["value"].tolist() == [total]
    assert _sums(league_rows, indicator_id)[2019] == total


def test_league_work_funding_ratio_exact(league_rows):
    s = _sums(league_rows, "league_work_funding")
    assert s[2019] * 100 == s[2017] * 345  # +245 %
    assert s.to_dict() == {2017: 1000, 2018: 2225, 2019: 3450}


def test_county_work_funding_ratio_exact(league_rows, sample, parent):
    s = _sums(league_rows, "county_work_funding")
    assert s[2019] * 100 == s[2017] * 167  # +67 %
    assert s.to_dict() == {2017: 1500, 2018: 2002, 2019: 2505}
    c = sample[
        (sample["indicator_id"] == "county_work_funding")
        & sample["adcode"].isin(parent)
    ]
    assert c.groupby("year")["value"].sum().to_dict() == {
        2017: 1500,
        2018: 2002,
        2019: 2505,
    }


def test_funding_totals_follow_published_growth(inputs):
    assert funding_totals(inputs[3]) == {
        "league_work_funding": {2017: 1000, 2018: 2225, 2019: 3450},
        "county_work_funding": {2017: 1500, 2018: 2002, 2019: 2505},
    }


# --------------------------------------------------------------------------- levels


def test_no_region_rows(sample):
    assert not (sample["adcode"] == "150000").any()


def test_county_level_indicators_have_every_county_and_league(sample, leagues, parent):
    for iid in sorted(COUNTY_LEVEL):
        codes = set(sample.loc[sample["indicator_id"] == iid, "adcode"])
        assert codes == set(leagues) | set(parent), iid


def test_league_level_indicators_have_only_leagues(sample, leagues):
    for iid in sorted((set(PUBLISHED_2019) | FUNDING) - COUNTY_LEVEL):
        codes = set(sample.loc[sample["indicator_id"] == iid, "adcode"])
        assert codes == set(leagues), iid


def test_league_value_is_exact_sum_of_its_counties(sample, leagues, parent):
    for iid in sorted(COUNTY_LEVEL):
        rows = sample[sample["indicator_id"] == iid]
        c = rows[rows["adcode"].isin(parent)]
        sums = (
            c.assign(league=c["adcode"].map(parent))
            .groupby(["league", "year"])["value"]
            .sum()
        )
        lg = rows[rows["adcode"].isin(leagues)].set_index(["adcode", "year"])["value"]
        lg.index = lg.index.set_names(["league", "year"])
        pd.testing.assert_series_equal(
            sums.sort_index(), lg.sort_index(), check_names=False
        )


# --------------------------------------------------------------------------- coupled rules


def test_counties_staffed_counts_counties_with_cadres(sample, leagues, parent):
    cadres = _wide(sample, "county_cadres")
    cadres = cadres[cadres.index.isin(parent)]
    derived = (cadres > 0).groupby(cadres.index.map(parent)).sum().astype("float64")
    staffed = _wide(sample, "counties_staffed").loc[leagues]
    pd.testing.assert_frame_equal(
        derived.sort_index(), staffed.sort_index(), check_names=False
    )


def test_counties_staffed_2019_is_91_with_12_unstaffed_counties(sample, parent):
    assert _wide(sample, "counties_staffed")[2019].sum() == 91
    cadres = _wide(sample, "county_cadres")
    cadres = cadres[cadres.index.isin(parent)]
    assert len(cadres) == 103
    assert (cadres[2019] == 0).sum() == 12


def test_counties_staffed_never_exceeds_county_count(sample, inputs, parent):
    census = inputs[1].set_index("adcode")["county_level_units"]
    n_counties = pd.Series(parent).value_counts()
    staffed = _wide(sample, "counties_staffed")
    for year in (2017, 2018, 2019):
        assert (staffed[year] <= census.loc[staffed.index]).all()
        assert (staffed[year] <= n_counties.loc[staffed.index]).all()


def test_hubs_cloud_never_exceeds_hubs(sample):
    hubs = _wide(sample, "hubs")
    cloud = _wide(sample, "hubs_cloud")
    assert hubs.index.equals(cloud.index)
    assert (cloud <= hubs).all().all()


def test_township_cadres_cover_staffed_townships(sample):
    ts = _wide(sample, "townships_staffed")
    cadres = _wide(sample, "township_fulltime") + _wide(sample, "township_parttime")
    assert (cadres >= ts).all().all()
    assert (ts > 0).all().all()


# --------------------------------------------------------------------------- values


def test_counts_are_non_negative_integers(sample):
    counts = sample[~sample["indicator_id"].isin(MONEY)]["value"]
    assert (counts >= 0).all()
    assert (counts == np.floor(counts)).all()


def test_funding_non_negative_at_most_one_decimal(sample):
    money = sample[sample["indicator_id"].isin(MONEY)]["value"]
    assert (money >= 0).all()
    assert np.allclose(money * 10, np.round(money * 10), rtol=0, atol=1e-9)


@pytest.mark.parametrize("indicator_id", ["hubs", "hub_activities", "county_cadres"])
def test_2017_baseline_is_40_to_70_percent_of_2019(league_rows, indicator_id):
    s = _sums(league_rows, indicator_id)
    assert 0.4 <= s[2017] / s[2019] <= 0.7
    assert s[2017] < s[2018] < s[2019]


def test_region_sums_grow_every_year(league_rows):
    for iid in sorted(set(PUBLISHED_2019) | FUNDING):
        s = _sums(league_rows, iid)
        assert s[2017] < s[2018] < s[2019], iid


def test_every_area_non_decreasing_for_generated_paths(sample):
    for iid in sorted(set(PUBLISHED_2019)):
        w = _wide(sample, iid)
        assert (w[2017] <= w[2018]).all() and (w[2018] <= w[2019]).all(), iid


# --------------------------------------------------------------------------- labels


def test_status_and_source_on_every_row(sample):
    assert (sample["status"] == SAMPLE_STATUS).all() and SAMPLE_STATUS == "sample"
    assert (
        sample["source_id"] == SAMPLE_SOURCE_ID
    ).all() and SAMPLE_SOURCE_ID == "sample_generator_v1"


def test_source_id_is_registered(inputs):
    sources = pd.read_csv(DATA / "sources.csv")
    assert SAMPLE_SOURCE_ID in set(sources["source_id"])


def test_locator_says_generated_sample(sample):
    loc = sample["locator"]
    assert loc.str.startswith("示例数据：").all()
    assert loc.str.contains("生成").all()
    assert loc.str.contains(f"种子 {DEFAULT_SEED}").all()


def test_adcodes_exist_in_areas(sample, areas):
    assert set(sample["adcode"]) <= set(areas["adcode"])


# --------------------------------------------------------------------------- determinism


def test_deterministic_in_process(inputs, sample):
    again = generate_sample(*inputs)
    pd.testing.assert_frame_equal(sample, again)


def test_seed_changes_values_but_not_totals(inputs, sample, leagues):
    other = generate_sample(*inputs, seed=1)
    assert not sample["value"].equals(other["value"])
    other_leagues = other[other["adcode"].isin(leagues)]
    for iid, total in PUBLISHED_2019.items():
        assert _sums(other_leagues, iid)[2019] == total


def test_committed_csv_has_identical_bytes(script, sample):
    assert SAMPLE_CSV.read_bytes() == script.to_csv_text(sample).encode("utf-8")


def test_committed_csv_matches_frame(sample):
    committed = pd.read_csv(SAMPLE_CSV, dtype={"adcode": str, "indicator_id": str})
    committed["value"] = committed["value"].astype("float64")
    committed["year"] = committed["year"].astype("int64")
    pd.testing.assert_frame_equal(committed, sample, check_dtype=False)


def test_committed_csv_uses_lf_line_endings():
    raw = SAMPLE_CSV.read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    assert raw.startswith(b"indicator_id,adcode,year,value,status,source_id,locator\n")


# --------------------------------------------------------------------------- hamilton


def test_hamilton_sums_exactly():
    rng = np.random.default_rng(0)
    for total in (0, 1, 7, 91, 1042, 470000):
        w = rng.uniform(0.1, 5.0, 12)
        out = hamilton(total, w)
        assert out.dtype == np.int64 and out.sum() == total and (out >= 0).all()


def test_hamilton_largest_remainder_example():
    # quotas 4.2857, 2.8571, 2.8571 → floors 4, 2, 2; two seats to the largest remainders
    assert hamilton(10, [3, 2, 2]).tolist() == [4, 3, 3]
    assert hamilton(7, [0.5, 0.3, 0.2]).tolist() == [4, 2, 1]


def test_hamilton_ties_go_to_lower_index():
    assert hamilton(1, [1, 1, 1]).tolist() == [1, 0, 0]
    assert hamilton(5, [1, 1, 1]).tolist() == [2, 2, 1]


def test_hamilton_zero_weight_gets_nothing():
    assert hamilton(5, [0, 1, 1]).tolist() == [0, 3, 2]


def test_hamilton_caps():
    out = hamilton(10, [10, 1, 1], caps=[3, 10, 10])
    assert out.tolist() == [3, 4, 3]
    assert hamilton(3, [1, 1], caps=[0, 5]).tolist() == [0, 3]


@pytest.mark.parametrize(
    "args",
    [
        (-1, [1, 2]),
        (2.5, [1, 2]),
        (3, [-1, 2]),
        (3, [np.nan, 2]),
        (3, [0, 0]),
        (3, [[1, 2]]),
    ],
)
def test_hamilton_rejects_bad_input(args):
    with pytest.raises(ValueError):
        hamilton(*args)


def test_hamilton_rejects_total_above_caps():
    with pytest.raises(ValueError):
        hamilton(5, [1, 1], caps=[2, 2])


# --------------------------------------------------------------------------- errors


def test_rejects_census_that_disagrees_with_areas(inputs):
    areas, census, indicators, published = inputs
    bad = census.copy()
    bad.loc[0, "county_level_units"] += 1
    with pytest.raises(ValueError, match="county_level_units"):
        generate_sample(areas, bad, indicators, published)


def test_rejects_non_integer_published_total(inputs):
    areas, census, indicators, published = inputs
    bad = published.copy()
    bad.loc[(bad["indicator_id"] == "hubs") & (bad["year"] == 2019), "value"] = 1042.5
    with pytest.raises(ValueError, match="hubs"):
        generate_sample(areas, census, indicators, bad)


def test_rejects_missing_funding_growth(inputs):
    areas, census, indicators, published = inputs
    bad = published[published["indicator_id"] != "league_funding_growth"]
    with pytest.raises(ValueError, match="league_funding_growth"):
        generate_sample(areas, census, indicators, bad)


def test_inputs_are_not_modified(inputs):
    copies = [f.copy() for f in inputs]
    generate_sample(*inputs)
    for before, after in zip(copies, inputs):
        pd.testing.assert_frame_equal(before, after)
