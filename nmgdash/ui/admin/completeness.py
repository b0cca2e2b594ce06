"""数据管理 → 填报进度: league × indicator for one year (``queries/completeness.sql``), who still has
to report, and the coloured workbook. The tables are built by :mod:`nmgdash.reports.progress`."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.ingest import catalogue as ingest_catalogue
from nmgdash.reports import progress
from nmgdash.ui import data, state
from nmgdash.ui.admin.common import status_text
from nmgdash.ui.admin.imports import first_year


def reportable_indicators() -> list[str]:
    """Indicators the leagues report (importable at league level), in catalogue order."""
    return ingest_catalogue.load().importable("league")


def completeness(year: int) -> pd.DataFrame:
    """``queries/completeness.sql`` for ``year`` over :func:`reportable_indicators`: one row per
    league × indicator (adcode, name_zh, name_en, indicator_id, status or None, value, source_title,
    counties_total, counties_imported)."""
    return data.query("completeness", indicator_ids=tuple(reportable_indicators()), year=int(year))


def completeness_tables(long: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(matrix, colours, summary) in the current language: :func:`nmgdash.reports.progress.completeness_tables`."""
    return progress.completeness_tables(long, data.catalogue(), state.lang())


def completeness_xlsx(year: int, long: pd.DataFrame) -> bytes:
    """The 填报进度 workbook in the current language: :func:`nmgdash.reports.progress.completeness_xlsx`."""
    return progress.completeness_xlsx(year, long, data.catalogue(), state.lang())


def completeness_tab() -> None:
    """填报进度: year picker, headline counts, who still has to report, the coloured matrix, Excel."""
    lg = state.lang()
    years = sorted(set(data.years()) | set(range(first_year(), date.today().year + 1)), reverse=True)
    default = state.year(max(data.years()))
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    year = c1.selectbox(t("admin_progress_year", lg), years, index=years.index(default) if default in years else 0,
                        key="admin_progress_year")
    c2.caption(t("admin_progress_intro", lg))
    long = completeness(year)
    matrix, colours, summary = completeness_tables(long)
    todo = summary.set_index(t("admin_col_league", lg))[t("admin_col_todo", lg)]
    imported = summary.set_index(t("admin_col_league", lg))[status_text("imported")]
    m = st.columns(3)
    m[0].metric(t("admin_progress_done", lg), f"{int((todo == 0).sum())} / {len(todo)}", border=True)
    m[1].metric(t("admin_progress_cells", lg), f"{int(imported.sum())} / {len(long)}", border=True)
    m[2].metric(t("admin_col_todo", lg), int(todo.sum()), border=True)
    sep = t("admin_list_sep", lg)
    none = [n for n in todo.index if imported[n] == 0]
    partial = [t("admin_partial_item", lg, name=n, n=int(todo[n])) for n in todo.index if imported[n] > 0 and todo[n] > 0]
    if not none and not partial:
        st.success(t("admin_progress_all_done", lg, year=year, n=len(todo)), icon="✅")
    if none:
        st.error(t("admin_progress_pending", lg, names=sep.join(none)))
    if partial:
        st.warning(t("admin_progress_partial", lg, names=sep.join(partial)))
    st.markdown(f"**{t('admin_progress_summary', lg)}**")
    st.dataframe(summary, hide_index=True, width="stretch", placeholder="—", key="admin_progress_summary", height=38 + 35 * len(summary))
    st.markdown(f"**{t('admin_progress_matrix', lg)}**")
    st.caption(t("admin_progress_legend", lg))
    styled = matrix.style.apply(lambda _: ("background-color: " + colours).to_numpy(), axis=None)
    st.dataframe(styled, width="stretch", placeholder="—", height=38 + 35 * len(matrix), key="admin_progress_matrix",
                 column_config={c: st.column_config.TextColumn(width="small") for c in matrix.columns})
    st.download_button(t("admin_download_progress", lg), lambda: completeness_xlsx(year, long),
                       f"{t('admin_progress_stem', lg)}_{year}_{date.today():%Y%m%d}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="admin_progress_xlsx", on_click="ignore")
