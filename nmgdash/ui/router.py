"""Routing that holds on a fresh server: every session goes through ``app.py``.

``app.py`` is the app: it draws the shared filters and routes with ``st.navigation`` over the
files in ``pages/``. Each page file defines ``render()`` and ends with ``router.page(render)``.

Because the repository has a ``pages/`` folder, a fresh Streamlit process starts in its older
file-based multipage mode, and until some session has run ``app.py`` (whose ``st.navigation``
call ends that mode for the process), a first request for a deep link such as ``/hubs`` makes
Streamlit execute ``pages/hubs.py`` directly, without ``app.py``. Several sessions can arrive in
that window at once.

``router.page`` tells the two cases apart with a per-thread flag that ``app.py`` sets around
``page.run()`` (each session's script runs in its own thread): routed by ``app.py``, it renders
the page; run directly, it runs ``app.py`` in its place, whose ``st.navigation`` resolves the same
URL path to the same page and renders it with the filters. This holds for every session, however
many arrive together, and changes no Streamlit state by hand (an earlier version flipped a class
attribute of Streamlit's ``PagesManager``, shared by all sessions, and raced).
"""

from __future__ import annotations

import functools
import re
import runpy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlparse

import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.core.settings import ROOT
from nmgdash.ui import state
from nmgdash.ui.topic import topic_page

_local = threading.local()


@contextmanager
def routing() -> Iterator[None]:
    """``app.py`` wraps ``page.run()`` in this: page files run inside it render themselves."""
    previous = getattr(_local, "routing", False)
    _local.routing = True
    try:
        yield
    finally:
        _local.routing = previous


def page(render: Callable[[], None]) -> None:
    """Call at the end of a page file: render the page when ``app.py`` routed here, otherwise
    (Streamlit ran the file on its own) run ``app.py`` instead, which routes back to this page."""
    if getattr(_local, "routing", False):
        render()
    else:
        runpy.run_path(str(ROOT / "app.py"), run_name="__app__")


def page_target(key: str) -> str | Callable[[], None]:
    """What ``st.Page`` runs for the registry page ``key``: its file ``pages/<key>.py`` when the page
    has its own layout, else the standard topic page (:func:`nmgdash.ui.topic.topic_page`)."""
    path = ROOT / "pages" / f"{key}.py"
    if path.exists():
        return f"pages/{key}.py"
    return functools.partial(topic_page, key)


def unknown_path(known: set[str]) -> str | None:
    """The last segment of the browser's URL path when it names no page of the app (``/nope`` →
    "nope"), else None. Read from ``st.context.url`` (public API); None outside a browser session."""
    try:
        url = st.context.url or ""
    except Exception:  # no browser context (bare mode, AppTest)
        return None
    segment = unquote(urlparse(url).path).strip("/").split("/")[-1] if url else ""
    if not segment or segment in known or not re.fullmatch(r"[\w\-.~\u4e00-\u9fff]{1,80}", segment):
        return None
    return segment


def not_found() -> None:
    """The page for an unknown URL path: a notice in the current language and a link home."""
    lang = state.lang()
    path = unknown_path(set()) or ""
    st.title(t("not_found_title", lang))
    st.warning(t("not_found", lang, path=path))
    st.page_link("pages/overview.py", label=t("overview", lang))
