"""数据管理 (/data) under AppTest: sign-in in its three configurations, the import flow
(upload → preview → commit → the hubs page shows 已导入 → undo → 示例 again), rejected files
leaving the data unchanged, 填报进度 and the whole-database export.

Each test that writes gets its own database and import ledger (``admin_env``), and the
process-wide database handle (``data.database``, st.cache_resource) is reopened on it."""

from __future__ import annotations

import hashlib
import io
import json
import tomllib
import zipfile

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from nmgdash import ingest
from nmgdash.storage import accounts, build, ledger, transaction
from nmgdash.ui import auth, data
from tests.conftest import ROOT
from tests.test_app import APP, map_figure, run

CASES = ROOT.parent / "shared" / "import-cases"
PASSWORD = "Tuanwei-2019!"


@pytest.fixture(scope="module")
def password_hash() -> str:
    return auth.hash_password(PASSWORD)


@pytest.fixture
def admin_env(tmp_path, monkeypatch):
    """A fresh database and an empty ledger for one test; the app's cached handle follows them."""
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "reform.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    build.build_database()
    data.database.clear()
    yield tmp_path
    data.database.clear()  # later tests reopen the session database


def page(secrets: dict | None = None, user: dict | None = None, lang: str | None = None) -> AppTest:
    """The 数据管理 page with the given secrets (``{"nmgdash": {}}`` = nothing configured; always
    set, so a developer's own .streamlit/secrets.toml never leaks into a test)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets.update(secrets or {"nmgdash": {}})
    if user is not None:
        at.user = user
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    if lang:  # the sidebar's language switch, as a user clicks it
        at.radio(key="lang").set_value(lang)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == ("Data management" if lang == "en" else "数据管理")
    return at


def signed_in(password_hash: str) -> AppTest:
    at = page({"nmgdash": {"users": {"张三": password_hash}}})
    at.text_input(key="admin_user_name").input("张三")
    at.text_input(key="admin_password").input(PASSWORD)
    at.button(key="FormSubmitter:admin_sign_in-登录").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert "已登录：张三" in texts(at)
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption]
    for kind in ("error", "warning", "info", "success"):
        parts += [e.value for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def upload(at: AppTest, path_or_name, payload: bytes | None = None) -> AppTest:
    name = path_or_name if payload is not None else path_or_name.name
    body = payload if payload is not None else path_or_name.read_bytes()
    at.get("file_uploader")[0].set_value((name, body, "application/octet-stream"))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe] + [d.value for d in at.table]


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    found = [f for f in frames(at) if column in f.columns]
    assert found, f"no table with a column {column!r}: {[list(f.columns) for f in frames(at)]}"
    return found[0]


def db_fingerprint() -> tuple[int, str]:
    """Row count and content hash of the observations of the current build."""
    con = build.connect(read_only=True)
    try:
        rows = con.execute("SELECT * FROM observations ORDER BY ALL").fetchall()
    finally:
        con.close()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def hubs_rows(year: int = 2019) -> pd.DataFrame:
    at = run("hubs", ind="hubs", year=str(year))
    table = at.dataframe[0].value
    return at, table[table["adcode"] != "150000"].set_index("adcode")


# ------------------------------------------------------------------ sign-in
def test_nothing_configured_disables_writes_and_explains(admin_env):
    at = page()
    shown = texts(at)
    assert "导入和撤销已停用：服务器没有配置登录方式。" in shown
    assert "python -m nmgdash.ui.auth" in shown and "[nmgdash.users]" in shown and "[auth]" in shown
    assert "上传报表需要先登录" in shown
    assert not at.get("file_uploader") and not at.text_input  # no upload, no sign-in form
    assert [b.label for b in at.get("download_button")][:1] == ["下载 Excel 模板"]  # viewing/downloading stays open
    assert [t.label for t in at.tabs] == ["导入", "导入记录", "数据覆盖", "全部导出"]


def test_password_sign_in(admin_env, password_hash):
    at = page({"nmgdash": {"users": {"张三": password_hash}}})
    assert not at.get("file_uploader")
    at.text_input(key="admin_user_name").input("张三")
    at.text_input(key="admin_password").input("wrong")
    at.button(key="FormSubmitter:admin_sign_in-登录").click()
    at.run()
    assert at.error[0].value == "用户名或口令不正确" and not at.get("file_uploader")
    at.text_input(key="admin_password").input(PASSWORD)
    at.button(key="FormSubmitter:admin_sign_in-登录").click()
    at.run()
    assert "已登录：张三（管理员，内蒙古自治区）" in texts(at)
    up = at.get("file_uploader")[0]
    assert up.label == "选择文件（.xlsx、.xls 或 .csv，最大 10 MB）"
    assert up.allowed_type == []  # any file reaches the importer, which rejects others in Chinese
    assert "文件大小上限 10 MB；只接受 .xlsx、.xls、.csv。" in texts(at)
    at.button(key="admin_sign_out").click()
    at.run()
    assert not at.get("file_uploader") and "登录后才能导入或撤销" in texts(at)


def test_plain_text_password_is_refused(admin_env):
    at = page({"nmgdash": {"users": {"李四": "secret"}}})
    assert "以下用户的口令不是 bcrypt 哈希，已忽略：李四" in texts(at)
    assert "导入和撤销已停用" in texts(at) and not at.text_input


OIDC = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "nmgdash", "client_secret": "s", "server_metadata_url":
                 "https://sso.example.cn/.well-known/openid-configuration"}}


def test_oidc_sign_in(admin_env):
    at = page(OIDC, user={"is_logged_in": False})
    assert [b.label for b in at.button] == ["使用单位账号登录"]
    assert not at.get("file_uploader") and not at.text_input  # OIDC wins over passwords: no form
    # an e-mail with no account may view but not write
    at = page(OIDC, user={"is_logged_in": True, "email": "wang@tw.nmg.cn", "name": "王五"})
    assert ("wang@tw.nmg.cn 已登录，但还没有对应的账号：可以查看，不能导入或撤销。"
            "请管理员在“数据管理 → 账号”中建立以该邮箱为名的账号。") in texts(at)
    assert not at.get("file_uploader")
    # the e-mail maps to the account of that name (letter case ignored), with its role and scope
    accounts.create_account("Wang@tw.nmg.cn", "a long password", "reporter", "兴安盟")
    at = page(OIDC, user={"is_logged_in": True, "email": "wang@tw.nmg.cn", "name": "王五"})
    assert "已登录：Wang@tw.nmg.cn（填报员，兴安盟）" in texts(at) and at.get("file_uploader")
    assert "账号" not in [t.label for t in at.tabs]  # a reporter: no 账号 tab


def test_upload_limit_matches_config():
    """Streamlit's uploader lets a file a little over the importer's limit through (issue 14: its own
    rejection is English), so the importer's Chinese message is the one a user sees."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert ingest.MAX_BYTES < config["server"]["maxUploadSize"] * 1024 * 1024 <= 2 * ingest.MAX_BYTES


# ------------------------------------------------------------------ import → hubs → undo
def test_import_commit_shows_on_hubs_then_undo(admin_env, password_hash):
    before = db_fingerprint()
    _, hubs = hubs_rows()
    assert set(hubs["状态"]) == {"示例"} and hubs.loc["150100", "青年爱里（个）"] != 118

    at = signed_in(password_hash)
    upload(at, CASES / "s01_clean.xlsx")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["将导入的数值"] == "36" and metrics["修改"] == "36" and metrics["新增"] == "0"
    by_league = frame_with(at, "地区")
    assert len(by_league) == 12 and set(by_league["合计"]) == {3}
    by_ind = frame_with(at, "指标")
    assert sorted(by_ind["合计"]) == [12, 12, 12]
    diff = frame_with(at, "change")
    assert len(diff) == 36 and set(diff["change"]) == {"changed"}
    hoh = diff[(diff["area"] == "呼和浩特市") & (diff["indicator"] == "青年爱里")]
    assert list(hoh["new_value"]) == [118] and list(hoh["old_status"]) == ["示例"] and list(hoh["cell"]) != [None]
    assert db_fingerprint() == before  # a preview writes nothing

    at.button(key="admin_commit").click()
    at.run()
    assert not at.exception
    [ok] = [s.value for s in at.success]
    log = ledger.audit_log()
    batch = log.iloc[0]["batch_id"]
    assert ok.startswith(f"已导入 s01_clean.xlsx：批次 {batch}（新增 0，修改 36，不变 0）") and "无需重启" in ok
    shown = frame_with(at, "批次")
    assert shown.iloc[0][["操作", "操作人", "文件", "修改", "当前"]].tolist() == ["导入", "张三", "s01_clean.xlsx", 36, "生效中"]
    assert shown.iloc[0]["文件 SHA-256"] == hashlib.sha256((CASES / "s01_clean.xlsx").read_bytes()).hexdigest()
    assert not at.get("file_uploader")[0].value  # a fresh, empty upload for the next file
    assert db_fingerprint() != before

    hub_at, hubs = hubs_rows()  # a new session on the hubs page: the new build, no restart
    assert set(hubs["状态"]) == {"已导入"} and set(hubs["来源"]) == {"s01_clean.xlsx"}
    assert hubs.loc["150100", "青年爱里（个）"] == 118 and hubs["青年爱里（个）"].sum() == 1042
    fig = json.dumps(map_figure(hub_at), ensure_ascii=False)
    assert "状态：已导入" in fig and "s01_clean.xlsx" in fig and "状态：示例" not in fig

    # the same admin session, next rerun: 填报进度 counts the import
    at.selectbox(key="admin_progress_year").set_value(2019)
    at.run()
    assert {m.label: m.value for m in at.metric}["已导入的单元格"] == "36 / 276"
    summary = frame_with(at, "完成率")
    assert set(summary["已导入"]) == {3} and set(summary["待填报"]) == {20}

    # undo with confirmation
    at.button(key=f"admin_undo_{batch}").click()
    at.run()
    assert any(f"确认撤销批次 {batch}（s01_clean.xlsx" in w.value for w in at.warning)
    assert db_fingerprint() != before  # asking is not undoing
    at.button(key="admin_undo_yes").click()
    at.run()
    assert any(s.value.startswith(f"已撤销批次 {batch}（s01_clean.xlsx）") for s in at.success)
    assert ledger.audit_log()["action"].tolist() == ["import", "undo"]
    assert frame_with(at, "批次")["当前"].tolist() == ["已撤销", "已撤销"]
    assert "没有可以撤销的导入批次。" in texts(at)
    _, hubs = hubs_rows()
    assert set(hubs["状态"]) == {"示例"} and hubs.loc["150100", "青年爱里（个）"] != 118
    assert db_fingerprint() == before


def test_warnings_need_confirmation(admin_env, password_hash):
    at = signed_in(password_hash)
    upload(at, CASES / "s05_two_row_header.xlsx")
    assert at.warning and "警告：请核对后确认" in at.warning[0].value
    assert at.button(key="admin_commit").disabled
    at.checkbox(key="admin_confirm").check()
    at.run()
    assert not at.button(key="admin_commit").disabled
    at.button(key="admin_commit").click()
    at.run()
    assert any("已导入 s05_two_row_header.xlsx" in s.value for s in at.success)
    assert ledger.audit_log()["file_name"].tolist() == ["s05_two_row_header.xlsx"]


@pytest.mark.parametrize("case, message", [
    ("s10_negative_count.xlsx", "「s10_negative_count.xlsx」工作表“2019年”第7行C列（C7）：数量不能为负数"),
    ("s09_total_row_mismatch.xlsx", "（C14）：合计 1040 与各盟市之和 1042 不一致"),
    ("s16_not_a_spreadsheet.xlsx", "「s16_not_a_spreadsheet.xlsx」"),
    ("s17_empty.csv", "文件是空的"),
])
def test_rejected_file_shows_errors_and_changes_nothing(admin_env, password_hash, case, message):
    before = db_fingerprint()
    at = signed_in(password_hash)
    upload(at, CASES / case)
    assert at.error and at.error[0].value.startswith("**错误：文件被拒绝，没有导入任何数据")
    errors = frame_with(at, "说明")
    assert any(message in m for m in errors["说明"]), list(errors["说明"])
    assert not [b for b in at.button if b.key == "admin_commit"]  # nothing to commit
    assert "将导入的数值" not in [m.label for m in at.metric]  # a rejected file claims no values to import
    if case == "s10_negative_count.xlsx":  # values were read: they are shown only as a reference
        assert any("仅供对照修改：因有上述错误，一个也不会导入" in c.value for c in at.caption)
    assert db_fingerprint() == before and ledger.audit_log().empty
    assert ledger.ledger_stamp().startswith("0:")  # the store was never written


def test_oversize_and_wrong_type_get_chinese_messages(admin_env, password_hash):
    at = signed_in(password_hash)
    upload(at, "big.xlsx", b"PK\x03\x04" + b"0" * ingest.MAX_BYTES)
    assert any("文件大小 10.0 MB，超过上限 10 MB" in m for m in frame_with(at, "说明")["说明"])
    upload(at, "report.pdf", b"%PDF-1.4 not a spreadsheet")
    assert any("不支持“.pdf”文件；请上传 .xlsx、.xls 或 .csv 文件" in m for m in frame_with(at, "说明")["说明"])
    assert ledger.audit_log().empty


# ------------------------------------------------------------------ progress and exports
def test_completeness_matrix_and_excel(admin_env):
    from nmgdash.ui import admin

    at = page(lang="en")
    at.selectbox(key="admin_progress_year").set_value(2019)
    at.run()
    assert {m.label: m.value for m in at.metric}["Cells imported"] == "0 / 276"
    assert "Not reported at all yet: Hohhot" in texts(at)
    matrix = [f for f in frames(at) if "Hohhot" in f.columns][0]
    assert matrix.shape == (23, 12)
    cells = matrix.stack().value_counts().to_dict()
    assert cells == {"sample": 264, "missing": 12}  # the rate 进入“两委”比例 has no per-league sample
    assert set(matrix.loc["Share of village League organisations on the two village committees (%)"]) == {"missing"}

    long = data.query("completeness", indicator_ids=tuple(admin.reportable_indicators()), year=2020)
    assert len(long) == 276 and long["status"].isna().all()  # nobody has reported 2020
    book = openpyxl.load_workbook(io.BytesIO(admin.completeness_xlsx(2020, long)))
    assert book.sheetnames == ["数据覆盖 2020", "各盟市进度", "明细"]
    sheet = book["数据覆盖 2020"]
    assert sheet["B1"].value == "呼和浩特市" and sheet["B2"].value == "缺失"
    assert sheet["B2"].fill.fgColor.rgb.endswith("F6C9C9")


def test_whole_database_export(admin_env):
    from nmgdash.reports import exports
    from nmgdash.ui import admin

    tables = admin.export_tables()
    obs = data.query("export_observations")
    categories = list(dict.fromkeys(obs["category"]))
    assert list(tables) == ["说明", *categories, "指标目录", "来源", "导入记录"]
    assert sum(len(tables[c]) for c in categories) == len(obs)
    hubs = tables["阵地建设/青年爱里"]
    assert {"状态", "来源", "位置/说明", "采用"} <= set(hubs.columns)
    assert "示例" in set(hubs["状态"]) and "已发布" in set(hubs["状态"])
    book = openpyxl.load_workbook(io.BytesIO(exports.workbook_bytes(tables)), read_only=True)
    assert "阵地建设·青年爱里" in book.sheetnames and book.sheetnames[-3:] == ["指标目录", "来源", "导入记录"]
    with zipfile.ZipFile(io.BytesIO(exports.csv_zip_bytes(tables))) as zf:
        names = zf.namelist()
        assert "阵地建设·青年爱里.csv" in names and "导入记录.csv" in names
        back = pd.read_csv(zf.open("阵地建设·青年爱里.csv"), encoding="utf-8-sig", dtype={"区划代码": str})
    assert len(back) == len(hubs) and back["区划代码"].str.len().eq(6).all()
    assert "示例数据" in admin.export_file_stem()


def test_export_escapes_formula_text(admin_env):
    """A file name that starts with "=" reaches the import log sheet as text, not a formula."""
    from nmgdash.reports import exports

    plan = ingest.load_file((CASES / "s01_clean.xlsx").read_bytes(), "=HYPERLINK(1).xlsx")
    transaction.commit(plan.rows[["indicator_id", "adcode", "year", "value", "note"]], file_name="=HYPERLINK(1).xlsx",
                 sha256=plan.sha256, user="张三", counts=plan.counts)
    from nmgdash.ui import admin

    book = openpyxl.load_workbook(io.BytesIO(exports.workbook_bytes(admin.export_tables())))
    log = book["导入记录"]
    header = [c.value for c in log[1]]
    cell = log.cell(2, header.index("file_name") + 1)
    assert cell.value == "'=HYPERLINK(1).xlsx" and cell.data_type == "s"
