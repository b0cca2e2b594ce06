"""Streamlit building blocks shared by the pages: cached data access, the sidebar filters,
sample notices, KPI cards, the map/ranking/trend/table view of a topic, and exports.

Pages in ``pages/`` only lay these out.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from . import charts, db, exports, queries, state
from .fmt import format_number, format_signed, is_missing, mode_unit
from .i18n import t
from .paths import DATA_DIR

BASELINE_YEAR = 2017


# ---------------------------------------------------------------- data access
@st.cache_resource(show_spinner=False)
def connection():
    """One DuckDB connection per server process; ``queries.run`` takes a cursor per call."""
    return db.connect(read_only=True)


@st.cache_data(show_spinner=False)
def query(name: str, **params: object) -> pd.DataFrame:
    """Cached result of the named query (lists must be passed as tuples for hashing)."""
    bound = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
    return queries.run(connection(), name, **bound)


@st.cache_resource(show_spinner=False)
def shapes(level: str, parent: str | None = None) -> charts.MapShapes:
    """Cached boundary layer for the maps (see charts.map_shapes)."""
    spacing = 20.0 if level == "league" else 6.0
    return charts.map_shapes(level, parent, spacing_km=spacing)


@st.cache_data(show_spinner=False)
def label_offsets() -> dict[str, tuple[float, float]]:
    """adcode → (dx_km, dy_km) label moves from data/map_labels.csv."""
    df = pd.read_csv(DATA_DIR / "map_labels.csv", dtype={"adcode": str})
    return {r.adcode: (float(r.dx_km), float(r.dy_km)) for r in df.itertuples()}


def tick_text(value: float) -> str:
    """Axis tick in the current language's number style (zh: 1.5万, 400万)."""
    return format_number(value, "", lang())


def short_names(names: pd.Series) -> pd.Series:
    """Map-label names: English drops " League"/" City"/" County" etc. to save room; Chinese stays official."""
    if lang() == "zh":
        return names
    return names.str.replace(r" (League|Autonomous Banner|United Banner|Mining District)$", "", regex=True)


def lang() -> str:
    """The UI language from the shared state: 'zh' (default) or 'en'."""
    return st.session_state.get("lang", "zh")


def name_col() -> str:
    """Column holding area/indicator names in the current language (name_zh or name_en)."""
    return "name_zh" if lang() == "zh" else "name_en"


def leagues() -> pd.DataFrame:
    """The 12 leagues: adcode, name_zh, name_en, level, parent_adcode."""
    return query("areas", level="league", parent=None)


def league_names() -> dict[str, str]:
    """adcode → official Chinese name for the 12 leagues."""
    lg = leagues()
    return dict(zip(lg["adcode"], lg["name_zh"]))


def catalogue() -> pd.DataFrame:
    """The indicator catalogue indexed by indicator_id."""
    return query("catalogue").set_index("indicator_id", drop=False)


def years() -> list[int]:
    """The statistical years offered by the year filter (every year with non-reference data)."""
    return [int(y) for y in query("years", published_only=False)["year"]]


def status_label(status: str | None) -> str:
    """Display label of a status (published → 已发布 …); '—' when missing."""
    return "—" if not status or is_missing(status) else t(f"status_{status}", lang())


# ---------------------------------------------------------------- sidebar / state
def sidebar() -> None:
    """Draw the shared filters (language, leagues, year, published-only) and keep them in state."""
    names = league_names()
    state.init(names)
    ss = st.session_state
    with st.sidebar:
        state.bind("lang", "w_lang")
        st.radio(t("language", lang()), ["zh", "en"], key="w_lang", horizontal=True,
                 format_func=lambda v: "中文" if v == "zh" else "English")
        lg = leagues()
        label = dict(zip(lg["adcode"], lg[name_col()]))
        state.bind("leagues", "w_leagues")
        ss["w_leagues"] = [a for a in ss["w_leagues"] if a in label]
        st.multiselect(t("leagues", lang()), list(label), key="w_leagues", format_func=label.get,
                       placeholder=t("all_leagues", lang()), help=t("leagues_help", lang()))
        options = years()
        if ss.get("year") not in options:
            ss["year"] = 2019 if 2019 in options else options[-1]
        state.bind("year", "w_year")
        st.radio(t("year", lang()), options, key="w_year", horizontal=True)
        state.bind("pub", "w_pub")
        st.toggle(t("published_only", lang()), key="w_pub", help=t("published_only_help", lang()))
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
    state.sync_url(league_names())


# ---------------------------------------------------------------- small pieces
def sample_notice() -> None:
    """The yellow notice shown on every page section that displays sample data."""
    st.warning(t("sample_notice", lang()), icon=None)


def _kpi_help(row: pd.Series, lg: str) -> str:
    """Tooltip of a headline card: year, source with locator, status."""
    src = row["source_title"] if lg == "zh" else row["source_title_en"]
    return (f"{int(row['year'])}｜{t('source', lg)}：{src}；{row['locator']}"
            f"｜{t('status', lg)}：{status_label(row['status'])}")


def kpi_cards(indicator_ids: list[str], columns: int = 4) -> pd.DataFrame:
    """Big numbers for region-level figures, each with unit, year and source in the tooltip
    and a numbered footnote. Returns the figures shown (region_figures rows)."""
    lg = lang()
    figs = query("region_figures", indicator_ids=tuple(indicator_ids), published_only=st.session_state.get("pub", False))
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
    lg = lang()
    figs = query("region_figures", indicator_ids=(min_id, max_id), published_only=False).set_index("indicator_id")
    lo, hi = figs.loc[min_id], figs.loc[max_id]
    unit = lo["unit"] if lg == "zh" else lo["unit_en"]
    st.columns(columns)[0].metric(
        label, f"{format_number(lo['value'], unit, lg)}—{format_number(hi['value'], unit, lg)}",
        help=_kpi_help(lo, lg), border=True)


def sources_footnote(frame: pd.DataFrame) -> None:
    """One caption line per source cited in ``frame`` (columns source_title[_en], status)."""
    lg = lang()
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
    lg = lang()
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


# ---------------------------------------------------------------- the topic view
def _value_label(row: pd.Series, unit: str, mode: str, lg: str) -> str:
    """The on-map text for one area: the formatted metric, or why there is none."""
    if is_missing(row["metric"]):
        if not is_missing(row.get("value")):  # the value exists; the mode cannot be computed
            reason = {"yoy": "no_prev_year", "vs_base": "no_base_year", "per_10k": "no_population"}.get(mode, "no_data")
            return t(reason, lg)
        if not is_missing(row.get("nearest_year")):
            return t("no_data_nearest", lg, year=int(row["nearest_year"]))
        return t("no_data", lg)
    fmt = format_signed if mode in {"yoy", "vs_base"} else format_number
    return fmt(row["metric"], unit, lg)


def indicator_picker(page: str, indicator_ids: list[str]) -> pd.Series:
    """Selectbox over the page's indicators (state key ``ind``); returns the catalogue row."""
    cat = catalogue()
    ids = [i for i in indicator_ids if i in cat.index]
    ss = st.session_state
    wkey = f"w_ind_{page}"
    if wkey not in ss:
        ss[wkey] = ss.get("ind") if ss.get("ind") in ids else ids[0]
    label = cat[name_col()].to_dict()
    unit = cat["unit" if lang() == "zh" else "unit_en"].to_dict()
    st.selectbox(t("indicator", lang()), ids, key=wkey, format_func=lambda i: f"{label[i]}（{unit[i]}）")
    ss["ind"] = ss[wkey]
    return cat.loc[ss[wkey]]


def mode_picker(page: str, additive: bool) -> str:
    """Radio over the display modes (state key ``mode``); per-capita and share need an additive indicator."""
    modes = list(state.MODES) if additive else ["value", "yoy", "vs_base"]
    ss = st.session_state
    wkey = f"w_mode_{page}"
    if ss.get(wkey) not in modes:
        ss[wkey] = ss.get("mode") if ss.get("mode") in modes else "value"
    st.radio(t("mode", lang()), modes, key=wkey, horizontal=True, format_func=lambda m: t(f"mode_{m}", lang()))
    ss["mode"] = ss[wkey]
    return ss[wkey]


def on_map_click(chart_key: str) -> None:
    """Plotly selection callback: a clicked click-target point makes its league the selection."""
    points = (st.session_state.get(chart_key) or {}).get("selection", {}).get("points", [])
    codes = [p.get("customdata") for p in points if p.get("customdata")]
    if codes:
        _set_leagues([codes[0][0] if isinstance(codes[0], list) else codes[0]])


def _set_leagues(codes: list[str]) -> None:
    """Set the league selection from a callback (before the sidebar widget is drawn)."""
    st.session_state["w_leagues"] = codes
    st.session_state["leagues"] = codes


def _clear_leagues() -> None:
    _set_leagues([])


def metrics(indicator_id: str, level: str, parent: str | None, mode: str,
            year_list: tuple[int, ...] | None = None) -> pd.DataFrame:
    """area_metrics for every year of the year filter, or ``year_list`` (cached)."""
    return query("area_metrics", indicator_id=indicator_id, level=level, parent=parent,
                 years=year_list or tuple(years()), baseline_year=BASELINE_YEAR,
                 published_only=bool(st.session_state.get("pub")), mode=mode)


def topic_view(page: str, indicator_ids: list[str]) -> None:
    """The per-league view of one topic: picker, mode, map (with click-to-select and county
    drill-down), ranking, trend, table with CSV/Excel export and source footnotes."""
    lg = lang()
    ss = st.session_state
    c1, c2 = st.columns([2, 3])
    with c1:
        ind = indicator_picker(page, indicator_ids)
    with c2:
        mode = mode_picker(page, bool(ind["additive"]))
    year = int(ss["year"])
    unit = ind["unit"] if lg == "zh" else ind["unit_en"]
    munit = mode_unit(mode, unit, bool(ind["additive"]), lg)
    iname = ind[name_col()]
    selected = tuple(ss.get("leagues", []))
    names = dict(zip(leagues()["adcode"], leagues()[name_col()]))

    full = metrics(ind["indicator_id"], "league", None, mode)
    cur = full[full["year"] == year].copy()
    cur["name"] = short_names(cur[name_col()])
    cur["label"] = [_value_label(r, munit, mode, lg) for _, r in cur.iterrows()]
    is_sample = (full["status"] == "sample").any()
    tag = f"（{t('sample_tag', lg)}）" if lg == "zh" else f" ({t('sample_tag', lg)})"
    suffix = tag if (cur["status"] == "sample").any() else ""
    if is_sample:
        sample_notice()
    mode_txt = t(f"mode_{mode}", lg)

    drill = len(selected) == 1 and ind["lowest_level"] == "county"
    if len(selected) == 1 and not drill:
        st.caption(t("county_na", lg))
    if drill:
        league = selected[0]
        cframe = metrics(ind["indicator_id"], "county", league, mode)
        cframe = cframe[cframe["year"] == year].copy()
        cframe["name"] = short_names(cframe[name_col()])
        cframe["label"] = [_value_label(r, munit, mode, lg) for _, r in cframe.iterrows()]
        map_frame, shp, offsets, min_area = cframe, shapes("county", league), {}, 0.0
        map_title = f"{t('county_map', lg, league=names[league])} · {iname} · {year} · {mode_txt}{suffix}"
        st.button(t("back_to_region", lg), on_click=_clear_leagues, key=f"back_{page}")
    else:
        map_frame, shp, offsets, min_area = cur, shapes("league"), label_offsets(), 0.0
        map_title = f"{iname} · {year} · {mode_txt}{suffix}"
    map_frame["hover"] = [
        f"<b>{r['name']}</b><br>{r['label']}<br>{t('status', lg)}：{status_label(r['status'])}"
        + (f"<br>{t('source', lg)}：{r['source_title' if lg == 'zh' else 'source_title_en']}" if not is_missing(r["source_title"]) else "")
        for _, r in map_frame.iterrows()
    ]
    missing = map_frame["metric"].isna().any()
    note = None
    if missing:
        note = t("no_data_reason_pub", lg) if ss.get("pub") and map_frame["value"].isna().all() else t("no_data_reason", lg)
    fig = charts.choropleth(
        map_frame[["adcode", "name", "metric", "label", "hover"]], shp, title=map_title, unit_label=munit,
        selected=selected if not drill else (), label_offsets=offsets, label_min_area_km2=min_area,
        no_data_note=note, uirevision=f"{'county-' + selected[0] if drill else 'league'}", tick_text=tick_text,
        avoid_overlap=drill,
    )
    chart_key = f"map_{page}_{'county' if drill else 'league'}"
    if drill:
        st.plotly_chart(fig, key=chart_key, config={"displaylogo": False, "scrollZoom": False})
    else:
        st.plotly_chart(fig, key=chart_key, on_select=lambda: on_map_click(chart_key),
                        selection_mode="points", config={"displaylogo": False, "scrollZoom": False})
    st.caption(t("map_hint", lg))

    left, right = st.columns(2)
    region_metric = cur["region_metric"].dropna()
    with left:
        rank_src = map_frame if drill else cur
        st.plotly_chart(
            charts.ranking_bar(rank_src[["adcode", "name", "metric", "label"]],
                               title=f"{t('ranking_county' if drill else 'ranking', lg)} · {year}{suffix}", unit_label=munit,
                               region_value=None if drill or region_metric.empty else float(region_metric.iloc[0]),
                               region_label=f"{t('region_avg', lg) if mode in {'value', 'share'} else t('region', lg)}",
                               selected=selected, tick_text=tick_text),
            key=f"rank_{page}", config={"displaylogo": False},
        )
    with right:
        chosen = list(selected) or list(cur.dropna(subset=["metric"]).nsmallest(3, "rank")["adcode"])
        tr = full[full["adcode"].isin(chosen)].assign(name=lambda d: d[name_col()])
        region_tr = full.drop_duplicates("year")[["year", "region_metric"]].dropna()
        if tr["metric"].isna().all() and region_tr.empty:
            st.info(f"{t('trend', lg)}：{t('empty_selection', lg)}")
        else:
            st.plotly_chart(
                charts.trend_lines(tr[["name", "year", "metric"]], region_tr,
                                   title=f"{t('trend', lg)}（{munit}）{tag if is_sample else ''}", unit_label=munit,
                                   region_label=t("region_avg", lg) if mode in {"value", "share"} else t("region", lg),
                                   tick_text=tick_text),
                key=f"trend_{page}", config={"displaylogo": False},
            )

    st.subheader(t("table", lg))
    shown = map_frame
    area_col = t("leagues", lg) if not drill else "旗县（市、区）" if lg == "zh" else "County"
    columns = {
        "adcode": shown["adcode"],
        area_col: shown["name"],
        t("year", lg): year,
        f"{iname}（{unit}）": shown["value"],
    }
    if mode != "value":  # the value column already is the metric in 绝对值 mode
        columns[f"{mode_txt}（{munit}）"] = [float(f"{m:.4g}") if not is_missing(m) else None for m in shown["metric"]]
    columns |= {
        t("rank", lg): shown["rank"],
        t("status", lg): [status_label(s) for s in shown["status"]],
        t("source", lg): shown["source_title" if lg == "zh" else "source_title_en"],
        t("locator", lg): shown["locator"],
        t("note", lg): [lab if is_missing(m) else "" for lab, m in zip(shown["label"], shown["metric"])],
    }
    table = pd.DataFrame(columns)
    st.dataframe(table, hide_index=True, width="stretch")
    where = names[selected[0]] if drill else "全区" if lg == "zh" else "region"
    export_buttons(table, f"{iname}_{where}_{year}_{mode_txt}", sample=(shown["status"] == "sample").any(),
                   key=f"exp_{page}")
    sources_footnote(shown)


def ensure_app() -> None:
    """Call first in every page file. Because this repo has a ``pages/`` folder, Streamlit starts
    each new server process in its old file-based multipage mode, in which a first request for a
    deep link (``/hubs``) runs the page file alone, without ``app.py``'s navigation and filters.
    ``st.navigation`` leaves that mode for good, but only once ``app.py`` has run. If a page finds
    itself run alone, switch the mode off and rerun: the rerun goes through ``app.py`` and lands on
    the same page (its url_path equals its file name)."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
