"""Rounds (填报任务): open, close, reopen one area (admins only), and reading them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ...core import settings
from ..accounts import Account, area_name, resolve_area
from ..store import common as store_common
from ..store import engine as store_engine
from ..store.schema import report_areas, report_rounds
from .common import (
    REPORT_TZ,
    ReportingError,
    Round,
    RoundOutOfRange,
    add_event,
    area_row,
    area_table,
    areas_asked,
    askable_levels,
    catalogue,
    check_text,
    current_account,
    default_indicators,
    indicator_name,
    level,
    lock_round,
    msg,
    refuse,
    require_admin,
    round_of,
    utc_now,
)


def get_round(year: int) -> Round | None:
    """The round of ``year`` or None. Raises StoreUnavailable."""
    with store_engine.connect() as conn:
        row = conn.execute(sa.select(report_rounds).where(report_rounds.c.year == int(year))).first()
    return round_of(row) if row else None


def list_rounds() -> list[Round]:
    """Every round, newest year first."""
    with store_engine.connect() as conn:
        return [round_of(r) for r in conn.execute(sa.select(report_rounds).order_by(report_rounds.c.year.desc()))]


def _deadline(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        refuse(ReportingError, [msg("report_bad_deadline", text=str(value))])
        raise  # unreachable


def round_limits(year: int, today: dt.date | None = None) -> tuple[int, int, dt.date, dt.date]:
    """(first year, last year, earliest deadline, latest deadline) a round of ``year`` may have:
    years ``settings.REPORT_FIRST_YEAR`` … this year + ``settings.REPORT_YEARS_AHEAD``; a deadline after the
    year's end (≥ 1 January of the next year) and at the latest by the later of the next year's end and
    ``settings.REPORT_DEADLINE_HORIZON_DAYS`` from ``today`` (default: today in Beijing time). ``year``:
    1 … 9997 (check the year range first: :func:`check_round_dates`)."""
    today = today or dt.datetime.now(REPORT_TZ).date()
    last = today.year + settings.REPORT_YEARS_AHEAD
    earliest = dt.date(year + 1, 1, 1)
    latest = max(dt.date(year + 1, 12, 31),
                 today + dt.timedelta(days=settings.REPORT_DEADLINE_HORIZON_DAYS))
    return settings.REPORT_FIRST_YEAR, last, earliest, latest


def check_round_dates(year: int, deadline: dt.date | None, today: dt.date | None = None) -> None:
    """Raise :class:`RoundOutOfRange` (a Chinese / English message) when ``year`` or ``deadline`` (None:
    the year only) break :func:`round_limits`."""
    first, last = settings.REPORT_FIRST_YEAR, (today or dt.datetime.now(REPORT_TZ).date()).year + settings.REPORT_YEARS_AHEAD
    if not first <= year <= last:
        refuse(RoundOutOfRange, [msg("report_year_out_of_range", year=year, first=first, last=last)])
    if deadline is None:
        return
    _, _, earliest, latest = round_limits(year, today)
    if deadline < earliest:
        refuse(RoundOutOfRange, [msg("report_deadline_too_early", year=year, deadline=deadline.isoformat(),
                                     earliest=earliest.isoformat())])
    if deadline > latest:
        refuse(RoundOutOfRange, [msg("report_deadline_too_late", year=year, deadline=deadline.isoformat(),
                                     latest=latest.isoformat())])


def open_round(actor: Account, year: int, deadline, indicators=None, note: str = "") -> Round:
    """Open the round of ``year`` (admins only). ``deadline``: a date or ``YYYY-MM-DD`` (due by its end,
    Beijing time); ``indicators``: catalogue ids (default :func:`default_indicators`), each askable of
    leagues or counties; ``note``: shown to the reporters. Recorded in report_events and the audit log.
    The year and deadline must keep to :func:`round_limits` (else :class:`RoundOutOfRange`).
    Raises NotPermitted, ReportingError (bad deadline or indicator, nothing to ask, the round exists),
    RoundOutOfRange, StoreUnavailable."""
    year, due = int(year), _deadline(deadline)
    check_round_dates(year, due)
    ids = default_indicators(year) if indicators is None else [str(i).strip() for i in indicators if str(i).strip()]
    problems = []
    for i in dict.fromkeys(ids):
        if i not in catalogue().index:
            problems.append(msg("report_unknown_indicator", id=i))
        elif not askable_levels(i):
            problems.append(msg("report_not_askable", id=i, name=indicator_name(i)))
    refuse(ReportingError, problems)
    if not ids:
        refuse(ReportingError, [msg("report_nothing_to_ask", year=year)])
    order = list(catalogue().index)
    ids = sorted(dict.fromkeys(ids), key=order.index)
    with store_engine.begin() as conn:
        acc = current_account(actor, conn)
        require_admin(acc, "open")
        if conn.execute(sa.select(report_rounds.c.year).where(report_rounds.c.year == year)).first():
            refuse(ReportingError, [msg("report_round_exists", year=year)])
        now = utc_now()
        conn.execute(sa.insert(report_rounds).values(year=year, deadline=due.isoformat(), indicators=ids,
                                                     note=str(note or ""), state="open", opened_by=acc.name,
                                                     opened_at=now))
        add_event(conn, year, None, "open", acc.name, now, new_text=due.isoformat())
        store_common.add_audit(conn, actor=acc.name, action="report_open",
                         what={"year": year, "deadline": due.isoformat(), "indicators": ids, "note": str(note or "")})
    return get_round(year)


def close_round(actor: Account, year: int) -> Round:
    """Close the round of ``year`` (admins only): no more entries or submissions, except in areas an
    admin reopens (:func:`reopen_area`); reviews go on. Raises NotPermitted, ReportingError."""
    with store_engine.begin() as conn:
        acc = current_account(actor, conn)
        require_admin(acc, "close")
        rnd = lock_round(conn, year)
        if rnd.state == "closed":
            refuse(ReportingError, [msg("report_round_already_closed", year=rnd.year)])
        now = utc_now()
        conn.execute(sa.update(report_rounds).where(report_rounds.c.year == rnd.year)
                     .values(state="closed", closed_by=acc.name, closed_at=now))
        add_event(conn, rnd.year, None, "close", acc.name, now)
        store_common.add_audit(conn, actor=acc.name, action="report_close", what={"year": rnd.year})
    return get_round(year)


def reopen_area(actor: Account, year: int, area: str, reason: str) -> None:
    """Reopen one area for entry (admins only; DHIS2's lock exception): its values become editable
    again even in a closed round, a submitted or approved area goes back to 填报中 (approved values
    leave the build: the published version is bumped). A county of an approved league cannot be
    reopened before its league. Raises NotPermitted, ReportingError."""
    area = resolve_area(area)
    reason = check_text(reason, "report_reason_needed")
    with store_engine.begin() as conn:
        acc = current_account(actor, conn)
        require_admin(acc, "reopen")
        rnd = lock_round(conn, year)
        if area not in areas_asked(rnd):
            refuse(ReportingError, [msg("report_area_not_asked", year=rnd.year, area=area_name(area))])
        parent = area_table().at[area, "parent_adcode"]
        if level(area) == "county":
            prow = area_row(conn, rnd.year, parent)
            if prow is not None and prow.state == "approved":
                refuse(ReportingError, [msg("report_reopen_parent_first", area=area_name(area),
                                             league=area_name(parent))])
        row = area_row(conn, rnd.year, area)
        now = utc_now()
        was = row.state if row is not None else None
        if was == "approved":
            store_common.bump_version(conn)
        values = {"reopened": True, "reopened_by": acc.name, "reopened_at": now, "reopen_reason": reason}
        if was in ("submitted", "approved"):
            values["state"] = "draft"
        if row is None:
            conn.execute(sa.insert(report_areas).values(year=rnd.year, adcode=area, state="draft", **values))
        else:
            conn.execute(sa.update(report_areas).where(report_areas.c.year == rnd.year,
                                                       report_areas.c.adcode == area).values(**values))
        add_event(conn, rnd.year, area, "reopen", acc.name, now, old_text=was, new_text=reason)
        store_common.add_audit(conn, actor=acc.name, action="report_reopen",
                         what={"year": rnd.year, "area": area, "reason": reason, "was": was})
