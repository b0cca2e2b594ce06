"""Exports carry the sample notice; figure builders produce valid plotly figures."""

from __future__ import annotations

import io

import pandas as pd
import plotly.graph_objects as go

from nmgdash.core import geo
from nmgdash.core.i18n import t
from nmgdash.figures import charts
from nmgdash.reports import exports
from nmgdash.storage import queries


def test_sample_exports_are_labelled_without_a_notice_line():
    """The CSV's first line is the header; the sample label is in the status/source columns, the
    Excel data sheet's name (first sheet) and the 说明 sheet."""
    table = pd.DataFrame({"盟市": ["兴安盟"], "青年爱里（个）": [75], "状态": ["示例"]})
    note = t("sample_notice", "zh")
    csv = exports.to_csv_bytes(table).decode("utf-8-sig").splitlines()
    assert csv == ["盟市,青年爱里（个）,状态", "兴安盟,75,示例"]
    book = pd.read_excel(io.BytesIO(exports.to_xlsx_bytes(table, note, sample=True)), sheet_name=None)
    assert list(book) == ["数据（示例数据）", "说明"]
    assert book["数据（示例数据）"].iloc[0]["青年爱里（个）"] == 75
    assert book["数据（示例数据）"].iloc[0]["状态"] == "示例"
    assert "示例数据" in book["说明"].iloc[0, 0]
    en = pd.read_excel(io.BytesIO(exports.to_xlsx_bytes(table, "x", "en", sample=True)), sheet_name=None)
    assert list(en) == ["data (SAMPLE)", "notes"]
    assert list(pd.read_excel(io.BytesIO(exports.to_xlsx_bytes(table)), sheet_name=None)) == ["数据", "说明"]


def _realistic_table() -> pd.DataFrame:
    return pd.DataFrame({
        "adcode": ["152200", "150300", "150000"],
        "盟市": ["兴安盟", "乌海市", "全区（对照）"],
        "年份": [2019, 2019, 2019],
        "青年爱里（个）": [75.0, None, 1042.0],
        "同比变化（%）": [-12.5, None, 3.25],
        "排名": [3.0, None, None],
        "状态": ["示例", "示例", "示例"],
        "来源": ["示例数据（生成，非实报）：scripts/generate_sample.py，随机种子 20200313"] * 3,
        "出处": ["“全区建成‘青年爱里’1042个”", None, ""],
        "备注": ["", "无数据（最近：2019年）", "数值为12个盟市之和"],
    })


def test_csv_and_excel_read_back_unchanged():
    table = _realistic_table()
    back = pd.read_csv(io.BytesIO(exports.to_csv_bytes(table)), encoding="utf-8-sig", dtype={"adcode": str},
                       keep_default_na=False, na_values=[""])
    assert list(back.columns) == list(table.columns)
    assert list(back["adcode"]) == ["152200", "150300", "150000"]
    assert back["青年爱里（个）"].tolist()[0] == 75 and pd.isna(back["青年爱里（个）"].tolist()[1])
    assert back["同比变化（%）"].tolist()[0] == -12.5 and back["同比变化（%）"].dtype == float
    assert list(back["状态"]) == ["示例"] * 3 and back["出处"].iloc[0] == "“全区建成‘青年爱里’1042个”"
    assert back["备注"].iloc[1] == "无数据（最近：2019年）"
    for book in (pd.read_excel(io.BytesIO(exports.to_xlsx_bytes(table, sample=True)), dtype={"adcode": str}),):
        assert list(book.columns) == list(table.columns)
        assert book["青年爱里（个）"].iloc[0] == 75 and book["同比变化（%）"].iloc[0] == -12.5
        assert book["盟市"].tolist() == table["盟市"].tolist() and list(book["adcode"]) == list(table["adcode"])


def test_formula_injection_is_escaped_in_csv_and_excel():
    """OWASP CSV injection: text starting with = + - @ tab CR gets a leading ' in both formats;
    numbers (negative ones too) stay numbers; no cell of the workbook is a formula."""
    from openpyxl import load_workbook

    evil = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "＝1+1", "正常文本"]
    table = pd.DataFrame({"出处": evil, "数值": [-5.0, 1.5, -1.0, 0.0, 2.0, 3.0, 4.0, 5.0], "=列": range(8)})
    want = ["'" + v for v in evil[:-1]] + ["正常文本"]
    back = pd.read_csv(io.BytesIO(exports.to_csv_bytes(table)), encoding="utf-8-sig")
    assert back["出处"].tolist() == want
    assert back["数值"].tolist() == [-5.0, 1.5, -1.0, 0.0, 2.0, 3.0, 4.0, 5.0] and back["数值"].dtype == float
    assert list(back.columns) == ["出处", "数值", "'=列"]
    raw = exports.to_csv_bytes(table).decode("utf-8-sig")
    assert "\n=HYPERLINK" not in raw and ",=" not in raw and "\n-2+3" not in raw
    book = load_workbook(io.BytesIO(exports.to_xlsx_bytes(table)))
    sheet = book.worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    # (a lone CR may come back as LF from the XML: compare with line ends folded)
    got = [sheet.cell(row=i + 2, column=1).value for i in range(8)]
    assert [g.replace("\r", "\n") for g in got] == [w.replace("\r", "\n") for w in want]
    assert {sheet.cell(row=i + 2, column=1).data_type for i in range(8)} == {"s"}
    assert sheet["B2"].value == -5 and sheet["B2"].data_type == "n" and sheet["B4"].value == -1
    assert sheet["C1"].value == "'=列"


def test_exports_write_whole_numbers_and_size_columns():
    from openpyxl import load_workbook

    table = pd.DataFrame({"盟市": ["兴安盟", "乌海市"], "青年爱里（个）": [75.0, None], "每万人（个/万人）": [0.529, 0.503],
                          "来源": ["示例数据（生成，非实报）：scripts/generate_sample.py，随机种子 20200313"] * 2})
    lines = exports.to_csv_bytes(table).decode("utf-8-sig").splitlines()
    assert lines[1] == "兴安盟,75,0.529,示例数据（生成，非实报）：scripts/generate_sample.py，随机种子 20200313"
    assert lines[2].startswith("乌海市,,0.503")
    book = load_workbook(io.BytesIO(exports.to_xlsx_bytes(table)))
    assert book.sheetnames[0] == "数据" and book["数据"].freeze_panes == "A2"
    assert book["数据"].column_dimensions["D"].width == 60 and book["数据"]["B2"].value == 75
    assert "来源" in book["说明"]["A2"].value


def test_choropleth_is_valid_plotly_and_draws_every_league(con):
    df = queries.run(con, "area_metrics", indicator_id="hubs", level="league", parent=None, years=[2019],
                     baseline_year=2017, published_only=False, mode="value")
    frame = df.assign(name=df["name_zh"], label=df["value"].astype(str), hover=df["name_zh"])
    shapes = geo.map_shapes("league")
    fig = charts.choropleth(frame[["adcode", "name", "metric", "label", "hover"]], shapes, title="t",
                            unit_label="个", selected=("152200",), label_offsets={"150300": (-200.0, -100.0)})
    go.Figure(fig.to_dict())  # full validation (the builder skips it for speed)
    d = fig.to_dict()
    fills = [tr for tr in d["data"] if tr.get("fill") == "toself"]
    assert len(fills) == 12 and all(tr["fillcolor"].startswith("rgb") for tr in fills)
    # no click targets (the map component hit-tests the rings): one area trace per league with its hover
    assert not [tr for tr in d["data"] if tr.get("name") == "targets" or (tr.get("mode") == "markers"
                and tr.get("name") != "colorbar")]
    areas = [tr for tr in d["data"] if tr.get("meta") == "area"]
    assert {tr["name"] for tr in areas} == set(df["adcode"]) and all(tr["hoveron"] == "fills" for tr in areas)
    assert [tr["text"] for tr in areas if tr["name"] == "152200"] == ["兴安盟"]
    nmg = d["layout"]["meta"]["nmg"]  # where the zoom buttons zoom to: inside the region, not the box's middle
    assert shapes.bounds[0] < nmg["center"][0] < shapes.bounds[2] and nmg["design_width"] == charts.MAP_DESIGN_WIDTH_PX
    assert nmg["narrow"]["title"]["text"] == "t" and nmg["narrow"]["aspect"] > 0
    assert len(fig.to_json()) < 300_000
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
    bars = charts.bullet_chart(pd.DataFrame({"name": ["x"], "value": [98.0], "label": ["98%"]}), title="t",
                                target_label="目标", gap_label="差距")
    assert list(bars.data[1].x) == [2.0]


def test_nice_ticks_and_chinese_colour_bar(con):
    assert charts.nice_ticks(0, 4035967) == [0, 1e6, 2e6, 3e6, 4e6]
    assert charts.nice_ticks(0, 3) == [0, 1, 2, 3]
    assert charts.nice_ticks(0, 18200) == [0, 5000, 10000, 15000]
    from nmgdash.core.fmt import format_number

    df = queries.run(con, "area_metrics", indicator_id="population", level="league", parent=None, years=[2020],
                     baseline_year=2017, published_only=False, mode="value")
    frame = df.assign(name=df["name_zh"], label="", hover="")
    fig = charts.choropleth(frame[["adcode", "name", "metric", "label", "hover"]], geo.map_shapes("league"),
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
    frame_shapes = geo.map_shapes("county", "150200")  # 包头市: four small urban districts
    codes = list(frame_shapes.labels)
    frame = pd.DataFrame({"adcode": codes, "name": ["昆都仑区"] * len(codes), "metric": range(len(codes)),
                          "label": ["12个"] * len(codes), "hover": [""] * len(codes)})
    crowded = charts.choropleth(frame, frame_shapes, title="t", unit_label="个")
    spaced = charts.choropleth(frame, frame_shapes, title="t", unit_label="个", avoid_overlap=True)
    n_all = len([a for a in crowded.to_dict()["layout"]["annotations"] if a["name"].startswith("label-")])
    n_spaced = len([a for a in spaced.to_dict()["layout"]["annotations"] if a["name"].startswith("label-")])
    assert n_all == 9 and 3 <= n_spaced <= 9


def test_place_labels_never_overlap_and_stay_inside():
    """Five labels on one spot and one at the plot's edge: all placed apart, inside the plot, with the
    preferred move honoured when it is free; a box 120 km wide at 0.25 px/km is 30 px."""
    ranges = (0.0, 0.0, 2000.0, 1600.0)
    items = [(f"a{i}", (1000.0, 800.0), (80.0, 40.0), None) for i in range(5)]
    items.append(("edge", (5.0, 5.0), (80.0, 40.0), None))
    items.insert(0, ("pref", (400.0, 400.0), (80.0, 40.0), (-100.0, 0.0)))
    spots = charts.place_labels(items, ranges, plot_h_px=460, width_px=560)
    scale = min(560 / 2000, 460 / 1600)
    assert spots["pref"] == (300.0, 400.0)
    boxes = {k: (x - 40 / scale, y - 20 / scale, x + 40 / scale, y + 20 / scale) for k, (x, y) in spots.items()}
    for k, b in boxes.items():
        assert b[0] >= 0 and b[1] >= 0 and b[2] <= 2000 and b[3] <= 1600, k
    keys = list(boxes)
    for i, a in enumerate(keys):
        for c in keys[i + 1:]:
            assert charts._overlap(boxes[a], boxes[c]) == 0, (a, c)
