"""Accounts, roles, scope areas and sign-in (kept in the store, so they hold across sessions and servers).

An :class:`Account` has a name, a password hash (argon2id via argon2-cffi; a bcrypt hash adopted
from ``secrets.toml`` keeps working), a role and a scope area (an adcode of ``data/areas.csv``):

* ``reporter`` — enters figures for its scope area and the areas below it;
* ``reviewer`` — reviews submissions from the areas below its scope; writes like a reporter;
* ``admin`` — manages accounts; writes and undoes anywhere.

The account functions take an ``actor``: the operator's name (the CLI, no check) or an
:class:`Account` (the web app), which must be an enabled admin as the store holds it now, else
:class:`NotPermitted`. Every change is in the audit log (``account_create``, ``account_password``, ``account_role_scope``,
``account_disable``, ``account_enable``, ``signin``). :func:`authenticate` counts failures per account
and per client address in the store: after :data:`MAX_FAILS` failures (per client
:data:`MAX_FAILS_CLIENT`) since the last success, sign-in is locked for :data:`LOCK_SECONDS`,
doubling with every further failure (at most :data:`MAX_LOCK_SECONDS`). Its message never says
whether the name or the password was wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import argon2
import bcrypt
import pandas as pd
import sqlalchemy as sa

from ..core import i18n
from . import build
from .store import common
from .store import engine as store_engine
from .store.schema import ROLES, accounts, signin_events

ROLE_NAMES = {"reporter": i18n.t("role_reporter", "zh"), "reviewer": i18n.t("role_reviewer", "zh"), "admin": i18n.t("role_admin", "zh")}
MIN_PASSWORD = 8
MAX_FAILS, MAX_FAILS_CLIENT = 5, 10
LOCK_SECONDS, MAX_LOCK_SECONDS = 60, 24 * 3600
#: Failures older than this do not count (seconds).
FAIL_WINDOW = 24 * 3600
WRONG = i18n.t("signin_wrong", "zh")

_hasher = argon2.PasswordHasher()  # argon2id, the library's recommended parameters
_DUMMY = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A bad account request (unknown area or role, short password, name taken, no such account).
    ``str()`` is Chinese."""


class SignInRefused(Exception):
    """Sign-in refused. ``str()`` is Chinese (:data:`WRONG`, or the lock with its remaining time);
    ``locked_seconds``: seconds until the next try is possible (0 when not locked)."""

    def __init__(self, message: str, locked_seconds: int = 0) -> None:
        self.locked_seconds = locked_seconds
        super().__init__(message)


class NotPermitted(ValueError):
    """A write the account may not make (rows outside its scope, someone else's batch, disabled).
    ``str()`` is Chinese; ``lines`` lists one message per refused row."""

    def __init__(self, message: str, lines: list[str] | None = None) -> None:
        self.lines = lines or [message]
        super().__init__(message)


# --- areas -----------------------------------------------------------------------------


@cache
def _areas() -> pd.DataFrame:
    return build.read_data_csv("areas.csv").set_index("adcode")


def area_name(adcode: str) -> str:
    """The official Chinese name of ``adcode`` (the code itself when unknown)."""
    a = _areas()
    return str(a.at[adcode, "name_zh"]) if adcode in a.index else adcode


def resolve_area(text: str) -> str:
    """The adcode of an area given as an adcode or an official name (Chinese or English, as in
    data/areas.csv). Raises :class:`AccountError`."""
    t = str(text).strip()
    a = _areas()
    if t in a.index:
        return t
    hit = a.index[(a["name_zh"] == t) | (a["name_en"].str.lower() == t.lower())]
    if len(hit) == 1:
        return str(hit[0])
    raise AccountError(i18n.t("account_no_area", "zh", area=t))


@cache
def areas_within(adcode: str) -> frozenset[str]:
    """``adcode`` and every area below it (parent_adcode chain of data/areas.csv). Cached: areas.csv
    is read once per process, like :func:`_areas`; the yearly reporting asks this for every area of
    a round on every read."""
    parent = _areas()["parent_adcode"]
    out, todo = {adcode}, [adcode]
    while todo:
        kids = parent.index[parent == todo.pop()].tolist()
        todo += [k for k in kids if k not in out]
        out.update(kids)
    return frozenset(out)


# --- accounts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """A signed-in (or looked-up) account: ``name``, ``role`` (reporter|reviewer|admin),
    ``scope`` (adcode), ``disabled``."""

    name: str
    role: str
    scope: str
    disabled: bool = False

    @property
    def scope_name(self) -> str:
        """The scope area's official name, e.g. 兴安盟."""
        return area_name(self.scope)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_write(self, adcode: str) -> bool:
        """True when the account may write figures of ``adcode`` (admin: everywhere; reporter and
        reviewer: its scope and the areas below it; a disabled account: nowhere)."""
        if self.disabled:
            return False
        return self.is_admin or adcode in areas_within(self.scope)

    def may_undo(self, batch_user: str) -> bool:
        """True when the account may undo a batch imported by ``batch_user`` (its author or an admin)."""
        return not self.disabled and (self.is_admin or batch_user == self.name)


def _account(row) -> Account:
    return Account(row.name, row.role, row.scope, bool(row.disabled))


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``. Raises :class:`AccountError` when it is too short."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(i18n.t("account_password_short", "zh", n=MIN_PASSWORD))
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """True when ``password`` matches ``stored`` (argon2 or bcrypt hash)."""
    try:
        if stored.startswith(("$2a$", "$2b$", "$2y$")):
            return bcrypt.checkpw(password.encode("utf-8"), stored.encode("utf-8"))
        return _hasher.verify(stored, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError, ValueError):
        return False


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(i18n.t("account_bad_role", "zh", roles="、".join(ROLES), names="、".join(ROLE_NAMES.values()), role=role))
    return role


def check_name(name: str) -> str:
    """``name`` stripped; raises :class:`AccountError` when it is empty, longer than 64 characters
    or contains white space or control characters."""
    name = str(name or "").strip()
    if not name or len(name) > 64 or re.search(r"[\s\x00-\x1f]", name):
        raise AccountError(i18n.t("account_bad_name", "zh"))
    return name


def get_account(name: str, conn: sa.Connection | None = None) -> Account | None:
    """The account ``name`` or None. Raises StoreUnavailable."""
    if conn is None:
        with store_engine.connect() as c:
            return get_account(name, c)
    row = conn.execute(sa.select(accounts).where(accounts.c.name == str(name).strip())).first()
    return _account(row) if row else None


def list_accounts() -> list[Account]:
    """Every account, by name."""
    with store_engine.connect() as conn:
        return [_account(r) for r in conn.execute(sa.select(accounts).order_by(accounts.c.name))]


def has_accounts() -> bool:
    """True when the store holds at least one account (one cheap SELECT). Raises StoreUnavailable."""
    with store_engine.connect() as conn:
        return conn.execute(sa.select(accounts.c.name).limit(1)).first() is not None


def account_for_email(email: str) -> Account | None:
    """The account an OIDC sign-in with ``email`` maps to: the account whose name is that e-mail
    address (letter case ignored), or None. Raises StoreUnavailable."""
    email = str(email or "").strip()
    if not email:
        return None
    with store_engine.connect() as conn:
        row = conn.execute(sa.select(accounts).where(sa.func.lower(accounts.c.name) == email.lower())
                           .order_by(accounts.c.name)).first()
    return _account(row) if row else None


def last_sign_ins() -> dict[str, str]:
    """Account name → time of its last successful sign-in (ISO 8601, UTC), for accounts that have one."""
    q = (sa.select(signin_events.c.account, sa.func.max(signin_events.c.at))
         .where(signin_events.c.ok.is_(True)).group_by(signin_events.c.account))
    with store_engine.connect() as conn:
        return {name: at for name, at in conn.execute(q)}


def scope_areas() -> pd.DataFrame:
    """The areas an account can be scoped to, in data/areas.csv order (the region, then each league
    followed by its county-level units): columns adcode, name_zh, name_en, level
    (region|league|county)."""
    a = _areas().reset_index()
    order = {code: i for i, code in enumerate(a["adcode"])}
    key = a.apply(lambda r: (order[r["adcode"]] if r["level"] != "county" else order[r["parent_adcode"]],
                             r["level"] == "county", order[r["adcode"]]), axis=1)
    return a.loc[key.sort_values().index, ["adcode", "name_zh", "name_en", "level"]].reset_index(drop=True)


def _actor(actor: str | Account, conn: sa.Connection) -> str:
    """The name to audit for ``actor``; an :class:`Account` must be an enabled admin as the store
    holds it now (raises :class:`NotPermitted`). A plain name is the server's operator (no check)."""
    if not isinstance(actor, Account):
        return str(actor)
    now = get_account(actor.name, conn)
    if now is None or now.disabled or not now.is_admin:
        raise NotPermitted(i18n.t("account_admin_only", "zh", name=actor.name))
    return now.name


def create_account(name: str, password: str, role: str, area: str, *, actor: str | Account = "operator",
                   password_hash: str | None = None) -> Account:
    """Create an account. ``area``: adcode or official name. ``password_hash``: an existing bcrypt
    or argon2 hash instead of ``password``. ``actor``: the operator's name or an admin
    :class:`Account`. Raises :class:`AccountError` (name taken, bad role, area or password),
    :class:`NotPermitted` (the actor is not an enabled admin), StoreUnavailable."""
    name, role, scope = check_name(name), _check_role(role), resolve_area(area)
    hashed = password_hash or hash_password(password)
    now = common.now()
    with store_engine.begin() as conn:
        actor = _actor(actor, conn)
        if get_account(name, conn) is not None:
            raise AccountError(i18n.t("account_exists", "zh", name=name))
        conn.execute(sa.insert(accounts).values(name=name, password_hash=hashed, role=role, scope=scope,
                                                disabled=False, created_at=now, updated_at=now))
        common.add_audit(conn, actor=actor, action="account_create",
                         what={"name": name, "role": role, "scope": scope})
    return Account(name, role, scope)


def _update(name: str, action: str, what: dict, actor: str | Account, **values) -> Account:
    with store_engine.begin() as conn:
        self_change = isinstance(actor, Account) and actor.name == name
        actor = _actor(actor, conn)
        if get_account(name, conn) is None:
            raise AccountError(i18n.t("account_missing", "zh", name=name))
        if self_change and (values.get("disabled") or values.get("role", "admin") != "admin"):
            raise AccountError(i18n.t("account_no_self_lockout", "zh"))
        conn.execute(sa.update(accounts).where(accounts.c.name == name).values(updated_at=common.now(), **values))
        common.add_audit(conn, actor=actor, action=action, what={"name": name, **what})
        return get_account(name, conn)


def set_password(name: str, password: str, *, actor: str | Account = "operator") -> Account:
    """Set a new password (argon2id). ``actor``: the operator's name or an admin :class:`Account`.
    Raises :class:`AccountError`, :class:`NotPermitted`."""
    return _update(name, "account_password", {}, actor, password_hash=hash_password(password))


def set_role_scope(name: str, role: str | None = None, area: str | None = None, *, actor: str | Account = "operator") -> Account:
    """Change the role and/or the scope area (adcode or official name). ``actor``: the operator's
    name or an admin :class:`Account` (who may not take away its own admin role). Raises
    :class:`AccountError`, :class:`NotPermitted`."""
    values = {}
    if role is not None:
        values["role"] = _check_role(role)
    if area is not None:
        values["scope"] = resolve_area(area)
    return _update(name, "account_role_scope", dict(values), actor, **values)


def disable(name: str, *, actor: str | Account = "operator") -> Account:
    """Disable an account: it can no longer sign in or write. ``actor``: the operator's name or an
    admin :class:`Account` (not itself). Raises :class:`AccountError`, :class:`NotPermitted`."""
    return _update(name, "account_disable", {}, actor, disabled=True)


def enable(name: str, *, actor: str | Account = "operator") -> Account:
    """Enable a disabled account again. ``actor``: the operator's name or an admin :class:`Account`.
    Raises :class:`AccountError`, :class:`NotPermitted`."""
    return _update(name, "account_enable", {}, actor, disabled=False)


def adopt_secret_users(users: dict[str, str]) -> list[str]:
    """Make admin accounts (scope: the region, 150000) of the ``[nmgdash.users]`` of secrets.toml
    (name → bcrypt hash), keeping their hashes. Names that already have an account are left alone.
    Returns the names created. Call on start (the web app does)."""
    created = []
    for name, hashed in users.items():
        if get_account(name) is None:
            try:
                create_account(name, "", "admin", "150000", actor="secrets.toml", password_hash=hashed)
            except AccountError:  # created by another server a moment ago
                continue
            created.append(name)
    return created


# --- sign-in ---------------------------------------------------------------------------------


def _lock_left(conn: sa.Connection, column: sa.Column, key: str, limit: int, now: datetime) -> int:
    """Seconds the key (account name or client address) is still locked for."""
    since = (now - timedelta(seconds=FAIL_WINDOW)).isoformat(timespec="microseconds")
    last_ok = conn.execute(sa.select(sa.func.max(signin_events.c.at))
                           .where(column == key, signin_events.c.ok.is_(True))).scalar_one()
    q = (sa.select(sa.func.count(), sa.func.max(signin_events.c.at))
         .where(column == key, signin_events.c.ok.is_(False), signin_events.c.at > max(since, last_ok or "")))
    fails, last = conn.execute(q).one()
    if fails < limit:
        return 0
    lock = min(LOCK_SECONDS * 2 ** (fails - limit), MAX_LOCK_SECONDS)
    left = (datetime.fromisoformat(last) + timedelta(seconds=lock) - now).total_seconds()
    return max(0, int(left + 0.999))


def lock_remaining(name: str, client: str) -> int:
    """Seconds until ``name`` may try to sign in from ``client`` again (0: not locked)."""
    now = datetime.fromisoformat(common.now())
    with store_engine.connect() as conn:
        return max(_lock_left(conn, signin_events.c.account, name, MAX_FAILS, now),
                   _lock_left(conn, signin_events.c.client, client, MAX_FAILS_CLIENT, now))


def _locked_message(seconds: int) -> str:
    m, s = divmod(seconds, 60)
    wait = i18n.t("signin_wait_minutes", "zh", m=m, s=s) if m else i18n.t("signin_wait_seconds", "zh", s=s)
    return i18n.t("signin_locked", "zh", wait=wait)


def authenticate(name: str, password: str, client: str) -> Account:
    """Sign ``name`` in from ``client`` (the client's address). Every attempt is recorded
    (``signin_events`` and the audit log). Returns the :class:`Account`; raises
    :class:`SignInRefused` with "用户名或口令不正确" (unknown name, wrong password or disabled
    account alike) or "登录失败次数过多，请 1 分 0 秒后再试" while locked; StoreUnavailable."""
    name, client = str(name or "").strip()[:128], str(client or "unknown")[:128]
    with store_engine.begin() as conn:
        now_text = common.now()
        now = datetime.fromisoformat(now_text)
        left = max(_lock_left(conn, signin_events.c.account, name, MAX_FAILS, now),
                   _lock_left(conn, signin_events.c.client, client, MAX_FAILS_CLIENT, now))
        row = conn.execute(sa.select(accounts).where(accounts.c.name == name)).first()
        if left:
            common.add_audit(conn, actor=name or "?", action="signin",
                             what={"ok": False, "client": client, "reason": "locked"}, at=now_text)
            refused = SignInRefused(_locked_message(left), left)
        else:
            ok = verify_password(row.password_hash if row else _DUMMY, password or "") and row is not None
            reason = None if ok and not row.disabled else ("disabled" if ok else "wrong")
            conn.execute(sa.insert(signin_events).values(account=name, client=client, ok=reason is None, at=now_text))
            common.add_audit(conn, actor=name or "?", action="signin",
                             what={"ok": reason is None, "client": client, **({"reason": reason} if reason else {})},
                             at=now_text)
            if reason is None:
                return _account(row)
            refused = SignInRefused(WRONG)
    raise refused
