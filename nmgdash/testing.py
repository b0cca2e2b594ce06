"""Helpers for driving the app under Streamlit's AppTest (tests and bench)."""

from __future__ import annotations


def navigation_mode_for_apptest() -> None:
    """AppTest resets ``PagesManager.uses_pages_directory`` before every run and, because this
    repo has a ``pages/`` folder, it comes back True: every AppTest run would then start in the
    old file-based multipage mode, which ``ui.ensure_app`` leaves with a rerun. A real server
    leaves that mode once per process, on its first run. Make AppTest behave like a server that
    has already done so; the first-request path is covered by the browser tests (fresh server,
    deep link)."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager.__init__, "_nmgdash_patched", False):
        return
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    init._nmgdash_patched = True  # type: ignore[attr-defined]
    PagesManager.__init__ = init
