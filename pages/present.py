"""汇报模式 (presenter mode, URL /present): one slide at a time, full width, no sidebar or Streamlit
chrome, keyboard navigation (→/PageDown, ←/PageUp, Home, End) with Streamlit's own button
shortcuts, the slide number in the URL (``?slide=4``). Layout only: the slides come from
nmgdash/present.py, the PPTX and PNGs from nmgdash/deck.py."""

from datetime import date
from html import escape

import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.figures import charts
from nmgdash.reports import exports
from nmgdash.slides import deck, present
from nmgdash.ui import data, router, state, widgets

SLIDE, WATERMARK = "slide", "wm"

#: Page-only CSS (st.html runs it on this page alone; the other pages keep sidebar and header).
#: Sizes follow the window height so a slide fits 1280×720 and 1920×1080 without scrolling:
#: numbers 4.4vh (47.5 px at 1080), labels, summary and footer 2.2vh (23.8 px), title 4vh; the chart box
#: takes the rest (90vh − 128 px: the title, footer and navigation grow with the window height too).
CSS = """<style>
[data-testid=stSidebar], [data-testid=stSidebarCollapsedControl], [data-testid=stExpandSidebarButton],
[data-testid=stHeader], [data-testid=stToolbar], [data-testid=stDecoration], [data-testid=stStatusWidget]
  {display: none !important;}
[data-testid=stAppViewContainer], [data-testid=stMain] {background: #ffffff;}
[data-testid=stMainBlockContainer] {padding: 0.5rem 1.5rem 0.25rem 1.5rem !important; max-width: 100% !important;}
[data-testid=stMainBlockContainer] > div > [data-testid=stVerticalBlock] {gap: 0.5rem;}
.nmg-head {display: flex; align-items: baseline; justify-content: space-between; gap: 1rem;}
.nmg-title {font-size: clamp(24px, 4vh, 52px); font-weight: 700; color: #111827; margin: 0; line-height: 1.2;}
.nmg-counter {font-size: clamp(16px, 2.6vh, 32px); font-weight: 700; color: #1f2937; white-space: nowrap;}
.st-key-slide-chart {height: calc(90vh - 128px) !important; min-height: 300px; flex: 0 0 auto !important;}
.nmg-numbers {display: flex; flex-direction: column; gap: 1.6vh;}
.nmg-big {border-left: 6px solid #1d4ed8; padding: 0.2vh 0 0.2vh 0.9rem;}
.nmg-label {font-size: clamp(15px, 2.2vh, 30px); color: #374151; line-height: 1.25;}
.nmg-num {font-size: clamp(28px, 4.4vh, 60px); font-weight: 800; color: #1d4ed8; line-height: 1.15;}
.nmg-note {font-size: clamp(13px, 2.1vh, 28px); color: #4b5563; line-height: 1.2;}
.nmg-summary {font-size: clamp(15px, 2.2vh, 30px); color: #111827; line-height: 1.4; margin-top: 2vh;}
.nmg-footer {font-size: clamp(13px, 2.1vh, 28px); color: #374151; line-height: 1.3; border-top: 1px solid #9ca3af;
  padding-top: 0.4vh;}
.nmg-num .nmg-sample {font-size: 0.42em; vertical-align: middle; font-weight: 700;}
.nmg-sample {background: #fef3c7; color: #92400e; font-weight: 700; padding: 0 0.3em; border-radius: 3px;}
.nmg-watermark {position: fixed; inset: 0; display: flex; align-items: center; justify-content: center;
  pointer-events: none; z-index: 999; font-size: 9vh; font-weight: 800; color: rgba(17, 24, 39, 0.07);
  transform: rotate(-24deg); user-select: none;}
.st-key-nav-keys {display: none !important;}
/* narrow windows (1024×768): the buttons' key hints (Home, End, arrows) go, so the navigation with
   nine page numbers stays on one line */
@media (max-width: 1100px) {.st-key-nav kbd {display: none;}
  .st-key-slide-chart {height: calc(90vh - 156px) !important;}}  /* the footer takes two lines there */
[data-testid=stElementContainer]:has(.nmg-values) {display: none;}
.nmg-values {display: none; font-size: 15px; color: #111827; line-height: 1.5; column-count: 2; column-gap: 1rem;}
.nmg-values span {display: block; break-inside: avoid;}
.nmg-values b {font-weight: 600;}
/* a phone: the map's value labels cannot fit, so the map shows none and the list under it gives the
   values; the ▶ / ■ buttons (which would run into the year slider) are left out, the slider stays */
@media (max-width: 640px) {
  .st-key-slide-valuemap .st-key-slide-chart g.annotation {display: none;}
  .st-key-slide-valuemap .st-key-slide-chart .updatemenu-container {display: none;}
  .st-key-slide-chart {height: auto !important; aspect-ratio: 0.8; min-height: 0;}
  .st-key-slide-chart .gtitle {font-size: 14px !important;}
  .nmg-values, [data-testid=stElementContainer]:has(.nmg-values) {display: block;}
}
.st-key-nav [data-testid=stButton] button p {font-size: clamp(14px, 1.9vh, 24px);}
</style>"""


def _go(n: int, where: str) -> None:
    """Button callback: first / previous / next / last slide (before the slide widget is drawn)."""
    cur = st.session_state.get(SLIDE)
    cur = cur if isinstance(cur, int) and 1 <= cur <= n else 1
    st.session_state[SLIDE] = {"first": 1, "prev": max(1, cur - 1), "next": min(n, cur + 1), "last": n}[where]


def _numbers_html(slide: present.Slide, lg: str) -> str:
    tag = t("sample_tag", lg)
    items = []
    for n in slide.numbers[:3]:
        sample = f" <span class='nmg-sample'>{escape(tag)}</span>" if n.status == "sample" else ""
        items.append(f"<div class='nmg-big'><div class='nmg-label'>{escape(n.label)}</div>"
                     f"<div class='nmg-num'>{escape(n.text)}{sample}</div>"
                     f"<div class='nmg-note'>{escape(n.note)}</div></div>")
    return (f"<div class='nmg-numbers'>{''.join(items)}</div>"
            f"<div class='nmg-summary' id='slide-summary'>{escape(slide.summary)}</div>")


def _footer_html(slide: present.Slide, lg: str, mark: str | None) -> str:
    parts = present.footer_parts(slide, lg, mark)
    out = []
    for p in parts:
        cls = " class='nmg-sample'" if p == t("slide_sample", lg) else ""
        out.append(f"<span{cls}>{escape(p)}</span>")
    return f"<div class='nmg-footer' id='slide-footer'>{' · '.join(out)}</div>"


def render() -> None:
    """The page's layout (called by app.py's navigation)."""
    lg = state.lang()
    st.html(CSS)
    ctx = present.Context(lang=lg, year=state.year(data.default_year()), published_only=state.published_only(),
                          leagues=state.selected_leagues(), data=data)
    keys = present.sequence(ctx.leagues, data)
    n = len(keys)
    body = st.container()
    with st.container(horizontal=True, vertical_alignment="center", key="nav", gap="small"):
        # the buttons before the page numbers are drawn once the current slide is known (placeholders):
        # on the first slide 首页/上一页 are disabled, on the last 下一页/末页 (their keys too)
        first_slot, prev_slot = st.empty(), st.empty()
        current = st.pagination(n, key=SLIDE, bind="query-params", max_visible_pages=n)
        index = current if isinstance(current, int) and 1 <= current <= n else 1
        at_first, at_last = index == 1, index == n
        with first_slot:
            st.button(t("present_first", lg), shortcut="Home", on_click=_go, args=(n, "first"), key="nav_first",
                      disabled=at_first)
        with prev_slot:
            st.button(t("present_prev", lg), shortcut="Left", on_click=_go, args=(n, "prev"), key="nav_prev",
                      disabled=at_first)
        st.button(t("present_next", lg), shortcut="Right", on_click=_go, args=(n, "next"),
                  key="nav_next", type="primary", disabled=at_last)
        st.button(t("present_last", lg), shortcut="End", on_click=_go, args=(n, "last"), key="nav_last",
                  disabled=at_last)
        settings = st.popover(t("present_settings", lg))
    with st.container(key="nav-keys"):  # PageUp / PageDown: same moves, one shortcut per button
        st.button("PageUp", shortcut="PageUp", on_click=_go, args=(n, "prev"), key="nav_pgup", disabled=at_first)
        st.button("PageDown", shortcut="PageDown", on_click=_go, args=(n, "next"), key="nav_pgdn", disabled=at_last)
    with settings:
        mark_on = st.toggle(t("present_watermark", lg), value=True, key=WATERMARK,
                            bind="query-params")
    state.bound(SLIDE, WATERMARK)  # this page's own URL parameters (others are dropped at the end of the run)

    slide = present.build(keys[index - 1], ctx)
    mark = present.watermark_text(lg, date.today()) if mark_on else None

    with body:
        st.html(f"<div class='nmg-head'><h1 class='nmg-title' id='slide-title'>{escape(slide.title)}</h1>"
                f"<div class='nmg-counter' id='slide-counter'>{index} / {n}</div></div>")
        left, right = st.columns([0.64, 0.36], gap="medium")
        values = present.label_list(slide.figure)
        with left, st.container(key="slide-valuemap" if values else "slide-plainchart"):
            with st.container(key="slide-chart"):
                if slide.figure is not None:
                    fig = slide.figure
                    fig.update_layout(height=None, autosize=True)
                    st.plotly_chart(fig, theme=None, height="stretch", key=f"slide_chart_{slide.key}",
                                    config=charts.plot_config(f"{slide.key}_{ctx.year}", scroll_zoom=False))
            if values:
                st.html("<div class='nmg-values' id='slide-values'>"
                        + "".join(f"<span><b>{escape(n)}</b> {escape(v)}</span>" for n, v in values) + "</div>")
        with right:
            st.html(_numbers_html(slide, lg))
        st.html(_footer_html(slide, lg, mark))
        if mark:
            st.html(f"<div class='nmg-watermark' aria-hidden='true'>{escape(mark)}</div>")

    with settings:
        st.caption(t("present_settings_hint", lg))
        if deck.available():
            widgets.make_then_download(
                t("present_png_generate", lg), t("present_png", lg),
                lambda: deck.png(slide.figure, footnote=slide.footnote),
                exports.download_name(f"{slide.key}_{ctx.year}", "png", sample=slide.sample, lang=lg),
                "image/png", "dl_png", spinner=t("png_generating", lg),
                signature=(slide.key, mark_on), width="stretch", disabled=slide.figure is None)
            made: list = []

            def pptx() -> bytes:
                made[:] = [present.build(k, ctx) for k in keys]
                return deck.build_pptx(made, lang=lg, filters=_filters_text(ctx), watermark=mark_on)

            widgets.make_then_download(
                t("present_pptx_generate", lg), t("present_pptx", lg), pptx,
                lambda: exports.download_name(t("present_pptx_file", lg, year=ctx.year), "pptx",
                                              sample=any(s.sample for s in made), lang=lg),
                "application/vnd.openxmlformats-officedocument.presentationml.presentation", "dl_pptx",
                spinner=t("present_pptx_generating", lg), signature=(tuple(keys), mark_on), width="stretch", type="primary")
        else:
            st.warning(t("export_unavailable", lg))
        st.page_link("pages/overview.py", label=t("present_leave", lg))


def _filters_text(ctx: present.Context) -> str:
    names = dict(zip(data.leagues()["adcode"], data.leagues()["name_zh" if ctx.lang == "zh" else "name_en"]))
    chosen = t("list_sep", ctx.lang).join(names[a] for a in ctx.leagues) if ctx.leagues else t("all_leagues", ctx.lang)
    key = "present_filters_published" if ctx.published_only else "present_filters"
    return t(key, ctx.lang, year=ctx.year, leagues=chosen)


router.page(render)  # renders when app.py routes here; otherwise runs app.py (see nmgdash/router.py)
