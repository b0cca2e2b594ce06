"""党建引领与督查 (Party leadership and supervision)."""

import streamlit as st

from nmgdash import ui
from nmgdash.i18n import t

ui.ensure_app()

lang = ui.lang()
st.title(t("leadership", lang))
figs = ui.kpi_cards(["party_reports_heard", "party_instructions", "party_events_attended"])
ui.kpi_range("party_assessment_weight_min", "party_assessment_weight_max",
             "团建占党建年度考核比重" if lang == "zh" else "League work's weight in Party assessment")
st.subheader("2018年6月共青团改革专项督察覆盖面" if lang == "zh" else "Coverage of the June 2018 special inspection")
figs2 = ui.kpi_cards(["inspection_leagues", "inspection_counties", "inspection_universities", "inspection_soes"])
st.subheader("督查与问责" if lang == "zh" else "Supervision and accountability")
figs3 = ui.kpi_cards(["criticized_orgs", "appointment_opinions", "orgs_rectified", "cadres_added"])
ui.sources_footnote(figs)
ui.topic_view("leadership", ["party_reports_heard", "party_instructions", "party_events_attended", "orgs_rectified"])
