"""Problems and normalisations found while importing a file, and their Chinese wording.

Every message names the file, the sheet (workbooks only) and the cell as an Excel
coordinate, e.g. ``「s10_negative_count.xlsx」工作表“2019年”第7行C列（C7）：……``.
The web page and the CLI print :meth:`Issue.text` / :meth:`Normalisation.text` as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

#: Kinds that block the whole import (``Issue.severity == "error"``).
ERROR_KINDS: dict[str, str] = {
    "not_a_spreadsheet": "不是可识别的电子表格",
    "empty_file": "空文件",
    "file_too_large": "文件过大",
    "no_table": "找不到数据表",
    "missing_year": "缺少年份",
    "unknown_league": "无法识别的盟市/旗县",
    "area_mismatch": "名称与区划代码不一致",
    "unknown_indicator": "无法识别的指标",
    "indicator_not_importable": "该指标不能按此层级导入",
    "unit_mismatch": "单位不符",
    "duplicate_key": "重复填报",
    "negative_count": "数量为负数",
    "negative_value": "数值为负数",
    "non_integer_count": "数量不是整数",
    "percent_out_of_range": "百分比超出0–100",
    "year_out_of_range": "年份超出范围",
    "unparseable": "无法识别的数值",
    "formula_without_value": "公式没有计算结果",
    "total_mismatch": "合计与各项之和不一致",
    "no_values": "没有可导入的数值",
    "too_many_cells": "工作表过大",
    "password_protected": "文件设有密码保护",
    "unknown_place": "不是地区名称",
    "merged_label_over_rows": "合并的地区名称跨多行",
    "duplicate_indicator_column": "同一指标有多列",
    "county_row_for_league_indicator": "旗县行填了只能按盟市填报的指标",
}

#: Kinds that need the user's confirmation before committing (``severity == "warning"``).
WARNING_KINDS: dict[str, str] = {
    "yoy_jump": "同比变化超过±50%",
    "published_mismatch": "与公报数不一致",
    "bulletin_total_mismatch": "各盟市合计与公报全区数不一致",
    "county_sum_mismatch": "旗县之和与盟市数不一致",
    "ambiguous_percent": "百分比写法不明确",
    "percent_fraction_suspect": "百分比疑似写成了小数",
    "hidden_cells": "隐藏的行或列中有数据",
    "external_link": "数值来自其他工作簿的链接",
    "subtotal_unchecked": "小计行无法核对",
}

#: At most this many messages of one kind are listed; the rest are counted in one summary message.
LIST_LIMIT = 20


#: Every issue kind with its short Chinese name.
ALL_KINDS: dict[str, str] = {**ERROR_KINDS, **WARNING_KINDS}


def coordinate(row: int, col: int) -> str:
    """Excel coordinate of a 1-based (row, col) pair, e.g. (7, 3) -> 'C7'."""
    return f"{get_column_letter(col)}{row}"


def _where(file: str, sheet: str | None, row: int | None, col: int | None) -> str:
    where = f"「{file}」"
    if sheet:
        where += f"工作表“{sheet}”"
    if row is not None and col is not None:
        where += f"第{row}行{get_column_letter(col)}列（{coordinate(row, col)}）"
    elif row is not None:
        where += f"第{row}行"
    return where


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
        return f"{_where(self.file, self.sheet, self.row, self.col)}：{self.detail}"


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
            what = "警告" if severity == "warning" else "错误"
            out.append(Issue(kind, f"另有 {n:,} 处同类{what}（{ALL_KINDS[kind]}），只列出了前 {self.limit} 处；"
                                   "请按上面列出的几处检查整个文件", self.file))
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
