"""年度填报与审核: the yearly reporting cycle in the store (issue 16), without a web page.

An admin opens a **round** (填报任务) for a year with a deadline and the indicators asked; each
league and county-level unit (an **area**) fills in its own figures as a **draft**, explains the
values that the soft checks flag, **submits**; a reviewer whose scope is above the area
**approves** or **returns** it. Approved values enter the database build with status
``approved`` (已审核; :func:`nmgdash.storage.store.common.approved_frames`).

Every public write function checks authorization itself, against the account as the store holds
it now (role, scope, disabled), so a page, the CLI and a crafted request are refused alike (an
``actor`` given as a plain name is the server's operator — the CLI without ``--user`` — with an
admin's rights, as in :func:`nmgdash.storage.transaction.commit`):

* rounds — :func:`open_round`, :func:`close_round`, :func:`reopen_area`: admins only;
* entry — :func:`save_draft`, :func:`explain`, :func:`submit`: any role that may write the area
  (its scope and the areas below it, :meth:`Account.may_write`);
* review — :func:`approve`, :func:`return_`: a reviewer whose scope is the level *directly above*
  the area (the region's reviewers review the leagues, a league's reviewers its counties) or an
  admin (any area), never the account that submitted it (:func:`may_review`).

**What is asked of whom.** A league is asked every indicator of the round (its own figure); a
county-level unit only the round's county-level indicators (``lowest_level = county``). Counties
are asked only when the round has such an indicator.

**States** of (round, area): 未开始 (no row), ``draft`` 填报中, ``submitted`` 已上报, ``returned``
已退回 (editable; the next save makes it 填报中 again), ``approved`` 已审核 (values locked; an admin
may reopen it with a reason). A closed round accepts no entries except in areas an admin reopened.
Approval goes bottom-up: a league is approved only when its asked counties are.

**Drafts and versions.** Every change of a cell is a ``save`` event in ``report_events``; the version
of a draft is the id of the latest change within its scope (the area and the areas below it; 0 when
nothing was entered). :func:`save_draft` with a stale ``expected_version`` raises
:class:`DraftChanged` listing who changed which cell, old → new. Writes of one round are serialised
by a lock on the round's row (``SELECT … FOR UPDATE``; SQLite's write lock does the same).

**Checks before submission** (:func:`submit`): hard — each asked indicator has a value or 暂缺 with
a reason, the importer's per-value rules (:class:`nmgdash.core.rules.Observation`, same messages),
and for a league the counties' sum against its own figure where both are entered; soft
(:func:`flags`) — a change of more than ±50 % against last year's approved, imported or published
value, a value that differs from a published figure, a value more than :data:`OUTLIER_FACTOR` times
the median of the other areas of its level (or less than a third of it): each needs a 说明
(:func:`explain`) first, else :class:`NeedsExplanation`.

Times are UTC ISO text; the deadline is a date, due by its end in Beijing time (UTC+8).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from functools import cache

import pandas as pd
import sqlalchemy as sa
from pydantic import ValidationError

from ..core.i18n import t
from ..core.rules import REFERENCE_CATEGORIES, YOY_LIMIT, Observation, measure, plain_number
from . import build, ledger
from .accounts import Account, NotPermitted, area_name, areas_within, get_account, resolve_area
from .store import common
from .store import engine as store_engine
from .store.schema import report_areas, report_events, report_rounds, report_values

#: Beijing time: a deadline date is due by its end there.
REPORT_TZ = dt.timezone(dt.timedelta(hours=8))
#: A value more than this many times the median of the other areas of its level (or less than
#: its reciprocal) is flagged; the median needs at least :data:`MIN_PEERS` other areas.
OUTLIER_FACTOR = 3.0
MIN_PEERS = 3
#: The region's adcode: the scope of the server's operator.
REGION = "150000"
#: Catalogue category of reference data (census, boundaries), never asked.
#: States of an area (the keys) and their catalogue keys; "not_started" has no row.
STATES = ("not_started", "draft", "submitted", "returned", "approved")
#: Actions of report_events that change a cell (the draft's version).
CELL_ACTIONS = ("save",)

Cell = tuple[str, str]  # (indicator_id, adcode)


# --- errors ------------------------------------------------------------------------------------


class ReportingError(ValueError):
    """A reporting request that cannot be done. ``lines`` / ``lines_en``: one message per problem
    (Chinese / English); ``str()`` is the Chinese lines joined by newlines."""

    def __init__(self, lines: list[str], lines_en: list[str] | None = None) -> None:
        self.lines, self.lines_en = list(lines), list(lines_en or lines)
        super().__init__("\n".join(self.lines))


class DraftRejected(ReportingError):
    """A save that breaks the rules: a value the importer's rules refuse, an indicator not asked of
    that area, 暂缺 without a reason, a cell both filled and 暂缺, an area that is submitted,
    approved or closed. Nothing was saved."""


class DraftChanged(ReportingError):
    """The draft changed since ``expected_version``: nothing was saved. ``changes``: list of dicts
    (id, at, actor, indicator_id, adcode, area_name, indicator_name, old, new — a value, "暂缺：reason"
    or None); ``version``: the draft's current version."""

    def __init__(self, changes: list[dict], version: int) -> None:
        self.changes, self.version = changes, version
        zh = [t("report_changed_head", "zh")] + [t("report_changed_line", "zh", **c) for c in changes]
        en = [t("report_changed_head", "en")] + [t("report_changed_line", "en", **c) for c in changes]
        super().__init__(zh, en)


class CannotSubmit(ReportingError):
    """A submission blocked by a hard rule (a missing value, a value the rules refuse, counties that
    do not add up to the league's figure) or by the area's state."""


@dataclass(frozen=True)
class Flag:
    """A soft check on one value: ``kind`` (yoy | published | outlier), ``text`` / ``text_en`` (the
    message), ``explanation`` (the 说明 written for it, or None)."""

    indicator_id: str
    adcode: str
    kind: str
    text: str
    text_en: str
    explanation: str | None


class NeedsExplanation(ReportingError):
    """Submission refused until every flagged value has a 说明. ``flags``: the :class:`Flag` s
    without one."""

    def __init__(self, flags: list[Flag]) -> None:
        self.flags = flags
        super().__init__([t("report_needs_explanation", "zh", n=len(flags))] + [f"  · {f.text}" for f in flags],
                         [t("report_needs_explanation", "en", n=len(flags))] + [f"  · {f.text_en}" for f in flags])


class ReviewRefused(ReportingError):
    """An approval or return that cannot be done now (state, counties not approved yet, sums)."""


@dataclass(frozen=True)
class Round:
    """A reporting round: year, deadline (date), indicators (ids, catalogue order), note, state
    (open | closed), opened_by/at, closed_by/at."""

    year: int
    deadline: dt.date
    indicators: tuple[str, ...]
    note: str
    state: str
    opened_by: str
    opened_at: str
    closed_by: str | None
    closed_at: str | None

    @property
    def due(self) -> dt.datetime:
        """The end of the deadline day in Beijing time (aware datetime)."""
        return dt.datetime.combine(self.deadline + dt.timedelta(days=1), dt.time(), REPORT_TZ)

    def days_left(self, now: dt.datetime | None = None) -> int:
        """Whole days from today (Beijing time; ``now`` defaults to the current time) to the deadline:
        5 = five more days after today, 0 = due today, -3 = three days overdue."""
        today = (now or dt.datetime.now(dt.UTC)).astimezone(REPORT_TZ).date()
        return (self.deadline - today).days

    def days_late(self, now: dt.datetime | None = None) -> int:
        """Days past the deadline (0 while the deadline day has not ended, Beijing time)."""
        return max(0, -self.days_left(now))

    def deadline_text(self, lang: str = "zh", now: dt.datetime | None = None) -> str:
        """“还剩 5 天” / “今天截止” / “已逾期 3 天” (in ``lang``), for the pages and the CLI."""
        n = self.days_left(now)
        if n > 0:
            return t("report_days_left", lang, n=n)
        return t("report_due_today", lang) if n == 0 else t("report_days_late", lang, n=-n)


class Saved(int):
    """What :func:`save_draft` returns: the draft's new version (an ``int``), plus ``days_late`` (0 when
    the round's deadline has not passed) and ``notice`` (“已逾期 3 天” or "")."""

    days_late: int
    notice: str

    def __new__(cls, version: int, days_late: int = 0, notice: str = "") -> Saved:
        obj = super().__new__(cls, version)
        obj.days_late, obj.notice = days_late, notice
        return obj


class Submitted(list):
    """What :func:`submit` returns: the list of :class:`Flag` s (all explained), plus ``days_late``
    and ``notice`` as in :class:`Saved`."""

    def __init__(self, flags=(), days_late: int = 0, notice: str = "") -> None:
        super().__init__(flags)
        self.days_late, self.notice = days_late, notice


def late_notice(rnd: Round, now: dt.datetime | None = None, lang: str = "zh") -> tuple[int, str]:
    """(days late, “已逾期 3 天，截止日期为 2020-03-31”) for an entry made now in ``rnd``; (0, "") while
    the deadline day has not ended (Beijing time)."""
    n = rnd.days_late(now)
    return (n, t("report_late_notice", lang, n=n, deadline=rnd.deadline.isoformat())) if n else (0, "")


def _msg(key: str, **values) -> tuple[str, str]:
    return t(key, "zh", **values), t(key, "en", **values)


def _raise(cls, items: list[tuple[str, str]]) -> None:
    if items:
        raise cls([z for z, _ in items], [e for _, e in items])


# --- the catalogue and the areas ----------------------------------------------------------------


@cache
def _indicators() -> pd.DataFrame:
    return build.read_data_csv("indicators.csv").set_index("indicator_id", drop=False)


@cache
def _areas() -> pd.DataFrame:
    return build.read_data_csv("areas.csv").set_index("adcode", drop=False)


def askable_levels(indicator_id: str) -> set[str]:
    """Levels of areas a round may ask ``indicator_id`` of: {'league'}, {'league', 'county'} or set()
    (region-only, reference data, computed indicators; the importer's rule)."""
    ind = _indicators()
    if indicator_id not in ind.index or indicator_id in build.DERIVED_INDICATORS:
        return set()
    row = ind.loc[indicator_id]
    if row["category"] in REFERENCE_CATEGORIES:
        return set()
    return {"league": {"league"}, "county": {"league", "county"}}.get(row["lowest_level"], set())


def level(adcode: str) -> str:
    """'region', 'league' or 'county'."""
    return str(_areas().at[adcode, "level"])


def _children(adcode: str) -> list[str]:
    a = _areas()
    return a.index[a["parent_adcode"] == adcode].tolist()


def _name(indicator_id: str) -> str:
    return str(_indicators().at[indicator_id, "name_zh"])


def indicator_name(indicator_id: str, lang: str = "zh") -> str:
    """The catalogue name of ``indicator_id`` in ``lang`` (the id itself when unknown)."""
    ind = _indicators()
    if indicator_id not in ind.index:
        return indicator_id
    return str(ind.at[indicator_id, "name_zh" if lang == "zh" else "name_en"])


def _unit(indicator_id: str) -> str:
    return str(_indicators().at[indicator_id, "unit"])


def _additive(indicator_id: str) -> bool:
    return str(_indicators().at[indicator_id, "additive"]).lower() == "true"


def asked(rnd: Round, adcode: str) -> list[str]:
    """The indicators ``rnd`` asks of the area ``adcode`` (catalogue order; [] for the region)."""
    lvl = level(adcode)
    return [i for i in rnd.indicators if lvl in askable_levels(i)]


def areas_asked(rnd: Round) -> list[str]:
    """The areas ``rnd`` asks anything of: the leagues, and each league's counties after it when the
    round has a county-level indicator (data/areas.csv order)."""
    a = _areas()
    with_counties = any("county" in askable_levels(i) for i in rnd.indicators)
    out = []
    for lg in a.index[a["level"] == "league"]:
        out.append(lg)
        if with_counties:
            out += _children(lg)
    return out


def default_indicators(year: int) -> list[str]:
    """Every league- and county-level indicator of the catalogue (not reference data, not computed)
    that has no published value for ``year``, in catalogue order."""
    pub = build.read_data_csv("observations_published.csv")
    published = set(pub.loc[pub["year"] == str(year), "indicator_id"])
    return [i for i in _indicators().index if askable_levels(i) and i not in published]


# --- transactions --------------------------------------------------------------------------------


def _now() -> str:
    return common.now()


def _current(actor: Account | str, conn: sa.Connection) -> Account:
    """``actor`` as the store holds it now; a plain name is the server's operator (an admin's rights)."""
    if isinstance(actor, str):
        return Account(actor, "admin", REGION)
    acc = get_account(actor.name, conn)
    if acc is None or acc.disabled:
        raise NotPermitted(t("report_account_disabled", "zh", name=actor.name))
    return acc


def _round_of(row) -> Round:
    return Round(int(row.year), dt.date.fromisoformat(row.deadline), tuple(row.indicators), row.note, row.state,
                 row.opened_by, row.opened_at, row.closed_by, row.closed_at)


def _lock_round(conn: sa.Connection, year: int, *, lock: bool = True) -> Round:
    """The round of ``year``; with ``lock`` its row is locked for this transaction (serialises the
    round's writes across servers). Raises ReportingError when there is none."""
    q = sa.select(report_rounds).where(report_rounds.c.year == int(year))
    row = conn.execute(q.with_for_update() if lock else q).first()
    if row is None:
        _raise(ReportingError, [_msg("report_no_round", year=year)])
    return _round_of(row)


def get_round(year: int) -> Round | None:
    """The round of ``year`` or None. Raises StoreUnavailable."""
    with store_engine.connect() as conn:
        row = conn.execute(sa.select(report_rounds).where(report_rounds.c.year == int(year))).first()
    return _round_of(row) if row else None


def list_rounds() -> list[Round]:
    """Every round, newest year first."""
    with store_engine.connect() as conn:
        return [_round_of(r) for r in conn.execute(sa.select(report_rounds).order_by(report_rounds.c.year.desc()))]


def _event(conn: sa.Connection, year: int, adcode: str | None, action: str, actor: str, at: str, *,
           indicator_id: str | None = None, old_value=None, new_value=None, old_text=None, new_text=None) -> int:
    return int(conn.execute(sa.insert(report_events).values(
        year=int(year), adcode=adcode, indicator_id=indicator_id, action=action, actor=actor, at=at,
        old_value=old_value, new_value=new_value, old_text=old_text, new_text=new_text,
    ).returning(report_events.c.id)).scalar_one())


def _area_row(conn: sa.Connection, year: int, adcode: str):
    return conn.execute(sa.select(report_areas).where(report_areas.c.year == year,
                                                      report_areas.c.adcode == adcode)).first()


def _cells(conn: sa.Connection, year: int, adcodes) -> dict[Cell, sa.Row]:
    q = sa.select(report_values).where(report_values.c.year == year, report_values.c.adcode.in_(list(adcodes)))
    return {(r.indicator_id, r.adcode): r for r in conn.execute(q)}


def _version(conn: sa.Connection, year: int, scope) -> int:
    q = sa.select(sa.func.max(report_events.c.id)).where(
        report_events.c.year == year, report_events.c.adcode.in_(list(scope)),
        report_events.c.action.in_(CELL_ACTIONS))
    return int(conn.execute(q).scalar_one() or 0)


def _shown(value, unavailable) -> str | None:
    if unavailable is not None:
        return t("report_unavailable_value", "zh", reason=unavailable)
    return None if value is None else plain_number(value)


def _require_admin(acc: Account, what: str) -> None:
    if not acc.is_admin:
        raise NotPermitted(t("report_admin_only", "zh", what=t(f"report_what_{what}", "zh")))


def _check_text(text: str | None, key: str) -> str:
    text = str(text or "").strip()
    if not text:
        _raise(ReportingError, [_msg(key)])
    return text


def _editable(rnd: Round, row, adcode: str) -> tuple[str, str] | None:
    """Why the area's cells cannot be changed now, or None."""
    state = row.state if row is not None else "not_started"
    if state == "submitted":
        return _msg("report_locked_submitted", area=area_name(adcode))
    if state == "approved":
        return _msg("report_locked_approved", area=area_name(adcode))
    if rnd.state == "closed" and not (row is not None and row.reopened):
        return _msg("report_round_closed", year=rnd.year, area=area_name(adcode))
    return None


# --- rounds --------------------------------------------------------------------------------------


def _deadline(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        _raise(ReportingError, [_msg("report_bad_deadline", text=str(value))])
        raise  # unreachable


def open_round(actor: Account, year: int, deadline, indicators=None, note: str = "") -> Round:
    """Open the round of ``year`` (admins only). ``deadline``: a date or ``YYYY-MM-DD`` (due by its end,
    Beijing time); ``indicators``: catalogue ids (default :func:`default_indicators`), each askable of
    leagues or counties; ``note``: shown to the reporters. Recorded in report_events and the audit log.
    Raises NotPermitted, ReportingError (bad deadline or indicator, nothing to ask, the round exists),
    StoreUnavailable."""
    year, due = int(year), _deadline(deadline)
    ids = default_indicators(year) if indicators is None else [str(i).strip() for i in indicators if str(i).strip()]
    problems = []
    for i in dict.fromkeys(ids):
        if i not in _indicators().index:
            problems.append(_msg("report_unknown_indicator", id=i))
        elif not askable_levels(i):
            problems.append(_msg("report_not_askable", id=i, name=_name(i)))
    _raise(ReportingError, problems)
    if not ids:
        _raise(ReportingError, [_msg("report_nothing_to_ask", year=year)])
    order = list(_indicators().index)
    ids = sorted(dict.fromkeys(ids), key=order.index)
    with store_engine.begin() as conn:
        acc = _current(actor, conn)
        _require_admin(acc, "open")
        if conn.execute(sa.select(report_rounds.c.year).where(report_rounds.c.year == year)).first():
            _raise(ReportingError, [_msg("report_round_exists", year=year)])
        now = _now()
        conn.execute(sa.insert(report_rounds).values(year=year, deadline=due.isoformat(), indicators=ids,
                                                     note=str(note or ""), state="open", opened_by=acc.name,
                                                     opened_at=now))
        _event(conn, year, None, "open", acc.name, now, new_text=due.isoformat())
        common.add_audit(conn, actor=acc.name, action="report_open",
                         what={"year": year, "deadline": due.isoformat(), "indicators": ids, "note": str(note or "")})
    return get_round(year)


def close_round(actor: Account, year: int) -> Round:
    """Close the round of ``year`` (admins only): no more entries or submissions, except in areas an
    admin reopens (:func:`reopen_area`); reviews go on. Raises NotPermitted, ReportingError."""
    with store_engine.begin() as conn:
        acc = _current(actor, conn)
        _require_admin(acc, "close")
        rnd = _lock_round(conn, year)
        if rnd.state == "closed":
            _raise(ReportingError, [_msg("report_round_already_closed", year=rnd.year)])
        now = _now()
        conn.execute(sa.update(report_rounds).where(report_rounds.c.year == rnd.year)
                     .values(state="closed", closed_by=acc.name, closed_at=now))
        _event(conn, rnd.year, None, "close", acc.name, now)
        common.add_audit(conn, actor=acc.name, action="report_close", what={"year": rnd.year})
    return get_round(year)


def reopen_area(actor: Account, year: int, area: str, reason: str) -> None:
    """Reopen one area for entry (admins only; DHIS2's lock exception): its values become editable
    again even in a closed round, a submitted or approved area goes back to 填报中 (approved values
    leave the build: the published version is bumped). A county of an approved league cannot be
    reopened before its league. Raises NotPermitted, ReportingError."""
    area = resolve_area(area)
    reason = _check_text(reason, "report_reason_needed")
    with store_engine.begin() as conn:
        acc = _current(actor, conn)
        _require_admin(acc, "reopen")
        rnd = _lock_round(conn, year)
        if area not in areas_asked(rnd):
            _raise(ReportingError, [_msg("report_area_not_asked", year=rnd.year, area=area_name(area))])
        parent = _areas().at[area, "parent_adcode"]
        if level(area) == "county":
            prow = _area_row(conn, rnd.year, parent)
            if prow is not None and prow.state == "approved":
                _raise(ReportingError, [_msg("report_reopen_parent_first", area=area_name(area),
                                             league=area_name(parent))])
        row = _area_row(conn, rnd.year, area)
        now = _now()
        was = row.state if row is not None else None
        if was == "approved":
            common.bump_version(conn)
        values = {"reopened": True, "reopened_by": acc.name, "reopened_at": now, "reopen_reason": reason}
        if was in ("submitted", "approved"):
            values["state"] = "draft"
        if row is None:
            conn.execute(sa.insert(report_areas).values(year=rnd.year, adcode=area, state="draft", **values))
        else:
            conn.execute(sa.update(report_areas).where(report_areas.c.year == rnd.year,
                                                       report_areas.c.adcode == area).values(**values))
        _event(conn, rnd.year, area, "reopen", acc.name, now, old_text=was, new_text=reason)
        common.add_audit(conn, actor=acc.name, action="report_reopen",
                         what={"year": rnd.year, "area": area, "reason": reason, "was": was})


# --- entry ---------------------------------------------------------------------------------------


def _validate(indicator_id: str, adcode: str, year: int, value: float) -> tuple[str, str] | None:
    """The importer's rules for one value: None, or the (zh, en) message naming area and indicator."""
    unit = _unit(indicator_id)
    data = {"indicator_id": indicator_id, "adcode": adcode, "measure": measure(unit), "unit": unit,
            "year": int(year), "value": value}
    max_year = max(int(year), dt.date.today().year + 1)
    out = []
    for lang in ("zh", "en"):
        try:
            Observation.model_validate(data, context={"max_year": max_year, "lang": lang})
            return None
        except ValidationError as exc:
            out.append(t("report_value_problem", lang, area=area_name(adcode), name=_name(indicator_id),
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
        acc = _current(actor, conn)
        rnd = _lock_round(conn, year)
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
                problems.append(_msg("report_not_asked", year=rnd.year, area=area_name(code), id=ind,
                                     name=_name(ind) if ind in _indicators().index else ind))
            elif (ind, code) in values and (ind, code) in unavailable:
                problems.append(_msg("report_value_and_unavailable", area=area_name(code), name=_name(ind)))
            elif (ind, code) in unavailable and not unavailable[(ind, code)]:
                problems.append(_msg("report_unavailable_reason", area=area_name(code), name=_name(ind)))
            elif (ind, code) in values and values[(ind, code)] is not None:
                v = _number(values[(ind, code)])
                if v is None:
                    problems.append(_msg("report_not_a_number", area=area_name(code), name=_name(ind),
                                         text=str(values[(ind, code)])))
                else:
                    values[(ind, code)] = v
                    bad = _validate(ind, code, rnd.year, v)
                    if bad:
                        problems.append(bad)
        rows = {c: _area_row(conn, rnd.year, c) for c in codes}
        for c in dict.fromkeys(code for _, code in cells):
            why = _editable(rnd, rows[c], c)
            if why:
                problems.append(why)
        _raise(DraftRejected, list(dict.fromkeys(problems)))
        current = _version(conn, rnd.year, scope)
        if expected_version is not None and int(expected_version) != current:
            raise DraftChanged(_changes_since(conn, rnd.year, scope, int(expected_version)), current)
        now, old = _now(), _cells(conn, rnd.year, [c[1] for c in cells])
        touched = set()
        for cell in cells:
            ind, code = cell
            new_v = None if cell in unavailable else values.get(cell)
            new_u = unavailable.get(cell)
            prev = old.get(cell)
            old_v, old_u = (prev.value, prev.unavailable) if prev is not None else (None, None)
            if (old_v, old_u) == (new_v, new_u):
                continue
            seq = _event(conn, rnd.year, code, "save", acc.name, now, indicator_id=ind, old_value=old_v,
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
            common.add_audit(conn, actor=acc.name, action="report_save",
                             what={"year": rnd.year, "area": area, "areas": sorted(touched), "cells": len(cells),
                                   "days_late": late})
        return Saved(_version(conn, rnd.year, scope), late, notice)


def _changes_since(conn: sa.Connection, year: int, scope, version: int) -> list[dict]:
    q = (sa.select(report_events).where(report_events.c.year == year, report_events.c.adcode.in_(list(scope)),
                                        report_events.c.action.in_(CELL_ACTIONS), report_events.c.id > version)
         .order_by(report_events.c.id))
    return [{"id": int(e.id), "at": e.at, "actor": e.actor, "indicator_id": e.indicator_id, "adcode": e.adcode,
             "area_name": area_name(e.adcode), "indicator_name": _name(e.indicator_id),
             "old": _shown(e.old_value, e.old_text) or t("report_empty", "zh"),
             "new": _shown(e.new_value, e.new_text) or t("report_empty", "zh"),
             "time": local_time(e.at)} for e in conn.execute(q)]


def local_time(at: str | None) -> str:
    """A stored UTC time as Beijing time ``YYYY-MM-DD HH:MM``."""
    if not at:
        return ""
    return dt.datetime.fromisoformat(at).astimezone(REPORT_TZ).strftime("%Y-%m-%d %H:%M")


def explain(actor: Account, year: int, area: str, indicator_id: str, adcode: str, text: str) -> None:
    """Write the 说明 of one value of ``area``'s draft (a flagged value needs one before submission).
    Raises NotPermitted, ReportingError (no such value, empty text, the area is locked)."""
    area, adcode = resolve_area(area), resolve_area(adcode)
    text = _check_text(text, "report_explanation_needed")
    with store_engine.begin() as conn:
        acc = _current(actor, conn)
        rnd = _lock_round(conn, year)
        if not acc.may_write(adcode) or adcode not in areas_within(area):
            line = t("report_out_of_scope", "zh", area=area_name(adcode), scope=acc.scope_name)
            raise NotPermitted(line, [line])
        why = _editable(rnd, _area_row(conn, rnd.year, adcode), adcode)
        if why:
            _raise(ReportingError, [why])
        cell = _cells(conn, rnd.year, [adcode]).get((indicator_id, adcode))
        if cell is None or cell.value is None:
            _raise(ReportingError, [_msg("report_no_value", area=area_name(adcode),
                                         name=_name(indicator_id) if indicator_id in _indicators().index
                                         else indicator_id)])
        now = _now()
        conn.execute(sa.update(report_values).where(report_values.c.year == rnd.year, report_values.c.adcode == adcode,
                                                    report_values.c.indicator_id == indicator_id)
                     .values(explanation=text))
        _event(conn, rnd.year, adcode, "explain", acc.name, now, indicator_id=indicator_id,
               old_text=cell.explanation, new_text=text)
        common.add_audit(conn, actor=acc.name, action="report_explain",
                         what={"year": rnd.year, "area": adcode, "indicator_id": indicator_id})


# --- checks --------------------------------------------------------------------------------------


def _approved_values(conn: sa.Connection, year: int) -> dict[Cell, float]:
    q = (sa.select(report_values.c.indicator_id, report_values.c.adcode, report_values.c.value)
         .join(report_areas, sa.and_(report_areas.c.year == report_values.c.year,
                                     report_areas.c.adcode == report_values.c.adcode))
         .where(report_values.c.year == year, report_areas.c.state == "approved", report_values.c.value.is_not(None)))
    return {(i, a): float(v) for i, a, v in conn.execute(q)}


def _published(year: int) -> dict[Cell, float]:
    pub = build.read_data_csv("observations_published.csv")
    pub = pub[pub["year"] == str(year)]
    return {(r.indicator_id, r.adcode): float(r.value) for r in pub.itertuples()}


def _baseline(conn: sa.Connection, year: int) -> dict[Cell, tuple[float, str]]:
    """Last year's real figures: approved > imported > published, (value, status) per cell."""
    out = {c: (v, "published") for c, v in _published(year).items()}
    _, imp = ledger.ledger_frames(conn=conn)
    imp = imp[imp["year"] == year]
    out.update({(r.indicator_id, r.adcode): (float(r.value), "imported") for r in imp.itertuples()})
    out.update({c: (v, "approved") for c, v in _approved_values(conn, year).items()})
    return out


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _flags(conn: sa.Connection, rnd: Round, area: str, cells: dict[Cell, sa.Row]) -> list[Flag]:
    prev = _baseline(conn, rnd.year - 1)
    pub = _published(rnd.year)
    lvl = level(area)
    peers_q = (sa.select(report_values.c.indicator_id, report_values.c.adcode, report_values.c.value)
               .where(report_values.c.year == rnd.year, report_values.c.adcode != area,
                      report_values.c.value.is_not(None)))
    peers: dict[str, list[float]] = {}
    for ind, code, v in conn.execute(peers_q):
        if code in _areas().index and level(code) == lvl:
            peers.setdefault(ind, []).append(float(v))
    out = []
    for ind in asked(rnd, area):
        cell = cells.get((ind, area))
        if cell is None or cell.value is None:
            continue
        v, unit = float(cell.value), _unit(ind)
        base = {"area": area_name(area), "name": _name(ind), "year": rnd.year, "value": plain_number(v), "unit": unit}
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


def _sum_problems(conn: sa.Connection, rnd: Round, league: str, own: dict[Cell, sa.Row]) -> list[tuple[str, str]]:
    """Hard rule: for each additive county-level indicator, the league's own value against the values
    entered for its counties (all entered: equal; some entered: their sum must not exceed it)."""
    counties = _children(league)
    entered = _cells(conn, rnd.year, counties)
    out = []
    for ind in asked(rnd, league):
        cell = own.get((ind, league))
        if "county" not in askable_levels(ind) or not _additive(ind) or cell is None or cell.value is None:
            continue
        parts = [entered[(ind, c)].value for c in counties if (ind, c) in entered and entered[(ind, c)].value is not None]
        if not parts:
            continue
        s, v = sum(parts), float(cell.value)
        params = {"area": area_name(league), "name": _name(ind), "year": rnd.year, "value": plain_number(v),
                  "sum": plain_number(round(s, 6)), "unit": _unit(ind), "n": len(parts), "of": len(counties)}
        if len(parts) == len(counties) and not _close(s, v):
            out.append(_msg("report_sum_mismatch", **params))
        elif len(parts) < len(counties) and s > v and not _close(s, v):
            out.append(_msg("report_sum_exceeds", **params))
    return out


def _resubmission_problems(conn: sa.Connection, rnd: Round, area: str) -> list[tuple[str, str]]:
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
    return [] if touched else [_msg("report_unchanged_overall", area=area_name(area), reason=ret.new_text or "")]


def flags(year: int, area: str) -> list[Flag]:
    """The soft checks of ``area``'s own values in the round of ``year`` (with their 说明, if any).
    Read-only; no authorization (it shows nothing but the area's own values' checks)."""
    area = resolve_area(area)
    with store_engine.connect() as conn:
        rnd = _lock_round(conn, year, lock=False)
        return _flags(conn, rnd, area, _cells(conn, rnd.year, [area]))


def submit(actor: Account, year: int, area: str) -> Submitted:
    """Submit ``area``'s own figures for review. Every indicator asked of the area needs a value or
    暂缺 with a reason; values must pass the importer's rules; a league's figures must agree with its
    counties' (see :func:`_sum_problems`); each flagged value needs a 说明; a returned area needs a
    change since the return (see :func:`_resubmission_problems`). Returns the flags (all explained) as
    a :class:`Submitted` list whose ``days_late`` / ``notice`` say whether it came after the deadline
    (still accepted while the round is open; the status report marks it 逾期上报). Raises NotPermitted, :class:`CannotSubmit` (hard rules, state, closed round),
    :class:`NeedsExplanation` (flags without 说明), ReportingError, StoreUnavailable."""
    area = resolve_area(area)
    with store_engine.begin() as conn:
        acc = _current(actor, conn)
        rnd = _lock_round(conn, year)
        if not acc.may_write(area):
            line = t("report_out_of_scope", "zh", area=area_name(area), scope=acc.scope_name)
            raise NotPermitted(line, [line])
        if area not in areas_asked(rnd):
            _raise(CannotSubmit, [_msg("report_area_not_asked", year=rnd.year, area=area_name(area))])
        row = _area_row(conn, rnd.year, area)
        why = _editable(rnd, row, area)
        if why:
            _raise(CannotSubmit, [why])
        cells = _cells(conn, rnd.year, [area])
        problems = []
        for ind in asked(rnd, area):
            cell = cells.get((ind, area))
            if cell is None:
                problems.append(_msg("report_missing_value", area=area_name(area), name=_name(ind)))
            elif cell.value is not None:
                bad = _validate(ind, area, rnd.year, float(cell.value))
                if bad:
                    problems.append(bad)
        if level(area) == "league":
            problems += _sum_problems(conn, rnd, area, cells)
        problems += _resubmission_problems(conn, rnd, area)
        _raise(CannotSubmit, problems)
        found = _flags(conn, rnd, area, cells)
        missing = [f for f in found if not f.explanation]
        if missing:
            raise NeedsExplanation(missing)
        now = _now()
        conn.execute(sa.update(report_areas).where(report_areas.c.year == rnd.year, report_areas.c.adcode == area)
                     .values(state="submitted", submitted_by=acc.name, submitted_at=now,
                             first_submitted_at=row.first_submitted_at or now))
        conn.execute(sa.update(report_values).where(report_values.c.year == rnd.year, report_values.c.adcode == area)
                     .values(comment=None))
        _event(conn, rnd.year, area, "submit", acc.name, now, new_text=str(len(found)))
        late, notice = late_notice(rnd)
        common.add_audit(conn, actor=acc.name, action="report_submit",
                         what={"year": rnd.year, "area": area, "flags": len(found), "days_late": late})
        return Submitted(found, late, notice)


# --- review --------------------------------------------------------------------------------------


def may_review(acc: Account, area: str) -> bool:
    """True when ``acc`` may approve or return ``area``'s submissions: a reviewer whose scope is the
    level directly above the area (the region's reviewers review the leagues, a league's reviewers its
    counties), or an admin (any area). Whether it submitted them itself is checked separately: nobody
    reviews their own submission. A disabled account reviews nothing."""
    if acc.disabled:
        return False
    if acc.is_admin:
        return True
    return acc.role == "reviewer" and str(_areas().at[area, "parent_adcode"]) == acc.scope


def _reviewable(acc: Account, area: str) -> None:
    """Raise NotPermitted unless :func:`may_review`."""
    if not may_review(acc, area):
        line = t("report_not_reviewer", "zh", area=area_name(area), name=acc.name)
        raise NotPermitted(line, [line])


def _submitted(conn: sa.Connection, rnd: Round, area: str, acc: Account):
    row = _area_row(conn, rnd.year, area)
    state = row.state if row is not None else "not_started"
    if state != "submitted":
        _raise(ReviewRefused, [(t("report_not_submitted", "zh", area=area_name(area), state=t(f"report_state_{state}", "zh")),
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
        acc = _current(actor, conn)
        rnd = _lock_round(conn, year)
        _reviewable(acc, area)
        _submitted(conn, rnd, area, acc)
        if level(area) == "league":
            asked_counties = [c for c in _children(area) if c in areas_asked(rnd)]
            states = {c: _area_row(conn, rnd.year, c) for c in asked_counties}
            pending = [area_name(c) for c, r in states.items() if r is None or r.state != "approved"]
            if pending:
                _raise(ReviewRefused, [_msg("report_counties_pending", area=area_name(area), n=len(pending),
                                            names=t("list_sep", "zh").join(pending))])
            _raise(ReviewRefused, _sum_problems(conn, rnd, area, _cells(conn, rnd.year, [area])))
        common.bump_version(conn)
        now = _now()
        conn.execute(sa.update(report_areas).where(report_areas.c.year == rnd.year, report_areas.c.adcode == area)
                     .values(state="approved", approved_by=acc.name, approved_at=now, reopened=False))
        _event(conn, rnd.year, area, "approve", acc.name, now)
        common.add_audit(conn, actor=acc.name, action="report_approve", what={"year": rnd.year, "area": area})


def return_(actor: Account, year: int, area: str, reason: str, per_value: dict[Cell, str] | None = None) -> None:
    """Return ``area``'s submission to its reporter with ``reason`` and, per value, a comment
    (``per_value``: (indicator_id, adcode) → text, cells of that area). The area becomes 已退回 and
    editable again; the reasons stay beside the cells until the next submission. Same reviewers as
    :func:`approve`. Raises NotPermitted, ReviewRefused, ReportingError."""
    area = resolve_area(area)
    reason = _check_text(reason, "report_reason_needed")
    per_value = {k: str(v or "").strip() for k, v in (per_value or {}).items()}
    with store_engine.begin() as conn:
        acc = _current(actor, conn)
        rnd = _lock_round(conn, year)
        _reviewable(acc, area)
        _submitted(conn, rnd, area, acc)
        cells = _cells(conn, rnd.year, [area])
        bad = [_msg("report_no_value", area=area_name(code), name=_name(ind) if ind in _indicators().index else ind)
               for ind, code in per_value if (ind, code) not in cells]
        bad += [_msg("report_comment_needed", area=area_name(code), name=_name(ind))
                for (ind, code), text in per_value.items() if (ind, code) in cells and not text]
        _raise(ReviewRefused, bad)
        now = _now()
        for (ind, code), text in per_value.items():
            conn.execute(sa.update(report_values).where(report_values.c.year == rnd.year, report_values.c.adcode == code,
                                                        report_values.c.indicator_id == ind).values(comment=text))
            _event(conn, rnd.year, code, "comment", acc.name, now, indicator_id=ind, new_text=text)
        conn.execute(sa.update(report_areas).where(report_areas.c.year == rnd.year, report_areas.c.adcode == area)
                     .values(state="returned", returned_by=acc.name, returned_at=now, return_reason=reason))
        _event(conn, rnd.year, area, "return", acc.name, now, new_text=reason)
        common.add_audit(conn, actor=acc.name, action="report_return",
                         what={"year": rnd.year, "area": area, "reason": reason,
                               "values": [list(k) for k in per_value]})


# --- reading -------------------------------------------------------------------------------------

DRAFT_COLUMNS = ["adcode", "area_name", "indicator_id", "indicator_name", "unit", "value", "unavailable",
                 "explanation", "comment", "saved_by", "saved_at", "last_year", "last_year_status", "state"]


def draft(year: int, area: str) -> tuple[pd.DataFrame, int]:
    """The draft of ``area`` and the areas below it: one row per asked (area, indicator), columns
    :data:`DRAFT_COLUMNS` (value float or NaN; unavailable/explanation/comment/saved_* text, "" when
    empty — never None; last_year: last year's approved, imported or published value (NaN) and its
    status (""); state: the area's state key), and the draft's version (for :func:`save_draft`). Read-only."""
    area = resolve_area(area)
    with store_engine.connect() as conn:
        rnd = _lock_round(conn, year, lock=False)
        within = areas_within(area)
        scope = [a for a in areas_asked(rnd) if a in within]
        cells, prev = _cells(conn, rnd.year, scope), _baseline(conn, rnd.year - 1)
        states = {r.adcode: r.state for r in conn.execute(
            sa.select(report_areas.c.adcode, report_areas.c.state).where(report_areas.c.year == rnd.year))}
        rows = []
        for code in scope:
            for ind in asked(rnd, code):
                c = cells.get((ind, code))
                p = prev.get((ind, code), (None, None))
                rows.append({"adcode": code, "area_name": area_name(code), "indicator_id": ind,
                             "indicator_name": _name(ind), "unit": _unit(ind),
                             "value": c.value if c is not None else None,
                             "unavailable": c.unavailable if c is not None else None,
                             "explanation": c.explanation if c is not None else None,
                             "comment": c.comment if c is not None else None,
                             "saved_by": c.saved_by if c is not None else None,
                             "saved_at": c.saved_at if c is not None else None,
                             "last_year": p[0], "last_year_status": p[1], "state": states.get(code, "not_started")})
        version = _version(conn, rnd.year, areas_within(area))
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
                     "old": (_shown(e.old_value, e.old_text) if cell else None) or "",
                     "new": (_shown(e.new_value, e.new_text) if cell else None) or "",
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
        rnd = _lock_round(conn, year, lock=False)
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
                    "parent_adcode": _areas().at[code, "parent_adcode"], "state": state,
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
        _raise(ReportingError, [_msg("report_no_round", year=year)])
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
