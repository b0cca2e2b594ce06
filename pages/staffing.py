"""队伍建设 (Staffing): 专职/兼职/挂职 cadres at banner, township and village level, posts, volunteers, training."""

import streamlit as st

from nmgdash import ui
from nmgdash.i18n import t

ui.ensure_app()

st.title(t("staffing", ui.lang()))
ui.sources_footnote(ui.kpi_cards(
    ["county_cadres", "county_new_posts", "township_fulltime", "township_parttime",
     "village_orgs_reelected", "western_volunteers", "cadres_added", "training_participants"]))
ui.topic_view("staffing", [
    "county_cadres", "county_new_posts", "counties_staffed", "township_fulltime", "township_parttime",
    "townships_staffed", "village_orgs_reelected", "western_volunteers", "social_orgs",
    "training_classes", "training_participants",
])
