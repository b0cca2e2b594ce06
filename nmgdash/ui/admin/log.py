"""数据管理 → 导入记录: the audit log and, per batch in effect that the signed-in account may undo
(its author or an admin: :meth:`Account.may_undo`; the write function checks again), an undo
button with a confirmation.

File and user names are shown as text: in the table as dataframe cells, in the undo list and the
messages through :func:`nmgdash.ui.text.plain`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.reports import everything
from nmgdash.storage import ledger, transaction
from nmgdash.storage.accounts import Account, NotPermitted
from nmgdash.ui import auth, state
from nmgdash.ui.admin.common import STORE_FAULTS, flash, refusal_text, store_fault_text
from nmgdash.ui.text import plain

_UNDO_PENDING = "_admin_undo"


def audit_frame() -> pd.DataFrame:
    """The audit log newest first with headers in the current language (see
    :func:`nmgdash.reports.everything.audit_table`)."""
    return everything.audit_table(ledger.audit_log(), state.lang())


def _undo(batch_id: str) -> None:
    """Confirm-undo callback: read the account again, undo the batch, report the outcome."""
    lg = state.lang()
    st.session_state.pop(_UNDO_PENDING, None)
    try:
        account = auth.account()
        if not account:
            flash("error", t("admin_not_allowed", lg))
            return
        file_name = next((r["file_name"] for r in ledger.read_records() if r["batch_id"] == batch_id), batch_id)
        transaction.undo(batch_id, user=account)
    except NotPermitted as exc:  # someone else's batch, or a disabled account
        flash("error", refusal_text(t("accounts_undo_refused", lg), exc.lines))
        return
    except STORE_FAULTS as exc:  # unreachable, busy, read-only or full: a message without paths
        flash("error", store_fault_text(exc))
        return
    except (ValueError, OSError) as exc:
        flash("error", t("admin_write_failed", lg, reason=plain(exc)))
        return
    flash("success", t("admin_undone", lg, batch=batch_id, file=plain(file_name)))


def log_tab(user: Account | None) -> None:
    """The audit log table and, per batch in effect that ``user`` may undo, an undo button with a
    confirmation."""
    lg = state.lang()
    st.subheader(t("admin_log_heading", lg))
    if ledger.audit_log().empty:
        st.info(t("admin_log_empty", lg), icon="ℹ️")
    else:
        st.dataframe(audit_frame(), hide_index=True, width="stretch", placeholder="—")
    st.caption(t("admin_log_where", lg))
    st.subheader(t("admin_undo_heading", lg))
    records = ledger.read_records()
    active_ids = set(ledger.active_ids(records))
    active = [r for r in records if r["action"] == "import" and r["batch_id"] in active_ids]
    if not active:
        st.caption(t("admin_undo_none", lg))
        return
    if not user:
        st.caption(t("admin_undo_signin", lg))
    elif not user.is_admin:
        st.caption(t("accounts_undo_own_only", lg))
    pending = st.session_state.get(_UNDO_PENDING)
    for r in reversed(active):
        at = r["at"][:19].replace("T", " ")
        with st.container(border=True):
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown(f"**{plain(r['file_name'])}** · {at} · {plain(r['user'])}  \n"
                          f"{t('admin_c_batch', lg)} `{r['batch_id']}` · {t('admin_new', lg)} {r['n_new']} · "
                          f"{t('admin_changed', lg)} {r['n_changed']} · {t('admin_unchanged', lg)} {r['n_unchanged']}")
            mine = bool(user) and user.may_undo(r["user"])
            if mine or not user:  # signed out: a disabled button says undo exists; others' batches: none
                right.button(t("admin_undo_button", lg), key=f"admin_undo_{r['batch_id']}", disabled=not mine,
                             width="stretch", on_click=st.session_state.__setitem__, args=(_UNDO_PENDING, r["batch_id"]))
            if pending == r["batch_id"] and mine:
                st.warning(t("admin_undo_confirm", lg, batch=r["batch_id"], file=plain(r["file_name"]), at=at,
                             user=plain(r["user"]), rows=r.get("rows", r["n_new"] + r["n_changed"] + r["n_unchanged"])),
                           icon="⚠️")
                c1, c2, _ = st.columns([1, 1, 3])
                c1.button(t("admin_undo_yes", lg), key="admin_undo_yes", type="primary", on_click=_undo,
                          args=(r["batch_id"],), width="stretch")
                c2.button(t("admin_undo_no", lg), key="admin_undo_no", on_click=st.session_state.pop,
                          args=(_UNDO_PENDING, None), width="stretch")
