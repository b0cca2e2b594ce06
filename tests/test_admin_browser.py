"""The issue-7 walk-through in headless Chromium, as a new staff member would do it, with every
non-localhost request blocked: sign in, download the template, fill one year for all 12 leagues
(openpyxl), upload, preview, commit, watch the 青年爱里 map for that year switch from 示例 to
已导入 (plotly hover text in the DOM), see 填报进度 change, undo, and the map is 示例 again.

A fresh server with its own database, import ledger and secrets file (one bcrypt user).
Screenshots of every step: artifacts/admin-<n>-<step>.png. Skipped without Chromium unless
NMGDASH_REQUIRE_BROWSER=1."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu
from test_browser import CHROMIUM, Offline

from nmgdash.ingest import catalogue
from nmgdash.ui import auth

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
YEAR = 2018
USER, PASSWORD = "张三", "Tuanwei-2018!"

#: Every hover text of the map: the areas' texts the map component shows in its own hover box
#: (``_nmgAreas``: plotly no longer gets them, nmgdash/ui/mapview.py), and any trace's hover texts.
MAP_HOVER_JS = """() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')]
      .find(g => g.data && g.data.some(d => d.meta === 'area'));
  if (!gd) return null;
  const out = (gd._nmgAreas || []).map(a => String(a.text));
  for (const d of gd._fullData) for (const k of ['hovertext', 'text', 'hovertemplate']) {
    const v = d[k]; if (Array.isArray(v)) out.push(...v.map(String)); else if (v) out.push(String(v));
  }
  return out.join('\\n');
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A fresh server: own database, empty import ledger, secrets with one password user."""
    bu.need_browser()
    tmp = tmp_path_factory.mktemp("admin-browser")
    secrets = tmp / "secrets.toml"
    secrets.write_text(f'[nmgdash.users]\n"{USER}" = "{auth.hash_password(PASSWORD)}"\n', encoding="utf-8")
    env = {**os.environ, "NMGDASH_DB": str(tmp / "reform.duckdb"), "NMGDASH_IMPORTS": str(tmp / "imports"),
           "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "-c", "from nmgdash.storage import build; build.build_database()"],
                   cwd=ROOT, env=env, check=True, timeout=120)
    with bu.streamlit_server(env, tmp / "streamlit.log", "--secrets.files", str(secrets)) as base:
        yield base, tmp


def fill_template(template: bytes) -> bytes:
    """The downloaded template with the league sheet filled for YEAR: every indicator for all 12
    leagues (the sample value, so nothing jumps; 青年爱里 +2 per league so the map changes; 60 % for
    the rate that has no sample)."""
    cat = catalogue.load()
    with (ROOT / "data" / "observations_sample.csv").open(encoding="utf-8") as f:
        sample = {(r["indicator_id"], r["adcode"]): float(r["value"]) for r in csv.DictReader(f) if r["year"] == str(YEAR)}
    by_header = {cat.template_header(i): i for i in cat.importable("league")}
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb["盟市数据"]
    assert ws["B2"].value == YEAR, "the template was not downloaded for the chosen year"
    columns = {c.column: by_header[c.value] for c in ws[4] if c.value in by_header}
    assert len(columns) == len(by_header) == 23
    leagues = 0
    for row in ws.iter_rows(min_row=5):
        if not row[1].value:
            continue
        leagues += 1
        for col, ind in columns.items():
            value = sample.get((ind, str(row[1].value)))
            ws.cell(row[0].row, col, 60.0 if value is None else value + (2 if ind == "hubs" else 0))
    assert leagues == 12
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def wait_text(page, text: str, timeout_ms: int = 30_000) -> None:
    page.wait_for_function("t => document.querySelector('[data-testid=stMain]').innerText.includes(t)",
                           arg=text, timeout=timeout_ms)


def tab(page, label: str) -> None:
    page.get_by_role("tab", name=label).click()
    page.wait_for_timeout(300)


def pick_year(page, year: int) -> None:
    """Click the sidebar's year like a user (a rerun of that session) and wait for it to finish."""
    page.bring_to_front()
    page.locator("[data-testid=stSidebar]").get_by_text(str(year), exact=True).click()
    # the default year (the latest, 2019) is left out of the URL
    page.wait_for_function("y => (new URLSearchParams(location.search).get('year') || '2019') === y", arg=str(year))
    page.wait_for_timeout(200)
    bu.wait_idle(page)
    bu.wait_map(page, 12)


def map_hover(page) -> str:
    bu.wait_map(page, 12)
    return page.evaluate(MAP_HOVER_JS) or ""


def test_admin_walk_through(server, tmp_path):
    base, _ = server
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    shots: list[str] = []

    def shot(page, name: str) -> None:
        path = ARTIFACTS / f"admin-{len(shots) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path.name)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=bu.CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN", accept_downloads=True)
        ctx.set_default_timeout(30_000)
        off = Offline()
        ctx.route("**/*", off.route)
        admin, hubs = ctx.new_page(), ctx.new_page()
        try:
            # /data as the fresh server's very first request (a bookmarked link after a restart)
            admin.bring_to_front()
            bu.open_page(admin, f"{base}/data")
            wait_text(admin, "登录后才能导入或撤销")
            assert "Page not found" not in admin.inner_text("body")

            # the 青年爱里 map for YEAR, before: every league 示例 (a second tab, kept open)
            bu.open_page(hubs, f"{base}/hubs?year={YEAR}&ind=青年爱里（个）")
            before = map_hover(hubs)
            assert "状态：示例" in before and "状态：已导入" not in before, before[:300]
            shot(hubs, "hubs-before")

            # 1. sign in
            admin.bring_to_front()
            assert admin.locator("[data-testid=stFileUploaderDropzone]").count() == 0
            shot(admin, "sign-in")
            admin.get_by_label("用户名").fill(USER)
            admin.get_by_label("口令").fill(PASSWORD)
            admin.get_by_role("button", name="登录").click()
            wait_text(admin, f"已登录：{USER}")
            bu.wait_idle(admin)
            shot(admin, "signed-in")

            # 2. download the template for YEAR
            admin.get_by_label("模板年份").click()
            admin.get_by_label("模板年份").fill(str(YEAR))
            admin.get_by_role("option", name=str(YEAR), exact=True).click()
            bu.wait_idle(admin)
            with admin.expect_download() as dl:
                admin.get_by_role("button", name="下载 Excel 模板").click()
            assert dl.value.suggested_filename == f"内蒙古共青团改革数据填报模板_{YEAR}年.xlsx"
            template = Path(dl.value.path()).read_bytes()

            # the uploader speaks Chinese: our button label (CSS ::after over Streamlit's "Upload"), and
            # Streamlit's English "12MB per file" line is hidden (the label states the real limit)
            drop = admin.locator("[data-testid=stFileUploaderDropzone]")
            assert drop.evaluate("""d => [getComputedStyle(d.querySelector('button p'), '::after').content,
                getComputedStyle(d.querySelector('button p')).fontSize,
                getComputedStyle(d.querySelector('[data-testid=stFileUploaderDropzoneInstructions]')).display]""") == [
                '"选择文件"', "0px", "none"]
            assert "最大 10 MB" in admin.locator("[data-testid=stFileUploader] label").inner_text()

            # 3. fill one year for all 12 leagues; 4. upload and preview
            filled = tmp_path / f"各盟市填报_{YEAR}.xlsx"
            filled.write_bytes(fill_template(template))
            admin.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(filled))
            wait_text(admin, "③ 预览")
            bu.wait_idle(admin)
            metrics = admin.eval_on_selector_all("[data-testid=stMetric]", "els => els.map(e => e.innerText)")
            joined = " | ".join(" ".join(m.split()) for m in metrics)
            assert "将导入的数值 276 | 新增 12 | 修改 12 | 不变 252" in joined, joined
            assert "错误" not in admin.locator("[data-testid=stMain]").inner_text().split("③ 预览")[1].split("按盟市")[0]
            shot(admin, "preview")

            # 5. commit
            admin.get_by_role("button", name="④ 确认导入").click()
            wait_text(admin, f"已导入 {filled.name}：批次")
            bu.wait_idle(admin)
            shot(admin, "committed")

            # 6. the open hubs tab, on its next rerun (pick the year again): 已导入 with the file name
            pick_year(hubs, 2019)
            pick_year(hubs, YEAR)
            hubs.wait_for_function("() => (" + MAP_HOVER_JS + ")().includes('状态：已导入')", timeout=30_000)
            after = map_hover(hubs)
            assert after.count("状态：已导入") >= 12 and "状态：示例" not in after, after[:300]
            assert filled.name in after
            shot(hubs, "hubs-imported")

            # 7. the completeness matrix for YEAR
            admin.bring_to_front()
            tab(admin, "数据覆盖")
            picker = admin.locator("[data-testid=stMain]").get_by_label("年份", exact=True)
            picker.click()
            picker.fill(str(YEAR))  # type to filter the list, as a user would with ten years
            admin.get_by_role("option", name=str(YEAR), exact=True).click()
            bu.wait_idle(admin)
            try:
                wait_text(admin, "276 / 276")
            except Exception:
                shot(admin, "progress-failed")
                raise AssertionError(admin.locator("[data-testid=stMain]").inner_text()[:3000]) from None
            assert "12 / 12" in admin.locator("[data-testid=stMain]").inner_text()
            shot(admin, "progress")

            # 8. undo (with its confirmation)
            admin.bring_to_front()
            tab(admin, "导入记录")
            admin.get_by_role("button", name="撤销……").click()
            wait_text(admin, "确认撤销批次")
            shot(admin, "undo-confirm")
            admin.get_by_role("button", name="确认撤销").click()
            wait_text(admin, "已撤销批次")
            bu.wait_idle(admin)
            shot(admin, "undone")

            pick_year(hubs, 2019)
            pick_year(hubs, YEAR)
            hubs.wait_for_function("() => !(" + MAP_HOVER_JS + ")().includes('状态：已导入')", timeout=30_000)
            assert map_hover(hubs) == before
            shot(hubs, "hubs-after-undo")
            assert not bu.exceptions(admin) and not bu.exceptions(hubs)
        finally:
            ctx.close()
            browser.close()
    assert not off.blocked, f"the app requested outside hosts: {sorted(set(off.blocked))}"
    assert len(shots) == 10, shots
