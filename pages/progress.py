"""填报进度 (reporting progress, URL /progress): the state of every league and county in a yearly
reporting round, its map and table with Excel export, the history of a value and the sign-off
sheets of approved areas. Layout only: see nmgdash/ui/reporting/.

The file is named after its URL path like every page (see app.py and nmgdash/ui/router.py)."""

import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.ui import reporting, router, state


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    lg = state.lang()
    st.title(t("progress", lg))
    st.caption(t("prog_intro", lg))
    with reporting.store_guard():
        rnd = reporting.round_picker()
        if rnd is None:
            return
        status = reporting.status(rnd)
        tot = reporting.totals(rnd)
        league = reporting.state_map(rnd, status)
        reporting.status_section(rnd, status, league, tot["text"])
        reporting.history_picker(rnd)
        reporting.signoff_section(rnd, status)


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
