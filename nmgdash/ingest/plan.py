"""One code path for the web page and the CLI: bytes -> :class:`ImportPlan` -> commit.

>>> plan = load_file(data, "报表.xlsx", con)      # parse, normalise, validate, preview (read-only)
>>> plan.errors, plan.warnings, plan.preview.diff
>>> batch_id = commit(plan, user="张三", accept_warnings=True)   # nmgdash.storage.transaction.commit
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from dataclasses import dataclass, field

import pandas as pd

from nmgdash.core.i18n import t
from nmgdash.ingest import catalogue
from nmgdash.ingest.messages import Collector, FileRejected, Issue, Normalisation, coordinate
from nmgdash.ingest.normalize import normalise_entries
from nmgdash.ingest.preview import ROW_COLUMNS, Preview, build, current_values
from nmgdash.ingest.read import parse_grid
from nmgdash.ingest.validate import check_against_database, validate_records
from nmgdash.ingest.workbook import read_grids
from nmgdash.storage import build as storage_build
from nmgdash.storage import transaction
from nmgdash.storage.accounts import Account, NotPermitted


class ImportRejected(Exception):
    """The plan has blocking errors; nothing may be committed. ``errors``: list of Issue."""

    def __init__(self, errors: list[Issue]):
        super().__init__("\n".join(i.text for i in errors))
        self.errors = errors


class ConfirmationRequired(Exception):
    """The plan has warnings and the caller did not accept them. ``warnings``: list of Issue.

    ``changed`` is True when the data changed between the preview and the commit (another import
    committed meanwhile) so that the warnings are no longer the ones the user confirmed; then
    ``warnings`` are the fresh ones, ``str()`` and ``message_zh`` / ``message_en`` ask the user to
    review the file again, and nothing was committed."""

    def __init__(self, warnings: list[Issue], *, changed: bool = False):
        self.warnings, self.changed = warnings, changed
        if changed:
            self.message_zh, self.message_en = t("import_data_changed", "zh"), t("import_data_changed", "en")
            super().__init__(self.message_zh)
        else:
            self.message_zh = self.message_en = "\n".join(i.text for i in warnings)
            super().__init__(self.message_zh)


@dataclass
class ImportPlan:
    """Everything known about one file before committing it.

    * ``rows``: indicator_id (str), adcode (str), year (int64), value (float64, catalogue unit: money in
      万元, rates as percent numbers), note (str or None), sheet (str or None), cell ('C7').
    * ``errors`` / ``warnings``: :class:`Issue` lists (Chinese text with file, sheet and cell).
    * ``normalisations``: every value rewritten on the way in; ``notes``: file-level remarks
      (encoding, sheets skipped, empty cells).
    * ``markers``: the value cells holding a missing marker (—, /, 无, 暂缺 …; not empty cells) of a
      known area, year and indicator importable there: indicator_id, adcode, year (int64), marker
      (the cell's text), note (the row's 备注/说明/原因 cell or None), sheet, cell. Never imported;
      a yearly reporting draft reads them as 暂缺 with the note as the reason.
    * ``preview``: :class:`Preview` (diff, counts, by_league, by_indicator) or None when the file
      could not be read or no connection was given.
    * ``errors_found`` / ``warnings_found``: how many errors / warnings the file has in all (each
      kind lists at most ``messages.LIST_LIMIT`` and sums up the rest in one message); None = the
      lists are complete. Read them through :attr:`error_total` / :attr:`warning_total`.
    """

    file_name: str
    sha256: str
    size: int
    rows: pd.DataFrame
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    normalisations: list[Normalisation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    preview: Preview | None = None
    errors_found: int | None = None
    warnings_found: int | None = None
    markers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MARKER_COLUMNS))

    @property
    def error_total(self) -> int:
        """Every error the file has, listed or only counted in a summary message (e.g. 50,008)."""
        return len(self.errors) if self.errors_found is None else self.errors_found

    @property
    def warning_total(self) -> int:
        """Every warning the file has, listed or only counted in a summary message."""
        return len(self.warnings) if self.warnings_found is None else self.warnings_found

    #: What :meth:`refresh` needs to check the rows against the database again: (the validated
    #: records, the total rows, the message collector before the database checks), or None.
    basis: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def accepted(self) -> bool:
        """True when nothing blocks the import (warnings may still need confirmation)."""
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        if self.preview is None:
            return {"new": 0, "changed": 0, "unchanged": 0}
        return dict(self.preview.counts)

    def refresh(self, con) -> tuple[dict[str, int], list[Issue]]:
        """Counts (``new``, ``changed``, ``unchanged``) and warnings of this plan against the database
        as it is now (``con``: a read-only connection or cursor), computed exactly as :func:`load_file`
        did. The plan itself is not changed."""
        if self.basis is None or not len(self.rows):
            return self.counts, list(self.warnings)
        good, totals, base = self.basis
        cat = catalogue.load()
        col = copy.deepcopy(base)
        current = current_values(con, self.rows["indicator_id"], self.rows["year"])
        check_against_database(good, totals, current, cat, col)
        return dict(build(self.rows, current, self.normalisations, cat).counts), col.warnings

    def report(self, lang: str = "zh") -> str:
        """The plan as plain text (the CLI prints this; the web page shows the same parts as tables).
        ``lang`` words the headings and the messages' locations (Chinese by default)."""
        lines = [t("ingest_report_file", lang, file=self.file_name, size=self.size, sha=self.sha256[:16])]
        lines += [t("ingest_report_note", lang, note=n) for n in self.notes]
        if self.preview is not None and len(self.rows):
            c = self.preview.counts
            lines.append(t("ingest_report_counts", lang, n=len(self.rows), new=c["new"], changed=c["changed"],
                           unchanged=c["unchanged"]))
            lines.append(t("ingest_report_by_league", lang))
            lines.append(self.preview.by_league.to_string(index=False))
            lines.append(t("ingest_report_by_indicator", lang))
            lines.append(self.preview.by_indicator.to_string(index=False))
            changed = self.preview.diff[self.preview.diff["change"] != "unchanged"]
            if len(changed):
                lines.append(t("ingest_report_changed", lang))
                show = changed[["area_name", "indicator_name", "year", "old_value", "old_status", "new_value", "unit", "change"]]
                lines.append(show.to_string(index=False, max_rows=200))
        if self.normalisations:
            lines.append(t("ingest_report_normalisations", lang, n=len(self.normalisations)))
            lines += [f"  · {n.text_in(lang)}" for n in self.normalisations]
        if self.warnings:
            lines.append(t("ingest_report_warnings", lang, n=len(self.warnings)))
            lines += [f"  ! {w.text_in(lang)}" for w in self.warnings]
        if self.errors:
            lines.append(t("ingest_report_errors", lang, n=len(self.errors)))
            lines += [f"  ✗ {e.text_in(lang)}" for e in self.errors]
        return "\n".join(lines)


def _rows_frame(records) -> pd.DataFrame:

    data = [{"indicator_id": r.entry.indicator_id, "adcode": r.adcode, "year": int(r.year), "value": float(r.value),
             "note": r.entry.note, "sheet": r.entry.sheet, "cell": coordinate(r.entry.row, r.entry.col)} for r in records]
    frame = pd.DataFrame(data, columns=[*ROW_COLUMNS, "sheet", "cell"])
    frame["year"] = frame["year"].astype("int64")
    frame["value"] = frame["value"].astype("float64")
    frame["note"] = frame["note"].astype(object)
    return frame


MARKER_COLUMNS = ["indicator_id", "adcode", "year", "marker", "note", "sheet", "cell"]


def _markers_frame(records, cat) -> pd.DataFrame:
    data = [{"indicator_id": r.entry.indicator_id, "adcode": r.adcode, "year": int(r.year),
             "marker": str(r.entry.raw).strip(), "note": r.entry.note, "sheet": r.entry.sheet,
             "cell": coordinate(r.entry.row, r.entry.col)} for r in records
            if r.parsed.missing and not r.parsed.empty and not r.total and r.adcode is not None
            and r.year is not None and cat.level(r.adcode) in cat.importable_levels(r.entry.indicator_id)]
    frame = pd.DataFrame(data, columns=MARKER_COLUMNS)
    frame["year"] = frame["year"].astype("int64")
    return frame


def load_file(data: bytes, file_name: str, con=None, *, today: dt.date | None = None) -> ImportPlan:
    """Read, normalise and validate a staff member's file and preview it against the database.

    ``data``: the file's bytes; ``file_name``: its name as uploaded (used for the format and in every
    message); ``con``: a read-only DuckDB connection or cursor (None: no preview and no database
    warnings, for parsing only). Never writes anything and never raises for a bad file: problems are
    in ``plan.errors`` / ``plan.warnings``.
    """
    sha = hashlib.sha256(data).hexdigest()
    col = Collector(file_name)
    empty = pd.DataFrame(columns=[*ROW_COLUMNS, "sheet", "cell"])
    try:
        grids = read_grids(data, file_name, col)
    except FileRejected as e:
        return ImportPlan(file_name, sha, len(data), empty, errors=[e.issue], notes=col.notes)
    cat = catalogue.load()
    entries = [e for g in grids for e in parse_grid(g, cat, col)]
    records = normalise_entries(entries, cat, col)
    good = validate_records(records, cat, col, today=today)
    if not entries and not col.errors:
        col.issue("no_table", t("ingest_no_table", col.lang))
    elif entries and not good and not col.errors:
        col.issue("no_values", t("ingest_no_values", col.lang))
    if col.more_normalisations:
        col.note(t("ingest_more_normalisations", col.lang, n=f"{col.more_normalisations:,}", limit=col.limit))
    rows = _rows_frame(good)
    preview = basis = None
    if con is not None and len(rows):
        current = current_values(con, rows["indicator_id"], rows["year"])
        totals = [r for r in records if r.total]
        if not col.errors:
            basis = (good, totals, copy.deepcopy(col))
            check_against_database(good, totals, current, cat, col)
        preview = build(rows, current, col.normalisations, cat)
    return ImportPlan(file_name, sha, len(data), rows, errors=col.errors, warnings=col.warnings,
                      normalisations=col.normalisations, notes=col.notes, preview=preview,
                      errors_found=col.found("error"), warnings_found=col.found("warning"), basis=basis,
                      markers=_markers_frame(records, cat))


def scope_problems(plan: ImportPlan, account: Account) -> list[str]:
    """One Chinese line per row of ``plan`` that ``account`` may not write, naming the row of the
    file: "第5行：包头市不在您的填报范围（兴安盟）内" (prefixed by the sheet when the file has several)."""
    sheets = plan.rows["sheet"].dropna().unique()
    labels = []
    for sheet, cell in zip(plan.rows["sheet"], plan.rows["cell"], strict=True):
        row = "".join(ch for ch in str(cell) if ch.isdigit())
        labels.append((t("scope_sheet", "zh", sheet=sheet) if len(sheets) > 1 and sheet else "") + t("scope_row", "zh", row=row))
    return transaction.scope_problems(account, plan.rows["adcode"].tolist(), labels)


def commit(plan: ImportPlan, *, user: str | Account, accept_warnings: bool = False) -> str:
    """Commit an accepted plan through ``nmgdash.storage.transaction.commit`` (one atomic step) and return the batch id.

    ``user``: the signed-in :class:`Account` (rows outside its scope refuse the whole file) or the
    operator's name (CLI without ``--user``: no checks).
    Raises :class:`ImportRejected` when the plan has errors, :class:`ConfirmationRequired` when it has
    warnings and ``accept_warnings`` is False, ``NotPermitted`` (a ValueError; ``lines``: one per row)
    when rows are outside the account's scope, ``ledger.ImportBusy`` when another import is running
    and ``ledger.WriteFailed`` when the store cannot be written.

    Under the store's lock the counts and warnings are computed again against the current build
    (:meth:`ImportPlan.refresh`): the audit log records the fresh counts, and when the warnings differ
    from the ones the user saw (another import committed meanwhile) nothing is committed and
    :class:`ConfirmationRequired` with ``changed=True`` (and the fresh warnings) is raised. After the
    commit ``plan.counts`` are the counts the audit log recorded.
    """
    if plan.errors:
        raise ImportRejected(plan.errors)
    if plan.warnings and not accept_warnings:
        raise ConfirmationRequired(plan.warnings)
    if not len(plan.rows):
        raise ImportRejected([Issue("no_values", t("ingest_no_values_short"), plan.file_name)])
    if isinstance(user, Account):
        problems = scope_problems(plan, user)
        if problems:
            raise NotPermitted("\n".join(problems), problems)

    fresh: dict[str, int] = {}

    def recheck() -> dict[str, int]:
        con = storage_build.connect(read_only=True)
        try:
            counts, warnings = plan.refresh(con)
        finally:
            con.close()
        if [w.text for w in warnings] != [w.text for w in plan.warnings]:
            raise ConfirmationRequired(warnings, changed=True)
        fresh.update(counts)
        return counts

    batch_id = transaction.commit(plan.rows[ROW_COLUMNS].copy(), file_name=plan.file_name, sha256=plan.sha256,
                                  user=user, counts=plan.counts, recheck=recheck if plan.basis is not None else None)
    if fresh and plan.preview is not None:
        plan.preview.counts = fresh  # what the audit log recorded
    return batch_id
