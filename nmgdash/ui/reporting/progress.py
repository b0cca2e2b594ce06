"""填报进度 (URL /progress): the state of every area in a yearly reporting round.

The round picker, the totals line ("2020年：已审核 8/12 个盟市，逾期 2"), a map of the 12 leagues
coloured by state (未开始 / 填报中 / 已上报 / 已退回 / 已审核) and, for a chosen league, its
counties' states, the table of every area with who did each step and when (Beijing time) and
whether it was on time, and its Excel download (:mod:`nmgdash.reports.round_status`). Everything is
read from the store (:mod:`nmgdash.storage.reporting`) at each rerun; nothing here writes. The
page shows states, names and times only, never a value that is not approved.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from nmgdash.core.fmt import is_missing
from nmgdash.core.i18n import t
from nmgdash.core.labels import html_text
from nmgdash.figures import charts
from nmgdash.reports import round_status
from nmgdash.storage import reporting
from nmgdash.storage.store.engine import StoreUnavailable
from nmgdash.ui import auth, data, state, widgets
from nmgdash.ui.mapview import plotly_map


@contextmanager
def store_guard() -> Iterator[None]:
    """Around the page's sections: a store fault becomes one clear message (no traceback, no path)."""
    try:
        yield
    except StoreUnavailable as exc:
        st.error(auth.store_message(exc), icon="🛑")


def status(rnd: reporting.Round) -> pd.DataFrame:
    """Every area of ``rnd`` (:func:`nmgdash.storage.reporting.status_report`, current language)."""
    return reporting.status_report(rnd.year, state.lang())


def round_picker() -> reporting.Round | None:
    """The round chosen (newest first), or None with a notice when there is no round. Key
    "prog_round"."""
    lg = state.lang()
    rounds = sorted(reporting.list_rounds(), key=lambda r: -r.year)
    if not rounds:
        st.info(t("prog_no_round", lg))
        return None
    by_year = {r.year: r for r in rounds}

    def label(y: int) -> str:
        r = by_year[y]
        return (t("prog_round_option", lg, year=y, deadline=r.deadline.isoformat())
                + (t("prog_round_closed", lg) if r.state == "closed" else ""))

    year = st.selectbox(t("prog_round_pick", lg), list(by_year), format_func=label, key="prog_round")
    return by_year[int(year)]


def totals(rnd: reporting.Round) -> dict:
    """Draw the totals line of ``rnd`` (:func:`nmgdash.storage.reporting.progress`) and the deadline;
    returns the totals dict."""
    lg = state.lang()
    tot = reporting.progress(rnd.year, lg)
    with st.container(key="prog_totals"):
        st.subheader(tot["text"])
        st.caption(t("prog_deadline", lg, deadline=rnd.deadline.isoformat()))
    return tot


def state_frame(status: pd.DataFrame, adcodes: list[str], names: dict[str, str]) -> pd.DataFrame:
    """The map frame of ``adcodes`` (rows of a ``status_report`` frame): adcode, name (the official
    name from ``names``), metric (NaN: a categorical map), label (the state text), hover (state,
    timeliness, who submitted and who approved, with Beijing times; names HTML-escaped)."""
    lg = state.lang()
    rows = status.set_index("adcode")
    out = []
    for code in adcodes:
        r = rows.loc[code]
        hover = [f"<b>{html_text(names[code])}</b>",
                 f"{t('status', lg)}{t('colon', lg)}{r['state_text']} · {r['timeliness_text']}"]
        if not is_missing(r["submitted_by"]) and r["submitted_by"]:
            hover.append(t("prog_hover_submitted", lg, who=html_text(r["submitted_by"]),
                           at=round_status.beijing(r["submitted_at"])))
        if not is_missing(r["approved_by"]) and r["approved_by"]:
            hover.append(t("prog_hover_approved", lg, who=html_text(r["approved_by"]),
                           at=round_status.beijing(r["approved_at"])))
        out.append({"adcode": code, "name": names[code], "metric": float("nan"), "label": r["state_text"],
                    "hover": "<br>".join(hover)})
    return pd.DataFrame(out, columns=["adcode", "name", "metric", "label", "hover"])


def legend(lang: str) -> list[tuple[str, str]]:
    """(state text, colour) of every state, in the cycle's order."""
    return [(t(f"report_state_{s}", lang), round_status.STATE_COLOURS[s]) for s in reporting.STATES]


def state_map(rnd: reporting.Round, status: pd.DataFrame) -> str | None:
    """The map of the leagues coloured by state, or, when a league is picked (selectbox
    "prog_league"), of its counties. Returns the league picked or None."""
    lg = state.lang()
    leagues = data.leagues()
    lnames = dict(zip(leagues["adcode"], leagues[state.name_col()]))
    options = [None, *leagues["adcode"]]
    league = st.selectbox(t("prog_county_pick", lg), options, key="prog_league",
                          format_func=lambda a: t("prog_county_all", lg) if a is None else lnames[a])
    if league is None:
        codes = [a for a in leagues["adcode"] if a in set(status["adcode"])]
        shp, offsets = data.shapes("league"), data.label_offsets()
        short = dict(zip(leagues["adcode"], leagues[state.name_col()]))
        title = t("prog_map_title", lg, year=rnd.year)
    else:
        counties = status[status["parent_adcode"] == league]
        if counties.empty:
            st.info(t("prog_county_none", lg, league=lnames[league]))
            return league
        areas = data.query("areas", level="county", parent=league)
        short = dict(zip(areas["adcode"], areas[state.name_col()]))
        codes = [a for a in counties["adcode"] if a in short]
        shp, offsets = data.shapes("county", league), {}
        title = t("prog_map_county_title", lg, year=rnd.year, league=lnames[league])
    frame = state_frame(status, codes, short)
    fills = dict(zip(status["adcode"], status["state"].map(round_status.STATE_COLOURS)))
    fig = charts.choropleth(frame, shp, title=title, unit_label="", label_offsets=offsets,
                            avoid_overlap=league is not None, fills=fills, legend=legend(lg),
                            uirevision=f"progress|{league or 'league'}", height=640)
    key = f"prog_map_{league or 'league'}"
    plotly_map(fig.to_plotly_json(), key=key, config=charts.plot_config(f"progress_{rnd.year}", scroll_zoom=False))
    st.caption(t("prog_map_hint", lg))
    return league


def area_names() -> dict[str, str]:
    """adcode → name in the current language of every league and county-level unit."""
    col = state.name_col()
    frames = [data.query("areas", level=lvl, parent=None) for lvl in ("league", "county")]
    return {a: n for f in frames for a, n in zip(f["adcode"], f[col])}


@st.cache_data(show_spinner=False, max_entries=32)
def status_xlsx(year: int, status: pd.DataFrame, totals_text: str, lang: str, names: dict[str, str]) -> bytes:
    """:func:`nmgdash.reports.round_status.status_xlsx`, cached on its inputs (the page reruns often,
    the round's state changes rarely)."""
    return round_status.status_xlsx(year, status, totals_text, lang, names)


def status_section(rnd: reporting.Round, status: pd.DataFrame, league: str | None = None,
                   totals_text: str | None = None) -> pd.DataFrame:
    """The table (:func:`nmgdash.reports.round_status.status_table`) of the 12 leagues, or of
    ``league`` and its counties, and the Excel download of every area (file name with the round's
    year; ``totals_text``: the totals line of :func:`totals`, read again when None). Returns the
    table shown."""
    lg = state.lang()
    st.subheader(t("prog_table", lg))
    names = area_names()
    if league is None:
        shown = status[status["level"] == "league"]
        note = t("prog_table_scope", lg, n=len(shown), total=len(status))
    else:
        shown = status[(status["adcode"] == league) | (status["parent_adcode"] == league)]
        note = t("prog_table_scope_league", lg, league=names[league], n=len(shown) - 1, total=len(status))
    table = round_status.status_table(shown.reset_index(drop=True), lg, names)
    # every row (no inner scroll); the area stays pinned while the step columns scroll sideways at full width
    wide = {c: st.column_config.TextColumn(width="medium") for c in table.columns[4:]}
    widgets.data_table(table, key="prog_table", height=35 * (len(table) + 1) + 3,
                       column_config={table.columns[1]: st.column_config.TextColumn(pinned=True), **wide})
    st.caption(note)
    totals_text = totals_text or reporting.progress(rnd.year, lg)["text"]
    st.download_button(t("prog_download", lg), status_xlsx(rnd.year, status, totals_text, lg, names),
                       file_name=round_status.status_file_name(rnd.year, lg), key="prog_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return table
