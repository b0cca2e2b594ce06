"""经费保障 (Funding): grassroots funding and league/county work funding by league and year."""

import streamlit as st

from nmgdash import ui
from nmgdash.i18n import t

ui.ensure_app()

st.title(t("funding", ui.lang()))
ui.sources_footnote(ui.kpi_cards(["grassroots_funding", "league_funding_growth", "county_funding_growth", "training_funding"]))
ui.topic_view("funding", ["grassroots_funding", "league_work_funding", "county_work_funding"])
