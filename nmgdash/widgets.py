"""Widgets and small page pieces shared by the pages: the sidebar filters, notices, headline
cards, source footnotes, export buttons, the indicator and mode pickers and the map-click handler."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from . import data, exports, state
from .fmt import format_number, is_missing
from .i18n import t


def tick_text(value: float) -> str:
    """Axis tick in the current language's number style (zh: 1.5万, 400万)."""
    return format_number(value, "", state.lang())


def short_names(names: pd.Series) -> pd.Series:
    """Map-label names: English drops " League"/" City"/" County" etc. to save room; Chinese stays official."""
    if state.lang() == "zh":
        return names
    return names.str.replace(r" (League|Autonomous Banner|United Banner|Mining District)$", "", regex=True)


def status_label(status: str | None) -> str:
    """Display label of a status (published → 已发布 …); '—' when missing."""
    return "—" if not status or is_missing(status) else t(f"status_{status}", state.lang())


def sidebar() -> None:
    """Draw the shared filters (language, leagues, year, published-only) and keep them in state."""
    names = data.league_names()
    state.init(names)
    ss = st.session_state
    with st.sidebar:
        state.bind("lang", "w_lang")
        st.radio(t("language", state.lang()), ["zh", "en"], key="w_lang", horizontal=True,
                 format_func=lambda v: "中文" if v == "zh" else "English")
        lg = data.leagues()
        label = dict(zip(lg["adcode"], lg[state.name_col()]))
        state.bind("leagues", "w_leagues")
        ss["w_leagues"] = [a for a in ss["w_leagues"] if a in label]
        st.multiselect(t("leagues", state.lang()), list(label), key="w_leagues", format_func=label.get,
                       placeholder=t("all_leagues", state.lang()), help=t("leagues_help", state.lang()))
        options = data.years()
        if ss.get("year") not in options:
            ss["year"] = 2019 if 2019 in options else options[-1]
        state.bind("year", "w_year")
        st.radio(t("year", state.lang()), options, key="w_year", horizontal=True)
        state.bind("pub", "w_pub")
        st.toggle(t("published_only", state.lang()), key="w_pub", help=t("published_only_help", state.lang()))
    # copy the widget values into the shared keys that outlive page switches
    for key in ("lang", "leagues", "year", "pub"):
        state.store(key, f"w_{key}")


def style() -> None:
    """Small CSS fixes, served inline (no external stylesheet): headline numbers wrap instead of
    being cut off with an ellipsis in narrow columns (projectors at 1024 px, English text)."""
    st.html(
        "<style>"
        "[data-testid='stMetricValue'] > div {white-space: normal !important; overflow: visible !important;"
        " text-overflow: clip !important; font-size: clamp(1.35rem, 2.1vw, 2.25rem); line-height: 1.15;}"
        "[data-testid='stMetricLabel'] p {white-space: normal !important;}"
        "</style>"
    )


def finish() -> None:
    """Mirror the state into the URL; call at the end of every run."""
    state.sync_url(data.league_names())


def sample_notice() -> None:
    """The yellow notice shown on every page section that displays sample data."""
    st.warning(t("sample_notice", state.lang()), icon=None)


def _kpi_help(row: pd.Series, lg: str) -> str:
    """Tooltip of a headline card: year, source with locator, status."""
    src = row["source_title"] if lg == "zh" else row["source_title_en"]
    return (f"{int(row['year'])}｜{t('source', lg)}：{src}；{row['locator']}"
            f"｜{t('status', lg)}：{status_label(row['status'])}")


def kpi_cards(indicator_ids: list[str], columns: int = 4) -> pd.DataFrame:
    """Big numbers for region-level figures, each with unit, year and source in the tooltip
    and a numbered footnote. Returns the figures shown (region_figures rows)."""
    lg = state.lang()
    figs = data.query("region_figures", indicator_ids=tuple(indicator_ids), published_only=state.published_only())
    figs = figs.sort_values("year").drop_duplicates("indicator_id", keep="last")
    figs = figs.set_index("indicator_id").reindex([i for i in indicator_ids if i in set(figs["indicator_id"])])
    cols = st.columns(columns)
    for n, (_, row) in enumerate(figs.iterrows()):
        unit = row["unit"] if lg == "zh" else row["unit_en"]
        name = row["name_zh"] if lg == "zh" else row["name_en"]
        tag = f" [{t('sample_tag', lg)}]" if row["status"] == "sample" else ""
        with cols[n % columns]:
            st.metric(
                name,
                format_number(row["value"], unit, lg) + tag,
                help=_kpi_help(row, lg),
                border=True,
            )
    if len(figs):
        years_shown = "、".join(str(int(y)) for y in sorted(set(figs["year"])))
        st.caption(t("kpi_scope", lg, years=years_shown))
    return figs.reset_index()


def kpi_range(min_id: str, max_id: str, label: str, columns: int = 4) -> None:
    """One card for a range the bulletin states as "a—b" (e.g. 团建占党建考核比重 1—5%)."""
    lg = state.lang()
    figs = data.query("region_figures", indicator_ids=(min_id, max_id), published_only=False).set_index("indicator_id")
    lo, hi = figs.loc[min_id], figs.loc[max_id]
    unit = lo["unit"] if lg == "zh" else lo["unit_en"]
    st.columns(columns)[0].metric(
        label, f"{format_number(lo['value'], unit, lg)}—{format_number(hi['value'], unit, lg)}",
        help=_kpi_help(lo, lg), border=True)


def sources_footnote(frame: pd.DataFrame) -> None:
    """One caption line per source cited in ``frame`` (columns source_title[_en], status)."""
    lg = state.lang()
    col = "source_title" if lg == "zh" else "source_title_en"
    if frame.empty or col not in frame:
        return
    cited = frame.dropna(subset=[col]).drop_duplicates(col)
    if cited.empty:
        return
    lines = [f"{t('footnote_sources', lg)}："]
    for i, r in enumerate(cited.itertuples(), 1):
        lines.append(f"[{i}] {getattr(r, col)}（{status_label(r.status)}）")
    st.caption("  \n".join(lines))


def export_buttons(table: pd.DataFrame, stem: str, sample: bool, key: str) -> None:
    """CSV (UTF-8 with BOM, opens in Excel) and Excel downloads of ``table``.
    Sample exports carry 示例数据 in the file name, a notice row in the CSV and a notice sheet."""
    lg = state.lang()
    note = t("sample_notice", lg) if sample else ""
    fname = f"{stem}{'_示例数据' if sample and lg == 'zh' else '_SAMPLE' if sample else ''}_{date.today():%Y%m%d}"

    def csv_bytes() -> bytes:
        return exports.to_csv_bytes(table, note)

    def xlsx_bytes() -> bytes:
        return exports.to_xlsx_bytes(table, note, lg)

    # Callables: the files are only built when the button is clicked, not on every rerun.
    c1, c2 = st.columns(2)
    c1.download_button(t("download_csv", lg), csv_bytes, f"{fname}.csv", "text/csv",
                       key=f"{key}_csv", width="stretch", on_click="ignore")
    c2.download_button(t("download_xlsx", lg), xlsx_bytes, f"{fname}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key}_xlsx", width="stretch", on_click="ignore")


def indicator_picker(page: str, indicator_ids: list[str]) -> pd.Series:
    """Selectbox over the page's indicators (state key ``ind``); returns the catalogue row."""
    cat = data.catalogue()
    ids = [i for i in indicator_ids if i in cat.index]
    ss = st.session_state
    wkey = f"w_ind_{page}"
    if wkey not in ss:
        ss[wkey] = ss.get("ind") if ss.get("ind") in ids else ids[0]
    label = cat[state.name_col()].to_dict()
    unit = cat["unit" if state.lang() == "zh" else "unit_en"].to_dict()
    st.selectbox(t("indicator", state.lang()), ids, key=wkey, format_func=lambda i: f"{label[i]}（{unit[i]}）")
    ss["ind"] = ss[wkey]
    return cat.loc[ss[wkey]]


def mode_picker(page: str, additive: bool) -> str:
    """Radio over the display modes (state key ``mode``); per-capita and share need an additive indicator."""
    modes = list(state.MODES) if additive else ["value", "yoy", "vs_base"]
    ss = st.session_state
    wkey = f"w_mode_{page}"
    if ss.get(wkey) not in modes:
        ss[wkey] = ss.get("mode") if ss.get("mode") in modes else "value"
    st.radio(t("mode", state.lang()), modes, key=wkey, horizontal=True, format_func=lambda m: t(f"mode_{m}", state.lang()))
    ss["mode"] = ss[wkey]
    return ss[wkey]


def on_map_click(chart_key: str) -> None:
    """Plotly selection callback: a clicked click-target point makes its league the selection."""
    points = (st.session_state.get(chart_key) or {}).get("selection", {}).get("points", [])
    codes = [p.get("customdata") for p in points if p.get("customdata")]
    if codes:
        set_leagues([codes[0][0] if isinstance(codes[0], list) else codes[0]])


def set_leagues(codes: list[str]) -> None:
    """Set the league selection from a callback (before the sidebar widget is drawn)."""
    st.session_state["w_leagues"] = codes
    st.session_state["leagues"] = codes


def clear_leagues() -> None:
    set_leagues([])
