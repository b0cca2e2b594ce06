"""汇报模式 without a browser: the written summaries against the database (every topic page and
display mode, sample-only and published-only data), the phrase templates, the slide registry and
URL handling under AppTest, and the PPTX deck opened with python-pptx (slides, titles, footers,
sources, CJK font names on the runs, chart images non-blank and with CJK glyphs: the title region's
ink differs from a render of the same figure with no CJK font available).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nmgdash.core import summary
from nmgdash.core.fmt import format_number, format_signed
from tests.conftest import ROOT
from tests.test_app import run

#: Each topic page and its default indicator (the first of its picker).
PAGES = {"funding": ("grassroots_funding", "万元"), "staffing": ("county_cadres", "个"), "hubs": ("hubs", "个"),
         "leadership": ("party_reports_heard", "次")}
MODES = ["value", "per_10k", "share", "yoy", "vs_base"]
MODE_UNIT = {"value": None, "per_10k": "{u}/万人", "share": "%", "yoy": "%", "vs_base": "%"}
CHROMIUM = Path("/usr/bin/chromium")


def db_values(con, indicator: str, published_only: bool) -> pd.DataFrame:
    """Per-league values straight from the observations table (best status per league and year:
    imported > published > reference > sample; sample rows left out when published_only), with
    the 2020 census population. Independent of queries/area_metrics.sql."""
    sql = """
    WITH o AS (
      SELECT o.adcode, o.year, o.value, o.status FROM observations o JOIN areas a USING (adcode)
      WHERE a.level = 'league' AND o.indicator_id = ? AND (o.status <> 'sample' OR NOT ?)
      QUALIFY row_number() OVER (PARTITION BY o.adcode, o.year ORDER BY
        CASE o.status WHEN 'imported' THEN 0 WHEN 'published' THEN 1 WHEN 'reference' THEN 2 ELSE 3 END) = 1)
    SELECT o.*, a.name_zh, p.value AS pop FROM o JOIN areas a USING (adcode)
    LEFT JOIN (SELECT adcode, value FROM observations WHERE indicator_id = 'population' AND year = 2020
               QUALIFY row_number() OVER (PARTITION BY adcode ORDER BY status) = 1) p USING (adcode)
    """
    return con.execute(sql, [indicator, published_only]).df()


def expected(con, indicator: str, mode: str, year: int, published_only: bool) -> dict | None:
    """The numbers a summary must state, computed here in pandas from db_values."""
    d = db_values(con, indicator, published_only)
    cur = d[d["year"] == year].set_index("adcode")
    if cur.empty:
        return None
    prev = d[d["year"] == year - 1].set_index("adcode")["value"]
    base = d[d["year"] == 2017].set_index("adcode")["value"]
    total = cur["value"].sum()
    pairs = cur.index.intersection(base.index)
    change = 100 * (cur.loc[pairs, "value"].sum() - base[pairs].sum()) / base[pairs].sum()
    v = cur["value"]
    metric = {"value": v, "per_10k": v / cur["pop"] * 1e4, "share": 100 * v / total,
              "yoy": 100 * (v - prev.reindex(v.index)) / prev.reindex(v.index),
              "vs_base": 100 * (v - base.reindex(v.index)) / base.reindex(v.index)}[mode].dropna()
    ref = {"value": total / len(v), "per_10k": total / cur["pop"].sum() * 1e4, "share": 100 / len(v),
           "yoy": None if prev.empty else 100 * (v[prev.index].sum() - prev.sum()) / prev.sum(),
           "vs_base": 100 * (v[pairs].sum() - base[pairs].sum()) / base[pairs].sum()}[mode]
    out = {"total": total, "change": change, "sample": bool((cur["status"] == "sample").any())}
    if not metric.empty:
        def names(value):  # every league with that value (ties), adcode order; "X等N个盟市" beyond three
            tied = sorted(metric.index[np.isclose(metric, value, rtol=0, atol=1e-9)])
            return "、".join(cur.loc[tied, "name_zh"]) if len(tied) <= 3 else f"{cur.at[tied[0], 'name_zh']}等{len(tied)}个盟市"
        out |= {"top": (names(metric.max()), metric.max()), "bottom": (names(metric.min()), metric.min()),
                "ref": ref, "n_above": int((metric > ref + 1e-9).sum())}
    return out


@pytest.mark.parametrize("published_only", [False, True], ids=["sample", "published"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("page", list(PAGES))
def test_topic_summary_numbers_equal_database(con, page, mode, published_only):
    """The summary shown on each topic page states exactly the database's numbers for the filters."""
    params = {"mode": mode} | ({"pub": "1"} if published_only else {})
    at = run(page, **params)
    texts = [m.value for m in at.markdown if m.value.startswith("**摘要：**")]
    assert len(texts) == 1, [m.value[:60] for m in at.markdown]
    text = texts[0]
    indicator, unit = PAGES[page]
    exp = expected(con, indicator, mode, 2019, published_only)
    if exp is None:  # published only: the bulletin has no per-league figures → it says so, no numbers
        assert "2019年" in text and "暂无已发布的分盟市数据" in text, text
        assert not re.search(r"\d+(\.\d+)?(万元|人|个|次|%)", text), text
        return
    munit = (MODE_UNIT[mode] or unit).format(u=unit)
    fmt = format_signed if mode in {"yoy", "vs_base"} else format_number
    assert text.startswith("**摘要：** 示例数据：") == exp["sample"], text
    assert "全区" in text and format_number(exp["total"], unit) in text, (text, exp["total"])
    assert f"较2017年增长{exp['change']:.1f}%" in text, (text, exp["change"])
    name, value = exp["top"]
    assert f"{name}{'最多' if mode == 'value' else '最高'}（{fmt(value, munit)}）" in text, (text, exp["top"])
    name, value = exp["bottom"]
    assert f"{name}{'最少' if mode == 'value' else '最低'}（{fmt(value, munit)}）" in text, (text, exp["bottom"])
    assert f"；{exp['n_above']}个盟市高于全区" in text and fmt(exp["ref"], munit) in text, (text, exp)


def test_summary_follows_selection_and_year(con):
    at = run("hubs", leagues="152200", year="2018")
    text = next(m.value for m in at.markdown if m.value.startswith("**摘要：**"))
    exp = expected(con, "hubs", "value", 2018, False)
    assert text.startswith("**摘要：** 示例数据：2018年全区青年爱里") and format_number(exp["total"], "个") in text, text
    assert "所选：兴安盟第" in text, text


def test_phrases_and_missing_data():
    """Templates exist in both languages; a year without values, a mode without values and a
    missing baseline are stated, never a made-up number."""
    assert all(zh and en and zh != en for zh, en in summary.PHRASES.values())
    frame = pd.DataFrame({"adcode": ["1", "2"], "name_zh": ["甲盟", "乙市"], "name_en": ["A", "B"], "year": [2019, 2019],
                          "value": [10.0, 30.0], "status": ["imported", "imported"], "base_value": [None, None],
                          "metric": [None, None], "rank": [None, None], "region_metric": [None, None],
                          "nearest_year": [None, None]})
    s = summary.league_summary(frame, year=2019, indicator="青年爱里", unit="个", additive=True, mode="yoy")
    assert s.text == "2019年全区青年爱里40个（2个盟市合计）；无2017年基数，无法计算较2017年变化；按同比变化无法计算（无上年数据）。"
    assert not s.sample and s.facts["total"] == 40
    en = summary.league_summary(frame, year=2019, indicator="youth hubs", unit="hubs", additive=True, mode="yoy", lang="en")
    assert en.text.startswith("In 2019 the region's youth hubs totalled 40 hubs") and "cannot be computed" in en.text
    empty = frame.assign(value=None)
    assert summary.league_summary(empty, year=2019, indicator="青年爱里", unit="个", additive=True, mode="value",
                                  published_only=True).text.startswith("2019年青年爱里暂无已发布的分盟市数据")


def test_summary_with_one_of_twelve_leagues_reporting_names_what_it_compares():
    """Before: with only 兴安盟's 2020 figure approved, the summary read "2020年全区…（12个盟市中1个有
    数据，合计），较2017年增长…" (one league's change as if the region's) and "兴安盟最多…，兴安盟最少…；
    0个盟市高于全区平均". Now the change says which leagues it covers, and one league is not ranked."""
    codes = [f"15{i:02d}00" for i in range(1, 13)]
    rows = []
    for year in (2017, 2020):
        for i, code in enumerate(codes):
            value = (10.0 + i) if year == 2017 else (15.0 if i == 0 else None)
            rows.append({"adcode": code, "name_zh": f"盟{i}", "name_en": f"L{i}", "year": year, "value": value,
                         "status": "approved" if year == 2020 else "published",
                         "base_value": 10.0 + i if year == 2020 else None,
                         "metric": value, "rank": 1 if value is not None and year == 2020 else None,
                         "region_metric": None, "nearest_year": None})
    frame = pd.DataFrame(rows)
    s = summary.league_summary(frame, year=2020, indicator="青年爱里", unit="个", additive=True, mode="value")
    assert s.text == ("2020年全区青年爱里15个（12个盟市中1个有数据，合计），较2017年增长50.0%（按两年均有数据的1个盟市计）"
                      "；按绝对值，仅盟0有数据（15个），无法排名。")
    assert s.facts["only"] == ("150100", 15.0) and "top" not in s.facts and "n_above" not in s.facts
    en = summary.league_summary(frame, year=2020, indicator="youth hubs", unit="hubs", additive=True, mode="value",
                                lang="en")
    assert "(over the leagues with data in both years: 1)" in en.text and "only L0 has data (15 hubs): no ranking" in en.text


def _counter(at) -> tuple[str, str]:
    body = next(h.proto.body for h in at.get("html") if "slide-counter" in h.proto.body)
    return (re.search(r"slide-counter'>([^<]*)<", body).group(1), re.search(r"slide-title'>([^<]*)<", body).group(1))


@pytest.mark.parametrize(("params", "want"), [
    ({}, ("1 / 7", "公报主要数据")),
    ({"slide": "4", "year": "2018"}, ("4 / 7", "青年爱里")),
    ({"slide": "99"}, ("1 / 7", "公报主要数据")),
    ({"slide": "abc"}, ("1 / 7", "公报主要数据")),
    ({"slide": "9", "leagues": "152200,150500"}, ("9 / 9", "通辽市")),
])
def test_present_page_slides_and_url(params, want):
    at = run("present", **params)
    assert _counter(at) == want
    n = int(want[0].split(" / ")[0])
    if n == 1:  # 上一页 is disabled on the first slide: 下一页 moves on
        at.button(key="nav_next").click().run()
        assert _counter(at)[0].startswith("2 /") and at.query_params.get("slide", ["1"])[0] == "2"
        return
    at.button(key="nav_prev").click().run()
    assert _counter(at)[0].startswith(f"{n - 1} /") and at.query_params.get("slide", ["1"])[0] == str(n - 1)


# ------------------------------------------------------------------ PPTX
@pytest.fixture(scope="module")
def deck_bytes(con):
    if not CHROMIUM.is_file():
        pytest.skip("/usr/bin/chromium missing: no server-side images")
    from nmgdash.slides import deck, present

    ctx = present.Context(lang="zh", year=2019, leagues=("152200",))
    slides = [present.build(k, ctx) for k in present.sequence(ctx.leagues)]
    return deck.build_pptx(slides, filters="2019年 · 兴安盟"), slides


def _ink(img: np.ndarray) -> int:
    return int((img.mean(axis=2) < 110).sum())


def test_pptx_slides_titles_footers_sources(deck_bytes):
    from pptx import Presentation
    from pptx.oxml.ns import qn

    data, slides = deck_bytes
    prs = Presentation(io.BytesIO(data))
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01
    shapes = [{s.name: s for s in sl.shapes} for sl in prs.slides]
    titles = [sh["title"].text_frame.text for sh in shapes]
    assert titles == ["内蒙古共青团改革数据看板", "公报主要数据", "经费保障", "队伍建设", "青年爱里", "党建引领与督查",
                      "高校与国企改革", "典型经验", "兴安盟", "数据来源"]
    for sh, s in zip(shapes[1:-1], slides):
        foot = sh["footer"].text_frame.text
        assert foot.startswith("数据来源：") and "数据截至2019年" in foot and "内部资料" in foot, foot
        assert ("含示例数据" in foot) == s.sample, (s.key, foot)
        assert sh["summary"].text_frame.text == s.summary and "chart" in sh
        assert [sh[f"number-{i}"].text_frame.paragraphs[1].text for i in range(len(s.numbers[:3]))] == \
               [n.text for n in s.numbers[:3]]
    assert shapes[2]["number-0"].text_frame.paragraphs[1].text == "3193万元"
    assert "含示例数据" in shapes[2]["footer"].text_frame.text and "含示例数据" not in shapes[7]["footer"].text_frame.text
    src = shapes[-1]["sources"].text_frame.text
    assert "《全团要讯》2020年第6期：内蒙古共青团改革持续有力推进" in src and "含示例数据" in src
    for sl in prs.slides:  # every run names the CJK font for Latin and East Asian text
        for shape in sl.shapes:
            if shape.has_text_frame:
                for p in shape.text_frame.paragraphs:
                    for r in p.runs:
                        rpr = r._r.find(qn("a:rPr"))
                        assert r.font.name == "微软雅黑" and rpr.find(qn("a:ea")).get("typeface") == "微软雅黑", r.text


@pytest.mark.parametrize(("lang", "watermark", "last"), [("zh", True, "内部资料 2026-12-03"), ("zh", False, "2026-12-03"),
                                                    ("en", True, "Internal · 2026-12-03")])
def test_pptx_cover_shows_the_date_once(lang, watermark, last):
    """The cover's subtitle: 汇报材料, the filters, then the date once (the 内部资料 line holds it; was
    "2026-12-03 · 内部资料 2026-12-03"). Read back with python-pptx; no chart needed (no slides)."""
    from datetime import date

    from pptx import Presentation

    from nmgdash.core.i18n import t
    from nmgdash.slides import deck

    data = deck.build_pptx([], lang=lang, filters="2019年 · 兴安盟", watermark=watermark, today=date(2026, 12, 3))
    cover = {s.name: s for s in Presentation(io.BytesIO(data)).slides[0].shapes}
    lines = [p.text for p in cover["subtitle"].text_frame.paragraphs]
    assert lines == [t("slide_cover", lang), "2019年 · 兴安盟", last], lines
    assert sum(p.text.count("2026-12-03") for sl in [cover.values()] for s in sl if s.has_text_frame
               for p in s.text_frame.paragraphs) == 1


def test_pptx_images_have_cjk_glyphs(deck_bytes, tmp_path):
    """Chart images are non-blank, and their title band carries CJK glyphs: the same figure rendered
    by Chromium with only DejaVu fonts (no CJK font: tofu) has a visibly different title band."""
    from PIL import Image
    from pptx import Presentation

    data, slides = deck_bytes
    prs = Presentation(io.BytesIO(data))
    pics = [{s.name: s for s in sl.shapes}.get("chart") for sl in prs.slides]
    blobs = [p.image.blob for p in pics if p is not None]
    assert len(blobs) == len(slides)
    for b in blobs:
        img = np.asarray(Image.open(io.BytesIO(b)).convert("RGB")).astype(int)
        chroma = (img.max(axis=2) - img.min(axis=2) >= 24).mean()
        drawn = (img.mean(axis=2) < 245).mean()
        assert chroma > 0.005 and drawn > 0.1, f"blank chart image: {chroma:.3f} coloured, {drawn:.3f} drawn"
    # slide 2 (经费保障 map): its title "支持基层工作经费 · 2019（示例数据）" vs a render without CJK fonts
    from nmgdash.slides import deck

    fig_json = tmp_path / "fig.json"
    fig_json.write_text(slides[1].figure.to_json())
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f'<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{tmp_path}/fc</cachedir></fontconfig>')
    out = tmp_path / "nocjk.png"
    code = ("import sys, plotly.io as pio; from nmgdash.slides import deck; "
            f"open({str(out)!r}, 'wb').write(deck.png(pio.read_json({str(fig_json)!r}), *deck.DECK_IMAGE))")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120,
                   env={**os.environ, "FONTCONFIG_FILE": str(conf), "HOME": str(tmp_path)})
    with_cjk = np.asarray(Image.open(io.BytesIO(blobs[1])).convert("RGB")).astype(int)
    without = np.asarray(Image.open(out).convert("RGB")).astype(int)
    (ROOT / "artifacts").mkdir(exist_ok=True)
    Image.fromarray(with_cjk.astype("uint8")).save(ROOT / "artifacts" / "pptx-chart-cjk.png")
    Image.open(out).save(ROOT / "artifacts" / "pptx-chart-no-cjk-font.png")
    assert with_cjk.shape == without.shape
    h, w = with_cjk.shape[:2]
    band = (slice(0, int(h * 0.07)), slice(0, int(w * 0.6)))  # the title line
    a, b = with_cjk[band], without[band]
    assert _ink(a) > 500, f"no ink in the title band: {_ink(a)}"
    diff = np.abs(a - b).mean()
    assert diff > 3 and abs(_ink(a) - _ink(b)) > 0.15 * _ink(a), (diff, _ink(a), _ink(b))
    assert deck.DECK_IMAGE == (1500, 1000, 1.2)


def test_every_static_chart_offers_a_server_side_png():
    """Besides the slides, every chart has a PNG download rendered on the server: the overview map,
    the reform bullet charts, the innovations map, and a topic page's map (its year player), ranking
    and trend."""
    from tests.test_app import run

    for page, n in (("overview", 1), ("reforms", 3), ("innovations", 1), ("hubs", 3)):  # hubs: map player, ranking, trend
        at = run(page)
        labels = [b.label for b in at.button]
        assert labels.count("生成图片（PNG，演示分辨率）") == n, (page, labels)


# ------------------------------------------------------------------ issue 17: navigation, exports
@pytest.mark.parametrize(("slide", "disabled"), [
    ("1", {"nav_first", "nav_prev", "nav_pgup"}),
    ("4", set()),
    ("7", {"nav_next", "nav_last", "nav_pgdn"}),
])
def test_nav_buttons_disabled_at_the_ends(slide, disabled):
    """首页/上一页 are disabled on the first slide, 下一页/末页 on the last (their keys too)."""
    at = run("present", slide=slide)
    keys = ["nav_first", "nav_prev", "nav_next", "nav_last", "nav_pgup", "nav_pgdn"]
    assert {k for k in keys if at.button(key=k).disabled} == disabled
    assert _counter(at)[0] == f"{slide} / 7"


def test_download_name_rule():
    """One rule for every download: <stem>[_示例数据]_<YYYYMMDD>.<ext>."""
    from datetime import date

    from nmgdash.reports.exports import download_name

    d = date(2026, 12, 3)
    assert download_name("汇报材料_2019", "pptx", sample=True, today=d) == "汇报材料_2019_示例数据_20261203.pptx"
    assert download_name("hubs_2019", "png", sample=False, today=d) == "hubs_2019_20261203.png"
    assert download_name("briefing_2019", "pptx", sample=True, lang="en", today=d) == "briefing_2019_SAMPLE_20261203.pptx"
    assert download_name("全区各类指标_2019", "csv", sample=True, today=d) == "全区各类指标_2019_示例数据_20261203.csv"


@pytest.fixture(scope="module")
def built(con):
    from nmgdash.slides import present

    ctx = present.Context(lang="zh", year=2019, leagues=("152200",))
    return {k: present.build(k, ctx) for k in present.sequence(ctx.leagues)}


def test_export_figure_has_no_controls_and_carries_the_footnote(built):
    """The figure an image export renders has no frames, buttons or slider (the slide figure has all
    three), the controls row is out of its top margin, and its bottom carries the footnote."""
    import json

    from nmgdash.slides import deck, present

    slide = built["hubs"]
    shown = json.loads(slide.figure.to_json())
    assert shown["layout"]["updatemenus"] and shown["layout"]["sliders"] and len(shown["frames"]) == 3
    fig = deck.export_figure(slide.figure, *deck.DECK_IMAGE[:2], footnote=slide.footnote)
    out = json.loads(fig.to_json())
    assert "updatemenus" not in out["layout"] and "sliders" not in out["layout"] and not out.get("frames"), \
        sorted(out["layout"])
    assert out["layout"]["margin"]["t"] == shown["layout"]["margin"]["t"] - present.CONTROLS_ROW_PX
    names = [a.get("name", "") for a in out["layout"]["annotations"]]
    assert "source" not in names
    foot = [a["text"].replace("<br>", "") for a in out["layout"]["annotations"] if a.get("name", "").startswith("footnote-")]
    assert foot == ["口径 · 青年爱里（个）：全区建成的“青年爱里”（即“青年之家”）数量。",
                    "来源：示例数据生成器，合计依《全团要讯》2020年第6期；状态：示例数据"]
    assert (out["layout"]["width"], out["layout"]["height"]) == deck.DECK_IMAGE[:2]
    for s in built.values():  # no slide figure exports a control
        d = json.loads(deck.export_figure(s.figure, footnote=s.footnote).to_json())
        assert not d["layout"].get("updatemenus") and not d["layout"].get("sliders") and not d.get("frames"), s.key


def _footnote_expected(indicator_ids: list[str], sources: str, status: str) -> list[str]:
    """The footnote lines straight from data/indicators.csv (independent of the app's catalogue code)."""
    cat = pd.read_csv(ROOT / "data" / "indicators.csv").set_index("indicator_id")
    lines = [f"口径 · {cat.at[i, 'name_zh']}（{cat.at[i, 'unit']}）：{cat.at[i, 'definition']}" for i in indicator_ids]
    return [*lines, f"来源：{sources}；状态：{status}"]


SAMPLE_SRC = "示例数据生成器，合计依《全团要讯》2020年第6期"
BULLETIN = "《全团要讯》2020年第6期"


def test_pptx_footnotes_pictures_and_no_controls(deck_bytes, tmp_path):
    """Every chart slide of the PPTX has one picture and a footnote text frame with the 口径 of its
    indicator(s), unit, source and status; the chart images hold no year slider: where the slider
    and buttons are drawn when they are put back into the same figure, the image is background."""
    from PIL import Image
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    data, slides = deck_bytes
    prs = Presentation(io.BytesIO(data))
    chart_slides = list(prs.slides)[1:-1]
    want = {
        "headline": _footnote_expected(["hubs"], SAMPLE_SRC, "示例数据"),
        "funding": _footnote_expected(["grassroots_funding"], SAMPLE_SRC, "示例数据"),
        "staffing": _footnote_expected(["county_cadres"], SAMPLE_SRC, "示例数据"),
        "hubs": _footnote_expected(["hubs"], SAMPLE_SRC, "示例数据"),
        "leadership": _footnote_expected(["party_reports_heard"], SAMPLE_SRC, "示例数据"),
        "reforms": _footnote_expected(["univ_reform_plan_rate", "univ_second_classroom_rate", "soe_reform_plan_rate",
                                       "soe_funding_rate", "soe_fulltime_cadre_rate"], BULLETIN, "已发布"),
        "innovations": _footnote_expected([], BULLETIN, "已发布"),
        "league-152200": _footnote_expected(["hubs"], SAMPLE_SRC, "示例数据"),
    }
    assert [s.key for s in slides] == list(want)
    for sl, s in zip(chart_slides, slides):
        shapes = {sh.name: sh for sh in sl.shapes}
        pics = [sh for sh in sl.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pics) == 1 and pics[0].name == "chart", (s.key, [sh.name for sh in sl.shapes])
        assert [p.text for p in shapes["footnote"].text_frame.paragraphs] == want[s.key], s.key
        # the footnote sits under the picture and above the footer, inside the slide
        pic, foot, footer = pics[0], shapes["footnote"], shapes["footer"]
        assert pic.top + pic.height <= foot.top and foot.top + foot.height <= footer.top + 1, s.key
    # the 青年爱里 map (slide 4): put the slide's own controls back into the exported figure, render
    # both with kaleido in a subprocess, and look at the deck's image where the controls are drawn
    from nmgdash.slides import deck

    s = slides[3]
    exported = deck.export_figure(s.figure, *deck.DECK_IMAGE[:2])
    with_controls = exported.to_dict()
    with_controls["layout"]["updatemenus"] = [u.to_plotly_json() for u in s.figure.layout.updatemenus]
    with_controls["layout"]["sliders"] = [u.to_plotly_json() for u in s.figure.layout.sliders]
    with_controls["layout"]["margin"]["t"] += 60  # room for the row, as on the page
    exported.update_layout(margin=dict(t=with_controls["layout"]["margin"]["t"]))
    import json

    (tmp_path / "a.json").write_text(json.dumps(with_controls, default=str))
    (tmp_path / "b.json").write_text(exported.to_json())
    code = ("import sys, kaleido, json; from nmgdash.slides.deck import CHROMIUM, DECK_IMAGE; "
            "from nmgdash.figures.charts import PLOTLY_JS_SOURCE; "
            "opts = dict(format='png', width=DECK_IMAGE[0], height=DECK_IMAGE[1], scale=DECK_IMAGE[2]); "
            "import asyncio\n"
            "async def main():\n"
            "    async with kaleido.Kaleido(path=str(CHROMIUM), plotlyjs=str(PLOTLY_JS_SOURCE), mathjax=False, n=1) as k:\n"
            f"        for name in ('a', 'b'):\n"
            f"            fig = json.load(open({str(tmp_path)!r} + '/' + name + '.json'))\n"
            f"            open({str(tmp_path)!r} + '/' + name + '.png', 'wb').write(await k.calc_fig(fig, opts=opts))\n"
            "asyncio.run(main())\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
    a = np.asarray(Image.open(tmp_path / "a.png").convert("RGB")).astype(int)
    b = np.asarray(Image.open(tmp_path / "b.png").convert("RGB")).astype(int)
    assert a.shape == b.shape
    rows = np.where(np.abs(a - b).max(axis=2).max(axis=1) > 60)[0]
    assert len(rows) > 20, "the controls drew nothing"
    # those rows in the figure as exported (b: same layout, no controls) are background (white)
    band = b[rows.min():rows.max() + 1]
    assert (band.min(axis=2) >= 250).mean() > 0.995, (rows.min(), rows.max(), (band.min(axis=2) >= 250).mean())
    # and the deck's own image of that slide has no slider: its top band above the map is white too
    pic = {sh.name: sh for sh in chart_slides[3].shapes}["chart"]
    img = np.asarray(Image.open(io.BytesIO(pic.image.blob)).convert("RGB")).astype(int)
    assert img.shape == b.shape
    top = int(exported.layout.margin.t * deck.DECK_IMAGE[2])
    title_bottom = int((present_title_px(s) + 4) * deck.DECK_IMAGE[2])
    assert (img[title_bottom:top - 60].min(axis=2) >= 250).mean() > 0.995


def present_title_px(slide) -> int:
    """Bottom of the title block of a slide figure, in CSS px (title pad + lines × 1.3 × size)."""
    from nmgdash.slides import present

    size = slide.figure.layout.title.font.size
    lines = str(slide.figure.layout.title.text).count("<br>") + 1
    return present.TITLE_PAD_PX + round(lines * size * 1.3)
