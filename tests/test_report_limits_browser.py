"""What the trial's reporter met on /report (填报与审核), in headless Chromium, every non-localhost
request blocked: values typed into the online grid beyond the rules (150 in a ratio, −5 in money) are
no longer dropped by the grid but refused on 保存草稿 with the server's message naming area and
indicator (nothing saved); the trial's huge.xlsx upload is refused naming file, sheet, row, column and
the bound. One server and one Chromium for the module. Screenshots: artifacts/report-limits/*.png
(1440, 1024 and 390 px). Skipped without Chromium unless NMGDASH_REQUIRE_BROWSER=1."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu
from test_report_browser import DEADLINE, PW, Walk, button, idle, main_text, store, type_cell, wait_text

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "artifacts" / "report-limits"
XAM = "152200"
INDS = ["township_fulltime", "village_orgs_committee_rate", "hub_activities", "grassroots_funding"]

SETUP = """
import json, sys
from nmgdash.storage import accounts, build, reporting
build.build_database()
accounts.create_account("管理员", sys.argv[2], "admin", "150000")
accounts.create_account("兴安盟填报员", sys.argv[2], "reporter", "152200")
reporting.open_round(accounts.get_account("管理员"), 2020, sys.argv[3], json.loads(sys.argv[1]))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A fresh server: own database and store, 兴安盟's reporter, round 2020 with :data:`INDS` open."""
    with bu.store_server(tmp_path_factory.mktemp("report-limits"), SETUP, json.dumps(INDS), PW,
                         DEADLINE.isoformat()) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    with bu.chromium() as b:
        yield b


def shots(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for w in (1440, 1024, 390):
        page.set_viewport_size({"width": w, "height": 1000})
        page.wait_for_timeout(400)
        page.locator("[data-testid=stAlert]").first.scroll_into_view_if_needed()  # the refusal shown
        page.screenshot(path=str(SHOTS / f"{name}-{w}.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.wait_for_timeout(400)


def test_out_of_range_grid_values_and_the_huge_file_are_refused_with_names(server, browser):
    base, env = server
    walk = Walk(browser, base)
    try:
        page = walk.page("兴安盟填报员")
        wait_text(page, "保存草稿")
        page.locator("[data-testid=stDataFrame]").nth(3).wait_for()
        page.set_viewport_size({"width": 1440, "height": 1800})  # every grid in view: a click reaches its cell
        # tables: the areas' states, then the grids count, percent, money; the value is the 5th shown
        # column. One edit per save: a click into another grid may only take the focus from the last.
        type_cell(page, 2, 0, 4, "150")
        button(page, "保存草稿")
        wait_text(page, "草稿未保存")
        assert "兴安盟“嘎查村（社区）团组织进入“两委”比例”：百分比必须在 0–100 之间（填写的是 150%）" in main_text(page)
        shots(page, "1-grid-percent-refused")
        button(page, "重新载入")
        type_cell(page, 3, 0, 4, "-5")
        button(page, "保存草稿")
        wait_text(page, "草稿未保存")
        assert "兴安盟“支持基层工作经费”：数值不能为负数（填写的是 -5万元）" in main_text(page)
        shots(page, "2-grid-money-refused")
        assert store(env, "f, _ = r.draft(2020, '152200'); print(int(f['value'].notna().sum()))").strip() == "0"

        wb = openpyxl.load_workbook(io.BytesIO(subprocess.run(
            [sys.executable, "-c", "import sys; from nmgdash.ingest import reporting as fr; "
             "sys.stdout.buffer.write(fr.build_template(2020, '152200'))"],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=120).stdout))
        ws = wb.active
        ws["C5"], ws["D5"], ws["E5"], ws["F5"] = 1e20, 99.99999, 1e308, 123456789012345
        path = SHOTS / "huge.xlsx"
        wb.save(path)
        page.locator("[data-testid=stExpander] summary").filter(has_text="用 Excel 填报").click()
        idle(page)
        drop = page.locator("[data-testid=stFileUploaderDropzoneInput]")
        drop.wait_for(state="attached")
        drop.set_input_files(str(path))
        wait_text(page, "用此文件填入草稿")
        button(page, "用此文件填入草稿")
        wait_text(page, "未填入草稿")
        text = main_text(page)
        assert "「huge.xlsx」工作表“填报表”第5行C列（C5）：数值超过上限：填写的是 1e+20人，上限为 1416929人" in text
        assert "「huge.xlsx」工作表“填报表”第5行D列（D5）：小数位数过多：99.99999% 超过 2 位小数" in text
        assert "「huge.xlsx」工作表“填报表”第5行F列（F5）：数值超过上限：填写的是 123456789012345万元，上限为 10000000万元" in text
        shots(page, "3-upload-refused")
    finally:
        walk.close()
