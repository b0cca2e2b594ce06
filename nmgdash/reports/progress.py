"""填报进度 (reporting progress) as tables and a workbook: which league has reported which indicator.

Pure builders for 数据管理 → 填报进度 (:mod:`nmgdash.ui.admin.completeness`): they take the rows of
``queries/completeness.sql`` and the indicator catalogue and return frames or .xlsx bytes in the
given language ('zh' or 'en'). Nothing here reads state or draws.
"""

from __future__ import annotations

import pandas as pd

from nmgdash.core.fmt import is_missing
from nmgdash.core.i18n import t
from nmgdash.reports import exports

#: Completeness cell colours by status (None = missing); approved (已审核, the yearly reporting) and
#: imported both count as reported.
STATUS_COLOURS = {"approved": "#a5d6a7", "imported": "#c8e6c9", "published": "#bbdefb", "reference": "#e0e0e0",
                  "sample": "#fff3c4", None: "#f6c9c9"}


def status_text(status: str | None, lang: str) -> str:
    """已审核 / 已导入 / 已发布 / 参考 / 示例, or 缺失 for a missing figure (None or NaN)."""
    return t("admin_missing", lang) if status is None or is_missing(status) else t(f"status_{status}", lang)


def completeness_tables(long: pd.DataFrame, catalogue: pd.DataFrame,
                        lang: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(matrix, colours, summary) of ``long`` (rows of ``queries/completeness.sql``: adcode, name_zh,
    name_en, indicator_id, status or None, value, source_title, counties_total, counties_imported).
    ``catalogue``: the indicator catalogue indexed by indicator_id (name_zh, name_en, unit, unit_en).

    ``matrix``: one row per indicator (index: name with unit), one column per league; each cell the
    status text (已审核/已导入/已发布/示例/缺失) plus, for county-level indicators with reported (imported or
    approved) county units,
    “旗县 n/m”. ``colours``: the same shape, a hex colour per cell (:data:`STATUS_COLOURS`).
    ``summary``: per league the count of cells per status (int: 已审核, 已导入, 已发布, 示例, 缺失), the
    number still to report (sample or missing) and the share approved, imported, published or
    reference ("92%")."""
    league_col = "name_zh" if lang == "zh" else "name_en"
    leagues = list(dict.fromkeys(long[league_col]))
    ids = list(dict.fromkeys(long["indicator_id"]))
    name_col, unit_col = ("name_zh", "unit") if lang == "zh" else ("name_en", "unit_en")
    names = [t("name_with_unit", lang, name=catalogue.loc[i, name_col], unit=catalogue.loc[i, unit_col]) for i in ids]
    status = long["status"].astype(object).where(long["status"].notna(), None)

    def cell(r) -> str:
        text = status_text(r.status, lang)
        if not is_missing(r.counties_imported) and int(r.counties_imported) > 0:
            text += " · " + t("admin_counties", lang, n=int(r.counties_imported), of=int(r.counties_total))
        return text

    frame = long.assign(status=status)
    frame["text"] = [cell(r) for r in frame.itertuples()]
    frame["colour"] = [STATUS_COLOURS.get(s, STATUS_COLOURS[None]) for s in frame["status"]]
    matrix = frame.pivot(index="indicator_id", columns=league_col, values="text").reindex(index=ids, columns=leagues)
    colours = frame.pivot(index="indicator_id", columns=league_col, values="colour").reindex(index=ids, columns=leagues)
    matrix.index, colours.index = names, names
    matrix.index.name = colours.index.name = t("admin_col_indicator", lang)
    matrix.columns.name = colours.columns.name = None
    rows = []
    for name, g in frame.groupby(league_col, sort=False):
        counts = g["status"].value_counts(dropna=False)
        n = {s: int(counts.get(s, 0)) for s in ("approved", "imported", "published", "reference", "sample")}
        n_missing = int(g["status"].isna().sum())
        done = n["approved"] + n["imported"] + n["published"] + n["reference"]
        rows.append({t("admin_col_league", lang): name, status_text("approved", lang): n["approved"],
                     status_text("imported", lang): n["imported"],
                     status_text("published", lang): n["published"], status_text("sample", lang): n["sample"],
                     t("admin_missing", lang): n_missing, t("admin_col_todo", lang): n["sample"] + n_missing,
                     t("admin_col_rate", lang): f"{100 * done / len(g):.0f}%"})
    return matrix, colours, pd.DataFrame(rows)


def completeness_xlsx(year: int, long: pd.DataFrame, catalogue: pd.DataFrame, lang: str) -> bytes:
    """The 填报进度 workbook of ``year``: sheet “填报进度 <year>” (the matrix of
    :func:`completeness_tables`, cells coloured by status), “各盟市进度” (the summary) and “明细”
    (one row per league × indicator: adcode, league, indicator id, year, status, value, source,
    counties imported/total). Text cells are escaped against formula injection
    (:func:`nmgdash.reports.exports.workbook_bytes`)."""
    matrix, colours, summary = completeness_tables(long, catalogue, lang)
    details = pd.DataFrame({
        t("admin_c_adcode", lang): long["adcode"],
        t("admin_col_league", lang): long["name_zh" if lang == "zh" else "name_en"],
        t("admin_c_indicator_id", lang): long["indicator_id"], t("admin_c_year", lang): int(year),
        t("admin_c_status", lang): [status_text(s if not is_missing(s) else None, lang) for s in long["status"]],
        t("admin_c_value", lang): long["value"], t("admin_c_source", lang): long["source_title"],
        t("admin_counties_col", lang):
            [None if is_missing(a) else f"{int(a)}/{int(b)}" for a, b in zip(long["counties_imported"], long["counties_total"])],
    })
    title = f"{t('admin_sheet_progress', lang)} {year}"
    fills = colours.reset_index(drop=True)
    fills.insert(0, "_", None)  # the indicator-name column stays white
    return exports.workbook_bytes(
        {title: matrix.reset_index(), t("admin_progress_summary", lang): summary,
         t("admin_sheet_progress_long", lang): details},
        fills={title: fills})
