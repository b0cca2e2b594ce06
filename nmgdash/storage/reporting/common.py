"""Shared by the modules of :mod:`nmgdash.storage.reporting`: constants, errors, :class:`Round`, the catalogue
and area look-ups, and the transaction helpers (each a public name: the modules import no private names
from each other)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import pandas as pd
import sqlalchemy as sa

from ...core.i18n import t
from ...core.rules import REFERENCE_CATEGORIES, plain_number
from .. import build
from ..accounts import Account, NotPermitted, area_name, get_account
from ..store import common as store_common
from ..store.schema import report_areas, report_events, report_rounds, report_values

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


class RoundOutOfRange(ReportingError):
    """A round asked for a year outside ``settings.REPORT_FIRST_YEAR`` … next year(s), or with a deadline
    before the year's end or too far ahead (:func:`nmgdash.storage.reporting.open_round`)."""


class CannotSubmit(ReportingError):
    """A submission blocked by a hard rule (a missing value, a value the rules refuse, counties that
    do not add up to the league's figure) or by the area's state."""


@dataclass(frozen=True)
class Flag:
    """A soft check on one value: ``kind`` (yoy | published | outlier | region_total), ``text`` / ``text_en`` (the
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


def msg(key: str, **values) -> tuple[str, str]:
    """The (Chinese, English) texts of catalogue key ``key``."""
    return t(key, "zh", **values), t(key, "en", **values)


def refuse(cls, items: list[tuple[str, str]]) -> None:
    """Raise ``cls`` with the (zh, en) ``items`` as its lines; nothing when ``items`` is empty."""
    if items:
        raise cls([z for z, _ in items], [e for _, e in items])


@cache
def catalogue() -> pd.DataFrame:
    """The indicator catalogue (data/indicators.csv) indexed by indicator_id (cached)."""
    return build.read_data_csv("indicators.csv").set_index("indicator_id", drop=False)


@cache
def area_table() -> pd.DataFrame:
    """The areas (data/areas.csv) indexed by adcode (cached)."""
    return build.read_data_csv("areas.csv").set_index("adcode", drop=False)


#: The census of data/leagues_census_2020.csv (its population column is ``population_<year>``).
CENSUS_YEAR = 2020


@cache
def census_population() -> dict[str, float]:
    """The leagues' 2020 census resident population (data/leagues_census_2020.csv): adcode → persons."""
    frame = build.read_data_csv(f"leagues_census_{CENSUS_YEAR}.csv")
    return {str(a): float(p) for a, p in zip(frame["adcode"], frame[f"population_{CENSUS_YEAR}"], strict=True)}


def population_bound(adcode: str) -> tuple[float | None, str]:
    """The census population that bounds a count of people reported by ``adcode``, and the area it is
    of: a league's own, a county's league's; (None, "") for the region (the settings' bound applies)."""
    code = adcode
    if code in area_table().index and level(code) == "county":
        code = str(area_table().at[code, "parent_adcode"])
    pop = census_population().get(code)
    return (pop, area_name(code)) if pop else (None, "")


def askable_levels(indicator_id: str) -> set[str]:
    """Levels of areas a round may ask ``indicator_id`` of: {'league'}, {'league', 'county'} or set()
    (region-only, reference data, computed indicators; the importer's rule)."""
    ind = catalogue()
    if indicator_id not in ind.index or indicator_id in build.DERIVED_INDICATORS:
        return set()
    row = ind.loc[indicator_id]
    if row["category"] in REFERENCE_CATEGORIES:
        return set()
    return {"league": {"league"}, "county": {"league", "county"}}.get(row["lowest_level"], set())


def level(adcode: str) -> str:
    """'region', 'league' or 'county'."""
    return str(area_table().at[adcode, "level"])


def children(adcode: str) -> list[str]:
    """The adcodes of the areas directly below ``adcode`` (data/areas.csv order)."""
    a = area_table()
    return a.index[a["parent_adcode"] == adcode].tolist()


def indicator_name(indicator_id: str, lang: str = "zh") -> str:
    """The catalogue name of ``indicator_id`` in ``lang`` (the id itself when unknown)."""
    ind = catalogue()
    if indicator_id not in ind.index:
        return indicator_id
    return str(ind.at[indicator_id, "name_zh" if lang == "zh" else "name_en"])


def unit_of(indicator_id: str) -> str:
    """The catalogue unit of ``indicator_id`` (个, 万元, % …)."""
    return str(catalogue().at[indicator_id, "unit"])


def is_additive(indicator_id: str) -> bool:
    """True when the catalogue marks ``indicator_id`` additive (the counties add up to the league)."""
    return str(catalogue().at[indicator_id, "additive"]).lower() == "true"


def asked(rnd: Round, adcode: str) -> list[str]:
    """The indicators ``rnd`` asks of the area ``adcode`` (catalogue order; [] for the region)."""
    lvl = level(adcode)
    return [i for i in rnd.indicators if lvl in askable_levels(i)]


def areas_asked(rnd: Round) -> list[str]:
    """The areas ``rnd`` asks anything of: the leagues, and each league's counties after it when the
    round has a county-level indicator (data/areas.csv order)."""
    a = area_table()
    with_counties = any("county" in askable_levels(i) for i in rnd.indicators)
    out = []
    for lg in a.index[a["level"] == "league"]:
        out.append(lg)
        if with_counties:
            out += children(lg)
    return out


def default_indicators(year: int) -> list[str]:
    """Every league- and county-level indicator of the catalogue (not reference data, not computed)
    that has no published value for ``year``, in catalogue order."""
    pub = build.read_data_csv("observations_published.csv")
    published = set(pub.loc[pub["year"] == str(year), "indicator_id"])
    return [i for i in catalogue().index if askable_levels(i) and i not in published]


def utc_now() -> str:
    """The current time as UTC ISO text (the store's time format)."""
    return store_common.now()


def current_account(actor: Account | str, conn: sa.Connection) -> Account:
    """``actor`` as the store holds it now; a plain name is the server's operator (an admin's rights)."""
    if isinstance(actor, str):
        return Account(actor, "admin", REGION)
    acc = get_account(actor.name, conn)
    if acc is None or acc.disabled:
        raise NotPermitted(t("report_account_disabled", "zh", name=actor.name))
    return acc


def round_of(row) -> Round:
    """A :class:`Round` from a report_rounds row."""
    return Round(int(row.year), dt.date.fromisoformat(row.deadline), tuple(row.indicators), row.note, row.state,
                 row.opened_by, row.opened_at, row.closed_by, row.closed_at)


def lock_round(conn: sa.Connection, year: int, *, lock: bool = True) -> Round:
    """The round of ``year``; with ``lock`` its row is locked for this transaction (serialises the
    round's writes across servers). Raises ReportingError when there is none."""
    q = sa.select(report_rounds).where(report_rounds.c.year == int(year))
    row = conn.execute(q.with_for_update() if lock else q).first()
    if row is None:
        refuse(ReportingError, [msg("report_no_round", year=year)])
    return round_of(row)


def add_event(conn: sa.Connection, year: int, adcode: str | None, action: str, actor: str, at: str, *,
           indicator_id: str | None = None, old_value=None, new_value=None, old_text=None, new_text=None) -> int:
    """Insert one report_events row; returns its id (the draft version when ``action`` is a save)."""
    return int(conn.execute(sa.insert(report_events).values(
        year=int(year), adcode=adcode, indicator_id=indicator_id, action=action, actor=actor, at=at,
        old_value=old_value, new_value=new_value, old_text=old_text, new_text=new_text,
    ).returning(report_events.c.id)).scalar_one())


def area_row(conn: sa.Connection, year: int, adcode: str):
    """The report_areas row of (``year``, ``adcode``), or None (未开始)."""
    return conn.execute(sa.select(report_areas).where(report_areas.c.year == year,
                                                      report_areas.c.adcode == adcode)).first()


def cells_of(conn: sa.Connection, year: int, adcodes) -> dict[Cell, sa.Row]:
    """The report_values rows of ``adcodes`` in ``year``: (indicator_id, adcode) → row."""
    q = sa.select(report_values).where(report_values.c.year == year, report_values.c.adcode.in_(list(adcodes)))
    return {(r.indicator_id, r.adcode): r for r in conn.execute(q)}


def draft_version(conn: sa.Connection, year: int, scope) -> int:
    """The version of a draft over the areas ``scope``: the id of its latest cell change (0: none)."""
    q = sa.select(sa.func.max(report_events.c.id)).where(
        report_events.c.year == year, report_events.c.adcode.in_(list(scope)),
        report_events.c.action.in_(CELL_ACTIONS))
    return int(conn.execute(q).scalar_one() or 0)


def shown(value, unavailable) -> str | None:
    """A stored cell as text: the value, “暂缺（reason）”, or None when empty."""
    if unavailable is not None:
        return t("report_unavailable_value", "zh", reason=unavailable)
    return None if value is None else plain_number(value)


def require_admin(acc: Account, what: str) -> None:
    """Raise NotPermitted unless ``acc`` is an admin (``what``: open | close | reopen, for the message)."""
    if not acc.is_admin:
        raise NotPermitted(t("report_admin_only", "zh", what=t(f"report_what_{what}", "zh")))


def check_text(text: str | None, key: str) -> str:
    """``text`` stripped; ReportingError with the message ``key`` when it is empty."""
    text = str(text or "").strip()
    if not text:
        refuse(ReportingError, [msg(key)])
    return text


def why_locked(rnd: Round, row, adcode: str) -> tuple[str, str] | None:
    """Why the area's cells cannot be changed now, or None."""
    state = row.state if row is not None else "not_started"
    if state == "submitted":
        return msg("report_locked_submitted", area=area_name(adcode))
    if state == "approved":
        return msg("report_locked_approved", area=area_name(adcode))
    if rnd.state == "closed" and not (row is not None and row.reopened):
        return msg("report_round_closed", year=rnd.year, area=area_name(adcode))
    return None


def local_time(at: str | None) -> str:
    """A stored UTC time as Beijing time ``YYYY-MM-DD HH:MM``."""
    if not at:
        return ""
    return dt.datetime.fromisoformat(at).astimezone(REPORT_TZ).strftime("%Y-%m-%d %H:%M")
