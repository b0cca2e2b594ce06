"""Sign-in for writes on 数据管理 (import, undo, uploading a filled-in template). Viewing and
downloading never need it; the CLI (``python -m nmgdash``) is for the server's operator and has none.

Three configurations, read from Streamlit secrets (``.streamlit/secrets.toml``) on every run:

1. **OIDC** — an ``[auth]`` section with a provider (``client_id``, ``client_secret``,
   ``server_metadata_url`` in ``[auth]`` itself or in ``[auth.<name>]``; plus ``redirect_uri`` and
   ``cookie_secret``): sign-in is Streamlit's ``st.login`` / ``st.user``. An optional
   ``[nmgdash] editors = ["a@example.cn", …]`` limits writes to those e-mail addresses.
2. **Passwords** — otherwise, ``[nmgdash.users]`` with ``name = "<bcrypt hash>"`` lines: a small
   sign-in form; the signed-in name lasts for the browser session (a reload signs out).
   ``python -m nmgdash.ui.auth`` prints a hash line for a password typed at the prompt.
3. **Nothing** — writes are disabled and the page explains how to enable them. Writes are never open.
"""

from __future__ import annotations

import getpass
import sys
import time
from dataclasses import dataclass, field
from functools import cache

import bcrypt
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.ui import state

MODES = ("oidc", "password", "none")
#: Session key of the name signed in with a password.
_USER_KEY = "_nmgdash_user"
_FAILS_KEY = "_nmgdash_signin_fails"
#: After this many wrong passwords in one session, the form is locked for LOCK_SECONDS.
MAX_FAILS, LOCK_SECONDS = 5, 60.0


@dataclass(frozen=True)
class AuthConfig:
    """What the secrets configure. ``mode``: 'oidc', 'password' or 'none'; ``providers``: OIDC
    provider names (None = the unnamed one in ``[auth]``); ``users``: name → bcrypt hash;
    ``editors``: e-mail addresses allowed to write with OIDC (empty = every signed-in user);
    ``problem``: a Chinese note when the secrets exist but cannot be used."""

    mode: str
    providers: tuple[str | None, ...] = ()
    users: dict[str, str] = field(default_factory=dict)
    editors: tuple[str, ...] = ()
    problem: str | None = None


def _secrets() -> tuple[dict, str | None]:
    """The secrets as a plain dict ({} when there is no secrets.toml) and a problem note."""
    try:
        return st.secrets.to_dict(), None  # st.secrets read at call time: AppTest swaps it per run
    except FileNotFoundError as exc:  # StreamlitSecretNotFoundError: no file, or a file that does not parse
        text = str(exc)
        if "No secrets found" in text:
            return {}, None
        return {}, t("admin_auth_secrets_unparseable", state.lang())


def config() -> AuthConfig:
    """The sign-in configuration from the current secrets (see the module docstring)."""
    secrets, problem = _secrets()
    auth = secrets.get("auth") or {}
    providers: list[str | None] = []
    if isinstance(auth, dict):
        if auth.get("client_id") and auth.get("server_metadata_url"):
            providers.append(None)
        providers += [k for k, v in auth.items() if isinstance(v, dict) and v.get("client_id")]
    own = secrets.get("nmgdash") or {}
    editors = tuple(str(e).strip().lower() for e in (own.get("editors") or []) if str(e).strip())
    if providers:
        return AuthConfig("oidc", tuple(providers), editors=editors, problem=problem)
    users = {str(k).strip(): str(v).strip() for k, v in (own.get("users") or {}).items() if str(k).strip()}
    bad = sorted(k for k, v in users.items() if not v.startswith(("$2a$", "$2b$", "$2y$")))
    if bad:
        lg = state.lang()
        problem = t("admin_auth_bad_hash", lg, names=t("admin_list_sep", lg).join(bad))
        users = {k: v for k, v in users.items() if k not in bad}
    if users:
        return AuthConfig("password", users=users, problem=problem)
    return AuthConfig("none", problem=problem)


def hash_password(password: str) -> str:
    """A bcrypt hash (cost 12) of ``password`` for ``[nmgdash.users]``. Raises ValueError for an
    empty password or one longer than bcrypt's 72 bytes."""
    raw = password.encode("utf-8")
    if not raw or len(raw) > 72:
        raise ValueError(t("admin_auth_password_invalid"))  # the CLI's message (Chinese)
    return bcrypt.hashpw(raw, bcrypt.gensalt(12)).decode("ascii")


@cache
def _dummy_hash() -> bytes:
    """A valid hash checked for unknown names, so a wrong name costs as long as a wrong password."""
    return bcrypt.hashpw(b"no such user", bcrypt.gensalt(12))


def verify_password(password: str, hashed: str | None) -> bool:
    """True when ``password`` matches the bcrypt ``hashed`` (None: an unknown user, checked
    against a dummy hash so that it takes as long)."""
    raw = password.encode("utf-8")
    if not raw or len(raw) > 72:
        return False
    try:
        ok = bcrypt.checkpw(raw, hashed.encode("ascii") if hashed else _dummy_hash())
    except ValueError:  # malformed hash
        return False
    return ok and bool(hashed)


def user() -> str | None:
    """Who may write in this session: the OIDC e-mail (or name), or the password user's name;
    None when nobody is signed in, the signed-in account is not an editor, or writes are disabled."""
    cfg = config()
    if cfg.mode == "oidc":
        info = st.user
        if not info.get("is_logged_in"):
            return None
        who = str(info.get("email") or info.get("name") or "").strip()
        if not who or (cfg.editors and who.lower() not in cfg.editors):
            return None
        return who
    if cfg.mode == "password":
        name = st.session_state.get(_USER_KEY)
        return name if name in cfg.users else None
    return None


def signed_in_identity() -> str | None:
    """The OIDC account signed in (even when it is not an editor), for the page's status line."""
    info = st.user
    if not info.get("is_logged_in"):
        return None
    return str(info.get("email") or info.get("name") or "")


def sign_in(name: str, password: str) -> str | None:
    """Check a password sign-in; on success remember the name for the session. Returns None on
    success, else the reason in the current language (wrong name or password, or locked after MAX_FAILS tries)."""
    cfg = config()
    fails = st.session_state.get(_FAILS_KEY, (0, 0.0))
    count, since = fails
    if count >= MAX_FAILS and time.monotonic() - since < LOCK_SECONDS:
        return t("admin_auth_locked", state.lang(), n=MAX_FAILS, seconds=int(LOCK_SECONDS))
    name = name.strip()
    if cfg.mode == "password" and verify_password(password, cfg.users.get(name)):
        st.session_state[_USER_KEY] = name
        st.session_state.pop(_FAILS_KEY, None)
        return None
    count = 1 if count >= MAX_FAILS else count + 1
    st.session_state[_FAILS_KEY] = (count, time.monotonic())
    return t("admin_auth_wrong", state.lang())


def sign_out() -> None:
    """Forget the password sign-in of this session (OIDC: call st.logout instead)."""
    st.session_state.pop(_USER_KEY, None)


def main() -> None:
    """``python -m nmgdash.ui.auth [NAME]``: ask for a password twice and print the secrets line."""

    name = sys.argv[1] if len(sys.argv) > 1 else input(t("admin_auth_prompt_name")).strip()
    first = getpass.getpass(t("admin_auth_prompt_password"))
    if first != getpass.getpass(t("admin_auth_prompt_again")):
        sys.exit(t("admin_auth_mismatch"))
    try:
        line = hash_password(first)
    except ValueError as exc:
        sys.exit(str(exc))
    print(f"\n{t('admin_auth_paste')}\n")
    print("[nmgdash.users]")
    print(f'"{name}" = "{line}"')


if __name__ == "__main__":
    main()
