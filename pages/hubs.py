"""青年爱里 (youth hubs): hubs, hubs on the cloud platform, activities, youth covered, per hub and per 10k."""

import streamlit as st

from nmgdash import router, state, topic, widgets
from nmgdash.i18n import t


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    lang = state.lang()
    st.title(t("hubs", lang))
    widgets.sources_footnote(widgets.kpi_cards(["hubs", "hubs_cloud", "hub_activities", "hub_youth_covered"]))
    st.caption("覆盖率：选“青年爱里覆盖团员青年”并切换到“每万常住人口”。" if lang == "zh"
               else "Coverage: pick 'young people reached' and show it per 10,000 residents.")
    topic.topic_view("hubs", ["hubs", "hubs_cloud", "hub_activities", "hub_youth_covered", "hub_activities_per_hub"])


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
