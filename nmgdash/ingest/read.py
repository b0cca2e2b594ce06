"""Finding the table in a sheet: grid -> raw entries.

:func:`parse_grid` finds the table in a sheet (a :class:`nmgdash.ingest.workbook.Grid`) — title and
blank rows above the header, a one- or two-row header (year cells merged over their indicators), a year
column, a labelled year cell, the long layout (盟市, 年份, 指标, 数值, 单位), 合计 and 小计 rows, blank
rows and trailing empty columns — and returns one :class:`Entry` per value cell, still unparsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from nmgdash.core.i18n import t
from nmgdash.ingest.catalogue import Catalogue, norm_text
from nmgdash.ingest.messages import Collector, coordinate, place
from nmgdash.ingest.normalize import FORMULA_NO_VALUE, AreaResolver, convert_unit, year_label
from nmgdash.ingest.workbook import Grid, blank

LEAGUE_LABELS = {"盟市", "盟市名称", "地区", "地区名称", "盟(市)", "盟市别", "行政区划", "区域", "盟市团委", "名称", "地区/单位"}
COUNTY_LABELS = {"旗县", "旗县(市、区)", "旗县市区", "旗县(市区)", "旗县名称", "区县", "县区", "旗县区"}
CODE_LABELS = {"区划代码", "行政区划代码", "代码", "adcode", "地区代码", "区划编码"}
YEAR_LABELS = {"年份", "年度", "年", "统计年度", "填报年度", "填报年份", "year", "统计年份"}
INDICATOR_LABELS = {"指标", "指标名称", "项目", "统计指标", "指标项"}
VALUE_LABELS = {"数值", "数据", "值", "填报值", "填报数", "数量", "value"}
UNIT_LABELS = {"单位", "计量单位", "unit"}
NOTE_LABELS = {"备注", "说明", "附注", "原因", "暂缺原因", "note"}
IGNORE_LABELS = {"序号", "编号", "填报人", "联系人", "联系电话", "审核人", "填报单位"}
FOOTER_PREFIXES = ("注", "备注", "说明", "填表", "填报", "制表", "审核", "联系", "负责人", "数据来源", "单位负责人")
_LABEL_YEAR_RE = re.compile(r"^(?:年份|年度|填报年度|统计年度|填报年份|统计年份)[:]?(\d{4})(?:年度|年)?$")
_TITLE_YEAR_RE = re.compile(r"(20\d\d)\s*年")


# ---------------------------------------------------------------------------------------
# grid -> entries
# ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class Entry:
    """One value cell with everything needed to parse it; coordinates are 1-based."""

    sheet: str | None
    row: int
    col: int
    indicator_id: str
    unit: str  # unit the value is written in (header, unit column, or the catalogue's)
    raw: object
    number_format: str | None
    area_raw: object
    area_cell: tuple[int, int]
    year_raw: object
    year_cell: tuple[int, int] | None
    year_how: str  # 'column' | 'header' | 'label' | 'title' | 'sheet'
    group: tuple  # cells of one indicator column: the unit for the % fraction rule
    header_cell: tuple[int, int]
    code_raw: object = None
    code_cell: tuple[int, int] | None = None
    parent_raw: object = None
    parent_cell: tuple[int, int] | None = None
    note: str | None = None


def _role(v: object) -> str | None:
    if not isinstance(v, str):
        return None
    k = norm_text(v)
    for role, labels in (("league", LEAGUE_LABELS), ("county", COUNTY_LABELS), ("code", CODE_LABELS),
                         ("year", YEAR_LABELS), ("indicator", INDICATOR_LABELS), ("value", VALUE_LABELS),
                         ("unit", UNIT_LABELS), ("note", NOTE_LABELS), ("ignore", IGNORE_LABELS)):
        if k in {norm_text(x) for x in labels}:
            return role
    return None


@dataclass
class _Column:
    col: int
    role: str  # league/county/code/year/indicator/value/unit/note/ignore/data/unknown
    header_cell: tuple[int, int]
    indicator_id: str | None = None
    unit: str | None = None
    year: int | None = None
    year_cell: tuple[int, int] | None = None
    text: str = ""


def parse_grid(grid: Grid, cat: Catalogue, col: Collector) -> list[Entry]:
    """Find the table in one sheet and return its value cells as entries (unparsed).

    Errors found here (unknown indicator headers, a unit that does not fit, no year anywhere,
    no table at all) go to ``col``. A sheet without any recognisable table returns [] with a note."""
    where = place(grid.name, col.lang)
    if grid.is_empty():
        return []
    if grid.hidden:
        col.note(t("ingest_note_hidden_sheet", col.lang, where=where))
        return []
    h = _find_header(grid, cat)
    if h is None:
        col.note(t("ingest_note_no_table", col.lang, where=where))
        return []
    band = [h]
    if h + 1 <= grid.nrows and _is_subheader(grid, h + 1, cat):
        band.append(h + 1)
    if h - 1 >= 1 and _is_year_row(grid, h - 1):
        band.insert(0, h - 1)
    columns = _columns(grid, band, cat)
    first_data = band[-1] + 1
    roles = {c.role for c in columns}
    if "indicator" in roles and "value" in roles:
        entries = _long_entries(grid, columns, band[0], first_data, cat, col)
    else:
        entries = _wide_entries(grid, columns, band[0], first_data, cat, col)
    _report_hidden_and_linked(grid, entries, col)
    return entries


def _cells_text(cells: list[tuple[int, int]], lang: str, limit: int = 10) -> str:
    shown = t("ingest_list_sep", lang).join(coordinate(r, c) for r, c in cells[:limit])
    return shown + (t("ingest_cells_more", lang, n=f"{len(cells):,}") if len(cells) > limit else "")


def _report_hidden_and_linked(grid: Grid, entries: list[Entry], col: Collector) -> None:
    """Warn (once per sheet) when imported values sit in hidden rows or columns, or come from formulas
    that link to other workbooks: the person who checked the sheet did not see them, or they may be stale."""
    filled = [e for e in entries if not blank(e.raw)]
    hidden = [(e.row, e.col) for e in filled if e.row in grid.hidden_rows
              or (e.col in grid.hidden_cols and e.col not in grid.named_cols)]
    if hidden:
        rows = sorted({r for r, _ in hidden if r in grid.hidden_rows})
        cols = sorted({c for _, c in hidden if c in grid.hidden_cols})
        lang, sep = col.lang, t("ingest_list_sep", col.lang)
        what = []
        if rows:
            shown = sep.join(str(r) for r in rows[:10]) + (
                t("ingest_rows_more", lang, n=f"{len(rows):,}") if len(rows) > 10 else "")
            what.append(t("ingest_hidden_rows", lang, rows=shown)
                        + t("ingest_hidden_by_filter" if grid.autofilter else "ingest_hidden_by_hand", lang))
        if cols:
            what.append(t("ingest_hidden_cols", lang, cols=sep.join(get_column_letter(c) for c in cols[:10])))
        col.issue("hidden_cells", t("ingest_hidden_cells", lang, what=t("ingest_clause_sep", lang).join(what),
                                    cells=_cells_text(hidden, lang)), grid.name, *hidden[0])
    linked = sorted((e.row, e.col) for e in filled if (e.row, e.col) in grid.external)
    if linked:
        col.issue("external_link", t("ingest_external_link", col.lang, cells=_cells_text(linked, col.lang)),
                  grid.name, *linked[0])


def _find_header(grid: Grid, cat: Catalogue) -> int | None:
    limit = min(grid.nrows, 40)
    for r in range(1, limit + 1):
        cells = [grid.merged_get(r, c) for c in range(1, grid.ncols + 1)]
        roles = [_role(v) for v in cells]
        others = [v for v, ro in zip(cells, roles) if not blank(v) and ro not in ("league", "county", "code")]
        if any(ro in ("league", "county", "code") for ro in roles) and others:
            return r
    for r in range(1, limit + 1):  # no area label: indicator headers above a column of area names
        if sum(1 for c in range(1, grid.ncols + 1) if cat.match_header(grid.get(r, c) or "")) >= 1:
            if _area_column(grid, r, cat) is not None:
                return r
    return None


def _area_column(grid: Grid, header: int, cat: Catalogue) -> int | None:
    """The first column below ``header`` whose cells are mostly area names or adcodes (None if none)."""

    resolver = AreaResolver(cat)
    for c in range(1, grid.ncols + 1):
        if cat.match_header(grid.get(header, c) or ""):
            return None
        vals = [grid.get(r, c) for r in range(header + 1, grid.nrows + 1)]
        vals = [v for v in vals if not blank(v)]
        hits = sum(1 for v in vals if resolver.resolve(v).adcode or resolver.resolve(v).total)
        if len(vals) >= 2 and hits * 2 >= len(vals):
            return c
    return None


def _is_subheader(grid: Grid, r: int, cat: Catalogue) -> bool:
    hits = 0
    for c in range(1, grid.ncols + 1):
        v = grid.get(r, c)
        if blank(v):
            continue
        if _role(v) in ("league", "county", "code"):
            continue
        if cat.match_header(v) or year_label(v) is not None:
            hits += 1
        else:
            return False
    return hits > 0


def _is_year_row(grid: Grid, r: int) -> bool:
    vals = [grid.merged_get(r, c) for c in range(1, grid.ncols + 1)]
    non_blank = [v for v in vals if not blank(v)]
    return bool(non_blank) and all(year_label(v) is not None for v in non_blank)


def _columns(grid: Grid, band: list[int], cat: Catalogue) -> list[_Column]:
    out = []
    for c in range(1, grid.ncols + 1):
        texts = [(r, grid.merged_get(r, c)) for r in band]
        texts = [(r, v) for r, v in texts if not blank(v)]
        if not texts:
            out.append(_Column(c, "empty", (band[-1], c)))
            continue
        column = None
        for r, v in texts:
            role = _role(v)
            if role:
                column = _Column(c, role, (r, c), text=str(v))
                break
        if column is None:
            column = _Column(c, "unknown", (texts[-1][0], c), text=str(texts[-1][1]))
            for r, v in texts:
                m = cat.match_header(v)
                if m:
                    column.role, column.indicator_id, column.unit = "data", m.indicator_id, m.unit
                    column.header_cell, column.text = (r, c), str(v)
                    continue
                y = year_label(v)
                if y is not None:
                    column.year, column.year_cell = y, grid.anchor(r, c)
        out.append(column)
    return out


def _column_has_data(grid: Grid, c: int, first: int) -> bool:
    return any(not blank(grid.get(r, c)) for r in range(first, grid.nrows + 1))


def _check_data_columns(grid: Grid, columns: list[_Column], first: int, cat: Catalogue, col: Collector) -> list[_Column]:
    """Report unknown headers and units; return the indicator columns."""
    sheet = grid.name
    data = []
    for c in columns:
        if c.role == "unknown":
            if c.year is not None and not _column_has_data(grid, c.col, first):
                continue
            if _column_has_data(grid, c.col, first):
                r, cc = c.header_cell
                col.issue("unknown_indicator", t("ingest_unknown_header", col.lang, text=c.text), sheet, r, cc)
            else:
                col.note(t("ingest_note_empty_column", col.lang, where=place(sheet, col.lang), text=c.text))
        elif c.role == "data":
            r, cc = c.header_cell
            target = cat.unit(c.indicator_id)
            if c.unit:

                if convert_unit(1, c.unit, target) is None:  # type: ignore[arg-type]
                    col.issue("unit_mismatch", t("ingest_header_unit_mismatch", col.lang, unit=c.unit,
                                                 name=cat.name(c.indicator_id), target=target), sheet, r, cc)
                    continue
            data.append(c)
        elif c.role == "ignore":
            col.note(t("ingest_note_ignored_column", col.lang, where=place(sheet, col.lang), text=c.text))
    return data


def _sheet_year(grid: Grid, band_start: int, col: Collector) -> tuple[object, tuple[int, int] | None, str] | None:
    """A year for the whole sheet: a labelled cell above the header, else the title or sheet name."""
    for r in range(1, band_start):
        for c in range(1, grid.ncols + 1):
            v = grid.get(r, c)
            if blank(v):
                continue
            if _role(v) == "year":
                for c2 in range(c + 1, grid.ncols + 1):
                    v2 = grid.get(r, c2)
                    if isinstance(v2, str) and not re.search(r"\d", v2):
                        continue  # a hint beside an empty year cell (the template's "← 从下拉列表选择…")
                    if not blank(v2):
                        return v2, (r, c2), "label"
                v2 = grid.get(r + 1, c)
                if not blank(v2) and r + 1 < band_start:
                    return v2, (r + 1, c), "label"
            if isinstance(v, str):
                m = _LABEL_YEAR_RE.match(norm_text(v))
                if m:
                    return int(m[1]), (r, c), "label"
    found: dict[int, tuple[int, int] | None] = {}
    for r in range(1, band_start):
        for c in range(1, grid.ncols + 1):
            v = grid.get(r, c)
            if isinstance(v, str):
                for y in _TITLE_YEAR_RE.findall(v):
                    found.setdefault(int(y), (r, c))
    if len(found) == 1:
        (y, cell), = found.items()
        col.normalised("year_from_title", grid.get(*cell), y, t("ingest_step_year_from_title", col.lang, year=y),
                       grid.name, *cell)
        return y, cell, "title"
    if not found and grid.name:
        ys = {int(y) for y in _TITLE_YEAR_RE.findall(grid.name)}
        if len(ys) == 1:
            y = ys.pop()
            col.normalised("year_from_sheet", grid.name, y,
                           t("ingest_step_year_from_sheet", col.lang, sheet=grid.name, year=y), grid.name)
            return y, None, "sheet"
    return None


def _by_role(columns: list[_Column]) -> dict[str, _Column]:
    """The first column of each role (league, county, code, year, indicator, value, unit, note …)."""
    by_role: dict[str, _Column] = {}
    for c in columns:
        by_role.setdefault(c.role, c)
    return by_role


def _untouched(grid: Grid, value_cols: list[int], first: int, col: Collector) -> bool:
    """True (with a note) when no value cell below the header row ``first`` is filled in."""
    if any(not blank(grid.get(r, c)) for c in value_cols for r in range(first, grid.nrows + 1)):
        return False
    col.note(t("ingest_note_untouched", col.lang, where=place(grid.name, col.lang)))
    return True


def _is_footer(v: object) -> bool:
    return isinstance(v, str) and norm_text(v).startswith(FOOTER_PREFIXES)


def _wide_entries(grid: Grid, columns: list[_Column], top: int, first: int, cat: Catalogue,
                  col: Collector) -> list[Entry]:
    sheet = grid.name
    by_role = _by_role(columns)
    county_c, league_c, code_c = by_role.get("county"), by_role.get("league"), by_role.get("code")
    year_c, note_c = by_role.get("year"), by_role.get("note")
    area_c = county_c or league_c or code_c
    data_cols = _check_data_columns(grid, columns, first, cat, col)
    if area_c is None:  # header found through indicator names only: the column of area names
        c = _area_column(grid, top, cat) or 1
        area_c = _Column(c, "league", (top, c))
        data_cols = [d for d in data_cols if d.col != c]
    data_cols = _drop_duplicate_columns(grid, data_cols, cat, col)
    if not data_cols:
        if not any(i.kind == "unknown_indicator" and i.sheet == sheet for i in col.issues):
            col.note(t("ingest_note_no_indicator_columns", col.lang, where=place(sheet, col.lang)))
        return []
    sheet_year = None
    if year_c is None and any(c.year is None for c in data_cols):
        sheet_year = _sheet_year(grid, top, col)
        if sheet_year is None and _untouched(grid, [d.col for d in data_cols], first, col):
            return []  # an untouched sheet (the template's 旗县数据 left empty) needs no year
        if sheet_year is None:
            col.issue("missing_year", t("ingest_missing_year_wide", col.lang), sheet,
                      *data_cols[0].header_cell)
            return []
    entries: list[Entry] = []
    key_cols = [c.col for c in data_cols] + [area_c.col] + ([code_c.col] if code_c else [])
    for r in range(first, grid.nrows + 1):
        if all(blank(grid.get(r, c)) for c in key_cols):
            other = next((v for v in grid.values[r - 1] if not blank(v)), None)
            if other is not None:
                col.note(t("ingest_note_footer_text", col.lang, where=place(sheet, col.lang), row=r,
                           text=str(other)[:20]))
            continue
        area_raw = grid.merged_get(r, area_c.col)
        area_cell = grid.anchor(r, area_c.col)
        values_blank = all(blank(grid.get(r, c.col)) for c in data_cols)
        span = grid.merged_range(r, area_c.col)
        if span is not None and span[0] < r and not values_blank:
            _merged_label(grid, span, area_c.col, r, area_raw, col)
            continue
        if _is_footer(area_raw) and values_blank:
            col.note(t("ingest_note_footer_label", col.lang, where=place(sheet, col.lang), row=r,
                       text=str(area_raw)[:20]))
            continue
        parent_raw = parent_cell = None
        league_row = False
        if county_c is not None and league_c is not None:
            parent_raw, parent_cell = grid.merged_get(r, league_c.col), grid.anchor(r, league_c.col)
            county_val = grid.get(r, county_c.col)
            if blank(county_val) or norm_text(county_val) in ("小计", "合计"):
                # a league row inside the county table (county cell empty or 小计)
                area_raw, area_cell = parent_raw, parent_cell
                parent_raw = parent_cell = None
                league_row = True
        code_raw = grid.get(r, code_c.col) if code_c is not None and code_c is not area_c else None
        code_cell = (r, code_c.col) if code_c is not None and code_c is not area_c else None
        if league_row and blank(code_raw):
            code_raw = code_cell = None
        note = _note(grid, r, note_c)
        for c in data_cols:
            raw = grid.get(r, c.col)
            if year_c is not None:
                year_raw, year_cell, how = grid.get(r, year_c.col), (r, year_c.col), "column"
                if blank(year_raw) and c.year is not None:
                    year_raw, year_cell, how = c.year, c.year_cell, "header"
            elif c.year is not None:
                year_raw, year_cell, how = c.year, c.year_cell, "header"
            else:
                year_raw, year_cell, how = sheet_year  # type: ignore[misc]
            entries.append(Entry(
                sheet=sheet, row=r, col=c.col, indicator_id=c.indicator_id, unit=c.unit or cat.unit(c.indicator_id),
                raw=raw, number_format=grid.formats.get((r, c.col)), area_raw=area_raw, area_cell=area_cell,
                year_raw=year_raw, year_cell=year_cell, year_how=how, group=(sheet, c.col),
                header_cell=c.header_cell, code_raw=code_raw, code_cell=code_cell, parent_raw=parent_raw,
                parent_cell=parent_cell, note=None if blank(note) else str(note),
            ))
    return entries


def _merged_label(grid: Grid, span: tuple[int, int, int, int], c: int, r: int, label: object, col: Collector) -> None:
    """One message per merged area label whose rows below the first also hold numbers (s19)."""
    r1, c1, r2, c2 = span
    rng = f"{coordinate(r1, c1)}:{coordinate(r2, c2)}"
    col.issue("merged_label_over_rows",
              t("ingest_merged_label", col.lang, label=label, range=rng, first=r1, last=r2, row=r), grid.name, r, c)


def _drop_duplicate_columns(grid: Grid, data_cols: list[_Column], cat: Catalogue, col: Collector) -> list[_Column]:
    """Two columns for the same indicator (and year): one message naming both header cells (and which is
    hidden), and only the first column is read, so the rows are not reported as duplicates one by one."""
    first: dict[tuple, _Column] = {}
    keep = []
    for c in data_cols:
        key = (c.indicator_id, c.year)
        if key not in first:
            first[key] = c
            keep.append(c)
            continue
        a = first[key]
        hidden = [get_column_letter(x.col) for x in (a, c) if x.col in grid.hidden_cols]
        grid.named_cols.update(x.col for x in (a, c))
        note = t("ingest_hidden_columns_note", col.lang, cols=t("ingest_list_sep", col.lang).join(hidden)) if hidden else ""
        col.issue("duplicate_indicator_column",
                  t("ingest_duplicate_column", col.lang, cell_a=coordinate(*a.header_cell), text_a=a.text,
                    cell_b=coordinate(*c.header_cell), text_b=c.text, name=cat.name(c.indicator_id), hidden=note),
                  grid.name, *c.header_cell)
    return keep


def _long_entries(grid: Grid, columns: list[_Column], top: int, first: int, cat: Catalogue,
                  col: Collector) -> list[Entry]:
    sheet = grid.name
    by_role = _by_role(columns)
    area_c = by_role.get("county") or by_role.get("league") or by_role.get("code")
    code_c = by_role.get("code")
    year_c, ind_c, val_c = by_role.get("year"), by_role["indicator"], by_role["value"]
    unit_c, note_c = by_role.get("unit"), by_role.get("note")
    sheet_year = None
    if year_c is None:
        sheet_year = _sheet_year(grid, top, col)
        if sheet_year is None and _untouched(grid, [val_c.col], first, col):
            return []  # a long table with no values needs no year either
        if sheet_year is None:
            col.issue("missing_year", t("ingest_missing_year_long", col.lang), sheet, *val_c.header_cell)
            return []
    entries = []
    for r in range(first, grid.nrows + 1):
        row_cells = [grid.get(r, c.col) for c in columns if c.role != "empty"]
        if all(blank(v) for v in row_cells):
            continue
        area_raw = grid.merged_get(r, area_c.col)
        if _is_footer(area_raw) and blank(grid.get(r, val_c.col)):
            col.note(t("ingest_note_footer_row", col.lang, where=place(sheet, col.lang), row=r))
            continue
        ind_raw = grid.get(r, ind_c.col)
        unit_raw = grid.get(r, unit_c.col) if unit_c else None
        m = cat.match_header(ind_raw) if not blank(ind_raw) else None
        if m is None:
            col.issue("unknown_indicator", t("ingest_unknown_indicator_row", col.lang, text="" if ind_raw is None else ind_raw),
                      sheet, r, ind_c.col)
            continue
        written_unit = norm_text(unit_raw) if not blank(unit_raw) else (m.unit or None)
        target = cat.unit(m.indicator_id)
        if written_unit:

            if convert_unit(1, written_unit, target) is None:  # type: ignore[arg-type]
                cell = (r, unit_c.col) if unit_c and not blank(unit_raw) else (r, ind_c.col)
                col.issue("unit_mismatch", t("ingest_unit_mismatch", col.lang, unit=written_unit,
                                             name=cat.name(m.indicator_id), target=target), sheet, *cell)
                continue
        if year_c is not None:
            year_raw, year_cell, how = grid.get(r, year_c.col), (r, year_c.col), "column"
        else:
            year_raw, year_cell, how = sheet_year  # type: ignore[misc]
        note = _note(grid, r, note_c)
        entries.append(Entry(
            sheet=sheet, row=r, col=val_c.col, indicator_id=m.indicator_id, unit=written_unit or target,
            raw=grid.get(r, val_c.col), number_format=grid.formats.get((r, val_c.col)), area_raw=area_raw,
            area_cell=grid.anchor(r, area_c.col), year_raw=year_raw, year_cell=year_cell, year_how=how,
            group=(sheet, "long", m.indicator_id, written_unit or target), header_cell=val_c.header_cell,
            code_raw=grid.get(r, code_c.col) if code_c is not None and code_c is not area_c else None,
            code_cell=(r, code_c.col) if code_c is not None and code_c is not area_c else None,
            note=None if blank(note) else str(note),
        ))
    return entries


def _note(grid: Grid, r: int, note_c: object) -> object:
    """The note cell of row ``r`` (None without a note column); a formula without a saved result is no note."""
    if note_c is None:
        return None
    value = grid.get(r, note_c.col)
    return None if value is FORMULA_NO_VALUE else value
