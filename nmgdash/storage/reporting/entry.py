"""Entry: saving drafts (optimistic versions), 说明, and submission with the hard and soft checks."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from pydantic import ValidationError

from ...core.i18n import t
from ...core.rules import Observation, measure
from ..accounts import Account, NotPermitted, area_name, areas_within, resolve_area
from ..store import common as store_common
from ..store import engine as store_engine
from ..store.schema import report_areas, report_events, report_values
from .checks import flags_of, resubmission_problems, sum_problems
from .common import (
    CELL_ACTIONS,
    CENSUS_YEAR,
    CannotSubmit,
    Cell,
    DraftChanged,
    DraftRejected,
    NeedsExplanation,
    ReportingError,
    Saved,
    Submitted,
    add_event,
    area_row,
    areas_asked,
    asked,
    catalogue,
    cells_of,
    check_text,
    current_account,
    draft_version,
    indicator_name,
    late_notice,
    level,
    local_time,
    lock_round,
    msg,
    population_bound,
    refuse,
    shown,
    unit_of,
    utc_now,
    why_locked,
)


def _validate(indicator_id: str, adcode: str, year: int, value: float) -> tuple[str, str] | None:
    """The importer's rules for one value: None, or the (zh, en) message naming area and indicator."""
    unit = unit_of(indicator_id)
    data = {"indicator_id": indicator_id, "adcode": adcode, "measure": measure(unit), "unit": unit,
            "year": int(year), "value": value}
    max_year = max(int(year), dt.date.today().year + 1)
    pop, pop_area = population_bound(adcode)
    out = []
    for lang in ("zh", "en"):
        try:
            Observation.model_validate(data, context={"max_year": max_year, "lang": lang, "population": pop,
                                                      "area_name": pop_area, "census_year": CENSUS_YEAR})
            return None
        except ValidationError as exc:
            out.append(t("report_value_problem", lang, area=area_name(adcode), name=indicator_name(indicator_id),
                         problem=exc.errors()[0]["msg"]))
    return out[0], out[1]


def _number(v) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f


def save_draft(actor: Account, year: int, area: str, values: dict[Cell, float | None] | None = None,
               unavailable: dict[Cell, str] | None = None, expected_version: int | None = None) -> Saved:
    """Save cells of the draft of ``area`` (adcode or name) in the round of ``year``.

    ``values``: (indicator_id, adcode) → value in the catalogue unit, or None to clear the cell;
    ``unavailable``: (indicator_id, adcode) → the reason the figure is 暂缺. Every adcode must be
    ``area`` or an area below it, and each cell's indicator asked of that area. ``expected_version``:
    the version the caller's copy of the draft was read at (:func:`draft`); None saves over whatever
    is there (a file upload). Changing a value clears its 说明. Returns the draft's new version as a
    :class:`Saved` (an int; ``days_late`` / ``notice`` say “已逾期 3 天” when saved after the deadline:
    an open round still accepts late entries, a closed one refuses them).

    Raises NotPermitted (an area outside the account's scope, one line per area), DraftRejected
    (values the importer's rules refuse — the importer's messages — indicators not asked, 暂缺 without
    reason, submitted/approved areas, a closed round), :class:`DraftChanged` (stale version; nothing
    saved), ReportingError (no round), StoreUnavailable.
    """
    area = resolve_area(area)
    values, unavailable = dict(values or {}), {k: str(v or "").strip() for k, v in (unavailable or {}).items()}
    cells = [*values, *[c for c in unavailable if c not in values]]
    with store_engine.begin() as conn:
        acc = current_account(actor, conn)
        rnd = lock_round(conn, year)
        scope = areas_within(area)
        codes = list(dict.fromkeys([area, *[c[1] for c in cells]]))
        denied = [t("report_out_of_scope", "zh", area=area_name(c), scope=acc.scope_name) for c in codes
                  if not acc.may_write(c)]
        denied += [t("report_not_in_draft", "zh", area=area_name(c), draft=area_name(area)) for c in codes
                   if acc.may_write(c) and c not in scope]
        if denied:
            raise NotPermitted("\n".join(denied), denied)
        problems = []
        for ind, code in cells:
            if ind not in asked(rnd, code):
                problems.append(msg("report_not_asked", year=rnd.year, area=area_name(code), id=ind,
                                     name=indicator_name(ind) if ind in catalogue().index else ind))
            elif (ind, code) in values and (ind, code) in unavailable:
                problems.append(msg("report_value_and_unavailable", area=area_name(code), name=indicator_name(ind)))
            elif (ind, code) in unavailable and not unavailable[(ind, code)]:
                problems.append(msg("report_unavailable_reason", area=area_name(code), name=indicator_name(ind)))
            elif (ind, code) in values and values[(ind, code)] is not None:
                v = _number(values[(ind, code)])
                if v is None:
                    problems.append(msg("report_not_a_number", area=area_name(code), name=indicator_name(ind),
                                         text=str(values[(ind, code)])))
                else:
                    values[(ind, code)] = v
                    bad = _validate(ind, code, rnd.year, v)
                    if bad:
                        problems.append(bad)
        rows = {c: area_row(conn, rnd.year, c) for c in codes}
        for c in dict.fromkeys(code for _, code in cells):
            why = why_locked(rnd, rows[c], c)
            if why:
                problems.append(why)
        refuse(DraftRejected, list(dict.fromkeys(problems)))
        current = draft_version(conn, rnd.year, scope)
        if expected_version is not None and int(expected_version) != current:
            raise DraftChanged(_changes_since(conn, rnd.year, scope, int(expected_version)), current)
        now, old = utc_now(), cells_of(conn, rnd.year, [c[1] for c in cells])
        touched = set()
        for cell in cells:
            ind, code = cell
            new_v = None if cell in unavailable else values.get(cell)
            new_u = unavailable.get(cell)
            prev = old.get(cell)
            old_v, old_u = (prev.value, prev.unavailable) if prev is not None else (None, None)
            if (old_v, old_u) == (new_v, new_u):
                continue
            seq = add_event(conn, rnd.year, code, "save", acc.name, now, indicator_id=ind, old_value=old_v,
                         new_value=new_v, old_text=old_u, new_text=new_u)
            key = sa.and_(report_values.c.year == rnd.year, report_values.c.adcode == code,
                          report_values.c.indicator_id == ind)
            if new_v is None and new_u is None:
                conn.execute(sa.delete(report_values).where(key))
            elif prev is None:
                conn.execute(sa.insert(report_values).values(year=rnd.year, adcode=code, indicator_id=ind, value=new_v,
                                                             unavailable=new_u, saved_by=acc.name, saved_at=now,
                                                             seq=seq))
            else:
                conn.execute(sa.update(report_values).where(key).values(
                    value=new_v, unavailable=new_u, saved_by=acc.name, saved_at=now, seq=seq,
                    explanation=prev.explanation if new_v == old_v else None))
            touched.add(code)
        for code in touched:
            if rows[code] is None:
                conn.execute(sa.insert(report_areas).values(year=rnd.year, adcode=code, state="draft", reopened=False,
                                                            started_by=acc.name, started_at=now, saved_by=acc.name,
                                                            saved_at=now))
            else:
                conn.execute(sa.update(report_areas).where(report_areas.c.year == rnd.year,
                                                           report_areas.c.adcode == code)
                             .values(state="draft", saved_by=acc.name, saved_at=now,
                                     started_by=rows[code].started_by or acc.name,
                                     started_at=rows[code].started_at or now))
        late, notice = late_notice(rnd)
        if touched:
            store_common.add_audit(conn, actor=acc.name, action="report_save",
                             what={"year": rnd.year, "area": area, "areas": sorted(touched), "cells": len(cells),
                                   "days_late": late})
        return Saved(draft_version(conn, rnd.year, scope), late, notice)


def _changes_since(conn: sa.Connection, year: int, scope, version: int) -> list[dict]:
    q = (sa.select(report_events).where(report_events.c.year == year, report_events.c.adcode.in_(list(scope)),
                                        report_events.c.action.in_(CELL_ACTIONS), report_events.c.id > version)
         .order_by(report_events.c.id))
    return [{"id": int(e.id), "at": e.at, "actor": e.actor, "indicator_id": e.indicator_id, "adcode": e.adcode,
             "area_name": area_name(e.adcode), "indicator_name": indicator_name(e.indicator_id),
             "old": shown(e.old_value, e.old_text) or t("report_empty", "zh"),
             "new": shown(e.new_value, e.new_text) or t("report_empty", "zh"),
             "time": local_time(e.at)} for e in conn.execute(q)]


def explain(actor: Account, year: int, area: str, indicator_id: str, adcode: str, text: str) -> None:
    """Write the 说明 of one value of ``area``'s draft (a flagged value needs one before submission).
    Raises NotPermitted, ReportingError (no such value, empty text, the area is locked)."""
    area, adcode = resolve_area(area), resolve_area(adcode)
    text = check_text(text, "report_explanation_needed")
    with store_engine.begin() as conn:
        acc = current_account(actor, conn)
        rnd = lock_round(conn, year)
        if not acc.may_write(adcode) or adcode not in areas_within(area):
            line = t("report_out_of_scope", "zh", area=area_name(adcode), scope=acc.scope_name)
            raise NotPermitted(line, [line])
        why = why_locked(rnd, area_row(conn, rnd.year, adcode), adcode)
        if why:
            refuse(ReportingError, [why])
        cell = cells_of(conn, rnd.year, [adcode]).get((indicator_id, adcode))
        if cell is None or cell.value is None:
            refuse(ReportingError, [msg("report_no_value", area=area_name(adcode),
                                         name=indicator_name(indicator_id) if indicator_id in catalogue().index
                                         else indicator_id)])
        now = utc_now()
        conn.execute(sa.update(report_values).where(report_values.c.year == rnd.year, report_values.c.adcode == adcode,
                                                    report_values.c.indicator_id == indicator_id)
                     .values(explanation=text))
        add_event(conn, rnd.year, adcode, "explain", acc.name, now, indicator_id=indicator_id,
               old_text=cell.explanation, new_text=text)
        store_common.add_audit(conn, actor=acc.name, action="report_explain",
                         what={"year": rnd.year, "area": adcode, "indicator_id": indicator_id})


def submit(actor: Account, year: int, area: str) -> Submitted:
    """Submit ``area``'s own figures for review. Every indicator asked of the area needs a value or
    暂缺 with a reason; values must pass the importer's rules; a league's figures must agree with its
    counties' (see :func:`sum_problems`); each flagged value needs a 说明; a returned area needs a
    change since the return (see :func:`resubmission_problems`). Returns the flags (all explained) as
    a :class:`Submitted` list whose ``days_late`` / ``notice`` say whether it came after the deadline
    (still accepted while the round is open; the status report marks it 逾期上报). Raises NotPermitted, :class:`CannotSubmit` (hard rules, state, closed round),
    :class:`NeedsExplanation` (flags without 说明), ReportingError, StoreUnavailable."""
    area = resolve_area(area)
    with store_engine.begin() as conn:
        acc = current_account(actor, conn)
        rnd = lock_round(conn, year)
        if not acc.may_write(area):
            line = t("report_out_of_scope", "zh", area=area_name(area), scope=acc.scope_name)
            raise NotPermitted(line, [line])
        if area not in areas_asked(rnd):
            refuse(CannotSubmit, [msg("report_area_not_asked", year=rnd.year, area=area_name(area))])
        row = area_row(conn, rnd.year, area)
        why = why_locked(rnd, row, area)
        if why:
            refuse(CannotSubmit, [why])
        cells = cells_of(conn, rnd.year, [area])
        problems = []
        for ind in asked(rnd, area):
            cell = cells.get((ind, area))
            if cell is None:
                problems.append(msg("report_missing_value", area=area_name(area), name=indicator_name(ind)))
            elif cell.value is not None:
                bad = _validate(ind, area, rnd.year, float(cell.value))
                if bad:
                    problems.append(bad)
        if level(area) == "league":
            problems += sum_problems(conn, rnd, area, cells)
        problems += resubmission_problems(conn, rnd, area)
        refuse(CannotSubmit, problems)
        found = flags_of(conn, rnd, area, cells)
        missing = [f for f in found if not f.explanation]
        if missing:
            raise NeedsExplanation(missing)
        now = utc_now()
        conn.execute(sa.update(report_areas).where(report_areas.c.year == rnd.year, report_areas.c.adcode == area)
                     .values(state="submitted", submitted_by=acc.name, submitted_at=now,
                             first_submitted_at=row.first_submitted_at or now))
        conn.execute(sa.update(report_values).where(report_values.c.year == rnd.year, report_values.c.adcode == area)
                     .values(comment=None))
        add_event(conn, rnd.year, area, "submit", acc.name, now, new_text=str(len(found)))
        late, notice = late_notice(rnd)
        store_common.add_audit(conn, actor=acc.name, action="report_submit",
                         what={"year": rnd.year, "area": area, "flags": len(found), "days_late": late})
        return Submitted(found, late, notice)
