"""年度填报与审核 (issue 16): rounds, drafts, checks, review, publication, history and status in the
store (nmgdash.storage.reporting) and through the CLI, on SQLite and PostgreSQL; authorization of
every write function for every role and scope."""

from __future__ import annotations

import datetime as dt
import functools
import threading

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa

from nmgdash import cli
from nmgdash.ingest import reporting as file_reporting
from nmgdash.storage import accounts, build, reporting, transaction
from nmgdash.storage.accounts import NotPermitted
from nmgdash.storage.reporting import CannotSubmit, DraftChanged, DraftRejected, NeedsExplanation, ReviewRefused
from nmgdash.storage.store import engine as store_engine
from nmgdash.storage.store import schema

PW = "correct horse battery"
XAM, KYQ, BAOTOU = "152200", "152221", "150200"
#: 兴安盟's county-level units and the 2020 hubs each reports (科尔沁右翼前旗 first: 18 = +80 % on 2019's 10).
COUNTIES = {"152221": 18, "152201": 12, "152202": 13, "152222": 15, "152223": 16, "152224": 14}
DEADLINE = (dt.date.today() + dt.timedelta(days=30)).isoformat()


@pytest.fixture
def store(backend, tmp_path, monkeypatch):
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    return tmp_path


@functools.cache
def pw_hash() -> str:
    """One argon2 hash of PW for every account of this module (hashing is slow by design; no test here
    signs in, and a precomputed hash is what create_account takes for an adopted password)."""
    return accounts.hash_password(PW)


@pytest.fixture
def people(store):
    """An admin, the region's reviewer, 兴安盟's reviewer and reporter, 科尔沁右翼前旗's and 包头市's
    reporters; 2019 hubs of 兴安盟's counties imported (科尔沁右翼前旗: 10); a built database."""
    mk = functools.partial(accounts.create_account, password_hash=pw_hash())
    p = {"admin": mk("admin", PW, "admin", "150000"),
         "region": mk("自治区审核员", PW, "reviewer", "150000"),
         "xam_rev": mk("兴安盟审核员", PW, "reviewer", "兴安盟"),
         "xam": mk("兴安盟填报员", PW, "reporter", "兴安盟"),
         "kyq": mk("科右前旗填报员", PW, "reporter", "科尔沁右翼前旗"),
         "baotou": mk("包头市填报员", PW, "reporter", "包头市")}
    rows = pd.DataFrame({"indicator_id": "hubs", "adcode": list(COUNTIES), "year": 2019,
                         "value": [10.0, 11, 12, 13, 14, 12]})
    transaction.commit(rows, file_name="2019.xlsx", sha256="ab" * 32, user="operator", counts={"new": 6})
    return p


def n_events() -> int:
    with store_engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(schema.report_events)).scalar_one()


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def approved_row(adcode: str, year: int = 2020) -> tuple:
    with duckdb.connect(str(build.resolve()), read_only=True) as con:
        return con.execute(
            "SELECT o.value, o.status, s.title, s.publisher, o.locator FROM observations_best o "
            "JOIN sources s USING (source_id) WHERE o.indicator_id = 'hubs' AND o.adcode = ? AND o.year = ?",
            [adcode, year]).fetchone()


# --- rounds ------------------------------------------------------------------------------------------


def test_open_round_defaults_to_every_league_and_county_indicator_without_a_published_value(people):
    rnd = reporting.open_round(people["admin"], 2019, DEADLINE, note="请按口径填写")
    # 2019 has the bulletin's figures: every indicator but the two work-funding ones is published, so not asked
    assert rnd.indicators == ("league_work_funding", "county_work_funding") and rnd.note == "请按口径填写"
    rnd = reporting.open_round(people["admin"], 2020, DEADLINE)
    assert rnd.indicators == (
        "party_reports_heard", "party_instructions", "party_events_attended", "counties_staffed", "county_cadres", "county_new_posts", "townships_staffed", "township_fulltime",
        "township_parttime", "village_orgs_reelected", "village_orgs_committee_rate", "western_volunteers",
        "hubs", "hubs_cloud", "hub_activities", "hub_youth_covered", "grassroots_funding", "league_work_funding",
        "county_work_funding", "social_orgs", "orgs_rectified", "training_classes", "training_participants")
    assert (rnd.state, rnd.deadline.isoformat(), rnd.opened_by) == ("open", DEADLINE, "admin")
    with pytest.raises(reporting.ReportingError, match=r"^2020 年的填报任务已经存在$"):
        reporting.open_round(people["admin"], 2020, DEADLINE)
    with pytest.raises(reporting.ReportingError) as info:
        reporting.open_round(people["admin"], 2021, "31.3.2021")
    assert str(info.value) == "截止日期应写成 YYYY-MM-DD，如 2021-03-31，不是“31.3.2021”"
    with pytest.raises(reporting.ReportingError) as info:
        reporting.open_round(people["admin"], 2021, DEADLINE, ["hubs", "population", "nope"])
    assert info.value.lines == ["指标“常住人口”（population）只有全区数、属于基础数据或由看板计算，不能列入填报任务",
                                "未知指标：nope"]


@pytest.mark.parametrize("who", ["region", "xam_rev", "xam", "kyq"])
def test_only_admins_open_close_and_reopen(people, who):
    with pytest.raises(NotPermitted, match=r"^只有管理员可以发起填报任务$"):
        reporting.open_round(people[who], 2020, DEADLINE, ["hubs"])
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs"])
    with pytest.raises(NotPermitted, match=r"^只有管理员可以关闭填报任务$"):
        reporting.close_round(people[who], 2020)
    with pytest.raises(NotPermitted, match=r"^只有管理员可以重新打开已锁定的地区$"):
        reporting.reopen_area(people[who], 2020, KYQ, "更正")
    assert reporting.get_round(2020).state == "open"


def test_a_closed_round_takes_no_entries_until_an_admin_reopens_the_area(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs"])
    reporting.close_round(people["admin"], 2020)
    with pytest.raises(DraftRejected) as info:
        reporting.save_draft(people["kyq"], 2020, KYQ, {("hubs", KYQ): 11})
    assert info.value.lines == ["2020 年的填报任务已关闭，科尔沁右翼前旗不能再修改或上报；如需修改，请管理员重新打开该地区"]
    with pytest.raises(reporting.ReportingError, match=r"^请填写原因$"):
        reporting.reopen_area(people["admin"], 2020, KYQ, "  ")
    reporting.reopen_area(people["admin"], 2020, KYQ, "延期一周")
    reporting.save_draft(people["kyq"], 2020, KYQ, {("hubs", KYQ): 11})
    with pytest.raises(DraftRejected):  # only that area
        reporting.save_draft(people["xam"], 2020, "152201", {("hubs", "152201"): 11})
    st = reporting.status_report(2020).set_index("adcode")
    assert st.loc[KYQ, ["state_text", "reopened_by", "reopen_reason"]].tolist() == ["填报中", "admin", "延期一周"]


# --- entry -------------------------------------------------------------------------------------------


def test_values_are_checked_with_the_importers_rules_and_messages(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs", "village_orgs_committee_rate"])
    with pytest.raises(DraftRejected) as info:
        reporting.save_draft(people["xam"], 2020, XAM, {
            ("hubs", KYQ): 3.5, ("hubs", "152201"): -2, ("village_orgs_committee_rate", XAM): 120,
            ("village_orgs_committee_rate", KYQ): 50, ("hubs", "152202"): "十二"},
            unavailable={("hubs", "152222"): " "})
    assert info.value.lines == [
        "科尔沁右翼前旗“青年爱里”：数量必须是整数（填写的是 3.5个）",
        "乌兰浩特市“青年爱里”：数量不能为负数（填写的是 -2个）",
        "兴安盟“嘎查村（社区）团组织进入“两委”比例”：百分比必须在 0–100 之间（填写的是 120%）",
        "2020 年的填报任务没有要求科尔沁右翼前旗填报“嘎查村（社区）团组织进入“两委”比例”（village_orgs_committee_rate）",
        "阿尔山市“青年爱里”填写的“十二”不是数字",
        "科尔沁右翼中旗“青年爱里”标记为暂缺，请填写暂缺原因"]
    assert info.value.lines_en[0] == "科尔沁右翼前旗 '青年爱里': a count must be a whole number (entered: 3.5 个)"
    assert n_events() == 1  # only the round's opening
    frame, version = reporting.draft(2020, XAM)
    assert version == 0 and frame["value"].isna().all() and len(frame) == 1 + 6 + 1  # league: 2, counties: hubs


@pytest.mark.parametrize("call", ["save_league", "save_cell", "save_file", "explain", "submit", "approve", "return"])
def test_a_xinganmeng_reporter_cannot_write_baotou_by_any_function(people, call):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs"])
    reporting.save_draft(people["baotou"], 2020, BAOTOU, {("hubs", BAOTOU): 40})
    reporting.submit(people["baotou"], 2020, BAOTOU)
    before = n_events()
    xam = people["xam"]
    calls = {
        "save_league": lambda: reporting.save_draft(xam, 2020, "包头市", {("hubs", BAOTOU): 1}),
        "save_cell": lambda: reporting.save_draft(xam, 2020, XAM, {("hubs", XAM): 1, ("hubs", BAOTOU): 1}),
        "save_file": lambda: file_reporting.save_file(xam, 2020, "地区,年份,青年爱里（个）\n包头市,2020,1\n".encode(), "b.csv"),
        "explain": lambda: reporting.explain(xam, 2020, BAOTOU, "hubs", BAOTOU, "说明"),
        "submit": lambda: reporting.submit(xam, 2020, BAOTOU),
        "approve": lambda: reporting.approve(xam, 2020, BAOTOU),
        "return": lambda: reporting.return_(xam, 2020, BAOTOU, "不对"),
    }
    with pytest.raises(NotPermitted) as info:
        calls[call]()
    if call in ("approve", "return"):
        assert str(info.value) == ("账号“兴安盟填报员”不能审核包头市：只有上级（自治区审核盟市，盟市审核所辖旗县）"
                                   "的审核员或管理员可以审核")
    else:
        assert str(info.value) == "包头市不在您的填报范围（兴安盟）内"
    assert n_events() == before
    assert reporting.draft(2020, BAOTOU)[0]["value"].dropna().tolist() == [40.0]


@pytest.mark.parametrize(("who", "area", "ok"), [
    ("region", XAM, True), ("admin", XAM, True), ("xam_rev", XAM, False), ("xam", XAM, False),
    ("xam_rev", KYQ, True), ("region", KYQ, True), ("kyq", KYQ, False), ("xam", KYQ, False),
    ("xam_rev", BAOTOU, False),
])
def test_who_may_review_an_area(people, who, area, ok):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs"])
    reporting.save_draft(people["admin"], 2020, area, {("hubs", area): 12})
    reporting.submit(people["admin"], 2020, area)  # submitted by the admin, so the admin cannot review it
    if who == "admin":
        with pytest.raises(NotPermitted, match=r"^不能审核自己上报的数据（兴安盟）$"):
            reporting.approve(people[who], 2020, area)
        return
    if not ok:
        with pytest.raises(NotPermitted, match=f"^账号“{people[who].name}”不能审核"):
            reporting.return_(people[who], 2020, area, "请核对")
        return
    reporting.return_(people[who], 2020, area, "请核对")
    assert reporting.status_report(2020).set_index("adcode").at[area, "state_text"] == "已退回"


def test_nobody_approves_their_own_submission(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs"])
    rev = people["xam_rev"]  # a reviewer writes like a reporter in its scope, but cannot approve what it submitted
    reporting.save_draft(rev, 2020, KYQ, {("hubs", KYQ): 11})
    reporting.submit(rev, 2020, KYQ)
    with pytest.raises(NotPermitted, match=r"^不能审核自己上报的数据（科尔沁右翼前旗）$"):
        reporting.approve(rev, 2020, KYQ)
    with pytest.raises(NotPermitted, match=r"^不能审核自己上报的数据（科尔沁右翼前旗）$"):
        reporting.return_(rev, 2020, KYQ, "x")
    reporting.approve(people["region"], 2020, KYQ)  # another reviewer above it may


def test_a_stale_save_is_told_who_changed_which_cells(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs"])
    reporting.save_draft(people["xam"], 2020, XAM, {("hubs", KYQ): 11})
    _, v = reporting.draft(2020, XAM)
    _, v_county = reporting.draft(2020, KYQ)
    assert v == v_county > 0
    reporting.save_draft(people["kyq"], 2020, KYQ, {("hubs", KYQ): 15}, expected_version=v_county)
    with pytest.raises(DraftChanged) as info:
        reporting.save_draft(people["xam"], 2020, XAM, {("hubs", KYQ): 12, ("hubs", XAM): 80}, expected_version=v)
    assert [(c["actor"], c["indicator_id"], c["adcode"], c["old"], c["new"]) for c in info.value.changes] == [
        ("科右前旗填报员", "hubs", KYQ, "11", "15")]
    assert info.value.lines[1].startswith("  · 科右前旗填报员 于 ")
    assert info.value.lines[1].endswith(" 把科尔沁右翼前旗“青年爱里”由 11 改为 15")
    assert info.value.lines[0] == "您打开草稿后，其他人修改了以下数据，本次未保存。请重新载入草稿，核对后再保存："
    frame, v2 = reporting.draft(2020, XAM)
    assert v2 == info.value.version and frame.set_index("adcode").at[KYQ, "value"] == 15
    assert pd.isna(frame.set_index("adcode").at[XAM, "value"])  # nothing of the stale save was kept
    reporting.save_draft(people["xam"], 2020, XAM, {("hubs", XAM): 80}, expected_version=v2)


def test_twelve_league_reporters_saving_at_once_lose_nothing(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs"])
    leagues = build.read_data_csv("areas.csv").query("level == 'league'")["adcode"].tolist()
    reporters = [accounts.create_account(f"r{code}", PW, "reporter", code, password_hash=pw_hash()) for code in leagues]
    versions = {code: reporting.draft(2020, code)[1] for code in leagues}
    barrier, errors = threading.Barrier(len(leagues)), []

    def save(acc):
        try:
            barrier.wait()
            reporting.save_draft(acc, 2020, acc.scope, {("hubs", acc.scope): 100 + int(acc.scope[2:4])},
                                 expected_version=versions[acc.scope])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=save, args=(a,)) for a in reporters]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with store_engine.connect() as conn:
        got = dict(conn.execute(sa.select(schema.report_values.c.adcode, schema.report_values.c.value)).all())
    assert got == {code: 100 + int(code[2:4]) for code in leagues}
    assert (reporting.status_report(2020).query("level == 'league'")["state"] == "draft").all()


def test_league_figures_must_agree_with_its_counties(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs"])
    xam = people["xam"]
    reporting.save_draft(xam, 2020, XAM, {("hubs", c): v for c, v in COUNTIES.items()} | {("hubs", XAM): 80})
    with pytest.raises(CannotSubmit) as info:
        reporting.submit(xam, 2020, XAM)
    assert info.value.lines == ["兴安盟“青年爱里”2020 年填 80个，6 个旗县（市、区）合计 88个，两者应相等"]
    reporting.save_draft(xam, 2020, XAM, {("hubs", c): None for c in list(COUNTIES)[1:]} | {("hubs", XAM): 10})
    with pytest.raises(CannotSubmit) as info:
        reporting.submit(xam, 2020, XAM)
    assert info.value.lines == ["兴安盟“青年爱里”2020 年填 10个，已填的 1 个旗县（市、区）合计已达 18个，超过盟市数"]


def test_every_asked_value_needs_a_figure_or_a_reason(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs", "hubs_cloud"])
    with pytest.raises(CannotSubmit) as info:
        reporting.submit(people["kyq"], 2020, KYQ)
    assert info.value.lines == ["科尔沁右翼前旗“青年爱里”未填写：请填写数值，或标记暂缺并写明原因",
                                "科尔沁右翼前旗“入驻云平台的青年爱里”未填写：请填写数值，或标记暂缺并写明原因"]
    reporting.save_draft(people["kyq"], 2020, KYQ, {("hubs", KYQ): 11}, {("hubs_cloud", KYQ): "云平台未统计"})
    assert reporting.submit(people["kyq"], 2020, KYQ) == []
    hist = reporting.value_history(2020, "hubs_cloud", KYQ)
    assert hist[["actor", "action_text", "new"]].values.tolist() == [
        ["科右前旗填报员", "保存", "暂缺（云平台未统计）"], ["科右前旗填报员", "上报", None]]


# --- the whole cycle ---------------------------------------------------------------------------------


def test_the_whole_cycle_through_the_functions(people):
    p = people
    reporting.open_round(p["admin"], 2020, DEADLINE, ["hubs"], note="青年爱里数量")
    # the county reporter saves 18 (2019: 10, +80 %): submission asks for a 说明
    v = reporting.save_draft(p["kyq"], 2020, KYQ, {("hubs", KYQ): 18}, expected_version=0)
    with pytest.raises(NeedsExplanation) as info:
        reporting.submit(p["kyq"], 2020, KYQ)
    assert info.value.lines == ["有 1 个数值需要先填写说明才能上报：",
                                "  · 科尔沁右翼前旗“青年爱里”2020 年填 18个，比 2019 年（10个，已导入）增长 80%，超过±50%"]
    assert [(f.indicator_id, f.adcode, f.kind) for f in info.value.flags] == [("hubs", KYQ, "yoy")]
    reporting.explain(p["kyq"], 2020, KYQ, "hubs", KYQ, "新建8个嘎查村青年爱里")
    assert [f.explanation for f in reporting.submit(p["kyq"], 2020, KYQ)] == ["新建8个嘎查村青年爱里"]
    with pytest.raises(DraftRejected, match=r"^科尔沁右翼前旗已上报，等待审核，不能修改$"):
        reporting.save_draft(p["kyq"], 2020, KYQ, {("hubs", KYQ): 19}, expected_version=v)
    # 兴安盟's reviewer returns one value with a reason
    reporting.return_(p["xam_rev"], 2020, KYQ, "数量与台账不符", {("hubs", KYQ): "台账为14个，请核对"})
    frame, v = reporting.draft(2020, KYQ)
    assert frame[["state", "value", "comment", "explanation"]].values.tolist() == [
        ["returned", 18.0, "台账为14个，请核对", "新建8个嘎查村青年爱里"]]
    # the reporter corrects and resubmits (14: +40 %, no flag; the old 说明 goes with the old value)
    reporting.save_draft(p["kyq"], 2020, KYQ, {("hubs", KYQ): 14}, expected_version=v)
    assert reporting.submit(p["kyq"], 2020, KYQ) == []
    # bottom-up: the league cannot be approved before its counties
    reporting.save_draft(p["xam"], 2020, XAM, {("hubs", c): v for c, v in COUNTIES.items() if c != KYQ})
    for c in COUNTIES:
        if c != KYQ:
            reporting.submit(p["xam"], 2020, c)
    reporting.save_draft(p["xam"], 2020, XAM, {("hubs", XAM): sum(COUNTIES.values()) - 18 + 14})
    reporting.submit(p["xam"], 2020, XAM)
    with pytest.raises(ReviewRefused) as info:
        reporting.approve(p["region"], 2020, XAM)
    assert info.value.lines == ["兴安盟还有 6 个旗县（市、区）未审核通过：乌兰浩特市、阿尔山市、科尔沁右翼前旗、"
                                "科尔沁右翼中旗、扎赉特旗、突泉县；请先审核旗县"]
    for c in COUNTIES:
        reporting.approve(p["xam_rev"], 2020, c)
    with pytest.raises(DraftRejected, match=r"^科尔沁右翼前旗已审核，数据已锁定；如需修改，请管理员重新打开$"):
        reporting.save_draft(p["kyq"], 2020, KYQ, {("hubs", KYQ): 15})
    build.build_database()
    assert approved_row(XAM) is None and approved_row(KYQ)[:2] == (14.0, "approved")  # the league: not before it is approved
    reporting.approve(p["region"], 2020, XAM)
    build.build_database()
    assert approved_row(XAM) == (
        84.0, "approved", "2020年度填报：兴安盟", "填报：兴安盟填报员；审核：自治区审核员",
        "2020年度填报 · 兴安盟 · 填报人 兴安盟填报员 · 审核人 自治区审核员")
    assert approved_row(KYQ)[:2] == (14.0, "approved") and approved_row(KYQ)[3] == "填报：科右前旗填报员；审核：兴安盟审核员"
    st = reporting.status_report(2020).set_index("adcode")
    assert st.loc[XAM, ["state_text", "submitted_by", "approved_by", "timeliness_text"]].tolist() == [
        "已审核", "兴安盟填报员", "自治区审核员", "按时"]
    assert st.loc[KYQ, ["returned_by", "return_reason", "timeliness"]].tolist() == ["兴安盟审核员", "数量与台账不符", "on_time"]
    assert st.loc[BAOTOU, ["state_text", "timeliness_text"]].tolist() == ["未开始", "未到截止日期"]
    assert reporting.progress(2020)["text"] == "2020年：已审核 1/12 个盟市，逾期 0"
    late = reporting.progress(2020, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=40))
    assert late["text"] == "2020年：已审核 1/12 个盟市，逾期 11"
    hist = reporting.value_history(2020, "hubs", KYQ)
    assert hist[["actor", "action", "old", "new", "text"]].values.tolist() == [
        ["科右前旗填报员", "save", None, "18", None],
        ["科右前旗填报员", "explain", None, None, "新建8个嘎查村青年爱里"],
        ["科右前旗填报员", "submit", None, None, None],
        ["兴安盟审核员", "comment", None, None, "台账为14个，请核对"],
        ["兴安盟审核员", "return", None, None, "数量与台账不符"],
        ["科右前旗填报员", "save", "18", "14", None],
        ["科右前旗填报员", "submit", None, None, None],
        ["兴安盟审核员", "approve", None, None, None]]
    # an admin's reopening takes the league's values out of the build again
    with pytest.raises(reporting.ReportingError, match=r"^兴安盟已审核，请先重新打开兴安盟，再重新打开科尔沁右翼前旗$"):
        reporting.reopen_area(p["admin"], 2020, KYQ, "更正")
    reporting.reopen_area(p["admin"], 2020, XAM, "更正口径")
    build.build_database()
    assert approved_row(XAM) is None and approved_row(KYQ)[:2] == (14.0, "approved")


def test_the_whole_cycle_through_the_cli(people, tmp_path, capsys):
    def cli_(*argv):
        return run_cli(list(argv), capsys)

    code, out, err = cli_("round", "open", "2020", "--deadline", DEADLINE, "--indicators", "hubs", "--user", "兴安盟审核员")
    assert (code, err.strip()) == (1, "只有管理员可以发起填报任务")
    code, out, _ = cli_("round", "open", "2020", "--deadline", DEADLINE, "--indicators", "hubs", "--user", "admin")
    assert code == 0 and out.strip() == f"已发起 2020 年填报任务：1 个指标，截止 {DEADLINE}"
    f = tmp_path / "科右前旗.csv"
    f.write_text("地区,年份,青年爱里（个）\n科尔沁右翼前旗,2020,18\n", encoding="utf-8")
    code, out, _ = cli_("report", "save", str(f), "--user", "科右前旗填报员", "--round", "2020")
    assert code == 0 and out.strip() == "已保存到 2020 年草稿（科尔沁右翼前旗）"
    code, out, err = cli_("report", "submit", "--user", "科右前旗填报员", "--round", "2020")
    assert code == 2 and err.splitlines() == [
        "有 1 个数值需要先填写说明才能上报：",
        "  · 科尔沁右翼前旗“青年爱里”2020 年填 18个，比 2019 年（10个，已导入）增长 80%，超过±50%",
        "填写说明：python -m nmgdash report explain --user 用户名 --round 2020 --area 地区 --indicator 指标代码 --text 说明"]
    code, out, _ = cli_("report", "explain", "--user", "科右前旗填报员", "--round", "2020", "--indicator", "hubs",
                        "--text", "新建8个嘎查村青年爱里")
    assert code == 0
    code, out, _ = cli_("report", "submit", "--user", "科右前旗填报员", "--round", "2020")
    assert code == 0 and out.strip() == "已上报：科尔沁右翼前旗（2020 年）"
    code, _, err = cli_("report", "return", "--user", "兴安盟审核员", "--round", "2020", "--area", "科尔沁右翼前旗")
    assert (code, err.strip()) == (1, "请填写原因")
    code, out, _ = cli_("report", "return", "--user", "兴安盟审核员", "--round", "2020", "--area", "科尔沁右翼前旗",
                        "--reason", "数量与台账不符", "--value", "hubs=台账为14个，请核对")
    assert code == 0 and out.strip() == "已退回：科尔沁右翼前旗（2020 年）"
    f.write_text("地区,年份,青年爱里（个）\n科尔沁右翼前旗,2020,14\n", encoding="utf-8")
    assert cli_("report", "save", str(f), "--user", "科右前旗填报员", "--round", "2020")[0] == 0
    assert cli_("report", "submit", "--user", "科右前旗填报员", "--round", "2020")[0] == 0
    league = tmp_path / "兴安盟.csv"
    rows = [f"{accounts.area_name(c)},2020,{v}" for c, v in COUNTIES.items() if c != KYQ]
    league.write_text("地区,年份,青年爱里（个）\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert cli_("report", "save", str(league), "--user", "兴安盟填报员", "--round", "2020")[0] == 0
    for c in COUNTIES:
        if c != KYQ:
            assert cli_("report", "submit", "--user", "兴安盟填报员", "--round", "2020", "--area", c)[0] == 0
    for c in COUNTIES:
        code, out, err = cli_("report", "approve", "--user", "兴安盟审核员", "--round", "2020", "--area", c)
        assert code == 0, err
    league.write_text("地区,年份,青年爱里（个）\n兴安盟,2020,84\n", encoding="utf-8")
    assert cli_("report", "save", str(league), "--user", "兴安盟审核员", "--round", "2020")[0] == 0
    assert cli_("report", "submit", "--user", "兴安盟审核员", "--round", "2020", "--area", "兴安盟")[0] == 0
    code, out, err = cli_("report", "approve", "--user", "兴安盟审核员", "--round", "2020", "--area", "兴安盟")
    assert code == 1 and err.strip().startswith("账号“兴安盟审核员”不能审核兴安盟")
    code, out, _ = cli_("report", "approve", "--user", "自治区审核员", "--round", "2020", "--area", "兴安盟")
    assert code == 0 and out.strip() == "已审核通过：兴安盟（2020 年），看板将显示这些数据"
    assert approved_row(XAM)[:4] == (84.0, "approved", "2020年度填报：兴安盟", "填报：兴安盟审核员；审核：自治区审核员")
    code, out, _ = cli_("report", "status", "--round", "2020")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "2020年：已审核 1/12 个盟市，逾期 0"
    xam_line = next(line for line in lines if line.split()[:1] == ["兴安盟"])
    assert xam_line.split()[1:3] == ["已审核", "按时"] and "自治区审核员" in xam_line
    assert cli_("round", "close", "2020", "--user", "admin")[0] == 0
    assert reporting.get_round(2020).state == "closed"


def test_a_value_far_from_the_other_areas_needs_a_note(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs_cloud"])
    others = {"152201": 10, "152202": 12, "152222": 11}
    reporting.save_draft(people["xam"], 2020, XAM, {("hubs_cloud", c): v for c, v in others.items()}
                         | {("hubs_cloud", KYQ): 40})
    assert [(f.kind, f.text) for f in reporting.flags(2020, KYQ)] == [
        ("outlier", "科尔沁右翼前旗“入驻云平台的青年爱里”2020 年填 40个，远离其他 3 个旗县（市、区）的中位数 11个"
                    "（超过其 3 倍或不到其 3 分之一）")]
    assert reporting.flags(2020, "152201") == []  # 10 against 11.5 (12, 11, 40)
    with pytest.raises(NeedsExplanation):
        reporting.submit(people["kyq"], 2020, KYQ)
