"""年度填报与审核 (issue 16): rounds, drafts, checks, review, publication, history and status in the
store (nmgdash.storage.reporting) and through the CLI, on SQLite and PostgreSQL; authorization of
every write function for every role and scope."""

from __future__ import annotations

import datetime as dt
import threading

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa

from nmgdash import cli
from nmgdash.ingest import reporting as file_reporting
from nmgdash.reports import progress as progress_tables
from nmgdash.storage import accounts, build, queries, reporting, transaction
from nmgdash.storage.accounts import NotPermitted
from nmgdash.storage.reporting import CannotSubmit, DraftChanged, DraftRejected, NeedsExplanation, ReviewRefused
from nmgdash.storage.store import engine as store_engine
from nmgdash.storage.store import schema

PW = "correct horse battery"
XAM, KYQ, BAOTOU = "152200", "152221", "150200"
#: 兴安盟's county-level units and the 2020 hubs each reports (科尔沁右翼前旗 first: 18 = +80 % on 2019's 10).
COUNTIES = {"152221": 18, "152201": 12, "152202": 13, "152222": 15, "152223": 16, "152224": 14}
DEADLINE = (dt.date.today() + dt.timedelta(days=30)).isoformat()
#: One argon2 hash for every test account (hashing is deliberately slow: ~1 s each on this machine).
HASH = accounts.hash_password(PW)


def account(name: str, role: str, area: str) -> accounts.Account:
    """A new account with the password :data:`PW` (hashed once for the module)."""
    return accounts.create_account(name, PW, role, area, password_hash=HASH)


@pytest.fixture
def store(backend, tmp_path, monkeypatch):
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    return tmp_path


@pytest.fixture
def people(store):
    """An admin, the region's reviewer, 兴安盟's reviewer and reporter, 科尔沁右翼前旗's and 包头市's
    reporters; 2019 hubs of 兴安盟's counties imported (科尔沁右翼前旗: 10); a built database."""
    mk = lambda name, _pw, role, area: account(name, role, area)  # noqa: E731
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


@pytest.mark.parametrize("call", ["save_league", "save_cell", "save_file", "explain", "submit", "approve", "return",
                                  "reopen"])
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
        "reopen": lambda: reporting.reopen_area(xam, 2020, BAOTOU, "更正"),
    }
    with pytest.raises(NotPermitted) as info:
        calls[call]()
    if call == "reopen":
        assert str(info.value) == "只有管理员可以重新打开已锁定的地区"
    elif call in ("approve", "return"):
        assert str(info.value) == ("账号“兴安盟填报员”不能审核包头市：只有上级（自治区审核盟市，盟市审核所辖旗县）"
                                   "的审核员或管理员可以审核")
    elif call == "save_file":  # a file's rows are named (issue: out-of-scope rows lacked their row number)
        assert str(info.value) == "「b.csv」第2行：包头市不在您的填报范围（兴安盟）内"
    else:
        assert str(info.value) == "包头市不在您的填报范围（兴安盟）内"
    assert n_events() == before
    assert reporting.draft(2020, BAOTOU)[0]["value"].dropna().tolist() == [40.0]


#: Who may do what, written out (role → scope → the target areas it may act on), for the matrix below:
#: writing (save, explain, submit) — its scope and the areas below it, admins everywhere; reviewing
#: (approve, return) — the level directly above (the region's reviewers the leagues, a league's
#: reviewers its counties), admins any area; reopening — admins only.
TARGETS = (XAM, KYQ, BAOTOU)
SCOPES = ("150000", XAM, BAOTOU, KYQ)
ALL, NONE = frozenset(TARGETS), frozenset()
MAY = {
    "write": {"reporter": {"150000": {XAM, KYQ, BAOTOU}, XAM: {XAM, KYQ}, BAOTOU: {BAOTOU}, KYQ: {KYQ}},
              "reviewer": {"150000": {XAM, KYQ, BAOTOU}, XAM: {XAM, KYQ}, BAOTOU: {BAOTOU}, KYQ: {KYQ}},
              "admin": dict.fromkeys(SCOPES, ALL)},
    "review": {"reporter": dict.fromkeys(SCOPES, NONE),
               "reviewer": {"150000": {XAM, BAOTOU}, XAM: {KYQ}, BAOTOU: set(), KYQ: set()},
               "admin": dict.fromkeys(SCOPES, ALL)},
    "reopen": {"reporter": dict.fromkeys(SCOPES, NONE),
               "reviewer": dict.fromkeys(SCOPES, NONE),
               "admin": dict.fromkeys(SCOPES, ALL)},
}
KIND = {"save": "write", "explain": "write", "submit": "write", "approve": "review", "return": "review",
        "reopen": "reopen"}


def test_every_role_and_scope_against_every_write_function(people):
    """3 roles × 4 scopes (region, 兴安盟, 包头市, 科尔沁右翼前旗) × 3 areas × 6 functions: each call is
    refused (NotPermitted, nothing recorded) exactly where the table says; elsewhere it gets past the
    authorization (and may fail on the state: nothing was entered or submitted)."""
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs"])
    calls = {
        "save": lambda a, area: reporting.save_draft(a, 2020, area, {("hubs", area): None}),
        "explain": lambda a, area: reporting.explain(a, 2020, area, "hubs", area, "说明"),
        "submit": lambda a, area: reporting.submit(a, 2020, area),
        "approve": lambda a, area: reporting.approve(a, 2020, area),
        "return": lambda a, area: reporting.return_(a, 2020, area, "请核对"),
        "reopen": lambda a, area: reporting.reopen_area(a, 2020, area, "更正"),
    }
    got, want = {}, {}
    for role in ("reporter", "reviewer", "admin"):
        for scope in SCOPES:
            acc = account(f"{role}-{scope}", role, scope)
            for fn, call in calls.items():
                for area in TARGETS:
                    before = n_events()
                    try:
                        call(acc, area)
                        outcome = "allowed"
                    except NotPermitted:
                        outcome = "refused"
                        assert n_events() == before
                    except reporting.ReportingError:
                        outcome = "allowed"  # past the authorization: refused for the area's state
                    got[(role, scope, fn, area)] = outcome
                    want[(role, scope, fn, area)] = "allowed" if area in MAY[KIND[fn]][role][scope] else "refused"
                    assert reporting.may_review(acc, area) == (area in MAY["review"][role][scope])
    assert {k: v for k, v in got.items() if v != want[k]} == {}
    assert sum(v == "refused" for v in got.values()) == 96


def test_the_region_reviewer_cannot_review_a_county(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs"])
    reporting.save_draft(people["kyq"], 2020, KYQ, {("hubs", KYQ): 11})
    reporting.submit(people["kyq"], 2020, KYQ)
    for call in (reporting.approve, lambda *a: reporting.return_(*a, "请核对")):
        with pytest.raises(NotPermitted) as info:
            call(people["region"], 2020, KYQ)
        assert str(info.value) == ("账号“自治区审核员”不能审核科尔沁右翼前旗：只有上级（自治区审核盟市，盟市审核所辖旗县）"
                                   "的审核员或管理员可以审核")
    reporting.approve(people["admin"], 2020, KYQ)  # an admin may review any area
    assert reporting.status_report(2020).set_index("adcode").at[KYQ, "approved_by"] == "admin"


def test_nobody_approves_their_own_submission(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs"])
    rev = people["xam_rev"]  # a reviewer writes like a reporter in its scope, but cannot approve what it submitted
    reporting.save_draft(rev, 2020, KYQ, {("hubs", KYQ): 11})
    reporting.submit(rev, 2020, KYQ)
    with pytest.raises(NotPermitted, match=r"^不能审核自己上报的数据（科尔沁右翼前旗）$"):
        reporting.approve(rev, 2020, KYQ)
    with pytest.raises(NotPermitted, match=r"^不能审核自己上报的数据（科尔沁右翼前旗）$"):
        reporting.return_(rev, 2020, KYQ, "x")
    reporting.approve(people["admin"], 2020, KYQ)  # someone else who may review it may


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
    reporters = [account(f"r{code}", "reporter", code) for code in leagues]
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
    # versions: twelve distinct save events, each league's draft at its own one
    with store_engine.connect() as conn:
        saves = dict(conn.execute(sa.select(schema.report_events.c.adcode, schema.report_events.c.id)
                                  .where(schema.report_events.c.action == "save")).all())
    assert len(saves) == 12 and {code: reporting.draft(2020, code)[1] for code in leagues} == saves
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
        ["科右前旗填报员", "保存", "暂缺（云平台未统计）"], ["科右前旗填报员", "上报", ""]]


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
    # 填报进度 (queries/completeness.sql) counts approved values as reported, the league's and its counties'
    long = queries.run(duckdb.connect(str(build.resolve()), read_only=True), "completeness",
                       indicator_ids=["hubs"], year=2020)
    assert long.set_index("adcode").loc[XAM, ["status", "value", "counties_imported", "counties_total"]].tolist() == [
        "approved", 84.0, 6, 6]
    matrix, colours, summary = progress_tables.completeness_tables(
        long, build.read_data_csv("indicators.csv").set_index("indicator_id"), "zh")
    assert matrix.at["青年爱里（个）", "兴安盟"] == "已审核 · 旗县 6/6" and colours.at["青年爱里（个）", "兴安盟"] == "#a5d6a7"
    assert summary.set_index("盟市").loc["兴安盟", ["已审核", "已导入", "完成率"]].tolist() == [1, 0, "100%"]
    st = reporting.status_report(2020).set_index("adcode")
    assert st.loc[XAM, ["state_text", "submitted_by", "approved_by", "timeliness_text"]].tolist() == [
        "已审核", "兴安盟填报员", "自治区审核员", "按时"]
    # the return belongs to an earlier cycle once the area was submitted again
    assert st.loc[KYQ, ["returned_by", "returned_at", "return_reason", "timeliness"]].tolist() == ["", "", "", "on_time"]
    assert st.loc[BAOTOU, ["state_text", "timeliness_text"]].tolist() == ["未开始", "未到截止日期"]
    assert reporting.progress(2020)["text"] == "2020年：已审核 1/12 个盟市，逾期 0"
    late = reporting.progress(2020, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=40))
    assert late["text"] == "2020年：已审核 1/12 个盟市，逾期 11"
    hist = reporting.value_history(2020, "hubs", KYQ)
    assert hist[["actor", "action", "old", "new", "text"]].values.tolist() == [
        ["科右前旗填报员", "save", "", "18", ""],
        ["科右前旗填报员", "explain", "", "", "新建8个嘎查村青年爱里"],
        ["科右前旗填报员", "submit", "", "", ""],
        ["兴安盟审核员", "comment", "", "", "台账为14个，请核对"],
        ["兴安盟审核员", "return", "", "", "数量与台账不符"],
        ["科右前旗填报员", "save", "18", "14", ""],
        ["科右前旗填报员", "submit", "", "", ""],
        ["兴安盟审核员", "approve", "", "", ""]]
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
    code, out, _ = cli_("report", "template", str(tmp_path / "t.xlsx"), "--user", "科右前旗填报员", "--round", "2020")
    assert code == 0 and out.strip() == f"已生成 2020 年科尔沁右翼前旗的填报模板：{tmp_path / 't.xlsx'}"
    assert (tmp_path / "t.xlsx").read_bytes()[:2] == b"PK"
    code, _, err = cli_("report", "template", "--user", "科右前旗填报员", "--round", "2020", "--area", "包头市")
    assert (code, err.strip()) == (1, "包头市不在您的填报范围内")
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
        ("outlier", "科尔沁右翼前旗“入驻云平台的青年爱里”2020 年填 40家，远离其他 3 个旗县（市、区）的中位数 11家"
                    "（超过其 3 倍或不到其 3 分之一）")]
    assert reporting.flags(2020, "152201") == []  # 10 against 11.5 (12, 11, 40)
    with pytest.raises(NeedsExplanation):
        reporting.submit(people["kyq"], 2020, KYQ)


# --- deadlines ---------------------------------------------------------------------------------------


def test_days_left_and_the_deadline_text_use_beijing_days():
    rnd = reporting.Round(2020, dt.date(2021, 3, 31), ("hubs",), "", "open", "admin", "", None, None)
    at = lambda s: dt.datetime.fromisoformat(s)  # noqa: E731
    assert rnd.days_left(at("2021-03-26T03:00:00+00:00")) == 5
    assert rnd.deadline_text("zh", at("2021-03-26T03:00:00+00:00")) == "还剩 5 天"
    assert rnd.deadline_text("en", at("2021-03-26T03:00:00+00:00")) == "5 days left"
    assert rnd.deadline_text("zh", at("2021-03-31T15:59:00+00:00")) == "今天截止"  # 23:59 in Beijing
    assert rnd.deadline_text("zh", at("2021-03-31T16:00:00+00:00")) == "已逾期 1 天"  # 00:00 the next day
    assert rnd.days_late(at("2021-04-03T10:00:00+00:00")) == 3 and rnd.days_late(at("2021-03-30T00:00:00+00:00")) == 0


def test_a_late_entry_is_accepted_while_the_round_is_open_and_says_so(people, capsys):
    today = dt.datetime.now(reporting.REPORT_TZ).date()
    past = (today - dt.timedelta(days=3)).isoformat()
    reporting.open_round(people["admin"], 2020, past, ["hubs"])
    assert reporting.get_round(2020).deadline_text() == "已逾期 3 天"
    st = reporting.status_report(2020).set_index("adcode")
    assert st.loc[KYQ, ["timeliness", "timeliness_text"]].tolist() == ["overdue", "逾期未报"]
    saved = reporting.save_draft(people["kyq"], 2020, KYQ, {("hubs", KYQ): 11})
    assert saved == reporting.draft(2020, KYQ)[1] and saved.days_late == 3
    assert saved.notice == f"已逾期 3 天（截止日期 {past}）：仍然接受，填报进度中记为逾期"
    done = reporting.submit(people["kyq"], 2020, KYQ)
    assert done == [] and (done.days_late, done.notice) == (3, saved.notice)
    st = reporting.status_report(2020).set_index("adcode")
    assert st.loc[KYQ, ["state", "timeliness", "timeliness_text"]].tolist() == ["submitted", "late", "逾期上报"]
    assert reporting.progress(2020)["late"] == 12  # every league overdue (the totals count leagues only)
    code, out, _ = run_cli(["report", "status", "--round", "2020"], capsys)
    assert code == 0 and out.splitlines()[1] == f"截止日期 {past}（已逾期 3 天）"
    # a closed round refuses, except the areas an admin reopened
    reporting.close_round(people["admin"], 2020)
    with pytest.raises(DraftRejected, match=r"^2020 年的填报任务已关闭，包头市不能再修改或上报"):
        reporting.save_draft(people["baotou"], 2020, BAOTOU, {("hubs", BAOTOU): 40})
    reporting.reopen_area(people["admin"], 2020, BAOTOU, "延期")
    assert reporting.save_draft(people["baotou"], 2020, BAOTOU, {("hubs", BAOTOU): 40}).days_late == 3
    code, out, err = run_cli(["report", "submit", "--user", "包头市填报员", "--round", "2020"], capsys)
    assert (code, err, out.splitlines()) == (0, "", ["已上报：包头市（2020 年）", saved.notice])


def test_before_the_deadline_nothing_is_overdue_and_timeliness_is_the_first_submission(people):
    due = dt.date.today() + dt.timedelta(days=300)  # within the deadline horizon (settings)
    reporting.open_round(people["admin"], 2020, due.isoformat(), ["hubs"])
    before = dt.datetime(due.year, due.month, due.day, 15, 59, tzinfo=dt.UTC)  # 23:59 Beijing on the deadline day
    after = dt.datetime(due.year, due.month, due.day, 16, 0, tzinfo=dt.UTC)
    assert set(reporting.status_report(2020, now=before)["timeliness"]) == {"pending"}
    assert reporting.progress(2020, now=before)["text"] == "2020年：已审核 0/12 个盟市，逾期 0"
    assert set(reporting.status_report(2020, now=after)["timeliness"]) == {"overdue"}
    reporting.save_draft(people["kyq"], 2020, KYQ, {("hubs", KYQ): 11})
    reporting.submit(people["kyq"], 2020, KYQ)  # now: long before the deadline
    reporting.return_(people["xam_rev"], 2020, KYQ, "请核对")
    reporting.save_draft(people["kyq"], 2020, KYQ, {("hubs", KYQ): 12})
    reporting.submit(people["kyq"], 2020, KYQ)
    st = reporting.status_report(2020, now=after).set_index("adcode")
    assert st.loc[KYQ, "timeliness"] == "on_time"  # the first submission counts, not the resubmission


# --- resubmission after a return ---------------------------------------------------------------------


def test_a_returned_area_cannot_be_resubmitted_unchanged(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs", "hubs_cloud"])
    kyq = people["kyq"]
    reporting.save_draft(kyq, 2020, KYQ, {("hubs", KYQ): 11, ("hubs_cloud", KYQ): 5})
    reporting.submit(kyq, 2020, KYQ)
    reporting.return_(people["xam_rev"], 2020, KYQ, "请核对", {("hubs", KYQ): "与台账不符",
                                                              ("hubs_cloud", KYQ): "云平台为4个"})
    with pytest.raises(CannotSubmit) as info:
        reporting.submit(kyq, 2020, KYQ)
    assert info.value.lines == ["科尔沁右翼前旗被退回的 2 个数值自退回后既未修改也未补充说明：“青年爱里”、"
                                "“入驻云平台的青年爱里”；请修改数值或填写说明后再上报"]
    assert info.value.lines_en == ["科尔沁右翼前旗: 2 returned values were neither changed nor explained since the "
                                   "return: 'Qingnian Aili youth hubs', 'Qingnian Aili youth hubs on the cloud platform'; "
                                   "change them or write a note before submitting again"]
    reporting.save_draft(kyq, 2020, KYQ, {("hubs_cloud", KYQ): 4})  # one changed
    with pytest.raises(CannotSubmit) as info:
        reporting.submit(kyq, 2020, KYQ)
    assert info.value.lines == ["科尔沁右翼前旗被退回的 1 个数值自退回后既未修改也未补充说明：“青年爱里”；"
                                "请修改数值或填写说明后再上报"]
    reporting.explain(kyq, 2020, KYQ, "hubs", KYQ, "台账漏记3个，已核实为11个")  # the other explained
    reporting.submit(kyq, 2020, KYQ)
    # an overall return: any save or 说明 since will do
    reporting.return_(people["xam_rev"], 2020, KYQ, "口径不对")
    with pytest.raises(CannotSubmit) as info:
        reporting.submit(kyq, 2020, KYQ)
    assert info.value.lines == ["科尔沁右翼前旗退回后还没有任何修改或说明，请按退回原因（口径不对）修改后再上报"]
    reporting.save_draft(kyq, 2020, KYQ, {("hubs", KYQ): 11})  # the same value: no change, still refused
    with pytest.raises(CannotSubmit):
        reporting.submit(kyq, 2020, KYQ)
    reporting.explain(kyq, 2020, KYQ, "hubs", KYQ, "已按新口径核实")
    reporting.submit(kyq, 2020, KYQ)
    assert reporting.status_report(2020).set_index("adcode").at[KYQ, "state"] == "submitted"


# --- 暂缺 from a file ------------------------------------------------------------------------------


def test_a_file_marks_a_figure_unavailable_with_the_reason_in_its_note_column(people, tmp_path):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs", "hubs_cloud"])
    head = "地区,年份,青年爱里（个）,入驻云平台的青年爱里（个）,说明\n"
    with pytest.raises(DraftRejected) as info:
        file_reporting.save_file(people["kyq"], 2020, (head + "科尔沁右翼前旗,2020,11,暂缺,\n").encode(), "k.csv")
    assert info.value.lines == ["「k.csv」第2行D列（D2）：“入驻云平台的青年爱里”标记为暂缺（暂缺）但没有写原因，"
                                "请在同一行的“说明”或“原因”列写明暂缺原因"]
    assert n_events() == 1
    file_reporting.save_file(people["kyq"], 2020, (head + "科尔沁右翼前旗,2020,11,暂缺,云平台未统计\n").encode(), "k.csv")
    frame = reporting.draft(2020, KYQ)[0].set_index("indicator_id")
    assert frame.loc["hubs_cloud", ["value", "unavailable"]].fillna("NaN").tolist() == ["NaN", "云平台未统计"]
    assert frame.at["hubs", "value"] == 11 and frame.at["hubs", "unavailable"] == ""
    # the same in a workbook, with a 原因 column and the importer's other markers (—)
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["地区", "年份", "青年爱里（个）", "入驻云平台的青年爱里（个）", "原因"])
    ws.append(["科尔沁右翼前旗", 2020, "—", 6, "旗里正在重新统计"])
    path = tmp_path / "k.xlsx"
    wb.save(path)
    file_reporting.save_file(people["kyq"], 2020, path.read_bytes(), "k.xlsx")
    frame = reporting.draft(2020, KYQ)[0].set_index("indicator_id")
    assert frame.loc["hubs", "unavailable"] == "旗里正在重新统计" and pd.isna(frame.loc["hubs", "value"])
    assert frame.loc["hubs_cloud", ["value", "unavailable"]].tolist() == [6.0, ""]
    assert reporting.submit(people["kyq"], 2020, KYQ) == []
    assert reporting.value_history(2020, "hubs", KYQ)["new"].tolist()[-2:] == ["暂缺（旗里正在重新统计）", ""]


def test_the_reporting_template_holds_the_draft_and_uploads_back_unchanged(people):
    import io

    import openpyxl

    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs", "hubs_cloud", "league_work_funding"])
    reporting.save_draft(people["xam"], 2020, XAM, {("hubs", KYQ): 11, ("league_work_funding", XAM): 35.5},
                         {("hubs_cloud", KYQ): "云平台未统计"})
    data = file_reporting.build_template(2020, "兴安盟")
    assert file_reporting.template_file_name(2020, XAM) == "2020年度填报_兴安盟.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4, max_row=6)]
    assert ws["A1"].value == "2020 年度填报表：兴安盟"
    assert rows[0][:2] + rows[0][-1:] == ["地区", "年份", "说明"] and len(rows[0]) == 6
    assert rows[1] == ["兴安盟", 2020, None, None, 35.5, None]
    kyq_row = next([c.value for c in r] for r in ws.iter_rows(min_row=5) if r[0].value == "科尔沁右翼前旗")
    assert kyq_row == ["科尔沁右翼前旗", 2020, 11, "暂缺", None, "云平台未统计"]
    assert ws.cell(next(r[0].row for r in ws.iter_rows(min_row=5) if r[0].value == "科尔沁右翼前旗"), 5).fill.fgColor.rgb \
        == "00E0E0E0"  # a county is not asked the league-only indicator
    before = reporting.draft(2020, XAM)
    file_reporting.save_file(people["xam"], 2020, data, "2020年度填报_兴安盟.xlsx")
    after = reporting.draft(2020, XAM)
    assert after[1] == before[1]  # nothing changed: the same version
    pd.testing.assert_frame_equal(after[0], before[0])


# --- frames for the pages ----------------------------------------------------------------------------


def test_status_history_and_draft_frames_have_no_none(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs"])
    reporting.save_draft(people["kyq"], 2020, KYQ, {("hubs", KYQ): 11})
    reporting.submit(people["kyq"], 2020, KYQ)
    reporting.return_(people["xam_rev"], 2020, KYQ, "请核对")
    frames = {"status": reporting.status_report(2020), "history": reporting.value_history(2020, "hubs", KYQ),
              "draft": reporting.draft(2020, XAM)[0].drop(columns=["value", "last_year"])}
    for name, frame in frames.items():
        assert not frame.isna().any().any(), name
        assert not frame.map(lambda v: v is None or v == "None").any().any(), name
    st = frames["status"].set_index("adcode")
    assert st.loc[BAOTOU, ["submitted_by", "approved_at", "return_reason"]].tolist() == ["", "", ""]
    assert st.loc[KYQ, ["returned_by", "return_reason"]].tolist() == ["兴安盟审核员", "请核对"]


def test_inbox_and_scope_states(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hubs"])
    for c, v in COUNTIES.items():
        reporting.save_draft(people["xam"], 2020, c, {("hubs", c): v})
    reporting.save_draft(people["xam"], 2020, XAM, {("hubs", XAM): sum(COUNTIES.values())})
    reporting.explain(people["xam"], 2020, KYQ, "hubs", KYQ, "新建8个")
    for c in [KYQ, "152201", XAM]:
        reporting.submit(people["xam"], 2020, c)
    box = reporting.inbox("兴安盟审核员")
    assert box[["year", "adcode", "area_name", "submitted_by", "ready"]].values.tolist() == [
        [2020, "152201", "乌兰浩特市", "兴安盟填报员", True], [2020, KYQ, "科尔沁右翼前旗", "兴安盟填报员", True]]
    region = reporting.inbox(people["region"], 2020)
    assert region[["adcode", "ready", "waiting_for"]].values.tolist() == [
        [XAM, False, "乌兰浩特市、阿尔山市、科尔沁右翼前旗、科尔沁右翼中旗、扎赉特旗、突泉县"]]
    assert reporting.inbox("兴安盟填报员").empty and reporting.inbox("nobody").empty
    assert len(reporting.inbox("admin")) == 3  # an admin may review any area
    mine = reporting.scope_states(people["xam"], 2020, now=dt.datetime.now(dt.UTC))
    assert mine["adcode"].tolist()[0] == XAM and set(mine["adcode"]) == {XAM, *COUNTIES}
    assert mine.set_index("adcode").loc[[XAM, KYQ, "152202"], ["state", "may_write", "may_review"]].values.tolist() == [
        ["submitted", False, False], ["submitted", False, False], ["draft", True, False]]
    assert set(mine["deadline_text"]) == {"还剩 30 天"} and set(mine["days_left"]) == {30}
    rev = reporting.scope_states(people["xam_rev"], 2020).set_index("adcode")
    assert rev.loc[[XAM, KYQ], "may_review"].tolist() == [False, True]
    assert len(reporting.scope_states(people["kyq"], 2020)) == 1
    assert len(reporting.scope_states(people["admin"], 2020)) == len(reporting.areas_asked(reporting.get_round(2020)))


def test_restore_refuses_a_store_with_reporting_rows(store, tmp_path, capsys):
    from nmgdash.storage.store import backup

    archive = tmp_path / "empty.zip"
    backup.backup(archive)
    with store_engine.begin() as conn:
        conn.execute(sa.insert(schema.report_rounds).values(
            year=2020, deadline="2021-03-31", indicators=["hubs"], note="", state="open", opened_by="x", opened_at="t"))
    code, _, err = run_cli(["restore", str(archive)], capsys)
    assert code == 1 and err.strip() == ("恢复失败，数据存储未作任何修改：数据存储不是空的（已有 1 个填报任务、0 条填报记录），"
                                         "恢复只能导入到空的数据存储中")


# --- the operators' guide ----------------------------------------------------------------------------


def test_the_cli_walk_in_the_operators_guide_parses_and_uses_only_accounts_it_creates():
    import re
    import shlex
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "部署与运维.md").read_text(encoding="utf-8")
    section = text.split("### 年度填报命令行", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    parser, created, commands, approvals = cli.build_parser(), set(), [], []
    for line in block.splitlines():
        words = shlex.split(line.split(" | ", 1)[-1], comments=True)
        if not words:
            continue
        assert words[:3] == [".venv/bin/python", "-m", "nmgdash"], line
        args = parser.parse_args(words[3:])  # exits (fails the test) on a bad argument
        commands.append((args.command, args.action))
        if (args.command, args.action) == ("report", "approve"):
            approvals.append((args.user, args.area))
        if args.command == "user":
            created.add(args.name)
        elif getattr(args, "user", None):
            assert args.user in created, f"{args.user} is used before `user add` creates it: {line}"
    assert commands[:6] == [("user", "add")] * 5 + [("round", "open")]
    # bottom-up, each by the level directly above
    assert approvals == [("兴安盟审核", "科尔沁右翼前旗"), ("自治区审核", "兴安盟")]
    assert ("report", "reopen") in commands and commands[-1] == ("round", "close")
