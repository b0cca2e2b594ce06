"""Views computed once per view and shared by all sessions (issue 17: server work per fresh session).

A fresh session of a topic page only reads its filters and draws: the view's model (summary, figures,
table, footnote) is built once per view and database build (``topic.topic_model`` through
``data.shared``), and what derives from a shared object once per object (``data.per_object``).
These tests pin that down, and that sharing never hands one session another view's figures.
"""

from __future__ import annotations

import json

import streamlit as st

from nmgdash.ui import data, topic
from tests.test_app import display_values, map_figure, run


def _count_models(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    real = topic.topic_model

    def counted(page, ind, mode, year, selected, drill, lg, published):
        calls.append((page, str(ind["indicator_id"]), mode, year, selected, drill, lg, published))
        return real(page, ind, mode, year, selected, drill, lg, published)

    monkeypatch.setattr(topic, "topic_model", counted)
    return calls


def test_a_topic_view_is_built_once_and_shared_by_fresh_sessions(monkeypatch):
    st.cache_resource.clear()
    calls = _count_models(monkeypatch)
    first = run("hubs", ind="hubs", year="2019")
    second = run("hubs", ind="hubs", year="2019")  # another fresh session, the same link
    assert calls == [("hubs", "hubs", "value", 2019, (), False, "zh", False)]
    assert map_figure(first) == map_figure(second)
    assert display_values(first.dataframe[0]).equals(display_values(second.dataframe[0]))

    other = run("hubs", ind="hubs", year="2018", leagues="兴安盟")  # another view: its own model
    assert len(calls) == 2 and calls[1][3:6] == (2018, ("152200",), True)
    fig = map_figure(other)
    assert "2018" in json.dumps(fig["layout"]["title"], ensure_ascii=False)
    assert "兴安盟" in json.dumps(fig["layout"]["title"], ensure_ascii=False)  # the county map of 兴安盟
    assert map_figure(run("hubs", ind="hubs", year="2019", lang="en"))["layout"]["title"] != map_figure(first)["layout"]["title"]
    assert len(calls) == 3 and calls[2][6] == "en"


def test_per_object_memo_is_by_identity_and_bounded():
    built: list[str] = []

    def make(tag: str):
        built.append(tag)
        return tag.upper()

    a, b = ["same"], ["same"]  # equal content, two objects
    assert data.per_object("t", a, ("zh",), lambda: make("a"), size=2) == "A"
    assert data.per_object("t", a, ("zh",), lambda: make("a2"), size=2) == "A"  # the same object: memoised
    assert data.per_object("t", b, ("zh",), lambda: make("b"), size=2) == "B"  # an equal object is not the same
    assert data.per_object("t", a, ("en",), lambda: make("en"), size=2) == "EN"  # extra is part of the key
    assert data.per_object("t", b, ("zh",), lambda: make("b2"), size=2) == "B"
    assert data.per_object("t", a, ("zh",), lambda: make("a3"), size=2) == "A3"  # evicted (2 entries kept)
    assert built == ["a", "b", "en", "a3"]
