"""填报与审核 (/report) under AppTest: a reporter sees only its areas; the grid saves values; a stale
save is told who changed what; 上报 asks for the 说明 of flagged values; a reviewer approves and
returns; an admin opens a round; the Excel template of one area fills the draft.

Each test gets its own database and store (``admin_env`` of tests/test_admin.py). Grid edits are
the data_editor's edit state (``edited_rows``) set on the session before a run, as the browser
sends them."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from nmgdash.storage import accounts, reporting, transaction
from tests.test_admin import admin_env, texts  # noqa: F401 (fixture)
from tests.test_app import APP

PW = "Tuanwei-2020!"
SIGN_IN = "FormSubmitter:admin_sign_in-登录"
XAM, KYQ, BAOTOU = "152200", "152221", "150200"
DEADLINE = dt.date.today() + dt.timedelta(days=30)


@pytest.fixture
def people(admin_env):  # noqa: F811 (the fixture imported above)
    """An admin, the region's reviewer, 兴安盟's reviewer and reporter, 科尔沁右翼前旗's and 包头市's
    reporters; 2019 hubs of 科尔沁右翼前旗 imported (10); the round 2020 asking hubs and 团干部."""
    mk = accounts.create_account
    p = {"admin": mk("管理员", PW, "admin", "150000"),
         "region": mk("自治区审核员", PW, "reviewer", "150000"),
         "xam_rev": mk("兴安盟审核员", PW, "reviewer", "兴安盟"),
         "xam": mk("兴安盟填报员", PW, "reporter", "兴安盟"),
         "kyq": mk("科右前旗填报员", PW, "reporter", "科尔沁右翼前旗"),
         "baotou": mk("包头市填报员", PW, "reporter", "包头市")}
    rows = pd.DataFrame({"indicator_id": "hubs", "adcode": [KYQ], "year": 2019, "value": [10.0]})
    transaction.commit(rows, file_name="2019.xlsx", sha256="ab" * 32, user="operator", counts={"new": 1})
    return p


def open_round(p) -> reporting.Round:
    return reporting.open_round(p["admin"], 2020, DEADLINE, ["county_cadres", "hubs"], note="请按口径填写")


def page(name: str | None = None, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets.update({"nmgdash": {}})
    at.run()
    at.switch_page("pages/report.py")
    at.run()
    if lang == "en":  # the sidebar's switch, before signing in; it takes effect at the next run
        at.radio(key="lang").set_value("en")
        at.run()
        at.run()
    assert at.title[0].value == ("Reporting & review" if lang == "en" else "填报与审核")
    if name:
        at.text_input(key="admin_user_name").input(name)
        at.text_input(key="admin_password").input(PW)
        at.button(key=SIGN_IN if lang == "zh" else "FormSubmitter:admin_sign_in-Sign in").click()
        at.run()
    ok(at)
    return at


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def grid(at: AppTest, kind: str = "count"):
    [ed] = [d for d in at.data_editor if d.key and d.key.startswith("report_grid_") and f"_{kind}_" in d.key]
    return ed


def edit(at: AppTest, edits: dict[int, dict], kind: str = "count") -> None:
    ed = grid(at, kind)
    at.session_state[ed.key] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}


def click(at: AppTest, key_start: str) -> AppTest:
    [b] = [b for b in at.button if b.key and b.key.startswith(key_start)]
    b.click()
    at.run()
    return ok(at)


def cells(column: pd.Series) -> list:
    """A column's cells, a missing one as None."""
    return [None if pd.isna(v) else v for v in column]


def flash(at: AppTest) -> list[str]:
    return [e.value for kind in ("success", "error", "warning") for e in at.get(kind)]


def test_signed_out_the_page_asks_to_sign_in(people):
    at = page()
    assert "请先登录：填报员、审核员和管理员登录后在这里填报本地区数据。" in texts(at)
    assert [t.label for t in at.tabs] == ["我的填报"]


def test_a_reporter_sees_only_its_areas_and_the_deadline(people):
    open_round(people)
    at = page("兴安盟填报员")
    assert [t.label for t in at.tabs] == ["我的填报"]  # no 审核, no 填报任务
    assert f"**2020 年度填报任务** · 截止日期 {DEADLINE.isoformat()}，还剩 30 天" in texts(at)
    areas = at.selectbox(key="report_area_2020_zh")
    assert areas.options == ["兴安盟", "乌兰浩特市", "阿尔山市", "科尔沁右翼前旗", "科尔沁右翼中旗", "扎赉特旗", "突泉县"]
    status = at.dataframe[0].value
    assert status["地区"].tolist()[:2] == ["兴安盟", "乌兰浩特市"] and "包头市" not in status["地区"].tolist()
    # the county reporter: only its own county
    at = page("科右前旗填报员")
    assert at.selectbox(key="report_area_2020_zh").options == ["科尔沁右翼前旗"]


def test_an_overdue_round_says_so_in_red(people):
    reporting.open_round(people["admin"], 2020, dt.date.today() - dt.timedelta(days=3), ["hubs"])
    at = page("科右前旗填报员")
    line = next(m.value for m in at.markdown if "截止日期" in m.value)
    assert line.endswith(":red[**已逾期 3 天**]") or line.endswith(":red[**已逾期 2 天**]"), line


def test_the_grid_saves_values_and_a_stale_save_is_told_what_changed(people):
    open_round(people)
    at = page("科右前旗填报员")
    view = grid(at).value
    assert view["indicator"].tolist() == ["旗县挂兼职团干部", "青年爱里"]
    assert view["last_year"].tolist()[1] == 10 and grid(at).editing_mode == "fixed"
    edit(at, {0: {"value": 5}, 1: {"value": 12}})
    at = click(at, "report_save_2020_152221")
    assert flash(at) == ["已保存科尔沁右翼前旗的草稿：2 个数值、0 条说明。上报前仍可修改。"]
    frame, version = reporting.draft(2020, KYQ)
    assert frame.set_index("indicator_id")["value"].to_dict() == {"county_cadres": 5.0, "hubs": 12.0}
    assert grid(at).value["value"].tolist() == [5, 12]  # the grid reloaded the saved draft
    # someone else (兴安盟's reporter) saves the same draft meanwhile
    reporting.save_draft(people["xam"], 2020, KYQ, {("hubs", KYQ): 13.0}, expected_version=version)
    edit(at, {1: {"value": 14}})
    at = click(at, "report_save_2020_152221")
    [msg] = flash(at)
    assert msg.startswith("**您打开草稿后，其他人修改了以下数据，本次未保存。请重新载入草稿，核对后再保存**\n\n- 兴安盟填报员 于 ")
    assert msg.endswith("把科尔沁右翼前旗“青年爱里”由 12 改为 13")
    assert grid(at).value["value"].tolist() == [5, 13]  # reloaded: the other person's value
    assert reporting.draft(2020, KYQ)[0].set_index("indicator_id")["value"]["hubs"] == 13.0
    # the grid's rules are the importer's: a fraction of a count is refused with its message
    edit(at, {0: {"value": 2.5}})
    at = click(at, "report_save_2020_152221")
    assert flash(at) == ["**草稿未保存**\n\n- 科尔沁右翼前旗“旗县挂兼职团干部”：数量必须是整数（填写的是 2.5个）"]


def test_submit_asks_for_the_note_of_a_flagged_value_then_submits(people):
    open_round(people)
    at = page("科右前旗填报员")
    edit(at, {0: {"value": 5}, 1: {"value": 18}})  # hubs 18 = +80 % on 2019's 10
    at = click(at, "report_submit_2020_152221")
    flag = "科尔沁右翼前旗“青年爱里”2020 年填 18个，比 2019 年（10个，已导入）增长 80%，超过±50%"
    assert flash(at) == ["有 1 个数值需要先写说明才能上报，请在下方填写后再上报。",  # the flash, then the flags
                         f"**1 个数值还需要写说明（变化超过±50%、与公报数不同、超过全区合计或远离其他地区）**\n\n- {flag}"]
    [box] = [i for i in at.text_input if i.key == "report_explain_hubs_152221"]
    assert box.label == flag
    assert cells(grid(at).value["check"]) == [None, f"⚠ {flag}"]
    box.input("新建 8 个青年爱里")
    at = click(at, "report_explain_submit")
    assert flash(at) == ["已上报科尔沁右翼前旗 2020 年的数据（1 个数值附说明），等待上级审核。"]
    assert reporting.status_report(2020).set_index("adcode").at[KYQ, "state"] == "submitted"
    assert not [b for b in at.button if b.key == "report_save_2020_152221"]  # locked until reviewed
    assert "已于 " in texts(at) and "上报，等待上级审核，暂不能修改。" in texts(at)


def submitted(p) -> None:
    open_round(p)
    v = reporting.save_draft(p["kyq"], 2020, KYQ, {("county_cadres", KYQ): 5.0, ("hubs", KYQ): 18.0})
    assert v
    reporting.explain(p["kyq"], 2020, KYQ, "hubs", KYQ, "新建 8 个青年爱里")
    reporting.submit(p["kyq"], 2020, KYQ)


def test_the_league_reviewer_returns_a_value_and_the_reporter_sees_why(people):
    submitted(people)
    at = page("兴安盟审核员")
    assert [t.label for t in at.tabs] == ["我的填报", "审核"]
    assert "**等待您审核：1 项**" in texts(at)
    [rev] = [d for d in at.data_editor if d.key.startswith("report_review_2020_152221")]
    view = rev.value
    assert view["value"].tolist() == ["5", "18"] and view["last_year"].tolist() == ["—", "10"]
    assert view["change"].tolist()[1] == "+80%" and view["explanation"].tolist()[1] == "新建 8 个青年爱里"
    at.session_state[rev.key] = {"edited_rows": {1: {"return_comment": "请核实新建数量"}}, "added_rows": [],
                                 "deleted_rows": []}
    at.text_input(key="report_return_reason_2020_152221").input("青年爱里数量有误")
    at = click(at, "report_return_2020_152221")
    assert flash(at) == ["已退回科尔沁右翼前旗 2020 年的数据（1 条逐项意见），填报人修改后可重新上报。"]
    assert "没有等待您审核的数据。" in texts(at)
    at = page("科右前旗填报员")
    [box] = at.warning  # the flagged value keeps its 说明: no other warning
    assert box.value.startswith("**已退回**：兴安盟审核员 于 ") and "原因：青年爱里数量有误" in box.value
    assert box.value.endswith("- 科尔沁右翼前旗 · 青年爱里：请核实新建数量")
    assert cells(grid(at).value["comment"]) == [None, "请核实新建数量"]


def test_the_league_reviewer_approves_and_nobody_approves_their_own(people):
    submitted(people)
    at = page("兴安盟审核员")
    at = click(at, "report_approve_2020_152221")
    assert flash(at) == ["已审核通过科尔沁右翼前旗 2020 年的数据，看板刷新后显示为“已审核”。"]
    assert reporting.status_report(2020).set_index("adcode").at[KYQ, "state"] == "approved"
    # the league reviewer fills and submits its league: the region reviewer sees it, its author does not
    reporting.save_draft(people["xam_rev"], 2020, XAM, {("county_cadres", XAM): 50.0, ("hubs", XAM): 60.0})
    at = page("兴安盟审核员")
    assert "没有等待您审核的数据。" in texts(at)
    at = page("自治区审核员")
    assert "没有等待您审核的数据。" in texts(at)  # a draft is not a submission


def test_an_admin_opens_a_round_with_the_default_indicators(people):
    at = page("管理员")
    assert [t.label for t in at.tabs] == ["我的填报", "审核", "填报任务"]
    at.number_input(key="report_new_year").set_value(2020)
    at.run()
    inds = at.multiselect(key="report_new_inds_zh")
    assert inds.value == reporting.default_indicators(2020) and len(inds.value) == 23
    inds.set_value(["hubs"])
    at.date_input(key="report_new_deadline").set_value(dt.date(2021, 3, 31))
    at.text_area(key="report_new_note").input("请于3月底前上报")
    at = click(at, "report_open")
    assert flash(at) == ["已发起 2020 年度填报任务：1 个指标，截止日期 2021-03-31。"]
    rnd = reporting.get_round(2020)
    assert (rnd.indicators, rnd.deadline, rnd.note, rnd.opened_by) == (("hubs",), dt.date(2021, 3, 31),
                                                                       "请于3月底前上报", "管理员")
    at = click(at, "report_open")  # the same year again: the store's refusal
    assert flash(at) == ["**未能发起填报任务**\n\n- 2020 年的填报任务已经存在"]
    at = click(at, "report_close_2020")
    assert flash(at) == ["已关闭 2020 年度填报任务：不再接受填报和上报（重新打开的地区除外）。"]


@pytest.fixture
def downloads(monkeypatch):
    """{file name: the callable giving its bytes} of every deferred download the runs register."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen: dict[str, object] = {}
    add_deferred = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        if file_name:
            seen[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return seen


def sheet_cells(data: bytes) -> list[list]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [[ws.title, *[[c.value for c in row] for row in ws.iter_rows()]] for ws in wb.worksheets]


def test_the_report_template_is_the_reporting_template_prefilled(people, downloads):
    from nmgdash.ingest import reporting as file_reporting

    open_round(people)
    reporting.save_draft(people["xam"], 2020, XAM, {("hubs", KYQ): 12.0}, {("county_cadres", KYQ): "统计口径调整"})
    at = page("兴安盟填报员")
    assert [d.proto.label for d in at.get("download_button")] == ["下载填报模板"]
    data = downloads["2020年度填报_兴安盟.xlsx"]()
    # the very file of `python -m nmgdash report template --round 2020 --area 兴安盟`
    assert sheet_cells(data) == sheet_cells(file_reporting.build_template(2020, XAM))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.title == "填报表" and "在“数据管理”页上传" not in str(ws["A2"].value)
    head = [c.value for c in ws[4]]
    assert head[:2] == ["地区", "年份"] and head[-1] == "说明"
    rows = {r[0]: r for r in ws.iter_rows(min_row=5, values_only=True)}
    assert rows["科尔沁右翼前旗"][1:] == (2020, "暂缺", 12, "统计口径调整")  # the draft's values, the reason in 说明
    # filled in and uploaded, it fills the draft
    [kyq_row] = [r for r in ws.iter_rows(min_row=5) if r[0].value == "科尔沁右翼前旗"]
    kyq_row[2].value = 4
    out = io.BytesIO()
    ws.parent.save(out)
    file_reporting.save_file(people["xam"], 2020, out.getvalue(), "2020年度填报_兴安盟.xlsx")
    assert reporting.draft(2020, KYQ)[0].set_index("indicator_id")["value"].to_dict() == {"county_cadres": 4.0,
                                                                                          "hubs": 12.0}


def test_in_english_the_page_and_the_stores_refusals_are_english(people):
    open_round(people)
    at = page("科右前旗填报员", lang="en")
    assert [t.label for t in at.tabs] == ["My reports"]
    assert f"**Reporting round 2020** · deadline {DEADLINE.isoformat()}, 30 days left" in texts(at)
    assert grid(at).value["indicator"].tolist() == ["Seconded and part-time cadres at county level", "Qingnian Aili youth hubs"]
    edit(at, {0: {"value": 2.5}})
    at = click(at, "report_save_2020_152221")
    [msg] = flash(at)
    assert msg.startswith("**The draft was not saved**\n\n- 科尔沁右翼前旗") and "2.5" in msg, msg


def test_signed_out_the_sign_in_box_speaks_of_reporting(people):
    at = page()
    assert "**登录后才能填报或审核** 查看和下载不需要登录。" in texts(at)
    assert "导入或撤销" not in texts(at)  # the wording of 数据管理


def test_no_table_on_the_page_shows_none_for_an_empty_cell(people):
    open_round(people)
    at = page("兴安盟审核员")
    ed = grid(at)
    # last year's value, 暂缺原因, 说明, 提示 of the draft are empty: Streamlit draws them as the placeholder
    assert cells(ed.value["reason"]) == [None] * len(ed.value) == [None] * 14 and ed.proto.placeholder == "—"
    assert [d.proto.placeholder for d in at.data_editor] == ["—"] * len(at.data_editor)
    assert [d.proto.placeholder for d in at.dataframe] == ["—"] * len(at.dataframe)


def test_every_table_under_ui_has_a_placeholder():
    """Each st.dataframe / st.data_editor call under nmgdash/ui names a placeholder (else Streamlit
    draws an empty cell as "None")."""
    import ast
    from pathlib import Path

    missing = []
    for path in Path(__file__).resolve().parents[1].joinpath("nmgdash", "ui").rglob("*.py"):
        src = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(src)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("dataframe", "data_editor")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "st"
                    and "placeholder" not in (ast.get_source_segment(src, node) or "")):
                missing.append(f"{path.name}:{node.lineno}")
    assert missing == []


def test_in_english_units_and_area_names_are_english(people):
    open_round(people)
    at = page("兴安盟审核员", lang="en")
    assert "**Signed in as 兴安盟审核员 (reviewer, Hinggan League)**" in texts(at)  # the account's name as typed
    view = grid(at).value
    assert view["unit"].tolist()[:2] == ["persons", "hubs"] and set(view["unit"]) == {"persons", "hubs"}
    assert view["area"].tolist()[:2] == ["Hinggan League", "Hinggan League"] and "Wulanhaote City" in set(view["area"])
    assert at.selectbox(key="report_area_2020_en").options[0] == "Hinggan League"
