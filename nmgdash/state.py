"""Shareable view state (language, leagues, year, published-only, mode, indicator) kept in
``st.session_state`` and mirrored into the URL query string, so a copied link reproduces the view.

URL parameters: ``lang`` (zh|en), ``leagues`` (comma-separated official Chinese names, adcodes also
accepted), ``year`` (int), ``pub`` (1 = published only), ``mode`` (value|per_10k|share|yoy|vs_base),
``ind`` (indicator id of the current page). The page itself is the URL path (st.navigation).
"""

from __future__ import annotations

import streamlit as st

MODES = ("value", "per_10k", "share", "yoy", "vs_base")
DEFAULTS = {"lang": "zh", "leagues": [], "year": None, "pub": False, "mode": "value", "ind": None}


def init(league_names: dict[str, str]) -> None:
    """On a session's first run, read the URL into session_state (unknown values are dropped).

    league_names: adcode → official Chinese name for the 12 leagues.
    """
    ss = st.session_state
    if ss.get("_state_ready"):
        return
    qp = st.query_params
    by_name = {v: k for k, v in league_names.items()}
    leagues = []
    for part in qp.get("leagues", "").split(","):
        part = part.strip()
        code = part if part in league_names else by_name.get(part)
        if code and code not in leagues:
            leagues.append(code)
    ss["lang"] = qp.get("lang") if qp.get("lang") in {"zh", "en"} else "zh"
    ss["leagues"] = leagues
    year = qp.get("year", "")
    ss["year"] = int(year) if year.isdigit() else None
    ss["pub"] = qp.get("pub") == "1"
    ss["mode"] = qp.get("mode") if qp.get("mode") in MODES else "value"
    ss["ind"] = qp.get("ind") or None
    ss["_state_ready"] = True


def bind(key: str, widget_key: str) -> None:
    """Seed a widget's key from the shared state before the widget is drawn (widget state is
    discarded when a page without the widget runs; the shared key survives page switches)."""
    if widget_key not in st.session_state:
        st.session_state[widget_key] = st.session_state.get(key, DEFAULTS[key])


def store(key: str, widget_key: str) -> None:
    """Copy a widget's value back into the shared state."""
    st.session_state[key] = st.session_state[widget_key]


def sync_url(league_names: dict[str, str]) -> None:
    """Write the shared state into the query string (only what differs from the defaults)."""
    ss = st.session_state
    params: dict[str, str] = {}
    if ss.get("lang", "zh") != "zh":
        params["lang"] = ss["lang"]
    if ss.get("leagues"):
        params["leagues"] = ",".join(league_names[a] for a in ss["leagues"] if a in league_names)
    if ss.get("year"):
        params["year"] = str(ss["year"])
    if ss.get("pub"):
        params["pub"] = "1"
    if ss.get("mode", "value") != "value":
        params["mode"] = ss["mode"]
    if ss.get("ind"):
        params["ind"] = ss["ind"]
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)


def lang() -> str:
    """The UI language: 'zh' (default) or 'en'."""
    return st.session_state.get("lang", "zh")


def name_col() -> str:
    """Column holding area/indicator names in the current language (name_zh or name_en)."""
    return "name_zh" if lang() == "zh" else "name_en"


def published_only() -> bool:
    """True when "仅显示已发布数据" is on (sample values hidden everywhere)."""
    return bool(st.session_state.get("pub", False))
