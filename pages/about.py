"""数据说明 (About the data): sources, the indicator catalogue, and what each status means."""

import pandas as pd
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.core.labels import quoted, source_text
from nmgdash.ui import data, router, state, widgets


def _status_list(codes: str, lang: str) -> str:
    """"published, sample" → "已发布、示例" (statuses in the current language)."""
    parts = [c.strip() for c in str(codes or "").split(",") if c.strip()]
    return t("list_sep", lang).join(t(f"status_{c}", lang) for c in parts)


def sources_table(lang: str) -> pd.DataFrame:
    """The sources with headers in ``lang`` (no raw field names); the title in ``lang``, the
    locator as its original Chinese text."""
    src = data.query("sources")
    return pd.DataFrame({
        t("col_source_id", lang): src["source_id"],
        t("col_title", lang): src["title" if lang == "zh" else "title_en"],
        t("col_publisher", lang): [source_text(x, lang) for x in src["publisher"]],
        t("col_issued_on", lang): src["issued_on"],
        t("col_source_locator", lang): [source_text(x, lang) for x in src["locator"]],
        t("col_licence", lang): [source_text(x, lang) for x in src["licence"]],
    })


def catalogue_table(lang: str) -> pd.DataFrame:
    """The indicator catalogue with headers and coded values (additive, level, statuses) in
    ``lang``; the 口径 definition is the Chinese original."""
    cat = data.catalogue().reset_index(drop=True)
    return pd.DataFrame({
        t("col_indicator_id", lang): cat["indicator_id"],
        t("col_name", lang): cat["name_zh" if lang == "zh" else "name_en"],
        t("col_name_other", lang): cat["name_en" if lang == "zh" else "name_zh"],
        t("col_unit", lang): cat["unit" if lang == "zh" else "unit_en"],
        t("category", lang): cat["category" if lang == "zh" else "category_en"],
        t("col_definition", lang): cat["definition" if lang == "zh" else "definition_en"],
        t("col_additive", lang): [t("yes" if a else "no", lang) for a in cat["additive"]],
        t("col_lowest_level", lang): [t(f"level_{v}", lang) for v in cat["lowest_level"]],
        t("col_statuses", lang): [_status_list(v, lang) for v in cat["statuses"]],
        t("col_years", lang): cat["years"],
    })


def wording_and_periods(lang: str) -> None:
    """How published figures keep the bulletin's qualifiers, measure words and periods, with the
    table of all published figures as worded (and its CSV/Excel download)."""
    st.subheader(t("about_wording_heading", lang))
    st.markdown(t("about_wording", lang))
    cat = data.catalogue()
    figs = data.query("region_figures", indicator_ids=tuple(cat.index), published_only=True)
    figs = figs[figs["status"] == "published"]
    table = pd.DataFrame({
        t("indicator", lang): figs[state.name_col()],
        **widgets.figure_columns(figs, lang),
        t("qualifier", lang): [quoted(q, lang) for q in figs["qualifier"]],
        t("value", lang): figs["value"],
        t("unit", lang): figs["display_unit"] if lang == "zh" else figs["unit_en"],
        t("year", lang): figs["year"],
        t("locator", lang): [source_text(x, lang) for x in figs["locator"]],
    })
    widgets.data_table(table)
    widgets.export_buttons(table, t("about_wording_file", lang),
                           sample=False, key="exp_wording")


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    lang = state.lang()
    st.title(t("about", lang))
    st.subheader(t("statuses_heading", lang))
    codes = ["published", "reference", "sample", "imported"]
    statuses = {t("status", lang): [t(f"status_{s}", lang) for s in codes]}
    if lang == "zh":  # in English the label is the code itself: one column, not "Status" and "status"
        statuses[t("status_code", lang)] = codes
    statuses[t("meaning", lang)] = [t(f"status_{s}_desc", lang) for s in codes]
    widgets.data_table(pd.DataFrame(statuses))
    st.subheader(t("footnote_sources", lang))
    widgets.data_table(sources_table(lang))
    st.subheader(t("catalogue_heading", lang))
    cat = catalogue_table(lang)
    widgets.data_table(cat)
    widgets.export_buttons(cat, t("about_catalogue_file", lang), sample=False, key="exp_catalogue")
    wording_and_periods(lang)
    st.subheader(t("boundaries_heading", lang))
    st.markdown(t("about_boundaries", lang))


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
