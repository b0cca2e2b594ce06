"""数据管理 → 全部导出: the whole database as one Excel workbook or a zip of CSV files, built only
when clicked. The tables are built by :mod:`nmgdash.reports.everything`; the writers in
:mod:`nmgdash.reports.exports` escape every text cell (file names and notes included) against
formula injection."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.reports import everything, exports
from nmgdash.storage import ledger
from nmgdash.ui import data, state


def export_tables() -> dict[str, pd.DataFrame]:
    """The whole database as named tables in the current language
    (:func:`nmgdash.reports.everything.export_tables`)."""
    return everything.export_tables(data.query("export_observations"), data.catalogue(), data.query("sources"),
                                    ledger.audit_log(), state.lang())


def export_file_stem() -> str:
    """内蒙古共青团改革数据_全部_示例数据_20261130 (the sample tag while any value is sample)."""
    return everything.export_file_stem(data.query("export_observations"), state.lang())


def export_tab() -> None:
    """全部导出: the counts, the workbook and the CSV zip."""
    lg = state.lang()
    st.caption(t("admin_export_intro", lg))
    obs = data.query("export_observations")
    st.markdown(t("admin_export_counts", lg, n=len(obs), s=int((obs["status"] == "sample").sum()),
                  i=int((obs["status"] == "imported").sum()), c=obs["category"].nunique(),
                  k=len(data.catalogue()), src=len(data.query("sources")), log=len(ledger.read_records())))
    stem = export_file_stem()
    c1, c2 = st.columns(2)
    c1.download_button(t("admin_download_all_xlsx", lg), lambda: exports.workbook_bytes(export_tables()), f"{stem}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="admin_export_xlsx",
                       on_click="ignore", width="stretch")
    c2.download_button(t("admin_download_all_zip", lg), lambda: exports.csv_zip_bytes(export_tables()), f"{stem}_csv.zip",
                       "application/zip", key="admin_export_zip", on_click="ignore", width="stretch")
