"""Per-league indicator queries against hand-computed values (sample hubs 2017–2019,
2020 census population). 兴安盟: 39 → 55 → 75 hubs, 1,416,929 residents.
乌海市: 16 → 24 → 28 hubs, 556,621 residents. Region 2019 total: 1042."""

from __future__ import annotations

import pytest

from nmgdash.storage import queries

YEARS = [2017, 2018, 2019]


def metrics(con, mode="value", indicator_id="hubs", published_only=False, level="league", parent=None):
    df = queries.run(con, "area_metrics", indicator_id=indicator_id, level=level, parent=parent, years=YEARS,
                     baseline_year=2017, published_only=published_only, mode=mode)
    return df


def row(df, adcode, year=2019):
    r = df[(df["adcode"] == adcode) & (df["year"] == year)]
    assert len(r) == 1
    return r.iloc[0]


def test_values_and_hand_computed_rates(con):
    df = metrics(con)
    assert len(df) == 36
    h, w = row(df, "152200"), row(df, "150300")
    assert (h["value"], h["prev_value"], h["base_value"]) == (75, 55, 39)
    assert (w["value"], w["prev_value"], w["base_value"]) == (28, 24, 16)
    assert h["per_10k"] == pytest.approx(75 / 1416929 * 10000)  # 0.5293 个/万人
    assert w["per_10k"] == pytest.approx(28 / 556621 * 10000)  # 0.5030
    assert h["share_pct"] == pytest.approx(75 / 1042 * 100)  # 7.198 %
    assert w["share_pct"] == pytest.approx(28 / 1042 * 100)  # 2.687 %
    assert h["yoy"] == pytest.approx((75 - 55) / 55 * 100)  # +36.36 %
    assert w["yoy"] == pytest.approx((28 - 24) / 24 * 100)  # +16.67 %
    assert h["vs_base"] == pytest.approx((75 - 39) / 39 * 100)  # +92.31 %
    assert w["vs_base"] == pytest.approx((28 - 16) / 16 * 100)  # +75 %
    assert h["status"] == "sample" and h["source_id"] == "sample_generator_v1"
    assert df[df["year"] == 2019]["value"].sum() == 1042


@pytest.mark.parametrize(
    ("mode", "col"), [("value", "value"), ("per_10k", "per_10k"), ("share", "share_pct"), ("yoy", "yoy"), ("vs_base", "vs_base")]
)
def test_mode_selects_metric_and_rank(con, mode, col):
    df = metrics(con, mode=mode)
    cur = df[df["year"] == 2019]
    assert (cur["metric"] == cur[col]).all()
    top = cur.sort_values(col, ascending=False).iloc[0]
    assert top["rank"] == 1
    assert sorted(cur["rank"].dropna().astype(int)) == sorted(cur[col].rank(ascending=False, method="min").astype(int))


def test_region_metric(con):
    df = metrics(con, mode="per_10k")
    r = row(df, "152200")
    assert r["region_metric"] == pytest.approx(1042 / 24049155 * 10000)
    assert row(metrics(con, mode="value"), "152200")["region_metric"] == pytest.approx(1042 / 12)
    assert row(metrics(con, mode="share"), "152200")["region_metric"] == pytest.approx(100 / 12)
    base = metrics(con, mode="vs_base")
    s17 = base[base["year"] == 2017]["value"].sum()
    assert row(base, "152200")["region_metric"] == pytest.approx((1042 - s17) / s17 * 100)


def test_published_only_gives_no_league_values_and_says_why(con):
    df = metrics(con, published_only=True)
    assert df["value"].isna().all() and df["metric"].isna().all() and df["rank"].isna().all()
    assert df["nearest_year"].isna().all()  # nothing published at league level in any year
    assert len(df) == 36  # every league still listed, as 无数据


def test_nearest_year_for_missing_values(con):
    df = queries.run(con, "area_metrics", indicator_id="hubs", level="league", parent=None,
                     years=[2016, 2019, 2021], baseline_year=2017, published_only=False, mode="value")
    r16 = row(df, "152200", 2016)
    assert r16["value"] != r16["value"] and r16["nearest_year"] == 2017
    assert row(df, "152200", 2021)["nearest_year"] == 2019


def test_counties_sum_to_league(con):
    c = metrics(con, level="county", parent="152200")
    assert len(c) == 6 * 3
    assert c[c["year"] == 2019]["value"].sum() == 75
    assert c["per_10k"].isna().all()  # no county population in the census file


def test_rates_are_not_shared_or_per_capita(con):
    df = queries.run(con, "area_metrics", indicator_id="univ_reform_plan_rate", level="region", parent=None,
                     years=[2019], baseline_year=2017, published_only=True, mode="value")
    r = df.iloc[0]
    assert r["value"] == 98 and r["share_pct"] != r["share_pct"] and r["per_10k"] != r["per_10k"]


def test_region_by_category(con):
    df = queries.run(con, "region_by_category", year=2019, published_only=True)
    hubs = df.set_index("indicator_id").loc["hubs"]
    assert hubs["value"] == 1042 and hubs["basis"] == "region" and hubs["category"] == "阵地建设/青年爱里"
    sample = queries.run(con, "region_by_category", year=2019, published_only=False).set_index("indicator_id")
    assert sample.loc["league_work_funding", "basis"] == "sum_of_leagues"
    assert sample.loc["league_work_funding", "value"] == 3450
    assert "league_work_funding" not in set(df["indicator_id"])


def test_region_figures_keep_requested_order(con):
    df = queries.run(con, "region_figures", indicator_ids=["grassroots_funding", "hubs"], published_only=True)
    assert list(df["indicator_id"]) == ["grassroots_funding", "hubs"]
    assert list(df["value"]) == [3193, 1042]
