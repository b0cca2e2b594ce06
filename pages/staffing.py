"""队伍建设 (Staffing): 专职/兼职/挂职 cadres at banner, township and village level, posts, volunteers, training."""

import streamlit as st

from nmgdash import router, state, topic, widgets
from nmgdash.i18n import t


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    st.title(t("staffing", state.lang()))
    widgets.sources_footnote(widgets.kpi_cards(
        ["county_cadres", "county_new_posts", "township_fulltime", "township_parttime",
         "village_orgs_reelected", "western_volunteers", "cadres_added", "training_participants"]))
    topic.topic_view("staffing", [
        "county_cadres", "county_new_posts", "counties_staffed", "township_fulltime", "township_parttime",
        "townships_staffed", "village_orgs_reelected", "western_volunteers", "social_orgs",
        "training_classes", "training_participants",
    ])


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
