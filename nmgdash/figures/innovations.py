"""The two figures the 典型经验 and 高校与国企改革 pages share with 汇报模式: the map of the bulletin's
named innovations, and the region's reform rates as a bullet chart. One builder each, so the page,
the slide, the PNG and the PPTX show the same figure (the slide enlarges its text: ``slides.present.projector``).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from nmgdash.core import geo
from nmgdash.core.i18n import t
from nmgdash.core.labels import figure_text
from nmgdash.figures import charts

#: Label offsets in pixels for the innovation markers (three of them sit close together around 包头).
INNOVATION_LABEL_PX = {
    "guyang_cadre_recommendation": (-110, -55),
    "qingshan_transcript": (130, -20),
    "otog_front_model": (-30, 50),  # below the star: to its left the label is cut off on a phone
    "tongliao_whistle": (-60, -70),  # to the left: 通辽市 lies at the map's east edge, a label to its right is cut off
}
STAR = dict(size=20, color="#dc2626", symbol="star", line=dict(color="white", width=1.5))
LABEL_BG = "rgba(255,255,255,0.9)"


def innovations_title(count: int, lang: str) -> str:
    """"公报点名的基层改革创新（4处）" with the count from the data."""
    return t("innovations_map_title", lang, n=count)


def innovations_figure(inn: pd.DataFrame, leagues: pd.DataFrame, league_shapes: geo.MapShapes,
                       county_shapes: geo.MapShapes, lang: str, height: int | None = None) -> go.Figure:
    """Red stars for the named innovations over a plain league map, numbered labels beside them.

    ``inn``: the ``innovations`` query (innovation_id, level, adcode, area_zh/en, title_zh/en, …);
    ``leagues``: the 12 leagues (adcode, name_zh, name_en). Hovering a star shows the area and the
    innovation's title; the footer cites the bulletin.
    """
    name = "name_zh" if lang == "zh" else "name_en"
    pts = [(league_shapes.labels if r.level == "league" else county_shapes.labels)[r.adcode] for r in inn.itertuples()]
    base = leagues.assign(name=lambda d: d[name], metric=float("nan"), label="", hover=lambda d: d[name])
    kwargs = {} if height is None else {"height": height}
    fig = charts.choropleth(base[["adcode", "name", "metric", "label", "hover"]], league_shapes,
                            title=innovations_title(len(inn), lang), unit_label="", uirevision="league",
                            base_fill="#eef2f7", **kwargs,
                            source=charts.source_line(inn.assign(status="published", source_id="bulletin_2020_06"), lang))
    area = "area_zh" if lang == "zh" else "area_en"
    title_col = "title_zh" if lang == "zh" else "title_en"
    fig.add_trace(go.Scatter(
        x=[p[0] for p in pts], y=[p[1] for p in pts], mode="markers", name="innovations", marker=STAR,
        customdata=inn["innovation_id"],
        hovertext=[f"<b>{getattr(r, area)}</b><br>{getattr(r, title_col)}" for r in inn.itertuples()],
        hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
    ))
    for i, r in enumerate(inn.itertuples()):
        ax, ay = INNOVATION_LABEL_PX.get(r.innovation_id, (60, -50))
        fig.add_annotation(x=pts[i][0], y=pts[i][1], ax=ax, ay=ay, text=f"<b>{i + 1}. {getattr(r, area)}</b>",
                           bgcolor=LABEL_BG, bordercolor="#dc2626", font=dict(size=13), arrowcolor="#dc2626")
    return fig


def rates_frame(figs: pd.DataFrame, order: list[str], lang: str) -> pd.DataFrame:
    """The latest region figure of each rate in ``order`` (region_figures rows), as the bullet
    chart's frame: indicator_id, name, value (%), label (as worded: "全部（100%）"), plus the
    figure's status/source columns for the source line."""
    figs = figs.sort_values("year").drop_duplicates("indicator_id", keep="last")
    figs = figs.set_index("indicator_id").reindex([i for i in order if i in set(figs["indicator_id"])]).reset_index()
    return figs.assign(name=figs["name_zh" if lang == "zh" else "name_en"],
                       label=[figure_text(r, lang) for r in figs.to_dict("records")])


def rates_figure(figs: pd.DataFrame, title: str, lang: str, height_per_row: int | None = None) -> go.Figure:
    """The reform rates against the 100 % target (:func:`charts.bullet_chart`); ``figs`` from :func:`rates_frame`."""
    kwargs = {} if height_per_row is None else {"height_per_row": height_per_row}
    return charts.bullet_chart(figs[["name", "value", "label"]], title=title, target_label=f"{t('target', lang)} 100%",
                               gap_label=t("gap_short", lang), gap_unit=t("gap_unit", lang),
                               met_label=t("target_met", lang), colon=t("colon", lang), source=charts.source_line(figs, lang), **kwargs)
