"""Accounts, roles and scopes (nmgdash.storage.accounts) and authorization where data is written
(transaction.commit/undo, ingest.commit, python -m nmgdash import --user), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import sys
from datetime import datetime, timedelta

import bcrypt
import pandas as pd
import pytest
import sqlalchemy as sa

from nmgdash import cli, ingest
from nmgdash.storage import accounts, build, ledger, transaction
from nmgdash.storage.accounts import Account, NotPermitted, SignInRefused
from nmgdash.storage.store import engine as store_engine
from nmgdash.storage.store import schema

SHA = "12" * 32
PW = "correct horse battery"


@pytest.fixture
def store(backend, tmp_path, monkeypatch):
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    return tmp_path


@pytest.fixture
def people(store):
    """One account of every role and scope, and a built database."""
    build.build_database()
    return {
        "admin": accounts.create_account("admin", PW, "admin", "150000"),
        "xam": accounts.create_account("兴安盟填报员", PW, "reporter", "兴安盟"),
        "county": accounts.create_account("乌兰浩特填报员", PW, "reporter", "152201"),
        "reviewer": accounts.create_account("兴安盟审核员", PW, "reviewer", "Hinggan League"),
    }


def audit_rows(action: str) -> list[tuple]:
    with store_engine.connect() as conn:
        q = sa.select(schema.audit.c.actor, schema.audit.c.what).where(schema.audit.c.action == action)
        return [(a, w) for a, w in conn.execute(q.order_by(schema.audit.c.id))]


def rows(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"indicator_id": "hubs", "adcode": list(values), "year": 2019,
                         "value": [float(v) for v in values.values()]})


def commit(values: dict[str, float], user) -> str:
    return transaction.commit(rows(values), file_name="f.xlsx", sha256=SHA, user=user, counts={"new": len(values)})


# --- accounts ------------------------------------------------------------------------------


def test_accounts_are_created_with_argon2id_a_role_and_a_scope(people):
    assert [(a.name, a.role, a.scope, a.scope_name) for a in accounts.list_accounts()] == [
        ("admin", "admin", "150000", "内蒙古自治区"), ("乌兰浩特填报员", "reporter", "152201", "乌兰浩特市"),
        ("兴安盟填报员", "reporter", "152200", "兴安盟"), ("兴安盟审核员", "reviewer", "152200", "兴安盟")]
    with store_engine.connect() as conn:
        hashes = conn.execute(sa.select(schema.accounts.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert [w["name"] for _a, w in audit_rows("account_create")] == ["admin", "兴安盟填报员", "乌兰浩特填报员", "兴安盟审核员"]


@pytest.mark.parametrize(("args", "message"), [
    (("x", PW, "reporter", "火星"), "没有地区“火星”：请填写 data/areas.csv 中的区划代码或正式名称"),
    (("x", PW, "owner", "150000"), "角色应为 reporter、reviewer、admin 之一（填报员、审核员、管理员），不是“owner”"),
    (("x", "short", "reporter", "150000"), "口令至少需要 8 个字符"),
    (("admin", PW, "reporter", "150000"), "账号“admin”已存在"),
    (("a b", PW, "reporter", "150000"), "账号名不能为空、不能含空白字符，最长 64 个字符"),
])
def test_bad_account_requests_are_refused(people, args, message):
    with pytest.raises(accounts.AccountError) as info:
        accounts.create_account(*args)
    assert str(info.value) == message
    assert len(accounts.list_accounts()) == 4


def test_role_scope_password_and_disable_changes(people):
    acc = accounts.set_role_scope("兴安盟填报员", role="reviewer", area="包头市", actor="admin")
    assert (acc.role, acc.scope) == ("reviewer", "150200")
    accounts.set_password("兴安盟填报员", "another long password", actor="admin")
    assert accounts.authenticate("兴安盟填报员", "another long password", "10.0.0.9").name == "兴安盟填报员"
    assert accounts.disable("兴安盟填报员", actor="admin").disabled
    with pytest.raises(SignInRefused) as info:
        accounts.authenticate("兴安盟填报员", "another long password", "10.0.0.9")
    assert str(info.value) == "用户名或口令不正确"
    assert [a for a, _w in audit_rows("account_role_scope")] == ["admin"]
    with pytest.raises(accounts.AccountError, match="没有账号“nobody”"):
        accounts.disable("nobody")


def test_secrets_users_become_admin_accounts_keeping_their_bcrypt_hash(store):
    hashed = bcrypt.hashpw(b"old secret pw", bcrypt.gensalt(rounds=4)).decode()
    assert accounts.adopt_secret_users({"老管理员": hashed}) == ["老管理员"]
    assert accounts.adopt_secret_users({"老管理员": hashed}) == []  # once only
    acc = accounts.authenticate("老管理员", "old secret pw", "127.0.0.1")
    assert (acc.role, acc.scope) == ("admin", "150000")


# --- sign-in ------------------------------------------------------------------------------


def test_sign_in_never_says_which_was_wrong_and_is_audited(people):
    assert accounts.authenticate("兴安盟填报员", PW, "10.0.0.1") == Account("兴安盟填报员", "reporter", "152200")
    for name, pw in (("兴安盟填报员", "wrong password"), ("没有这个人", PW)):
        with pytest.raises(SignInRefused) as info:
            accounts.authenticate(name, pw, "10.0.0.1")
        assert str(info.value) == "用户名或口令不正确" and info.value.locked_seconds == 0
    assert [(a, w["ok"], w["client"]) for a, w in audit_rows("signin")] == [
        ("兴安盟填报员", True, "10.0.0.1"), ("兴安盟填报员", False, "10.0.0.1"), ("没有这个人", False, "10.0.0.1")]


def age_signin_events(seconds: float) -> None:
    """Move every recorded sign-in ``seconds`` into the past (instead of waiting)."""
    with store_engine.begin() as conn:
        for i, at in conn.execute(sa.select(schema.signin_events.c.id, schema.signin_events.c.at)).all():
            earlier = (datetime.fromisoformat(at) - timedelta(seconds=seconds)).isoformat(timespec="microseconds")
            conn.execute(sa.update(schema.signin_events).where(schema.signin_events.c.id == i).values(at=earlier))


def test_five_failures_lock_the_account_across_sessions_with_a_growing_lock(people):
    for client in ("10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2", "10.0.0.1"):  # two browsers, one store
        with pytest.raises(SignInRefused, match="用户名或口令不正确"):
            accounts.authenticate("兴安盟填报员", "guess", client)
    with pytest.raises(SignInRefused) as info:  # the right password does not help while locked
        accounts.authenticate("兴安盟填报员", PW, "10.0.0.3")
    assert info.value.locked_seconds in (59, 60)
    assert str(info.value) in ("登录失败次数过多，请 1 分 0 秒后再试", "登录失败次数过多，请 59 秒后再试")
    assert accounts.lock_remaining("兴安盟填报员", "10.0.0.3") in (59, 60)
    assert accounts.authenticate("admin", PW, "10.0.0.3").name == "admin"  # other accounts are not locked
    age_signin_events(61)
    with pytest.raises(SignInRefused, match="用户名或口令不正确"):  # the lock is over; one more failure ...
        accounts.authenticate("兴安盟填报员", "guess", "10.0.0.1")
    assert 119 <= accounts.lock_remaining("兴安盟填报员", "10.0.0.4") <= 120  # ... locks for twice as long
    age_signin_events(121)
    assert accounts.authenticate("兴安盟填报员", PW, "10.0.0.1").name == "兴安盟填报员"
    assert accounts.lock_remaining("兴安盟填报员", "10.0.0.1") == 0  # a success resets the count


def test_one_client_guessing_many_names_is_locked(people):
    for i in range(10):
        with pytest.raises(SignInRefused, match="用户名或口令不正确"):
            accounts.authenticate(f"user{i}", "guess", "203.0.113.7")
    with pytest.raises(SignInRefused, match="登录失败次数过多"):
        accounts.authenticate("admin", PW, "203.0.113.7")
    assert accounts.authenticate("admin", PW, "10.0.0.8").name == "admin"


# --- authorization where data is written ------------------------------------------------------------


def test_a_reporter_writes_its_scope_and_below_and_nothing_else(people):
    xam, county, admin, reviewer = people["xam"], people["county"], people["admin"], people["reviewer"]
    b1 = commit({"152200": 10, "152201": 11}, xam)
    stamp = ledger.ledger_stamp()
    with pytest.raises(NotPermitted) as info:
        commit({"152200": 12, "150200": 13, "150100": 14}, xam)
    assert info.value.lines == ["导入数据第 2 行：包头市不在您的填报范围（兴安盟）内",
                                "导入数据第 3 行：呼和浩特市不在您的填报范围（兴安盟）内"]
    assert str(info.value) == "\n".join(info.value.lines)
    assert ledger.ledger_stamp() == stamp and ledger.active_batches() == [b1]  # refused whole
    with pytest.raises(NotPermitted, match="导入数据第 1 行：兴安盟不在您的填报范围（乌兰浩特市）内"):
        commit({"152200": 1}, county)
    commit({"152201": 2}, county)
    commit({"152202": 3}, reviewer)
    with pytest.raises(NotPermitted, match="包头市不在您的填报范围（兴安盟）内"):
        commit({"150200": 3}, reviewer)
    commit({"150200": 4, "152200": 5}, admin)
    assert [r["user"] for r in ledger.read_records()] == ["兴安盟填报员", "乌兰浩特填报员", "兴安盟审核员", "admin"]


def test_a_disabled_or_changed_account_is_checked_as_it_is_now(people):
    xam = people["xam"]
    accounts.set_role_scope(xam.name, area="包头市")
    with pytest.raises(NotPermitted, match="兴安盟不在您的填报范围（包头市）内"):
        commit({"152200": 1}, xam)  # the signed-in object still says 兴安盟; the store decides
    accounts.disable(xam.name)
    with pytest.raises(NotPermitted) as info:
        commit({"150200": 1}, xam)
    assert str(info.value) == "账号“兴安盟填报员”已停用或不存在，不能写入数据"


def test_only_the_author_or_an_admin_undoes_a_batch(people):
    admin, xam, reviewer = people["admin"], people["xam"], people["reviewer"]
    admins = commit({"152200": 1}, admin)
    own = commit({"152200": 2}, xam)
    for who in (xam, reviewer):
        with pytest.raises(NotPermitted) as info:
            transaction.undo(admins, user=who)
        assert str(info.value) == f"只有导入者（admin）或管理员可以撤销导入批次 {admins}"
    assert ledger.active_batches() == [admins, own]
    transaction.undo(own, user=xam)
    second = commit({"152200": 3}, xam)
    transaction.undo(second, user=admin)
    transaction.undo(admins, user=admin)
    assert ledger.active_batches() == []


CSV = "盟市,年份,青年爱里数量（个）\n兴安盟,2019,31\n兴安盟,2018,30\n兴安盟,2017,29\n包头市,2019,96\n"


def test_ingest_commit_names_each_row_of_the_file_outside_the_scope(people):
    con = build.connect(read_only=True)
    try:
        plan = ingest.load_file(CSV.encode(), "兴安盟.csv", con)
    finally:
        con.close()
    assert plan.errors == []
    with pytest.raises(NotPermitted) as info:
        ingest.commit(plan, user=people["xam"], accept_warnings=True)
    assert info.value.lines == ["第5行：包头市不在您的填报范围（兴安盟）内"]
    assert ledger.active_batches() == []
    batch = ingest.commit(plan, user=people["admin"], accept_warnings=True)
    assert ledger.active_batches() == [batch]


def test_cli_user_commands_and_import_as_an_account(store, tmp_path, monkeypatch, capsys):
    build.build_database()
    monkeypatch.setattr(sys, "stdin", io.StringIO(PW + "\n"))
    assert cli.main(["user", "add", "xam", "--role", "reporter", "--area", "兴安盟", "--password-stdin"]) == 0
    assert capsys.readouterr().out.strip() == "已创建账号 xam：填报员，范围 兴安盟（152200）"
    assert cli.main(["user", "add", "y", "--role", "reporter", "--area", "150000"]) == 1
    assert "--password-stdin" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("new password 123\n"))
    assert cli.main(["user", "passwd", "xam", "--password-stdin"]) == 0
    assert accounts.authenticate("xam", "new password 123", "cli").name == "xam"
    f = tmp_path / "兴安盟.csv"
    f.write_text(CSV, encoding="utf-8")
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(["import", str(f), "--yes", "--user", "xam"]) == 1
    assert capsys.readouterr().err.strip() == "导入失败，数据库未作任何修改：第5行：包头市不在您的填报范围（兴安盟）内"
    assert cli.main(["import", str(f), "--yes", "--user", "nobody"]) == 1
    assert capsys.readouterr().err.startswith("没有账号“nobody”")
    f.write_text(CSV.rsplit("包头市", 1)[0], encoding="utf-8")
    assert cli.main(["import", str(f), "--yes", "--user", "xam"]) == 0
    assert ledger.audit_log()["user"].tolist() == ["xam"]
    assert cli.main(["user", "disable", "xam"]) == 0
    capsys.readouterr()
    assert cli.main(["user", "list"]) == 0
    assert capsys.readouterr().out.strip() == "xam\t填报员（reporter）\t兴安盟（152200）（已停用）"


# --- managing accounts from the web app: the acting account must be an admin -------------------


def test_only_an_enabled_admin_account_manages_accounts(people):
    admin, reporter = people["admin"], people["xam"]
    for call in (lambda: accounts.create_account("新人", PW, "reporter", "兴安盟", actor=reporter),
                 lambda: accounts.set_password("乌兰浩特填报员", "a new long password", actor=reporter),
                 lambda: accounts.set_role_scope("兴安盟填报员", role="admin", actor=reporter),
                 lambda: accounts.disable("admin", actor=people["reviewer"]),
                 lambda: accounts.enable("兴安盟填报员", actor=reporter)):
        with pytest.raises(NotPermitted) as info:
            call()
        assert str(info.value) in ("只有管理员可以管理账号（“兴安盟填报员”不是管理员或已停用）",
                                   "只有管理员可以管理账号（“兴安盟审核员”不是管理员或已停用）")
    assert [a.name for a in accounts.list_accounts()] == ["admin", "乌兰浩特填报员", "兴安盟填报员", "兴安盟审核员"]
    assert accounts.get_account("兴安盟填报员").role == "reporter"

    made = accounts.create_account("新人", PW, "reporter", "152200", actor=admin)
    assert made == Account("新人", "reporter", "152200")
    assert audit_rows("account_create")[-1] == ("admin", {"name": "新人", "role": "reporter", "scope": "152200"})
    assert accounts.set_role_scope("新人", area="乌兰浩特市", actor=admin).scope == "152201"
    assert accounts.disable("新人", actor=admin).disabled and not accounts.enable("新人", actor=admin).disabled
    # an admin account checked as the store holds it now: demoted since it was read, it may not
    accounts.create_account("admin2", PW, "admin", "150000")
    stale = accounts.get_account("admin2")
    accounts.set_role_scope("admin2", role="reporter", actor=admin)
    with pytest.raises(NotPermitted):
        accounts.set_password("新人", "yet another password", actor=stale)
    # and never locks itself out
    with pytest.raises(accounts.AccountError, match="不能停用自己的账号或取消自己的管理员角色"):
        accounts.disable("admin", actor=admin)
    with pytest.raises(accounts.AccountError, match="不能停用自己的账号或取消自己的管理员角色"):
        accounts.set_role_scope("admin", role="reporter", actor=admin)


def test_last_sign_ins_and_email_accounts(people):
    accounts.create_account("Wang@tw.nmg.cn", PW, "reporter", "兴安盟")
    assert accounts.account_for_email("wang@TW.nmg.cn") == Account("Wang@tw.nmg.cn", "reporter", "152200")
    assert accounts.account_for_email("zhao@tw.nmg.cn") is None and accounts.account_for_email("") is None
    assert accounts.last_sign_ins() == {}
    accounts.authenticate("admin", PW, "10.0.0.3")
    with pytest.raises(SignInRefused):
        accounts.authenticate("兴安盟填报员", "wrong password", "10.0.0.3")
    seen = accounts.last_sign_ins()
    assert list(seen) == ["admin"] and seen["admin"].startswith(str(datetime.now().year))
    assert accounts.has_accounts()
    areas = accounts.scope_areas()
    assert len(areas) == 116 and areas["level"].value_counts().to_dict() == {"county": 103, "league": 12, "region": 1}
    assert areas["name_zh"].tolist()[:3] == ["内蒙古自治区", "呼和浩特市", "新城区"]
