"""The per-league view of one topic (经费保障, 队伍建设, 青年爱里, 党建引领与督查): indicator and mode
pickers, the league map with click-to-select and county drill-down, ranking, trend and the table
with its exports."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from . import charts, data, state
from .fmt import format_number, format_signed, is_missing, mode_unit
from .i18n import t
from .widgets import (
    clear_leagues,
    export_buttons,
    indicator_picker,
    mode_picker,
    on_map_click,
    sample_notice,
    short_names,
    sources_footnote,
    status_label,
    tick_text,
)


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


def topic_view(page: str, indicator_ids: list[str]) -> None:
    """The per-league view of one topic: picker, mode, map (with click-to-select and county
    drill-down), ranking, trend, table with CSV/Excel export and source footnotes."""
    lg = state.lang()
    ss = st.session_state
    c1, c2 = st.columns([2, 3])
    with c1:
        ind = indicator_picker(page, indicator_ids)
    with c2:
        mode = mode_picker(page, bool(ind["additive"]))
    year = int(ss["year"])
    unit = ind["unit"] if lg == "zh" else ind["unit_en"]
    munit = mode_unit(mode, unit, bool(ind["additive"]), lg)
    iname = ind[state.name_col()]
    selected = tuple(ss.get("leagues", []))
    names = dict(zip(data.leagues()["adcode"], data.leagues()[state.name_col()]))

    full = data.metrics(ind["indicator_id"], "league", None, mode)
    cur = full[full["year"] == year].copy()
    cur["name"] = short_names(cur[state.name_col()])
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
        cframe = data.metrics(ind["indicator_id"], "county", league, mode)
        cframe = cframe[cframe["year"] == year].copy()
        cframe["name"] = short_names(cframe[state.name_col()])
        cframe["label"] = [_value_label(r, munit, mode, lg) for _, r in cframe.iterrows()]
        map_frame, shp, offsets, min_area = cframe, data.shapes("county", league), {}, 0.0
        map_title = f"{t('county_map', lg, league=names[league])} · {iname} · {year} · {mode_txt}{suffix}"
        st.button(t("back_to_region", lg), on_click=clear_leagues, key=f"back_{page}")
    else:
        map_frame, shp, offsets, min_area = cur, data.shapes("league"), data.label_offsets(), 0.0
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
        tr = full[full["adcode"].isin(chosen)].assign(name=lambda d: d[state.name_col()])
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
