"""Widgets and small page pieces shared by the pages: the sidebar filters, notices, headline
cards, source footnotes, export buttons, the indicator and mode pickers and the map-click handler."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from nmgdash.core import geo
from nmgdash.core.fmt import format_range, format_tick, is_missing
from nmgdash.core.i18n import t
from nmgdash.core.labels import figure_text, mode_text, period_text, row_value, source_text
from nmgdash.reports import exports
from nmgdash.slides import deck
from nmgdash.storage import database
from nmgdash.ui import data, state
from nmgdash.ui.text import plain


def tick_text(value: float) -> str:
    """Axis tick in the current language's number style (zh: 1.5万, 400万)."""
    return format_tick(value, state.lang())




def status_label(status: str | None) -> str:
    """Display label of a status (published → 已发布 …); '—' when missing."""
    return "—" if not status or is_missing(status) else t(f"status_{status}", state.lang())


@contextmanager
def fault_guard() -> Iterator[None]:
    """Around a whole script run: a database or boundary fault becomes one clear message in the
    current language (no traceback, no server path) and the run stops; the next rerun tries again,
    so the page recovers by itself once the fault is gone. A usable but possibly outdated database
    (read-only ``data/``) is shown with a warning."""
    try:
        warning = data.database().warning
        if warning:
            st.warning(warning if state.lang() == "zh" else data.database().warning_en or warning, icon="⚠️")
        yield
    except database.DatabaseUnavailable as exc:
        st.error(exc.message_zh if state.lang() == "zh" else exc.message_en, icon="🛑")
        st.caption(t("fault_retry", state.lang()))
    except geo.GeometryError as exc:
        st.error(t("geometry_fault", state.lang(), detail=str(exc)), icon="🛑")


def lang_label(code: str) -> str:
    """How the language switch shows a language (also its URL value): 中文 / English."""
    return t("language_name", code)


def league_labels() -> dict[str, str]:
    """adcode → league name in the current language (the league filter's labels and URL values)."""
    lg = data.leagues()
    return dict(zip(lg["adcode"], lg[state.name_col()]))


def indicator_label(indicator_id: str) -> str:
    """How the indicator picker shows an indicator (also its URL value): 青年爱里数量（个）."""
    lg = state.lang()
    return data.shared("indicator_labels", (lg, data.version()), lambda: _indicator_labels(lg))[indicator_id]


def _indicator_labels(lg: str) -> dict[str, str]:
    cat = data.catalogue()
    return {i: t("name_with_unit", lg, name=n, unit=u)
            for i, n, u in zip(cat["indicator_id"], cat["name_zh" if lg == "zh" else "name_en"],
                               cat["unit" if lg == "zh" else "unit_en"])}


def mode_label(mode: str) -> str:
    """How the mode picker shows a display mode (also its URL value): 每万常住人口."""
    return mode_text(mode, state.lang())


def relabel() -> None:
    """After a language switch (the language radio's callback): hand the bound widgets whose labels
    are words (leagues, indicator, display mode) their own values again. Their options are labelled
    in the new language, but the browser keeps the selection it shows (and puts in the URL) as the
    old labels, 兴安盟 in English, unless the script sets the value; re-setting it makes Streamlit
    send the value with the new labels, so chips, picker and URL follow the language."""
    for key in (state.LEAGUES, state.IND, state.MODE):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def sidebar() -> None:
    """Draw the shared filters (language, leagues, year, published-only). Each is bound to its URL
    parameter (see nmgdash.ui.state); being drawn on every run by app.py, they keep their values
    across page switches."""
    with st.sidebar:
        st.radio(t("language", state.lang()), ["zh", "en"], key=state.LANG, horizontal=True,
                 format_func=lang_label, bind="query-params", on_change=relabel)
        label = league_labels()
        st.multiselect(t("leagues", state.lang()), list(label), key=state.LEAGUES, format_func=label.get,
                       placeholder=t("all_leagues", state.lang()), help=t("leagues_help", state.lang()),
                       bind="query-params")
        options = data.years()
        st.radio(t("year", state.lang()), options, index=options.index(data.default_year()), key=state.YEAR,
                 horizontal=True,
                 bind="query-params")
        st.toggle(t("published_only", state.lang()), key=state.PUB, help=t("published_only_help", state.lang()),
                  bind="query-params")
    state.bound(state.LANG, state.LEAGUES, state.YEAR, state.PUB)


#: English headline cards wrap between words, never inside one ("Fundi-ng", "organisat-ions"):
#: Chinese may break between any two characters, English words need room. A row of cards wraps to
#: two per row when a card would be narrower than 13rem (a 1024 px projector with the sidebar open),
#: the number is at most 11 % of the card wide (24 px at least), and no word is broken.
ENGLISH_CARDS_CSS = (
    "<style>"
    "[class*='st-key-nmg_cards4_'] {"
    " grid-template-columns: repeat(auto-fill, minmax(max(13rem, calc((100% - 3rem) / 4)), 1fr)) !important;}"
    "[class*='st-key-nmg_cards3_'] {"
    " grid-template-columns: repeat(auto-fill, minmax(max(13rem, calc((100% - 2rem) / 3)), 1fr)) !important;}"
    "[data-testid='stMetricValue'] > div {font-size: clamp(1.5rem, 11cqi, 2.25rem) !important;"
    " overflow-wrap: normal !important; word-break: normal !important; hyphens: manual;}"
    "[data-testid='stMetric'] :is([data-testid='stMetricLabel'], [data-testid='stMetricValue'],"
    " [data-testid='stMetricDelta']) * {overflow-wrap: normal !important; word-break: normal !important;"
    " hyphens: manual;}"
    "</style>"
)


def style(lang: str) -> None:
    """Small CSS fixes in one inline element (no external stylesheet), for the language of this run
    (drawn after the sidebar's switch): headline numbers wrap instead of being cut off with an ellipsis
    in narrow columns (projectors at 1024 px, English text: :data:`ENGLISH_CARDS_CSS`), and the file
    uploaders speak the page's language (:func:`uploader_css`)."""
    st.html(_BASE_CSS + _LANGUAGE_CSS.get(lang, "") + uploader_css(lang))


def uploader_css(lang: str) -> str:
    """Streamlit's file uploader has an English button ("Upload") and an English line of its own
    ("12MB per file • XLSX, XLS, CSV": the server's transport limit, not the importer's smaller one). Its
    button is relabelled in ``lang`` (catalogue key ``upload_button``) and its line hidden: each
    uploader's label states the file types and the real limit."""
    label = t("upload_button", lang).replace("\\", "").replace('"', "")
    return ("<style>[data-testid='stFileUploaderDropzoneInstructions'] {display: none;}"
            "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p {font-size: 0;}"
            "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p::after"
            f" {{content: \"{label}\"; font-size: 0.875rem;}}</style>")


#: The CSS of one language only (see :func:`style`).
_LANGUAGE_CSS = {"en": ENGLISH_CARDS_CSS}

#: The CSS of every page (see :func:`style`).
_BASE_CSS = (
    "<style>"
    # a row of headline cards (card_row): a grid, so wrapped cards keep their reading order
    "[class*='st-key-nmg_cards'] {display: grid !important; gap: 1rem !important;"
    " grid-template-columns: repeat(4, minmax(0, 1fr));}"
    "[class*='st-key-nmg_cards3_'] {grid-template-columns: repeat(3, minmax(0, 1fr));}"
    "[class*='st-key-nmg_cards'] > * {height: 100%;}"  # the cards of a row are as tall as its tallest
    "[class*='st-key-nmg_cards'] [data-testid='stMetric'] {height: 100%; box-sizing: border-box;}"
    "@media (max-width: 640px) {[class*='st-key-nmg_cards'] {grid-template-columns: minmax(0, 1fr);}}"
    "[data-testid='stMetricValue'] > div {white-space: normal !important; overflow: visible !important;"
    " text-overflow: clip !important; font-size: clamp(1.35rem, 2.1vw, 2.25rem); line-height: 1.15;}"
    "[data-testid='stMetricLabel'] p {white-space: normal !important;}"
    # the period line under a card's number ("2018年6月—2019年底累计") wraps instead of "2018年6月…"
    "div:has(> [data-testid='stMetricDelta']) {flex-wrap: wrap !important; row-gap: 0.2rem;}"
    "[data-testid='stMetricDelta'], [data-testid='stMetricDeltaDescription'] {max-width: 100% !important;"
    " height: auto !important; min-width: 0;}"
    "[data-testid='stMetricDelta'] *, [data-testid='stMetricDeltaDescription'] * {white-space: normal !important;"
    " overflow: visible !important; text-overflow: clip !important;}"
    # the number scales with its card (container query), so "8,600+ organisations" fits a
    # quarter of a 1024 px page; a word longer than the card still breaks rather than sticking out
    "[data-testid='stMetric'] {container-type: inline-size;}"
    # at least 24 px: on a 1024 px projector with the sidebar open a card is ~140 px wide, and the
    # number must still read as a headline (it wraps rather than shrinking to body size)
    "[data-testid='stMetricValue'] > div {font-size: clamp(1.5rem, 14cqi, 2.25rem) !important;"
    " overflow-wrap: anywhere; line-height: 1.15;}"
    "[data-testid='stMetricValue'] p {white-space: normal !important; overflow: visible !important;}"
    "</style>"
)


def sample_notice(text: str | None = None) -> None:
    """The yellow notice shown on every page section that displays sample data: ``text`` (e.g.
    :func:`nmgdash.core.labels.sample_notice_text` — which years or areas are sample) or the
    general notice."""
    st.warning(text or t("sample_notice", state.lang()), icon=None)


def definition_text(row: pd.Series | dict, lg: str) -> str:
    """The catalogue's 口径 definition of ``row`` (a catalogue or figure row with definition and
    definition_en) with its label, in ``lg``: "口径：…" / "Definition: …"."""
    text = row_value(row, "definition" if lg == "zh" else "definition_en") or row_value(row, "definition") or ""
    return f"{t('definition', lg)}{t('colon', lg)}{text}"


def nearest_year_text(selected: int, figure_year: int, lg: str) -> str:
    """The card note when the sidebar year has no figure: "2017年无数据（最近：2019年）"."""
    return t("kpi_year_missing", lg, year=selected, reason=t("no_data_nearest", lg, year=figure_year))


def figure_columns(frame: pd.DataFrame, lg: str, unit: str | None = None) -> dict[str, list]:
    """Table/export columns that keep a figure's wording and period, for frames with value,
    qualifier, qualifier_pos, display_unit (or ``unit``), unit_en, period_start, period_end,
    cumulative and year: {表述: "8600余个", 时期: "2018年6月—2019年底累计", 累计: "是"/""}
    (en: As worded / Period / Cumulative). Merge them into a table dict next to the number column."""
    rows = frame.to_dict("records")
    yes = t("yes", lg)
    return {
        t("figure", lg): [figure_text(r, lg, unit) for r in rows],
        t("period", lg): [period_text(r, lg) for r in rows],
        t("cumulative", lg): [yes if row_value(r, "cumulative") else "" for r in rows],
    }


def _kpi_help(row: pd.Series, lg: str) -> str:
    """Tooltip of a headline card (markdown): the figure as stated, its period, the 口径
    definition, the source with its locator (the quoted sentence) and the status."""
    src = row["source_title"] if lg == "zh" else row["source_title_en"]
    lines = [t("figure_with_period", lg, figure=figure_text(row, lg), period=period_text(row, lg))]
    if row_value(row, "definition"):
        lines.append(definition_text(row, lg))
    lines.append(f"{t('source', lg)}{t('colon', lg)}{src}{t('semicolon', lg)}{source_text(row['locator'], lg)}")
    lines.append(f"{t('status', lg)}{t('colon', lg)}{status_label(row['status'])}")
    return "  \n".join(lines)


def _kpi_note(row: pd.Series, lg: str) -> dict:
    """The line under a card's number: the figure's period ("2018年6月—2019年底累计"), or, when the
    user chose a sidebar year that has no figure of this indicator, "2017年无数据（最近：2019年）"
    in orange with the period beside it. Keyword arguments for st.metric."""
    figure_year = int(row["year"])
    latest = data.default_year()
    selected = state.year(latest)
    period = period_text(row, lg)
    # On the default (latest) year the period line says when a one-off figure is from (专项督察,
    # 2018年6月); the orange note is for a year the user chose.
    if selected != figure_year and selected != latest:
        return {"delta": nearest_year_text(selected, figure_year, lg), "delta_color": "orange",
                "delta_arrow": "off", "delta_description": period}
    return {"delta": period, "delta_color": "off", "delta_arrow": "off"}


def kpi_cards(indicator_ids: list[str], columns: int = 4, heading: str | None = None) -> pd.DataFrame:
    """Big numbers for region-level figures as the bulletin words them (qualifier and measure word:
    8600余个, 334家), each with its period under the number ("2018年6月—2019年底累计"; or
    "2017年无数据（最近：2019年）" when the sidebar year has no figure), definition, source and
    status in the tooltip, and a numbered footnote. ``heading``: a catalogue key shown as the
    subheader above the cards, its ``{last}`` filled with the latest year of the figures shown.
    Returns the figures shown (region_figures rows)."""
    lg = state.lang()
    latest = data.default_year()
    view = (tuple(indicator_ids), heading, lg, state.published_only(), state.year(latest), latest, data.version())
    heading_text, cards, caption, figs = data.shared("kpi_cards", view, lambda: _kpi_model(indicator_ids, heading, lg))
    if heading_text is not None:
        st.subheader(heading_text)
    with card_row(columns, "-".join(indicator_ids)):
        for card in cards:
            st.metric(**card)
    if caption:
        st.caption(caption)
    return figs


def _kpi_model(indicator_ids: list[str], heading: str | None, lg: str) -> tuple:
    """What :func:`kpi_cards` draws: (heading text or None, st.metric keyword arguments per card,
    the caption or None, the figures shown)."""
    figs = data.query("region_figures", indicator_ids=tuple(indicator_ids), published_only=state.published_only())
    figs = figs.sort_values("year").drop_duplicates("indicator_id", keep="last")
    heading_text = None if heading is None else t(heading, lg, last=int(figs["year"].max()) if len(figs) else "")
    figs = figs.set_index("indicator_id").reindex([i for i in indicator_ids if i in set(figs["indicator_id"])])
    cards = []
    for _, row in figs.iterrows():
        name = row["name_zh"] if lg == "zh" else row["name_en"]
        tag = f" [{t('sample_tag', lg)}]" if row["status"] == "sample" else ""
        cards.append({"label": name, "value": figure_text(row, lg) + tag, "help": _kpi_help(row, lg),
                      "border": True, **_kpi_note(row, lg)})
    caption = None
    if len(figs):
        years_shown = t("list_sep", lg).join(str(int(y)) for y in sorted(set(figs["year"])))
        caption = t("kpi_scope", lg, years=years_shown)
    return heading_text, tuple(cards), caption, figs.reset_index()


def kpi_range(min_id: str, max_id: str, label: str, columns: int = 4) -> None:
    """One card for a range the bulletin states as "a—b" (e.g. 团建占党建考核比重 1—5%)."""
    lg = state.lang()
    figs = data.query("region_figures", indicator_ids=(min_id, max_id), published_only=False).set_index("indicator_id")
    lo, hi = figs.loc[min_id], figs.loc[max_id]
    unit = lo["display_unit"] if lg == "zh" else lo["unit_en"]
    text = format_range(lo["value"], hi["value"], unit, lg)
    src = lo["source_title"] if lg == "zh" else lo["source_title_en"]
    tip = "  \n".join([t("figure_with_period", lg, figure=text, period=period_text(lo, lg)),
                        definition_text(lo, lg), definition_text(hi, lg),
                        f"{t('source', lg)}{t('colon', lg)}{src}{t('semicolon', lg)}{source_text(lo['locator'], lg)}", f"{t('status', lg)}{t('colon', lg)}{status_label(lo['status'])}"])
    with card_row(columns, f"{min_id}-{max_id}"):
        st.metric(label, text, help=tip, border=True, **_kpi_note(lo, lg))


def card_row(columns: int, name: str):
    """The container of a row of headline cards: one block laid out as a grid by :data:`CARDS_CSS`
    (``columns`` cards per row on a desktop, in reading order when they wrap; one per row on a phone).
    ``name``: unique on the page (the cards' indicator ids). One element instead of a column block
    per card: fewer messages for every session."""
    return st.container(key=f"nmg_cards{columns}_{name}", gap=None)


def sources_footnote(frame: pd.DataFrame) -> None:
    """One caption line per source cited in ``frame`` (columns source_title[_en], status). The text
    is made once per frame object and language (:func:`nmgdash.ui.data.per_object`)."""
    lg = state.lang()
    text = data.per_object("sources_footnote", frame, (lg,), lambda: footnote_text(frame, lg))
    if text:
        st.caption(text)


def footnote_text(frame: pd.DataFrame, lg: str) -> str | None:
    """The text of :func:`sources_footnote`: "来源：" then "[1] 《全团要讯》…（已发布）" per source
    cited in ``frame``, one per line (markdown line breaks); None when nothing is cited."""
    col = "source_title" if lg == "zh" else "source_title_en"
    if frame.empty or col not in frame:
        return None
    cited = frame.dropna(subset=[col]).drop_duplicates(col)
    if cited.empty:
        return None
    lines = [f"{t('footnote_sources', lg)}{t('colon', lg).rstrip()}"]
    for i, (title, status) in enumerate(zip(cited[col], cited["status"]), 1):
        lines.append(f"[{i}] {plain(title)}{t('in_brackets', lg, text=status_label(status))}")  # an imported file's name: text
    return "  \n".join(lines)


def export_buttons(table: pd.DataFrame, stem: str, sample: bool, key: str) -> None:
    """CSV (UTF-8 with BOM, opens in Excel) and Excel downloads of ``table`` (see nmgdash.reports.exports:
    header first, text escaped against formula injection). Sample exports carry 示例数据 in the
    file name and in the Excel data sheet's name, the notice on the 说明 sheet, and the status and
    source columns of every row say 示例."""
    lg = state.lang()
    note = t("sample_notice", lg) if sample else ""

    def csv_bytes() -> bytes:
        return exports.to_csv_bytes(table)

    def xlsx_bytes() -> bytes:
        return exports.to_xlsx_bytes(table, note, lg, sample=sample)

    # Callables: the files are only built when the button is clicked, not on every rerun.
    # One horizontal row (one block; columns would send three), side by side down to a phone's width.
    row = st.container(horizontal=True, gap="small")
    row.download_button(t("download_csv", lg), csv_bytes, exports.download_name(stem, "csv", sample=sample, lang=lg),
                       "text/csv",
                       key=f"{key}_csv", width="stretch", on_click="ignore")
    row.download_button(t("download_xlsx", lg), xlsx_bytes, exports.download_name(stem, "xlsx", sample=sample, lang=lg),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key}_xlsx", width="stretch", on_click="ignore")


def data_table(table: pd.DataFrame, **kwargs: object) -> None:
    """``st.dataframe`` of ``table`` (no index, full width) with missing cells shown as "—"
    (Streamlit's ``placeholder``) instead of "None"; numbers are shown with at most 4 decimals,
    trailing zeros dropped (Streamlit's default). The data stay unchanged: sorting, the grid's own
    download and AppTest see the values. Keep the reason for a missing value in a note column of
    ``table``. No pandas Styler: Streamlit recomputes a Styler's display values cell by cell on
    every run (~6 ms of server CPU per table and session)."""
    st.dataframe(table, **({"hide_index": True, "width": "stretch", "placeholder": "—"} | kwargs))


def make_then_download(make_label: str, save_label: str, make: Callable[[], bytes], file_name: str | Callable[[], str],
                       mime: str, key: str, *, spinner: str, signature: object = None, **button: object) -> None:
    """A "make" button that builds a file on the server (under ``st.spinner(spinner)``) and then
    offers its bytes with a download button labelled ``save_label``. When ``make`` raises
    :class:`nmgdash.slides.deck.ExportError` (no Chromium, timeout, failure) its message in the
    current language is shown with ``st.error`` instead of Streamlit's own English "Failed to
    generate file for download". The bytes are kept in the session for this ``key`` while
    ``signature`` (default: ``file_name`` with the URL's filters) stays the same, so a changed view
    never offers an old file. ``file_name``: the name, or a callable asked for it right after ``make``
    (when the name depends on what was made, e.g. whether sample values went in).
    ``button``: more arguments for both buttons (``width``, ``type``, ``disabled``)."""
    lg = state.lang()
    sig = (file_name if isinstance(file_name, str) else None, lg, tuple(sorted((k, tuple(st.query_params.get_all(k))) for k in st.query_params)), signature)
    held_key = f"_made_{key}"
    held = st.session_state.get(held_key)
    if held is not None and held[0] != sig:
        st.session_state.pop(held_key, None)
        held = None
    if st.button(make_label, key=f"make_{key}", icon=":material/image:" if mime.startswith("image/") else None, **button):
        with st.spinner(spinner):
            try:
                made = make()
                held = (sig, made, file_name if isinstance(file_name, str) else file_name())
            except deck.ExportError as exc:
                st.session_state.pop(held_key, None)
                held = None
                st.error(exc.message_zh if lg == "zh" else exc.message_en, icon="🛑")
            else:
                st.session_state[held_key] = held
    if held is not None:
        st.download_button(save_label, held[1], held[2], mime, key=key, on_click="ignore",
                           icon=":material/download:", **button)


def png_button(fig: object, stem: str, key: str, *, sample: bool,
               footnote: Callable[[], list[str]] | None = None) -> None:
    """A "生成图片（PNG，演示分辨率）" button for ``fig`` (a figure, its dict or JSON text) at presentation resolution (1920×1080 × 2),
    rendered on the server by kaleido in the system Chromium with CJK fonts
    (:func:`nmgdash.slides.deck.png`) when clicked, then "下载图片（PNG，演示分辨率）" for the file
    (:func:`make_then_download`; a failure shows our message). The file is named by
    :func:`nmgdash.reports.exports.download_name`; ``sample``: the figure shows sample values, by
    :func:`nmgdash.reports.exports.shows_sample` of the rows it draws (required: every caller says).
    ``footnote``: called when the image is made, the lines under the chart in place of its source
    line (:func:`nmgdash.slides.present.footnote_text`: 口径, unit, source, status, as on the slides).
    Not shown when the server has no Chromium (the modebar's camera still works)."""

    if not deck.available():
        return
    lg = state.lang()
    make_then_download(t("png_generate", lg), t("png_download", lg),
                       lambda: deck.png(json.loads(fig) if isinstance(fig, str) else fig,
                                        footnote=footnote() if footnote else None),
                       exports.download_name(stem, "png", sample=sample, lang=lg), "image/png",
                       f"png_{key}", spinner=t("png_generating", lg))


def indicator_picker(page: str, indicator_ids: list[str]) -> pd.Series:
    """Selectbox over the page's indicators (key and URL parameter ``ind``; the page's own choice
    comes back when the user returns to it). Returns the chosen catalogue row."""
    cat = data.catalogue()
    ids = [i for i in indicator_ids if i in cat.index]
    state.recall(page, state.IND, ids)
    # the help names the indicator the box will show: its state, else the URL value it binds to
    lg = state.lang()
    labels = data.shared("indicator_labels", (lg, data.version()), lambda: _indicator_labels(lg))  # once per run
    current = st.session_state.get(state.IND)
    if current not in ids:
        current = {labels[i]: i for i in ids}.get(st.query_params.get(state.IND), ids[0])
    shown = current
    chosen = st.selectbox(t("indicator", lg), ids, key=state.IND, bind="query-params",
                          format_func=labels.__getitem__,
                          help=f"{labels[shown]}  \n{definition_text(cat.loc[shown], lg)}")
    state.remember(page, state.IND)
    state.bound(state.IND)
    return cat.loc[chosen]


def mode_picker(page: str, additive: bool) -> str:
    """Radio over the display modes (key and URL parameter ``mode``; remembered per page).
    Per-capita and share need an additive indicator."""
    modes = list(state.MODES) if additive else ["value", "yoy", "vs_base"]
    state.recall(page, state.MODE, modes)
    chosen = st.radio(t("mode", state.lang()), modes, key=state.MODE, horizontal=True, bind="query-params",
                      format_func=mode_label)
    state.remember(page, state.MODE)
    state.bound(state.MODE)
    return chosen


def map_selection_bar(page: str) -> str:
    """The row above a league map: the 多选 switch (on: a click adds or removes a league; off: it
    replaces the selection) and 清除选择 (enabled while leagues are chosen). Returns the switch's key."""
    key = f"multi_{page}"
    row = st.container(horizontal=True, vertical_alignment="center", gap="medium")  # one block, not three
    row.toggle(t("multi_select", state.lang()), key=key, help=t("multi_select_help", state.lang()))
    # always drawn (disabled without a selection): a button that appears after the first click
    # would push the map down under the pointer before a second click lands
    row.button(t("clear_selection", state.lang()), on_click=clear_leagues, key=f"clear_{page}",
                 disabled=not state.selected_leagues())
    return key


def on_map_click(chart_key: str, multi_key: str | None = None, event: dict | None = None) -> None:
    """Map click callback: the clicked league replaces the selection (and, on an indicator with
    county data, opens its counties), or, with Ctrl/Cmd held or the 多选 switch (``multi_key``) on,
    is added to or removed from it, staying on the league map (:func:`state.county_view`).

    event: the click of a map drawn by :func:`nmgdash.ui.mapview.plotly_map`
    (``{"adcode": "152200", "ctrl": bool, "shift": bool}``). Without it the click is read from
    ``st.session_state[chart_key]``: that event under "click", or an ``st.plotly_chart``
    selection (``{"selection": {"points": [{"customdata": [adcode]}]}}``)."""
    current = st.session_state.get(chart_key) or {}
    if event is None and isinstance(current.get("click"), dict):
        event = current["click"]
    if event is not None:
        code, add = event.get("adcode"), bool(event.get("ctrl"))
    else:
        points = current.get("selection", {}).get("points", [])
        codes = [p.get("customdata") for p in points if p.get("customdata")]
        code = (codes[-1][0] if isinstance(codes[-1], list) else codes[-1]) if codes else None
        add = False
    if not code:
        return
    if add or (multi_key and st.session_state.get(multi_key)):
        state.toggle_league(str(code))
        state.set_county_view(False)  # adding or removing never drills into one league's counties
    else:
        state.set_leagues([str(code)])
        state.set_county_view(True)


def clear_leagues() -> None:
    """Callback of 清除选择 / 返回全区地图: all 12 leagues again."""
    state.set_leagues([])
    state.set_county_view(True)


def show_counties() -> None:
    """Callback of 查看下辖旗县: the one chosen league's county map."""
    state.set_county_view(True)
