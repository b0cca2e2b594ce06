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

Times are UTC ISO text; the deadline is a date, due by its end in Beijing time (UTC+8). While a round
is open, entries after the deadline are accepted and say so (:class:`Saved` / :class:`Submitted`:
``days_late``, ``notice`` “已逾期 3 天…”); :meth:`Round.deadline_text` gives “还剩 5 天”.

**For the pages**: :func:`inbox` (the submissions waiting for a reviewer), :func:`scope_states` (an
account's areas with state, deadline and what it may do), :func:`may_review`, :func:`draft`,
:func:`value_history`, :func:`status_report`, :func:`progress`; their frames carry "" for nothing,
never None.

**Modules** (import the public names from this package, listed in ``__all__``): ``common`` (constants,
errors, :class:`Round`, catalogue, area and transaction helpers shared by the others — public names,
so no module imports another's private names), ``rounds``, ``entry``, ``checks``, ``review``, ``status``.
"""

from __future__ import annotations

from .checks import flags
from .common import (
    CELL_ACTIONS,
    CENSUS_YEAR,
    MIN_PEERS,
    OUTLIER_FACTOR,
    REGION,
    REPORT_TZ,
    STATES,
    CannotSubmit,
    Cell,
    DraftChanged,
    DraftRejected,
    Flag,
    NeedsExplanation,
    ReportingError,
    ReviewRefused,
    Round,
    RoundOutOfRange,
    Saved,
    Submitted,
    areas_asked,
    askable_levels,
    asked,
    default_indicators,
    indicator_name,
    late_notice,
    level,
    local_time,
    population_bound,
)
from .entry import explain, save_draft, submit
from .review import approve, may_review, return_
from .rounds import check_round_dates, close_round, get_round, list_rounds, open_round, reopen_area, round_limits
from .status import (
    DRAFT_COLUMNS,
    HISTORY_COLUMNS,
    INBOX_COLUMNS,
    SCOPE_COLUMNS,
    STATUS_COLUMNS,
    draft,
    inbox,
    progress,
    scope_states,
    status_report,
    value_history,
)

__all__ = [
    "CELL_ACTIONS",
    "CENSUS_YEAR",
    "DRAFT_COLUMNS",
    "HISTORY_COLUMNS",
    "INBOX_COLUMNS",
    "MIN_PEERS",
    "OUTLIER_FACTOR",
    "REGION",
    "REPORT_TZ",
    "SCOPE_COLUMNS",
    "STATES",
    "STATUS_COLUMNS",
    "CannotSubmit",
    "Cell",
    "DraftChanged",
    "DraftRejected",
    "Flag",
    "NeedsExplanation",
    "ReportingError",
    "ReviewRefused",
    "Round",
    "RoundOutOfRange",
    "Saved",
    "Submitted",
    "approve",
    "areas_asked",
    "askable_levels",
    "asked",
    "check_round_dates",
    "close_round",
    "default_indicators",
    "draft",
    "explain",
    "flags",
    "get_round",
    "inbox",
    "indicator_name",
    "late_notice",
    "level",
    "list_rounds",
    "local_time",
    "may_review",
    "open_round",
    "population_bound",
    "progress",
    "reopen_area",
    "return_",
    "round_limits",
    "save_draft",
    "scope_states",
    "status_report",
    "submit",
    "value_history",
]
