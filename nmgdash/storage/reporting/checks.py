"""Checks of a draft: last year's figures, the soft checks (flags needing a 说明), the league = Σ counties
hard rule and the resubmission rule after a return."""

from __future__ import annotations

import statistics

import sqlalchemy as sa

from ...core.i18n import t
from ...core.rules import YOY_LIMIT, plain_number
from .. import build, ledger
from ..accounts import area_name, resolve_area
from ..store import engine as store_engine
from ..store.schema import report_areas, report_events, report_values
from .common import (
    MIN_PEERS,
    OUTLIER_FACTOR,
    REGION,
    Cell,
    Flag,
    Round,
    area_table,
    askable_levels,
    asked,
    cells_of,
    children,
    indicator_name,
    is_additive,
    level,
    lock_round,
    msg,
    unit_of,
)


def approved_values(conn: sa.Connection, year: int) -> dict[Cell, float]:
    """Approved values of ``year``: (indicator_id, adcode) → value, areas in state approved only."""
    q = (sa.select(report_values.c.indicator_id, report_values.c.adcode, report_values.c.value)
         .join(report_areas, sa.and_(report_areas.c.year == report_values.c.year,
                                     report_areas.c.adcode == report_values.c.adcode))
         .where(report_values.c.year == year, report_areas.c.state == "approved", report_values.c.value.is_not(None)))
    return {(i, a): float(v) for i, a, v in conn.execute(q)}


def published_values(year: int) -> dict[Cell, float]:
    """The bulletin's figures of ``year`` (data/observations_published.csv): (indicator_id, adcode) → value."""
    pub = build.read_data_csv("observations_published.csv")
    pub = pub[pub["year"] == str(year)]
    return {(r.indicator_id, r.adcode): float(r.value) for r in pub.itertuples()}


def region_totals(year: int) -> dict[str, tuple[float, int]]:
    """The bulletin's region-wide figure of each indicator (adcode 150000) of ``year`` or the latest
    year before it: indicator_id → (value, year)."""
    pub = build.read_data_csv("observations_published.csv")
    pub = pub[(pub["adcode"] == REGION) & (pub["year"].astype(int) <= int(year))]
    out: dict[str, tuple[float, int]] = {}
    for r in pub.sort_values("year").itertuples():
        out[r.indicator_id] = (float(r.value), int(r.year))
    return out


def baseline(conn: sa.Connection, year: int) -> dict[Cell, tuple[float, str]]:
    """Last year's real figures: approved > imported > published, (value, status) per cell."""
    out = {c: (v, "published") for c, v in published_values(year).items()}
    _, imp = ledger.ledger_frames(conn=conn)
    imp = imp[imp["year"] == year]
    out.update({(r.indicator_id, r.adcode): (float(r.value), "imported") for r in imp.itertuples()})
    out.update({c: (v, "approved") for c, v in approved_values(conn, year).items()})
    return out


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def flags_of(conn: sa.Connection, rnd: Round, area: str, cells: dict[Cell, sa.Row]) -> list[Flag]:
    """The soft checks (:class:`Flag`) of ``area``'s own values in ``cells`` (see :func:`flags`): a change
    of more than ±50 % on last year (yoy), a value unlike the bulletin's (published), above the bulletin's
    region-wide total of an additive indicator (region_total), far from the median of its peers (outlier)."""
    prev = baseline(conn, rnd.year - 1)
    pub = published_values(rnd.year)
    totals = region_totals(rnd.year)
    lvl = level(area)
    peers_q = (sa.select(report_values.c.indicator_id, report_values.c.adcode, report_values.c.value)
               .where(report_values.c.year == rnd.year, report_values.c.adcode != area,
                      report_values.c.value.is_not(None)))
    peers: dict[str, list[float]] = {}
    for ind, code, v in conn.execute(peers_q):
        if code in area_table().index and level(code) == lvl:
            peers.setdefault(ind, []).append(float(v))
    out = []
    for ind in asked(rnd, area):
        cell = cells.get((ind, area))
        if cell is None or cell.value is None:
            continue
        v, unit = float(cell.value), unit_of(ind)
        base = {"area": area_name(area), "name": indicator_name(ind), "year": rnd.year, "value": plain_number(v), "unit": unit}
        found = []
        if (ind, area) in prev:
            p, status = prev[(ind, area)]
            if p == 0:
                jump, change = v != 0, "ingest_change_from_zero"
                pct = ""
            else:
                ratio = v / p - 1
                jump, change, pct = abs(ratio) > YOY_LIMIT, "ingest_change_up" if ratio > 0 else "ingest_change_down", \
                    f"{abs(ratio) * 100:.0f}"
            if jump:
                found.append(("yoy", "report_flag_yoy", {
                    "prev_year": rnd.year - 1, "prev": plain_number(p), "status": status, "change": change, "pct": pct}))
        if (ind, area) in pub and not _close(pub[(ind, area)], v):
            found.append(("published", "report_flag_published", {"published": plain_number(pub[(ind, area)])}))
        if is_additive(ind) and ind in totals and v > totals[ind][0] and not _close(v, totals[ind][0]):
            found.append(("region_total", "report_flag_region_total", {
                "total": plain_number(totals[ind][0]), "total_year": totals[ind][1]}))
        others = peers.get(ind, [])
        if len(others) >= MIN_PEERS:
            med = statistics.median(others)
            if med > 0 and (v > OUTLIER_FACTOR * med or v < med / OUTLIER_FACTOR):
                found.append(("outlier", "report_flag_outlier", {
                    "n": len(others), "level": lvl, "median": plain_number(round(med, 4)),
                    "factor": plain_number(OUTLIER_FACTOR)}))
        for kind, key, extra in found:
            texts = []
            for lang in ("zh", "en"):
                params = dict(base, **extra)
                if "status" in params:
                    params["status"] = t(f"status_{params['status']}", lang)
                    params["change"] = t(params["change"], lang, pct=params["pct"])
                if "level" in params:
                    params["level"] = t(f"report_level_{lvl}", lang)
                texts.append(t(key, lang, **params))
            out.append(Flag(ind, area, kind, texts[0], texts[1], cell.explanation))
    return out


def sum_problems(conn: sa.Connection, rnd: Round, league: str, own: dict[Cell, sa.Row]) -> list[tuple[str, str]]:
    """Hard rule: for each additive county-level indicator, the league's own value against the values
    entered for its counties (all entered: equal; some entered: their sum must not exceed it)."""
    counties = children(league)
    entered = cells_of(conn, rnd.year, counties)
    out = []
    for ind in asked(rnd, league):
        cell = own.get((ind, league))
        if "county" not in askable_levels(ind) or not is_additive(ind) or cell is None or cell.value is None:
            continue
        parts = [entered[(ind, c)].value for c in counties if (ind, c) in entered and entered[(ind, c)].value is not None]
        if not parts:
            continue
        s, v = sum(parts), float(cell.value)
        params = {"area": area_name(league), "name": indicator_name(ind), "year": rnd.year, "value": plain_number(v),
                  "sum": plain_number(round(s, 6)), "unit": unit_of(ind), "n": len(parts), "of": len(counties)}
        if len(parts) == len(counties) and not _close(s, v):
            out.append(msg("report_sum_mismatch", **params))
        elif len(parts) < len(counties) and s > v and not _close(s, v):
            out.append(msg("report_sum_exceeds", **params))
    return out


def resubmission_problems(conn: sa.Connection, rnd: Round, area: str) -> list[tuple[str, str]]:
    """Hard rule after a return: each value returned with its own comment must have been changed or
    given a new 说明 since the return; a return with only an overall reason needs some save or 说明
    since. [] when the area's last review step is not a return."""
    ev = report_events.c
    steps = conn.execute(sa.select(ev.id, ev.action, ev.new_text).where(
        ev.year == rnd.year, ev.adcode == area, ev.action.in_(("submit", "return"))).order_by(ev.id.desc())).all()
    if not steps or steps[0].action != "return":
        return []
    ret = steps[0]
    before = next((s.id for s in steps[1:] if s.action == "submit"), 0)
    commented = list(dict.fromkeys(conn.execute(sa.select(ev.indicator_id).where(
        ev.year == rnd.year, ev.adcode == area, ev.action == "comment", ev.id > before, ev.id < ret.id)
        .order_by(ev.id)).scalars()))
    touched = set(conn.execute(sa.select(ev.indicator_id).where(
        ev.year == rnd.year, ev.adcode == area, ev.action.in_(("save", "explain")), ev.id > ret.id)).scalars())
    if commented:
        left = [i for i in commented if i not in touched]
        if not left:
            return []
        return [tuple(t("report_unchanged_values", lang, area=area_name(area), n=len(left),
                        names=t("list_sep", lang).join(t("report_quoted", lang, name=indicator_name(i, lang)) for i in left))
                      for lang in ("zh", "en"))]
    return [] if touched else [msg("report_unchanged_overall", area=area_name(area), reason=ret.new_text or "")]


def flags(year: int, area: str) -> list[Flag]:
    """The soft checks of ``area``'s own values in the round of ``year`` (with their 说明, if any).
    Read-only; no authorization (it shows nothing but the area's own values' checks)."""
    area = resolve_area(area)
    with store_engine.connect() as conn:
        rnd = lock_round(conn, year, lock=False)
        return flags_of(conn, rnd, area, cells_of(conn, rnd.year, [area]))
