"""One figure builder per figure: the page, the slide, its PNG and the PPTX show the same figure.

Each shared figure is built both ways (the page through AppTest, the slide through slides.present)
and compared on what it shows: traces, positions, texts and colours. The slide enlarges text sizes
for a projector (present.projector), so font sizes and margins are not compared.
"""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest
from test_app import _decode, figures, run

from nmgdash.core import topics
from nmgdash.slides import present

SIZE_KEYS = {"size", "margin", "height", "width", "font"}


def _strip(obj):
    """The figure without sizes (font sizes, margins, heights), which the slide scales."""
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in SIZE_KEYS}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _plain(fig: go.Figure) -> dict:
    return _decode(json.loads(fig.to_json()))


@pytest.fixture(scope="module")
def ctx():
    return present.Context(lang="zh", year=2019)


def test_innovations_map_is_one_figure_on_page_and_slide(ctx):
    page = [f for f in figures(run("innovations")) if any(tr.get("name") == "innovations" for tr in f["data"])][0]
    slide = _plain(present.build("innovations", ctx).figure)
    p_stars = [tr for tr in page["data"] if tr.get("name") == "innovations"][0]
    s_stars = [tr for tr in slide["data"] if tr.get("name") == "innovations"][0]
    assert _strip(p_stars) == _strip(s_stars)
    assert p_stars["marker"]["size"] == s_stars["marker"]["size"] == 20  # one star size (the copies had 20 and 22)
    texts = lambda f: [(a["text"], a.get("bgcolor")) for a in f["layout"]["annotations"] if "<b>" in a.get("text", "")]  # noqa: E731
    assert texts(page) == texts(slide) and texts(page)[0][1] == "rgba(255,255,255,0.9)"
    assert page["layout"]["title"]["text"] == slide["layout"]["title"]["text"] == "公报点名的基层改革创新（4处）"
    assert len([tr for tr in page["data"] if tr["type"] == "scatter"]) == len([tr for tr in slide["data"] if tr["type"] == "scatter"])


def test_reform_rates_are_one_builder_on_page_and_slide(ctx):
    """The page's three bullet charts and the slide's one chart come from figures.innovations.rates_figure: the
    slide shows the registry's rates in order, each with the value and label the page shows for it."""
    page = [f for f in figures(run("reforms")) if f["data"] and f["data"][0]["type"] == "bar"]
    slide = _plain(present.build("reforms", ctx).figure)
    def shown(f: dict) -> dict[str, str]:
        """rate name → its value label ("<b>98%</b><br>差2个百分点") as the chart draws them."""
        notes = {a.get("name", ""): a["text"] for a in f["layout"]["annotations"]}
        return {notes[k]: notes[f"value-{k[5:]}"] for k in notes if k.startswith("name-")}

    on_page = {k: v for f in page for k, v in shown(f).items()}
    on_slide = shown(slide)
    assert len(on_slide) == len(topics.registry().rates) == 5
    assert {k: on_page[k] for k in on_slide} == on_slide
    assert on_slide["高校共青团改革方案出台率"] == "<b>98%</b><br>差2个百分点"
    assert [tr["marker"]["color"] for tr in slide["data"]] == [tr["marker"]["color"] for tr in page[0]["data"]]


def test_league_map_labels_are_the_same_on_page_and_slide(ctx):
    """The 青年爱里 league map: the page and its slide label every league with the same text (labels.map_frame)."""
    at = run("hubs", year="2019")
    page = [f for f in figures(at) if any(tr.get("meta") == "area" for tr in f["data"])][0]
    slide = _plain(present.build("hubs", ctx).figure)
    labels = lambda f: sorted(a["text"] for a in f["layout"]["annotations"] if a.get("name", "").startswith("label-"))  # noqa: E731
    assert labels(page) == labels(slide) and len(labels(page)) == 12
    numbers = [int(x.split("<br>")[1].removesuffix("个")) for x in labels(page)]
    assert sum(numbers) == 1042  # the bulletin's 青年爱里 total, apportioned over the 12 leagues (sample)
    assert "<b>呼和浩特市</b><br>100个" in labels(slide)
