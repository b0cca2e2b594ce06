"""Exports carry the sample notice; figure builders produce valid plotly figures."""

from __future__ import annotations

import io

import pandas as pd
import plotly.graph_objects as go

from nmgdash import charts, exports, queries
from nmgdash.i18n import t


def test_sample_exports_carry_the_notice():
    table = pd.DataFrame({"盟市": ["兴安盟"], "青年爱里（个）": [75], "状态": ["示例"]})
    note = t("sample_notice", "zh")
    csv = exports.to_csv_bytes(table, note).decode("utf-8-sig").splitlines()
    assert csv[0].startswith("# ⚠️ 示例数据") and csv[1] == "盟市,青年爱里（个）,状态" and csv[2] == "兴安盟,75,示例"
    book = pd.read_excel(io.BytesIO(exports.to_xlsx_bytes(table, note)), sheet_name=None)
    assert list(book) == ["数据", "说明"]
    assert book["数据"].iloc[0]["青年爱里（个）"] == 75
    assert "示例数据" in book["说明"].iloc[0, 0]


def test_exports_write_whole_numbers_and_size_columns():
    from openpyxl import load_workbook

    table = pd.DataFrame({"盟市": ["兴安盟", "乌海市"], "青年爱里（个）": [75.0, None], "每万人（个/万人）": [0.529, 0.503],
                          "来源": ["示例数据（生成，非实报）：scripts/generate_sample.py，随机种子 20200313"] * 2})
    lines = exports.to_csv_bytes(table).decode("utf-8-sig").splitlines()
    assert lines[1] == "兴安盟,75,0.529,示例数据（生成，非实报）：scripts/generate_sample.py，随机种子 20200313"
    assert lines[2].startswith("乌海市,,0.503")
    book = load_workbook(io.BytesIO(exports.to_xlsx_bytes(table)))
    assert book["数据"].column_dimensions["D"].width == 60 and book["数据"]["B2"].value == 75
    assert "来源" in book["说明"]["A2"].value


def test_choropleth_is_valid_plotly_and_draws_every_league(con):
    df = queries.run(con, "area_metrics", indicator_id="hubs", level="league", parent=None, years=[2019],
                     baseline_year=2017, published_only=False, mode="value")
    frame = df.assign(name=df["name_zh"], label=df["value"].astype(str), hover=df["name_zh"])
    shapes = charts.map_shapes("league")
    fig = charts.choropleth(frame[["adcode", "name", "metric", "label", "hover"]], shapes, title="t",
                            unit_label="个", selected=("152200",), label_offsets={"150300": (-200.0, -100.0)})
    go.Figure(fig.to_dict())  # full validation (the builder skips it for speed)
    d = fig.to_dict()
    fills = [tr for tr in d["data"] if tr.get("fill") == "toself"]
    assert len(fills) == 12 and all(tr["fillcolor"].startswith("rgb") for tr in fills)
    targets = [tr for tr in d["data"] if tr.get("name") == "targets"]
    assert len(targets) == 12
    assert {c for tr in targets for c in tr["customdata"]} == set(df["adcode"])
    assert all(len(set(tr["customdata"])) == 1 for tr in targets)
    assert len(fig.to_json()) < 300_000  # hover text once per area, not once per grid point
    wuhai = [a for a in d["layout"]["annotations"] if a.get("name") == "label-150300"][0]
    assert wuhai["showarrow"] and "乌海市" in wuhai["text"]
    assert d["layout"]["uirevision"] == "map"
    assert not any("geo" in k for k in d["layout"])  # no plotly geo: nothing to fetch from a CDN
    assert {tr["type"] for tr in d["data"]} == {"scatter"}


def test_other_builders_validate():
    frame = pd.DataFrame({"adcode": ["1", "2"], "name": ["a", "b"], "metric": [1.0, None], "label": ["1", "无数据"]})
    go.Figure(charts.ranking_bar(frame, title="t", unit_label="u", region_value=0.5, region_label="r").to_dict())
    trend = pd.DataFrame({"name": ["a", "a"], "year": [2017, 2018], "metric": [1.0, 2.0]})
    go.Figure(charts.trend_lines(trend, pd.DataFrame({"year": [2017], "region_metric": [1.0]}), title="t",
                                 unit_label="u", region_label="r").to_dict())
    bars = charts.progress_bars(pd.DataFrame({"name": ["x"], "value": [98.0], "label": ["98%"]}), title="t",
                                target_label="目标", gap_label="差距")
    assert list(bars.data[1].x) == [2.0]


def test_nice_ticks_and_chinese_colour_bar(con):
    assert charts.nice_ticks(0, 4035967) == [0, 1e6, 2e6, 3e6, 4e6]
    assert charts.nice_ticks(0, 3) == [0, 1, 2, 3]
    assert charts.nice_ticks(0, 18200) == [0, 5000, 10000, 15000]
    from nmgdash.fmt import format_number

    df = queries.run(con, "area_metrics", indicator_id="population", level="league", parent=None, years=[2020],
                     baseline_year=2017, published_only=False, mode="value")
    frame = df.assign(name=df["name_zh"], label="", hover="")
    fig = charts.choropleth(frame[["adcode", "name", "metric", "label", "hover"]], charts.map_shapes("league"),
                            title="t", unit_label="人", tick_text=lambda v: format_number(v, ""))
    bar = [tr for tr in fig.to_dict()["data"] if tr.get("name") == "colorbar"][0]["marker"]["colorbar"]
    assert list(bar["ticktext"]) == ["100万", "200万", "300万", "400万"]
    assert bar["tickvals"] == [1e6, 2e6, 3e6, 4e6] and fig.to_dict()["data"][-1]["marker"]["cmin"] == 262361


def test_colour_bar_runs_the_same_way_as_the_fills():
    """plotly.js's built-in "YlGnBu" name is reversed relative to plotly.py's: the colour bar must get
    the explicit list the fills are sampled from (light = low, dark = high)."""
    assert isinstance(charts.COLORSCALE, list)
    low, high = charts.COLORSCALE[0][1], charts.COLORSCALE[-1][1]
    norm = [c.replace(" ", "") for c in charts._colors(pd.Series([0.0, 10.0]), 0.0, 10.0)]
    assert norm == [low, high]
    assert low.replace(" ", "") == "rgb(255,255,217)"  # pale yellow at the bottom


def test_county_labels_do_not_overlap():
    frame_shapes = charts.map_shapes("county", "150200")  # 包头市: four small urban districts
    codes = list(frame_shapes.labels)
    frame = pd.DataFrame({"adcode": codes, "name": ["昆都仑区"] * len(codes), "metric": range(len(codes)),
                          "label": ["12个"] * len(codes), "hover": [""] * len(codes)})
    crowded = charts.choropleth(frame, frame_shapes, title="t", unit_label="个")
    spaced = charts.choropleth(frame, frame_shapes, title="t", unit_label="个", avoid_overlap=True)
    n_all = len([a for a in crowded.to_dict()["layout"]["annotations"] if a["name"].startswith("label-")])
    n_spaced = len([a for a in spaced.to_dict()["layout"]["annotations"] if a["name"].startswith("label-")])
    assert n_all == 9 and 3 <= n_spaced < 9
