"""高校与国企改革 (University and SOE reform): region rates against their 100% targets."""

import pandas as pd
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.core.labels import source_text
from nmgdash.ui import router, state, views, widgets


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    lang = state.lang()
    st.title(t("reforms", lang))
    st.caption(t("reforms_caption", lang))
    year = 2019  # the bulletin's year: the rates are the bulletin's
    f1 = views.rate_progress(["univ_reform_plan_rate", "univ_second_classroom_rate"],
                             t("reforms_university", lang, year=year))
    f2 = views.rate_progress(["soe_reform_plan_rate", "soe_funding_rate", "soe_fulltime_cadre_rate"],
                             t("reforms_soe", lang, year=year))
    f3 = views.rate_progress(["village_orgs_committee_rate", "grassroots_award_share"],
                             t("reforms_grassroots", lang, year=year))
    figs = widgets.kpi_cards(["soe_funding_standard", "standard_school_count", "volunteer_hours_standard"], columns=3)
    widgets.sources_footnote(figs)
    st.caption("  \n".join(t("reforms_locator", lang, name=r[f"name_{lang}"], locator=source_text(r["locator"], lang))
                           for r in pd.concat([f1, f2, f3]).to_dict("records")))


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
