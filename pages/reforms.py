"""高校与国企改革 (University and SOE reform): region rates against their 100% targets."""

import pandas as pd
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.ui import router, state, views, widgets


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    lang = state.lang()
    st.title(t("reforms", lang))
    st.caption("公报只给出全区比例，没有分盟市数据。" if lang == "zh" else "The bulletin gives region-wide rates only.")
    f1 = views.rate_progress(["univ_reform_plan_rate", "univ_second_classroom_rate"],
                             "高校共青团改革（2019年，全区）" if lang == "zh" else "University League reform (2019, region)")
    f2 = views.rate_progress(["soe_reform_plan_rate", "soe_funding_rate", "soe_fulltime_cadre_rate"],
                             "自治区国企共青团改革（2019年，全区）" if lang == "zh" else "Regional SOE League reform (2019, region)")
    f3 = views.rate_progress(["village_orgs_committee_rate", "grassroots_award_share"],
                             "基层组织与团员发展（2019年，全区）" if lang == "zh" else "Grassroots organisations and members (2019, region)")
    figs = widgets.kpi_cards(["soe_funding_standard", "standard_school_count", "volunteer_hours_standard"], columns=3)
    widgets.sources_footnote(figs)
    st.caption("  \n".join(f"{r.name_zh if lang == 'zh' else r.name_en}：{r.locator}" for r in
                           pd.concat([f1, f2, f3]).itertuples()))


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
