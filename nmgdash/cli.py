"""Command line for the server's operator (no sign-in): import, undo, log, template, db, rebuild.

    python -m nmgdash import FILE [--dry-run] [--yes] [--user NAME]
    python -m nmgdash undo BATCH_ID [--user NAME]
    python -m nmgdash log
    python -m nmgdash template [-o FILE] [--year YEAR]
    python -m nmgdash db          (build the database if it is missing or out of date)
    python -m nmgdash rebuild     (build it anew; imported data is kept)
    python -m nmgdash backup FILE (the whole store in one archive, with checksums)
    python -m nmgdash restore FILE (load an archive into an EMPTY store)
    python -m nmgdash user add NAME --role reporter|reviewer|admin --area AREA --password-stdin
    python -m nmgdash user list | user passwd NAME --password-stdin | user disable NAME
    python -m nmgdash round open YEAR --deadline YYYY-MM-DD [--indicators ID,ID…] [--note TEXT] [--user NAME]
    python -m nmgdash round close YEAR [--user NAME]
    python -m nmgdash report template [FILE] --user NAME --round YEAR [--area AREA]
    python -m nmgdash report save FILE --user NAME --round YEAR
    python -m nmgdash report explain --user NAME --round YEAR [--area AREA] --indicator ID --text TEXT
    python -m nmgdash report submit --user NAME --round YEAR [--area AREA]
    python -m nmgdash report approve|return --user NAME --round YEAR --area AREA [--reason TEXT] [--value ID=TEXT …]
    python -m nmgdash report reopen --user ADMIN --round YEAR --area AREA --reason TEXT
    python -m nmgdash report status --round YEAR

``import``/``undo`` with ``--user NAME`` act as that account (its role and scope are checked, as on
the page); without ``--user`` the CLI acts as the server's operator (no checks), as before.

``import`` uses the same parser, messages and commit as the 数据管理 page (nmgdash.ingest).
Exit codes: 0 done (or dry run of an acceptable file); 1 file rejected (errors printed, nothing
changed) or bad arguments/unknown batch; 2 warnings not confirmed (no --yes, answer not "y", or no
stdin); 3 another import is running (ledger.ImportBusy). A fault of the folders (read-only, disk full,
no permission) prints a Chinese message without a traceback and exits 1; ``db`` with a read-only folder
and a usable older database prints the "may be out of date" notice and exits 0 (the dashboard can serve).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path

import duckdb
import pandas as pd

from nmgdash import ingest
from nmgdash.core import settings
from nmgdash.core.i18n import t
from nmgdash.ingest import reporting as file_reporting
from nmgdash.storage import accounts, build, ledger, reporting, transaction
from nmgdash.storage.database import STALE_WARNING, DatabaseUnavailable
from nmgdash.storage.store import backup as store_backup

log = logging.getLogger(__name__)

EXIT_OK, EXIT_REJECTED, EXIT_UNCONFIRMED, EXIT_BUSY = 0, 1, 2, 3


def _operator() -> str:
    try:
        return settings.cli_user() or getpass.getuser() or "operator"
    except Exception:  # no login name (e.g. a container without a passwd entry)
        return "operator"


def _actor(name: str | None) -> str | accounts.Account:
    """The account named by ``--user`` (raises AccountError when there is none), else the operator's name."""
    if not name:
        return _operator()
    acc = accounts.get_account(name)
    if acc is None:
        raise accounts.AccountError(t("cli_no_account", name=name))
    return acc


def _confirm(prompt: str) -> bool:
    """Ask on stdin; no stdin, EOF or anything but y/yes/是 means no."""
    if sys.stdin is None or sys.stdin.closed:
        return False
    print(prompt, end="", flush=True)
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        return False
    return answer.strip().lower() in ("y", "yes", "是", "确认")


def cmd_import(args: argparse.Namespace) -> int:

    path = Path(args.file)
    try:
        actor = _actor(args.user)
    except (accounts.AccountError, ledger.StoreUnavailable) as e:
        print(str(e), file=sys.stderr)
        return EXIT_REJECTED
    try:
        data = path.read_bytes()
    except OSError as e:
        print(t("cli_cannot_read_file", path=path, reason=e.strerror), file=sys.stderr)
        return EXIT_REJECTED
    con = build.connect(read_only=True)
    try:
        plan = ingest.load_file(data, path.name, con)
    finally:
        con.close()
    print(plan.report())
    if plan.errors:
        print("\n" + t("cli_file_rejected", n=len(plan.errors)), file=sys.stderr)
        return EXIT_REJECTED
    if args.dry_run:
        print("\n" + t("cli_dry_run") + (t("cli_dry_run_warnings") if plan.warnings else ""))
        return EXIT_OK
    if plan.warnings and not args.yes:
        if not _confirm("\n" + t("cli_confirm_warnings", n=len(plan.warnings))):
            print("\n" + t("cli_not_confirmed"), file=sys.stderr)
            return EXIT_UNCONFIRMED
    try:
        batch_id = ingest.commit(plan, user=actor, accept_warnings=True)
    except ledger.ImportBusy as e:
        print(str(e), file=sys.stderr)
        return EXIT_BUSY
    except ingest.ConfirmationRequired as e:  # another import changed the data meanwhile
        print(f"\n{e.message_zh}", file=sys.stderr)
        print("\n".join(f"  ! {w.text}" for w in e.warnings), file=sys.stderr)
        return EXIT_UNCONFIRMED
    except ValueError as e:
        print(t("cli_import_failed", error=e), file=sys.stderr)
        return EXIT_REJECTED
    c = plan.counts
    print("\n" + t("cli_imported", batch=batch_id, new=c["new"], changed=c["changed"], unchanged=c["unchanged"]))
    return EXIT_OK


def cmd_undo(args: argparse.Namespace) -> int:

    try:
        transaction.undo(args.batch_id, user=_actor(args.user))
    except ledger.ImportBusy as e:
        print(str(e), file=sys.stderr)
        return EXIT_BUSY
    except (KeyError, ValueError, ledger.StoreUnavailable) as e:
        print(t("cli_undo_failed", batch=args.batch_id, error=e.args[0] if e.args else e), file=sys.stderr)
        return EXIT_REJECTED
    print(t("cli_undone", batch=args.batch_id))
    return EXIT_OK


def cmd_log(args: argparse.Namespace) -> int:
    log = ledger.audit_log()
    if log.empty:
        print(t("cli_log_empty"))
        return EXIT_OK
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200):
        print(log.to_string(index=False))
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    out = Path(args.output or ingest.TEMPLATE_FILE_NAME)
    try:
        out.write_bytes(ingest.build_template(year=args.year))
    except OSError as e:
        kind = ledger.WriteFailed.from_error(e).kind
        why = t(f"cli_write_{kind if kind in ('readonly', 'full') else 'other'}")
        print(t("cli_template_write_failed", path=out, reason=why), file=sys.stderr)
        return EXIT_REJECTED
    print(t("cli_template_written", path=out))
    return EXIT_OK


def cmd_db(args: argparse.Namespace) -> int:
    path = settings.db_path()
    why = build.rebuild_reason(path)
    try:
        build.ensure_database(path)
    except (OSError, duckdb.IOException, duckdb.PermissionException) as exc:
        log.debug("database build failed", exc_info=True)
        if not why.usable:
            kind = "readonly_missing" if build.is_readonly_error(exc) and why.code == build.MISSING else "build_failed"
            print(DatabaseUnavailable(kind).message_zh, file=sys.stderr)
            return EXIT_REJECTED
        print(f"{STALE_WARNING}（{ledger.WriteFailed.from_error(exc).message_zh}）", file=sys.stderr)
        return EXIT_OK
    if why is None:
        print(t("cli_db_current", path=path))
    elif why.code == build.MISSING:
        print(t("cli_db_built_first", path=path))
    else:
        print(t("cli_db_rebuilt_because", reason=why, path=path))
    return EXIT_OK


def cmd_rebuild(args: argparse.Namespace) -> int:
    stats = build.build_database()
    seconds = f"{stats.pop('seconds'):.2f}"
    rows = t("list_sep").join(t("cli_table_rows", table=name, n=n) for name, n in stats.items())
    print(t("cli_rebuilt", path=settings.db_path(), seconds=seconds, stats=rows))
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    try:
        counts = store_backup.backup(args.file)
    except ledger.StoreUnavailable as e:
        print(str(e), file=sys.stderr)
        return EXIT_REJECTED
    except OSError as e:
        print(t("cli_backup_write_failed", name=Path(args.file).name, reason=e.strerror), file=sys.stderr)
        return EXIT_REJECTED
    print(t("cli_backed_up", path=args.file, tables=_table_rows(counts)))
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    try:
        counts = store_backup.restore(args.file)
    except (store_backup.BackupError, ledger.StoreUnavailable) as e:
        print(t("cli_restore_failed", error=e), file=sys.stderr)
        return EXIT_REJECTED
    print(t("cli_restored", path=args.file, tables=_table_rows(counts)))
    print(t("cli_restored_rebuild"))
    return EXIT_OK


def _table_rows(counts: dict[str, int]) -> str:
    """"audit 3 行，batches 1 行…": rows per table of a backup or restore."""
    return "，".join(t("cli_table_rows", table=table, n=n) for table, n in counts.items())


def _password_stdin() -> str:
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


def cmd_user(args: argparse.Namespace) -> int:
    try:
        if args.action == "list":
            rows = accounts.list_accounts()
            if not rows:
                print(t("cli_no_accounts"))
            for a in rows:
                state = t("cli_account_disabled_mark") if a.disabled else ""
                print(t("cli_account_line", name=a.name, role_name=accounts.ROLE_NAMES[a.role], role=a.role,
                        scope_name=a.scope_name, scope=a.scope, state=state))
            return EXIT_OK
        if not args.name:
            print(t("cli_name_required"), file=sys.stderr)
            return EXIT_REJECTED
        if args.action in ("add", "passwd") and not args.password_stdin:
            print(t("cli_password_stdin_required"), file=sys.stderr)
            return EXIT_REJECTED
        actor = _operator()
        if args.action == "add":
            if not args.role or not args.area:
                print(t("cli_add_needs_role_area"), file=sys.stderr)
                return EXIT_REJECTED
            a = accounts.create_account(args.name, _password_stdin(), args.role, args.area, actor=actor)
            print(t("cli_account_created", name=a.name, role_name=accounts.ROLE_NAMES[a.role], scope_name=a.scope_name,
                    scope=a.scope))
        elif args.action == "passwd":
            accounts.set_password(args.name, _password_stdin(), actor=actor)
            print(t("cli_password_set", name=args.name))
        elif args.action == "disable":
            accounts.disable(args.name, actor=actor)
            print(t("cli_account_disabled", name=args.name))
    except (accounts.AccountError, ledger.StoreUnavailable) as e:
        print(str(e), file=sys.stderr)
        return EXIT_REJECTED
    return EXIT_OK


# --- reporting (年度填报与审核) ---------------------------------------------------------------------
# Kept in one block: python -m nmgdash round … / report … (nmgdash.storage.reporting).


def _report_actor(name: str | None, required: bool = True) -> str | accounts.Account:
    if not name and required:
        raise accounts.AccountError(t("cli_report_user_needed"))
    return _actor(name)


def _report_area(actor, area: str | None) -> str:
    if area:
        return accounts.resolve_area(area)
    return actor.scope if isinstance(actor, accounts.Account) else reporting.REGION


def _print_lines(lines: list[str]) -> None:
    print("\n".join(lines), file=sys.stderr)


def _print_late(result) -> None:
    """The “已逾期 3 天…” line of a save or submission after the deadline (nothing when on time)."""
    if getattr(result, "notice", ""):
        print(result.notice)


def cmd_round(args: argparse.Namespace) -> int:
    try:
        actor = _report_actor(args.user, required=False)
        if args.action == "open":
            reporting.check_round_dates(args.year, None)
            if not args.deadline:
                raise reporting.ReportingError([t("cli_report_deadline_needed")])
            ids = [i for i in (args.indicators or "").replace("，", ",").split(",") if i.strip()] or None
            rnd = reporting.open_round(actor, args.year, args.deadline, ids, note=args.note or "")
            print(t("cli_round_opened", year=rnd.year, n=len(rnd.indicators), deadline=rnd.deadline.isoformat()))
        else:
            rnd = reporting.close_round(actor, args.year)
            print(t("cli_round_closed", year=rnd.year))
    except reporting.RoundOutOfRange as e:  # a year or deadline outside the rules: a bad argument
        _print_lines(e.lines)
        return EXIT_UNCONFIRMED
    except (ValueError, ledger.StoreUnavailable) as e:
        _print_lines(getattr(e, "lines", [str(e)]))
        return EXIT_REJECTED
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    try:
        if args.action == "status":
            return _report_status(args)
        actor = _report_actor(args.user)
        if args.action == "save":
            if not args.file:
                raise reporting.ReportingError([t("cli_report_file_needed")])
            path = Path(args.file)
            try:
                data = path.read_bytes()
            except OSError as e:
                print(t("cli_report_unreadable", file=path.name, why=e.strerror), file=sys.stderr)
                return EXIT_REJECTED
            saved = file_reporting.save_file(actor, args.round, data, path.name)
            print(t("cli_report_saved", year=args.round, area=accounts.area_name(_report_area(actor, None))))
            _print_late(saved)
            return EXIT_OK
        area = _report_area(actor, args.area)
        if args.action == "template":
            if isinstance(actor, accounts.Account) and not actor.may_write(area):
                raise accounts.NotPermitted(t("cli_report_template_scope", area=accounts.area_name(area)))
            path = Path(args.file or file_reporting.template_file_name(args.round, area))
            path.write_bytes(file_reporting.build_template(args.round, area))
            print(t("cli_report_template_written", file=str(path), area=accounts.area_name(area), year=args.round))
            return EXIT_OK
        if args.action == "explain":
            reporting.explain(actor, args.round, area, args.indicator or "", area, args.text or "")
            print(t("cli_report_explained", area=accounts.area_name(area), id=args.indicator))
        elif args.action == "submit":
            try:
                done = reporting.submit(actor, args.round, area)
            except reporting.NeedsExplanation as e:
                _print_lines([*e.lines, t("cli_report_explain_how", year=args.round)])
                return EXIT_UNCONFIRMED
            print(t("cli_report_submitted", year=args.round, area=accounts.area_name(area)))
            _print_late(done)
        elif args.action == "approve":
            reporting.approve(actor, args.round, area)
            build.ensure_database()
            print(t("cli_report_approved", year=args.round, area=accounts.area_name(area)))
        elif args.action == "reopen":
            reporting.reopen_area(actor, args.round, area, args.reason or "")
            print(t("cli_report_reopened", year=args.round, area=accounts.area_name(area)))
        elif args.action == "return":
            per_value = {}
            for item in args.value or []:
                ind, sep, text = item.partition("=")
                if not sep:
                    raise reporting.ReportingError([t("cli_report_bad_value", text=item)])
                per_value[(ind.strip(), area)] = text
            reporting.return_(actor, args.round, area, args.reason or "", per_value)
            print(t("cli_report_returned", year=args.round, area=accounts.area_name(area)))
    except (ValueError, ledger.StoreUnavailable) as e:
        _print_lines(getattr(e, "lines", [str(e)]))
        return EXIT_REJECTED
    return EXIT_OK


def _report_status(args: argparse.Namespace) -> int:
    st = reporting.status_report(args.round)
    print(reporting.progress(args.round)["text"])
    rnd = reporting.get_round(args.round)
    print(t("cli_report_deadline", deadline=rnd.deadline.isoformat(), left=rnd.deadline_text()))
    cols = {"area_name": t("cli_report_col_area"), "state_text": t("cli_report_col_state"),
            "timeliness_text": t("cli_report_col_timeliness"), "submitted_by": t("cli_report_col_submitted_by"),
            "submitted_at": t("cli_report_col_submitted_at"), "approved_by": t("cli_report_col_approved_by"),
            "approved_at": t("cli_report_col_approved_at"), "returned_by": t("cli_report_col_returned_by"),
            "return_reason": t("cli_report_col_return_reason")}
    table = st[list(cols)].rename(columns=cols).replace("", "—")
    for c in (t("cli_report_col_submitted_at"), t("cli_report_col_approved_at")):
        table[c] = [reporting.local_time(v) if v != "—" else v for v in table[c]]
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250):
        print(table.to_string(index=False))
    return EXIT_OK


def add_reporting_commands(sub) -> None:
    """The round and report subcommands (see the module docstring)."""
    p = sub.add_parser("round", help=t("cli_round_help"))
    p.add_argument("action", choices=["open", "close"])
    p.add_argument("year", type=int)
    p.add_argument("--deadline", help="YYYY-MM-DD")
    p.add_argument("--indicators", help=t("cli_round_indicators_help"))
    p.add_argument("--note")
    p.add_argument("--user", help=t("cli_report_user_help"))
    p.set_defaults(func=cmd_round)
    p = sub.add_parser("report", help=t("cli_report_help"))
    p.add_argument("action", choices=["template", "save", "explain", "submit", "approve", "return", "reopen", "status"])
    p.add_argument("file", nargs="?")
    p.add_argument("--user", help=t("cli_report_user_help"))
    p.add_argument("--round", type=int, required=True)
    p.add_argument("--area", help=t("cli_report_area_help"))
    p.add_argument("--indicator")
    p.add_argument("--text")
    p.add_argument("--reason")
    p.add_argument("--value", action="append", help=t("cli_report_value_help"))
    p.set_defaults(func=cmd_report)


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser (every subcommand; see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m nmgdash", description=t("cli_description"))
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("import", help=t("cli_help_import"))
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help=t("cli_help_dry_run"))
    p.add_argument("--yes", action="store_true", help=t("cli_help_yes"))
    p.add_argument("--user", help=t("cli_help_import_user"))
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("undo", help=t("cli_help_undo"))
    p.add_argument("batch_id")
    p.add_argument("--user", help=t("cli_help_undo_user"))
    p.set_defaults(func=cmd_undo)
    p = sub.add_parser("log", help=t("cli_help_log"))
    p.set_defaults(func=cmd_log)
    p = sub.add_parser("template", help=t("cli_help_template"))
    p.add_argument("-o", "--output")
    p.add_argument("--year", type=int)
    p.set_defaults(func=cmd_template)
    p = sub.add_parser("db", help=t("cli_help_db"))
    p.set_defaults(func=cmd_db)
    p = sub.add_parser("rebuild", help=t("cli_help_rebuild"))
    p.set_defaults(func=cmd_rebuild)
    p = sub.add_parser("user", help=t("cli_help_user"))
    p.add_argument("action", choices=["add", "list", "passwd", "disable"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=list(accounts.ROLE_NAMES))
    p.add_argument("--area", help=t("cli_help_area"))
    p.add_argument("--password-stdin", action="store_true", help=t("cli_help_password_stdin"))
    p.set_defaults(func=cmd_user)
    p = sub.add_parser("backup", help=t("cli_help_backup"))
    p.add_argument("file")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help=t("cli_help_restore"))
    p.add_argument("file")
    p.set_defaults(func=cmd_restore)
    add_reporting_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # the package logs details (paths, errno) for a server log; the operator reads the Chinese messages
    logging.getLogger("nmgdash").addHandler(logging.NullHandler())
    try:
        return args.func(args)
    except ledger.ImportBusy as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BUSY
    except (OSError, duckdb.IOException, duckdb.PermissionException) as exc:
        # a folder fault (read-only, disk full, no permission): what is wrong, in Chinese, no traceback
        log.debug("command failed", exc_info=True)
        print(ledger.WriteFailed.from_error(exc).message_zh, file=sys.stderr)
        return EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())
