"""Page sections other than the per-league topic view (topic.topic_view): the overview's
reference map, the category summary, the rate progress bars and the innovations map."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nmgdash.core.fmt import format_number
from nmgdash.core.i18n import t
from nmgdash.core.labels import source_text
from nmgdash.figures import charts
from nmgdash.figures.innovations import innovations_figure, innovations_title, rates_figure, rates_frame
from nmgdash.reports import exports
from nmgdash.slides import present
from nmgdash.ui import data, state, topic, widgets
from nmgdash.ui.mapview import figure_json, plotly_map

CENSUS_YEAR = 2020



def reference_map(page: str, indicator_ids: list[str]) -> None:
    """Map + sortable table of real per-league reference data (census, land area). What it shows is
    computed once per view and database build (:func:`reference_model`, shared by all sessions)."""
    lg = state.lang()
    ind = widgets.indicator_picker(page, indicator_ids)
    selected = state.selected_leagues()
    view = (page, str(ind["indicator_id"]), lg, tuple(selected), state.published_only(), data.version())
    fig, table, stem, rows = data.shared("reference_map", view, lambda: reference_model(page, ind, tuple(selected), lg))
    key = f"map_{page}"
    multi_key = widgets.map_selection_bar(page)
    plotly_map(fig, key=key, on_click=lambda event: widgets.on_map_click(key, multi_key, event),
               config=charts.plot_config(f"{ind['indicator_id']}_{CENSUS_YEAR}", scroll_zoom=False))
    # the rows of the map and the table share one source and status (census figures: never sample)
    widgets.png_button(fig, f"{ind[state.name_col()]}_{CENSUS_YEAR}", key, sample=exports.shows_sample(rows),
                       footnote=lambda: present.footnote_text(data.catalogue(), [ind["indicator_id"]],
                                                              present.figure_sources([rows], lg), rows["status"], lg))
    if selected:
        st.caption(t("table_filtered", lg, n=len(selected), total=len(data.leagues())))
    widgets.data_table(table)
    widgets.export_buttons(table, stem, sample=exports.shows_sample(rows), key=f"exp_{page}")
    widgets.sources_footnote(rows)


def reference_model(page: str, ind: pd.Series, selected: tuple[str, ...], lg: str) -> tuple:
    """What :func:`reference_map` shows for catalogue row ``ind``, the chosen leagues and language:
    (the map as plotly JSON, the table, the export file stem, the rows cited in the footnote)."""
    unit = ind["unit"] if lg == "zh" else ind["unit_en"]
    df = data.metrics(ind["indicator_id"], "league", None, "value", (CENSUS_YEAR,))
    df["name"] = df[state.name_col()]
    df["label"] = [format_number(v, unit, lg) for v in df["value"]]
    src = "source_title" if lg == "zh" else "source_title_en"
    df["hover"] = [f"<b>{n}</b><br>{lab}<br>{t('source', lg)}{t('colon', lg)}{s}"
                   for n, lab, s in zip(df["name"], df["label"], df[src])]
    fig = figure_json(charts.choropleth(
        df[["adcode", "name", "metric", "label", "hover"]], data.shapes("league"),
        title=f"{ind[state.name_col()]} · {CENSUS_YEAR}", unit_label=unit,
        selected=selected, label_offsets=data.label_offsets(),
        uirevision=f"{page}|{ind['indicator_id']}|league",  # another indicator resets the view
        tick_text=widgets.tick_text, source=charts.source_line(df, lg)).to_plotly_json())
    rows = df[df["adcode"].isin(selected)] if selected else df
    table = topic.league_table(rows.sort_values("rank"), df, iname=ind[state.name_col()], unit=unit, mode="value",
                               munit=unit, year=CENSUS_YEAR, area_col=t("leagues", lg), comparison_label=None,
                               additive=bool(ind["additive"]))
    names = dict(zip(data.leagues()["adcode"], data.leagues()[state.name_col()]))
    where = topic.export_scope([names[a] for a in selected], lg)
    return fig, table, f"{ind[state.name_col()]}_{where}_{CENSUS_YEAR}", rows


def category_summary(year: int) -> pd.DataFrame:
    """Region figures for ``year`` grouped by category (stated for the region or summed over
    leagues), each as the source words it (8600余个, 334家) with its period (2018年6月—2019年底累计),
    the number and unit for machine use, status, basis, definition and locator; with CSV/Excel
    download. Returns the table shown (shared by all sessions: read it, never change it)."""
    lg = state.lang()
    published = state.published_only()
    table, sample = data.shared("category_summary", (year, lg, published, data.version()),
                                lambda: category_table(year, lg, published))
    if sample:
        widgets.sample_notice()
    widgets.data_table(table)
    widgets.export_buttons(table, f"{t('region_figures_file', lg)}_{year}", sample=sample, key=f"exp_region_{year}")
    return table


def category_table(year: int, lg: str, published: bool) -> tuple[pd.DataFrame, bool]:
    """The table of :func:`category_summary` and whether a sample figure is in it."""
    df = data.query("region_by_category", year=year, published_only=published)
    unit = df["display_unit"] if lg == "zh" else df["unit_en"]
    table = pd.DataFrame({
        t("category", lg): df["category" if lg == "zh" else "category_en"],
        t("indicator", lg): df[state.name_col()],
        **widgets.figure_columns(df, lg),
        t("value", lg): df["value"],
        t("unit", lg): unit,
        t("status", lg): [widgets.status_label(s) for s in df["status"]],
        t("basis", lg): [t("basis_region" if b == "region" else "basis_sum", lg) for b in df["basis"]],
        t("definition", lg): df["definition" if lg == "zh" else "definition_en"],
        t("locator", lg): [source_text(x, lg) for x in df["locator"]],
    })
    return table, exports.shows_sample(df)


def rate_progress(indicator_ids: list[str], title: str) -> pd.DataFrame:
    """Region-level rates against 100 % as a bullet chart (:func:`nmgdash.figures.innovations.rates_figure`,
    the figure 汇报模式 shows too) with a source line; returns the figures shown."""
    lg = state.lang()
    figs = rates_frame(data.query("region_figures", indicator_ids=tuple(indicator_ids), published_only=False),
                       indicator_ids, lg)
    fig = data.shared("rates", (tuple(indicator_ids), title, lg, data.version()), lambda: rates_figure(figs, title, lg))
    st.plotly_chart(fig, key=f"progress_{title}", config=charts.plot_config(f"rates_{indicator_ids[0]}"))
    widgets.png_button(fig, title, f"rates_{indicator_ids[0]}", sample=exports.shows_sample(figs),
                       footnote=lambda: present.footnote_text(data.catalogue(), list(figs["indicator_id"]),
                                                              present.figure_sources([figs], lg), figs["status"], lg))
    return figs


def innovations_map() -> pd.DataFrame:
    """The bulletin's named innovations as markers over a plain league map (one builder with the slide:
    :func:`nmgdash.figures.innovations.innovations_figure`); returns the innovations shown."""
    lg = state.lang()
    inn = data.query("innovations")
    league_shp, county_shp = data.shapes("league"), data.shapes("county")
    fig = data.shared("innovations", (lg, data.version(), id(league_shp), id(county_shp)),
                      lambda: innovations_figure(inn, data.leagues(), league_shp, county_shp, lg))
    st.plotly_chart(fig, key="map_innovations", config=charts.plot_config("innovations", scroll_zoom=False))
    widgets.png_button(fig, innovations_title(len(inn), lg), "innovations", sample=exports.shows_sample(inn))
    return inn
