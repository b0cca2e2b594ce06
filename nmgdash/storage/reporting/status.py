"""Reading for the pages and the CLI: the draft grid, a value's history, the status report and totals,
a reviewer's inbox and an account's areas."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from ...core.i18n import t
from ..accounts import Account, area_name, areas_within, get_account, resolve_area
from ..store import engine as store_engine
from ..store.schema import report_areas, report_events
from .checks import baseline
from .common import (
    ReportingError,
    Round,
    area_table,
    areas_asked,
    asked,
    cells_of,
    draft_version,
    indicator_name,
    level,
    lock_round,
    msg,
    refuse,
    shown,
    unit_of,
)
from .review import may_review
from .rounds import get_round, list_rounds

DRAFT_COLUMNS = ["adcode", "area_name", "indicator_id", "indicator_name", "unit", "value", "unavailable",
                 "explanation", "comment", "saved_by", "saved_at", "last_year", "last_year_status", "state"]


def draft(year: int, area: str) -> tuple[pd.DataFrame, int]:
    """The draft of ``area`` and the areas below it: one row per asked (area, indicator), columns
    :data:`DRAFT_COLUMNS` (value float or NaN; unavailable/explanation/comment/saved_* text, "" when
    empty — never None; last_year: last year's approved, imported or published value (NaN) and its
    status (""); state: the area's state key), and the draft's version (for :func:`save_draft`). Read-only."""
    area = resolve_area(area)
    with store_engine.connect() as conn:
        rnd = lock_round(conn, year, lock=False)
        within = areas_within(area)
        scope = [a for a in areas_asked(rnd) if a in within]
        cells, prev = cells_of(conn, rnd.year, scope), baseline(conn, rnd.year - 1)
        states = {r.adcode: r.state for r in conn.execute(
            sa.select(report_areas.c.adcode, report_areas.c.state).where(report_areas.c.year == rnd.year))}
        rows = []
        for code in scope:
            for ind in asked(rnd, code):
                c = cells.get((ind, code))
                p = prev.get((ind, code), (None, None))
                rows.append({"adcode": code, "area_name": area_name(code), "indicator_id": ind,
                             "indicator_name": indicator_name(ind), "unit": unit_of(ind),
                             "value": c.value if c is not None else None,
                             "unavailable": c.unavailable if c is not None else None,
                             "explanation": c.explanation if c is not None else None,
                             "comment": c.comment if c is not None else None,
                             "saved_by": c.saved_by if c is not None else None,
                             "saved_at": c.saved_at if c is not None else None,
                             "last_year": p[0], "last_year_status": p[1], "state": states.get(code, "not_started")})
        version = draft_version(conn, rnd.year, areas_within(area))
    frame = pd.DataFrame(rows, columns=DRAFT_COLUMNS)
    frame["value"] = frame["value"].astype("float64")
    frame["last_year"] = frame["last_year"].astype("float64")
    text = [c for c in DRAFT_COLUMNS if c not in ("value", "last_year")]
    frame[text] = frame[text].astype(object).fillna("")
    return frame, version


HISTORY_COLUMNS = ["at", "actor", "action", "action_text", "adcode", "area_name", "indicator_id", "old", "new", "text"]


def value_history(year: int, indicator_id: str, adcode: str, lang: str = "zh") -> pd.DataFrame:
    """Every step that concerns one value, oldest first: its saves (old → new), 说明, reviewers'
    comments, and the submissions, returns, approvals and reopenings of its area. Columns
    :data:`HISTORY_COLUMNS`: at (UTC ISO text), actor, action (save | explain | comment | submit |
    return | approve | reopen), action_text (in ``lang``), adcode, area_name, indicator_id ("" for
    area steps), old / new (value as text, 暂缺 with its reason, or "" when empty or not a save), text
    (说明, comment or reason; ""). All text: never None, so tables and Excel show empty cells."""
    adcode = resolve_area(adcode)
    with store_engine.connect() as conn:
        q = (sa.select(report_events).where(
            report_events.c.year == int(year), report_events.c.adcode == adcode,
            sa.or_(report_events.c.indicator_id == indicator_id, report_events.c.indicator_id.is_(None)))
            .order_by(report_events.c.id))
        events = conn.execute(q).all()
    rows = []
    for e in events:
        cell = e.action == "save"
        rows.append({"at": e.at, "actor": e.actor, "action": e.action, "action_text": t(f"report_action_{e.action}", lang),
                     "adcode": e.adcode, "area_name": area_name(e.adcode), "indicator_id": e.indicator_id,
                     "old": (shown(e.old_value, e.old_text) if cell else None) or "",
                     "new": (shown(e.new_value, e.new_text) if cell else None) or "",
                     "text": ("" if cell or e.action == "submit" else e.new_text) or ""})
    frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS, dtype=object)
    return frame.fillna("")


STATUS_COLUMNS = ["adcode", "area_name", "level", "parent_adcode", "state", "state_text", "started_by", "started_at",
                  "saved_by", "saved_at", "submitted_by", "submitted_at", "returned_by", "returned_at", "return_reason",
                  "approved_by", "approved_at", "reopened_by", "reopened_at", "reopen_reason", "timeliness",
                  "timeliness_text"]


def _timeliness(rnd: Round, row, now: dt.datetime) -> str:
    first = row.first_submitted_at if row is not None else None
    if first:
        return "on_time" if dt.datetime.fromisoformat(first) < rnd.due else "late"
    return "overdue" if now >= rnd.due else "pending"


def status_report(year: int, lang: str = "zh", now: dt.datetime | None = None) -> pd.DataFrame:
    """Every area the round of ``year`` asks (leagues, each followed by its counties when asked), one
    row each, columns :data:`STATUS_COLUMNS` (all text, "" where nothing happened — never None): state
    key (not_started | draft | submitted | returned | approved) and its text in ``lang``, who and when
    of each step (UTC ISO text; the return's who, when and reason only for the current cycle, i.e. not
    once the area was submitted again), and
    timeliness: ``on_time`` / ``late`` (first submission before / after the end of the deadline day,
    Beijing time), ``pending`` (not submitted, deadline ahead), ``overdue`` (not submitted, deadline
    passed; ``now`` defaults to the current time) with its text. Raises ReportingError (no round)."""
    now = now or dt.datetime.now(dt.UTC)
    with store_engine.connect() as conn:
        rnd = lock_round(conn, year, lock=False)
        rows = {r.adcode: r for r in conn.execute(sa.select(report_areas).where(report_areas.c.year == rnd.year))}
    out = []
    cols = STATUS_COLUMNS[6:20]
    for code in areas_asked(rnd):
        r = rows.get(code)
        state = r.state if r is not None else "not_started"
        tl = _timeliness(rnd, r, now)
        steps = {c: (getattr(r, c) if r is not None else None) or "" for c in cols}
        if steps["returned_at"] and steps["submitted_at"] > steps["returned_at"]:
            # resubmitted since: that return belongs to an earlier cycle
            steps.update(returned_by="", returned_at="", return_reason="")
        out.append({"adcode": code, "area_name": area_name(code), "level": level(code),
                    "parent_adcode": area_table().at[code, "parent_adcode"], "state": state,
                    "state_text": t(f"report_state_{state}", lang), **steps,
                    "timeliness": tl, "timeliness_text": t(f"report_timeliness_{tl}", lang)})
    return pd.DataFrame(out, columns=STATUS_COLUMNS, dtype=object)


def progress(year: int, lang: str = "zh", now: dt.datetime | None = None) -> dict:
    """Totals of :func:`status_report` for the leagues: ``leagues`` (12), ``approved``, ``submitted``,
    ``late`` (submitted late or overdue) and ``text`` ("2020年：已审核 1/12 个盟市，逾期 0")."""
    st = status_report(year, lang, now)
    lg = st[st["level"] == "league"]
    n = {"leagues": len(lg), "approved": int((lg["state"] == "approved").sum()),
         "submitted": int((lg["state"] == "submitted").sum()),
         "late": int(lg["timeliness"].isin(["late", "overdue"]).sum())}
    return {**n, "text": t("report_progress", lang, year=int(year), approved=n["approved"], total=n["leagues"],
                           late=n["late"])}


INBOX_COLUMNS = ["year", "adcode", "area_name", "level", "submitted_by", "submitted_at", "timeliness",
                 "timeliness_text", "ready", "waiting_for"]


def _account_of(account_or_name: Account | str) -> Account | None:
    if isinstance(account_or_name, Account):
        return account_or_name
    with store_engine.connect() as conn:
        return get_account(str(account_or_name), conn)


def inbox(account_or_name: Account | str, year: int | None = None, lang: str = "zh",
          now: dt.datetime | None = None) -> pd.DataFrame:
    """The submissions waiting for a reviewer (an :class:`Account` or an account's name): every area
    of the round of ``year`` (default: every round, newest first) that is 已上报, that the account may
    review (:func:`may_review`) and that it did not submit itself. Columns :data:`INBOX_COLUMNS`:
    year (int), adcode, area_name, level, submitted_by, submitted_at (UTC ISO text), timeliness and
    its text (as :func:`status_report`), ``ready`` (bool: False for a league whose asked counties are
    not all approved yet, bottom-up) and ``waiting_for`` (those counties' names, "、"-joined, or "").
    An unknown or disabled account has an empty inbox. Read-only."""
    acc = _account_of(account_or_name)
    rounds = list_rounds() if year is None else [r for r in [get_round(year)] if r is not None]
    out = []
    for rnd in rounds if acc is not None and not acc.disabled else []:
        st = status_report(rnd.year, lang, now).set_index("adcode", drop=False)
        for r in st.itertuples():
            if r.state != "submitted" or r.submitted_by == acc.name or not may_review(acc, r.adcode):
                continue
            pending = []
            if r.level == "league":
                kids = st[st["parent_adcode"] == r.adcode]
                pending = kids.loc[kids["state"] != "approved", "area_name"].tolist()
            out.append({"year": rnd.year, "adcode": r.adcode, "area_name": r.area_name, "level": r.level,
                        "submitted_by": r.submitted_by, "submitted_at": r.submitted_at, "timeliness": r.timeliness,
                        "timeliness_text": r.timeliness_text, "ready": not pending,
                        "waiting_for": t("list_sep", lang).join(pending)})
    frame = pd.DataFrame(out, columns=INBOX_COLUMNS)
    frame["year"] = frame["year"].astype("int64")
    frame["ready"] = frame["ready"].astype(bool)
    return frame


SCOPE_COLUMNS = [*STATUS_COLUMNS, "deadline", "days_left", "deadline_text", "may_write", "may_review"]


def scope_states(account: Account, year: int, lang: str = "zh", now: dt.datetime | None = None) -> pd.DataFrame:
    """The areas of the round of ``year`` in ``account``'s scope (its scope area and the areas below
    it; every area for an admin), one row each in :func:`status_report` order, for 我的填报. Columns
    :data:`SCOPE_COLUMNS`: those of :func:`status_report`, plus the round's ``deadline`` (YYYY-MM-DD),
    ``days_left`` (int, negative when overdue: :meth:`Round.days_left`), ``deadline_text`` (“还剩 5
    天” / “今天截止” / “已逾期 3 天”), ``may_write`` (the account may enter the area's figures: its
    scope, and the area is neither submitted nor approved, and the round is open or the area was
    reopened) and ``may_review`` (:func:`may_review`, and the area is 已上报 by someone else).
    Raises ReportingError (no round). Read-only."""
    rnd = get_round(year)
    if rnd is None:
        refuse(ReportingError, [msg("report_no_round", year=year)])
    st = status_report(year, lang, now)
    within = None if account.is_admin else areas_within(account.scope)
    st = st[[within is None or a in within for a in st["adcode"]]].reset_index(drop=True)
    st["deadline"] = rnd.deadline.isoformat()
    st["days_left"] = rnd.days_left(now)
    st["deadline_text"] = rnd.deadline_text(lang, now)
    with store_engine.connect() as conn:
        reopened = {r.adcode for r in conn.execute(sa.select(report_areas.c.adcode).where(
            report_areas.c.year == rnd.year, report_areas.c.reopened == sa.true()))}
    st["may_write"] = [account.may_write(a) and s not in ("submitted", "approved")
                       and (rnd.state == "open" or a in reopened) for a, s in zip(st["adcode"], st["state"])]
    st["may_review"] = [s == "submitted" and by != account.name and may_review(account, a)
                        for a, s, by in zip(st["adcode"], st["state"], st["submitted_by"])]
    return st[SCOPE_COLUMNS]
