"""AppTest over every page: no exception, key elements present, every mode, published-only,
URL state in and out, county drill-down and the English switch."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TOPIC_PAGES = ["funding", "staffing", "hubs", "leadership"]
MODES = ["value", "per_10k", "share", "yoy", "vs_base"]


@pytest.fixture(autouse=True)
def _db(con):  # the session database is built before any app run
    yield


def run(page: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
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
    return [_decode(json.loads(el.proto.spec)) for el in at.get("plotly_chart")]


def map_figure(at: AppTest) -> dict:
    maps = [f for f in figures(at) if any(tr.get("name") == "targets" for tr in f["data"])]
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
    assert values["入驻云平台的青年爱里"] == "334个"
    assert values["青年爱里开展活动"] == "1.82万场次"
    assert values["青年爱里覆盖团员青年"] == "47万人"
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
    assert at.query_params.get("mode", "value") == radio.value
    assert len(at.dataframe) == 1


@pytest.mark.parametrize("page", TOPIC_PAGES)
def test_published_only_hides_sample(page):
    at = run(page, pub="1")
    assert "示例数据" not in warnings(at)
    fig = map_figure(at)
    assert "示例数据" not in fig["layout"]["title"]["text"]
    assert all("无数据" in t for t in labels(fig))
    fills = {tr["fillcolor"] for tr in fig["data"] if tr.get("fill") == "toself"}
    assert fills == {"#e0e0e0"}  # grey + hatch, never a zero colour
    notes = [a["text"] for a in fig["layout"]["annotations"] if not str(a.get("name", "")).startswith("label-")]
    assert any("仅显示已发布数据" in n for n in notes)
    assert set(at.dataframe[0].value["备注"]) == {"无数据"}


def test_missing_year_names_the_nearest_year(monkeypatch):
    # A year with no data for the indicator: every league says which year is nearest.
    from nmgdash import data

    monkeypatch.setattr(data, "years", lambda: [2017, 2018, 2019, 2020])
    at = run("hubs", ind="hubs", year="2020")
    texts = labels(map_figure(at))
    assert len(texts) == 12 and all("无数据（最近：2019年）" in t for t in texts)
    assert set(at.dataframe[0].value["备注"]) == {"无数据（最近：2019年）"}


def test_hubs_values_on_map_and_table():
    at = run("hubs", ind="hubs", year="2019")
    texts = labels(map_figure(at))
    assert any("兴安盟" in t and "75个" in t for t in texts)
    table = at.dataframe[0].value
    assert table["青年爱里（个）"].sum() == 1042
    assert set(table["状态"]) == {"示例"}
    assert table["来源"].str.contains("示例数据").all()


def test_url_state_round_trip():
    at = run("staffing", leagues="兴安盟,通辽市", year="2018", mode="per_10k", ind="township_fulltime")
    assert at.multiselect(key="w_leagues").value == ["152200", "150500"]
    assert at.radio(key="w_year").value == 2018
    assert at.selectbox[0].value == "township_fulltime"
    assert [r for r in at.radio if r.label == "显示方式"][0].value == "per_10k"
    qp = at.query_params
    assert qp["leagues"] == "兴安盟,通辽市" and qp["year"] == "2018" and qp["mode"] == "per_10k"
    assert qp["ind"] == "township_fulltime"
    # change a filter: the URL follows
    at.radio(key="w_year").set_value(2019).run()
    assert at.query_params["year"] == "2019"


def test_unknown_url_values_fall_back():
    at = run("hubs", leagues="不存在盟,152900", year="1999", mode="bogus", ind="nope")
    assert at.multiselect(key="w_leagues").value == ["152900"]
    assert at.radio(key="w_year").value == 2019
    assert at.selectbox[0].value == "hubs"


def test_drill_down_and_back():
    at = run("hubs", leagues="兴安盟", ind="hubs")
    fig = map_figure(at)
    assert len([tr for tr in fig["data"] if tr.get("fill") == "toself"]) == 6
    assert "兴安盟各旗县" in fig["layout"]["title"]["text"]
    back = [b for b in at.button if "返回全区地图" in b.label][0]
    back.click().run()
    assert at.multiselect(key="w_leagues").value == []
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
    assert list(bars[0]["data"][0]["x"])[::-1] == [98, 85]
    assert list(bars[1]["data"][1]["x"])[::-1] == [7, 25, 45]  # gaps to 100%
    assert bars[1]["data"][0]["text"][::-1][0] == "93%（距100%差距 7个百分点）"  # too narrow for the grey bar


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
    assert {"published", "reference", "sample", "imported"} == set(frames[0]["status"])
    assert "bulletin_2020_06" in set(frames[1]["source_id"])
    assert len(frames[2]) >= 50


def test_english_switch():
    at = run("hubs", lang="en")
    assert at.title[0].value == "Youth hubs (青年爱里)"
    assert "SAMPLE" in warnings(at)
    assert any("<b>Hinggan</b>" in t for t in labels(map_figure(at)))  # " League" dropped on the map
    assert at.query_params["lang"] == "en"


def test_filters_survive_page_switch():
    at = run(leagues="通辽市", year="2018", pub="1")
    at.switch_page("pages/staffing.py").run()
    assert not at.exception
    assert at.multiselect(key="w_leagues").value == ["150500"]
    assert at.radio(key="w_year").value == 2018
    assert at.toggle(key="w_pub").value is True
    assert at.query_params["leagues"] == "通辽市" and at.query_params["pub"] == "1"


def test_no_data_reasons_follow_the_mode():
    at = run("hubs", ind="hubs", year="2017", mode="yoy")
    texts = labels(map_figure(at))
    assert len(texts) == 12 and all("无上年数据" in t for t in texts)  # values exist; 2016 does not
    at = run("hubs", ind="hubs", leagues="阿拉善盟", mode="per_10k")
    assert all("无人口数据" in t for t in labels(map_figure(at)))  # county population is not in the census file


def test_map_hover_carries_value_status_and_source():
    fig = map_figure(run("hubs", ind="hubs", year="2019"))
    hover = {tr["customdata"][0]: tr["hovertemplate"] for tr in fig["data"] if tr.get("name") == "targets"}
    assert len(hover) == 12
    assert "兴安盟" in hover["152200"] and "75个" in hover["152200"] and "示例" in hover["152200"]
    assert "来源" in hover["152200"] and "%{" not in hover["152200"].replace("<extra></extra>", "")


def test_topic_kpis_say_they_are_region_figures():
    at = run("hubs", leagues="乌海市", year="2017")
    assert any("不随盟市、年份筛选变化" in c.value for c in at.caption)
