"""数据管理 → 账号 (admins only): the accounts with role, scope area, state and last sign-in; create
one; change its role or scope; reset its password; disable or enable it.

Every change goes through :mod:`nmgdash.storage.accounts` with the signed-in account as ``actor``:
the storage function reads it again from the store and refuses (:class:`NotPermitted`) unless it is
an enabled admin, so the page's own check (the tab is only drawn for admins) is not the only one.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.storage import accounts
from nmgdash.storage.accounts import Account, AccountError, NotPermitted
from nmgdash.storage.store.engine import StoreUnavailable
from nmgdash.storage.store.schema import ROLES
from nmgdash.ui import auth, state
from nmgdash.ui.admin.common import flash
from nmgdash.ui.text import plain


def area_label(adcode: str) -> str:
    """How an area is named in the scope pickers: 内蒙古自治区, 兴安盟, 兴安盟 · 乌兰浩特市 (English names
    when the UI is English)."""
    areas = _area_table()
    col = "name_zh" if state.lang() == "zh" else "name_en"
    if adcode not in areas.index:
        return adcode
    row = areas.loc[adcode]
    if row["level"] == "county":
        return f"{areas.at[row['parent'], col]} · {row[col]}"
    return str(row[col])


@st.cache_data(show_spinner=False)
def _area_table() -> pd.DataFrame:
    """:func:`accounts.scope_areas` indexed by adcode, with each county's league in ``parent``."""
    a = accounts.scope_areas().set_index("adcode")
    league = None
    parents = []
    for code, level in a["level"].items():
        league = code if level == "league" else league
        parents.append(league if level == "county" else None)
    a["parent"] = parents
    return a


def accounts_frame(accs: list[Account], last: dict[str, str]) -> pd.DataFrame:
    """One row per account: name, role, scope area, state, last sign-in (the server's local time), with
    headers in the current language."""
    lg = state.lang()
    seen = {k: datetime.fromisoformat(v).astimezone().strftime("%Y-%m-%d %H:%M") for k, v in last.items()}
    return pd.DataFrame({
        t("accounts_col_name", lg): [a.name for a in accs],
        t("accounts_col_role", lg): [auth.role_text(a.role) for a in accs],
        t("accounts_col_scope", lg): [area_label(a.scope) for a in accs],
        t("accounts_col_state", lg): [t("accounts_disabled" if a.disabled else "accounts_enabled", lg) for a in accs],
        t("accounts_col_last", lg): [seen.get(a.name, "—") for a in accs],
    })


def _attempt(change, success: str) -> None:
    """Run one account change; on success remember ``success`` for the page's message and rerun,
    else show why (Chinese from the storage functions, or the store's fault)."""
    try:
        change()
    except (AccountError, NotPermitted) as exc:
        st.error(plain(exc), icon="🛑")
        return
    except StoreUnavailable as exc:
        st.error(auth.store_message(exc), icon="🛑")
        return
    flash("success", success)
    st.rerun()


def _pick_area(label: str, key: str, current: str = "150000") -> str:
    areas = _area_table()
    codes = areas.index.tolist()
    levels = areas["level"].value_counts()
    return st.selectbox(label, codes, index=codes.index(current) if current in codes else 0, key=key,
                        format_func=area_label, help=t("accounts_scope_help", state.lang(),
                                                       leagues=int(levels.get("league", 0)),
                                                       counties=int(levels.get("county", 0))))


def accounts_tab(user: Account) -> None:
    """The 账号 tab for the signed-in admin ``user``: the list, a create form, and changes to one account."""
    lg = state.lang()
    if not user.is_admin:  # the page draws the tab for admins only; the storage functions check again
        st.info(t("accounts_admins_only", lg))
        return
    try:
        accs, last = accounts.list_accounts(), accounts.last_sign_ins()
    except StoreUnavailable as exc:
        st.error(auth.store_message(exc), icon="🛑")
        return
    st.subheader(t("accounts_list_heading", lg))
    st.dataframe(accounts_frame(accs, last), hide_index=True, width="stretch", placeholder="—", key="accounts_list")
    st.caption(t("accounts_roles_note", lg))

    st.subheader(t("accounts_create_heading", lg))
    with st.form("accounts_create", border=True, clear_on_submit=False):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input(t("accounts_col_name", lg), key="accounts_new_name", help=t("accounts_name_help", lg))
        role = c2.selectbox(t("accounts_col_role", lg), ROLES, key="accounts_new_role", format_func=auth.role_text)
        with c3:
            area = _pick_area(t("accounts_col_scope", lg), "accounts_new_area")
        p1, p2 = st.columns(2)
        pw1 = p1.text_input(t("accounts_password", lg), type="password", key="accounts_new_pw1", autocomplete="new-password")
        pw2 = p2.text_input(t("accounts_password_again", lg), type="password", key="accounts_new_pw2",
                            autocomplete="new-password")
        if st.form_submit_button(t("accounts_create", lg), type="primary"):
            if pw1 != pw2:
                st.error(t("accounts_mismatch", lg), icon="🛑")
            else:
                _attempt(lambda: accounts.create_account(name, pw1, role, area, actor=user),
                         t("accounts_created", lg, name=plain(name.strip()), role=auth.role_text(role),
                           area=plain(area_label(area))))

    if not accs:
        return
    st.subheader(t("accounts_change_heading", lg))
    names = [a.name for a in accs]
    picked = st.selectbox(t("accounts_pick", lg), names, key="accounts_pick")
    acc = accs[names.index(picked)]
    k = f"{names.index(picked)}"
    left, right = st.columns(2)
    with left, st.form(f"accounts_role_scope_{k}", border=True):
        role = st.selectbox(t("accounts_col_role", lg), ROLES, index=ROLES.index(acc.role), key=f"accounts_role_{k}",
                            format_func=auth.role_text)
        area = _pick_area(t("accounts_col_scope", lg), f"accounts_area_{k}", acc.scope)
        if st.form_submit_button(t("accounts_save_role_scope", lg)):
            _attempt(lambda: accounts.set_role_scope(acc.name, role=role, area=area, actor=user),
                     t("accounts_changed", lg, name=plain(acc.name), role=auth.role_text(role),
                       area=plain(area_label(area))))
    with right, st.form(f"accounts_password_{k}", border=True):
        pw1 = st.text_input(t("accounts_new_password", lg), type="password", key=f"accounts_pw1_{k}",
                            autocomplete="new-password")
        pw2 = st.text_input(t("accounts_password_again", lg), type="password", key=f"accounts_pw2_{k}",
                            autocomplete="new-password")
        if st.form_submit_button(t("accounts_reset_password", lg)):
            if pw1 != pw2:
                st.error(t("accounts_mismatch", lg), icon="🛑")
            else:
                _attempt(lambda: accounts.set_password(acc.name, pw1, actor=user),
                         t("accounts_password_set", lg, name=plain(acc.name)))
    if acc.disabled:
        if st.button(t("accounts_enable", lg), key=f"accounts_enable_{k}"):
            _attempt(lambda: accounts.enable(acc.name, actor=user), t("accounts_enabled_done", lg, name=plain(acc.name)))
    elif st.button(t("accounts_disable", lg), key=f"accounts_disable_{k}", help=t("accounts_disable_help", lg)):
        _attempt(lambda: accounts.disable(acc.name, actor=user), t("accounts_disabled_done", lg, name=plain(acc.name)))
