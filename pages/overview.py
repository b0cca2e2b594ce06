"""总览 (Overview): the bulletin's headline figures and a reference map of the leagues."""

import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.ui import data, router, state, views, widgets


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    lang = state.lang()
    st.title(t("app_title", lang))
    figs = widgets.kpi_cards(
        ["hubs", "hubs_cloud", "hub_activities", "hub_youth_covered",
         "grassroots_funding", "township_fulltime", "township_parttime", "county_cadres",
         "village_orgs_reelected", "western_volunteers", "univ_reform_plan_rate", "training_classes"],
        heading="kpi_heading",
    )
    widgets.sources_footnote(figs)
    st.divider()
    st.subheader(t("map_heading", lang, n=len(data.leagues())))
    views.reference_map("overview", ["population", "mongol_population", "mongol_share", "county_units", "land_area"])
    year = 2019  # the bulletin's year: the category totals are the bulletin's
    with st.expander(t("overview_categories", lang, year=year)):
        views.category_summary(year)


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
