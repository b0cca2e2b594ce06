"""The built database holds the bulletin's figures exactly, with units, statuses and sources."""

from __future__ import annotations

import csv
import re

import duckdb
import pandas as pd
import pytest

from nmgdash.core.fmt import format_figure, format_period, format_range
from nmgdash.core.settings import DATA_DIR
from nmgdash.storage import build, queries


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
    assert build.needs_rebuild(path)
    stats = build.build_database(path)
    assert stats["areas"] == 116 and stats["innovations"] == 4
    assert not build.needs_rebuild(path)
    import os
    import time

    newer = time.time() + 5
    target = build.inputs()[0]
    old = target.stat().st_mtime
    os.utime(target, (newer, newer))
    try:
        assert build.needs_rebuild(path)
    finally:
        os.utime(target, (old, old))


def test_named_queries_refuse_unbound_parameters(con):
    import duckdb

    with pytest.raises(duckdb.Error):
        queries.run(con, "areas", level="league")  # $parent missing
    assert isinstance(queries.run(con, "areas", level="league", parent=None), pd.DataFrame)


# ------------------------------------------------------------ wording and periods (issue 6 §2)
PUBLISHED = list(csv.DictReader((DATA_DIR / "observations_published.csv").open(encoding="utf-8")))
BULLETIN = (DATA_DIR / "sources" / "bulletin-2020-06.md").read_text(encoding="utf-8")
#: Words that change what a number claims; each must be the row's qualifier where its quote has it.
CLAIM_WORDS = ("余", "多", "以上", "近", "约", "超过", "逾", "不足", "全部")
#: Words that only introduce an exact figure (达 = "amounts to") or mark a total over a period
#: (总计/累计: carried by the cumulative flag, not by the number).
NOT_QUALIFIERS = ("达到", "达", "总计", "累计")


def _quote(locator: str) -> str:
    m = re.search(r"“(.*)”", locator)
    assert m, locator
    return m.group(1)


def _plain(text: str) -> str:
    """Bulletin text without spacing, markdown and quotation marks (the CSV quotes use ‘’ inside “”)."""
    return re.sub(r"[\s*“”‘’]", "", text)


def _display(row: dict) -> str:
    return format_figure(float(row["value"]), row["display_unit"], row["qualifier"] or None,
                         row["qualifier_pos"] or None, "zh")


@pytest.mark.parametrize("row", PUBLISHED, ids=[r["indicator_id"] for r in PUBLISHED])
def test_published_figure_displays_as_the_bulletin_words_it(row):
    """The Chinese display string of every published figure appears in its quoted sentence
    (numbers of 1万 and more in the 万 style, as the bulletin writes them: 1.82万场次, 47万名)."""
    quote = _quote(row["locator"])
    assert row["display_unit"], f"{row['indicator_id']}: no display_unit (the bulletin's measure word)"
    iid = row["indicator_id"]
    if iid.endswith(("_min", "_max")):  # a range the bulletin states as "1—5%"
        pair = {r["indicator_id"]: r for r in PUBLISHED if r["indicator_id"].rsplit("_", 1)[0] == iid.rsplit("_", 1)[0]}
        lo, hi = (pair[iid.rsplit("_", 1)[0] + s] for s in ("_min", "_max"))
        shown = format_range(float(lo["value"]), float(hi["value"]), row["display_unit"])
        assert shown in quote, (shown, quote)
    elif row["qualifier_pos"] == "words":  # stated only in words: 全部 (= 100%)
        shown = _display(row)
        assert shown.startswith(row["qualifier"]) and row["qualifier"] in quote, (shown, quote)
    else:
        shown = _display(row)
        assert shown in quote, f"{iid}: shows {shown!r}, the bulletin says “{quote}”"
    # and the quote is the bulletin's own text (… marks an omission)
    for part in _quote(row["locator"]).split("……"):
        assert _plain(part) in _plain(BULLETIN), f"{iid}: quote not found in the bulletin: {part}"


@pytest.mark.parametrize("row", PUBLISHED, ids=[r["indicator_id"] for r in PUBLISHED])
def test_every_claim_changing_word_is_kept_as_the_qualifier(row):
    quote = _quote(row["locator"])
    found = [w for w in CLAIM_WORDS if w in quote]
    assert found == ([row["qualifier"]] if row["qualifier"] in CLAIM_WORDS else []), (row["indicator_id"], quote, found)
    if any(w in quote for w in ("总计", "累计")):
        assert row["cumulative"] == "true", row["indicator_id"]


@pytest.mark.parametrize(
    ("indicator_id", "shown"),
    [
        ("orgs_rectified", "8600余个"),
        ("volunteer_hours_standard", "20小时以上"),
        ("hubs_cloud", "334家"),
        ("hub_youth_covered", "47万名"),
        ("county_cadres", "275个"),
        ("western_volunteers", "1330名"),
        ("cadres_added", "106名"),
        ("hub_project_categories", "6大类"),
        ("village_orgs_committee_rate", "全部（100%）"),
        ("soe_funding_standard", "每名青年工人每年100元"),
        ("hub_activities", "1.82万场次"),
    ],
)
def test_bulletin_wording(con, indicator_id, shown):
    row = queries.run(con, "region_figures", indicator_ids=[indicator_id], published_only=True).iloc[0]
    assert format_figure(row["value"], row["display_unit"], row["qualifier"], row["qualifier_pos"], "zh") == shown


def test_periods_follow_the_bulletin(con):
    rows = {r["indicator_id"]: r for r in PUBLISHED}
    # "一年半以来 … 总计": the Party committees' figures add up from June 2018 to the end of 2019
    for iid in ("party_reports_heard", "party_instructions", "party_events_attended", "hub_activities",
                "hub_youth_covered", "grassroots_funding", "orgs_rectified", "training_classes"):
        assert (rows[iid]["period_start"], rows[iid]["period_end"], rows[iid]["cumulative"]) == ("2018-06", "2019-12", "true"), iid
    for iid in ("inspection_leagues", "inspection_counties", "inspection_universities", "inspection_soes"):
        assert (rows[iid]["period_start"], rows[iid]["period_end"], rows[iid]["cumulative"]) == ("2018-06", "2018-06", "false")
    for iid in ("hubs", "hubs_cloud", "township_fulltime", "univ_reform_plan_rate", "social_orgs"):  # stocks/rates
        assert (rows[iid]["period_start"], rows[iid]["period_end"], rows[iid]["cumulative"]) == ("", "2019-12", "false"), iid
    assert all(int(r["year"]) == int(r["period_end"][:4]) for r in PUBLISHED)
    df = queries.run(con, "region_figures", indicator_ids=["party_reports_heard", "hubs", "inspection_soes"],
                     published_only=True).set_index("indicator_id")
    labels = {i: format_period(r["period_start"], r["period_end"], r["cumulative"], "zh") for i, r in df.iterrows()}
    assert labels == {"party_reports_heard": "2018年6月—2019年底累计", "hubs": "截至2019年底", "inspection_soes": "2018年6月"}
    per_hub = con.execute("SELECT period_start, period_end, cumulative FROM observations "
                          "WHERE indicator_id = 'hub_activities_per_hub' AND status = 'published'").fetchone()
    assert per_hub == ("2018-06", "2019-12", True)  # activities over the period per hub at its end


def test_other_statuses_have_no_wording_or_period(con):
    row = con.execute("SELECT count(*) FILTER (WHERE qualifier IS NOT NULL OR display_unit IS NOT NULL "
                      "OR period_end IS NOT NULL OR cumulative), count(*) FROM observations "
                      "WHERE status IN ('sample', 'reference')").fetchone()
    assert row[0] == 0 and row[1] > 2000


def test_schema_rejects_bad_periods_and_qualifiers():
    mem = duckdb.connect()
    queries.run_script(mem, "schema")
    mem.execute("INSERT INTO indicators VALUES ('x', 'x', 'x', '个', 'u', 'c', 'c', 'd', 'd', true, 'region', NULL, NULL)")
    mem.execute("INSERT INTO areas VALUES ('150000', '内蒙古自治区', 'Inner Mongolia', 'region', NULL)")
    mem.execute("INSERT INTO sources (source_id, title) VALUES ('s', 's')")
    base = "INSERT INTO observations (indicator_id, adcode, year, value, status, source_id, locator"
    mem.execute(base + ", period_start, period_end, cumulative) VALUES ('x','150000',2019,1,'published','s','l','2018-06','2019-12',true)")
    for extra, values in [
        (", period_end", ",'2019-13'"),                       # not a month
        (", period_end", ",'2018-12'"),                       # year is 2019
        (", cumulative", ",true"),                            # cumulative without a period
        (", qualifier", ",'余'"),                             # qualifier without its position
        (", qualifier, qualifier_pos", ",'余','middle'"),     # unknown position
    ]:
        with pytest.raises(duckdb.ConstraintException):
            mem.execute(base + extra + f") VALUES ('x','150000',2019,1,'sample','s','l'{values})")
