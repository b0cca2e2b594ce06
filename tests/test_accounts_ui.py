"""数据管理 with accounts in the store, under AppTest: sign-in (audited, locked after failures counted
in the store across sessions), the 账号 tab (admins only), imports limited to the account's scope,
undo only for the author or an admin; and the server-side PNG made with a button, its failure shown
in our words.

Each test gets its own database and store (``admin_env`` of tests/test_admin.py)."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from nmgdash import ingest
from nmgdash.ingest import catalogue
from nmgdash.slides import deck
from nmgdash.storage import accounts, ledger
from nmgdash.storage.store import engine as store_engine
from nmgdash.storage.store import schema
from tests.test_admin import admin_env, frame_with, page, texts, upload  # noqa: F401 (fixture)
from tests.test_app import run

ADMIN, REPORTER, PW = "管理员甲", "兴安盟填报员", "Tuanwei-2019!"
YEAR = 2018
SIGN_IN = "FormSubmitter:admin_sign_in-登录"


@pytest.fixture
def people(admin_env):  # noqa: F811 (the fixture imported above)
    """An admin of the region and a 兴安盟 reporter in the store; no users in secrets.toml."""
    return {"admin": accounts.create_account(ADMIN, PW, "admin", "150000"),
            "xam": accounts.create_account(REPORTER, PW, "reporter", "兴安盟")}


def sign_in(name: str, password: str = PW, at=None):
    at = at or page({"nmgdash": {}})
    at.text_input(key="admin_user_name").input(name)
    at.text_input(key="admin_password").input(password)
    at.button(key=SIGN_IN).click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def league_file(values: dict[str, float], year: int = YEAR) -> tuple[bytes, dict[str, int]]:
    """The template for ``year`` with 青年爱里 filled for the leagues in ``values`` (adcode → value);
    also the Excel row of every league."""
    cat = catalogue.load()
    wb = openpyxl.load_workbook(io.BytesIO(ingest.build_template(year)))
    ws = wb["盟市数据"]
    col = next(c.column for c in ws[4] if c.value == cat.template_header("hubs"))
    rows = {}
    for row in ws.iter_rows(min_row=5):
        code = str(row[1].value or "")
        rows[code] = row[0].row
        if code in values:
            ws.cell(row[0].row, col, values[code])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), rows


def errors(at) -> list[str]:
    """The error boxes, without 填报进度's own list of leagues that have not reported."""
    return [e.value for e in at.error if not e.value.startswith("尚未填报")]


def signins() -> list[tuple]:
    with store_engine.connect() as conn:
        q = sa.select(schema.signin_events.c.account, schema.signin_events.c.ok).order_by(schema.signin_events.c.id)
        return [tuple(r) for r in conn.execute(q)]


# ------------------------------------------------------------------ sign-in
def test_sign_in_with_a_store_account_and_sign_out(people):
    at = page({"nmgdash": {}})  # no secrets users: the store's accounts make the form appear
    assert at.text_input(key="admin_user_name") and not at.get("file_uploader")
    at = sign_in(REPORTER, at=at)
    assert "已登录：兴安盟填报员（填报员，兴安盟）" in texts(at) and at.get("file_uploader")
    assert signins() == [(REPORTER, True)]
    at.button(key="admin_sign_out").click()
    at.run()
    assert not at.get("file_uploader") and "登录后才能导入或撤销" in texts(at)


def test_a_disabled_account_is_signed_out_at_the_next_run(people):
    at = sign_in(REPORTER)
    assert at.get("file_uploader")
    accounts.disable(REPORTER, actor=people["admin"])
    at.run()
    assert not at.get("file_uploader") and "已登录" not in texts(at)


def test_six_wrong_passwords_from_two_sessions_lock_the_account(people):
    first, second = page({"nmgdash": {}}), page({"nmgdash": {}})
    for i in range(5):  # two browsers, one store: the failures add up
        at = sign_in(REPORTER, "wrong password", at=first if i % 2 == 0 else second)
        assert errors(at) == ["用户名或口令不正确"]
    at = sign_in(REPORTER, "wrong password", at=second)  # the 6th
    [message] = errors(at)
    m = re.fullmatch(r"登录失败次数过多，请 (?:1 分 0 秒|(\d+) 秒)后再试", message)
    assert m and (m.group(1) is None or 50 <= int(m.group(1)) <= 59), message
    # now even the right password is refused, in the other session too, with the remaining time
    at = sign_in(REPORTER, PW, at=first)
    assert re.fullmatch(r"登录失败次数过多，请 (1 分 0 秒|\d+ 秒)后再试", errors(at)[0]), errors(at)
    assert not at.get("file_uploader") and "已登录" not in texts(at)
    # an unknown name gets the same words as a wrong password, and everything is in the audit log
    at = sign_in("没有这个人", PW, at=first)
    assert errors(at) == ["用户名或口令不正确"]
    with store_engine.connect() as conn:
        q = sa.select(schema.audit.c.actor, schema.audit.c.what).where(schema.audit.c.action == "signin")
        rows = [(a, w["ok"], w.get("reason")) for a, w in conn.execute(q.order_by(schema.audit.c.id))]
    assert rows == [(REPORTER, False, "wrong")] * 5 + [(REPORTER, False, "locked")] * 2 + [("没有这个人", False, "wrong")]


def test_secrets_users_are_adopted_as_admins_once(admin_env, monkeypatch):  # noqa: F811
    from nmgdash.ui import auth

    hashed = auth.hash_password(PW)
    at = sign_in("张三", at=page({"nmgdash": {"users": {"张三": hashed}}}))
    assert "已登录：张三（管理员，内蒙古自治区）" in texts(at)
    assert [(a.name, a.role, a.scope) for a in accounts.list_accounts()] == [("张三", "admin", "150000")]
    calls = []
    monkeypatch.setattr(accounts, "adopt_secret_users", lambda users: calls.append(users) or [])
    page({"nmgdash": {"users": {"张三": hashed}}})
    assert calls == []  # once per process and store (st.cache_resource)


# ------------------------------------------------------------------ the 账号 tab
def test_admin_creates_a_reporter_and_a_reporter_sees_no_accounts_tab(people):
    at = sign_in(ADMIN)
    assert [t.label for t in at.tabs] == ["导入", "导入记录", "数据覆盖", "全部导出", "账号"]
    listed = frame_with(at, "最近登录").set_index("账号")
    assert listed.loc[[ADMIN, REPORTER], ["角色", "范围", "状态"]].to_dict("list") == {
        "角色": ["管理员", "填报员"], "范围": ["内蒙古自治区", "兴安盟"], "状态": ["正常", "正常"]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", listed.at[ADMIN, "最近登录"])
    assert listed.at[REPORTER, "最近登录"] == "—"
    area = at.selectbox(key="accounts_new_area")
    assert len(area.options) == 116 and area.options[:3] == ["内蒙古自治区", "呼和浩特市", "呼和浩特市 · 新城区"]

    at.text_input(key="accounts_new_name").input("科右前旗填报员")
    at.selectbox(key="accounts_new_role").set_value("reporter")
    at.selectbox(key="accounts_new_area").set_value("152200")
    at.text_input(key="accounts_new_pw1").input("first password")
    at.text_input(key="accounts_new_pw2").input("other password")
    at.button(key="FormSubmitter:accounts_create-建立账号").click()
    at.run()
    assert errors(at) == ["两次输入的口令不一致"] and len(accounts.list_accounts()) == 2
    at.text_input(key="accounts_new_pw2").input("first password")
    at.button(key="FormSubmitter:accounts_create-建立账号").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [s.value for s in at.success] == ["已建立账号 科右前旗填报员（填报员，兴安盟）"]
    assert accounts.get_account("科右前旗填报员") == accounts.Account("科右前旗填报员", "reporter", "152200")
    assert "科右前旗填报员" in frame_with(at, "最近登录")["账号"].tolist()

    # change its scope to a county, reset its password, disable it
    at.selectbox(key="accounts_pick").set_value("科右前旗填报员")
    at.run()
    k = str([a.name for a in accounts.list_accounts()].index("科右前旗填报员"))
    at.selectbox(key=f"accounts_area_{k}").set_value("152221")
    at.button(key=f"FormSubmitter:accounts_role_scope_{k}-保存角色和范围").click()
    at.run()
    assert [s.value for s in at.success] == ["已修改账号 科右前旗填报员：填报员，兴安盟 · 科尔沁右翼前旗"]
    at.text_input(key=f"accounts_pw1_{k}").input("brand new password")
    at.text_input(key=f"accounts_pw2_{k}").input("brand new password")
    at.button(key=f"FormSubmitter:accounts_password_{k}-重设口令").click()
    at.run()
    assert [s.value for s in at.success] == ["已重设账号 科右前旗填报员 的口令"]
    assert accounts.authenticate("科右前旗填报员", "brand new password", "10.1.1.1").scope == "152221"
    at.button(key=f"accounts_disable_{k}").click()
    at.run()
    assert [s.value for s in at.success] == ["已停用账号 科右前旗填报员"]
    assert accounts.get_account("科右前旗填报员").disabled

    # the new reporter (and any reporter) signs in without a 账号 tab
    rep = sign_in(REPORTER)
    assert [t.label for t in rep.tabs] == ["导入", "导入记录", "数据覆盖", "全部导出"]
    assert not [w for w in rep.text_input if w.key and w.key.startswith("accounts_")]


def test_an_admin_demoted_meanwhile_is_refused_by_the_storage_function(people):
    at = sign_in(ADMIN)
    accounts.create_account("另一位管理员", PW, "admin", "150000")
    accounts.set_role_scope(ADMIN, role="reporter", actor="另一位管理员")
    at.text_input(key="accounts_new_name").input("新人")
    at.text_input(key="accounts_new_pw1").input("first password")
    at.text_input(key="accounts_new_pw2").input("first password")
    at.button(key="FormSubmitter:accounts_create-建立账号").click()
    at.run()
    assert accounts.get_account("新人") is None
    assert "账号" not in [t.label for t in at.tabs]  # the tab went with the role


# ------------------------------------------------------------------ scoped import and undo
def test_a_reporter_imports_its_scope_and_is_refused_other_rows(people):
    at = sign_in(REPORTER)
    good, rows = league_file({"152200": 321})
    upload(at, "兴安盟_2018.xlsx", good)
    assert not errors(at), errors(at)
    at.button(key="admin_commit").click()
    at.run()
    assert [s.value for s in at.success][0].startswith("已导入 兴安盟\\_2018.xlsx：批次 ")
    log = ledger.audit_log()
    assert log["user"].tolist() == [REPORTER] and log["action"].tolist() == ["import"]
    hubs = run("hubs", ind="hubs", year=str(YEAR)).dataframe[0].value.set_index("adcode")
    assert hubs.loc["152200", "青年爱里（个）"] == 321 and hubs.loc["152200", "状态"] == "已导入"

    bad, _ = league_file({"152200": 322, "150200": 99})
    upload(at, "含包头市.xlsx", bad)
    [refusal] = errors(at)
    assert refusal == ("**文件中有不在您的填报范围（兴安盟）内的行，整个文件未导入。请删去这些行，或请管理员导入：**\n\n"
                       f"- 第{rows['150200']}行：包头市不在您的填报范围（兴安盟）内")
    assert "admin_commit" not in [b.key for b in at.button]
    assert ledger.audit_log()["action"].tolist() == ["import"]  # nothing written


def test_the_write_function_refuses_too_when_the_scope_changed_after_the_preview(people):
    at = sign_in(REPORTER)
    good, rows = league_file({"152200": 321})
    upload(at, "兴安盟_2018.xlsx", good)
    accounts.set_role_scope(REPORTER, area="包头市", actor=people["admin"])  # meanwhile, by an admin
    at.button(key="admin_commit").click()
    at.run()
    [refusal] = errors(at)
    assert refusal == ("**文件中有不在您的填报范围（包头市）内的行，整个文件未导入。请删去这些行，或请管理员导入：**\n\n"
                       f"- 第{rows['152200']}行：兴安盟不在您的填报范围（包头市）内")
    assert ledger.audit_log().empty


def test_the_reporter_sees_no_undo_button_for_the_admins_batch(people):
    admin_batch = ingest.commit(ingest.load_file(league_file({"152200": 300, "150200": 200})[0], "全区.xlsx"),
                                user=people["admin"])
    own_batch = ingest.commit(ingest.load_file(league_file({"152200": 310}, 2019)[0], "兴安盟.xlsx"),
                              user=people["xam"])
    at = sign_in(REPORTER)
    keys = [b.key for b in at.button]
    assert f"admin_undo_{own_batch}" in keys and f"admin_undo_{admin_batch}" not in keys
    assert "您只能撤销自己导入的批次；其他批次只有导入者或管理员可以撤销。" in texts(at)
    admin = sign_in(ADMIN)
    keys = [b.key for b in admin.button]
    assert f"admin_undo_{own_batch}" in keys and f"admin_undo_{admin_batch}" in keys
    # the reporter undoes its own batch through the page
    at.button(key=f"admin_undo_{own_batch}").click()
    at.run()
    at.button(key="admin_undo_yes").click()
    at.run()
    assert [s.value for s in at.success][0].startswith(f"已撤销批次 {own_batch}")
    assert ledger.audit_log()["action"].tolist() == ["import", "import", "undo"]


# ------------------------------------------------------------------ PNG made with a button
def test_png_is_made_with_a_button_and_a_failure_says_so_in_chinese(monkeypatch):
    monkeypatch.setattr(deck, "available", lambda: True)

    def fail(*_a, **_k):
        raise deck.ExportTimeout(seconds=30)

    monkeypatch.setattr(deck, "png", fail)
    at = run("reforms")
    makes = [b for b in at.button if b.label == "生成图片（PNG，演示分辨率）"]
    assert len(makes) == 3 and not at.get("download_button")
    makes[0].click()
    at.run()
    assert [e.value for e in at.error] == ["生成图片超时（超过 30 秒），已中止。请稍后再试；若反复出现，请管理员查看服务器日志。"]
    assert not at.get("download_button")

    monkeypatch.setattr(deck, "png", lambda *_a, **_k: b"\x89PNG fake")
    [b for b in at.button if b.label == "生成图片（PNG，演示分辨率）"][0].click()
    at.run()
    assert not errors(at)
    assert [d.label for d in at.get("download_button")] == ["下载图片（PNG，演示分辨率）"]
