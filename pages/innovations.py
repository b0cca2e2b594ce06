"""典型经验 (Local innovations): the bulletin's named innovations on the map, with description and source."""

import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.core.labels import source_text
from nmgdash.ui import router, state, views


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    lang = state.lang()
    st.title(t("innovations", lang))
    inn = views.innovations_map()
    for i, r in enumerate(inn.itertuples(), 1):
        with st.container(border=True):
            row = r._asdict()
            league, area = row[f"league_{lang}"], row[f"area_{lang}"]
            where = t("innovation_place_same" if area == league else "innovation_place", lang, league=league, area=area)
            st.markdown(f"**{i}. {row[f'title_{lang}']}** — {where}")
            st.write(row[f"description_{lang}"])
            st.caption(t("innovation_source", lang, source=t("source", lang),
                         title=row["source_title" if lang == "zh" else "source_title_en"], locator=source_text(r.locator, lang)))


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
