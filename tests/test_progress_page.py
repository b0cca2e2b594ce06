"""填报进度 (/progress), the history of a value, the 报表签发页 and the publication of approved
figures on the dashboard (issue 16), on one reporting round in progress (tests/progress_scenario.py:
兴安盟 approved, 呼和浩特市 submitted, 赤峰市 returned, 包头市 a draft, the rest not started).

The scenario is built once for the module on its own store and database (SQLite; the store's
functions are tested on both backends in tests/test_reporting.py)."""

from __future__ import annotations

import io
import os

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from nmgdash.core.i18n import t
from nmgdash.reports import round_status, signoff
from nmgdash.storage import build, reporting
from nmgdash.ui import data, state
from nmgdash.ui.reporting import history
from tests import progress_scenario as scn
from tests.test_app import APP, map_figure, run

ENV = ("NMGDASH_DB", "NMGDASH_IMPORTS")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, con):
    """The scenario on a fresh store and database of this module; the session's are restored after."""
    tmp = tmp_path_factory.mktemp("progress")
    saved = {k: os.environ.get(k) for k in ENV}
    os.environ["NMGDASH_DB"] = str(tmp / "db" / "reform.duckdb")
    os.environ["NMGDASH_IMPORTS"] = str(tmp / "imports")
    data.database.clear()
    try:
        build.build_database()
        people = scn.build_scenario()
        build.build_database()
        yield people
    finally:
        for k, v in saved.items():
            os.environ[k] = v if v is not None else ""
            if v is None:
                del os.environ[k]
        data.database.clear()


def open_page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets.update({"nmgdash": {}})
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def row(table, area: str) -> dict:
    found = table[table["地区"] == area]
    assert len(found) == 1, area
    return found.iloc[0].to_dict()


def test_progress_page_shows_totals_states_and_who_did_what(scenario):
    at = open_page("progress")
    assert at.title[0].value == "填报进度"
    assert at.selectbox(key="prog_round").options == [f"2020年度（截止 {scn.DEADLINE}）", "2019年度（截止 2020-03-31）"]
    assert [h.value for h in at.subheader][:2] == ["2020年：已审核 1/12 个盟市，逾期 0", "各地区填报情况"]
    table = at.dataframe[0].value
    assert list(table.columns) == ["区划代码", "地区", "级别", "状态", "最后保存人", "最后保存时间", "上报人", "上报时间",
                                   "退回人", "退回时间", "退回原因", "审核人", "审核时间", "是否按时"]
    xam = row(table, "兴安盟")
    assert {k: xam[k] for k in ("区划代码", "级别", "状态", "上报人", "审核人", "是否按时", "退回人")} == {
        "区划代码": "152200", "级别": "盟市", "状态": "已审核", "上报人": "兴安盟填报员", "审核人": "自治区审核员",
        "是否按时": "按时", "退回人": ""}
    st = reporting.status_report(2020).set_index("adcode")
    assert xam["审核时间"] == reporting.local_time(st.at["152200", "approved_at"])
    cf = row(table, "赤峰市")
    assert (cf["状态"], cf["退回人"], cf["退回原因"], cf["是否按时"]) == ("已退回", "自治区审核员", "与台账不符", "按时")
    assert (row(table, "呼和浩特市")["状态"], row(table, "包头市")["状态"]) == ("已上报", "填报中")
    assert (row(table, "包头市")["最后保存人"], row(table, "包头市")["上报人"]) == ("包头市填报员", "")
    assert (row(table, "鄂尔多斯市")["状态"], row(table, "鄂尔多斯市")["是否按时"]) == ("未开始", "未到截止日期")
    assert list(table["地区"]) == ["呼和浩特市", "包头市", "乌海市", "赤峰市", "通辽市", "鄂尔多斯市", "呼伦贝尔市",
                                  "巴彦淖尔市", "乌兰察布市", "兴安盟", "锡林郭勒盟", "阿拉善盟"]
    assert "上表列出 12 个盟市；选择上面的盟市可以看到它的旗县。Excel 包含全部 115 个地区。" in [c.value for c in at.caption]
    # the map: 12 leagues coloured by state, the state on each label, who and when in the hover
    fig = map_figure(at)
    fills = {tr["name"]: tr["fillcolor"] for tr in fig["data"] if tr.get("fill") == "toself"}
    assert (fills["152200"], fills["150400"], fills["150100"], fills["150200"], fills["150600"]) == (
        "#4ade80", "#fca5a5", "#93c5fd", "#fde68a", "#e5e7eb")
    assert [tr["name"] for tr in fig["data"] if tr.get("showlegend")] == ["未开始", "填报中", "已上报", "已退回", "已审核"]
    hover = next(tr["text"] for tr in fig["data"] if tr.get("meta") == "area" and str(tr["name"]) == "152200")
    assert hover == (f"<b>兴安盟</b><br>状态：已审核 · 按时<br>上报：兴安盟填报员 {xam['上报时间']}"
                     f"<br>审核：自治区审核员 {xam['审核时间']}")
    # the download: file name with the round's year
    dl = at.get("download_button")
    labels = [d.proto.label for d in dl]
    assert labels == ["下载填报进度（Excel）", "下载签发页（Excel，可打印）"]
    if signoff.pdf_available():
        at.button(key="make_signoff_pdf_2020_152200").click().run()
        assert [d.proto.label for d in at.get("download_button")][2:] == ["下载签发页（PDF）"]
    # history: values before approval are not public
    assert t("prog_history_sign_in", "zh") in [i.value for i in at.info]
    # the sign-off sheet of the first approved area
    assert at.selectbox(key="prog_signoff_area").options[0] == "兴安盟"
    sheet = at.dataframe[1].value
    assert sheet.values.tolist() == [["青年爱里", "个", "88", "", ""]]
    assert list(sheet.columns) == ["指标", "单位", "数值", "上年数值", "说明"]
    assert [m.value.replace("\u2060", "") for m in at.markdown if m.value.startswith(("填报人", "审核人"))] == [
        f"填报人：兴安盟填报员　　上报时间：{xam['上报时间']}", f"审核人：自治区审核员　　审核时间：{xam['审核时间']}"]
    # the counties of 兴安盟 on their own map
    at.selectbox(key="prog_league").set_value("152200").run()
    assert not at.exception
    fig = map_figure(at)
    assert sorted(str(tr["name"]) for tr in fig["data"] if tr.get("meta") == "area") == sorted(scn.COUNTIES)
    table = at.dataframe[0].value  # 兴安盟 and its counties (the round asks a county-level indicator)
    assert len(table) == 7 and list(table["地区"])[:2] == ["兴安盟", "　└ 乌兰浩特市"]
    kyq = row(table, "　└ 科尔沁右翼前旗")
    assert (kyq["级别"], kyq["状态"], kyq["上报人"], kyq["审核人"]) == ("旗县", "已审核", "科右前旗填报员", "兴安盟审核员")
    # the earlier round: every league overdue
    at.selectbox(key="prog_round").set_value(2019).run()
    assert [h.value for h in at.subheader][0] == "2019年：已审核 0/12 个盟市，逾期 12"
    assert set(at.dataframe[0].value["是否按时"]) == {"逾期未报"}


def test_the_progress_workbook_has_every_area_and_the_year_in_its_name(scenario):
    st = reporting.status_report(2020)
    book = openpyxl.load_workbook(io.BytesIO(round_status.status_xlsx(2020, st, reporting.progress(2020)["text"])))
    assert round_status.status_file_name(2020) == "2020年度填报进度.xlsx"
    assert book.sheetnames == ["2020年度填报进度", "说明"]
    ws = book["2020年度填报进度"]
    assert [c.value for c in ws[1]][:4] == ["区划代码", "地区", "级别", "状态"]
    cells = {ws.cell(r, 2).value: [c.value for c in ws[r]] for r in range(2, ws.max_row + 1)}
    xam = cells["兴安盟"]
    assert xam[:4] == ["152200", "兴安盟", "盟市", "已审核"] and xam[11] == "自治区审核员" and xam[13] == "按时"
    assert cells["赤峰市"][10] == "与台账不符"
    assert ws.max_row == 1 + 115
    red = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value == "赤峰市")
    assert ws.cell(red, 4).fill.fgColor.rgb.endswith("FCA5A5")
    assert [book["说明"].cell(r, 1).value for r in (2, 3)] == ["2020年：已审核 1/12 个盟市，逾期 0",
                                                            t("prog_times_note", "zh")]


def test_history_of_a_value_lists_every_step_with_who(scenario):
    hist = reporting.value_history(2020, "hubs", scn.KYQ)
    lines = history.history_lines(hist, "zh")
    at = [reporting.local_time(a) for a in hist["at"]]
    assert lines == [f"{at[0]} · 科右前旗填报员 · 保存：（空） → 18",
                     f"{at[1]} · 科右前旗填报员 · 填写说明：新建8个嘎查村青年爱里",
                     f"{at[2]} · 科右前旗填报员 · 上报",
                     f"{at[3]} · 兴安盟审核员 · 审核通过"]
    cf = history.history_lines(reporting.value_history(2020, "hubs", "150400"), "zh")
    assert [line.split(" · ", 1)[1] for line in cf] == ["赤峰市填报员 · 保存：（空） → 120", "赤峰市填报员 · 上报",
                                                         "自治区审核员 · 退回：与台账不符"]


def test_history_is_shown_to_the_accounts_whose_scope_holds_the_area(scenario):
    p = scenario
    assert history.may_see(p["xam"], scn.KYQ) and history.may_see(p["region"], scn.KYQ)
    assert not history.may_see(p["baotou"], scn.KYQ) and not history.may_see(None, scn.KYQ)


def test_the_signoff_sheet_is_print_ready_with_figures_names_and_times(scenario):
    sheet = signoff.signoff(2020, "兴安盟")
    st = reporting.status_report(2020).set_index("adcode")
    assert (sheet.reporter, sheet.reviewer, sheet.state_text) == ("兴安盟填报员", "自治区审核员", "已审核")
    assert signoff.file_name(sheet) == "2020年度报表签发页_兴安盟.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(signoff.signoff_xlsx(sheet))).active
    assert ws.title == "签发页"
    assert [ws.cell(r, 1).value for r in (1, 2, 3)] == [
        "2020年度 兴安盟 报表签发页", f"填报任务：2020年度 · 截止日期 {scn.DEADLINE}", "地区：兴安盟（152200） · 状态：已审核"]
    assert [c.value for c in ws[5]] == ["序号", "指标", "单位", "数值", "上年数值", "说明"]
    assert [c.value for c in ws[6]] == [1, "青年爱里", "个", 88, None, None]
    assert ws.cell(8, 1).value == f"填报人：兴安盟填报员　　上报时间：{reporting.local_time(st.at['152200', 'submitted_at'])}"
    assert ws.cell(9, 1).value == f"审核人：自治区审核员　　审核时间：{reporting.local_time(st.at['152200', 'approved_at'])}"
    assert ws.cell(11, 1).value == "填报人签字：____________　　审核人签字：____________　　日期：____________"
    assert (ws.page_setup.paperSize, ws.page_setup.orientation) == (9, "portrait")
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage) == (1, 0, True)
    assert ws.print_title_rows == "$5:$5" and ws.print_area == "'签发页'!$A$1:$F$11"
    assert "A1:F1" in [str(m) for m in ws.merged_cells.ranges]
    # the county's sheet carries its 说明 and last year's imported value
    kyq = openpyxl.load_workbook(io.BytesIO(signoff.signoff_xlsx(signoff.signoff(2020, scn.KYQ)))).active
    assert [c.value for c in kyq[6]] == [1, "青年爱里", "个", 18, 10, "新建8个嘎查村青年爱里"]
    with pytest.raises(signoff.NotApproved, match=r"^赤峰市的 2020 年度报表尚未审核通过，不能生成签发页$"):
        signoff.signoff(2020, "赤峰市")


def test_an_approved_figure_is_published_on_the_hubs_map_with_reporter_and_reviewer(scenario):
    at = run("hubs", ind="hubs", year="2020")
    fig = map_figure(at)
    hover = next(tr["text"] for tr in fig["data"] if tr.get("meta") == "area" and str(tr["name"]) == "152200")
    assert hover == ("<b>兴安盟</b><br>88个<br>状态：已审核<br>来源：2020年度填报：兴安盟"
                     "<br>2020年度填报 · 兴安盟 · 填报人 兴安盟填报员 · 审核人 自治区审核员")
    # the year is offered once a value is approved; the page says how complete it is
    assert at.radio(key=state.YEAR).options[-1] == "2020" and str(at.radio(key=state.YEAR).value) == "2020"
    assert [c.value for c in at.caption if "个盟市" in c.value] == ["2020年：已审核 1/12 个盟市"]
    # 2020 is not sample data: the banner names the sample years instead of calling the page sample
    assert [w.value for w in at.warning] == [
        "示例数据：2017—2019 年的盟市、旗县数值是生成器分配的示例数据，并非各盟市实报（趋势图和逐年播放中可见）；2020 年的数值不是示例数据。"]
    table = at.dataframe[0].value.set_index("adcode")
    assert (table.at["152200", "状态"], table.at["152200", "出处"]) == (
        "已审核", "2020年度填报 · 兴安盟 · 填报人 兴安盟填报员 · 审核人 自治区审核员")


def test_the_default_year_stays_the_latest_complete_year(scenario):
    at = run("hubs")
    assert str(at.radio(key=state.YEAR).value) == "2019"
    assert not [c.value for c in at.caption if "个盟市" in c.value]


def test_the_summary_of_an_approved_year_says_only_its_baseline_is_sample(scenario):
    at = run("hubs", ind="hubs", year="2020")
    assert [m.value for m in at.markdown if m.value.startswith("**摘要")] == [
        "**摘要：** 与 2017 年比较的基数是示例数据：2020年全区青年爱里88个（12个盟市中1个有数据，合计），较2017年增长125.6%"
        "（按两年均有数据的1个盟市计）；按绝对值，仅兴安盟有数据（88个），无法排名。"]


@pytest.mark.skipif(not signoff.pdf_available(), reason="no Noto Sans CJK on this machine")
def test_the_signoff_pdf_is_a4_with_the_cjk_font_embedded(scenario):
    pdf = signoff.signoff_pdf(signoff.signoff(2020, scn.KYQ))
    assert pdf.startswith(b"%PDF-")
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf  # A4 portrait in points
    assert b"/BaseFont /MPDFAA+NotoSansCJKSC" in pdf and b"/BaseFont /MPDFAA+NotoSansCJKSCBold" in pdf
    title = pdf.split(b"/Title <", 1)[1].split(b">", 1)[0]
    assert bytes.fromhex(title.decode()).decode("utf-16") == "2020年度 科尔沁右翼前旗 报表签发页"


def test_progress_page_in_english(scenario):
    at = open_page("progress")
    at.radio(key="lang").set_value("en").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Reporting progress"
    assert [h.value for h in at.subheader][0] == "2020: 1/12 leagues approved, 0 late"
    table = at.dataframe[0].value.set_index("Area")
    assert table.loc["Hinggan League", ["Level", "State", "Submitted by", "Approved by", "On time"]].tolist() == [
        "league", "approved", "兴安盟填报员", "自治区审核员", "on time"]
    assert at.selectbox(key="prog_signoff_area").options[0] == "Hinggan League"


def test_the_sample_notice_says_which_values_are_sample():
    import pandas as pd

    from nmgdash.core.labels import sample_notice_text

    frame = pd.DataFrame({"year": [2019, 2019, 2019, 2020, 2020, 2020], "value": [1.0, 2.0, 3.0, 4.0, None, None],
                          "status": ["sample", "sample", "sample", "approved", None, None]})
    assert sample_notice_text(frame, 2019, "zh") == t("sample_notice", "zh")
    assert sample_notice_text(frame, 2020, "zh") == (
        "⚠️ 示例数据：2019 年的盟市、旗县数值是生成器分配的示例数据，并非各盟市实报（趋势图和逐年播放中可见）；2020 年的数值不是示例数据。")
    mixed = frame.assign(status=["sample", "approved", "imported", "approved", None, None])
    assert sample_notice_text(mixed, 2019, "zh") == (
        "⚠️ 示例数据：2019 年有 1 个地区的数值是生成器分配的示例数据（状态为“示例”），并非实报；其余 2 个地区的数值不是示例数据。")
    assert sample_notice_text(mixed.assign(status="approved"), 2019, "zh") is None
    two = pd.concat([frame, frame.assign(year=2017)])
    assert sample_notice_text(two, 2020, "en").startswith("⚠️ Sample data: the league and county figures of 2017, 2019 are")


def test_a_signed_in_league_account_sees_the_history_of_its_values(scenario):
    at = open_page("data")
    at.text_input(key="admin_user_name").input("兴安盟填报员")
    at.text_input(key="admin_password").input(scn.PW)
    at.button(key="FormSubmitter:admin_sign_in-登录").click()
    at.run()
    at.switch_page("pages/progress.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    area = at.selectbox(key="prog_history_area")
    assert area.options == ["兴安盟", "乌兰浩特市", "阿尔山市", "科尔沁右翼前旗", "科尔沁右翼中旗", "扎赉特旗", "突泉县"]
    area.set_value(scn.KYQ).run()
    lines = [m.value.replace("\u2060", "") for m in at.markdown if m.value.startswith("- ")]
    assert [line.split(" · ", 1)[1] for line in lines] == [
        "科右前旗填报员 · 保存：（空） → 18", "科右前旗填报员 · 填写说明：新建8个嘎查村青年爱里", "科右前旗填报员 · 上报",
        "兴安盟审核员 · 审核通过"]
