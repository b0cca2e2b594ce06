"""Review: who may review (the level directly above; admins any area; never one's own submission),
approve and return."""

from __future__ import annotations

import sqlalchemy as sa

from ...core.i18n import t
from ..accounts import Account, NotPermitted, area_name, resolve_area
from ..store import common as store_common
from ..store import engine as store_engine
from ..store.schema import report_areas, report_values
from .checks import sum_problems
from .common import (
    Cell,
    ReviewRefused,
    Round,
    add_event,
    area_row,
    area_table,
    areas_asked,
    catalogue,
    cells_of,
    check_text,
    children,
    current_account,
    indicator_name,
    level,
    lock_round,
    msg,
    refuse,
    utc_now,
)


def may_review(acc: Account, area: str) -> bool:
    """True when ``acc`` may approve or return ``area``'s submissions: a reviewer whose scope is the
    level directly above the area (the region's reviewers review the leagues, a league's reviewers its
    counties), or an admin (any area). Whether it submitted them itself is checked separately: nobody
    reviews their own submission. A disabled account reviews nothing."""
    if acc.disabled:
        return False
    if acc.is_admin:
        return True
    return acc.role == "reviewer" and str(area_table().at[area, "parent_adcode"]) == acc.scope


def _reviewable(acc: Account, area: str) -> None:
    """Raise NotPermitted unless :func:`may_review`."""
    if not may_review(acc, area):
        line = t("report_not_reviewer", "zh", area=area_name(area), name=acc.name)
        raise NotPermitted(line, [line])


def _submitted(conn: sa.Connection, rnd: Round, area: str, acc: Account):
    row = area_row(conn, rnd.year, area)
    state = row.state if row is not None else "not_started"
    if state != "submitted":
        refuse(ReviewRefused, [(t("report_not_submitted", "zh", area=area_name(area), state=t(f"report_state_{state}", "zh")),
                                t("report_not_submitted", "en", area=area_name(area), state=t(f"report_state_{state}", "en")))])
    if row.submitted_by == acc.name:
        line = t("report_own_submission", "zh", area=area_name(area))
        raise NotPermitted(line, [line])
    return row


def approve(actor: Account, year: int, area: str) -> None:
    """Approve ``area``'s submission: its values are locked and enter the database build with status
    ``approved`` (the published version is bumped, so every server rebuilds). Only a reviewer or
    admin whose scope is above the area, never the account that submitted it; a league only when
    each of its asked counties is approved and their values agree with the league's. Raises
    NotPermitted, :class:`ReviewRefused`, ReportingError, StoreUnavailable."""
    area = resolve_area(area)
    with store_engine.begin() as conn:
        acc = current_account(actor, conn)
        rnd = lock_round(conn, year)
        _reviewable(acc, area)
        _submitted(conn, rnd, area, acc)
        if level(area) == "league":
            asked_counties = [c for c in children(area) if c in areas_asked(rnd)]
            states = {c: area_row(conn, rnd.year, c) for c in asked_counties}
            pending = [area_name(c) for c, r in states.items() if r is None or r.state != "approved"]
            if pending:
                refuse(ReviewRefused, [msg("report_counties_pending", area=area_name(area), n=len(pending),
                                            names=t("list_sep", "zh").join(pending))])
            refuse(ReviewRefused, sum_problems(conn, rnd, area, cells_of(conn, rnd.year, [area])))
        store_common.bump_version(conn)
        now = utc_now()
        conn.execute(sa.update(report_areas).where(report_areas.c.year == rnd.year, report_areas.c.adcode == area)
                     .values(state="approved", approved_by=acc.name, approved_at=now, reopened=False))
        add_event(conn, rnd.year, area, "approve", acc.name, now)
        store_common.add_audit(conn, actor=acc.name, action="report_approve", what={"year": rnd.year, "area": area})


def return_(actor: Account, year: int, area: str, reason: str, per_value: dict[Cell, str] | None = None) -> None:
    """Return ``area``'s submission to its reporter with ``reason`` and, per value, a comment
    (``per_value``: (indicator_id, adcode) → text, cells of that area). The area becomes 已退回 and
    editable again; the reasons stay beside the cells until the next submission. Same reviewers as
    :func:`approve`. Raises NotPermitted, ReviewRefused, ReportingError."""
    area = resolve_area(area)
    reason = check_text(reason, "report_reason_needed")
    per_value = {k: str(v or "").strip() for k, v in (per_value or {}).items()}
    with store_engine.begin() as conn:
        acc = current_account(actor, conn)
        rnd = lock_round(conn, year)
        _reviewable(acc, area)
        _submitted(conn, rnd, area, acc)
        cells = cells_of(conn, rnd.year, [area])
        bad = [msg("report_no_value", area=area_name(code), name=indicator_name(ind) if ind in catalogue().index else ind)
               for ind, code in per_value if (ind, code) not in cells]
        bad += [msg("report_comment_needed", area=area_name(code), name=indicator_name(ind))
                for (ind, code), text in per_value.items() if (ind, code) in cells and not text]
        refuse(ReviewRefused, bad)
        now = utc_now()
        for (ind, code), text in per_value.items():
            conn.execute(sa.update(report_values).where(report_values.c.year == rnd.year, report_values.c.adcode == code,
                                                        report_values.c.indicator_id == ind).values(comment=text))
            add_event(conn, rnd.year, code, "comment", acc.name, now, indicator_id=ind, new_text=text)
        conn.execute(sa.update(report_areas).where(report_areas.c.year == rnd.year, report_areas.c.adcode == area)
                     .values(state="returned", returned_by=acc.name, returned_at=now, return_reason=reason))
        add_event(conn, rnd.year, area, "return", acc.name, now, new_text=reason)
        store_common.add_audit(conn, actor=acc.name, action="report_return",
                         what={"year": rnd.year, "area": area, "reason": reason,
                               "values": [list(k) for k in per_value]})
