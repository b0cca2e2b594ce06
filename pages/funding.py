"""经费保障 (Funding): grassroots funding and league/county work funding by league and year."""

import streamlit as st

from nmgdash import router, state, topic, widgets
from nmgdash.i18n import t


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    st.title(t("funding", state.lang()))
    widgets.sources_footnote(widgets.kpi_cards(["grassroots_funding", "league_funding_growth", "county_funding_growth", "training_funding"]))
    topic.topic_view("funding", ["grassroots_funding", "league_work_funding", "county_work_funding"])


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
