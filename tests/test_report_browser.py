"""Issue 16's browser walk on 填报与审核 (/report) in headless Chromium, every non-localhost request
blocked: the admin opens round 2020 (青年爱里) with a deadline → 科尔沁右翼前旗's reporter fills the
grid, the value jumps 80 % and 上报 asks for its 说明 → explains and submits → 兴安盟's reviewer
returns it with a per-value comment and a reason → the reporter corrects and resubmits → 兴安盟's
reviewer approves the county (兴安盟's other five counties are filled, submitted and approved through
the store functions meanwhile), fills and submits 兴安盟's own figure → the region reviewer approves.
Then twelve league reporters, each in its own browser page (its own Streamlit session), save their
drafts at the same moment: all twelve values are in the store.

One server (own database, store and an empty secrets file) and one Chromium for the module.
Screenshots of every step: artifacts/report-walk/<n>-<step>.png, each tab also at 1024 and 390 px.
Skipped without Chromium unless NMGDASH_REQUIRE_BROWSER=1."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu
from test_browser import Offline

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "artifacts" / "report-walk"
PW = "Tuanwei-2020!"
#: The round's deadline, typed into the date field: 40 days from today in Beijing time.
DEADLINE = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date() + dt.timedelta(days=40)
KYQ, XAM = "152221", "152200"
#: 兴安盟's other county-level units and their 2020 hubs (2019: 11, 12, 13, 14, 12: no flag).
OTHERS = {"152201": 12, "152202": 13, "152222": 15, "152223": 16, "152224": 14}
LEAGUES = ["150100", "150200", "150300", "150400", "150500", "150600", "150700", "150800", "150900", "152200",
           "152500", "152900"]
PEOPLE = [("管理员", "admin", "150000"), ("自治区审核员", "reviewer", "150000"), ("兴安盟审核员", "reviewer", XAM),
          ("兴安盟填报员", "reporter", XAM), ("科右前旗填报员", "reporter", KYQ)] + \
         [(f"填报员{code}", "reporter", code) for code in LEAGUES]

SETUP = """
import json, sys
import pandas as pd
from nmgdash.storage import accounts, build, transaction
build.build_database()
for name, role, area in json.loads(sys.argv[1]):
    accounts.create_account(name, sys.argv[2], role, area)
rows = pd.DataFrame({"indicator_id": "hubs", "adcode": ["152221", "152201", "152202", "152222", "152223", "152224"],
                     "year": 2019, "value": [10.0, 11, 12, 13, 14, 12]})
transaction.commit(rows, file_name="2019.xlsx", sha256="ab" * 32, user="operator", counts={"new": 6})
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A fresh server: own database and store with the walk's accounts and 2019 county hubs, no secrets users."""
    with bu.store_server(tmp_path_factory.mktemp("report-browser"), SETUP, json.dumps(PEOPLE), PW) as served:
        yield served


def store(env: dict, code: str) -> str:
    """Run ``code`` against the server's store (``r`` = nmgdash.storage.reporting, ``acc(name)``); its stdout."""
    prelude = ("from nmgdash.storage import reporting as r\nfrom nmgdash.storage.accounts import get_account as acc\n")
    out = subprocess.run([sys.executable, "-c", prelude + code], cwd=ROOT, env=env, check=True, timeout=120,
                         capture_output=True, text=True)
    return out.stdout


@pytest.fixture(scope="module")
def browser():
    with bu.chromium() as b:
        yield b


class Walk:
    def __init__(self, browser, base: str) -> None:
        self.browser, self.base, self.off, self.n = browser, base, Offline(), 0
        self.contexts = []
        SHOTS.mkdir(parents=True, exist_ok=True)

    def context_page(self, width: int = 1440):
        """A page in a new browser context (its own cookies: its own Streamlit session), offline."""
        ctx = self.browser.new_context(viewport={"width": width, "height": 1000}, locale="zh-CN")
        ctx.set_default_timeout(60_000)
        ctx.route("**/*", self.off.route)
        self.contexts.append(ctx)
        return ctx.new_page()

    def page(self, name: str, width: int = 1440):
        """A new browser context signed in as ``name`` on /report."""
        page = self.context_page(width)
        bu.open_page(page, f"{self.base}/report")
        page.get_by_label("用户名", exact=True).fill(name)
        page.get_by_label("口令", exact=True).fill(PW)
        page.get_by_role("button", name="登录", exact=True).click()
        wait_text(page, f"已登录：{name}")
        return page

    def shot(self, page, name: str, widths=(1440,)) -> None:
        self.n += 1
        for w in widths:
            if w != 1440:
                page.set_viewport_size({"width": w, "height": 1000})
                page.wait_for_timeout(400)
            suffix = "" if w == 1440 else f"-{w}"
            page.screenshot(path=str(SHOTS / f"{self.n:02d}-{name}{suffix}.png"), full_page=True)
        if widths != (1440,):
            page.set_viewport_size({"width": 1440, "height": 1000})
            page.wait_for_timeout(400)

    def close(self) -> None:
        if sys.exc_info()[0] is not None:  # a failing step: what each page showed
            for i, ctx in enumerate(self.contexts):
                for page in ctx.pages:
                    page.screenshot(path=str(SHOTS / f"failed-{i}.png"), full_page=True)
        for ctx in self.contexts:
            ctx.close()


def main_text(page) -> str:
    return page.locator("[data-testid=stMain]").inner_text()


def wait_text(page, text: str, timeout_ms: int = 30_000) -> None:
    try:
        page.wait_for_function("t => document.querySelector('[data-testid=stMain]').innerText.includes(t)",
                               arg=text, timeout=timeout_ms)
    except Exception:
        raise AssertionError(f"{text!r} not on the page:\n{main_text(page)[:3000]}") from None
    idle(page)


def idle(page) -> None:
    page.wait_for_timeout(250)
    bu.wait_idle(page)
    assert not bu.exceptions(page), bu.exceptions(page)


def tab(page, label: str) -> None:
    page.get_by_role("tab", name=label, exact=True).click()
    idle(page)


def button(page, label: str) -> None:
    page.locator("[data-testid=stMain]").get_by_role("button", name=label, exact=True).first.click()
    idle(page)


def type_cell(page, grid: int, row: int, col: int, text: str) -> None:
    """Type ``text`` into the cell (``row``, ``col``: 0-based, data rows) of the ``grid``-th data editor,
    as a user does: click the first cell of the row, arrow right, type, Enter."""
    table = page.locator("[data-testid=stDataFrame]:visible").nth(grid)
    for _ in range(3):  # on a loaded machine the editor may open after the first keys: type again
        table.scroll_into_view_if_needed()
        box = table.bounding_box()
        page.mouse.click(box["x"] + 20, box["y"] + 35 + 35 * row + 17)
        page.wait_for_timeout(300)  # the grid takes the focus
        for _ in range(col):
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(50)
        page.keyboard.press("Enter")  # opens the cell's editor
        page.wait_for_timeout(200)
        page.keyboard.type(text, delay=30)
        page.keyboard.press("Enter")  # commits the edit
        page.wait_for_timeout(300)
        idle(page)
        if cell_text(table, row, col) == text:  # the grid's accessible table holds what was typed
            return
    raise AssertionError(f"the cell ({row}, {col}) of grid {grid} shows {cell_text(table, row, col)!r}, not {text!r}")


def cell_text(table, row: int, col: int) -> str:
    """The text of data cell (``row``, ``col``) in the accessible table the grid keeps beside its canvas."""
    return table.evaluate("""(t, [r, c]) => { const tr = t.querySelectorAll('table tbody tr')[r];
        const td = tr && tr.querySelectorAll('td')[c]; return td ? td.innerText.trim() : null; }""", [row, col])


def test_the_reporting_walk(server, browser):
    base, env = server
    w = Walk(browser, base)
    try:
        # 1. the admin opens round 2020 (青年爱里 only) with a deadline
        admin = w.page("管理员")
        tab(admin, "填报任务")
        year = admin.get_by_label("年度", exact=True)
        year.fill("2020")
        year.press("Enter")
        idle(admin)
        inds = admin.locator("[data-testid=stMain] [data-testid=stMultiSelect] input").first
        inds.click()
        for _ in range(30):  # the 23 default indicators of 2020, removed as a user does
            inds.press("Backspace")
        inds.fill("青年爱里")
        admin.get_by_role("option", name="青年爱里", exact=True).click()
        admin.keyboard.press("Escape")
        admin.get_by_label("截止日期", exact=True).get_by_role("spinbutton").first.click()
        admin.keyboard.type(DEADLINE.strftime("%Y%m%d"))  # year, month, day segments, as typed
        admin.keyboard.press("Tab")
        admin.get_by_label("任务说明（显示给填报人）", exact=True).fill("请各地按口径填写青年爱里数量")
        idle(admin)
        w.shot(admin, "admin-round-form", (1440, 1024, 390))
        button(admin, "发起")
        wait_text(admin, f"已发起 2020 年度填报任务：1 个指标，截止日期 {DEADLINE.isoformat()}。")
        w.shot(admin, "admin-round-opened")

        # 2. 科尔沁右翼前旗's reporter fills online: 18 hubs, +80 % on 2019's 10
        kyq = w.page("科右前旗填报员")
        wait_text(kyq, f"截止日期 {DEADLINE.isoformat()}，还剩 40 天")
        type_cell(kyq, 1, 0, 4, "18")  # grid 0 is the states table; value is the 5th column
        w.shot(kyq, "county-grid-filled", (1440, 1024, 390))
        button(kyq, "上报")
        wait_text(kyq, "有 1 个数值需要先写说明才能上报，请在下方填写后再上报。")
        flag = "科尔沁右翼前旗“青年爱里”2020 年填 18个，比 2019 年（10个，已导入）增长 80%，超过±50%"
        assert flag in main_text(kyq)
        w.shot(kyq, "county-submit-asks-note")
        # 3. explains and submits
        kyq.get_by_placeholder("说明变化的原因，如口径调整、新建阵地等").fill("新建 8 个青年爱里")
        button(kyq, "保存说明并上报")
        wait_text(kyq, "已上报科尔沁右翼前旗 2020 年的数据（1 个数值附说明），等待上级审核。")
        w.shot(kyq, "county-submitted")

        # 4. 兴安盟's reviewer returns the value with a reason
        rev = w.page("兴安盟审核员")
        tab(rev, "审核")
        wait_text(rev, "等待您审核：1 项")
        assert "待审核" in main_text(rev)
        type_cell(rev, 1, 0, 7, "请核实新建数量")  # grid 0: the waiting list; comment is the 8th column
        rev.get_by_label("退回原因（退回时必填）", exact=True).fill("青年爱里数量与台账不符")
        idle(rev)
        w.shot(rev, "league-review", (1440, 1024, 390))
        button(rev, "退回")
        wait_text(rev, "已退回科尔沁右翼前旗 2020 年的数据（1 条逐项意见），填报人修改后可重新上报。")
        w.shot(rev, "league-returned")

        # 5. the reporter sees why, corrects (15: +50 %, no note needed) and resubmits
        button(kyq, "重新载入")
        wait_text(kyq, "原因：青年爱里数量与台账不符")
        assert "请核实新建数量" in main_text(kyq)
        w.shot(kyq, "county-sees-return")
        type_cell(kyq, 1, 0, 4, "15")
        button(kyq, "上报")
        wait_text(kyq, "已上报科尔沁右翼前旗 2020 年的数据（0 个数值附说明），等待上级审核。")
        w.shot(kyq, "county-resubmitted")

        # 兴安盟's other counties report meanwhile (through the store functions)
        store(env, f"""
for code, v in {OTHERS!r}.items():
    r.save_draft(acc("兴安盟填报员"), 2020, code, {{("hubs", code): float(v)}})
    r.submit(acc("兴安盟填报员"), 2020, code)
    r.approve(acc("兴安盟审核员"), 2020, code)
""")
        # 6. the league reviewer approves the county, then fills and submits 兴安盟's own figure
        tab(rev, "我的填报")
        tab(rev, "审核")
        wait_text(rev, "等待您审核：1 项")
        button(rev, "审核通过")
        wait_text(rev, "已审核通过科尔沁右翼前旗 2020 年的数据，看板刷新后显示为“已审核”。")
        w.shot(rev, "league-approved-county")
        tab(rev, "我的填报")
        wait_text(rev, "人数、个数等（整数，不小于 0）")  # 兴安盟's own grid (the default area)
        type_cell(rev, 1, 0, 5, str(15 + sum(OTHERS.values())))  # with the area column first: 6th column
        button(rev, "上报")
        wait_text(rev, "已上报兴安盟 2020 年的数据（0 个数值附说明），等待上级审核。")
        w.shot(rev, "league-submitted", (1440, 1024, 390))

        # 7. the region reviewer approves 兴安盟
        region = w.page("自治区审核员")
        tab(region, "审核")
        wait_text(region, "等待您审核：1 项")
        w.shot(region, "region-review")
        button(region, "审核通过")
        wait_text(region, "已审核通过兴安盟 2020 年的数据，看板刷新后显示为“已审核”。")
        w.shot(region, "region-approved")
        status = store(env, "print(r.progress(2020)['text']); "
                            "s = r.status_report(2020).set_index('adcode'); print(s.at['152200', 'timeliness'])")
        assert status.split("\n")[:2] == ["2020年：已审核 1/12 个盟市，逾期 0", "on_time"]

        # 8. the 青年爱里 map for 2020 shows 兴安盟's figure as 已审核, reporter and reviewer in the hover
        viewer = w.context_page()
        bu.open_page(viewer, f"{w.base}/hubs?year=2020")
        wait_text(viewer, "2020年：已审核 1/12 个盟市")
        bu.wait_map(viewer, min_fills=1)
        hover = bu.hover_area(viewer, XAM)
        assert "已审核" in hover and "填报人 兴安盟审核员" in hover and "审核人 自治区审核员" in hover, hover
        w.shot(viewer, "hubs-2020-approved")

        # 9. 填报进度: 1/12 approved, on time; the sign-off sheet of 兴安盟 downloads
        prog = w.context_page()
        bu.open_page(prog, f"{w.base}/progress")
        wait_text(prog, "2020年：已审核 1/12 个盟市，逾期 0")
        w.shot(prog, "progress")
        with prog.expect_download() as dl:
            prog.get_by_role("button", name="下载签发页（Excel，可打印）").click()
        name = dl.value.suggested_filename
        assert name.startswith("2020年度报表签发页_") and name.endswith(".xlsx"), name
        assert dl.value.path().read_bytes()[:2] == b"PK"
        assert not w.off.blocked, w.off.blocked
    finally:
        w.close()


def test_twelve_league_reporters_save_at_the_same_moment(server, browser):
    base, env = server
    store(env, f"r.open_round('operator', 2021, '{DEADLINE.isoformat()}', ['hub_activities'])")
    w = Walk(browser, base)
    w.n = 100
    try:
        pages = {code: w.context_page() for code in LEAGUES}
        for page in pages.values():  # twelve sessions load at once
            page.goto(f"{base}/report", wait_until="domcontentloaded")
        for code, page in pages.items():
            idle(page)
            page.get_by_label("用户名", exact=True).fill(f"填报员{code}")
            page.get_by_label("口令", exact=True).fill(PW)
            page.get_by_label("口令", exact=True).press("Enter")
        for i, page in enumerate(pages.values()):
            wait_text(page, "2021 年度填报任务")
            type_cell(page, 1, 0, 4, str(100 + i))  # the league's own (only) row, typed but not saved yet
        # every page clicks 保存草稿 at the same wall-clock moment
        at = int(dt.datetime.now().timestamp() * 1000) + 1500
        for page in pages.values():
            page.evaluate("""at => { const b = [...document.querySelectorAll('[data-testid=stMain] button')]
                                         .find(b => b.innerText.trim() === '保存草稿');
                                     setTimeout(() => b.click(), at - Date.now()); }""", at)
        for code, page in pages.items():
            wait_text(page, f"已保存{store_name(code)}的草稿：1 个数值、0 条说明。")
        w.shot(pages[XAM], "twelve-saved")
        saved = json.loads(store(env, f"""
import json
out = {{}}
for code in {LEAGUES!r}:
    f, _ = r.draft(2021, code)
    out[code] = float(f.set_index('adcode').at[code, 'value'])
print(json.dumps(out))"""))
        assert saved == {code: 100.0 + i for i, code in enumerate(LEAGUES)}
    finally:
        w.close()


def store_name(code: str) -> str:
    from nmgdash.storage.accounts import area_name
    return area_name(code)
