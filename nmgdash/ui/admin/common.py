"""What the 数据管理 tabs share: the one-shot outcome message of a write and the status words."""

from __future__ import annotations

import streamlit as st

from nmgdash import ingest
from nmgdash.core.i18n import t
from nmgdash.reports import progress
from nmgdash.storage import ledger
from nmgdash.ui import auth, state
from nmgdash.ui.text import plain

#: The importer's size limit in whole MB (10), stated next to the upload.
MB = ingest.MAX_BYTES // (1024 * 1024)
FLASH_KEY = "_admin_flash"
_ICONS = {"success": "✅", "error": "🛑", "warning": "⚠️"}


def flash(kind: str, text: str) -> None:
    """Remember the outcome of a write ('success', 'error' or 'warning'; ``text`` is Markdown whose
    user-supplied parts went through :func:`nmgdash.ui.text.plain`) for :func:`show_flash`."""
    st.session_state[FLASH_KEY] = (kind, text)


def refusal_text(heading: str, lines: list[str]) -> str:
    """Markdown: a bold ``heading`` and one list item per line (each shown as plain text)."""
    return f"**{heading}**\n\n" + "\n".join(f"- {plain(line)}" for line in lines)


#: The store's faults a write can meet, each answered by :func:`store_fault_text`.
STORE_FAULTS = (ledger.StoreUnavailable, ledger.ImportBusy, ledger.WriteFailed)


def store_fault_text(exc: Exception) -> str:
    """The message for a fault of :data:`STORE_FAULTS` in the current language (no paths): the store
    cannot be reached, another write holds the lock, or the folder is read-only or full."""
    if isinstance(exc, ledger.StoreUnavailable):
        return auth.store_message(exc)
    if isinstance(exc, ledger.WriteFailed):
        return t(f"store_write_{exc.kind}", state.lang())
    return t("admin_busy", state.lang())


def show_flash() -> None:
    """The outcome of the last write (set by the write callbacks), shown once."""
    kind, text = st.session_state.pop(FLASH_KEY, (None, None))
    if kind:
        {"success": st.success, "error": st.error, "warning": st.warning}[kind](text, icon=_ICONS[kind])


def status_text(status: str | None) -> str:
    """已导入 / 已发布 / 参考 / 示例, or 缺失 for a missing figure, in the current language."""
    return progress.status_text(status, state.lang())
