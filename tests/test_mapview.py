"""nmgdash.ui.mapview: the maps are drawn by a components.v2 element keyed by its key alone (so the
browser updates one plotly div with Plotly.react and keeps the user's zoom), with plotly.js served
from the app's own static folder, the modebar config passed through, and a uirevision that changes
with the indicator, the mode and the map level but not with the year or the leagues."""

from __future__ import annotations

import json
import re

import pytest

from nmgdash.ui import mapview
from tests.test_app import run


@pytest.fixture(autouse=True)
def _db(con):
    yield


def _maps(at) -> list:
    return [el for el in _maps_all(at) if el.key.startswith("map_")]


def _maps_all(at) -> list:
    return [el for el in at.get("bidi_component") if el.proto.component_name == "nmgdash.plotly_map"]


def _payload(at) -> tuple[str, dict, dict]:
    [el] = _maps(at)
    data = json.loads(el.proto.json)
    return el.key, json.loads(data["spec"]), data


def test_plotly_js_is_the_basic_bundle_of_the_installed_plotly_release():
    """The browser gets plotly.js's basic bundle (scatter, bar, pie) of the very release the installed
    plotly package ships (figures made by plotly.py are drawn by the plotly.js they were made for):
    a quarter of the full bundle, and an upgrade of plotly that forgets this file fails here."""
    from nmgdash.figures.charts import PLOTLY_JS_SOURCE

    head = mapview.PLOTLY_JS.read_text(encoding="utf-8")[:200]
    assert head.startswith("/**\n* plotly.js (basic - minified) v")
    full = PLOTLY_JS_SOURCE.read_text(encoding="utf-8")[:200]
    assert mapview.plotly_js_version() == re.search(r"plotly\.js v(\S+)", full).group(1)
    assert mapview.PLOTLY_JS.stat().st_size < PLOTLY_JS_SOURCE.stat().st_size / 3
    assert (mapview.STATIC_DIR / "plotly-basic.LICENSE.txt").read_text().startswith("MIT License")
    assert mapview.ensure_plotly_js() and not mapview.ensure_plotly_js(mapview.STATIC_DIR / "missing.js")


def test_every_trace_the_component_draws_is_in_the_basic_bundle():
    """Map, ranking and trend of every topic page (and 总览's map) use only trace types of the basic bundle."""
    kinds = set()
    for page in ("overview", "funding", "staffing", "hubs", "leadership"):
        for el in _maps_all(run(page)):
            kinds |= {tr.get("type", "scatter") for tr in json.loads(json.loads(el.proto.json)["spec"])["data"]}
    assert kinds and kinds <= {"scatter", "bar", "pie"}, kinds


def test_the_app_serves_plotly_js_from_its_static_folder():
    from streamlit import config

    assert config.get_option("server.enableStaticServing") is True  # .streamlit/config.toml
    assert mapview.plotly_js_url() == f"/app/static/plotly-basic.min.js?v={mapview.plotly_js_version()}"
    assert "cdn" not in mapview._JS.lower() and "://" not in mapview._JS  # no outside URL in the component


def test_map_element_config_and_key():
    at = run("hubs", ind="hubs", year="2019")
    key, fig, data = _payload(at)
    assert key == "map_hubs_league"
    assert data["src"].startswith("/app/static/plotly-basic.min.js?v=4.")
    assert data["config"]["displaylogo"] is False and data["config"]["scrollZoom"] is False
    assert data["config"]["toImageButtonOptions"]["filename"] == "map_hubs_league"
    assert {"lasso2d", "select2d", "sendChartToCloud"} <= set(data["config"]["modeBarButtonsToRemove"])
    assert data["config"]["showSendToCloud"] is False
    assert sum(tr.get("meta") == "area" for tr in fig["data"]) == 12
    assert not any(tr.get("name") == "targets" for tr in fig["data"])


def test_topic_page_charts_are_all_drawn_by_the_component():
    """Map, ranking and trend: one component each (updated in place with Plotly.react), no
    st.plotly_chart on a topic page (which would load Streamlit's own plotly bundle too)."""
    at = run("hubs", ind="hubs", year="2019")
    keys = [el.key for el in _maps_all(at)]
    assert keys == ["map_hubs_league", "rank_hubs", "trend_hubs"], keys
    assert not at.get("plotly_chart")


def test_uirevision_keeps_the_view_for_year_and_leagues_only():
    def rev(page="hubs", **params):
        return _payload(run(page, **params))[1]["layout"]["uirevision"]

    base = rev(ind="hubs", year="2019")
    assert rev(ind="hubs", year="2018") == base
    assert rev(ind="hubs", year="2019", leagues="兴安盟,通辽市") == base
    assert rev(ind="hubs", year="2019", lang="en") == base
    assert rev(ind="hubs_cloud", year="2019") != base
    assert rev(ind="hubs", year="2019", mode="per_10k") != base
    county = run("hubs", ind="hubs", year="2019", leagues="兴安盟")
    key, fig, _ = _payload(county)
    assert key == "map_hubs_county" and fig["layout"]["uirevision"] != base
    assert rev(None, ind="population") != rev(None, ind="land_area")
