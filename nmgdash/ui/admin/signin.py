"""The sign-in panel at the top of 数据管理 and 填报与审核: who is signed in (account, role, scope), the form or
OIDC buttons, or how to enable writes."""

from __future__ import annotations

import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.storage.accounts import Account
from nmgdash.storage.store.engine import StoreUnavailable
from nmgdash.ui import auth, state
from nmgdash.ui.admin.accounts import area_label
from nmgdash.ui.text import plain

#: What the signed-in may do on each page, in the panel's words: the catalogue keys of the heading,
#: of "writes disabled" and of "signed in without an account".
PURPOSES = {"import": ("admin_sign_in_heading", "admin_writes_disabled", "admin_not_editor"),
            "report": ("report_ui_sign_in_heading", "report_ui_writes_disabled", "report_ui_not_editor")}


def sign_in_panel(purpose: str = "import") -> Account | None:
    """The line at the top of the page: who is signed in (with 退出登录; the scope area in the UI
    language, the account name as typed), the sign-in form or OIDC buttons, or — with nothing
    configured — why writes are disabled and how to enable them. ``purpose``: "import" (数据管理:
    导入或撤销) or "report" (填报与审核: 填报或审核), the words of the panel. Returns the account that
    may write in this run (read from the store now), or None."""
    lg = state.lang()
    heading, disabled, not_editor = PURPOSES[purpose]
    cfg = auth.config()
    with st.container(border=True):
        if cfg.problem:
            st.warning(plain(cfg.problem), icon="⚠️")
        try:
            account = auth.account()
        except StoreUnavailable as exc:
            st.error(auth.store_message(exc), icon="🛑")
            return None
        if account:
            left, right = st.columns([4, 1], vertical_alignment="center")
            line = t("admin_signed_in_as", lg, user=plain(account.name), role=auth.role_text(account.role),
                     area=plain(area_label(account.scope)))
            left.markdown(f"**{line}**")
            right.button(t("admin_sign_out", lg), key="admin_sign_out",
                         on_click=st.logout if cfg.mode == "oidc" else auth.sign_out, width="stretch")
            return account
        if cfg.mode == "none":
            st.markdown(f"**{t(disabled, lg)}** {t('admin_sign_in_help', lg)}")
            with st.expander(t("admin_howto_expander", lg)):
                st.markdown(t("admin_writes_howto", lg))
            return None
        if cfg.mode == "oidc":
            who = auth.signed_in_identity()
            if who:
                st.warning(t(not_editor, lg, user=plain(who)))
                st.button(t("admin_sign_out", lg), key="admin_sign_out", on_click=st.logout)
                return None
            st.markdown(f"**{t(heading, lg)}** {t('admin_sign_in_help', lg)}")
            cols = st.columns(max(len(cfg.providers), 3))
            for i, provider in enumerate(cfg.providers):
                label = t("admin_sign_in_with", lg, provider=plain(provider)) if provider else t("admin_sign_in_oidc", lg)
                cols[i].button(label, key=f"admin_login_{provider or 'default'}", on_click=st.login,
                               args=(provider,) if provider else (), type="primary", width="stretch")
            return None
        st.markdown(f"**{t(heading, lg)}** {t('admin_sign_in_help', lg)}")
        with st.form("admin_sign_in", border=False, enter_to_submit=True):
            c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
            name = c1.text_input(t("admin_username", lg), key="admin_user_name", autocomplete="username")
            password = c2.text_input(t("admin_password", lg), type="password", key="admin_password",
                                     autocomplete="current-password")
            submitted = c3.form_submit_button(t("admin_sign_in", lg), type="primary", width="stretch")
        if submitted:
            problem = auth.sign_in(name, password)
            if problem is None:
                st.rerun()
            st.error(problem, icon="🛑")
    return None
