"""数据管理 (data management, URL /data): the logic behind ``pages/data.py``.

Four tabs, drawn by the functions below:

* :func:`import_tab` — the Excel template (``ingest.build_template``), the upload (signed-in users
  only), the preview (``ingest.load_file``: counts, diff coloured with ``styled_diff``,
  per-league and per-indicator counts, every normalisation, errors and warnings naming file,
  sheet, row and column), confirmation of warnings and the commit (``ingest.commit``).
* :func:`log_tab` — the audit log (``ledger.audit_log``) and an undo button per active batch.
* :func:`completeness_tab` — 填报进度: league × indicator for one year (``queries/completeness.sql``).
* :func:`export_tab` — the whole database as one Excel workbook or a zip of CSV files.

Writes (import, undo) need sign-in (:mod:`nmgdash.ui.auth`); the user is checked again inside the
write callbacks, never taken from an earlier run. After a commit or undo the store publishes a new
database build; every session's next rerun reads it (``data.query`` is keyed on the build).
"""

from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd
import streamlit as st

from nmgdash import ingest
from nmgdash.core.fmt import is_missing
from nmgdash.core.i18n import t
from nmgdash.ingest import catalogue as ingest_catalogue
from nmgdash.ingest.template import FIRST_YEAR
from nmgdash.reports import exports
from nmgdash.storage import ledger, transaction
from nmgdash.ui import auth, data, state

#: UI strings of this page (zh, en). Messages from the importer itself are Chinese only.
TEXT: dict[str, tuple[str, str]] = {
    "tab_import": ("导入", "Import"),
    "tab_log": ("导入记录", "Import log"),
    "tab_progress": ("填报进度", "Reporting progress"),
    "tab_export": ("全部导出", "Export everything"),
    "intro": ("各盟市按模板填报的 Excel 报表在这里导入。导入前先预览，有错误的文件不会改动任何数据；每次导入都记入导入记录，可以撤销。",
              "Import the leagues' Excel reports here. Every file is previewed first; a file with errors changes nothing. "
              "Each import is logged and can be undone."),
    "signed_in_as": ("已登录：{user}（可以导入和撤销）", "Signed in as {user} (may import and undo)"),
    "sign_out": ("退出登录", "Sign out"),
    "sign_in_heading": ("登录后才能导入或撤销", "Sign in to import or undo"),
    "sign_in_help": ("查看和下载不需要登录。", "Viewing and downloading need no sign-in."),
    "username": ("用户名", "User name"),
    "password": ("口令", "Password"),
    "sign_in": ("登录", "Sign in"),
    "sign_in_with": ("使用 {provider} 登录", "Sign in with {provider}"),
    "sign_in_oidc": ("使用单位账号登录", "Sign in with your organisation account"),
    "not_editor": ("账号 {user} 已登录，但没有导入权限（不在 [nmgdash] editors 名单中）。",
                   "{user} is signed in but may not import (not in the [nmgdash] editors list)."),
    "writes_disabled": ("导入和撤销已停用：服务器没有配置登录方式。", "Import and undo are disabled: no sign-in is configured on the server."),
    "writes_howto": (
        "管理员可以在服务器的 `.streamlit/secrets.toml` 中任选一种方式启用：\n\n"
        "1. **单位统一身份认证（OIDC）**：`[auth]` 段写 `redirect_uri`、`cookie_secret`、`client_id`、`client_secret`、"
        "`server_metadata_url`，可选 `[nmgdash] editors = [\"邮箱\", …]` 限定可导入的账号；\n"
        "2. **用户名和口令**：运行 `python -m nmgdash.ui.auth 用户名` 生成口令哈希，把它写入 `[nmgdash.users]` 段"
        "（`用户名 = \"$2b$…\"`）。\n\n"
        "改完后刷新本页即可。服务器管理员也可以不登录，直接用命令行导入：`python -m nmgdash import 文件.xlsx`。"
        "详见 README“数据管理：导入各盟市报表”。",
        "An administrator enables them in the server's `.streamlit/secrets.toml`, either way:\n\n"
        "1. **Organisation sign-in (OIDC)**: an `[auth]` section with `redirect_uri`, `cookie_secret`, `client_id`, "
        "`client_secret`, `server_metadata_url`; optionally `[nmgdash] editors = [\"e-mail\", …]` to limit who may import;\n"
        "2. **User names and passwords**: run `python -m nmgdash.ui.auth NAME` for a password hash and add it to "
        "`[nmgdash.users]` (`NAME = \"$2b$…\"`).\n\n"
        "Reload this page afterwards. The server's operator can also import from the command line without "
        "signing in: `python -m nmgdash import FILE.xlsx`. See the README section “数据管理：导入各盟市报表”.",
    ),
    "step_template": ("① 下载填报模板", "① Download the template"),
    "template_help": ("模板由指标目录生成：“盟市数据”表每行一个盟市，“旗县数据”表每行一个旗县（市、区），表头带单位，B2 选年份，"
                      "Excel 会拦下负数、小数的数量和超出 0–100 的百分比。“说明”表有填写要求和指标口径。",
                      "Generated from the indicator catalogue: one row per league (and per county-level unit on the second "
                      "sheet), units in the headers, the year in B2; Excel's own validation stops negative or fractional "
                      "counts and percentages outside 0–100. The 说明 sheet has the instructions."),
    "template_year": ("模板年份", "Template year"),
    "template_year_none": ("不预填（在 B2 选择）", "Leave empty (choose in B2)"),
    "download_template": ("下载 Excel 模板", "Download the Excel template"),
    "step_upload": ("② 上传填好的报表", "② Upload a filled-in report"),
    "upload_label": ("选择文件（.xlsx、.xls 或 .csv，最大 {mb} MB）", "Choose a file (.xlsx, .xls or .csv, at most {mb} MB)"),
    "upload_help": ("CSV 可以是 UTF-8、带 BOM 的 UTF-8 或 GBK/GB18030。也接受一行一个数值的长表（盟市、年份、指标、数值、单位）。",
                    "CSV in UTF-8 (with or without BOM) or GBK/GB18030. The long layout (盟市, 年份, 指标, 数值, 单位) works too."),
    "upload_limit": ("文件大小上限 {mb} MB；只接受 .xlsx、.xls、.csv。", "Size limit {mb} MB; .xlsx, .xls and .csv only."),
    "upload_needs_sign_in": ("上传报表需要先登录（见本页顶部）。模板和下面的各项查看、下载不需要登录。",
                             "Uploading a report needs sign-in (top of this page). The template and everything else "
                             "on this page can be viewed and downloaded without it."),
    "step_preview": ("③ 预览：导入后会有哪些变化", "③ Preview: what the import would change"),
    "reading": ("正在读取和校验文件……", "Reading and checking the file…"),
    "file_line": ("文件 **{name}**（{size}，SHA-256 `{sha}…`）", "File **{name}** ({size}, SHA-256 `{sha}…`)"),
    "n_values": ("将导入的数值", "Values to import"),
    "rejected_rows": ("文件中读出 {n} 个数值，仅供对照修改：因有上述错误，一个也不会导入。",
                      "{n} values were read from the file, shown only to help fix it: because of the errors above, none will be imported."),
    "new": ("新增", "New"),
    "changed": ("修改", "Changed"),
    "unchanged": ("不变", "Unchanged"),
    "errors_heading": ("错误：文件被拒绝，没有导入任何数据（{n} 条）", "Errors: the file is rejected, nothing was imported ({n})"),
    "errors_fix": ("请按提示修改文件后重新上传。", "Fix the file as described and upload it again."),
    "warnings_heading": ("警告：请核对后确认（{n} 条）", "Warnings: check them, then confirm ({n})"),
    "notes_heading": ("说明", "Notes"),
    "norms_heading": ("自动规范化（{n} 处）：这些单元格按下列方式理解", "Normalisations ({n}): these cells were read as follows"),
    "no_norms": ("没有需要规范化的单元格。", "No cell needed normalising."),
    "diff_heading": ("逐项变化（绿色=新增，黄色=修改，灰色=不变）", "Cell by cell (green = new, amber = changed, grey = unchanged)"),
    "by_league": ("按盟市", "By league"),
    "by_indicator": ("按指标", "By indicator"),
    "confirm_warnings": ("我已核对以上 {n} 条警告，数据无误，确认导入", "I have checked the {n} warnings above; the data are right, import them"),
    "commit": ("④ 确认导入", "④ Import"),
    "commit_help": ("一步完成，要么全部导入，要么什么都不改。导入后可在“导入记录”中撤销。",
                    "One atomic step: everything is imported or nothing is. It can be undone under “Import log”."),
    "commit_blocked": ("请先勾选上面的确认框。", "Tick the confirmation above first."),
    "committed": ("已导入 {file}：批次 {batch}（新增 {new}，修改 {changed}，不变 {unchanged}）。"
                  "各页面（包括其他人已打开的页面）在下一次刷新或操作时显示新数据，无需重启服务器。",
                  "Imported {file}: batch {batch} ({new} new, {changed} changed, {unchanged} unchanged). "
                  "Every page, including pages others already have open, shows the new data on its next rerun; "
                  "no server restart is needed."),
    "busy": ("另一项导入或撤销正在进行，请稍后再试。本次没有导入任何数据。",
             "Another import or undo is in progress; please try again shortly. Nothing was imported."),
    "write_failed": ("导入失败，数据没有任何改动：{reason}", "The import failed and nothing was changed: {reason}"),
    "not_allowed": ("需要登录后才能执行此操作。", "You need to sign in to do this."),
    "log_heading": ("导入记录（最新在前）", "Import log (newest first)"),
    "log_empty": ("还没有导入过数据：所有分盟市数字都是示例数据。", "Nothing has been imported yet: every per-league figure is sample data."),
    "log_where": ("导入记录保存在服务器的导入目录中，备份方法见 README“导入数据的存放与备份”。",
                  "The log lives in the server's import folder; see the README section “导入数据的存放与备份” for backups."),
    "undo_heading": ("撤销导入", "Undo an import"),
    "undo_none": ("没有可以撤销的导入批次。", "No batch can be undone."),
    "undo_button": ("撤销……", "Undo…"),
    "undo_confirm": ("确认撤销批次 {batch}（{file}，{at}，{user}）？该批次的 {rows} 个数值将被移除，之前的数值（或示例数据）恢复。撤销也记入导入记录。",
                     "Undo batch {batch} ({file}, {at}, {user})? Its {rows} values are removed and the previous values "
                     "(or the sample data) come back. The undo is logged too."),
    "undo_yes": ("确认撤销", "Yes, undo it"),
    "undo_no": ("取消", "Cancel"),
    "undone": ("已撤销批次 {batch}（{file}），之前的数值已恢复；各页面在下一次刷新时显示。",
               "Batch {batch} ({file}) is undone and the previous values are back; pages show them on their next rerun."),
    "undo_signin": ("撤销需要登录。", "Undo needs sign-in."),
    "progress_year": ("年份", "Year"),
    "progress_intro": ("每个盟市、每个指标在所选年份的数据来自哪里：已导入（盟市报表）、已发布（公报）、示例（生成的占位数据）或缺失。"
                       "“示例”和“缺失”都表示该盟市还没有报送这一项。",
                       "Where each league's figure for each indicator comes from in the chosen year: imported (the league's "
                       "report), published (bulletin), sample (generated placeholder) or missing. Sample and missing both mean "
                       "the league has not reported it yet."),
    "progress_done": ("已全部填报的盟市", "Leagues fully reported"),
    "progress_cells": ("已导入的单元格", "Cells imported"),
    "progress_pending": ("尚未填报（没有任何导入数据）：{names}", "Not reported at all yet: {names}"),
    "progress_partial": ("部分填报：{names}", "Partly reported: {names}"),
    "progress_all_done": ("{year}年全部 12 个盟市的所有指标都已导入。", "All 12 leagues have reported every indicator for {year}."),
    "progress_summary": ("各盟市进度", "Progress by league"),
    "progress_matrix": ("指标 × 盟市", "Indicator × league"),
    "progress_legend": ("颜色：绿=已导入，蓝=已发布，灰=参考，黄=示例，红=缺失。旗县级指标另注已导入的旗县数（如“旗县 3/9”）。",
                        "Colours: green = imported, blue = published, grey = reference, yellow = sample, red = missing. "
                        "County-level indicators also show how many county units are imported (e.g. “counties 3/9”)."),
    "missing": ("缺失", "missing"),
    "counties": ("旗县 {n}/{of}", "counties {n}/{of}"),
    "col_league": ("盟市", "League"),
    "col_indicator": ("指标", "Indicator"),
    "col_todo": ("待填报", "To report"),
    "col_rate": ("完成率", "Done"),
    "download_progress": ("下载填报进度（Excel）", "Download the progress (Excel)"),
    "export_intro": ("整个数据库导出为一个 Excel 工作簿：每个指标类别一张表（长表：一行一个数值，带状态、来源和位置说明），"
                     "另有指标目录、来源和导入记录；也可以下载同样内容的 CSV 压缩包。示例数据在“状态”列标为“示例”。",
                     "The whole database as one Excel workbook: one sheet per indicator category (long format, one value per "
                     "row, with status, source and locator), plus the indicator catalogue, the sources and the import log; "
                     "or the same as a zip of CSV files. Sample values say “sample” in the status column."),
    "download_all_xlsx": ("下载全部数据（Excel 工作簿）", "Download everything (Excel workbook)"),
    "download_all_zip": ("下载全部数据（CSV 压缩包）", "Download everything (zip of CSV files)"),
    "export_counts": ("{n} 个数值（其中示例 {s}、已导入 {i}），{c} 个类别，{k} 个指标，{src} 个来源，导入记录 {log} 条。",
                      "{n} values ({s} sample, {i} imported), {c} categories, {k} indicators, {src} sources, {log} log entries."),
    "sheet_readme": ("说明", "readme"),
    "sheet_catalogue": ("指标目录", "indicators"),
    "sheet_sources": ("来源", "sources"),
    "sheet_log": ("导入记录", "import log"),
    "sheet_progress": ("填报进度", "progress"),
    "sheet_progress_long": ("明细", "details"),
    "c_sheet": ("工作表", "Sheet"),
    "c_cell": ("单元格", "Cell"),
    "c_message": ("说明", "Message"),
    "c_before": ("原值", "As written"),
    "c_after": ("理解为", "Read as"),
    "c_area": ("地区", "Area"),
    "c_adcode": ("区划代码", "Adcode"),
    "c_year": ("年份", "Year"),
    "c_old": ("原数值", "Old value"),
    "c_old_status": ("原状态", "Old status"),
    "c_new": ("新数值", "New value"),
    "c_unit": ("单位", "Unit"),
    "c_change": ("变化", "Change"),
    "c_total": ("合计", "Total"),
    "c_when": ("时间", "When"),
    "c_action": ("操作", "Action"),
    "c_who": ("操作人", "Who"),
    "c_file": ("文件", "File"),
    "c_sha": ("文件 SHA-256", "File SHA-256"),
    "c_batch": ("批次", "Batch"),
    "c_state": ("当前", "State"),
    "a_import": ("导入", "import"),
    "a_undo": ("撤销", "undo"),
    "s_active": ("生效中", "in effect"),
    "s_undone": ("已撤销", "undone"),
    "c_indicator_id": ("指标编号", "Indicator ID"),
    "c_indicator": ("指标", "Indicator"),
    "c_level": ("层级", "Level"),
    "c_value": ("数值", "Value"),
    "c_status": ("状态", "Status"),
    "c_in_use": ("采用", "In use"),
    "c_source_id": ("来源编号", "Source ID"),
    "c_source": ("来源", "Source"),
    "c_locator": ("位置/说明", "Locator"),
    "c_qualifier": ("限定词", "Qualifier"),
    "c_period_start": ("时期起", "Period start"),
    "c_period_end": ("时期止", "Period end"),
    "c_cumulative": ("累计", "Cumulative"),
    "c_category": ("类别", "Category"),
    "c_rows": ("行数", "Rows"),
    "c_content": ("内容", "Content"),
}

#: Completeness cell colours by status (None = missing).
STATUS_COLOURS = {"imported": "#c8e6c9", "published": "#bbdefb", "reference": "#e0e0e0",
                  "sample": "#fff3c4", None: "#f6c9c9"}
MB = ingest.MAX_BYTES // (1024 * 1024)
_UPLOAD_GEN, _PLAN, _FLASH, _UNDO_PENDING = "_admin_upload_gen", "_admin_plan", "_admin_flash", "_admin_undo"


def tr(key: str, **kwargs: object) -> str:
    """This page's string ``key`` in the current language."""
    zh, en = TEXT[key]
    text = zh if state.lang() == "zh" else en
    return text.format(**kwargs) if kwargs else text


def status_text(status: str | None) -> str:
    """已导入 / 已发布 / 参考 / 示例, or 缺失 for a missing figure."""
    return tr("missing") if status is None or is_missing(status) else t(f"status_{status}", state.lang())


def _flash(kind: str, text: str) -> None:
    st.session_state[_FLASH] = (kind, text)


def show_flash() -> None:
    """The outcome of the last write (set by the write callbacks), shown once."""
    kind, text = st.session_state.pop(_FLASH, (None, None))
    if kind:
        {"success": st.success, "error": st.error, "warning": st.warning}[kind](text, icon={
            "success": "✅", "error": "🛑", "warning": "⚠️"}[kind])


# --- sign-in ------------------------------------------------------------------------------


def sign_in_panel() -> str | None:
    """The line at the top of the page: who is signed in (with 退出登录), the sign-in form or
    OIDC buttons, or — with nothing configured — why writes are disabled and how to enable them.
    Returns the user who may write in this run, or None."""
    cfg = auth.config()
    user = auth.user()
    with st.container(border=True):
        if cfg.problem:
            st.warning(cfg.problem, icon="⚠️")
        if user:
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.markdown(f"**{tr('signed_in_as', user=user)}**")
            if cfg.mode == "oidc":
                right.button(tr("sign_out"), key="admin_sign_out", on_click=st.logout, width="stretch")
            else:
                right.button(tr("sign_out"), key="admin_sign_out", on_click=auth.sign_out, width="stretch")
            return user
        if cfg.mode == "none":
            st.markdown(f"**{tr('writes_disabled')}** {tr('sign_in_help')}")
            with st.expander("如何启用导入" if state.lang() == "zh" else "How to enable imports"):
                st.markdown(tr("writes_howto"))
            return None
        if cfg.mode == "oidc":
            who = auth.signed_in_identity()
            if who:
                st.warning(tr("not_editor", user=who))
                st.button(tr("sign_out"), key="admin_sign_out", on_click=st.logout)
                return None
            st.markdown(f"**{tr('sign_in_heading')}** {tr('sign_in_help')}")
            cols = st.columns(max(len(cfg.providers), 3))
            for i, provider in enumerate(cfg.providers):
                label = tr("sign_in_with", provider=provider) if provider else tr("sign_in_oidc")
                cols[i].button(label, key=f"admin_login_{provider or 'default'}", on_click=st.login,
                               args=(provider,) if provider else (), type="primary", width="stretch")
            return None
        st.markdown(f"**{tr('sign_in_heading')}** {tr('sign_in_help')}")
        with st.form("admin_sign_in", border=False, enter_to_submit=True):
            c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
            name = c1.text_input(tr("username"), key="admin_user_name", autocomplete="username")
            password = c2.text_input(tr("password"), type="password", key="admin_password",
                                     autocomplete="current-password")
            submitted = c3.form_submit_button(tr("sign_in"), type="primary", width="stretch")
        if submitted:
            problem = auth.sign_in(name, password)
            if problem is None:
                st.rerun()
            st.error(problem, icon="🛑")
    return None


# --- import -------------------------------------------------------------------------------


def _size_text(n: int) -> str:
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1048576:.1f} MB"


def template_block() -> None:
    """① The template download, optionally with the year pre-selected (not a write)."""
    st.subheader(tr("step_template"))
    st.caption(tr("template_help"))
    years = [None, *range(date.today().year + 1, ingest_catalogue_first_year() - 1, -1)]
    c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
    year = c1.selectbox(tr("template_year"), years, key=f"admin_template_year_{state.lang()}",
                        format_func=lambda y: tr("template_year_none") if y is None else str(y))
    name = ingest.TEMPLATE_FILE_NAME if year is None else ingest.TEMPLATE_FILE_NAME.replace(".xlsx", f"_{year}年.xlsx")
    c2.download_button(tr("download_template"), lambda: ingest.build_template(year=year), name,
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="admin_template", on_click="ignore")


def ingest_catalogue_first_year() -> int:
    """First year the template offers (the pre-reform baseline, 2017)."""

    return FIRST_YEAR


def plan_for(file_name: str, payload: bytes) -> ingest.ImportPlan:
    """The import plan of an uploaded file against the current build (read-only; cached in the
    session per file content and build, so a rerun does not parse it again)."""

    key = (hashlib.sha256(payload).hexdigest(), file_name, data.version())
    cached = st.session_state.get(_PLAN)
    if cached and cached[0] == key:
        return cached[1]
    with st.spinner(tr("reading")), data.database().cursor() as cur:
        plan = ingest.load_file(payload, file_name, cur)
    st.session_state[_PLAN] = (key, plan)
    return plan


def issues_frame(issues: list[ingest.Issue]) -> pd.DataFrame:
    """Errors or warnings as a table: sheet, cell (C7), the full Chinese message."""
    return pd.DataFrame({tr("c_sheet"): [i.sheet or "—" for i in issues], tr("c_cell"): [i.cell or "—" for i in issues],
                         tr("c_message"): [i.text for i in issues]})


def normalisations_frame(plan: ingest.ImportPlan) -> pd.DataFrame:
    """Every normalisation: sheet, cell, as written, read as, the Chinese explanation."""
    n = plan.normalisations
    return pd.DataFrame({tr("c_sheet"): [x.sheet or "—" for x in n], tr("c_cell"): [x.cell or "—" for x in n],
                         tr("c_before"): [x.before for x in n], tr("c_after"): [x.after for x in n],
                         tr("c_message"): [x.text for x in n]})


#: Row colours for the diff table: new green, changed amber, unchanged grey.
CHANGE_COLOURS = {"new": "#e6f4ea", "changed": "#fff4ce", "unchanged": "#f1f3f4"}


def styled_diff(diff: pd.DataFrame):
    """The diff as a pandas Styler with a background colour per change (for st.dataframe).
    Text cells stay text: Streamlit's dataframe renders them escaped."""
    return diff.style.apply(lambda row: [f"background-color: {CHANGE_COLOURS[row['change']]}"] * len(row), axis=1)


def diff_view(preview: ingest.Preview):
    """(Styler, column_config) of the cell-by-cell diff: rows coloured by ``styled_diff``
    (new green, changed amber, unchanged grey), change shown as 新增/修改/不变, headers in the
    current language. The underlying ``change`` column keeps its codes."""
    d = preview.diff
    lg = state.lang()
    frame = pd.DataFrame({
        "area": d["area_name"] if lg == "zh" else d["adcode"].map(ingest_catalogue.load().areas["name_en"]),
        "indicator": d["indicator_name"] if lg == "zh" else d["indicator_id"].map(data.catalogue()["name_en"]),
        "year": d["year"],
        "old_value": d["old_value"],
        "old_status": [status_text(s) if s else "—" for s in d["old_status"]],
        "new_value": d["new_value"],
        "unit": d["unit"],
        "change": d["change"],
        "change_label": [tr(c) for c in d["change"]],
        "sheet": d["sheet"] if "sheet" in d else None,
        "cell": d["cell"] if "cell" in d else None,
    })
    styler = styled_diff(frame).format({"old_value": _num, "new_value": _num}, na_rep="—")
    labels = {"area": "c_area", "indicator": "c_indicator", "year": "c_year", "old_value": "c_old",
              "old_status": "c_old_status", "new_value": "c_new", "unit": "c_unit", "change_label": "c_change",
              "sheet": "c_sheet", "cell": "c_cell"}
    # the code column ``change`` drives the colours; the table shows its label (新增/修改/不变) instead
    return styler, {k: st.column_config.Column(tr(v)) for k, v in labels.items()}, list(labels)


def _num(v: object) -> str:
    if v is None or is_missing(v):
        return "—"
    f = float(v)  # type: ignore[arg-type]
    return f"{int(f)}" if f.is_integer() else f"{f:.4f}".rstrip("0").rstrip(".")


def tally_frame(frame: pd.DataFrame, key_cols: dict[str, str]) -> pd.DataFrame:
    """by_league / by_indicator with headers in the current language."""
    out = pd.DataFrame({tr(label): frame[col] for col, label in key_cols.items()})
    for c in ("new", "changed", "unchanged"):
        out[tr(c)] = frame[c].astype(int)
    out[tr("c_total")] = frame["total"].astype(int)
    return out


def _commit(upload_key: str) -> None:
    """Commit button callback: re-check the user, commit the session's plan, report the outcome."""
    user = auth.user()
    cached = st.session_state.get(_PLAN)
    if not user:
        _flash("error", tr("not_allowed"))
        return
    if not cached:
        return
    plan: ingest.ImportPlan = cached[1]
    accept = bool(st.session_state.get("admin_confirm"))
    try:
        batch = ingest.commit(plan, user=user, accept_warnings=accept)
    except ledger.ImportBusy:
        _flash("error", tr("busy"))
        return
    except ingest.ConfirmationRequired as exc:
        if exc.changed:  # another import changed the data: show the fresh preview, ask again
            st.session_state.pop(_PLAN, None)
            st.session_state.pop("admin_confirm", None)
            _flash("warning", exc.message_zh if state.lang() == "zh" else exc.message_en)
        else:
            _flash("warning", tr("commit_blocked"))
        return
    except ledger.WriteFailed as exc:  # read-only or full import folder: a Chinese message, no path
        _flash("error", exc.message_zh if state.lang() == "zh" else exc.message_en)
        return
    except (ingest.ImportRejected, ValueError, OSError) as exc:
        _flash("error", tr("write_failed", reason=str(exc)))
        return
    c = plan.counts
    _flash("success", tr("committed", file=plan.file_name, batch=batch, new=c["new"], changed=c["changed"],
                         unchanged=c["unchanged"]))
    st.session_state.pop(_PLAN, None)
    st.session_state.pop("admin_confirm", None)
    st.session_state[_UPLOAD_GEN] = st.session_state.get(_UPLOAD_GEN, 0) + 1  # a fresh, empty uploader


def import_tab(user: str | None) -> None:
    """① template, ② upload (signed-in users), ③ preview, ④ commit."""
    template_block()
    st.subheader(tr("step_upload"))
    if not user:
        st.info(tr("upload_needs_sign_in"))
        st.caption(tr("upload_limit", mb=MB))
        return
    gen = st.session_state.get(_UPLOAD_GEN, 0)
    # No ``type=`` filter: Streamlit's own rejection of other types is English only; the importer
    # rejects them with a Chinese message naming the file (不支持“.pdf”文件；请上传 .xlsx、.xls 或 .csv 文件).
    uploaded = st.file_uploader(tr("upload_label", mb=MB), key=f"admin_upload_{gen}",
                                help=tr("upload_help"), max_upload_size=MB)
    st.caption(tr("upload_limit", mb=MB))
    if uploaded is None:
        st.session_state.pop(_PLAN, None)
        return
    plan = plan_for(uploaded.name, uploaded.getvalue())
    preview_block(plan)
    commit_block(plan, f"admin_upload_{gen}")


def preview_block(plan: ingest.ImportPlan) -> None:
    """③ What the file would change: counts, errors, warnings, notes, normalisations, the diff."""
    st.subheader(tr("step_preview"))
    st.markdown(tr("file_line", name=plan.file_name.replace("*", "\\*").replace("_", "\\_"),
                   size=_size_text(plan.size), sha=plan.sha256[:16]))
    if plan.errors:
        st.error(f"**{tr('errors_heading', n=len(plan.errors))}**  \n{tr('errors_fix')}", icon="🛑")
        st.table(issues_frame(plan.errors), hide_index=True)  # wraps long messages; text shown as text
    if plan.errors and len(plan.rows):  # a rejected file imports nothing: say so, no "to import" counts
        st.caption(tr("rejected_rows", n=len(plan.rows)))
    elif plan.preview is not None and len(plan.rows):
        c = plan.counts
        m = st.columns(4)
        m[0].metric(tr("n_values"), len(plan.rows), border=True)
        m[1].metric(tr("new"), c["new"], border=True)
        m[2].metric(tr("changed"), c["changed"], border=True)
        m[3].metric(tr("unchanged"), c["unchanged"], border=True)
    if plan.warnings:
        st.warning(f"**{tr('warnings_heading', n=len(plan.warnings))}**", icon="⚠️")
        st.table(issues_frame(plan.warnings), hide_index=True)
    if plan.notes:
        st.info(f"**{tr('notes_heading')}**  \n" + "  \n".join(f"· {n}" for n in plan.notes), icon="ℹ️")
    if plan.normalisations:
        with st.expander(tr("norms_heading", n=len(plan.normalisations)), expanded=len(plan.normalisations) <= 20):
            st.dataframe(normalisations_frame(plan), hide_index=True, width="stretch")
    elif plan.preview is not None:
        st.caption(tr("no_norms"))
    if plan.preview is None or not len(plan.rows):
        return
    p = plan.preview
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{tr('by_league')}**")
        st.dataframe(tally_frame(p.by_league, {"area_name": "c_area"} if state.lang() == "zh"
                                 else {"adcode": "c_adcode", "area_name": "c_area"}),
                     hide_index=True, width="stretch", height=38 + 35 * len(p.by_league))
    with right:
        st.markdown(f"**{tr('by_indicator')}**")
        st.dataframe(tally_frame(p.by_indicator, {"indicator_name": "c_indicator", "unit": "c_unit"}),
                     hide_index=True, width="stretch", height=38 + 35 * len(p.by_indicator))
    st.markdown(f"**{tr('diff_heading')}**")
    styler, config, order = diff_view(p)
    st.dataframe(styler, column_config=config, column_order=order, hide_index=True, width="stretch", key="admin_diff",
                 height=min(38 + 35 * len(p.diff), 420))


def commit_block(plan: ingest.ImportPlan, upload_key: str) -> None:
    """④ The confirmation checkbox (when there are warnings) and the commit button."""
    if plan.errors or not len(plan.rows):
        return
    needs_confirm = bool(plan.warnings)
    confirmed = True
    if needs_confirm:
        confirmed = st.checkbox(tr("confirm_warnings", n=len(plan.warnings)), key="admin_confirm")
    st.button(tr("commit"), type="primary", key="admin_commit", disabled=not confirmed, help=tr("commit_help"),
              on_click=_commit, args=(upload_key,))
    st.caption(tr("commit_help"))


# --- import log and undo --------------------------------------------------------------------


def audit_frame() -> pd.DataFrame:
    """The audit log newest first with headers in the current language: when, action, who, file,
    SHA-256, new/changed/unchanged, batch id, state (in effect/undone)."""
    log = ledger.audit_log().iloc[::-1]
    return pd.DataFrame({
        tr("c_when"): log["at"].str.replace("T", " ").str.slice(0, 19),
        tr("c_action"): [tr(f"a_{a}") for a in log["action"]],
        tr("c_who"): log["user"],
        tr("c_file"): log["file_name"],
        tr("new"): log["n_new"],
        tr("changed"): log["n_changed"],
        tr("unchanged"): log["n_unchanged"],
        tr("c_sha"): log["sha256"],
        tr("c_batch"): log["batch_id"],
        tr("c_state"): [tr("s_undone") if u else tr("s_active") for u in log["undone"]],
    })


def _undo(batch_id: str) -> None:
    """Confirm-undo callback: re-check the user, undo the batch, report the outcome."""
    st.session_state.pop(_UNDO_PENDING, None)
    user = auth.user()
    if not user:
        _flash("error", tr("not_allowed"))
        return
    file_name = next((r["file_name"] for r in ledger.read_records() if r["batch_id"] == batch_id), batch_id)
    try:
        transaction.undo(batch_id, user=user)
    except ledger.ImportBusy:
        _flash("error", tr("busy"))
        return
    except ledger.WriteFailed as exc:
        _flash("error", exc.message_zh if state.lang() == "zh" else exc.message_en)
        return
    except (ValueError, OSError) as exc:
        _flash("error", tr("write_failed", reason=str(exc)))
        return
    _flash("success", tr("undone", batch=batch_id, file=file_name))


def log_tab(user: str | None) -> None:
    """The audit log table and, per batch in effect, an undo button with a confirmation."""
    st.subheader(tr("log_heading"))
    log = ledger.audit_log()
    if log.empty:
        st.info(tr("log_empty"), icon="ℹ️")
    else:
        st.dataframe(audit_frame(), hide_index=True, width="stretch")
    st.caption(tr("log_where"))
    st.subheader(tr("undo_heading"))
    records = ledger.read_records()
    active = [r for r in records if r["action"] == "import" and r["batch_id"] in set(ledger.active_ids(records))]
    if not active:
        st.caption(tr("undo_none"))
        return
    if not user:
        st.caption(tr("undo_signin"))
    pending = st.session_state.get(_UNDO_PENDING)
    for r in reversed(active):
        with st.container(border=True):
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown(f"**{r['file_name']}** · {r['at'][:19].replace('T', ' ')} · {r['user']}  \n"
                          f"{tr('c_batch')} `{r['batch_id']}` · {tr('new')} {r['n_new']} · {tr('changed')} "
                          f"{r['n_changed']} · {tr('unchanged')} {r['n_unchanged']}")
            right.button(tr("undo_button"), key=f"admin_undo_{r['batch_id']}", disabled=not user, width="stretch",
                         on_click=st.session_state.__setitem__, args=(_UNDO_PENDING, r["batch_id"]))
            if pending == r["batch_id"] and user:
                st.warning(tr("undo_confirm", batch=r["batch_id"], file=r["file_name"], at=r["at"][:19].replace("T", " "),
                              user=r["user"], rows=r.get("rows", r["n_new"] + r["n_changed"] + r["n_unchanged"])), icon="⚠️")
                c1, c2, _ = st.columns([1, 1, 3])
                c1.button(tr("undo_yes"), key="admin_undo_yes", type="primary", on_click=_undo, args=(r["batch_id"],),
                          width="stretch")
                c2.button(tr("undo_no"), key="admin_undo_no", on_click=st.session_state.pop, args=(_UNDO_PENDING, None),
                          width="stretch")


# --- completeness (填报进度) -----------------------------------------------------------------


def reportable_indicators() -> list[str]:
    """Indicators the leagues report (importable at league level), in catalogue order."""
    return ingest_catalogue.load().importable("league")


def completeness(year: int) -> pd.DataFrame:
    """``queries/completeness.sql`` for ``year`` over :func:`reportable_indicators`: one row per
    league × indicator (adcode, name_zh, name_en, indicator_id, status or None, value, source_title,
    counties_total, counties_imported)."""
    return data.query("completeness", indicator_ids=tuple(reportable_indicators()), year=int(year))


def completeness_tables(long: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(matrix, colours, summary) for the current language.

    ``matrix``: one row per indicator, one column per league; each cell the status text
    (已导入/已发布/示例/缺失) plus, for county-level indicators with imported county units,
    “旗县 n/m”. ``colours``: the same shape, a hex colour per cell (:data:`STATUS_COLOURS`).
    ``summary``: per league the count of cells per status, the number still to report (sample or
    missing) and the share imported or published."""
    lg = state.lang()
    cat = data.catalogue()
    league_col = "name_zh" if lg == "zh" else "name_en"
    leagues = list(dict.fromkeys(long[league_col]))
    ids = list(dict.fromkeys(long["indicator_id"]))
    names = [f"{cat.loc[i, 'name_zh']}（{cat.loc[i, 'unit']}）" if lg == "zh" else f"{cat.loc[i, 'name_en']} ({cat.loc[i, 'unit_en']})"
             for i in ids]
    status = long["status"].astype(object).where(long["status"].notna(), None)

    def cell(r) -> str:
        text = status_text(r.status)
        if not is_missing(r.counties_imported) and int(r.counties_imported) > 0:
            text += " · " + tr("counties", n=int(r.counties_imported), of=int(r.counties_total))
        return text

    frame = long.assign(status=status)
    frame["text"] = [cell(r) for r in frame.itertuples()]
    frame["colour"] = [STATUS_COLOURS.get(s, STATUS_COLOURS[None]) for s in frame["status"]]
    matrix = frame.pivot(index="indicator_id", columns=league_col, values="text").reindex(index=ids, columns=leagues)
    colours = frame.pivot(index="indicator_id", columns=league_col, values="colour").reindex(index=ids, columns=leagues)
    matrix.index, colours.index = names, names
    matrix.index.name = colours.index.name = tr("col_indicator")
    matrix.columns.name = colours.columns.name = None
    rows = []
    for name, g in frame.groupby(league_col, sort=False):
        counts = g["status"].value_counts(dropna=False)
        n = {s: int(counts.get(s, 0)) for s in ("imported", "published", "reference", "sample")}
        n_missing = int(g["status"].isna().sum())
        done = n["imported"] + n["published"] + n["reference"]
        rows.append({tr("col_league"): name, status_text("imported"): n["imported"],
                     status_text("published"): n["published"], status_text("sample"): n["sample"],
                     tr("missing"): n_missing, tr("col_todo"): n["sample"] + n_missing,
                     tr("col_rate"): f"{100 * done / len(g):.0f}%"})
    return matrix, colours, pd.DataFrame(rows)


def completeness_xlsx(year: int, long: pd.DataFrame) -> bytes:
    """The 填报进度 workbook: the coloured matrix, the per-league summary and the long details."""
    matrix, colours, summary = completeness_tables(long)
    lg = state.lang()
    details = pd.DataFrame({
        tr("c_adcode"): long["adcode"], tr("col_league"): long["name_zh" if lg == "zh" else "name_en"],
        tr("c_indicator_id"): long["indicator_id"], tr("c_year"): int(year),
        tr("c_status"): [status_text(s if not is_missing(s) else None) for s in long["status"]],
        tr("c_value"): long["value"], tr("c_source"): long["source_title"],
        "旗县（已导入/总数）" if lg == "zh" else "Counties (imported/total)":
            [None if is_missing(a) else f"{int(a)}/{int(b)}" for a, b in zip(long["counties_imported"], long["counties_total"])],
    })
    title = f"{tr('sheet_progress')} {year}"
    fills = colours.reset_index(drop=True)
    fills.insert(0, "_", None)  # the indicator-name column stays white
    return exports.workbook_bytes(
        {title: matrix.reset_index(), tr("progress_summary"): summary, tr("sheet_progress_long"): details},
        fills={title: fills})


def completeness_tab() -> None:
    """填报进度: year picker, headline counts, who still has to report, the coloured matrix, Excel."""
    years = sorted(set(data.years()) | set(range(ingest_catalogue_first_year(), date.today().year + 1)), reverse=True)
    default = state.year(max(data.years()))
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    year = c1.selectbox(tr("progress_year"), years, index=years.index(default) if default in years else 0,
                        key="admin_progress_year")
    c2.caption(tr("progress_intro"))
    long = completeness(year)
    matrix, colours, summary = completeness_tables(long)
    todo = summary.set_index(tr("col_league"))[tr("col_todo")]
    imported = summary.set_index(tr("col_league"))[status_text("imported")]
    m = st.columns(3)
    m[0].metric(tr("progress_done"), f"{int((todo == 0).sum())} / {len(todo)}", border=True)
    m[1].metric(tr("progress_cells"), f"{int(imported.sum())} / {len(long)}", border=True)
    m[2].metric(tr("col_todo"), int(todo.sum()), border=True)
    sep = "、" if state.lang() == "zh" else ", "
    none = [n for n in todo.index if imported[n] == 0]
    partial = [f"{n}（{int(todo[n])}）" if state.lang() == "zh" else f"{n} ({int(todo[n])})"
               for n in todo.index if imported[n] > 0 and todo[n] > 0]
    if not none and not partial:
        st.success(tr("progress_all_done", year=year), icon="✅")
    if none:
        st.error(tr("progress_pending", names=sep.join(none)))
    if partial:
        st.warning(tr("progress_partial", names=sep.join(partial)))
    st.markdown(f"**{tr('progress_summary')}**")
    st.dataframe(summary, hide_index=True, width="stretch", key="admin_progress_summary", height=38 + 35 * len(summary))
    st.markdown(f"**{tr('progress_matrix')}**")
    st.caption(tr("progress_legend"))
    styled = matrix.style.apply(lambda _: ("background-color: " + colours).to_numpy(), axis=None)
    st.dataframe(styled, width="stretch", height=38 + 35 * len(matrix), key="admin_progress_matrix",
                 column_config={c: st.column_config.TextColumn(width="small") for c in matrix.columns})
    stem = "填报进度" if state.lang() == "zh" else "reporting_progress"
    st.download_button(tr("download_progress"), lambda: completeness_xlsx(year, long),
                       f"{stem}_{year}_{date.today():%Y%m%d}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="admin_progress_xlsx", on_click="ignore")


# --- whole-database export -------------------------------------------------------------------


def export_tables() -> dict[str, pd.DataFrame]:
    """The whole database as named tables in the current language: a readme, one long table per
    category (status, source and locator on every row; ``采用`` marks the figure the dashboard
    shows), the indicator catalogue, the sources and the import log."""
    lg = state.lang()
    zh = lg == "zh"
    obs = data.query("export_observations")
    yes, no = t("yes", lg), t("no", lg)
    tables: dict[str, pd.DataFrame] = {}
    cats = list(dict.fromkeys(obs["category"]))
    for cat_name in cats:
        g = obs[obs["category"] == cat_name]
        tables[cat_name] = pd.DataFrame({
            tr("c_indicator_id"): g["indicator_id"],
            tr("c_indicator"): g["indicator_zh" if zh else "indicator_en"],
            tr("c_unit"): g["unit" if zh else "unit_en"],
            tr("c_adcode"): g["adcode"],
            tr("c_area"): g["area_zh" if zh else "area_en"],
            tr("c_level"): [t(f"level_{v}", lg) for v in g["level"]],
            tr("c_year"): g["year"],
            tr("c_value"): g["value"],
            tr("c_status"): [t(f"status_{s}", lg) for s in g["status"]],
            tr("c_in_use"): [yes if u else no for u in g["in_use"]],
            tr("c_source_id"): g["source_id"],
            tr("c_source"): g["source_title"],
            tr("c_locator"): g["locator"],
            tr("c_qualifier"): g["qualifier"],
            tr("c_period_start"): g["period_start"],
            tr("c_period_end"): g["period_end"],
            tr("c_cumulative"): [yes if c else "" for c in g["cumulative"]],
        }).reset_index(drop=True)
    catalogue = data.catalogue().reset_index(drop=True).drop(columns=["statuses", "years"], errors="ignore")
    sources = data.query("sources")
    log = ledger.audit_log().iloc[::-1].reset_index(drop=True) if len(ledger.read_records()) else ledger.audit_log()
    n_sample = int((obs["status"] == "sample").sum())
    readme_rows = [(tr("sheet_readme"), 0, "本工作簿的目录；数据库导出时间 " + date.today().isoformat() if zh
                    else "contents of this workbook; exported " + date.today().isoformat())]
    for cat_name in cats:
        readme_rows.append((cat_name, len(tables[cat_name]),
                            "该类别全部数值（长表，一行一个数值）；“采用”=看板显示的数值" if zh
                            else "every value of this category (long format); In use = the figure the dashboard shows"))
    readme_rows += [(tr("sheet_catalogue"), len(catalogue), "指标目录（口径、单位、别名）" if zh else "indicator catalogue"),
                    (tr("sheet_sources"), len(sources), "数据来源" if zh else "sources"),
                    (tr("sheet_log"), len(log), "导入与撤销记录" if zh else "imports and undos")]
    notice = t("sample_notice", lg) if n_sample else ""
    readme = pd.DataFrame(readme_rows, columns=[tr("c_sheet"), tr("c_rows"), tr("c_content")])
    if notice:
        readme = pd.concat([readme, pd.DataFrame([{tr("c_sheet"): "⚠", tr("c_rows"): n_sample, tr("c_content"): notice}])],
                           ignore_index=True)
    out = {tr("sheet_readme"): readme, **tables, tr("sheet_catalogue"): catalogue, tr("sheet_sources"): sources,
           tr("sheet_log"): log}
    return out


def export_file_stem() -> str:
    """内蒙古共青团改革数据_全部_示例数据_20261130 (the sample tag while any value is sample)."""
    obs = data.query("export_observations")
    sample = bool((obs["status"] == "sample").any())
    zh = state.lang() == "zh"
    tag = ("_示例数据" if zh else "_SAMPLE") if sample else ""
    return f"{'内蒙古共青团改革数据_全部' if zh else 'nmg_youth_league_reform_all'}{tag}_{date.today():%Y%m%d}"


def export_tab() -> None:
    """全部导出: the workbook and the CSV zip (built only when clicked)."""
    st.caption(tr("export_intro"))
    obs = data.query("export_observations")
    st.markdown(tr("export_counts", n=len(obs), s=int((obs["status"] == "sample").sum()),
                   i=int((obs["status"] == "imported").sum()), c=obs["category"].nunique(),
                   k=len(data.catalogue()), src=len(data.query("sources")), log=len(ledger.read_records())))
    stem = export_file_stem()
    c1, c2 = st.columns(2)
    c1.download_button(tr("download_all_xlsx"), lambda: exports.workbook_bytes(export_tables()), f"{stem}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="admin_export_xlsx",
                       on_click="ignore", width="stretch")
    c2.download_button(tr("download_all_zip"), lambda: exports.csv_zip_bytes(export_tables()), f"{stem}_csv.zip",
                       "application/zip", key="admin_export_zip", on_click="ignore", width="stretch")
