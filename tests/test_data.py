"""The built database holds the bulletin's figures exactly, with units, statuses and sources."""

from __future__ import annotations

import pandas as pd
import pytest

from nmgdash import db, queries


def region(con, indicator_id: str, year: int = 2019) -> float:
    rows = con.execute(
        "SELECT value FROM observations WHERE indicator_id = ? AND adcode = '150000' AND year = ? AND status = 'published'",
        [indicator_id, year],
    ).fetchall()
    assert len(rows) == 1, indicator_id
    return rows[0][0]


@pytest.mark.parametrize(
    ("indicator_id", "year", "value"),
    [
        ("hubs", 2019, 1042),
        ("hubs_cloud", 2019, 334),
        ("hub_activities", 2019, 18200),
        ("hub_youth_covered", 2019, 470000),
        ("grassroots_funding", 2019, 3193),
        ("township_fulltime", 2019, 236),
        ("township_parttime", 2019, 1319),
        ("townships_staffed", 2019, 1030),
        ("county_cadres", 2019, 275),
        ("counties_staffed", 2019, 91),
        ("county_new_posts", 2019, 65),
        ("village_orgs_reelected", 2019, 13483),
        ("western_volunteers", 2019, 1330),
        ("univ_reform_plan_rate", 2019, 98),
        ("univ_second_classroom_rate", 2019, 85),
        ("soe_reform_plan_rate", 2019, 93),
        ("soe_funding_rate", 2019, 75),
        ("soe_fulltime_cadre_rate", 2019, 55),
        ("league_funding_growth", 2019, 245),
        ("county_funding_growth", 2019, 67),
        ("party_reports_heard", 2019, 26),
        ("party_instructions", 2019, 74),
        ("party_events_attended", 2019, 54),
        ("inspection_leagues", 2018, 12),
        ("inspection_counties", 2018, 17),
        ("inspection_universities", 2018, 15),
        ("inspection_soes", 2018, 5),
        ("cadres_added", 2019, 106),
        ("appointment_opinions", 2019, 21),
        ("criticized_orgs", 2019, 17),
        ("training_funding", 2019, 1066),
        ("training_classes", 2019, 711),
        ("training_participants", 2019, 62000),
        ("standard_school_count", 2019, 50),
        ("grassroots_award_share", 2019, 65.5),
        ("social_orgs", 2019, 1634),
        ("orgs_rectified", 2019, 8600),
    ],
)
def test_bulletin_figures(con, indicator_id, year, value):
    assert region(con, indicator_id, year) == value


def test_published_rows_cite_the_bulletin_with_a_locator(con):
    df = con.execute(
        "SELECT o.*, s.issued_on FROM observations o JOIN sources s USING (source_id) WHERE status = 'published' AND indicator_id <> 'hub_activities_per_hub'"
    ).df()
    assert len(df) == 44
    assert set(df["source_id"]) == {"bulletin_2020_06"}
    assert str(df["issued_on"].iloc[0])[:10] == "2020-03-13"
    assert df["locator"].str.contains("“").all()
    assert set(df["adcode"]) == {"150000"}


def test_statuses_and_sources(con):
    counts = dict(con.execute("SELECT status, count(*) FROM observations GROUP BY status").fetchall())
    assert set(counts) == {"published", "reference", "sample"}
    sample_sources = {r[0] for r in con.execute("SELECT DISTINCT source_id FROM observations WHERE status='sample'").fetchall()}
    assert sample_sources == {"sample_generator_v1"}
    title = con.execute("SELECT title FROM sources WHERE source_id='sample_generator_v1'").fetchone()[0]
    assert "示例数据" in title and "生成" in title


def test_areas_and_catalogue(con):
    levels = dict(con.execute("SELECT level, count(*) FROM areas GROUP BY level").fetchall())
    assert levels == {"region": 1, "league": 12, "county": 103}
    names = {r[0] for r in con.execute("SELECT name_zh FROM areas WHERE level='league'").fetchall()}
    assert {"兴安盟", "锡林郭勒盟", "阿拉善盟", "乌海市", "呼伦贝尔市"} <= names
    cats = {r[0] for r in con.execute("SELECT DISTINCT category FROM indicators").fetchall()}
    assert {"党建引领", "督查考核", "队伍建设", "阵地建设/青年爱里", "经费保障", "高校改革", "国企改革",
            "团员发展", "组织建设", "培训"} <= cats
    units = dict(con.execute("SELECT indicator_id, unit FROM indicators").fetchall())
    assert units["grassroots_funding"] == "万元" and units["hub_activities"] == "场次" and units["univ_reform_plan_rate"] == "%"
    bad = con.execute("SELECT count(*) FROM observations o LEFT JOIN areas a USING (adcode) WHERE a.adcode IS NULL").fetchone()[0]
    assert bad == 0


def test_census_reference(con):
    pop = dict(con.execute("SELECT adcode, value FROM observations WHERE indicator_id='population' AND status='reference'").fetchall())
    assert pop["150100"] == 3446100 and pop["152900"] == 262361
    assert pop["150000"] == sum(v for k, v in pop.items() if k != "150000") == 24049155


def test_derived_activities_per_hub(con):
    v = con.execute("SELECT value, status FROM observations WHERE indicator_id='hub_activities_per_hub' AND adcode='150000' AND year=2019").fetchone()
    assert v == (round(18200 / 1042, 2), "published")


def test_rebuild_when_inputs_change(tmp_path, monkeypatch):
    path = tmp_path / "x.duckdb"
    assert db.needs_rebuild(path)
    stats = db.build_database(path)
    assert stats["areas"] == 116 and stats["innovations"] == 4
    assert not db.needs_rebuild(path)
    import os
    import time

    newer = time.time() + 5
    target = db.inputs()[0]
    old = target.stat().st_mtime
    os.utime(target, (newer, newer))
    try:
        assert db.needs_rebuild(path)
    finally:
        os.utime(target, (old, old))


def test_named_queries_refuse_unbound_parameters(con):
    import duckdb

    with pytest.raises(duckdb.Error):
        queries.run(con, "areas", level="league")  # $parent missing
    assert isinstance(queries.run(con, "areas", level="league", parent=None), pd.DataFrame)
