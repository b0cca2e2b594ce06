"""One unit per figure (issue 17, "Words"): the catalogue's unit (data/indicators.csv) is the
bulletin's own measure word (配齐挂兼职团干部275个, 334家青年爱里, 47万名, 6大类), and every place that
shows a figure — headline card, written summary, map colour bar, map hover, ranking axis, trend
title — says that same word, in Chinese and in English (the catalogue's unit_en).

Before the fix 旗县挂兼职团干部 was 人 in the catalogue: the card said 275个 (the bulletin's word)
and the summary, colour bar, ranking and hover said 人."""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal

import pytest

from nmgdash.core import topics
from nmgdash.core.fmt import format_number
from nmgdash.ingest.catalogue import load
from nmgdash.ingest.normalize import convert_unit
from tests.conftest import ROOT
from tests.test_app import _decode, run

CATALOGUE = {r["indicator_id"]: r for r in csv.DictReader((ROOT / "data" / "indicators.csv").open(encoding="utf-8"))}
PUBLISHED = list(csv.DictReader((ROOT / "data" / "observations_published.csv").open(encoding="utf-8")))
#: The one published figure whose measure word differs from its catalogue unit on purpose: the
#: bulletin words it "每名青年工人每年100元" (the qualifier carries 每人每年), the catalogue 元/人·年.
WORDED_BY_QUALIFIER = {"soe_funding_standard"}
#: (page, indicator) of every map indicator of every topic page (catalogue topic column).
MAP_INDICATORS = [(p.key, i) for p in topics.registry().pages if p.layout == "topic" for i in p.map]


@pytest.fixture(autouse=True)
def _db(con):
    yield


def test_catalogue_units_are_the_bulletins_measure_words():
    """Every figure the bulletin states is shown in the catalogue's unit: display_unit == unit."""
    wrong = [(r["indicator_id"], r["display_unit"], CATALOGUE[r["indicator_id"]]["unit"]) for r in PUBLISHED
             if r["indicator_id"] not in WORDED_BY_QUALIFIER and r["display_unit"] != CATALOGUE[r["indicator_id"]]["unit"]]
    assert wrong == []
    assert CATALOGUE["county_cadres"]["unit"] == "个"  # 配齐挂兼职团干部275个
    assert CATALOGUE["hubs_cloud"]["unit"] == "家"  # 推动334家“青年爱里”入驻云平台
    assert CATALOGUE["hub_youth_covered"]["unit"] == "名"  # 覆盖团员青年47万名
    assert CATALOGUE["western_volunteers"]["unit"] == "名"  # 招募1330名西部计划志愿者


def _map_and_charts(at) -> tuple[dict, list[dict]]:
    """(the league map's figure, the other charts: ranking and trend) of a run. All are drawn by the
    one plotly component (nmgdash.ui.mapview); the map is the figure whose traces are areas."""
    figs = [_decode(json.loads(json.loads(el.proto.json)["spec"])) for el in at.get("bidi_component")
            if el.proto.component_name == "nmgdash.plotly_map"]
    maps = [f for f in figs if any(tr.get("meta") == "area" for tr in f["data"])]
    assert len(maps) == 1
    return maps[0], [f for f in figs if f is not maps[0]] + [_decode(json.loads(el.proto.spec)) for el in at.get("plotly_chart")]


def _hover_values(fig: dict) -> list[str]:
    """The value line of every area's hover text ("<b>兴安盟</b><br>15个<br>…" → "15个")."""
    out = []
    for tr in fig["data"]:
        hover = tr.get("hovertext")
        area = [tr.get("text")] if tr.get("meta") == "area" else []
        for text in [tr.get("hovertemplate"), *area, *(hover if isinstance(hover, list) else [hover])]:
            m = re.match(r"<b>[^<]+</b><br>([^<]+)", str(text or ""))
            if m:
                out.append(m.group(1))
    return out


def _units(lang: str, iid: str) -> str:
    return CATALOGUE[iid]["unit" if lang == "zh" else "unit_en"]


#: Every unit word of the catalogue, longest first (zh: 人次 before 人; en: the first word of unit_en).
_ZH_UNITS = sorted({r["unit"] for r in CATALOGUE.values()} - {"%"}, key=len, reverse=True)
_EN_UNITS = {r["unit_en"].split()[0] for r in CATALOGUE.values()} - {"%"}


def _units_said(text: str, lang: str) -> list[str]:
    """The unit words that follow a number in a written summary ("275个" → 个; "12个盟市" is a count
    of leagues, not a unit; en "275 persons" → persons)."""
    if lang == "zh":
        alts = "|".join(re.escape(u) for u in _ZH_UNITS)
        return [m.group(1) for m in re.finditer(rf"\d(?:[\d.]*)(?:万|亿)?({alts})(?!盟市)", text)]
    return [w for w in re.findall(r"\d[\d,.]*\s+([^\s,;()]+)", text) if w in _EN_UNITS]


def _ends_with_unit(text: str, unit: str, lang: str) -> bool:
    return text.endswith(unit) if lang == "zh" else text.endswith(" " + unit) or text == unit


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("page", "iid"), MAP_INDICATORS)
def test_every_view_of_a_figure_says_the_same_unit(page, iid, lang):
    at = run(page, year="2019")
    at.selectbox(key="ind").set_value(iid)
    at.radio(key="lang").set_value(lang).run()
    assert at.selectbox(key="ind").value == iid
    unit = _units(lang, iid)
    fig, charts = _map_and_charts(at)
    colour_bars = [tr["marker"]["colorbar"]["title"]["text"] for tr in fig["data"]
                   if (tr.get("marker") or {}).get("colorbar")]
    assert colour_bars == [unit]
    values = _hover_values(fig)
    values = [v for v in values if v[:1].isdigit()]  # "无数据" and the like carry no unit
    assert all(_ends_with_unit(v, unit, lang) for v in values), values
    ranking = [c for c in charts if c["layout"].get("xaxis", {}).get("title", {}).get("text")]
    assert [c["layout"]["xaxis"]["title"]["text"] for c in ranking] == [unit]
    trend = [c["layout"]["title"]["text"].replace("<br>", " ") for c in charts if c not in ranking]
    assert len(trend) == (1 if values else 0)  # no value in any year: a notice instead of the trend
    assert not trend or (f"（{unit}）" in trend[0].replace(" ", "") if lang == "zh" else f"({unit})" in trend[0]), trend
    summary = [m.value for m in at.markdown if m.value.startswith(("**摘要：**", "**Summary:**"))]
    assert len(summary) == 1
    said = _units_said(summary[0], lang)
    assert set(said) <= {unit.split()[0]}, (summary[0], said)
    assert bool(said) == bool(values) or unit == "%", (summary[0], values)  # no league value: no figure to word
    for card in at.metric:
        match = [i for i, r in CATALOGUE.items() if r["name_zh" if lang == "zh" else "name_en"] == card.label]
        if match and match[0] not in WORDED_BY_QUALIFIER:
            assert _units(lang, match[0]) in card.value, (card.label, card.value)


def test_county_cadres_exact_strings():
    """队伍建设's default indicator, word for word: 275个 on the card, in the summary, and 个 on the
    colour bar, the ranking axis, the hover and the trend title; 兴安盟's 15个 on its hover."""
    at = run("staffing", year="2019")
    card = [m for m in at.metric if m.label == "旗县挂兼职团干部"][0]
    assert card.value == "275个"
    summary = [m.value for m in at.markdown if m.value.startswith("**摘要：**")][0]
    assert "2019年全区旗县挂兼职团干部275个（12个盟市合计）" in summary
    assert "人" not in summary.replace("常住人口", "")
    fig, charts = _map_and_charts(at)
    assert [tr["marker"]["colorbar"]["title"]["text"] for tr in fig["data"]
            if (tr.get("marker") or {}).get("colorbar")] == ["个"]
    hovers = [str(tr.get("text")) for tr in fig["data"] if tr.get("meta") == "area" and "兴安盟" in str(tr.get("text"))]
    assert hovers and hovers[0].startswith("<b>兴安盟</b><br>15个<br>")
    ranking = [c for c in charts if c["layout"].get("xaxis", {}).get("title", {}).get("text")][0]
    assert ranking["layout"]["xaxis"]["title"]["text"] == "个"
    assert "15个" in ranking["data"][0]["hovertext"]
    assert any("（个）" in c["layout"]["title"]["text"] for c in charts if c is not ranking)
    labels = [a["text"] for a in fig["layout"]["annotations"] if str(a.get("name", "")).startswith("label-")]
    assert "<b>兴安盟</b><br>15个" in labels, labels
    assert format_number(275, "个") == "275个"


def test_the_importer_speaks_the_same_units():
    """The template's header says the catalogue unit; a league that writes 人 for a 名 column (or 名
    for 人) is understood, nothing is converted."""
    cat = load()
    assert cat.template_header("county_cadres") == "旗县挂兼职团干部（个）"
    assert cat.template_header("hubs_cloud") == "入驻云平台的青年爱里（家）"
    assert cat.template_header("western_volunteers") == "西部计划志愿者（名）"
    assert convert_unit(Decimal(1330), "人", "名") == Decimal(1330)
    assert convert_unit(Decimal(236), "名", "人") == Decimal(236)
    assert cat.measure("hub_youth_covered") == "count"
