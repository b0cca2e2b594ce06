"""The league filter filters: what staff select is what the table and both downloads hold (with
the whole region as a labelled comparison row), the map and ranking keep all 12 leagues with the
selection highlighted, a map click replaces the selection or (多选) adds/removes, and every page
remembers its own indicator and mode for the session."""

from __future__ import annotations

import pytest
import streamlit as st

from nmgdash.ui import state, topic, widgets
from tests.test_app import map_figure, run


@pytest.fixture(autouse=True)
def _db(con):
    yield


def _table(at):
    return at.dataframe[0].value


def test_selected_leagues_and_the_region_row_only():
    at = run("hubs", ind="hubs", year="2019", leagues="兴安盟,通辽市")
    table = _table(at)
    assert list(table["adcode"]) == ["150500", "152200", "150000"]
    assert list(table["盟市"]) == ["通辽市", "兴安盟", "全区（对照）"]
    # the comparison row is the whole region (all 12 leagues), not the two selected
    assert table.iloc[-1]["青年爱里（个）"] == 1042 and table.iloc[-1]["备注"] == "数值为12个盟市之和"
    assert table.iloc[0]["青年爱里（个）"] == 113 and table.iloc[1]["青年爱里（个）"] == 75
    assert any("表格与下载只含所选的2个盟市" in c.value for c in at.caption)
    # the map and the ranking keep all 12 for context, the two highlighted
    fig = map_figure(at)
    assert len([tr for tr in fig["data"] if tr.get("fill") == "toself"]) == 12
    assert {tr["name"] for tr in fig["data"] if str(tr.get("name", "")).startswith("selected-")} == {
        "selected-152200", "selected-150500"}


def test_no_selection_shows_every_league():
    table = _table(run("funding", ind="league_work_funding", year="2018"))
    assert len(table) == 13 and table.iloc[-1]["adcode"] == "150000"
    assert table.iloc[:12]["盟市团委工作经费（万元）"].sum() == pytest.approx(table.iloc[-1]["盟市团委工作经费（万元）"])


def test_rates_get_no_summed_region_value():
    table = _table(run("overview", ind="mongol_share", leagues="兴安盟"))
    assert list(table["adcode"]) == ["152200", "150000"]
    assert table.iloc[-1]["备注"] == "比率不相加；显示方式列为全区口径"
    assert table.iloc[-1].isna()["蒙古族人口占比（%）"]


def test_mode_column_of_the_region_row_is_the_region_figure():
    table = _table(run("hubs", ind="hubs", year="2019", mode="vs_base", leagues="兴安盟"))
    # 兴安盟 drills down to its counties: the league is the comparison row
    assert table.iloc[-1]["旗县（市、区）"] == "兴安盟（对照）"
    assert table.iloc[:-1]["青年爱里（个）"].sum() == table.iloc[-1]["青年爱里（个）"] == 75


def test_export_file_names_say_which_leagues():
    assert topic.export_scope([], "zh") == "全区"
    assert topic.export_scope(["兴安盟", "通辽市"], "zh") == "兴安盟_通辽市"
    assert topic.export_scope(["兴安盟", "通辽市", "赤峰市", "包头市"], "zh") == "兴安盟等4个盟市"
    assert topic.export_scope(["Hinggan League", "Tongliao City"], "en") == "Hinggan League_Tongliao City"


@pytest.fixture
def session(monkeypatch):
    """A plain dict standing in for st.session_state (callbacks read and write only keys)."""
    fake: dict = {}
    monkeypatch.setattr(st, "session_state", fake)
    return fake


def _click(session, code: str, multi: bool = False) -> None:
    session["map"] = {"selection": {"points": [{"customdata": [code]}]}}
    session["multi"] = multi
    widgets.on_map_click("map", "multi")


def test_ctrl_and_multi_select_clicks_never_open_the_county_map(session):
    """Issue 17: on indicators with county data one chosen league opens its counties only after a
    plain click (or 查看下辖旗县, or a link); a Ctrl or 多选 click leaves the league map up."""
    assert state.county_view()  # a link with one league opens its counties
    widgets.on_map_click("map", "multi", {"adcode": "152200", "ctrl": True, "shift": False, "n": 1})
    assert session["leagues"] == ["152200"] and not state.county_view()
    widgets.on_map_click("map", "multi", {"adcode": "150200", "ctrl": True, "shift": False, "n": 2})
    assert session["leagues"] == ["152200", "150200"] and not state.county_view()
    _click(session, "152200", multi=True)  # 多选 removes, still no county map
    assert session["leagues"] == ["150200"] and not state.county_view()
    widgets.show_counties()  # 查看下辖旗县
    assert state.county_view()
    _click(session, "150400")  # a plain click
    assert session["leagues"] == ["150400"] and state.county_view()


def test_map_click_replaces_and_multi_select_toggles(session):
    _click(session, "152200")
    assert session["leagues"] == ["152200"]
    _click(session, "150400")  # a plain click replaces
    assert session["leagues"] == ["150400"]
    _click(session, "152200", multi=True)  # 多选 adds …
    assert session["leagues"] == ["150400", "152200"]
    _click(session, "150400", multi=True)  # … and removes
    assert session["leagues"] == ["152200"]
    widgets.clear_leagues()
    assert session["leagues"] == []


def test_map_click_event_ctrl_adds_and_removes(session):
    """The click event of nmgdash.ui.mapview.plotly_map: Ctrl/Cmd adds or removes, a plain click replaces."""
    session["multi"] = False
    widgets.on_map_click("map", "multi", {"adcode": "152200", "ctrl": False, "shift": False})
    assert session["leagues"] == ["152200"]
    widgets.on_map_click("map", "multi", {"adcode": "150500", "ctrl": True, "shift": False})
    assert session["leagues"] == ["152200", "150500"]
    widgets.on_map_click("map", "multi", {"adcode": "152200", "ctrl": True, "shift": False})
    assert session["leagues"] == ["150500"]
    widgets.on_map_click("map", "multi", {"adcode": "150400", "ctrl": False, "shift": True})
    assert session["leagues"] == ["150400"]
    session["map"] = {"click": {"adcode": "150300", "ctrl": True}}  # read from the component's state
    widgets.on_map_click("map", "multi")
    assert session["leagues"] == ["150400", "150300"]


def test_each_page_remembers_its_indicator_and_mode():
    at = run("funding")
    at.selectbox(key="ind").set_value("league_work_funding")
    at.run()
    [r for r in at.radio if r.key == "mode"][0].set_value("yoy")
    at.run()
    at.switch_page("pages/staffing.py").run()
    assert at.selectbox(key="ind").value == "county_cadres"  # staffing's own default
    assert [r for r in at.radio if r.key == "mode"][0].value == "value"
    at.switch_page("pages/funding.py").run()
    assert not at.exception
    assert at.selectbox(key="ind").value == "league_work_funding"
    assert [r for r in at.radio if r.key == "mode"][0].value == "yoy"


def test_a_link_opens_its_own_indicator():
    at = run("staffing", ind="township_fulltime", mode="per_10k")
    assert at.selectbox(key="ind").value == "township_fulltime"
    assert [r for r in at.radio if r.key == "mode"][0].value == "per_10k"


class _Broken:
    """Stands in for the database handle while the file is damaged or locked."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.warning = self.warning_en = None

    @property
    def version(self):
        from nmgdash.storage import database

        raise database.DatabaseUnavailable(self.kind)


@pytest.mark.parametrize(("kind", "message"), [
    ("corrupt", "数据库文件损坏，请运行 make rebuild"),
    ("busy", "数据正在更新，请稍后刷新"),
])
def test_database_faults_show_a_chinese_message_and_recover(monkeypatch, kind, message):
    from nmgdash.ui import data

    real = data.database
    monkeypatch.setattr(data, "database", lambda: _Broken(kind))
    at = run("hubs")  # run() asserts there is no exception (no traceback)
    errors = [e.value for e in at.error]
    assert errors == [message], errors
    assert not any("/" in e or "\\" in e for e in errors)  # no server path
    monkeypatch.setattr(data, "database", real)  # the fault is gone: the next rerun recovers
    at.run()
    assert not at.error and not at.exception
    assert at.title[0].value == "青年爱里"
