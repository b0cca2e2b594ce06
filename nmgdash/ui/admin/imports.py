"""数据管理 → 导入: ① the template, ② the upload (signed-in users), ③ the preview, ④ the commit.

The preview (``ingest.load_file``) shows counts, errors and warnings naming file, sheet, row and
column, notes, every normalisation and the cell-by-cell diff, and refuses a file with rows outside
the account's scope area, naming each row; the commit (``ingest.commit``) reads the account again
from the store inside the callback, and the write function checks the scope once more. Everything a user supplied (the file name, sheet names, cell text
echoed in messages) is shown as text (:func:`nmgdash.ui.text.plain`, or a dataframe cell).
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
from nmgdash.ingest.plan import scope_problems
from nmgdash.ingest.template import FIRST_YEAR
from nmgdash.storage import ledger
from nmgdash.storage.accounts import Account, NotPermitted
from nmgdash.ui import auth, data, state
from nmgdash.ui.admin.accounts import area_label
from nmgdash.ui.admin.common import MB, STORE_FAULTS, flash, refusal_text, status_text, store_fault_text
from nmgdash.ui.text import plain

_UPLOAD_GEN, _PLAN = "_admin_upload_gen", "_admin_plan"
#: Row colours for the diff table: new green, changed amber, unchanged grey.
CHANGE_COLOURS = {"new": "#e6f4ea", "changed": "#fff4ce", "unchanged": "#f1f3f4"}


def size_text(n: int) -> str:
    """A byte count as "12.3 KB" (under 1 MB) or "1.5 MB"."""
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1048576:.1f} MB"


def first_year() -> int:
    """First year the template offers (the pre-reform baseline, 2017)."""
    return FIRST_YEAR


def template_block() -> None:
    """① The template download, optionally with the year pre-selected (not a write)."""
    lg = state.lang()
    st.subheader(t("admin_step_template", lg))
    st.caption(t("admin_template_help", lg))
    years = [None, *range(date.today().year + 1, first_year() - 1, -1)]
    c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
    year = c1.selectbox(t("admin_template_year", lg), years, key=f"admin_template_year_{lg}",
                        format_func=lambda y: t("admin_template_year_none", lg) if y is None else str(y))
    name = ingest.template_file_name(year)
    c2.download_button(t("admin_download_template", lg), lambda: ingest.build_template(year=year), name,
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="admin_template", on_click="ignore")


def plan_for(file_name: str, payload: bytes) -> ingest.ImportPlan:
    """The import plan of an uploaded file against the current build (read-only; cached in the
    session per file content and build, so a rerun does not parse it again)."""
    key = (hashlib.sha256(payload).hexdigest(), file_name, data.version())
    cached = st.session_state.get(_PLAN)
    if cached and cached[0] == key:
        return cached[1]
    with st.spinner(t("admin_reading", state.lang())), data.database().cursor() as cur:
        plan = ingest.load_file(payload, file_name, cur)
    st.session_state[_PLAN] = (key, plan)
    return plan


def issues_frame(issues: list[ingest.Issue]) -> pd.DataFrame:
    """Errors or warnings as a table for ``st.table`` (which renders Markdown in cells): sheet,
    cell (C7), the full Chinese message; sheet names and messages shown as text."""
    lg = state.lang()
    return pd.DataFrame({t("admin_c_sheet", lg): [plain(i.sheet) if i.sheet else "—" for i in issues],
                         t("admin_c_cell", lg): [i.cell or "—" for i in issues],
                         t("admin_c_message", lg): [plain(i.text) for i in issues]})


def normalisations_frame(plan: ingest.ImportPlan) -> pd.DataFrame:
    """Every normalisation (for ``st.dataframe``, which shows text as text): sheet, cell, as
    written, read as, the Chinese explanation."""
    lg = state.lang()
    n = plan.normalisations
    return pd.DataFrame({t("admin_c_sheet", lg): [x.sheet or "—" for x in n], t("admin_c_cell", lg): [x.cell or "—" for x in n],
                         t("admin_c_before", lg): [x.before for x in n], t("admin_c_after", lg): [x.after for x in n],
                         t("admin_c_message", lg): [x.text for x in n]})


def styled_diff(diff: pd.DataFrame):
    """The diff as a pandas Styler with a background colour per change (for st.dataframe).
    Text cells stay text: Streamlit's dataframe renders them escaped."""
    return diff.style.apply(lambda row: [f"background-color: {CHANGE_COLOURS[row['change']]}"] * len(row), axis=1)


def diff_view(preview: ingest.Preview):
    """(Styler, column_config, column order) of the cell-by-cell diff: rows coloured by
    :func:`styled_diff` (new green, changed amber, unchanged grey), change shown as 新增/修改/不变,
    headers in the current language. The underlying ``change`` column keeps its codes."""
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
        "change_label": [t(f"admin_{c}", lg) for c in d["change"]],
        "sheet": d["sheet"] if "sheet" in d else None,
        "cell": d["cell"] if "cell" in d else None,
    })
    styler = styled_diff(frame).format({"old_value": number_text, "new_value": number_text}, na_rep="—")
    labels = {"area": "c_area", "indicator": "c_indicator", "year": "c_year", "old_value": "c_old",
              "old_status": "c_old_status", "new_value": "c_new", "unit": "c_unit", "change_label": "c_change",
              "sheet": "c_sheet", "cell": "c_cell"}
    # the code column ``change`` drives the colours; the table shows its label (新增/修改/不变) instead
    return styler, {k: st.column_config.Column(t(f"admin_{v}", lg)) for k, v in labels.items()}, list(labels)


def number_text(v: object) -> str:
    """A diff value as written: "—" when missing, 12 for 12.0, at most four decimals otherwise."""
    if v is None or is_missing(v):
        return "—"
    f = float(v)  # type: ignore[arg-type]
    return f"{int(f)}" if f.is_integer() else f"{f:.4f}".rstrip("0").rstrip(".")


def tally_frame(frame: pd.DataFrame, key_cols: dict[str, str]) -> pd.DataFrame:
    """by_league / by_indicator with headers in the current language."""
    lg = state.lang()
    out = pd.DataFrame({t(f"admin_{label}", lg): frame[col] for col, label in key_cols.items()})
    for c in ("new", "changed", "unchanged"):
        out[t(f"admin_{c}", lg)] = frame[c].astype(int)
    out[t("admin_c_total", lg)] = frame["total"].astype(int)
    return out


def _commit() -> None:
    """Commit button callback: read the account again, commit the session's plan, report the outcome."""
    lg = state.lang()
    cached = st.session_state.get(_PLAN)
    try:
        account = auth.account()
    except ledger.StoreUnavailable as exc:
        flash("error", auth.store_message(exc))
        return
    if not account:
        flash("error", t("admin_not_allowed", lg))
        return
    if not cached:
        return
    plan: ingest.ImportPlan = cached[1]
    accept = bool(st.session_state.get("admin_confirm"))
    try:
        batch = ingest.commit(plan, user=account, accept_warnings=accept)
    except NotPermitted as exc:  # rows outside the scope (checked again in the write), or a disabled account
        flash("error", refusal_text(t("accounts_import_refused", lg, area=plain(area_label(account.scope))), exc.lines))
        st.session_state.pop(_PLAN, None)  # the file was refused whole: an empty uploader, the reason once
        st.session_state[_UPLOAD_GEN] = st.session_state.get(_UPLOAD_GEN, 0) + 1
        return
    except STORE_FAULTS as exc:  # unreachable, busy, read-only or full: a message without paths
        flash("error", store_fault_text(exc))
        return
    except ingest.ConfirmationRequired as exc:
        if exc.changed:  # another import changed the data: show the fresh preview, ask again
            st.session_state.pop(_PLAN, None)
            st.session_state.pop("admin_confirm", None)
            flash("warning", t("import_data_changed", lg))
        else:
            flash("warning", t("admin_commit_blocked", lg))
        return
    except (ingest.ImportRejected, ValueError, OSError) as exc:
        flash("error", t("admin_write_failed", lg, reason=plain(exc)))
        return
    c = plan.counts
    flash("success", t("admin_committed", lg, file=plain(plan.file_name), batch=batch, new=c["new"],
                       changed=c["changed"], unchanged=c["unchanged"]))
    st.session_state.pop(_PLAN, None)
    st.session_state.pop("admin_confirm", None)
    st.session_state[_UPLOAD_GEN] = st.session_state.get(_UPLOAD_GEN, 0) + 1  # a fresh, empty uploader


def import_tab(user: Account | None) -> None:
    """① template, ② upload (signed-in accounts), ③ preview (refusing rows outside the account's
    scope), ④ commit."""
    lg = state.lang()
    template_block()
    st.subheader(t("admin_step_upload", lg))
    if not user:
        st.info(t("admin_upload_needs_sign_in", lg))
        st.caption(t("admin_upload_limit", lg, mb=MB))
        return
    gen = st.session_state.get(_UPLOAD_GEN, 0)
    # No ``type=`` filter and no ``max_upload_size``: Streamlit's own rejections are English only.
    # The importer rejects other types and files over MAX_BYTES with a Chinese message naming the
    # file, its size and the limit (文件大小 10.5 MB，超过上限 10 MB); server.maxUploadSize is set a
    # little higher than MAX_BYTES so that such files reach it.
    uploaded = st.file_uploader(t("admin_upload_label", lg, mb=MB), key=f"admin_upload_{gen}",
                                help=t("admin_upload_help", lg))
    st.caption(t("admin_upload_limit", lg, mb=MB))
    if uploaded is None:
        st.session_state.pop(_PLAN, None)
        return
    plan = plan_for(uploaded.name, uploaded.getvalue())
    refused = scope_problems(plan, user) if len(plan.rows) else []
    if refused:
        st.subheader(t("admin_step_preview", lg))
        st.error(refusal_text(t("accounts_import_refused", lg, area=plain(area_label(user.scope))), refused), icon="🛑")
        return
    preview_block(plan)
    commit_block(plan)


def preview_block(plan: ingest.ImportPlan) -> None:
    """③ What the file would change: counts, errors (the heading counts every error found, also
    those only summarised), warnings, notes, normalisations, the diff."""
    lg = state.lang()
    st.subheader(t("admin_step_preview", lg))
    st.markdown(t("admin_file_line", lg, name=plain(plan.file_name), size=size_text(plan.size), sha=plan.sha256[:16]))
    if plan.errors:
        st.error(f"**{t('admin_errors_heading', lg, n=f'{plan.error_total:,}')}**  \n{t('admin_errors_fix', lg)}", icon="🛑")
        st.table(issues_frame(plan.errors), hide_index=True)  # wraps long messages; cells are Markdown: plain()
    if plan.errors and len(plan.rows):  # a rejected file imports nothing: say so, no "to import" counts
        st.caption(t("admin_rejected_rows", lg, n=len(plan.rows)))
    elif plan.preview is not None and len(plan.rows):
        c = plan.counts
        m = st.columns(4)
        m[0].metric(t("admin_n_values", lg), len(plan.rows), border=True)
        m[1].metric(t("admin_new", lg), c["new"], border=True)
        m[2].metric(t("admin_changed", lg), c["changed"], border=True)
        m[3].metric(t("admin_unchanged", lg), c["unchanged"], border=True)
    if plan.warnings:
        st.warning(f"**{t('admin_warnings_heading', lg, n=f'{plan.warning_total:,}')}**", icon="⚠️")
        st.table(issues_frame(plan.warnings), hide_index=True)
    if plan.notes:
        st.info(f"**{t('admin_notes_heading', lg)}**  \n" + "  \n".join(f"· {plain(n)}" for n in plan.notes), icon="ℹ️")
    if plan.normalisations:
        with st.expander(t("admin_norms_heading", lg, n=len(plan.normalisations)), expanded=len(plan.normalisations) <= 20):
            st.dataframe(normalisations_frame(plan), hide_index=True, width="stretch", placeholder="—")
    elif plan.preview is not None:
        st.caption(t("admin_no_norms", lg))
    if plan.preview is None or not len(plan.rows):
        return
    p = plan.preview
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('admin_by_league', lg)}**")
        st.dataframe(tally_frame(p.by_league, {"area_name": "c_area"} if lg == "zh"
                                 else {"adcode": "c_adcode", "area_name": "c_area"}),
                     hide_index=True, width="stretch", placeholder="—", height=38 + 35 * len(p.by_league))
    with right:
        st.markdown(f"**{t('admin_by_indicator', lg)}**")
        st.dataframe(tally_frame(p.by_indicator, {"indicator_name": "c_indicator", "unit": "c_unit"}),
                     hide_index=True, width="stretch", placeholder="—", height=38 + 35 * len(p.by_indicator))
    st.markdown(f"**{t('admin_diff_heading', lg)}**")
    styler, config, order = diff_view(p)
    st.dataframe(styler, column_config=config, column_order=order, hide_index=True, width="stretch", placeholder="—", key="admin_diff",
                 height=min(38 + 35 * len(p.diff), 420))


def commit_block(plan: ingest.ImportPlan) -> None:
    """④ The confirmation checkbox (when there are warnings) and the commit button."""
    if plan.errors or not len(plan.rows):
        return
    lg = state.lang()
    confirmed = True
    if plan.warnings:
        confirmed = st.checkbox(t("admin_confirm_warnings", lg, n=f"{plan.warning_total:,}"), key="admin_confirm")
    st.button(t("admin_commit", lg), type="primary", key="admin_commit", disabled=not confirmed,
              help=t("admin_commit_help", lg), on_click=_commit)
    st.caption(t("admin_commit_help", lg))
