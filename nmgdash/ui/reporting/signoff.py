"""报表签发页 on the 填报进度 page: pick an approved area of the round, see its figures, 说明,
填报人 and 审核人 with their times, and download the print-ready workbook
(:mod:`nmgdash.reports.signoff`) and its PDF. Only approved areas are offered: their figures are published."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.reports import signoff
from nmgdash.storage import reporting
from nmgdash.ui import state, widgets
from nmgdash.ui.reporting.progress import area_names
from nmgdash.ui.text import plain


def signoff_table(sheet: signoff.SignOff, lang: str) -> pd.DataFrame:
    """The figures of ``sheet`` as shown on the page, all text: 指标, 单位, 数值 (or 暂缺：reason),
    上年数值 ("" when none), 说明 ("" when none)."""
    f = sheet.figures
    values = [signoff.number_text(v) or (t("sign_unavailable", lang, reason=u) if isinstance(u, str) else "")
              for v, u in zip(f["value"], f["unavailable"])]
    return pd.DataFrame({t("sign_col_indicator", lang): f["indicator"], t("sign_col_unit", lang): f["unit"],
                         t("sign_col_value", lang): values,
                         t("sign_col_last_year", lang): [signoff.number_text(v) for v in f["last_year"]],
                         t("sign_col_explanation", lang): [e if isinstance(e, str) else "" for e in f["explanation"]]})


@st.cache_data(show_spinner=False, max_entries=64)
def read_sheet(year: int, area: str, lang: str, approved_at: str) -> signoff.SignOff:
    """The sign-off sheet of an approved area (:func:`nmgdash.reports.signoff.signoff`), cached per
    approval: an approved area is locked, and reopening and approving again changes ``approved_at``."""
    return signoff.signoff(year, area, lang)


@st.cache_data(show_spinner=False, max_entries=64)
def sheet_xlsx(sheet: signoff.SignOff, lang: str) -> bytes:
    """The print-ready workbook of ``sheet`` (cached: the page does not rebuild it on every rerun)."""
    return signoff.signoff_xlsx(sheet, lang)


def signoff_section(rnd: reporting.Round, status: pd.DataFrame) -> signoff.SignOff | None:
    """The 报表签发页 section: a picker of the round's approved areas (key "prog_signoff_area"), the
    sheet's header lines, its figures and the Excel download. Returns the sheet shown or None."""
    lg = state.lang()
    st.subheader(t("prog_signoff", lg))
    st.caption(t("prog_signoff_intro", lg))
    approved = list(status.loc[status["state"] == "approved", "adcode"])
    if not approved:
        st.info(t("prog_signoff_none", lg, year=rnd.year))
        return None
    names = area_names()
    area = st.selectbox(t("prog_signoff_pick", lg), approved, format_func=lambda a: names.get(a, a), key="prog_signoff_area")
    approved_at = str(status.loc[status["adcode"] == area, "approved_at"].iloc[0])
    sheet = read_sheet(rnd.year, area, lg, approved_at)
    with st.container(key="prog_signoff_sheet", border=True):
        st.markdown(f"**{plain(t('sign_title', lg, year=sheet.year, area=sheet.area))}**")
        st.caption(plain(t("sign_round", lg, year=sheet.year, deadline=sheet.deadline)))
        widgets.data_table(signoff_table(sheet, lg))
        st.markdown(plain(t("sign_reporter", lg, name=sheet.reporter, at=sheet.submitted_at)))
        st.markdown(plain(t("sign_reviewer", lg, name=sheet.reviewer, at=sheet.approved_at)))
    st.download_button(t("prog_signoff_download", lg), sheet_xlsx(sheet, lg),
                       file_name=signoff.file_name(sheet, lg), key="prog_signoff_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if signoff.pdf_available():  # the PDF needs the system's Noto Sans CJK (fonts-noto-cjk); a few seconds
        widgets.make_then_download(t("prog_signoff_pdf_make", lg), t("prog_signoff_pdf", lg),
                                   lambda: signoff.signoff_pdf(sheet, lg), signoff.file_name(sheet, lg, "pdf"),
                                   "application/pdf", f"signoff_pdf_{sheet.year}_{sheet.adcode}",
                                   spinner=t("prog_signoff_pdf_spinner", lg), signature=(sheet.approved_at, sheet.adcode))
    return sheet
