"""One code path for the web page and the CLI: bytes -> :class:`ImportPlan` -> commit.

>>> plan = load_file(data, "报表.xlsx", con)      # parse, normalise, validate, preview (read-only)
>>> plan.errors, plan.warnings, plan.preview.diff
>>> batch_id = commit(plan, user="张三", accept_warnings=True)   # nmgdash.storage.transaction.commit
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import pandas as pd

from nmgdash.ingest import catalogue
from nmgdash.ingest.messages import Collector, FileRejected, Issue, Normalisation, coordinate
from nmgdash.ingest.normalize import normalise_entries
from nmgdash.ingest.preview import ROW_COLUMNS, Preview, build, current_values
from nmgdash.ingest.read import parse_grid, read_grids
from nmgdash.ingest.validate import check_against_database, validate_records
from nmgdash.storage import transaction
from nmgdash.storage.accounts import Account, NotPermitted


class ImportRejected(Exception):
    """The plan has blocking errors; nothing may be committed. ``errors``: list of Issue."""

    def __init__(self, errors: list[Issue]):
        super().__init__("\n".join(i.text for i in errors))
        self.errors = errors


class ConfirmationRequired(Exception):
    """The plan has warnings and the caller did not accept them. ``warnings``: list of Issue."""

    def __init__(self, warnings: list[Issue]):
        super().__init__("\n".join(i.text for i in warnings))
        self.warnings = warnings


@dataclass
class ImportPlan:
    """Everything known about one file before committing it.

    * ``rows``: indicator_id (str), adcode (str), year (int64), value (float64, catalogue unit: money in
      万元, rates as percent numbers), note (str or None), sheet (str or None), cell ('C7').
    * ``errors`` / ``warnings``: :class:`Issue` lists (Chinese text with file, sheet and cell).
    * ``normalisations``: every value rewritten on the way in; ``notes``: file-level remarks
      (encoding, sheets skipped, empty cells).
    * ``preview``: :class:`Preview` (diff, counts, by_league, by_indicator) or None when the file
      could not be read or no connection was given.
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

    @property
    def accepted(self) -> bool:
        """True when nothing blocks the import (warnings may still need confirmation)."""
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        if self.preview is None:
            return {"new": 0, "changed": 0, "unchanged": 0}
        return dict(self.preview.counts)

    def report(self) -> str:
        """The plan as plain text (the CLI prints this; the web page shows the same parts as tables)."""
        lines = [f"文件：{self.file_name}（{self.size} 字节，SHA-256 {self.sha256[:16]}…）"]
        lines += [f"说明：{n}" for n in self.notes]
        if self.preview is not None and len(self.rows):
            c = self.preview.counts
            lines.append(f"将导入 {len(self.rows)} 个数值：新增 {c['new']}，修改 {c['changed']}，不变 {c['unchanged']}")
            lines.append("按盟市：")
            lines.append(self.preview.by_league.to_string(index=False))
            lines.append("按指标：")
            lines.append(self.preview.by_indicator.to_string(index=False))
            changed = self.preview.diff[self.preview.diff["change"] != "unchanged"]
            if len(changed):
                lines.append("新增/修改的数值：")
                show = changed[["area_name", "indicator_name", "year", "old_value", "old_status", "new_value", "unit", "change"]]
                lines.append(show.to_string(index=False, max_rows=200))
        if self.normalisations:
            lines.append(f"规范化处理（{len(self.normalisations)} 处）：")
            lines += [f"  · {n.text}" for n in self.normalisations]
        if self.warnings:
            lines.append(f"警告（{len(self.warnings)} 条，需确认后才能导入）：")
            lines += [f"  ! {w.text}" for w in self.warnings]
        if self.errors:
            lines.append(f"错误（{len(self.errors)} 条，文件被拒绝，数据库未作任何修改）：")
            lines += [f"  ✗ {e.text}" for e in self.errors]
        return "\n".join(lines)


def _rows_frame(records) -> pd.DataFrame:

    data = [{"indicator_id": r.entry.indicator_id, "adcode": r.adcode, "year": int(r.year), "value": float(r.value),
             "note": r.entry.note, "sheet": r.entry.sheet, "cell": coordinate(r.entry.row, r.entry.col)} for r in records]
    frame = pd.DataFrame(data, columns=[*ROW_COLUMNS, "sheet", "cell"])
    frame["year"] = frame["year"].astype("int64")
    frame["value"] = frame["value"].astype("float64")
    frame["note"] = frame["note"].astype(object)
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
        col.issue("no_table", "找不到可导入的数据表：需要“盟市”列（或“旗县”列）和至少一个指标列，表头写法见模板")
    elif entries and not good and not col.errors:
        col.issue("no_values", "文件中没有可导入的数值（所有单元格都是空的或标为缺失）")
    if col.more_normalisations:
        col.note(f"另有 {col.more_normalisations:,} 处同类规范化处理（每类只列出前 {col.limit} 处）")
    rows = _rows_frame(good)
    preview = None
    if con is not None and len(rows):
        current = current_values(con, rows["indicator_id"], rows["year"])
        totals = [r for r in records if r.total]
        if not col.errors:
            check_against_database(good, totals, current, cat, col)
        preview = build(rows, current, col.normalisations, cat)
    return ImportPlan(file_name, sha, len(data), rows, errors=col.errors, warnings=col.warnings,
                      normalisations=col.normalisations, notes=col.notes, preview=preview)


def scope_problems(plan: ImportPlan, account: Account) -> list[str]:
    """One Chinese line per row of ``plan`` that ``account`` may not write, naming the row of the
    file: "第5行：包头市不在您的填报范围（兴安盟）内" (prefixed by the sheet when the file has several)."""
    sheets = plan.rows["sheet"].dropna().unique()
    labels = []
    for sheet, cell in zip(plan.rows["sheet"], plan.rows["cell"], strict=True):
        row = "".join(ch for ch in str(cell) if ch.isdigit())
        labels.append((f"工作表“{sheet}”" if len(sheets) > 1 and sheet else "") + f"第{row}行")
    return transaction.scope_problems(account, plan.rows["adcode"].tolist(), labels)


def commit(plan: ImportPlan, *, user: str | Account, accept_warnings: bool = False) -> str:
    """Commit an accepted plan through ``nmgdash.storage.transaction.commit`` (one atomic step) and return the batch id.

    ``user``: the signed-in :class:`Account` (rows outside its scope refuse the whole file) or the
    operator's name (CLI without ``--user``: no checks).
    Raises :class:`ImportRejected` when the plan has errors, :class:`ConfirmationRequired` when it has
    warnings and ``accept_warnings`` is False, ``NotPermitted`` (a ValueError; ``lines``: one per row)
    when rows are outside the account's scope, and ``ledger.ImportBusy`` when another import is running.
    """
    if plan.errors:
        raise ImportRejected(plan.errors)
    if plan.warnings and not accept_warnings:
        raise ConfirmationRequired(plan.warnings)
    if not len(plan.rows):
        raise ImportRejected([Issue("no_values", "文件中没有可导入的数值", plan.file_name)])
    if isinstance(user, Account):
        problems = scope_problems(plan, user)
        if problems:
            raise NotPermitted("\n".join(problems), problems)

    return transaction.commit(plan.rows[ROW_COLUMNS].copy(), file_name=plan.file_name, sha256=plan.sha256, user=user,
                        counts=plan.counts)
