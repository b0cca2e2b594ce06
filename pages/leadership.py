"""党建引领与督查 (Party leadership and supervision)."""

import pandas as pd
import streamlit as st

from nmgdash.core import topics
from nmgdash.core.i18n import t
from nmgdash.ui import router, state, topic, widgets


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    lang = state.lang()
    st.title(t("leadership", lang))
    figs = widgets.kpi_cards(["party_reports_heard", "party_instructions", "party_events_attended"])
    widgets.kpi_range("party_assessment_weight_min", "party_assessment_weight_max",
                 t("leadership_weight", lang))
    st.subheader(t("leadership_inspection", lang))
    figs2 = widgets.kpi_cards(["inspection_leagues", "inspection_counties", "inspection_universities", "inspection_soes"])
    st.subheader(t("leadership_supervision", lang))
    figs3 = widgets.kpi_cards(["criticized_orgs", "appointment_opinions", "orgs_rectified", "cadres_added"])
    widgets.sources_footnote(pd.concat([figs, figs2, figs3]))
    topic.topic_view("leadership", list(topics.registry().page("leadership").map))


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
