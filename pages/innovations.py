"""典型经验 (Local innovations): the bulletin's named innovations on the map, with description and source."""

import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.ui import router, state, views


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    lang = state.lang()
    st.title(t("innovations", lang))
    inn = views.innovations_map()
    for i, r in enumerate(inn.itertuples(), 1):
        with st.container(border=True):
            where = f"{r.league_zh}{r.area_zh if r.area_zh != r.league_zh else ''}" if lang == "zh" else f"{r.area_en}, {r.league_en}"
            st.markdown(f"**{i}. {r.title_zh if lang == 'zh' else r.title_en}** — {where}")
            st.write(r.description_zh if lang == "zh" else r.description_en)
            st.caption(f"{t('source', lang)}：{r.source_title if lang == 'zh' else r.source_title_en}；{r.locator}")


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
