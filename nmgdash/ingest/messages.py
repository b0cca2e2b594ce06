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
}

#: Kinds that need the user's confirmation before committing (``severity == "warning"``).
WARNING_KINDS: dict[str, str] = {
    "yoy_jump": "同比变化超过±50%",
    "published_mismatch": "与公报数不一致",
    "bulletin_total_mismatch": "各盟市合计与公报全区数不一致",
    "county_sum_mismatch": "旗县之和与盟市数不一致",
    "ambiguous_percent": "百分比写法不明确",
}


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
    """Accumulates issues and normalisations for one file, without duplicates."""

    file: str
    issues: list[Issue] = field(default_factory=list)
    normalisations: list[Normalisation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _seen: set = field(default_factory=set)

    def issue(self, kind: str, detail: str, sheet: str | None = None, row: int | None = None,
              col: int | None = None) -> None:
        assert kind in ERROR_KINDS or kind in WARNING_KINDS, kind
        key = ("i", kind, sheet, row, col)
        if key not in self._seen:
            self._seen.add(key)
            self.issues.append(Issue(kind, detail, self.file, sheet, row, col))

    def normalised(self, kind: str, before: object, after: object, detail: str, sheet: str | None = None,
                   row: int | None = None, col: int | None = None) -> None:
        key = ("n", kind, sheet, row, col)
        if key not in self._seen:
            self._seen.add(key)
            self.normalisations.append(
                Normalisation(kind, str(before), str(after), detail, self.file, sheet, row, col))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


class FileRejected(Exception):
    """The file cannot be read at all (not a spreadsheet, empty, too large). ``issue`` says why."""

    def __init__(self, issue: Issue):
        super().__init__(issue.text)
        self.issue = issue
