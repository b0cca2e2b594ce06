"""What the 填报与审核 tabs share: messages of the reporting errors in the UI language, area and
indicator names, the deadline line and the account of a write callback."""

from __future__ import annotations

import datetime as dt

from nmgdash.core.i18n import t
from nmgdash.ingest import catalogue
from nmgdash.storage import reporting
from nmgdash.storage.accounts import Account, NotPermitted, area_name
from nmgdash.ui import auth, data, state
from nmgdash.ui.admin.common import STORE_FAULTS, flash, store_fault_text
from nmgdash.ui.text import plain


def lines_of(exc: Exception) -> list[str]:
    """The message lines of a reporting or permission error in the UI language (plain text, not
    Markdown): ``lines`` / ``lines_en`` of :class:`reporting.ReportingError`, ``lines`` of NotPermitted
    (Chinese, the store's words), the store's faults in our words."""
    if isinstance(exc, reporting.ReportingError):
        return exc.lines_en if state.lang() == "en" else exc.lines
    if isinstance(exc, NotPermitted):
        return list(exc.lines)
    if isinstance(exc, STORE_FAULTS):
        return [store_fault_text(exc)]
    return [str(exc)]


def lines_markdown(heading: str, lines: list[str]) -> str:
    """Markdown: a bold ``heading`` and each line (user text inside it shown as text) on its own line."""
    body = "\n".join(f"- {plain(line.strip().lstrip('·').strip())}" for line in lines if line.strip())
    return f"**{heading}**\n\n{body}" if body else f"**{heading}**"


def flash_refusal(heading_key: str, exc: Exception, **kw) -> None:
    """Flash the refusal ``exc`` under the heading ``heading_key`` (error box, shown once)."""
    lines = lines_of(exc)
    if isinstance(exc, reporting.ReportingError) and lines and lines[0].rstrip().endswith(("：", ":")):
        heading, lines = lines[0].rstrip().rstrip("：:"), lines[1:]  # the error's own heading
    else:
        heading = t(heading_key, state.lang(), **kw)
    flash("error", lines_markdown(heading, lines))


#: What a write callback may meet besides the reporting errors.
WRITE_FAULTS = (reporting.ReportingError, NotPermitted, *STORE_FAULTS)


def writer() -> Account | None:
    """The signed-in account read from the store now (for write callbacks); flashes why not and
    returns None when nobody may write."""
    try:
        acc = auth.account()
    except STORE_FAULTS as exc:
        flash("error", store_fault_text(exc))
        return None
    if acc is None:
        flash("error", t("admin_not_allowed", state.lang()))
    return acc


def area_label(adcode: str) -> str:
    """An area's name in the UI language."""
    areas = catalogue.load().areas
    if state.lang() == "en" and adcode in areas.index:
        return str(areas.at[adcode, "name_en"])
    return area_name(adcode)


def indicator_label(indicator_id: str) -> str:
    """An indicator's name in the UI language."""
    cat = data.catalogue()
    col = "name_en" if state.lang() == "en" else "name_zh"
    return str(cat.at[indicator_id, col]) if indicator_id in cat.index else indicator_id


def unit_label(indicator_id: str, unit: str) -> str:
    """An indicator's unit in the UI language: ``unit`` (the draft's, e.g. 人) in Chinese, the
    catalogue's ``unit_en`` (persons) in English."""
    cat = data.catalogue()
    if state.lang() == "en" and indicator_id in cat.index:
        return str(cat.at[indicator_id, "unit_en"])
    return unit


def text_width(texts, header: str = "") -> int:
    """A grid column's width in pixels that shows the longest of ``texts`` and ``header`` whole
    (Streamlit sizes a column by its first rows only, so a long unit further down is cut off):
    about 8 px per character (14 px per CJK character) plus padding, at least 60."""
    def px(text: str) -> int:
        return sum(14 if ord(ch) > 0x2E7F else 8 for ch in text)
    return max(60, *(px(str(x)) + 28 for x in [*texts, header]))


def today_beijing(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Beijing time (the deadline's time zone)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(reporting.REPORT_TZ).date()


def deadline_text(rnd: reporting.Round, now: dt.datetime | None = None) -> str:
    """Markdown: "截止 2021-03-31，还剩 5 天", "…，今天截止" or, overdue, "…，:red[已逾期 3 天]"
    (a closed round: "已关闭")."""
    lg = state.lang()
    if rnd.state == "closed":
        return t("report_ui_deadline_closed", lg, date=rnd.deadline.isoformat())
    days = (rnd.deadline - today_beijing(now)).days
    if days > 0:
        return t("report_ui_deadline_left", lg, date=rnd.deadline.isoformat(), n=days)
    if days == 0:
        return t("report_ui_deadline_today", lg, date=rnd.deadline.isoformat())
    return t("report_ui_deadline_overdue", lg, date=rnd.deadline.isoformat(), n=-days)


def local_time(at: str | None) -> str:
    """A stored UTC time as Beijing time ``YYYY-MM-DD HH:MM`` ("—" when none)."""
    return reporting.local_time(at) if isinstance(at, str) and at else "—"


def round_label(rnd: reporting.Round) -> str:
    """"2020 年度填报任务" (with "（已关闭）" when closed)."""
    lg = state.lang()
    text = t("report_ui_round", lg, year=rnd.year)
    return text + t("report_ui_round_closed_suffix", lg) if rnd.state == "closed" else text


def labeller(options, label) -> object:
    """A ``format_func`` for a select widget: each option's label computed now, in this run's language
    (a format function may be called outside the run, where the language is not known)."""
    labels = {o: label(o) for o in options}
    return labels.__getitem__


def has_text(value) -> bool:
    """True for a non-empty string: the reporting frames carry "" (not None) where a text cell is empty."""
    return isinstance(value, str) and bool(value)
