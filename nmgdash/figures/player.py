"""Play through the years: one plotly figure with the league map (left) and the ranking (right),
one plotly *frame* per year and plotly's own ▶ / ⏸ buttons and year slider (no JavaScript of ours).

Why frames and not stepping the year filter: a frame of every year is computed on the server with
one colour scale (``cmin``/``cmax`` = the minimum and maximum over all years, see
``charts.choropleth(value_range=...)``) and one fixed ranking axis, so a colour or a bar length
means the same number in 2017 and in 2019, and the browser animates without a rerun per step.
Stepping the sidebar year would rescale each year's map to its own range (the topic pages' maps
stretch the scale over the year shown) and rerun the whole page on every step.

No Streamlit here: :func:`year_player` takes frames and returns a Figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from nmgdash.core import geo
from nmgdash.core.i18n import t
from nmgdash.figures import charts

#: The ranking's x domain (the map takes the left part of the figure).
MAP_DOMAIN = (0.0, 0.62)
RANK_DOMAIN = (0.75, 0.97)


def year_player(
    frames: dict[int, pd.DataFrame],
    shapes: geo.MapShapes,
    *,
    title: dict[int, str],
    unit_label: str,
    start_year: int,
    label_offsets: dict | None = None,
    tick_text=None,
    source: dict[int, str] | None = None,
    labels: dict[str, str] | None = None,
    height: int = 760,
    selected: tuple[str, ...] = (),
    ranking: bool = True,
) -> go.Figure:
    """The league map and ranking of several years in one animated figure.

    frames: year → frame with columns adcode, name, metric (float, NaN = no data), label, hover
    (as for :func:`nmgdash.figures.charts.choropleth`). title / source: year → the map title / source line
    of that year. labels: the texts of the controls {"play", "pause", "year", "ranking"}.
    The colour scale runs from the lowest to the highest metric over *all* years (so colours compare
    across years); the ranking keeps one league order (the ``start_year`` order) and one x range.
    ranking=False leaves the ranking out (the map alone, controls in its empty north-west, under the colour bar).
    The figure opens on ``start_year``; the ▶ button plays every year from the first in order
    (frame names are the years as strings), ⏸ stops, the slider jumps to a year.
    Raises ValueError when ``start_year`` is not in ``frames``.
    """
    if start_year not in frames:
        raise ValueError(f"no frame for {start_year}: {sorted(frames)}")
    labels = {"play": t("player_play_plain"), "pause": t("player_pause"), "year": t("player_year"),
              "ranking": t("ranking")} | (labels or {})
    years = sorted(frames)
    allm = pd.concat([f["metric"] for f in frames.values()]).astype("float64").dropna()
    vrange = (float(allm.min()), float(allm.max())) if not allm.empty else None
    source = source or {}

    def one(year: int) -> go.Figure:
        return charts.choropleth(frames[year], shapes, title=title[year], unit_label=unit_label, selected=selected,
                                 label_offsets=label_offsets, tick_text=tick_text, uirevision="player",
                                 source=source.get(year, ""), value_range=vrange, height=height)

    maps = {y: one(y) for y in years}
    base = maps[start_year]
    traces = list(base.data)
    fill_idx = [i for i, tr in enumerate(traces) if tr.fill == "toself"]

    order = frames[start_year].assign(_m=frames[start_year]["metric"].astype("float64"))
    order = order.sort_values(["_m", "adcode"], ascending=[True, False], na_position="first")["adcode"].tolist()
    names = frames[start_year].set_index("adcode")["name"]

    def bar_of(year: int) -> dict:
        f = frames[year].set_index("adcode").reindex(order)
        m = f["metric"].astype("float64")
        text = [charts.compact_label(str(lab), unit_label) if not pd.isna(v) else charts.NO_DATA_MARK
                for lab, v in zip(f["label"], m)]
        return dict(x=m.fillna(0).tolist(), text=text)

    lo = min(0.0, float(allm.min())) if not allm.empty else 0.0
    hi = float(allm.max()) if not allm.empty else 1.0
    fig = go.Figure(data=traces, layout=base.layout)
    ctl_x, ctl_len, ctl_y = (RANK_DOMAIN[0], RANK_DOMAIN[1] - RANK_DOMAIN[0], 0.19) if ranking else (0.01, 0.34, 0.55)
    extra: list[dict] = []
    if ranking:
        fig.add_trace(go.Bar(
            orientation="h", y=[str(names[a]) for a in order], xaxis="x2", yaxis="y2", name="ranking",
            marker_color=["#1d4ed8" if a in selected else "#3b82f6" for a in order],
            textposition="outside", cliponaxis=False, textfont=dict(size=charts.LABEL_SIZE, color="#111827"),
            hoverinfo="skip", showlegend=False, **bar_of(start_year)))
        fig.update_layout(
            xaxis=dict(domain=list(MAP_DOMAIN)),
            xaxis2=dict(domain=list(RANK_DOMAIN), anchor="y2", range=[lo * 1.05, hi * 1.22 if hi > 0 else 1],
                        gridcolor="#e5e7eb", fixedrange=True, title=dict(text=unit_label, standoff=6),
                        **charts.tick_axis(lo, hi, tick_text, allm.to_numpy())),
            yaxis2=dict(domain=[0.2, 0.86], anchor="x2", fixedrange=True, automargin=True),
        )
        fig.add_annotation(text=f"<b>{labels['ranking']}</b>", x=RANK_DOMAIN[0], xref="paper", xanchor="left",
                           y=0.88, yref="paper", yanchor="bottom", showarrow=False, font=dict(size=15),
                           name="ranking-title")
        extra = [fig.layout.annotations[-1]]
    bar_i = len(traces)
    fig.update_layout(
        updatemenus=[dict(
            type="buttons", direction="left", x=ctl_x, xanchor="left", y=ctl_y - 0.03, yanchor="top",
            pad=dict(r=6, t=0), showactive=False, font=dict(size=14),
            buttons=[
                dict(label=labels["play"], method="animate",
                     args=[[str(y) for y in years], dict(frame=dict(duration=1200, redraw=True), fromcurrent=False,
                                                         transition=dict(duration=0), mode="immediate")]),
                dict(label=labels["pause"], method="animate",
                     args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                        transition=dict(duration=0))]),
            ],
        )],
        sliders=[dict(
            active=years.index(start_year), x=ctl_x, len=ctl_len, y=ctl_y,
            yanchor="bottom", pad=dict(t=0, b=4), currentvalue=dict(prefix=labels["year"], font=dict(size=14), visible=ranking),
            font=dict(size=13),
            steps=[dict(label=str(y), method="animate",
                        args=[[str(y)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                             transition=dict(duration=0))]) for y in years],
        )],
    )
    fig.frames = [
        go.Frame(
            name=str(y),
            data=[dict(fillcolor=maps[y].data[i].fillcolor,
                       fillpattern=maps[y].data[i].fillpattern if maps[y].data[i].fillcolor == charts.NO_DATA_FILL
                       else dict(shape=""), text=maps[y].data[i].text) for i in fill_idx]
            + ([bar_of(y)] if ranking else []),
            traces=fill_idx + ([bar_i] if ranking else []),
            layout=dict(annotations=list(maps[y].layout.annotations) + extra,
                        title=dict(text=maps[y].layout.title.text)),
        )
        for y in years
    ]
    return fig


def static(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` without frames, buttons and slider (for PNG/PPTX export: the shown year)."""
    out = go.Figure(fig)
    out.frames = []
    # assigned, not update_layout(updatemenus=[]): plotly's update leaves a non-empty array as it is
    out.layout.updatemenus = ()
    out.layout.sliders = ()
    return out


def value_range(frames: dict[int, pd.DataFrame]) -> tuple[float, float] | None:
    """(min, max) of the metric over all years' frames, None without any value."""
    allm = pd.concat([f["metric"] for f in frames.values()]).astype("float64").dropna()
    return (float(np.min(allm)), float(np.max(allm))) if not allm.empty else None
