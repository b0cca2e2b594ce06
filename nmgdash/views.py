"""Page sections other than the per-league topic view (topic.topic_view): the overview's
reference map, the category summary, the rate progress bars and the innovations map."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from . import charts, data, state, widgets
from .fmt import format_number
from .i18n import t

CENSUS_YEAR = 2020
#: Label offsets in pixels for the innovation markers (三 of them sit close together around 包头).
INNOVATION_LABEL_PX = {
    "guyang_cadre_recommendation": (-110, -55),
    "qingshan_transcript": (130, -20),
    "otog_front_model": (-150, -15),
    "tongliao_whistle": (70, -55),
}


def reference_map(page: str, indicator_ids: list[str]) -> None:
    """Map + sortable table of real per-league reference data (census, land area)."""
    lg = state.lang()
    ind = widgets.indicator_picker(page, indicator_ids)
    unit = ind["unit"] if lg == "zh" else ind["unit_en"]
    df = data.metrics(ind["indicator_id"], "league", None, "value", (CENSUS_YEAR,))
    df["name"] = widgets.short_names(df[state.name_col()])
    df["label"] = [format_number(v, unit, lg) for v in df["value"]]
    src = "source_title" if lg == "zh" else "source_title_en"
    df["hover"] = [f"<b>{r['name']}</b><br>{r['label']}<br>{t('source', lg)}：{r[src]}" for _, r in df.iterrows()]
    selected = tuple(st.session_state.get("leagues", []))
    fig = charts.choropleth(df[["adcode", "name", "metric", "label", "hover"]], data.shapes("league"),
                            title=f"{ind[state.name_col()]} · {CENSUS_YEAR}", unit_label=unit,
                            selected=selected, label_offsets=data.label_offsets(), uirevision="league",
                            tick_text=widgets.tick_text)
    key = f"map_{page}"
    st.plotly_chart(fig, key=key, on_select=lambda: widgets.on_map_click(key), selection_mode="points",
                    config={"displaylogo": False, "scrollZoom": False})
    table = pd.DataFrame({
        "adcode": df["adcode"],
        t("leagues", lg): df["name"],
        f"{ind[state.name_col()]}（{unit}）": df["value"],
        t("rank", lg): df["rank"],
        t("status", lg): [widgets.status_label(s) for s in df["status"]],
        t("source", lg): df[src],
        "locator": df["locator"],
    }).sort_values(t("rank", lg))
    st.dataframe(table, hide_index=True, width="stretch")
    widgets.export_buttons(table, f"{ind[state.name_col()]}_{CENSUS_YEAR}", sample=False, key=f"exp_{page}")
    widgets.sources_footnote(df)


def category_summary(year: int) -> None:
    """Region figures for ``year`` grouped by category (stated for the region or summed over leagues)."""
    lg = state.lang()
    df = data.query("region_by_category", year=year, published_only=state.published_only())
    unit = "unit" if lg == "zh" else "unit_en"
    table = pd.DataFrame({
        "类别" if lg == "zh" else "Category": df["category"],
        t("indicator", lg): df[state.name_col()],
        t("value", lg): [format_number(v, u, lg) for v, u in zip(df["value"], df[unit])],
        t("status", lg): [widgets.status_label(s) for s in df["status"]],
        "口径" if lg == "zh" else "Basis": [
            ("公报/参考给出的全区数" if b == "region" else "盟市合计") if lg == "zh"
            else ("stated for the region" if b == "region" else "sum of leagues") for b in df["basis"]],
    })
    if (df["status"] == "sample").any():
        widgets.sample_notice()
    st.dataframe(table, hide_index=True, width="stretch")


def rate_progress(indicator_ids: list[str], title: str) -> pd.DataFrame:
    """Progress bars to 100% for region-level rates; returns the figures shown."""
    lg = state.lang()
    figs = data.query("region_figures", indicator_ids=tuple(indicator_ids), published_only=False)
    figs = figs.drop_duplicates("indicator_id", keep="last")
    frame = pd.DataFrame({
        "name": figs[state.name_col()],
        "value": figs["value"],
        "label": [format_number(v, "%", lg) for v in figs["value"]],
    })
    st.plotly_chart(charts.progress_bars(frame, title=title, target_label=f"{t('target', lg)} 100%",
                                         gap_label=t("gap", lg), gap_unit=t("gap_unit", lg)),
                    key=f"progress_{title}", config={"displaylogo": False})
    return figs


def innovations_map() -> pd.DataFrame:
    """The bulletin's named innovations as markers over a plain league map, with cards below."""
    lg = state.lang()
    inn = data.query("innovations")
    league_shapes = data.shapes("league")
    county = data.shapes("county")
    pts = []
    for r in inn.itertuples():
        x, y = (league_shapes.labels if r.level == "league" else county.labels)[r.adcode]
        pts.append((x, y))
    base = data.leagues().assign(name=lambda d: d[state.name_col()], metric=float("nan"), label="",
                               hover=lambda d: d[state.name_col()])
    title = "公报点名的基层改革创新（4处）" if lg == "zh" else "Local innovations named in the bulletin (4)"
    fig = charts.choropleth(base[["adcode", "name", "metric", "label", "hover"]], league_shapes, title=title,
                            unit_label="", uirevision="league", base_fill="#eef2f7")
    area = "area_zh" if lg == "zh" else "area_en"
    title_col = "title_zh" if lg == "zh" else "title_en"
    fig.add_trace(go.Scatter(
        x=[p[0] for p in pts], y=[p[1] for p in pts], mode="markers", name="innovations",
        marker=dict(size=20, color="#dc2626", symbol="star", line=dict(color="white", width=1.5)),
        customdata=inn["innovation_id"],
        hovertext=[f"<b>{getattr(r, area)}</b><br>{getattr(r, title_col)}" for r in inn.itertuples()],
        hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
    ))
    for i, r in enumerate(inn.itertuples()):
        ax, ay = INNOVATION_LABEL_PX.get(r.innovation_id, (60, -50))
        fig.add_annotation(x=pts[i][0], y=pts[i][1], ax=ax, ay=ay,
                           text=f"<b>{i + 1}. {getattr(r, area)}</b>", bgcolor="rgba(255,255,255,0.9)",
                           bordercolor="#dc2626", font=dict(size=13), arrowcolor="#dc2626")
    st.plotly_chart(fig, key="map_innovations", config={"displaylogo": False, "scrollZoom": False})
    return inn
