"""AppTest over every page: no exception, key elements present, every mode, published-only,
URL state in and out, county drill-down and the English switch."""

from __future__ import annotations

import base64
import csv
import json
import re

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from nmgdash.core.labels import mode_text
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TOPIC_PAGES = ["funding", "staffing", "hubs", "leadership"]
MODES = ["value", "per_10k", "share", "yoy", "vs_base"]


@pytest.fixture(autouse=True)
def _db(con):  # the session database is built before any app run
    yield


def _indicator_labels() -> dict[str, str]:
    with (ROOT / "data" / "indicators.csv").open(encoding="utf-8") as f:
        return {r["indicator_id"]: f"{r['name_zh']}（{r['unit']}）" for r in csv.DictReader(f)}


#: How the bound widgets write codes into the URL (their Chinese labels): the tests speak codes.
IND_LABEL = _indicator_labels()
MODE_LABEL = {m: mode_text(m, "zh") for m in MODES}
LEAGUE_NAME = {r["adcode"]: r["name_zh"] for r in csv.DictReader((ROOT / "data" / "areas.csv").open(encoding="utf-8"))}


def url_value(key: str, value: str) -> str | list[str]:
    """A test's code-style parameter as the app's URL carries it (unknown values pass unchanged)."""
    if key == "ind":
        return IND_LABEL.get(value, value)
    if key == "mode":
        return MODE_LABEL.get(value, value)
    if key == "leagues":
        return [LEAGUE_NAME.get(v, v) for v in value.split(",")]
    if key == "pub":
        return {"1": "true", "0": "false"}.get(value, value)
    if key == "lang":
        return {"zh": "中文", "en": "English"}.get(value, value)
    return value


def run(page: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = url_value(k, v)
    if page:  # open the page directly, as a copied link does (url_path == file name)
        at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _decode(obj):
    """Plotly ≥6 ships numeric arrays as {'bdata': base64, 'dtype': ...}; turn them into lists."""
    if isinstance(obj, dict):
        if set(obj) >= {"bdata", "dtype"}:
            return np.frombuffer(base64.b64decode(obj["bdata"]), dtype=obj["dtype"]).tolist()
        return {k: _decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(v) for v in obj]
    return obj


def figures(at: AppTest) -> list[dict]:
    """Every plotly figure of the run: st.plotly_chart's and the maps drawn by nmgdash.ui.mapview
    (a components.v2 element whose data carries the figure's JSON as "spec")."""
    out = [_decode(json.loads(el.proto.spec)) for el in at.get("plotly_chart")]
    for el in at.get("bidi_component"):
        if el.proto.component_name == "nmgdash.plotly_map":
            out.append(_decode(json.loads(json.loads(el.proto.json)["spec"])))
    return out


def figures_with_config(at: AppTest) -> list[tuple[dict, dict]]:
    """(figure, plotly config) of every chart: st.plotly_chart's and the nmgdash.ui.mapview maps'."""
    out = [(_decode(json.loads(el.proto.spec)), json.loads(el.proto.config)) for el in at.get("plotly_chart")]
    for el in at.get("bidi_component"):
        if el.proto.component_name == "nmgdash.plotly_map":
            payload = json.loads(el.proto.json)
            out.append((_decode(json.loads(payload["spec"])), payload["config"]))
    return out


def map_figure(at: AppTest) -> dict:
    maps = [f for f in figures(at) if any(tr.get("meta") == "area" for tr in f["data"])]
    assert len(maps) == 1
    return maps[0]


def labels(fig: dict) -> list[str]:
    return [a["text"] for a in fig["layout"].get("annotations", []) if str(a.get("name", "")).startswith("label-")]


def warnings(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning)


def test_overview_kpis_map_and_table():
    at = run()
    values = {m.label: m.value for m in at.metric}
    assert values["青年爱里"] == "1042个"
    assert values["入驻云平台的青年爱里"] == "334家"  # the bulletin's measure word
    assert values["青年爱里开展活动"] == "1.82万场次"
    assert values["青年爱里覆盖团员青年"] == "47万名"
    assert values["支持基层工作经费"] == "3193万元"
    assert values["苏木乡镇专职团干部"] == "236人" and values["苏木乡镇兼职团干部"] == "1319人"
    assert values["高校共青团改革方案出台率"] == "98%"
    assert all("《全团要讯》2020年第6期" in m.help for m in at.metric)
    fig = map_figure(at)
    filled = [tr for tr in fig["data"] if tr.get("fill") == "toself"]
    assert len(filled) == 12
    texts = labels(fig)
    assert len(texts) == 12 and any("乌海市" in t and "55.66万人" in t for t in texts)
    assert "人" in fig["data"][-1]["marker"]["colorbar"]["title"]["text"]
    assert len(at.dataframe) >= 1
    assert "示例数据" not in " ".join(m.value for m in at.metric)


@pytest.mark.parametrize("ind", ["mongol_share", "land_area", "county_units"])
def test_overview_reference_indicators(ind):
    at = run(ind=ind)
    fig = map_figure(at)
    texts = labels(fig)
    if ind == "county_units":
        assert any("呼伦贝尔市" in t and "14个" in t for t in texts)
    if ind == "mongol_share":
        assert any("通辽市" in t and "46.1%" in t for t in texts)  # 1325826 / 2873168 = 46.14%


@pytest.mark.parametrize("page", TOPIC_PAGES)
@pytest.mark.parametrize("mode", MODES)
def test_topic_pages_every_mode(page, mode):
    at = run(page, mode=mode)
    assert "示例数据" in warnings(at)
    figs = figures(at)
    assert len(figs) >= 3  # map, ranking, trend
    fig = map_figure(at)
    assert "示例数据" in fig["layout"]["title"]["text"]
    assert len(labels(fig)) == 12
    radio = [r for r in at.radio if r.label == "显示方式"][0]
    assert radio.value == mode or (mode in {"per_10k", "share"} and radio.value == "value")
    assert len(at.dataframe) == 1


@pytest.mark.parametrize("page", TOPIC_PAGES)
def test_published_only_hides_sample(page):
    at = run(page, pub="1")
    assert "示例数据" not in warnings(at)
    fig = map_figure(at)
    assert "示例数据" not in fig["layout"]["title"]["text"]
    assert len(labels(fig)) == 12 and all(t.endswith("<br>—") for t in labels(fig))  # short mark on the map
    fills = {tr["fillcolor"] for tr in fig["data"] if tr.get("fill") == "toself"}
    assert fills == {"#e0e0e0"}  # grey + hatch, never a zero colour
    notes = [a["text"] for a in fig["layout"]["annotations"] if not str(a.get("name", "")).startswith("label-")]
    assert any("仅显示已发布数据" in n for n in notes)
    assert set(at.dataframe[0].value["备注"]) == {"无数据"}


def test_missing_year_names_the_nearest_year(monkeypatch):
    # A year with no data for the indicator: every league says which year is nearest.
    from nmgdash.ui import data

    monkeypatch.setattr(data, "years", lambda: [2017, 2018, 2019, 2020])
    at = run("hubs", ind="hubs", year="2020")
    fig = map_figure(at)
    texts = labels(fig)
    assert len(texts) == 12 and all(t.endswith("<br>—") for t in texts)  # the map shows a short mark …
    assert "无数据（最近：2019年）" in note_text(fig)  # … and the note says why
    table = at.dataframe[0].value
    assert set(table[table["adcode"] != "150000"]["备注"]) == {"无数据（最近：2019年）"}
    assert list(table[table["adcode"] == "150000"]["备注"]) == ["无数据"]  # the comparison row


def test_hubs_values_on_map_and_table():
    at = run("hubs", ind="hubs", year="2019")
    texts = labels(map_figure(at))
    assert any("兴安盟" in t and "75个" in t for t in texts)
    table = at.dataframe[0].value
    leagues, region = table[table["adcode"] != "150000"], table[table["adcode"] == "150000"]
    assert len(leagues) == 12 and leagues["青年爱里（个）"].sum() == 1042
    assert list(region["盟市"]) == ["全区（对照）"] and list(region["青年爱里（个）"]) == [1042]
    assert set(table["状态"]) == {"示例"}
    assert table["来源"].str.contains("示例数据").all()


def test_url_state_round_trip():
    at = run("staffing", leagues="兴安盟,通辽市", year="2018", mode="per_10k", ind="township_fulltime")
    assert at.multiselect(key="leagues").value == ["152200", "150500"]
    assert at.radio(key="year").value == 2018
    assert at.selectbox[0].value == "township_fulltime"
    assert [r for r in at.radio if r.label == "显示方式"][0].value == "per_10k"
    # (the widgets write the URL from the browser: tests/test_browser.py checks that direction)


def test_unknown_url_values_fall_back():
    at = run("hubs", leagues="不存在盟,阿拉善盟", year="1999", mode="bogus", ind="nope")
    assert at.multiselect(key="leagues").value == ["152900"]
    assert at.radio(key="year").value == 2019
    assert at.selectbox[0].value == "hubs"


def test_drill_down_and_back():
    at = run("hubs", leagues="兴安盟", ind="hubs")
    fig = map_figure(at)
    assert len([tr for tr in fig["data"] if tr.get("fill") == "toself"]) == 6
    assert "兴安盟各旗县" in fig["layout"]["title"]["text"]
    back = [b for b in at.button if "返回全区地图" in b.label][0]
    back.click().run()
    assert at.multiselect(key="leagues").value == []
    assert len([tr for tr in map_figure(at)["data"] if tr.get("fill") == "toself"]) == 12


def test_league_only_indicator_does_not_drill():
    at = run("funding", leagues="鄂尔多斯市", ind="grassroots_funding")
    fig = map_figure(at)
    assert len([tr for tr in fig["data"] if tr.get("fill") == "toself"]) == 12
    assert any(tr.get("name") == "selected-150600" for tr in fig["data"])


def test_reforms_progress_bars():
    at = run("reforms")
    figs = figures(at)
    bars = [f for f in figs if f["data"] and f["data"][0]["type"] == "bar"]
    assert len(bars) == 3
    # bullet charts: the value bar, the gap to 100 % in a lighter tone, text outside the bars
    assert list(bars[0]["data"][0]["x"]) == [98, 85]
    assert list(bars[1]["data"][1]["x"]) == [7, 25, 45]  # gaps to 100%
    assert bars[1]["data"][0]["marker"]["color"] == "#1d4ed8" and bars[1]["data"][1]["marker"]["color"] == "#bfdbfe"
    assert all(tr.get("textposition") == "none" and "textangle" not in tr for f in bars for tr in f["data"])
    notes = {a["name"]: a for a in bars[1]["layout"]["annotations"]}
    assert notes["value-0"]["text"] == "<b>93%</b><br>差7个百分点" and notes["value-0"]["xref"] == "paper"
    assert notes["value-0"]["x"] == 1 and notes["value-0"]["xanchor"] == "left"  # right of the bar's end
    assert notes["target"]["text"] == "目标 100%" and notes["target"]["xanchor"] == "right"  # never cut off
    assert notes["name-0"]["text"] == "自治区国企共青团改革方案出台率"
    assert all(a["font"]["size"] >= 11 for f in bars for a in f["layout"]["annotations"])


def test_innovations_page():
    at = run("innovations")
    fig = figures(at)[0]
    stars = [tr for tr in fig["data"] if tr.get("name") == "innovations"][0]
    assert len(stars["x"]) == 4
    text = " ".join(m.value for m in at.markdown)
    for place in ("通辽市", "鄂托克前旗", "固阳县", "青山区"):
        assert place in text
    assert "《全团要讯》2020年第6期" in " ".join(c.value for c in at.caption)


def test_about_page():
    at = run("about")
    frames = [d.value for d in at.dataframe]
    assert list(frames[0].columns) == ["状态", "代码（数据库中的值）", "含义"]
    assert {"published", "reference", "sample", "imported"} == set(frames[0]["代码（数据库中的值）"])
    assert "bulletin_2020_06" in set(frames[1]["来源编号"])
    assert len(frames[2]) >= 50 and "可相加" in frames[2] and set(frames[2]["可相加"]) == {"是", "否"}
    en = [d.value for d in run("about", lang="en").dataframe]
    assert list(en[0].columns) == ["Status", "Meaning"]  # no "Status" and "status" side by side


def test_english_switch():
    at = run("hubs", lang="en")
    assert at.title[0].value == "Youth hubs (Qingnian Aili)"
    assert "SAMPLE" in warnings(at)
    assert any("<b>Hinggan League</b>" in t for t in labels(map_figure(at)))  # the official name, as everywhere


def test_filters_survive_page_switch():
    at = run(leagues="通辽市", year="2018", pub="1")
    at.switch_page("pages/staffing.py").run()
    assert not at.exception
    assert at.multiselect(key="leagues").value == ["150500"]
    assert at.radio(key="year").value == 2018
    assert at.toggle(key="pub").value is True


def note_text(fig: dict) -> str:
    """The map's no-data note (under the map)."""
    return " ".join(a["text"] for a in fig["layout"]["annotations"] if a.get("name") == "no-data-note")


def test_no_data_reasons_follow_the_mode():
    at = run("hubs", ind="hubs", year="2017", mode="yoy")
    fig = map_figure(at)
    texts = labels(fig)
    # values exist but 2016 does not: the map shows "—", the note and the table's 备注 say why
    assert len(texts) == 12 and all(t.endswith("<br>—") for t in texts)
    assert "无上年数据，无法计算同比" in note_text(fig) and "灰色斜线、“—” = 无数据" in note_text(fig)
    assert "无上年数据" in " ".join(map(str, at.dataframe[0].value["备注"]))


def test_county_map_per_10k_falls_back_to_absolute_values():
    """County populations are not in the census file: in 每万常住人口 mode the county map shows
    absolute values (never an all-grey map) and a notice says why."""
    at = run("hubs", ind="hubs", leagues="兴安盟", mode="per_10k")
    fig = map_figure(at)
    fills = [tr["fillcolor"] for tr in fig["data"] if tr.get("fill") == "toself"]
    assert len(fills) == 6 and "#e0e0e0" not in fills and len(set(fills)) >= 3
    assert "绝对值" in fig["layout"]["title"]["text"] and "每万常住人口" not in fig["layout"]["title"]["text"]
    texts = labels(fig)
    assert texts and all(t.endswith("个") for t in texts)
    assert any("没有常住人口数据" in i.value and "绝对值" in i.value for i in at.info)
    table = at.dataframe[0].value
    assert not [c for c in table.columns if "每万常住人口" in c]


def test_map_hover_carries_value_status_and_source():
    fig = map_figure(run("hubs", ind="hubs", year="2019"))
    hover = {tr["name"]: tr["text"] for tr in fig["data"] if tr.get("meta") == "area"}
    assert len(hover) == 12
    assert "兴安盟" in hover["152200"] and "75个" in hover["152200"] and "示例" in hover["152200"]
    assert "来源" in hover["152200"] and "%{" not in hover["152200"]


def test_topic_kpis_say_they_are_region_figures():
    at = run("hubs", leagues="乌海市", year="2017")
    assert any("不随盟市、年份筛选变化" in c.value for c in at.caption)


# ------------------------------------------------------------ wording, periods, definitions (issue 6 §2)
def _cards(at: AppTest) -> dict:
    return {m.label: m for m in at.metric}


def test_cards_keep_the_bulletins_wording_period_and_definition():
    cards = _cards(run("leadership", year="2019"))
    rect = cards["整顿软弱涣散团组织"]
    assert rect.value == "8600余个"
    assert rect.proto.delta == "2018年6月—2019年底累计"
    assert "**8600余个**（2018年6月—2019年底累计）" in rect.help
    assert "口径：逐项“体检”后整顿的软弱涣散基层团组织数" in rect.help
    assert "“整顿团组织8600余个”" in rect.help
    assert cards["盟市党委听取团的工作汇报"].proto.delta == "2018年6月—2019年底累计"  # 一年半以来 … 总计26次
    assert cards["自治区、盟市两级团委增加专挂兼团干部"].value == "106名"
    assert cards["团建占党建年度考核比重"].value == "1—5%"
    cards = _cards(run("reforms", year="2019"))
    assert cards["入团标准中的志愿服务时长"].value == "20小时以上"
    assert cards["国企团的工作经费标准"].value == "每名青年工人每年100元"
    cards = _cards(run(year="2019"))
    assert cards["入驻云平台的青年爱里"].value == "334家"
    assert cards["青年爱里覆盖团员青年"].value == "47万名"
    assert cards["旗县挂兼职团干部"].value == "275个"
    assert cards["青年爱里"].proto.delta == "截至2019年底"
    assert cards["青年爱里开展活动"].proto.delta == "2018年6月—2019年底累计"


def test_cards_in_english_keep_the_qualifier_and_period():
    cards = _cards(run("leadership", lang="en", year="2019"))
    rect = cards["Weak and lax League organisations rectified"]
    assert rect.value == "8,600+ organisations"
    assert rect.proto.delta == "cumulative, June 2018 – end 2019"
    cards = _cards(run("reforms", lang="en", year="2019"))
    assert cards["Volunteer-service hours required for League membership"].value == "20+ hours"


@pytest.mark.parametrize(("year", "note", "color"), [
    ("2017", "2017年无数据（最近：2019年）", "orange"),
    ("2018", "2018年无数据（最近：2019年）", "orange"),
])
def test_card_names_the_nearest_year_when_the_sidebar_year_has_no_figure(year, note, color):
    at = run("hubs", year=year)
    hubs = _cards(at)["青年爱里"]
    assert hubs.value == "1042个"  # the bulletin's figure stays: the region figure exists only for 2019
    assert hubs.proto.delta == note and hubs.proto.delta_description == "截至2019年底"
    assert any("卡片注明最近的年份" in c.value for c in at.caption)
    # a figure of the chosen year carries its period instead
    inspect = _cards(run("leadership", year="2018"))["专项督察覆盖盟市"]
    assert inspect.value == "12个" and inspect.proto.delta == "2018年6月"


def test_indicator_picker_help_gives_the_definition():
    at = run("hubs", ind="hubs_cloud")
    box = [s for s in at.selectbox if s.label == "指标"][0]
    assert "口径：入驻“青年之家”云平台的青年爱里数量。" in box.help
    at = run("staffing", ind="county_cadres")
    box = [s for s in at.selectbox if s.label == "指标"][0]
    assert box.help == "旗县挂兼职团干部（个）  \n口径：旗县（市、区）团委配齐的挂职、兼职团干部人数。"
    at.radio(key="lang").set_value("en").run()
    box = [s for s in at.selectbox if s.label == "Indicator"][0]
    assert box.help == ("Seconded and part-time cadres at county level (persons)  \n"
                        "Definition: Seconded and part-time cadres in place at county-level League committees.")


def test_region_tables_keep_wording_and_period():
    at = run(year="2019")
    table = [d.value for d in at.dataframe if "表述" in d.value.columns][0]
    row = table.set_index("指标").loc["整顿软弱涣散团组织"]
    assert row["表述"] == "8600余个" and row["时期"] == "2018年6月—2019年底累计" and row["累计"] == "是"
    assert row["数值"] == 8600 and row["单位"] == "个"
    assert table.set_index("指标").loc["青年爱里覆盖团员青年", "表述"] == "47万名"
    about = [d.value for d in run("about").dataframe if "表述" in d.value.columns][0]
    assert len(about) == 45  # the bulletin's 44 figures and the per-hub figure computed from two of them
    assert set(about.set_index("指标").loc[["入团标准中的志愿服务时长"], "表述"]) == {"20小时以上"}


# ------------------------------------------------------------------ issue 6: images, tables, language
def display_values(el):
    """What an st.dataframe shows on screen, as text: a missing cell as the element's placeholder
    (Streamlit shows "None" without one), a number with at most 4 decimals, trailing zeros dropped
    (Streamlit's default number format, checked in a browser: 3.123456 → 3.1235, 1.0 → 1)."""
    placeholder = el.proto.placeholder or "None"

    def cell(v):
        if pd.api.types.is_scalar(v) and pd.isna(v):
            return placeholder
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
            return f"{round(float(v), 4):f}".rstrip("0").rstrip(".")
        return str(v)

    return el.value.astype(object).map(cell)


@pytest.mark.parametrize("page,params,expect", [
    ("hubs", {"ind": "hubs"}, ("来源：示例数据生成器，合计依《全团要讯》2020年第6期（示例数据）",)),
    ("hubs", {"ind": "hubs", "lang": "en"}, ("Source: sample generator, totals from League Bulletin 2020 No. 6 (SAMPLE)",)),
    ("hubs", {"ind": "hubs", "pub": "1"}, ()),
    ("reforms", {}, ("来源：《全团要讯》2020年第6期",)),
    ("innovations", {}, ("来源：《全团要讯》2020年第6期",)),
    (None, {}, ("来源：内蒙古第七次全国人口普查公报",)),
])
def test_every_figure_carries_its_source_and_exports_an_opaque_png(page, params, expect):
    """A small source line inside every figure (a screenshot or PNG says where the numbers come from);
    an opaque white background; the modebar's camera saves a PNG at scale 2."""
    at = run(page, **params)
    charts = figures_with_config(at)  # st.plotly_chart figures and the maps (nmgdash.ui.mapview)
    assert charts
    for fig, config in charts:
        flat = lambda text: re.sub(r"<br>|\s", "", text)  # noqa: E731  (wrapped lines)
        sources = [flat(a["text"]) for a in fig["layout"].get("annotations", []) if a.get("name") == "source"]
        if expect:
            assert len(sources) == 1 and sources[0] in map(flat, expect), (fig["layout"].get("title"), sources)
        assert fig["layout"]["paper_bgcolor"] == "#ffffff" and fig["layout"]["plot_bgcolor"] == "#ffffff"
        assert config["toImageButtonOptions"]["format"] == "png" and config["toImageButtonOptions"]["scale"] == 2
        assert config["displaylogo"] is False


def test_tables_show_a_dash_for_missing_values_and_keep_the_reason():
    at = run("hubs", ind="hubs", year="2017", mode="yoy")
    shown = display_values(at.dataframe[0])
    assert set(shown["同比变化（%）"]) == {"—"}
    assert "None" not in shown.to_string() and "nan" not in shown.to_string() and "<NA>" not in shown.to_string()
    assert set(at.dataframe[0].value["备注"].iloc[:12]) == {"无上年数据，无法计算同比"}
    assert shown["青年爱里（个）"].iloc[0] == str(int(at.dataframe[0].value["青年爱里（个）"].iloc[0]))


def test_ranking_value_labels_stay_clear_of_the_region_line():
    at = run("leadership", ind="party_reports_heard")
    rank = [f for f in figures(at) if f["data"][0]["type"] == "bar"][0]
    values = [a for a in rank["layout"]["annotations"] if str(a.get("name", "")).startswith("value-")]
    assert len(values) == 12 and all(a["xref"] == "paper" and a["x"] == 1 and a["xanchor"] == "left" for a in values)
    line = [tr for tr in rank["data"] if tr.get("name", "").startswith("全区平均")][0]
    assert line["showlegend"] and line["name"].endswith("次") and line["x"][0] < rank["layout"]["xaxis"]["range"][1]


#: Raw identifiers that must never be a column header or a label on screen.
RAW = re.compile(r"^(adcode_|[a-z]+_[a-z_]+|status|locator|source_id|name_zh|name_en|indicator_id)$")
HAN = re.compile(r"[\u4e00-\u9fff]")
#: Chinese allowed on English pages: official names shown with their translation, quotes of the
#: bulletin in columns labelled as the original text, and the language switch.
EN_ALLOWED = ("青年爱里", "语言", "中文", "(original", "Chinese")


def _screen_texts(at: AppTest) -> dict[str, list[str]]:
    return {
        "markdown": [m.value for m in at.markdown],
        "caption": [c.value for c in at.caption],
        "metric": [m.label for m in at.metric] + [m.value for m in at.metric],
        "header": [str(c) for d in at.dataframe for c in d.value.columns],
        "title": [x.value for x in at.title] + [x.value for x in at.subheader],
    }


@pytest.mark.parametrize("page", [None, "funding", "staffing", "hubs", "leadership", "reforms", "innovations", "about"])
def test_no_text_of_the_other_language_or_raw_identifiers(page):
    """English pages have no Chinese outside names/quotes labelled as such; Chinese pages have no
    English words in headers and labels; no page shows a raw field name as a header."""
    zh, en = _screen_texts(run(page)), _screen_texts(run(page, lang="en"))
    raw = [h for texts in (zh, en) for h in texts["header"] if RAW.match(h) and h != "adcode"]
    assert not raw, raw
    bad_en = [h for h in en["header"] + en["metric"][: len(en["metric"]) // 2] + en["title"]
              if HAN.search(h) and not any(a in h for a in EN_ALLOWED)]
    assert not bad_en, bad_en
    words = re.compile(r"\b(Status|Source|Locator|status|source|locator|Value|Rank|None|nan)\b")
    bad_zh = [h for h in zh["header"] + zh["metric"] + zh["title"] + zh["caption"] if words.search(h)]
    assert not bad_zh, bad_zh
