"""The whole database as downloadable tables (数据管理 → 全部导出), and the import log as a table.

Pure builders: they take frames the caller has read (``queries/export_observations.sql``, the
indicator catalogue, ``queries/sources.sql``, :func:`nmgdash.storage.ledger.audit_log`) and return
frames in the given language ('zh' or 'en'). The file writers are in :mod:`nmgdash.reports.exports`,
which escape every text cell — file names and notes from imports included — against formula injection.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from nmgdash.core.i18n import t


def audit_table(log: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The audit log (``ledger.audit_log()``, oldest first) newest first, headers in ``lang``:
    when ("2026-11-30 10:02:03"), action (导入/撤销), who, file, new/changed/unchanged (int),
    SHA-256, batch id, state (生效中/已撤销). User text (who, file) stays as written."""
    log = log.iloc[::-1]
    return pd.DataFrame({
        t("admin_c_when", lang): log["at"].str.replace("T", " ").str.slice(0, 19),
        t("admin_c_action", lang): [t(f"admin_a_{a}", lang) for a in log["action"]],
        t("admin_c_who", lang): log["user"],
        t("admin_c_file", lang): log["file_name"],
        t("admin_new", lang): log["n_new"],
        t("admin_changed", lang): log["n_changed"],
        t("admin_unchanged", lang): log["n_unchanged"],
        t("admin_c_sha", lang): log["sha256"],
        t("admin_c_batch", lang): log["batch_id"],
        t("admin_c_state", lang): [t("admin_s_undone", lang) if u else t("admin_s_active", lang) for u in log["undone"]],
    })


def export_tables(obs: pd.DataFrame, catalogue: pd.DataFrame, sources: pd.DataFrame, log: pd.DataFrame,
                  lang: str, today: date | None = None) -> dict[str, pd.DataFrame]:
    """The whole database as named tables in ``lang``: a readme (sheet, rows, content; a ⚠ row with
    the sample notice while any value is sample), one long table per category of ``obs``
    (``queries/export_observations.sql``; status, source and locator on every row; ``采用`` marks
    the figure the dashboard shows), the indicator ``catalogue`` (without the statuses/years
    columns), the ``sources`` and the import ``log`` (``ledger.audit_log()``, newest first; its
    columns as stored: at, action, user, file_name …)."""
    zh = lang == "zh"
    today = today or date.today()
    yes, no = t("yes", lang), t("no", lang)
    tables: dict[str, pd.DataFrame] = {}
    cats = list(dict.fromkeys(obs["category"]))
    for cat_name in cats:
        g = obs[obs["category"] == cat_name]
        tables[cat_name] = pd.DataFrame({
            t("admin_c_indicator_id", lang): g["indicator_id"],
            t("admin_c_indicator", lang): g["indicator_zh" if zh else "indicator_en"],
            t("admin_c_unit", lang): g["unit" if zh else "unit_en"],
            t("admin_c_adcode", lang): g["adcode"],
            t("admin_c_area", lang): g["area_zh" if zh else "area_en"],
            t("admin_c_level", lang): [t(f"level_{v}", lang) for v in g["level"]],
            t("admin_c_year", lang): g["year"],
            t("admin_c_value", lang): g["value"],
            t("admin_c_status", lang): [t(f"status_{s}", lang) for s in g["status"]],
            t("admin_c_in_use", lang): [yes if u else no for u in g["in_use"]],
            t("admin_c_source_id", lang): g["source_id"],
            t("admin_c_source", lang): g["source_title"],
            t("admin_c_locator", lang): g["locator"],
            t("admin_c_qualifier", lang): g["qualifier"],
            t("admin_c_period_start", lang): g["period_start"],
            t("admin_c_period_end", lang): g["period_end"],
            t("admin_c_cumulative", lang): [yes if c else "" for c in g["cumulative"]],
        }).reset_index(drop=True)
    catalogue = catalogue.reset_index(drop=True).drop(columns=["statuses", "years"], errors="ignore")
    log = log.iloc[::-1].reset_index(drop=True)
    n_sample = int((obs["status"] == "sample").sum())
    readme_rows = [(t("admin_sheet_readme", lang), 0, t("admin_readme_self", lang, date=today.isoformat()))]
    readme_rows += [(c, len(tables[c]), t("admin_readme_category", lang)) for c in cats]
    readme_rows += [(t("admin_sheet_catalogue", lang), len(catalogue), t("admin_readme_catalogue", lang)),
                    (t("admin_sheet_sources", lang), len(sources), t("admin_readme_sources", lang)),
                    (t("admin_sheet_log", lang), len(log), t("admin_readme_log", lang))]
    columns = [t("admin_c_sheet", lang), t("admin_c_rows", lang), t("admin_c_content", lang)]
    readme = pd.DataFrame(readme_rows, columns=columns)
    if n_sample:
        readme = pd.concat([readme, pd.DataFrame([dict(zip(columns, ("⚠", n_sample, t("sample_notice", lang))))])],
                           ignore_index=True)
    return {t("admin_sheet_readme", lang): readme, **tables, t("admin_sheet_catalogue", lang): catalogue,
            t("admin_sheet_sources", lang): sources, t("admin_sheet_log", lang): log}


def export_file_stem(obs: pd.DataFrame, lang: str, today: date | None = None) -> str:
    """内蒙古共青团改革数据_全部_示例数据_20261130: the stem of the whole-database files, with the
    sample tag while any row of ``obs`` (``queries/export_observations.sql``) is sample."""
    today = today or date.today()
    tag = t("admin_export_stem_sample", lang) if bool((obs["status"] == "sample").any()) else ""
    return f"{t('admin_export_stem', lang)}{tag}_{today:%Y%m%d}"
