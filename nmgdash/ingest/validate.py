"""Validation of normalised records.

Typed per-value rules live in the pydantic model :class:`Observation` (year range, negative and
non-integer counts, percentages outside 0–100, negative amounts); their error ``type`` is the
issue kind. Rules across cells (duplicates, 合计 rows, levels) and the warnings that compare with
the database (year-on-year jumps, published figures, the bulletin's region totals) follow.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from nmgdash.ingest.catalogue import Catalogue, norm_text
from nmgdash.ingest.messages import Collector, coordinate
from nmgdash.ingest.normalize import Record, format_plain

#: Year-on-year change above which a value needs confirmation (±50 %).
YOY_LIMIT = 0.5
#: Statuses that count as real figures for the comparisons (generated sample data does not).
REAL_STATUSES = ("imported", "published", "reference")
STATUS_ZH = {"imported": "已导入", "published": "公报", "reference": "参考", "sample": "示例"}


def _num(v: float) -> str:
    return format_plain(Decimal(repr(float(v))))


class Observation(BaseModel):
    """One value as it will be stored: value in the catalogue unit, year in 2000..max_year.

    Validate with ``Observation.model_validate(d, context={"max_year": 2027})``; error types are
    issue kinds: year_out_of_range, negative_count, non_integer_count, percent_out_of_range,
    negative_value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indicator_id: Annotated[str, Field(min_length=1)]
    adcode: Annotated[str, Field(pattern=r"^\d{6}$")]
    measure: Literal["count", "percent", "money", "amount"]
    unit: str
    year: int
    value: Annotated[float, Field(allow_inf_nan=False)]

    @field_validator("year")
    @classmethod
    def _year_in_range(cls, v: int, info: ValidationInfo) -> int:
        hi = (info.context or {}).get("max_year", dt.date.today().year + 1)
        if not 2000 <= v <= hi:
            raise PydanticCustomError("year_out_of_range", "年份 {year} 不在 2000–{hi} 年之间", {"year": v, "hi": hi})
        return v

    @field_validator("value")
    @classmethod
    def _value_rules(cls, v: float, info: ValidationInfo) -> float:
        measure, unit = info.data.get("measure"), info.data.get("unit", "")
        shown = _num(v)
        if measure == "count":
            if v < 0:
                raise PydanticCustomError("negative_count", "数量不能为负数（填写的是 {value}{unit}）", {"value": shown, "unit": unit})
            if v != int(v):
                raise PydanticCustomError("non_integer_count", "数量必须是整数（填写的是 {value}{unit}）", {"value": shown, "unit": unit})
        elif measure == "percent":
            if not 0 <= v <= 100:
                raise PydanticCustomError("percent_out_of_range", "百分比必须在 0–100 之间（填写的是 {value}%）", {"value": shown})
        elif v < 0:
            raise PydanticCustomError("negative_value", "数值不能为负数（填写的是 {value}{unit}）", {"value": shown, "unit": unit})
        return v


def _cell_of(rec: Record, loc: str) -> tuple[int | None, int | None]:
    e = rec.entry
    if loc == "year":
        return e.year_cell or (None, None)
    return e.row, e.col


def validate_records(records: list[Record], cat: Catalogue, col: Collector, today: dt.date | None = None) -> list[Record]:
    """Apply the typed rules and the cross-cell rules; report to ``col``. Returns the records
    that may be imported (not 合计, area, year and value all valid)."""
    max_year = (today or dt.date.today()).year + 1
    good: list[Record] = []
    county_rows: dict[tuple, list[Record]] = {}  # (sheet, row) -> league-only cells of a county row
    league_groups = {r.entry.group for r in records if r.adcode is not None and not r.total
                     and cat.level(r.adcode) == "league"}
    for rec in records:
        e = rec.entry
        if rec.total or rec.adcode is None or rec.year is None or rec.value is None:
            continue
        level = cat.level(rec.adcode)
        levels = cat.importable_levels(e.indicator_id)
        if level not in levels:
            if levels and e.group[1] != "long" and e.group in league_groups:
                county_rows.setdefault((e.sheet, e.row), []).append(rec)  # a county row in a league sheet
                continue
            cell = e.header_cell if e.group[1] != "long" else (e.row, e.col)
            name = cat.name(e.indicator_id)
            if not levels:
                text = f"指标“{name}”是全区汇总、基础数据或计算得出的指标，不能从盟市报表导入"
            else:
                text = f"指标“{name}”只能按盟市填报，不能导入旗县（市、区）（{cat.area_name(rec.adcode)}）的数"
            col.issue("indicator_not_importable", text, e.sheet, *cell)
            continue
        try:
            Observation.model_validate(
                {"indicator_id": e.indicator_id, "adcode": rec.adcode, "measure": cat.measure(e.indicator_id),
                 "unit": cat.unit(e.indicator_id), "year": rec.year, "value": float(rec.value)},
                context={"max_year": max_year})
        except ValidationError as exc:
            for err in exc.errors():
                col.issue(err["type"], err["msg"], e.sheet, *_cell_of(rec, str(err["loc"][0])))
            continue
        good.append(rec)
    for (sheet, row), recs in county_rows.items():

        first = recs[0]
        cells = "、".join(coordinate(r.entry.row, r.entry.col) for r in recs)
        names = "、".join(f"“{cat.name(r.entry.indicator_id)}”" for r in recs)
        col.issue("county_row_for_league_indicator",
                  f"第{row}行“{first.entry.area_raw}”是旗县（市、区）{cat.area_name(first.adcode)}，但{cells}的指标{names}只能按盟市填报；"
                  "请删除这一行，或把旗县的数填在“旗县数据”表中", sheet, first.entry.row, first.entry.col)
    _check_duplicates(records, cat, col)
    _check_totals(records, cat, col)
    _check_subtotals(records, cat, col)
    _check_county_sums(good, cat, col)
    return good


def _check_duplicates(records: list[Record], cat: Catalogue, col: Collector) -> None:
    seen: dict[tuple, Record] = {}
    for rec in records:
        if rec.total or rec.adcode is None or rec.year is None:
            continue
        key = (rec.entry.indicator_id, rec.adcode, rec.year)
        first = seen.setdefault(key, rec)
        if first is rec:
            continue
        e, f = rec.entry, first.entry
        where = f"第{f.area_cell[0]}行" if f.sheet == e.sheet else f"工作表“{f.sheet}”第{f.area_cell[0]}行"
        what = f"的“{cat.name(e.indicator_id)}”" if e.group[1] == "long" else "的数据"
        col.issue("duplicate_key",
                  f"{cat.area_name(rec.adcode)} {rec.year}年{what}已在{where}填过；同一地区同一年份只能填一次（请检查名称是否写错）",
                  e.sheet, *e.area_cell)


def _check_totals(records: list[Record], cat: Catalogue, col: Collector) -> None:
    """A 合计 row must equal the sum of its parts (same sheet, column and year). Never imported."""
    for tot in (r for r in records if r.total and r.subtotal is None):
        e = tot.entry
        if tot.value is None or tot.year is None:
            continue
        if not cat.additive(e.indicator_id):
            col.note(f"合计行{(e.sheet and '（工作表“' + e.sheet + '”）') or ''}“{cat.name(e.indicator_id)}”不是可加总指标，未核对、未导入")
            continue
        parts = [r for r in records if not r.total and r.entry.group == e.group and r.year == tot.year
                 and r.entry.sheet == e.sheet]
        if any(r.adcode is None or (r.value is None and not r.parsed.missing) for r in parts):
            continue  # the parts have errors of their own
        if any(r.value is None for r in parts):
            col.note(f"合计行（{e.sheet or '文件'} 第{e.row}行）“{cat.name(e.indicator_id)}”：有缺失的分项，无法核对")
            continue
        levels = {cat.level(r.adcode) for r in parts}
        lvl = "league" if "league" in levels else "county"
        total = sum((r.value for r in parts if cat.level(r.adcode) == lvl), Decimal(0))
        if total != tot.value:
            what = "各盟市" if lvl == "league" else "各旗县（市、区）"
            col.issue("total_mismatch",
                      f"合计 {format_plain(tot.value)} 与{what}之和 {format_plain(total)} 不一致（相差 {format_plain(tot.value - total)}）；合计行不导入，只用于核对",
                      e.sheet, e.row, e.col)


def _check_subtotals(records: list[Record], cat: Catalogue, col: Collector) -> None:
    """A 小计 row (东部五盟市小计, 呼和浩特市、包头市小计, or a bare 小计 for the league rows above it) must equal
    the sum of its members (same sheet, column and year). Never imported; when its members cannot be
    determined it is skipped with a warning."""
    leagues = set(cat.leagues().index)
    for tot in (r for r in records if r.subtotal is not None):
        e = tot.entry
        if tot.value is None or tot.year is None:
            continue
        label = str(e.area_raw).strip()
        same = [r for r in records if r.entry.group == e.group and r.year == tot.year and r.entry.sheet == e.sheet]
        members = tot.subtotal.members
        if members is None and norm_label(label) == "小计":  # the league rows since the last total/subtotal row
            above = [r for r in same if r.entry.row < e.row]
            start = max((r.entry.row for r in above if r.total), default=0)
            members = tuple(r.adcode for r in above if r.entry.row > start and not r.total and r.adcode in leagues)
            members = members or None
        if members is None:
            col.issue("subtotal_unchecked", f"无法确定“{label}”包含哪些盟市，未核对，也不导入；"
                      "请在名称中写明（如“东部五盟市小计”，或“呼和浩特市、包头市小计”）", e.sheet, *e.area_cell)
            continue
        if not cat.additive(e.indicator_id):
            col.note(f"小计行“{label}”的“{cat.name(e.indicator_id)}”不是可加总指标，未核对、未导入")
            continue
        parts = {r.adcode: r for r in same if not r.total and r.adcode in members}
        if any(r.value is None and not r.parsed.missing for r in parts.values()):
            continue  # the parts have errors of their own
        absent = [cat.area_name(a) for a in members if a not in parts or parts[a].value is None]
        if absent:
            col.issue("subtotal_unchecked", f"“{label}”包含的{'、'.join(absent)}在本表中没有数，无法核对；小计行不导入",
                      e.sheet, e.row, e.col)
            continue
        total = sum((r.value for r in parts.values()), Decimal(0))
        if total != tot.value:
            names = "、".join(cat.area_name(a) for a in members)
            col.issue("total_mismatch",
                      f"“{label}” {format_plain(tot.value)} 与{names}之和 {format_plain(total)} 不一致（相差 {format_plain(tot.value - total)}）；"
                      "小计行不导入，只用于核对", e.sheet, e.row, e.col)


def norm_label(text: str) -> str:
    """A label without spaces or colons, for comparing with 小计/合计."""

    return norm_text(text)


def _check_county_sums(good: list[Record], cat: Catalogue, col: Collector) -> None:
    """Warn when a league's value differs from the sum of all its counties given in the same file."""
    vals = {(r.entry.indicator_id, r.adcode, r.year): r for r in good}
    for (ind, adcode, year), rec in vals.items():
        if cat.level(adcode) != "league" or not cat.additive(ind):
            continue
        counties = cat.counties(adcode).index
        parts = [vals.get((ind, c, year)) for c in counties]
        if not len(parts) or any(p is None for p in parts):
            continue
        s = sum((p.value for p in parts), Decimal(0))
        if s != rec.value:
            e = rec.entry
            col.issue("county_sum_mismatch",
                      f"{cat.area_name(adcode)}“{cat.name(ind)}”为 {format_plain(rec.value)}，但文件中其各旗县（市、区）之和为 {format_plain(s)}，请核实",
                      e.sheet, e.row, e.col)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def check_against_database(good: list[Record], totals: list[Record], current: pd.DataFrame, cat: Catalogue,
                           col: Collector) -> None:
    """Warnings that need confirmation, comparing with the database's current figures.

    ``current``: indicator_id, adcode, year, value, status (every status) for the file's indicators
    in its years and the years before (``queries/current_values.sql``). Generated ``sample`` values
    are not a baseline: only imported/published/reference figures are compared.
    """
    real = current[current["status"].isin(REAL_STATUSES)].copy()
    real["rank"] = real["status"].map({s: i for i, s in enumerate(REAL_STATUSES)})
    real = real.sort_values("rank").drop_duplicates(["indicator_id", "adcode", "year"])
    real_map = {(r.indicator_id, r.adcode, int(r.year)): (float(r.value), r.status) for r in real.itertuples()}
    # What the dashboard shows for a cell no file value replaces (imported > published > reference >
    # sample): the consistency checks below compare the file with the data it will sit beside.
    shown = current.sort_values("status_rank").drop_duplicates(["indicator_id", "adcode", "year"]) \
        if "status_rank" in current else current.drop_duplicates(["indicator_id", "adcode", "year"])
    shown_map = {(r.indicator_id, r.adcode, int(r.year)): (float(r.value), r.status) for r in shown.itertuples()}
    pub = current[current["status"] == "published"]
    pub_map = {(r.indicator_id, r.adcode, int(r.year)): float(r.value) for r in pub.itertuples()}
    file_map = {(r.entry.indicator_id, r.adcode, r.year): r for r in good}

    for (ind, adcode, year), rec in file_map.items():
        e, value = rec.entry, float(rec.value)
        prev_rec = file_map.get((ind, adcode, year - 1))
        if prev_rec is not None:
            prev, src = float(prev_rec.value), "本文件"
        elif (ind, adcode, year - 1) in real_map:
            prev, status = real_map[(ind, adcode, year - 1)]
            src = f"库中{STATUS_ZH[status]}数据"
        else:
            prev = None
        if prev is not None:
            if prev == 0:
                jump = value != 0
                change = "由 0 增加"
            else:
                ratio = value / prev - 1
                jump = abs(ratio) > YOY_LIMIT
                change = f"{'增长' if ratio > 0 else '下降'} {abs(ratio) * 100:.0f}%"
            if jump:
                col.issue("yoy_jump",
                          f"{cat.area_name(adcode)}“{cat.name(ind)}”{year}年为 {_num(value)}，比{year - 1}年（{_num(prev)}，{src}）{change}，超过±50%，请核实后确认",
                          e.sheet, e.row, e.col)
        if (ind, adcode, year) in pub_map and not _close(pub_map[(ind, adcode, year)], value):
            col.issue("published_mismatch",
                      f"{cat.area_name(adcode)}“{cat.name(ind)}”{year}年填 {_num(value)}，公报数为 {_num(pub_map[(ind, adcode, year)])}，请核实后确认",
                      e.sheet, e.row, e.col)

    leagues = list(cat.leagues().index)
    total_by = {(t.entry.indicator_id, t.year): t for t in totals if t.value is not None and t.year is not None}
    pairs = {(ind, year) for (ind, adcode, year) in file_map if cat.level(adcode) == "league"}
    for ind, year in sorted(pairs):
        if not cat.additive(ind) or (ind, "150000", year) not in pub_map:
            continue
        values, from_db = [], []
        for lg in leagues:
            if (ind, lg, year) in file_map:
                values.append(float(file_map[(ind, lg, year)].value))
            elif (ind, lg, year) in shown_map:
                values.append(shown_map[(ind, lg, year)][0])
                from_db.append(shown_map[(ind, lg, year)][1])
        if len(values) < len(leagues):
            continue
        s, p = sum(values), pub_map[(ind, "150000", year)]
        if not _close(s, p):
            tot = total_by.get((ind, year))
            e = tot.entry if tot else next(r.entry for k, r in file_map.items()
                                            if k[0] == ind and k[2] == year and cat.level(k[1]) == "league")
            cell = (e.row, e.col) if tot else e.header_cell
            kept = (f"（其中 {len(from_db)} 个盟市为库中现有数据，"
                    f"{sum(st == 'sample' for st in from_db)} 个为示例数据）") if from_db else ""
            col.issue("bulletin_total_mismatch",
                      f"{year}年12个盟市“{cat.name(ind)}”之和为 {_num(s)}{kept}，公报全区数为 {_num(p)}{cat.unit(ind)}，请核实后确认",
                      e.sheet, *cell)

    # a league value of a county-level indicator against the counties already in the database:
    # real county figures that disagree need confirmation; generated (sample) ones only get a note
    sample_only: dict[tuple[str, int], list[str]] = {}
    for (ind, adcode, year), rec in file_map.items():
        if cat.level(adcode) != "league" or not cat.additive(ind) or "county" not in cat.importable_levels(ind):
            continue
        counties = list(cat.counties(adcode).index)
        if any((ind, c, year) in file_map for c in counties):
            continue  # the file gives the counties too: checked within the file
        parts = [shown_map.get((ind, c, year)) for c in counties]
        if not counties or any(p is None for p in parts):
            continue
        total = sum(v for v, _ in parts)
        if _close(total, float(rec.value)):
            continue
        if all(status == "sample" for _, status in parts):
            sample_only.setdefault((ind, year), []).append(cat.area_name(adcode))
            continue
        e = rec.entry
        col.issue("county_sum_mismatch",
                  f"{cat.area_name(adcode)}“{cat.name(ind)}”{year}年填 {_num(float(rec.value))}，但库中其各旗县（市、区）"
                  f"之和为 {_num(total)}（{STATUS_ZH[parts[0][1]]}数据），导入后盟市数与旗县数将不一致，请核实后确认，"
                  "或在“旗县数据”表中一并填写各旗县",
                  e.sheet, e.row, e.col)
    for (ind, year), names in sorted(sample_only.items()):
        col.note(f"{year}年“{cat.name(ind)}”：{'、'.join(names)}的旗县数仍是示例数据，与导入的盟市数不一致；"
                 "旗县地图会标明示例数据。要一致，请在“旗县数据”表中一并填写各旗县")
