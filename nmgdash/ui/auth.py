"""Sign-in for writes on 数据管理 (import, undo, managing accounts). Viewing and downloading never
need it; the CLI (``python -m nmgdash``) is for the server's operator and has none.

Who may do what is an account in the store (:mod:`nmgdash.storage.accounts`: role and scope
area); this module only finds out which account a browser session is. Read from Streamlit secrets
(``.streamlit/secrets.toml``) on every run:

1. **OIDC** — an ``[auth]`` section with a provider (``client_id``, ``client_secret``,
   ``server_metadata_url`` in ``[auth]`` itself or in ``[auth.<name>]``; plus ``redirect_uri`` and
   ``cookie_secret``): sign-in is Streamlit's ``st.login`` / ``st.user``. The signed-in e-mail
   address maps to the account of that name (:func:`accounts.account_for_email`); an e-mail with
   no account may view but not write.
2. **Passwords** — otherwise, when the store holds accounts or ``[nmgdash.users]`` lists
   ``name = "<bcrypt hash>"`` lines (adopted as admin accounts once per process and store,
   :func:`accounts.adopt_secret_users`): a sign-in form checked by :func:`accounts.authenticate`,
   which counts failures per account and per client address in the store (across sessions and
   servers) and audits every attempt. The session keeps the account's name only; every write
   reads the account again from the store. ``python -m nmgdash.ui.auth`` prints a hash line.
3. **Nothing** — no provider, no users, no accounts: writes are disabled and the page explains
   how to enable them. Writes are never open.
"""

from __future__ import annotations

import getpass
import sys
from dataclasses import dataclass, field

import bcrypt
import streamlit as st

from nmgdash.core import settings
from nmgdash.core.i18n import t
from nmgdash.storage import accounts
from nmgdash.storage.accounts import Account
from nmgdash.storage.store.engine import StoreUnavailable
from nmgdash.ui import state

MODES = ("oidc", "password", "none")
#: Session key of the account name signed in with a password.
_USER_KEY = "_nmgdash_user"


@dataclass(frozen=True)
class AuthConfig:
    """What the secrets configure. ``mode``: 'oidc', 'password' or 'none'; ``providers``: OIDC
    provider names (None = the unnamed one in ``[auth]``); ``users``: name → bcrypt hash of
    ``[nmgdash.users]`` (adopted as admin accounts); ``problem``: a note in the current language
    when the secrets exist but cannot be used, or the store cannot be reached."""

    mode: str
    providers: tuple[str | None, ...] = ()
    users: dict[str, str] = field(default_factory=dict)
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
    if providers:
        return AuthConfig("oidc", tuple(providers), problem=problem)
    own = secrets.get("nmgdash") or {}
    users = {str(k).strip(): str(v).strip() for k, v in (own.get("users") or {}).items() if str(k).strip()}
    bad = sorted(k for k, v in users.items() if not v.startswith(("$2a$", "$2b$", "$2y$")))
    lg = state.lang()
    if bad:
        problem = t("admin_auth_bad_hash", lg, names=t("admin_list_sep", lg).join(bad))
        users = {k: v for k, v in users.items() if k not in bad}
    bad = sorted(k for k in users if not _valid_name(k))
    if bad:  # cannot become accounts: say so instead of refusing their sign-in without a reason
        problem = t("accounts_bad_secret_name", lg, names=t("admin_list_sep", lg).join(bad))
        users = {k: v for k, v in users.items() if k not in bad}
    try:
        if users:
            _adopt(settings.store_url(), tuple(sorted(users.items())))
        if users or accounts.has_accounts():
            return AuthConfig("password", users=users, problem=problem)
    except StoreUnavailable as exc:  # the form still shows; signing in says the store is unreachable
        return AuthConfig("password", users=users, problem=store_message(exc))
    return AuthConfig("none", problem=problem)


@st.cache_resource(show_spinner=False, max_entries=16)
def _adopt(store_url: str, users: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """Adopt the ``[nmgdash.users]`` of secrets.toml as admin accounts, once per process and store
    (``store_url`` keys the cache). Raises StoreUnavailable (then nothing is cached)."""
    return tuple(accounts.adopt_secret_users(dict(users)))


def _valid_name(name: str) -> bool:
    try:
        accounts.check_name(name)
    except accounts.AccountError:
        return False
    return True


def store_message(exc: StoreUnavailable) -> str:
    """The store's fault message in the current language (no paths)."""
    return exc.message_zh if state.lang() == "zh" else exc.message_en


def client() -> str:
    """The browser's address, the key of the per-client sign-in lockout: ``st.context.ip_address``
    ("localhost" for a local connection, where Streamlit gives none). Behind a reverse proxy on the
    same host (the peer is a loopback address) it is the address that proxy appended to
    ``X-Forwarded-For`` (the rightmost entry: entries to its left come from the client and can be
    forged), so users behind nginx are not all counted as one client."""
    peer = st.context.ip_address or "localhost"
    if peer in ("localhost", "::1") or peer.startswith("127."):
        forwarded = (st.context.headers.get("X-Forwarded-For") or "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return peer


def hash_password(password: str) -> str:
    """A bcrypt hash (cost 12) of ``password`` for ``[nmgdash.users]``. Raises ValueError for an
    empty password or one longer than bcrypt's 72 bytes."""
    raw = password.encode("utf-8")
    if not raw or len(raw) > 72:
        raise ValueError(t("admin_auth_password_invalid"))  # the CLI's message (Chinese)
    return bcrypt.hashpw(raw, bcrypt.gensalt(12)).decode("ascii")


def role_text(role: str) -> str:
    """填报员 / 审核员 / 管理员 (reporter / reviewer / admin) in the current language."""
    return t(f"accounts_role_{role}", state.lang())


def account() -> Account | None:
    """The account this session may write as, read from the store now (a disabled account counts
    as none): the password sign-in's account, or the one the OIDC e-mail maps to. None when nobody
    is signed in, the e-mail has no account, or writes are disabled. Raises StoreUnavailable."""
    cfg = config()
    if cfg.mode == "oidc":
        who = signed_in_identity()
        acc = accounts.account_for_email(who) if who else None
    elif cfg.mode == "password":
        name = st.session_state.get(_USER_KEY)
        acc = accounts.get_account(name) if name else None
    else:
        return None
    return acc if acc is not None and not acc.disabled else None


def signed_in_identity() -> str | None:
    """The OIDC identity signed in (its e-mail, else its name), even without an account."""
    info = st.user
    if not info.get("is_logged_in"):
        return None
    return str(info.get("email") or info.get("name") or "").strip() or None


def sign_in(name: str, password: str) -> str | None:
    """Check a password sign-in against the store (:func:`accounts.authenticate`, from
    :func:`client`); on success remember the account's name for the session. Returns None on
    success, else the reason in the current language: wrong name or password (never which), the
    lock with its remaining time, or the store's fault."""
    lg = state.lang()
    try:
        acc = accounts.authenticate(name, password, client())
    except accounts.SignInRefused as exc:
        if exc.locked_seconds:
            m, s = divmod(exc.locked_seconds, 60)
            wait = t("accounts_wait_min", lg, m=m, s=s) if m else t("accounts_wait_sec", lg, s=s)
            return t("accounts_locked", lg, wait=wait)
        return t("admin_auth_wrong", lg)
    except StoreUnavailable as exc:
        return store_message(exc)
    st.session_state[_USER_KEY] = acc.name
    return None


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
