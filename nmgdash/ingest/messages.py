"""Problems and normalisations found while importing a file, and their Chinese wording.

Every message names the file, the sheet (workbooks only) and the cell as an Excel
coordinate, e.g. ``「s10_negative_count.xlsx」工作表“2019年”第7行C列（C7）：……``.
The web page and the CLI print :meth:`Issue.text` / :meth:`Normalisation.text` as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from nmgdash.core.i18n import t

#: Kinds that block the whole import (``Issue.severity == "error"``); their short names are the
#: catalogue keys ``ingest_kind_<kind>`` (nmgdash/core/strings).
ERROR_KIND_IDS: tuple[str, ...] = (
    "not_a_spreadsheet", "empty_file", "file_too_large", "no_table", "missing_year", "unknown_league",
    "area_mismatch", "unknown_indicator", "indicator_not_importable", "unit_mismatch", "duplicate_key",
    "negative_count", "negative_value", "non_integer_count", "percent_out_of_range", "year_out_of_range",
    "unparseable", "formula_without_value", "total_mismatch", "no_values", "too_many_cells",
    "password_protected", "unknown_place", "merged_label_over_rows", "duplicate_indicator_column",
    "county_row_for_league_indicator", "value_not_finite", "value_too_large", "too_many_decimals",
)
#: Kinds that need the user's confirmation before committing (``severity == "warning"``).
WARNING_KIND_IDS: tuple[str, ...] = (
    "yoy_jump", "published_mismatch", "bulletin_total_mismatch", "county_sum_mismatch", "ambiguous_percent",
    "percent_fraction_suspect", "hidden_cells", "external_link", "subtotal_unchecked",
)


def kind_name(kind: str, lang: str = "zh") -> str:
    """The short name of an issue kind ("数量为负数"; en "negative count")."""
    return t(f"ingest_kind_{kind}", lang)


#: kind → its short Chinese name (blocking kinds).
ERROR_KINDS: dict[str, str] = {k: kind_name(k) for k in ERROR_KIND_IDS}
#: kind → its short Chinese name (kinds that need confirmation).
WARNING_KINDS: dict[str, str] = {k: kind_name(k) for k in WARNING_KIND_IDS}

#: At most this many messages of one kind are listed; the rest are counted in one summary message.
LIST_LIMIT = 20


#: Every issue kind with its short Chinese name.
ALL_KINDS: dict[str, str] = {**ERROR_KINDS, **WARNING_KINDS}


def coordinate(row: int, col: int) -> str:
    """Excel coordinate of a 1-based (row, col) pair, e.g. (7, 3) -> 'C7'."""
    return f"{get_column_letter(col)}{row}"


def where(file: str, sheet: str | None, row: int | None, col: int | None, lang: str = "zh") -> str:
    """Where a message points: 「f.xlsx」工作表“Sheet1”第7行C列（C7） (en 'f.xlsx', sheet 'Sheet1', row 7 column C (C7))."""
    text = t("ingest_where_file", lang, file=file)
    if sheet:
        text += t("ingest_where_sheet", lang, sheet=sheet)
    if row is not None and col is not None:
        text += t("ingest_where_cell", lang, row=row, col=get_column_letter(col), cell=coordinate(row, col))
    elif row is not None:
        text += t("ingest_where_row", lang, row=row)
    return text


def place(sheet: str | None, lang: str = "zh") -> str:
    """A sheet or a whole file named in a note: 工作表“Sheet1”, or 文件 for a CSV (en "sheet 'Sheet1'", "file")."""
    return t("ingest_place_sheet", lang, sheet=sheet) if sheet else t("ingest_the_file", lang)


class _Located:
    """Where a message points (file, sheet, row, col; row/col 1-based or None) and its full text."""

    @property
    def cell(self) -> str | None:
        """Excel coordinate ('C7') or None for whole-file/whole-sheet problems."""
        if self.row is None or self.col is None:
            return None
        return coordinate(self.row, self.col)

    @property
    def text(self) -> str:
        """The full Chinese message, e.g. 「f.xlsx」工作表“Sheet1”第7行C列（C7）：数量不能为负数……"""
        return self.text_in("zh")

    def text_in(self, lang: str = "zh") -> str:
        """The message with its location worded in ``lang`` (the detail as it was recorded)."""
        return t("ingest_located", lang, where=where(self.file, self.sheet, self.row, self.col, lang), detail=self.detail)


@dataclass(frozen=True)
class Issue(_Located):
    """A blocking error or a warning about one cell (or the whole file when ``row`` is None).

    ``kind`` is one of :data:`ERROR_KINDS` / :data:`WARNING_KINDS`; ``detail`` is the
    specific Chinese explanation; ``sheet`` is None for CSV files.
    """

    kind: str
    detail: str
    file: str
    sheet: str | None = None
    row: int | None = None
    col: int | None = None

    @property
    def severity(self) -> str:
        return "warning" if self.kind in WARNING_KINDS else "error"

    def as_dict(self) -> dict:
        return {"severity": self.severity, "kind": self.kind, "sheet": self.sheet, "cell": self.cell,
                "message": self.text}


@dataclass(frozen=True)
class Normalisation(_Located):
    """One value that was rewritten on the way in (never silent): what was written, what it became, why."""

    kind: str
    before: str
    after: str
    detail: str
    file: str
    sheet: str | None = None
    row: int | None = None
    col: int | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "sheet": self.sheet, "cell": self.cell, "before": self.before,
                "after": self.after, "message": self.text}


@dataclass
class Collector:
    """Accumulates issues and normalisations for one file, without duplicates.

    At most :data:`LIST_LIMIT` issues (and normalisations) of each kind are kept; the others are only
    counted, so a file with 500,000 bad cells keeps 20 messages and one "另有 … 处同类错误" summary."""

    file: str
    issues: list[Issue] = field(default_factory=list)
    normalisations: list[Normalisation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    limit: int = LIST_LIMIT
    #: The language of the messages this collector words itself (the summaries): Chinese by default.
    lang: str = "zh"
    _seen: set = field(default_factory=set)
    _listed: dict = field(default_factory=dict)
    _more: dict = field(default_factory=dict)

    def _keep(self, key: tuple, group: tuple) -> bool:
        """True when the message is new and its kind is still under the cap (else it is only counted)."""
        if key in self._seen:
            return False
        self._seen.add(key)
        if self._listed.get(group, 0) < self.limit:
            self._listed[group] = self._listed.get(group, 0) + 1
            return True
        self._more[group] = self._more.get(group, 0) + 1
        return False

    def issue(self, kind: str, detail: str, sheet: str | None = None, row: int | None = None,
              col: int | None = None) -> None:
        """Record a blocking error or a warning (``kind`` from ERROR_KINDS / WARNING_KINDS)."""
        assert kind in ERROR_KINDS or kind in WARNING_KINDS, kind
        if self._keep(("i", kind, sheet, row, col), ("i", kind)):
            self.issues.append(Issue(kind, detail, self.file, sheet, row, col))

    def normalised(self, kind: str, before: object, after: object, detail: str, sheet: str | None = None,
                   row: int | None = None, col: int | None = None) -> None:
        """Record one value rewritten on the way in."""
        if self._keep(("n", kind, sheet, row, col), ("n", kind)):
            self.normalisations.append(
                Normalisation(kind, str(before), str(after), detail, self.file, sheet, row, col))

    def note(self, text: str) -> None:
        """A file-level remark (each text once)."""
        if text not in self.notes:
            self.notes.append(text)

    def _summaries(self, severity: str) -> list[Issue]:
        out = []
        for (tag, kind), n in self._more.items():
            if tag != "i" or (kind in WARNING_KINDS) != (severity == "warning"):
                continue
            key = "ingest_more_warnings" if severity == "warning" else "ingest_more_errors"
            out.append(Issue(kind, t(key, self.lang, n=f"{n:,}", kind=kind_name(kind, self.lang), limit=self.limit),
                             self.file))
        return out

    @property
    def more_normalisations(self) -> int:
        """How many normalisations were counted but not listed."""
        return sum(n for (tag, _), n in self._more.items() if tag == "n")

    def found(self, severity: str) -> int:
        """How many issues of ``severity`` ('error' or 'warning') the file has, listed or only counted
        (the true total behind the capped :attr:`errors` / :attr:`warnings` lists)."""
        listed = sum(1 for i in self.issues if i.severity == severity)
        return listed + sum(n for (tag, kind), n in self._more.items()
                            if tag == "i" and (kind in WARNING_KINDS) == (severity == "warning"))

    @property
    def errors(self) -> list[Issue]:
        """Listed errors, then one summary per kind that had more than the cap."""
        return [i for i in self.issues if i.severity == "error"] + self._summaries("error")

    @property
    def warnings(self) -> list[Issue]:
        """Listed warnings, then one summary per kind that had more than the cap."""
        return [i for i in self.issues if i.severity == "warning"] + self._summaries("warning")

    def has(self, kind: str, sheet: str | None = None) -> bool:
        """True when an issue of ``kind`` (in ``sheet``, when given) was reported, listed or not."""
        return any(i.kind == kind and (sheet is None or i.sheet == sheet) for i in self.issues)


class FileRejected(Exception):
    """The file cannot be read at all (not a spreadsheet, empty, too large). ``issue`` says why."""

    def __init__(self, issue: Issue):
        super().__init__(issue.text)
        self.issue = issue
