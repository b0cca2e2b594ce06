"""Bad links never crash a page: any text in any URL parameter falls back to the default.

The filters are widgets bound to the URL by Streamlit (``bind="query-params"``), which ignores a
value that is not one of the widget's options; the pages must then run on the defaults. The
property test feeds arbitrary text to every parameter the app reads (and one it does not) on
every page; the examples are the links that used to raise ``ValueError`` on every page.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

PAGES = ["overview", "funding", "staffing", "hubs", "leadership", "reforms", "innovations", "about"]
PARAMS = ["lang", "leagues", "year", "pub", "mode", "ind", "slide", "page"]


@pytest.fixture(autouse=True)
def _db(con):
    yield


def _run_raw(page: str, params: dict[str, str | list[str]]):
    """AppTest run with the parameters exactly as given (no translation of codes to labels)."""
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP

    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
    at.run()
    return at


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("params", [
    {"year": "²"},
    {"year": "9" * 4301},
    {"year": "-1", "pub": "1", "lang": "xx"},
    {"ind": "<img src=x onerror=alert(1)>", "mode": "<b>"},
    {"leagues": ["兴安盟", "兴安盟", "152200", ""], "mode": "9" * 50},
    {"slide": "NaN", "page": "../../etc/passwd"},
])
def test_known_bad_links(page, params):
    at = _run_raw(page, params)
    assert not at.exception, [e.message for e in at.exception]
    assert at.title, "the page drew nothing"
    assert at.radio(key="year").value == 2019  # every bad year falls back to the latest year


text = st.one_of(st.text(max_size=30), st.integers().map(str), st.sampled_from(["", "²", "1e309", "true", "%"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=st.sampled_from(PAGES),
       params=st.dictionaries(st.sampled_from(PARAMS), st.one_of(text, st.lists(text, max_size=3)), max_size=len(PARAMS)))
@example(page="hubs", params={"year": "²", "ind": "<img>", "leagues": "兴安盟,通辽市"})
def test_any_text_in_any_parameter_falls_back(page, params):
    at = _run_raw(page, params)
    assert not at.exception, (params, [e.message for e in at.exception])
    assert at.title


def test_parameters_no_widget_reads_are_dropped():
    """`?slide=<script>` on /hubs (slide belongs to 汇报模式) and a made-up `?foo=` are removed from the
    URL instead of being carried along; the page's own parameters stay."""
    at = _run_raw("hubs", {"slide": "<script>alert(1)</script>", "foo": "bar", "year": "2018"})
    assert not at.exception
    assert "slide" not in at.query_params and "foo" not in at.query_params
    assert at.query_params.get("year") == "2018"
