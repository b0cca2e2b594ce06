"""Issue 15's browser walk in headless Chromium, every non-localhost request blocked: the admin
(a secrets.toml user, adopted as an admin account) signs in and creates a 兴安盟 reporter on the
账号 tab and imports a file with 兴安盟 and 包头市; the reporter signs in in another browser
context, imports 兴安盟's figures, is refused a file with a 包头市 row (the row named on the page),
and has no undo button for the admin's batch; then 6 wrong passwords from two browser contexts
lock the account, with the remaining time shown.

A fresh server with its own database, store and secrets file. Screenshots of every step:
artifacts/accounts-<n>-<step>.png. Skipped without Chromium unless NMGDASH_REQUIRE_BROWSER=1."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu
from test_browser import CHROMIUM, Offline

from nmgdash import ingest
from nmgdash.ingest import catalogue
from nmgdash.ui import auth

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
YEAR = 2018
ADMIN, ADMIN_PW = "张三", "Tuanwei-2018!"
REPORTER, REPORTER_PW = "兴安盟填报员", "Xinganmeng-2018"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A fresh server: own database, empty store, secrets with one password user (becomes the admin)."""
    bu.need_browser()
    tmp = tmp_path_factory.mktemp("accounts-browser")
    secrets = tmp / "secrets.toml"
    secrets.write_text(f'[nmgdash.users]\n"{ADMIN}" = "{auth.hash_password(ADMIN_PW)}"\n', encoding="utf-8")
    env = {**os.environ, "NMGDASH_DB": str(tmp / "reform.duckdb"), "NMGDASH_IMPORTS": str(tmp / "imports"),
           "PYTHONUNBUFFERED": "1"}
    env.pop("NMGDASH_STORE_URL", None)
    subprocess.run([sys.executable, "-c", "from nmgdash.storage import build; build.build_database()"],
                   cwd=ROOT, env=env, check=True, timeout=120)
    with bu.streamlit_server(env, tmp / "streamlit.log", "--secrets.files", str(secrets)) as base:
        yield base, tmp


def league_file(path: Path, values: dict[str, float]) -> dict[str, int]:
    """Write the template for YEAR with 青年爱里 filled for ``values`` (adcode → value) to ``path``;
    return the Excel row of every league."""
    cat = catalogue.load()
    wb = openpyxl.load_workbook(io.BytesIO(ingest.build_template(YEAR)))
    ws = wb["盟市数据"]
    col = next(c.column for c in ws[4] if c.value == cat.template_header("hubs"))
    rows = {}
    for row in ws.iter_rows(min_row=5):
        code = str(row[1].value or "")
        rows[code] = row[0].row
        if code in values:
            ws.cell(row[0].row, col, values[code])
    wb.save(path)
    return rows


def main_text(page) -> str:
    return page.locator("[data-testid=stMain]").inner_text()


def wait_text(page, text: str, timeout_ms: int = 30_000) -> None:
    try:
        page.wait_for_function("t => document.querySelector('[data-testid=stMain]').innerText.includes(t)",
                               arg=text, timeout=timeout_ms)
    except Exception:
        raise AssertionError(f"{text!r} not on the page:\n{main_text(page)[:3000]}") from None


def tab(page, label: str) -> None:
    page.get_by_role("tab", name=label, exact=True).click()
    page.wait_for_timeout(300)
    bu.wait_idle(page)


def sign_in(page, name: str, password: str) -> None:
    page.get_by_label("用户名", exact=True).fill(name)
    page.get_by_label("口令", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_timeout(300)
    bu.wait_idle(page)


def pick(page, label: str, option: str) -> None:
    """Choose ``option`` in the selectbox ``label`` by typing and clicking, as a user does."""
    box = page.locator("[data-testid=stMain]").get_by_label(label, exact=True).first  # the create form comes first
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_timeout(200)


def upload(page, path: Path) -> None:
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
    wait_text(page, "③ 预览")
    bu.wait_idle(page)


def test_accounts_walk(server, tmp_path):
    base, _ = server
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    shots: list[str] = []

    def shot(page, name: str) -> None:
        path = ARTIFACTS / f"accounts-{len(shots) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path.name)

    whole = tmp_path / "全区_兴安盟和包头市.xlsx"
    league_file(whole, {"152200": 300, "150200": 200})
    own = tmp_path / "兴安盟_2018.xlsx"
    league_file(own, {"152200": 321})
    stray = tmp_path / "兴安盟_含包头市.xlsx"
    rows = league_file(stray, {"152200": 322, "150200": 99})

    off = Offline()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=bu.CHROMIUM_ARGS)
        contexts = []

        def new_page():
            ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
            ctx.set_default_timeout(30_000)
            ctx.route("**/*", off.route)
            contexts.append(ctx)
            return ctx.new_page()

        try:
            # 1. the admin signs in and creates a 兴安盟 reporter on the 账号 tab
            admin = new_page()
            bu.open_page(admin, f"{base}/data")
            wait_text(admin, "登录后才能导入或撤销")
            sign_in(admin, ADMIN, ADMIN_PW)
            wait_text(admin, f"已登录：{ADMIN}（管理员，内蒙古自治区）")
            tab(admin, "账号")
            wait_text(admin, "新建账号")
            admin.get_by_role("textbox", name="账号", exact=True).fill(REPORTER)
            pick(admin, "角色", "填报员")
            pick(admin, "范围", "兴安盟")
            admin.get_by_label("初始口令（至少 8 个字符）").fill(REPORTER_PW)
            admin.get_by_label("再输入一次口令").first.fill(REPORTER_PW)
            shot(admin, "admin-create-form")
            admin.get_by_role("button", name="建立账号").click()
            wait_text(admin, f"已建立账号 {REPORTER}（填报员，兴安盟）")
            bu.wait_idle(admin)
            tab(admin, "账号")
            shot(admin, "admin-created")

            # 2. the admin imports a file with 兴安盟 and 包头市 (a batch the reporter must not undo)
            tab(admin, "导入")
            upload(admin, whole)
            admin.get_by_role("button", name="④ 确认导入").click()
            wait_text(admin, f"已导入 {whole.name}：批次")
            bu.wait_idle(admin)
            shot(admin, "admin-imported")

            # 3. the reporter signs in (another browser context) and imports 兴安盟's figures
            rep = new_page()
            bu.open_page(rep, f"{base}/data")
            sign_in(rep, REPORTER, REPORTER_PW)
            wait_text(rep, f"已登录：{REPORTER}（填报员，兴安盟）")
            assert [t.strip() for t in rep.get_by_role("tab").all_inner_texts()] == ["导入", "导入记录", "数据覆盖", "全部导出"]
            upload(rep, own)
            shot(rep, "reporter-preview")
            rep.get_by_role("button", name="④ 确认导入").click()
            wait_text(rep, f"已导入 {own.name}：批次")
            bu.wait_idle(rep)
            shot(rep, "reporter-imported")

            # 4. a file with a 包头市 row is refused whole, the row named
            upload(rep, stray)
            line = f"第{rows['150200']}行：包头市不在您的填报范围（兴安盟）内"
            wait_text(rep, line)
            assert "文件中有不在您的填报范围（兴安盟）内的行，整个文件未导入" in main_text(rep)
            assert rep.get_by_role("button", name="④ 确认导入").count() == 0
            shot(rep, "reporter-refused")

            # 5. the reporter can undo its own batch, not the admin's
            tab(rep, "导入记录")
            wait_text(rep, "您只能撤销自己导入的批次")
            log = main_text(rep)
            assert whole.name in log and own.name in log
            assert rep.get_by_role("button", name="撤销……").count() == 1
            # the one undo button sits with the reporter's batch: the nearest block around it names that file
            nearest = rep.get_by_role("button", name="撤销……").evaluate(
                """(b, names) => { for (let e = b; e; e = e.parentElement) {
                       const hit = names.filter(n => e.innerText.includes(n));
                       if (hit.length) return hit; } return []; }""", [own.name, whole.name])
            assert nearest == [own.name], nearest
            rep.get_by_text(whole.name).last.scroll_into_view_if_needed()
            shot(rep, "reporter-no-undo-for-admin-batch")

            # 6. 6 wrong passwords from two browser contexts lock the account
            guess1, guess2 = new_page(), new_page()
            for g in (guess1, guess2):
                bu.open_page(g, f"{base}/data")
            for i in range(5):
                g = guess1 if i % 2 == 0 else guess2
                sign_in(g, REPORTER, f"wrong-{i}")
                wait_text(g, "用户名或口令不正确")
            sign_in(guess2, REPORTER, "wrong-5")
            wait_text(guess2, "登录失败次数过多")
            shown = re.search(r"登录失败次数过多，请 (1 分 0 秒|\d+ 秒)后再试", main_text(guess2))
            assert shown, main_text(guess2)[:1500]
            shot(guess2, "locked-6th-try")
            sign_in(guess1, REPORTER, REPORTER_PW)  # the right password, from the other context
            wait_text(guess1, "登录失败次数过多")
            assert "已登录" not in main_text(guess1)
            shot(guess1, "locked-right-password")

            for p in (admin, rep, guess1, guess2):
                assert not bu.exceptions(p)
        finally:
            for ctx in contexts:
                ctx.close()
            browser.close()
    assert not off.blocked, f"the app requested outside hosts: {sorted(set(off.blocked))}"
    assert len(shots) == 9, shots
