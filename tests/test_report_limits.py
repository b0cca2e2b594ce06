"""Absurd values and nonsense rounds in the yearly reporting (填报与审核), on SQLite and PostgreSQL:
values not finite, above a physical bound (settings.VALUE_LIMITS, a league's census population) or with
more decimals than allowed are refused where they are written (save_draft: the grid and the CLI; the
Excel upload names file, sheet, row and column); a league value above the bulletin's region total is a
flag needing a 说明; a 暂缺 without a reason and an out-of-scope row are named by their cell / row; a
round's year and deadline must keep to settings' ranges (the CLI exits 2)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from nmgdash.core import settings
from nmgdash.core.rules import plain_number
from nmgdash.ingest import reporting as file_reporting
from nmgdash.storage import reporting
from nmgdash.storage.accounts import NotPermitted
from nmgdash.storage.reporting import DraftRejected, NeedsExplanation, RoundOutOfRange
from tests import test_reporting as base
from tests.test_reporting import DEADLINE, XAM, n_events, run_cli

store, people = base.store, base.people  # the fixtures of the reporting tests (accounts, 2019 hubs, database)

#: The trial's file: 兴安盟's row of the 2020 template with these four league-level indicators.
INDS = ["township_fulltime", "village_orgs_committee_rate", "hub_activities", "grassroots_funding"]


def template_with(year: int, cells: dict[str, object], extra_row: list | None = None) -> bytes:
    """The CLI's reporting template of 兴安盟 (``report template``) with ``cells`` (e.g. {"C5": 1e20}) set."""
    wb = openpyxl.load_workbook(io.BytesIO(file_reporting.build_template(year, XAM)))
    ws = wb.active
    for ref, v in cells.items():
        ws[ref] = v
    if extra_row:
        ws.append(extra_row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_trials_huge_file_is_refused_naming_each_cell_and_its_bound(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, INDS)
    data = template_with(2020, {"C5": 1e20, "D5": 99.99999, "E5": 1e308, "F5": 123456789012345})
    before = n_events()
    with pytest.raises(DraftRejected) as info:
        file_reporting.save_file(people["xam"], 2020, data, "huge.xlsx")
    where = "「huge.xlsx」工作表“填报表”第5行"
    assert info.value.lines == [
        f"{where}C列（C5）：数值超过上限：填写的是 1e+20人，上限为 1416929人（不能超过兴安盟2020年人口普查常住人口）",
        f"{where}D列（D5）：小数位数过多：99.99999% 超过 2 位小数，该类指标最多填写 2 位小数（不会自动四舍五入，请按实际数填写）",
        f"{where}E列（E5）：数值超过上限：填写的是 1e+308场次，上限为 10000000场次（一个盟市或旗县的计数上限）",
        f"{where}F列（F5）：数值超过上限：填写的是 123456789012345万元，上限为 10000000万元（一个盟市或旗县的资金上限，1000亿元）",
    ]
    assert n_events() == before  # nothing saved


def test_save_draft_refuses_what_the_grid_and_the_cli_send_naming_area_and_indicator(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, INDS)
    xam = people["xam"]
    before = n_events()
    with pytest.raises(DraftRejected) as info:
        reporting.save_draft(xam, 2020, XAM, {("village_orgs_committee_rate", XAM): 150,
                                              ("grassroots_funding", XAM): -5,
                                              ("hub_activities", XAM): float("inf"),
                                              ("township_fulltime", XAM): 1416930})
    assert info.value.lines == [
        "兴安盟“嘎查村（社区）团组织进入“两委”比例”：百分比必须在 0–100 之间（填写的是 150%）",
        "兴安盟“支持基层工作经费”：数值不能为负数（填写的是 -5万元）",
        "兴安盟“青年爱里开展活动”：数值必须是有限的数（填写的是 inf：无穷大或非数字），无法保存",
        "兴安盟“苏木乡镇专职团干部”：数值超过上限：填写的是 1416930人，上限为 1416929人（不能超过兴安盟2020年人口普查常住人口）",
    ]
    assert info.value.lines_en[3] == ("兴安盟 '苏木乡镇专职团干部': value above its upper bound: entered 1416930 人, the bound is "
                                      "1416929 人 (it cannot exceed 兴安盟's resident population in the 2020 census)")
    with pytest.raises(DraftRejected) as info:
        reporting.save_draft(xam, 2020, XAM, {("grassroots_funding", XAM): float("nan")})
    assert info.value.lines == ["兴安盟“支持基层工作经费”：数值必须是有限的数（填写的是 nan：无穷大或非数字），无法保存"]
    with pytest.raises(DraftRejected) as info:
        reporting.save_draft(xam, 2020, XAM, {("grassroots_funding", XAM): 12.345})
    assert info.value.lines == ["兴安盟“支持基层工作经费”：小数位数过多：12.345万元 超过 2 位小数，"
                                "该类指标最多填写 2 位小数（不会自动四舍五入，请按实际数填写）"]
    assert n_events() == before


def test_values_at_the_bounds_round_trip_exactly_for_reporter_and_reviewer(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, INDS)
    typed = {"township_fulltime": 1416929, "village_orgs_committee_rate": 99.99, "hub_activities": 10_000_000,
             "grassroots_funding": 9999999.99}
    reporting.save_draft(people["xam"], 2020, XAM, {(i, XAM): v for i, v in typed.items()})
    frame, _ = reporting.draft(2020, XAM)
    got = {r.indicator_id: plain_number(r.value) for r in frame.itertuples()}
    assert got == {"township_fulltime": "1416929", "village_orgs_committee_rate": "99.99",
                   "hub_activities": "10000000", "grassroots_funding": "9999999.99"}
    # the reviewer's view of the values and the Excel template read the same stored numbers
    wb = openpyxl.load_workbook(io.BytesIO(file_reporting.build_template(2020, XAM)))
    assert [c.value for c in wb.active[5][2:6]] == [1416929, 99.99, 10000000, 9999999.99]
    assert settings.VALUE_LIMITS["money"] / 10_000 == 10_000_000  # 1000亿元 in 万元


def test_a_league_value_above_the_bulletins_region_total_needs_a_note(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, ["hub_activities"])
    xam = people["xam"]
    reporting.save_draft(xam, 2020, XAM, {("hub_activities", XAM): 20000})
    with pytest.raises(NeedsExplanation) as info:
        reporting.submit(xam, 2020, XAM)
    texts = {f.kind: f.text for f in info.value.flags}
    assert texts["region_total"] == ("兴安盟“青年爱里开展活动”2020 年填 20000场次，超过公报中全区 2019 年的合计 18200场次："
                                     "一个地区的数通常不会超过全区合计")
    for f in info.value.flags:
        reporting.explain(xam, 2020, XAM, f.indicator_id, f.adcode, "含全盟各旗县活动，已核实")
    assert "region_total" in {f.kind for f in reporting.submit(xam, 2020, XAM)}


def test_a_file_with_only_missing_markers_and_no_reason_names_each_cell(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, INDS)
    with pytest.raises(DraftRejected) as info:
        file_reporting.save_file(people["xam"], 2020, template_with(2020, {"C5": "暂缺", "E5": "—"}),
                                 "missing_noreason.xlsx")
    where = "「missing_noreason.xlsx」工作表“填报表”第5行"
    assert info.value.lines == [
        f"{where}C列（C5）：“苏木乡镇专职团干部”标记为暂缺（暂缺）但没有写原因，请在同一行的“说明”或“原因”列写明暂缺原因",
        f"{where}E列（E5）：“青年爱里开展活动”标记为暂缺（—）但没有写原因，请在同一行的“说明”或“原因”列写明暂缺原因",
    ]


def test_an_out_of_scope_row_of_a_file_is_named_by_its_row(people):
    reporting.open_round(people["admin"], 2020, DEADLINE, INDS)
    data = template_with(2020, {"C5": 12, "E5": 5000}, ["包头市", 2020, 5])
    with pytest.raises(NotPermitted) as info:
        file_reporting.save_file(people["xam"], 2020, data, "otherleague.xlsx")
    assert info.value.lines == ["「otherleague.xlsx」工作表“填报表”第6行：包头市不在您的填报范围（兴安盟）内"]


def test_rounds_keep_to_the_year_and_deadline_ranges(people):
    admin = people["admin"]
    last = dt.date.today().year + settings.REPORT_YEARS_AHEAD
    cases = [(-5, "1990-01-01", f"填报年份 -5 不在允许范围内：应为 2017–{last} 年（数据从 2017 年开始，最晚可发起下一年的任务）"),
             (3000, "1990-01-01", f"填报年份 3000 不在允许范围内：应为 2017–{last} 年（数据从 2017 年开始，最晚可发起下一年的任务）"),
             (2020, "2020-12-31", "2020 年的填报任务截止日期 2020-12-31 太早：年度数据要在该年结束后才能填报，截止日期不能早于 2021-01-01")]
    for year, deadline, text in cases:
        with pytest.raises(RoundOutOfRange) as info:
            reporting.open_round(admin, year, deadline, ["hubs"])
        assert info.value.lines == [text]
    latest = max(dt.date(2021, 12, 31), dt.datetime.now(reporting.REPORT_TZ).date()
                 + dt.timedelta(days=settings.REPORT_DEADLINE_HORIZON_DAYS))
    too_late = latest + dt.timedelta(days=1)
    with pytest.raises(RoundOutOfRange) as info:
        reporting.open_round(admin, 2020, too_late, ["hubs"])
    assert info.value.lines == [f"2020 年的填报任务截止日期 {too_late} 太晚：不能晚于 {latest}（2020 年的下一年年底或今天起一年内，以较晚者为准）"]
    assert reporting.list_rounds() == []
    assert reporting.open_round(admin, 2020, "2021-01-01", ["hubs"]).deadline == dt.date(2021, 1, 1)
    assert reporting.open_round(admin, 2017, latest, ["hubs"]).deadline == latest


def test_the_cli_refuses_nonsense_rounds_with_exit_2(people, capsys):
    last = dt.date.today().year + settings.REPORT_YEARS_AHEAD
    for argv, year in ([["round", "open", "-5", "--deadline", "1990-01-01"], -5],
                       [["round", "open", "3000", "--deadline", "1990-01-01"], 3000],
                       [["round", "open", "1999"], 1999]):
        code, out, err = run_cli(argv, capsys)
        assert (code, out) == (2, "")
        assert err.strip() == f"填报年份 {year} 不在允许范围内：应为 2017–{last} 年（数据从 2017 年开始，最晚可发起下一年的任务）"
    code, _, err = run_cli(["round", "open", "2020", "--deadline", "2020-06-30"], capsys)
    assert code == 2 and "截止日期不能早于 2021-01-01" in err
    assert reporting.list_rounds() == []
