"""Validation of normalised records.

Typed per-value rules live in the pydantic model :class:`Observation` (``nmgdash.core.rules``, shared with
the yearly reporting: year range, negative and
non-integer counts, percentages outside 0–100, negative amounts); their error ``type`` is the
issue kind. Rules across cells (duplicates, 合计 rows, levels) and the warnings that compare with
the database (year-on-year jumps, published figures, the bulletin's region totals) follow.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
from pydantic import ValidationError

from nmgdash.core.i18n import t
from nmgdash.core.rules import YOY_LIMIT, Observation
from nmgdash.ingest.catalogue import Catalogue, norm_text
from nmgdash.ingest.messages import Collector, coordinate
from nmgdash.ingest.normalize import Record, format_plain
from nmgdash.storage.reporting import CENSUS_YEAR, population_bound

#: Statuses that count as real figures for the comparisons (generated sample data does not).
REAL_STATUSES = ("approved", "imported", "published", "reference")


def _num(v: float) -> str:
    return format_plain(Decimal(repr(float(v))))


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
                text = t("ingest_not_importable_region", col.lang, name=name)
            else:
                text = t("ingest_not_importable_county", col.lang, name=name, area=cat.area_name(rec.adcode))
            col.issue("indicator_not_importable", text, e.sheet, *cell)
            continue
        pop, pop_area = population_bound(rec.adcode)
        try:
            Observation.model_validate(
                {"indicator_id": e.indicator_id, "adcode": rec.adcode, "measure": cat.measure(e.indicator_id),
                 "unit": cat.unit(e.indicator_id), "year": rec.year, "value": float(rec.value)},
                context={"max_year": max_year, "lang": col.lang, "population": pop, "area_name": pop_area,
                         "census_year": CENSUS_YEAR})
        except ValidationError as exc:
            for err in exc.errors():
                col.issue(err["type"], err["msg"], e.sheet, *_cell_of(rec, str(err["loc"][0])))
            continue
        good.append(rec)
    for (sheet, row), recs in county_rows.items():

        first = recs[0]
        sep = t("list_sep", col.lang)
        cells = sep.join(coordinate(r.entry.row, r.entry.col) for r in recs)
        names = sep.join(t("ingest_quoted", col.lang, text=cat.name(r.entry.indicator_id)) for r in recs)
        col.issue("county_row_for_league_indicator",
                  t("ingest_county_row", col.lang, row=row, label=first.entry.area_raw, area=cat.area_name(first.adcode),
                    cells=cells, names=names), sheet, first.entry.row, first.entry.col)
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
        where = t("ingest_dup_row" if f.sheet == e.sheet else "ingest_dup_sheet_row", col.lang, sheet=f.sheet,
                  row=f.area_cell[0])
        what = t("ingest_dup_what_indicator" if e.group[1] == "long" else "ingest_dup_what_data", col.lang,
                 name=cat.name(e.indicator_id))
        col.issue("duplicate_key", t("ingest_duplicate", col.lang, area=cat.area_name(rec.adcode), year=rec.year,
                                     what=what, where=where), e.sheet, *e.area_cell)


def _check_totals(records: list[Record], cat: Catalogue, col: Collector) -> None:
    """A 合计 row must equal the sum of its parts (same sheet, column and year). Never imported."""
    for tot in (r for r in records if r.total and r.subtotal is None):
        e = tot.entry
        if tot.value is None or tot.year is None:
            continue
        if not cat.additive(e.indicator_id):
            col.note(t("ingest_total_not_additive_sheet" if e.sheet else "ingest_total_not_additive", col.lang,
                       sheet=e.sheet, name=cat.name(e.indicator_id)))
            continue
        parts = [r for r in records if not r.total and r.entry.group == e.group and r.year == tot.year
                 and r.entry.sheet == e.sheet]
        if any(r.adcode is None or (r.value is None and not r.parsed.missing) for r in parts):
            continue  # the parts have errors of their own
        if any(r.value is None for r in parts):
            col.note(t("ingest_total_missing_parts", col.lang, place=e.sheet or t("ingest_the_file", col.lang), row=e.row,
                       name=cat.name(e.indicator_id)))
            continue
        levels = {cat.level(r.adcode) for r in parts}
        lvl = "league" if "league" in levels else "county"
        total = sum((r.value for r in parts if cat.level(r.adcode) == lvl), Decimal(0))
        if total != tot.value:
            what = t("ingest_parts_leagues" if lvl == "league" else "ingest_parts_counties", col.lang)
            col.issue("total_mismatch",
                      t("ingest_total_mismatch", col.lang, total=format_plain(tot.value), what=what,
                        sum=format_plain(total), diff=format_plain(tot.value - total)),
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
            col.issue("subtotal_unchecked", t("ingest_subtotal_unknown", col.lang, label=label), e.sheet, *e.area_cell)
            continue
        if not cat.additive(e.indicator_id):
            col.note(t("ingest_subtotal_not_additive", col.lang, label=label, name=cat.name(e.indicator_id)))
            continue
        parts = {r.adcode: r for r in same if not r.total and r.adcode in members}
        if any(r.value is None and not r.parsed.missing for r in parts.values()):
            continue  # the parts have errors of their own
        absent = [cat.area_name(a) for a in members if a not in parts or parts[a].value is None]
        if absent:
            col.issue("subtotal_unchecked", t("ingest_subtotal_absent", col.lang, label=label,
                                              absent=t("list_sep", col.lang).join(absent)), e.sheet, e.row, e.col)
            continue
        total = sum((r.value for r in parts.values()), Decimal(0))
        if total != tot.value:
            names = t("list_sep", col.lang).join(cat.area_name(a) for a in members)
            col.issue("total_mismatch",
                      t("ingest_subtotal_mismatch", col.lang, label=label, total=format_plain(tot.value), names=names,
                        sum=format_plain(total), diff=format_plain(tot.value - total)), e.sheet, e.row, e.col)


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
                      t("ingest_county_sum_file", col.lang, area=cat.area_name(adcode), name=cat.name(ind),
                        value=format_plain(rec.value), sum=format_plain(s)),
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
            prev, src = float(prev_rec.value), t("ingest_src_file", col.lang)
        elif (ind, adcode, year - 1) in real_map:
            prev, status = real_map[(ind, adcode, year - 1)]
            src = t("ingest_src_db", col.lang, status=t(f"ingest_status_{status}", col.lang))
        else:
            prev = None
        if prev is not None:
            if prev == 0:
                jump = value != 0
                change = t("ingest_change_from_zero", col.lang)
            else:
                ratio = value / prev - 1
                jump = abs(ratio) > YOY_LIMIT
                change = t("ingest_change_up" if ratio > 0 else "ingest_change_down", col.lang, pct=f"{abs(ratio) * 100:.0f}")
            if jump:
                col.issue("yoy_jump",
                          t("ingest_yoy_jump", col.lang, area=cat.area_name(adcode), name=cat.name(ind), year=year,
                            value=_num(value), prev_year=year - 1, prev=_num(prev), src=src, change=change),
                          e.sheet, e.row, e.col)
        if (ind, adcode, year) in pub_map and not _close(pub_map[(ind, adcode, year)], value):
            col.issue("published_mismatch",
                      t("ingest_published_mismatch", col.lang, area=cat.area_name(adcode), name=cat.name(ind), year=year,
                        value=_num(value), published=_num(pub_map[(ind, adcode, year)])),
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
            kept = t("ingest_bulletin_kept", col.lang, n_db=len(from_db),
                     n_sample=sum(st == "sample" for st in from_db)) if from_db else ""
            col.issue("bulletin_total_mismatch",
                      t("ingest_bulletin_total_mismatch", col.lang, year=year, n_all=len(leagues), name=cat.name(ind),
                        sum=_num(s), kept=kept, published=_num(p), unit=cat.unit(ind)),
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
                  t("ingest_county_sum_db", col.lang, area=cat.area_name(adcode), name=cat.name(ind), year=year,
                    value=_num(float(rec.value)), sum=_num(total), status=t(f"ingest_status_{parts[0][1]}", col.lang)),
                  e.sheet, e.row, e.col)
    for (ind, year), names in sorted(sample_only.items()):
        col.note(t("ingest_county_sample_note", col.lang, year=year, name=cat.name(ind),
                   names=t("list_sep", col.lang).join(names)))
