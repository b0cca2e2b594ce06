"""Every download on every page is named by one rule (issue 17): the file name carries the sample
marker (``_示例数据`` / ``_SAMPLE``, :func:`nmgdash.reports.exports.download_name`) exactly when the
file holds sample values (:func:`nmgdash.reports.exports.shows_sample`); and an image exported from
a page carries the 口径 footnote the slides carry.

AppTest runs each page with every "生成图片" button pressed. The image renderer is replaced by one
that returns the exported figure's JSON (``deck.export_figure`` with the footnote: what kaleido
would draw), so the test reads what each file shows; the names are read where Streamlit registers
each download (its media file manager). Before the fix the PNGs of the topic pages never said
示例数据 in their names although their figures did, and had no 口径.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from nmgdash.core.i18n import t
from nmgdash.slides import deck
from tests.test_app import APP, url_value

ROOT = Path(__file__).resolve().parents[1]
DEFINITIONS = {r["indicator_id"]: r for r in csv.DictReader((ROOT / "data" / "indicators.csv").open(encoding="utf-8"))}


@pytest.fixture(autouse=True)
def _db(con):
    yield


@pytest.fixture
def files(monkeypatch):
    """{file name: bytes or a callable giving them} of every download the runs register; images
    are the exported figure as JSON."""
    seen: dict[str, object] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if file_name:
            seen[file_name] = path_or_data
        return add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    def record_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        if file_name:
            seen[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    monkeypatch.setattr(deck, "available", lambda: True)
    def fake_png(fig, footnote=None, **kw):
        RENDERS.append((fig, footnote))
        return deck.export_figure(fig, footnote=footnote).to_json().encode("utf-8")

    RENDERS.clear()
    monkeypatch.setattr(deck, "png", fake_png)
    return seen


#: (figure, footnote) of every image the last test asked for; the real renderer, kept for one test.
RENDERS: list = []
REAL_PNG = deck.png


def _run(files: dict, page: str | None, **params: str) -> AppTest:
    """The page with its URL parameters, then once more with every image button pressed: ``files``
    then holds the downloads of that last run."""
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in params.items():
        if k != "lang":
            at.query_params[k] = url_value(k, v)
    if page:
        at.switch_page(f"pages/{page}.py")
    at.run()
    if params.get("lang") == "en":  # the language switch (AppTest keeps a picker's first label with ?lang=)
        at.radio(key="lang").set_value("en").run()
        for w in (at.selectbox(key="ind"), at.radio(key="mode")):  # AppTest holds their Chinese labels
            w.set_value(w.options[0])  # the page's default (the first option), now in English
    files.clear()
    for b in at.button:
        if (b.key or "").startswith("make_png_") or b.key == "make_dl_png":  # 汇报模式: the slide's PNG
            b.click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _content(data) -> str:
    """The file's text: CSV as written; an image as its figure's JSON with the text unescaped."""
    data = data() if callable(data) else data
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else str(data)
    return json.dumps(json.loads(text), ensure_ascii=False) if text.startswith("{") else text


def _check(files: dict, lang: str = "zh") -> dict[str, bool]:
    """{name: holds sample values} for the CSV and PNG files; asserts the name says so exactly then."""
    marker = t("admin_export_stem_sample", lang)
    shown = t("status_sample", lang)  # the status cell of a sample row / the hover and title of a figure
    out, wrong = {}, []
    for name, data in files.items():
        if not name.endswith((".csv", ".png")):
            continue
        if name.endswith(".png"):  # the figure: its title, hover or source line says 示例
            out[name] = shown in _content(data)
        else:  # the table: a row whose status cell is 示例 (a catalogue listing statuses holds no values)
            rows = list(csv.DictReader(io.StringIO(_content(data))))
            out[name] = any(r.get(t("status", lang)) == shown for r in rows)
        if out[name] != (marker in name):
            wrong.append(f"{name}: sample values {'shown' if out[name] else 'not shown'}")
    assert not wrong, wrong
    return out


PAGES = ["overview", "funding", "staffing", "hubs", "leadership", "reforms", "innovations", "about", "present"]


@pytest.mark.parametrize("page", PAGES)
def test_every_download_says_sample_exactly_when_it_holds_sample_values(files, page):
    _run(files, None if page == "overview" else page)
    names = _check(files)
    if page in ("funding", "staffing", "hubs", "leadership"):  # map, ranking, trend, CSV of sample values
        assert sum(n.endswith(".png") for n in names) == 3 and all(names.values()), names
        assert all("_示例数据_" in n for n in names), names
    if page == "overview":  # the census map is not sample; the bulletin's region figures neither
        assert [n for n in names if n.endswith(".png")] and not any(n.endswith(".png") and names[n] for n in names), names


@pytest.mark.parametrize("params", [{"pub": "1"}, {"leagues": "152200"}, {"lang": "en"}])
def test_hubs_downloads_follow_the_view(files, params):
    """Published only: nothing is sample and no name says so; a league's counties (sample): every
    name says so; English: the marker is _SAMPLE."""
    _run(files, "hubs", **params)
    names = _check(files, params.get("lang", "zh"))
    pngs = [n for n in names if n.endswith(".png")]
    assert len(pngs) == (2 if "pub" in params else 3), names  # published only: no trend lines to draw
    assert all(names[n] for n in names) == ("pub" not in params), names
    assert any(names.values()) == ("pub" not in params), names


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_exported_topic_image_carries_the_definition(files, lang):
    """The map, ranking and trend PNGs of 青年爱里 end with the slides' footnote: 口径 · name（unit）：
    definition, then 来源…；状态…; in English the catalogue's English definition."""
    _run(files, "hubs", lang=lang)
    ind = DEFINITIONS["hubs"]
    definition = t("footnote_definition", lang, name=ind["name_zh" if lang == "zh" else "name_en"],
                   unit=ind["unit" if lang == "zh" else "unit_en"],
                   definition=ind["definition" if lang == "zh" else "definition_en"])
    pngs = {n: json.loads(_content(d)) for n, d in files.items() if n.endswith(".png")}
    assert len(pngs) == 3
    for name, fig in pngs.items():
        notes = [a["text"] for a in fig["layout"]["annotations"] if a.get("name", "").startswith("footnote-")]
        assert len(notes) == 2, (name, notes)
        assert notes[0].replace("<br>", "") == definition, (name, notes[0])
        assert notes[1].startswith(t("footnote_tail", lang, sources="", statuses="")[:3]), (name, notes[1])
        assert fig["layout"]["margin"]["b"] >= 50, name  # room under the chart for the lines


def test_english_deck_footnotes_are_english():
    """汇报模式's PPTX in English: every slide's footnote (口径, unit, source, status) is English: no
    CJK outside a quotation of the bulletin (“…”, the rule of tests/test_words.py); the 口径 is the
    catalogue's English definition. Before: the definitions stayed Chinese. Charts are a blank
    PNG here (the footnote is text on the slide, not in the image)."""
    from PIL import Image
    from pptx import Presentation

    from nmgdash.slides import present
    from tests.test_words import CJK, QUOTE

    buf = io.BytesIO()
    Image.new("RGB", (16, 9), "white").save(buf, "PNG")
    ctx = present.Context(lang="en", year=2019, leagues=("152200",))
    slides = [present.build(k, ctx) for k in present.sequence(ctx.leagues)]
    data = deck.build_pptx(slides, lang="en", filters="2019 · Hinggan League", image=lambda fig: buf.getvalue())
    prs = Presentation(io.BytesIO(data))
    notes = {}
    for i, sl in enumerate(prs.slides):
        for sh in sl.shapes:
            if sh.name == "footnote":
                notes[i] = [p.text for p in sh.text_frame.paragraphs]
    assert len(notes) == len(slides) - sum(s.figure is None for s in slides) and notes, notes
    cjk = [line for lines in notes.values() for line in lines if CJK.search(QUOTE.sub("", line))]
    assert cjk == [], cjk
    hubs = DEFINITIONS["hubs"]
    assert f"Definition · {hubs['name_en']} ({hubs['unit_en']}): {hubs['definition_en']}" in notes[1], notes[1]


def test_rendered_topic_image_shows_the_footnote(files):
    """kaleido's PNG of the 青年爱里 map with the footnote has more lines of text under the map than
    the same figure with only its source line: the 口径 line is drawn, not just carried in the JSON."""
    import numpy as np
    from PIL import Image

    if not deck.CHROMIUM.is_file():
        pytest.skip("no Chromium: no server-side images")
    _run(files, "hubs")
    fig, footnote = RENDERS[0]
    assert footnote and footnote[0].startswith("口径 · 青年爱里（个）："), footnote

    def lines_under_map(png: bytes) -> list[int]:
        """Heights of the lines of dark text under the map: runs of pixel rows holding dark pixels,
        after the last run taller than 100 px (the map)."""
        rows = (np.asarray(Image.open(io.BytesIO(png)).convert("L")) < 110).sum(axis=1) > 3
        runs, start = [], None
        for i, dark in enumerate([*rows, False]):
            if dark and start is None:
                start = i
            elif not dark and start is not None:
                runs.append(i - start)
                start = None
        tall = max(i for i, h in enumerate(runs) if h > 100)
        return runs[tall + 1:]

    with_note, without = lines_under_map(REAL_PNG(fig, footnote=footnote)), lines_under_map(REAL_PNG(fig))
    assert len(with_note) == 2 and len(without) == 1, (with_note, without)  # 口径 + source/status vs source
    assert all(10 <= h <= 30 for h in with_note + without), (with_note, without)
