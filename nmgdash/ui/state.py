"""Shareable view state: language, leagues, year, published-only, and each page's indicator and
display mode. The filters are widgets bound to the URL by Streamlit itself
(``bind="query-params"``), so a copied link reproduces the view, an invalid value in a link falls
back to the default and is dropped from the URL, and nothing here parses the query string by hand.

URL parameters (values are the labels the widgets show, in the current language):

- ``lang``: 中文 | English
- ``leagues``: repeated, one per league (``?leagues=兴安盟&leagues=通辽市``)
- ``year``: 2017 | 2018 | 2019 (default: the latest year with data)
- ``pub``: true when "仅显示已发布数据" is on
- ``ind``: the page's indicator as the picker shows it (``青年爱里数量（个）``)
- ``mode``: the display mode as the picker shows it (``每万常住人口``)

The page itself is the URL path (``/hubs``). Each page remembers its own indicator and mode for
the session (``remember`` / ``recall``), so leaving a page and coming back restores them.
"""

from __future__ import annotations

import streamlit as st

MODES = ("value", "per_10k", "share", "yoy", "vs_base")
#: Session-state keys of the bound widgets (the key is also the URL parameter's name).
LANG, LEAGUES, YEAR, PUB, IND, MODE = "lang", "leagues", "year", "pub", "ind", "mode"
_NO_COUNTIES = "_no_county_view"  # True after a Ctrl/多选 click: one league chosen stays on the league map
_MEMORY = "_page_memory"  # page → {"ind": …, "mode": …}
_LAST_PAGE = "_last_page"


def lang() -> str:
    """The UI language: 'zh' (default) or 'en'."""
    value = st.session_state.get(LANG, "zh")
    return value if value in {"zh", "en"} else "zh"


def name_col() -> str:
    """Column holding area/indicator names in the current language (name_zh or name_en)."""
    return "name_zh" if lang() == "zh" else "name_en"


def published_only() -> bool:
    """True when "仅显示已发布数据" is on (sample values hidden everywhere)."""
    return bool(st.session_state.get(PUB, False))


def selected_leagues() -> tuple[str, ...]:
    """adcodes of the leagues chosen in the filter, in the order chosen; () means all 12."""
    return tuple(st.session_state.get(LEAGUES) or ())


def year(default: int) -> int:
    """The year chosen in the sidebar (``default`` before the sidebar has run)."""
    value = st.session_state.get(YEAR)
    return int(value) if isinstance(value, int) else default


def set_leagues(codes: list[str]) -> None:
    """Replace the league selection. Call from a widget callback (before the sidebar is drawn)."""
    st.session_state[LEAGUES] = list(codes)


def toggle_league(code: str) -> None:
    """Add ``code`` to the selection, or remove it if it is selected (多选 on the map)."""
    current = list(selected_leagues())
    set_leagues([c for c in current if c != code] if code in current else [*current, code])


def county_view() -> bool:
    """Whether one chosen league opens its counties (on indicators with county data): yes after a
    plain click, 查看下辖旗县 or a link; no after a Ctrl-click or a 多选 click, which only add or
    remove leagues (so a second league can still be added on the league map)."""
    return not st.session_state.get(_NO_COUNTIES, False)


def set_county_view(on: bool) -> None:
    """Set :func:`county_view` (from a widget callback)."""
    st.session_state[_NO_COUNTIES] = not on


def entering(page: str) -> bool:
    """True on the first run of ``page`` after another page (or the session's first run)."""
    return st.session_state.get(_LAST_PAGE) != page


def recall(page: str, key: str, options: list) -> None:
    """On entering ``page``, put back the value of widget ``key`` (IND or MODE) that this page had
    when the user left it, if it is still valid; a page not visited before starts from its
    default. A link that opens the session's first page keeps the link's value."""
    memory = st.session_state.setdefault(_MEMORY, {}).get(page, {})
    first_page = _LAST_PAGE not in st.session_state
    if entering(page) and memory.get(key) in options:
        st.session_state[key] = memory[key]
    elif (entering(page) and not first_page) or st.session_state.get(key) not in options:
        st.session_state.pop(key, None)  # the page's default, not the previous page's choice


def remember(page: str, key: str) -> None:
    """Store the current value of widget ``key`` as ``page``'s own (see ``recall``)."""
    st.session_state.setdefault(_MEMORY, {}).setdefault(page, {})[key] = st.session_state.get(key)


def visited(page: str) -> None:
    """Mark ``page`` as the page of this run (end of the page's layout)."""
    st.session_state[_LAST_PAGE] = page


_BOUND = "_bound_params"


def begin_run() -> None:
    """Start of a script run (app.py): no URL parameter is claimed yet."""
    st.session_state[_BOUND] = set()


def bound(*keys: str) -> None:
    """Claim URL parameters for this run: the keys of the widgets bound to the URL that this run drew."""
    st.session_state.setdefault(_BOUND, set()).update(keys)


def drop_foreign_params() -> None:
    """End of a run: remove URL parameters that no widget of this page reads (``?slide=…`` on /hubs,
    a made-up ``?foo=``), so a link never carries values the page ignores. Streamlit already drops
    invalid values of bound parameters; this drops the unbound ones."""
    claimed = st.session_state.get(_BOUND, set())
    for key in [k for k in st.query_params if k not in claimed]:
        try:
            del st.query_params[key]
        except Exception:
            pass
