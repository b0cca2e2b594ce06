"""The per-league view of one topic (经费保障, 队伍建设, 青年爱里, 党建引领与督查): indicator and mode
pickers, the league map with click-to-select and county drill-down, ranking, trend and the table
with its exports."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from nmgdash.core import summary, topics
from nmgdash.core.fmt import format_number, format_signed, is_missing, mode_unit
from nmgdash.core.i18n import t
from nmgdash.core.labels import (
    html_text,
    map_frame,
    mode_text,
    player_labels,
    sample_notice_text,
    sample_tag,
    source_text,
    tick_formatter,
    value_label,
)
from nmgdash.figures import charts, player
from nmgdash.reports import exports
from nmgdash.slides import present
from nmgdash.ui import data, state
from nmgdash.ui.mapview import figure_json, plotly_map
from nmgdash.ui.widgets import (
    clear_leagues,
    data_table,
    export_buttons,
    figure_columns,
    indicator_picker,
    kpi_cards,
    map_selection_bar,
    mode_picker,
    on_map_click,
    png_button,
    sample_notice,
    show_counties,
    sources_footnote,
    status_label,
    tick_text,
)


def map_hint(county_view: bool, has_counties: bool, league: str, n_leagues: int, lg: str) -> str:
    """The caption under a topic map, fitting what the map shows: a county map of ``league`` (hover;
    back to the region), or the league map (click selects, and shows the counties only when the
    indicator ``has_counties``)."""
    if county_view:
        return t("map_hint_county", lg, league=league, n=n_leagues)
    return t("map_hint" if has_counties else "map_hint_league_only", lg)


def topic_page(key: str) -> None:
    """The standard topic page ``key`` of the registry (data/topics.toml): title, headline cards with
    their sources, an optional caption, and the league view of the page's map indicators."""
    entry = topics.registry().page(key)
    lg = state.lang()
    st.title(t(key, lg))
    sources_footnote(kpi_cards(list(entry.headline)))
    if entry.caption:
        st.caption(t(entry.caption, lg))
    topic_view(key, list(entry.map))


def topic_view(page: str, indicator_ids: list[str]) -> None:
    """The per-league view of one topic: picker, mode, map (with click-to-select and county
    drill-down), ranking, trend, table with CSV/Excel export and source footnotes.

    Everything the view shows is computed once per view and database build in this server process
    (:func:`topic_model`, shared by all sessions); a run only reads the filters and draws."""
    lg = state.lang()
    with st.container(horizontal=True, gap="medium"):  # one block (columns would send three); wraps on a phone
        ind = indicator_picker(page, indicator_ids)
        mode = mode_picker(page, bool(ind["additive"]))
    year = state.year(data.default_year())
    selected = state.selected_leagues()
    has_counties = ind["lowest_level"] == "county"
    # one league opens its counties after a plain click or a link, not after a Ctrl/多选 click
    drill = len(selected) == 1 and has_counties and state.county_view()
    published = state.published_only()
    view = (page, str(ind["indicator_id"]), mode, year, tuple(selected), drill, lg, published, data.version())
    m: TopicModel = data.shared("topic_model", view, lambda: topic_model(page, ind, mode, year, tuple(selected),
                                                                           drill, lg, published))
    with st.container(key="topic_summary"):
        st.markdown(t("summary_shown", lg, text=m.summary_text))
    if m.notice:
        sample_notice(m.notice)
    if m.completeness:
        with st.container(key="year_completeness"):
            st.caption(t("year_completeness", lg, year=int(year), **m.completeness))
    if m.county_fallback:
        st.info(t("county_per10k_fallback", lg))
    if drill:
        st.button(t("back_to_region", lg), on_click=clear_leagues, key=f"back_{page}")
        plotly_map(m.map_fig, key=m.chart_key, config=charts.plot_config(m.chart_key, scroll_zoom=False))
    else:
        multi_key = map_selection_bar(page)
        chart_key = m.chart_key
        plotly_map(m.map_fig, key=chart_key, on_click=lambda event: on_map_click(chart_key, multi_key, event),
                   config=charts.plot_config(chart_key, scroll_zoom=False))
    png_button(m.map_fig, m.map_stem, m.chart_key, sample=m.map_sample, footnote=lambda: list(m.map_footnote))
    if len(selected) == 1 and not drill:
        # under the map, not above it: an element that appears above the map after a click pushes
        # the map down while the rerun runs, and a quick second click lands beside it
        if has_counties:
            st.button(t("view_counties", lg), on_click=show_counties, key=f"counties_{page}")
        else:
            st.caption(t("county_na", lg))
    st.caption(m.hint)
    topic_player(page, ind, mode, m.full, m.munit)  # ▶ play the years

    left, right = st.columns(2)
    with left:
        plotly_map(m.rank_fig, key=f"rank_{page}", config=charts.plot_config(f"rank_{page}"))
        png_button(m.rank_fig, m.rank_stem, f"rank_{page}", sample=m.rank_sample, footnote=lambda: list(m.rank_footnote))
    with right:
        if m.trend_fig is None:
            st.info(m.trend_empty)
        else:
            plotly_map(m.trend_fig, key=f"trend_{page}", config=charts.plot_config(f"trend_{page}"))
            png_button(m.trend_fig, m.trend_stem, f"trend_{page}", sample=m.trend_sample,
                       footnote=lambda: list(m.trend_footnote))

    st.subheader(t("table", lg))
    if selected and not drill:
        st.caption(t("table_filtered", lg, n=len(selected), total=len(data.leagues())))
    data_table(m.table)  # "—" for missing cells; 备注 says why
    export_buttons(m.table, m.export_stem, sample=m.table_sample, key=f"exp_{page}")
    sources_footnote(m.cited)


@dataclass(frozen=True)
class TopicModel:
    """What :func:`topic_view` shows for one view (see :func:`topic_model`): texts, the three
    figures as plotly JSON (a string: cached values stay out of the garbage collector's walks), the table, and the frames the year player and the footnote read.
    Shared by all sessions: read it, never change it."""

    summary_text: str
    notice: str | None
    completeness: dict | None
    county_fallback: bool
    chart_key: str
    map_fig: str
    map_stem: str
    hint: str
    rank_fig: str
    rank_stem: str
    trend_fig: str | None
    trend_stem: str
    trend_empty: str
    table: pd.DataFrame
    export_stem: str
    table_sample: bool
    #: whether each figure draws sample values (exports.shows_sample: the PNG's file name) and the
    #: footnote of its exported PNG (口径, unit, source, status: present.footnote_text)
    map_sample: bool
    rank_sample: bool
    trend_sample: bool
    map_footnote: tuple[str, ...]
    rank_footnote: tuple[str, ...]
    trend_footnote: tuple[str, ...]
    cited: pd.DataFrame
    full: pd.DataFrame
    munit: str


def topic_model(page: str, ind: pd.Series, mode: str, year: int, selected: tuple[str, ...], drill: bool,
                lg: str, published: bool) -> TopicModel:
    """Compute one view of a topic page (no drawing): page ``page``, catalogue row ``ind``, display
    ``mode``, ``year``, the chosen league adcodes, whether the one chosen league's counties are shown
    (``drill``), language and published-only. Reads the cached queries of :mod:`nmgdash.ui.data`."""
    unit = ind["unit"] if lg == "zh" else ind["unit_en"]
    munit = mode_unit(mode, unit, bool(ind["additive"]), lg)
    iname = ind[state.name_col()]
    names = dict(zip(data.leagues()["adcode"], data.leagues()[state.name_col()]))

    full = data.metrics(ind["indicator_id"], "league", None, mode)
    summary_text = topic_summary(full, ind, mode, year, lg, published, selected).text
    cur = full[full["year"] == year].copy()
    cur["name"] = cur[state.name_col()]
    cur["label"] = [value_label(r, munit, mode, lg) for _, r in cur.iterrows()]
    tag = sample_tag(lg)
    suffix = tag if exports.shows_sample(cur) else ""
    notice = sample_notice_text(full, year, lg)  # which of the shown values are sample: all, some areas, other years
    mode_txt = mode_text(mode, lg)

    map_unit = munit  # the map's unit (a county map in 每万常住人口 mode shows absolute values)
    cmode = mode
    if drill:
        league = selected[0]
        # county populations are not in the census file: per-10k falls back to absolute values
        cmode = "value" if mode == "per_10k" else mode
        if cmode != mode:
            map_unit = unit
        cframe = data.metrics(ind["indicator_id"], "county", league, cmode)
        cframe = cframe[cframe["year"] == year].copy()
        cframe["name"] = cframe[state.name_col()]
        cframe["label"] = [value_label(r, map_unit, cmode, lg) for _, r in cframe.iterrows()]
        map_frame, shp, offsets, min_area = cframe, data.shapes("county", league), {}, 0.0
        map_title = (f"{t('county_map', lg, league=names[league])} · {iname} · {year} · {mode_text(cmode, lg)}"
                     f"{tag if exports.shows_sample(cframe) else ''}")
    else:
        map_frame, shp, offsets, min_area = cur, data.shapes("league"), data.label_offsets(), 0.0
        map_title = f"{iname} · {year} · {mode_txt}{suffix}"
    map_frame["hover"] = [
        f"<b>{r['name']}</b><br>{r['label']}<br>{t('status', lg)}{t('colon', lg)}{status_label(r['status'])}"
        + (f"<br>{t('source', lg)}{t('colon', lg)}{html_text(r['source_title' if lg == 'zh' else 'source_title_en'])}" if not is_missing(r["source_title"]) else "")
        # an approved figure names its round, area, reporter and reviewer (the locator of the build)
        + (f"<br>{html_text(r['locator'])}" if r["status"] == "approved" and not is_missing(r["locator"]) else "")
        for _, r in map_frame.iterrows()
    ]
    src_line = charts.source_line(map_frame, lg)  # drawn inside every figure (screenshots, PNGs)
    note = None
    if map_frame["metric"].isna().any():
        note = t("no_data_reason_pub", lg) if published and map_frame["value"].isna().all() else t("no_data_reason", lg)
    map_fig = figure_json(charts.choropleth(
        map_frame[["adcode", "name", "metric", "label", "hover"]], shp, title=map_title, unit_label=map_unit,
        selected=selected if not drill else (), label_offsets=offsets, label_min_area_km2=min_area,
        no_data_note=note, tick_text=tick_text,
        # the view (zoom, pan) survives year and league changes; another indicator, mode or map resets it
        uirevision=f"{page}|{ind['indicator_id']}|{mode}|{'county-' + selected[0] if drill else 'league'}",
        avoid_overlap=drill, source=src_line,
    ).to_plotly_json())

    region_metric = cur["region_metric"].dropna()
    rank_src = map_frame if drill else cur
    rank_fig = figure_json(charts.ranking_bar(
        rank_src[["adcode", "name", "metric", "label"]],
        title=f"{t('ranking_county' if drill else 'ranking', lg)} · {year}{tag if exports.shows_sample(rank_src) else ''}",
        unit_label=map_unit,
        region_value=None if drill or region_metric.empty else float(region_metric.iloc[0]),
        region_label=f"{t('region_avg', lg) if mode in {'value', 'share'} else t('region', lg)}",
        selected=selected, tick_text=tick_text, source=charts.source_line(rank_src, lg),
        region_text=None if drill or region_metric.empty else
        (format_signed if mode in {"yoy", "vs_base"} else format_number)(float(region_metric.iloc[0]), munit, lg),
    ).to_plotly_json())

    chosen = list(selected) or list(cur.dropna(subset=["metric"]).nsmallest(3, "rank")["adcode"])
    tr = full[full["adcode"].isin(chosen)].assign(name=lambda d: d[state.name_col()])
    region_tr = full.drop_duplicates("year")[["year", "region_metric"]].dropna()
    span = sorted(int(y) for y in full["year"].unique())
    trend = t("trend", lg, first=span[0], last=span[-1]) if span else ""
    trend_fig = None
    if not (tr["metric"].isna().all() and region_tr.empty):
        trend_fig = figure_json(charts.trend_lines(
            tr[["name", "year", "metric"]], region_tr,
            title=f"{trend}{t('in_brackets', lg, text=munit)}{tag if exports.shows_sample(tr) else ''}", unit_label=munit,
            region_label=t("region_avg", lg) if mode in {"value", "share"} else t("region", lg),
            tick_text=tick_text, source=charts.source_line(tr, lg)).to_plotly_json())

    if drill:  # the league itself is the comparison row of its counties
        table = league_table(map_frame, cur[cur["adcode"] == selected[0]], iname=iname, unit=unit,
                             mode=cmode, munit=map_unit, year=year, area_col=t("county_col", lg),
                             comparison_label=names[selected[0]], additive=bool(ind["additive"]))
        where = names[selected[0]]
    else:
        rows = cur[cur["adcode"].isin(selected)] if selected else cur
        table = league_table(rows, cur.head(1), iname=iname, unit=unit, mode=mode, munit=munit, year=year,
                             area_col=t("leagues", lg), comparison_label=None, additive=bool(ind["additive"]))
        where = export_scope([names[a] for a in selected], lg)
    row = data.query("year_approved", year=int(year)).iloc[0]
    completeness = {"approved": int(row["approved"]), "total": int(row["total"])}
    chart_key = f"map_{page}_{'county' if drill else 'league'}"

    def footnote(frame: pd.DataFrame) -> tuple[str, ...]:
        return tuple(present.footnote_text(data.catalogue(), [ind["indicator_id"]],
                                           present.figure_sources([frame], lg), frame["status"], lg))

    return TopicModel(
        summary_text=summary_text, notice=notice,
        completeness=completeness if completeness["approved"] else None,
        county_fallback=drill and cmode != mode, chart_key=chart_key, map_fig=map_fig,
        map_stem=f"{iname}_{names[selected[0]] + '_' if drill else ''}{year}_{mode_txt}",
        hint=map_hint(drill, ind["lowest_level"] == "county", names[selected[0]] if drill else "", len(names), lg),
        rank_fig=rank_fig, rank_stem=f"{iname}_{t('ranking', lg)}_{year}",
        trend_fig=trend_fig, trend_stem=f"{iname}_{trend}", trend_empty=f"{trend}{t('colon', lg)}{t('empty_selection', lg)}",
        table=table, export_stem=f"{iname}_{where}_{year}_{mode_txt}",
        table_sample=bool((table[t("status", lg)] == status_label("sample")).any()),
        cited=map_frame[map_frame["adcode"].isin(selected)] if selected and not drill else map_frame,
        full=full, munit=munit,
        map_sample=exports.shows_sample(map_frame), rank_sample=exports.shows_sample(rank_src),
        trend_sample=exports.shows_sample(tr),  # the lines drawn (the region line is the bulletin's)
        map_footnote=footnote(map_frame), rank_footnote=footnote(rank_src), trend_footnote=footnote(tr),
    )


def export_scope(chosen: list[str], lg: str) -> str:
    """The part of an export's file name that says which leagues it holds: 全区 (none chosen),
    the names joined by "_" (up to three), or "兴安盟等4个盟市"."""
    if not chosen:
        return t("export_scope_region", lg)
    if len(chosen) <= 3:
        return "_".join(chosen)
    return t("export_scope_more", lg, first=chosen[0], n=len(chosen))


def league_table(rows: pd.DataFrame, comparison: pd.DataFrame, *, iname: str, unit: str, mode: str, munit: str,
                 year: int, area_col: str, comparison_label: str | None, additive: bool = True) -> pd.DataFrame:
    """The table shown under a topic map and exported: one row per area in ``rows`` (area_metrics
    rows with name and label columns), then one comparison row, labelled as such.

    The comparison row is the whole region (``comparison_label`` None; values from the
    ``sum_value``/``region_metric`` columns of any row of ``comparison``: the sum over the leagues
    for ``additive`` indicators, none for rates, and the mode's region figure) or, for a county table, the league row
    in ``comparison`` under the name ``comparison_label``.
    Returns columns adcode, <area_col>, 年份, <iname>（<unit>）, [<mode>（<munit>）], 排名, 状态, 来源, 出处, 备注
    (labels in the current language); missing values are None.
    """
    lg = state.lang()
    mode_txt = mode_text(mode, lg)
    wording = [c for c in ("qualifier", "period_start") if c in rows]
    worded = bool(wording) and rows[wording].notna().any().any() and (rows[wording] != "").any().any()

    def block(frame: pd.DataFrame, names: list[str], values: list, metrics: list, ranks: list, notes: list) -> dict:
        out = {"adcode": list(frame["adcode"]), area_col: names, t("year", lg): [year] * len(frame),
               t("name_with_unit", lg, name=iname, unit=unit): values}
        if worded:  # the bulletin's wording and period, when any shown figure has them
            out |= figure_columns(frame.assign(value=values), lg)
        if mode != "value":  # the value column already is the metric in 绝对值 mode
            out[t("name_with_unit", lg, name=mode_txt, unit=munit)] = [float(f"{m:.4g}") if not is_missing(m) else None for m in metrics]
        return out | {
            t("rank", lg): ranks,
            t("status", lg): [status_label(s) for s in frame["status"]],
            t("source", lg): list(frame["source_title" if lg == "zh" else "source_title_en"]),
            t("locator", lg): [source_text(x, lg) for x in frame["locator"]],
            t("note", lg): notes,
        }

    body = pd.DataFrame(block(rows, list(rows["name"]), list(rows["value"]), list(rows["metric"]), list(rows["rank"]),
                              [lab if is_missing(m) else "" for lab, m in zip(rows["label"], rows["metric"])]))
    if comparison.empty:
        return body
    c = comparison.iloc[[0]].copy()
    if comparison_label is None:  # the whole region from the league rows
        total = c["sum_value"].iloc[0] if additive else None
        metric = c["region_metric"].iloc[0]
        c["adcode"], c["locator"] = "150000", ""
        n = int(c["n_reporting"].iloc[0] or 0)
        if n == 0:  # no league has a value: nothing to compare with
            total = metric = None
        note = t("region_row_note" if additive else "region_row_note_rate", lg, n=n) if n else t("no_data", lg)
        name, value, ranks = t("region_row", lg), total, [None]
        if is_missing(total):
            c["source_title"] = c["source_title_en"] = None
        c["status"] = c["status"] if not is_missing(total) else None
    else:
        name, value, metric, ranks = t("comparison_row", lg, name=comparison_label), c["value"].iloc[0], c["metric"].iloc[0], [None]
        note = ""
    row = pd.DataFrame(block(c, [name], [value], [metric], ranks, [note]))
    return pd.concat([body, row], ignore_index=True).infer_objects()  # rank stays numeric (NaN, not None)


def topic_summary(full: pd.DataFrame, ind: pd.Series, mode: str, year: int, lg: str, published: bool,
                  selected: tuple[str, ...]) -> summary.Summary:
    """The written summary of a topic view (:func:`nmgdash.core.summary.league_summary`): ``full`` is
    the page's area_metrics frame (every year, mode ``mode``) and ``ind`` the catalogue row."""
    return summary.league_summary(
        full, year=year, indicator=str(ind[state.name_col()]), unit=str(ind["unit"] if lg == "zh" else ind["unit_en"]),
        additive=bool(ind["additive"]), mode=mode, lang=lg, published_only=published, selected=selected)


def topic_player(page: str, ind: pd.Series, mode: str, full: pd.DataFrame, munit: str) -> None:
    """Under a topic page's league map (Streamlit): the switch "▶ 逐年播放" showing the map and the
    ranking of every year as one animated figure with one colour scale (:mod:`nmgdash.figures.player`,
    in the page's display mode), and a PNG download of it at presentation resolution (server-side,
    :func:`nmgdash.slides.deck.png`). ``full``: the page's area_metrics frame (every year)."""
    lg = state.lang()
    years = data.years()
    if not st.toggle(t("play_years", lg, first=years[0], last=years[-1]), key=f"play_{page}"):
        return
    year = state.year(years[-1])
    iname = str(ind[state.name_col()])
    frames, titles, sources = {}, {}, {}
    for y in sorted(int(v) for v in full["year"].unique()):
        rows = full[full["year"] == y]
        frames[y] = map_frame(rows, munit, mode, lg)
        tag = sample_tag(lg) if (rows["status"] == "sample").any() else ""
        titles[y] = f"{iname} · {y} · {mode_text(mode, lg)}{tag}"
        sources[y] = charts.source_line(rows, lg)
    fig = player.year_player(frames, data.shapes("league"), title=titles, unit_label=munit, start_year=year,
                             label_offsets=data.label_offsets(), tick_text=tick_formatter(lg), source=sources,
                             labels=player_labels(lg, full["year"]), selected=state.selected_leagues())
    st.plotly_chart(fig, theme=None, key=f"player_{page}", config=charts.plot_config(f"{page}_{ind['indicator_id']}_years"))
    # (the map above it has its own server-side PNG download: widgets.png_button in topic_view)
