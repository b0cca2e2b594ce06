"""Plotly figure builders. No Streamlit here: every function takes frames and returns a Figure.

The maps draw boundaries as filled ``go.Scatter`` polygons on plain cartesian axes
(coordinates projected to km by :mod:`nmgdash.geo`), so they need nothing from the
network: no ``geo`` trace, no topojson, no tiles. A grid of transparent markers over
every area makes a click anywhere inside an area select it (plotly reports clicks
on markers, not on fills); each marker's ``customdata`` is the area's adcode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import make_colorscale, sample_colorscale, sequential

from . import geo

#: Sequential, colour-blind-safe (ColorBrewer YlGnBu, light = low). An explicit list, not the name:
#: plotly.js's built-in "YlGnBu" runs the other way round, so the colour bar would contradict the fills.
COLORSCALE = make_colorscale(sequential.YlGnBu)
NO_DATA_FILL = "#e0e0e0"
SAMPLE_COLOR = "#b45309"
FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", size=14, color="#1f2937")
BG = "rgba(0,0,0,0)"


@dataclass(frozen=True)
class MapShapes:
    """Everything the map needs from one boundary layer, computed once and cached.

    paths: adcode → (xs, ys) ring coordinates in km with None between rings.
    grid: DataFrame[adcode: str, x: float, y: float] of click targets.
    labels: adcode → (x, y) label anchor in km.
    bounds: (minx, miny, maxx, maxy) in km.
    area_km2: adcode → projected area (km², for deciding which labels fit).
    """

    paths: dict[str, tuple[list, list]]
    grid: pd.DataFrame
    labels: dict[str, tuple[float, float]]
    bounds: tuple[float, float, float, float]
    area_km2: dict[str, float] = field(default_factory=dict)


def map_shapes(level: str, parent: str | None = None, spacing_km: float = 20.0) -> MapShapes:
    """Load a boundary layer ('league' or 'county', optionally the counties of one league)
    and precompute paths, click grid and label anchors. Raises ValueError for an unknown level."""
    gdf = geo.load_layer(level)
    if parent is not None:
        gdf = gdf[gdf["parent_adcode"] == parent]
    if gdf.empty:
        raise ValueError(f"no {level} shapes under {parent}")
    return MapShapes(
        paths=geo.polygon_paths(gdf),
        grid=geo.hit_grid(gdf, spacing_km),
        labels={a: (x, y) for a, x, y in zip(gdf["adcode"], gdf["label_x"], gdf["label_y"])},
        bounds=geo.bounds(gdf),
        area_km2=dict(zip(gdf["adcode"], gdf.geometry.area)),
    )


def nice_ticks(vmin: float, vmax: float, n: int = 5, integer: bool = False) -> list[float]:
    """About ``n`` round tick values covering [vmin, vmax] (steps of 1, 2, 2.5 or 5 × 10^k);
    ``integer`` keeps the step at 1 or more (counts have no 2.2次)."""
    span = vmax - vmin
    if not np.isfinite(span) or span <= 0:
        return [vmin]
    raw = span / n
    mag = 10 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    if integer:
        step = max(1.0, float(np.ceil(step)))
    start = np.floor(vmin / step) * step
    ticks = [float(round(start + i * step, 10)) for i in range(int(np.ceil((vmax - start) / step)) + 1)]
    return [t for t in ticks if vmin - 1e-9 <= t <= vmax + 1e-9] or [vmin]


def _tick_axis(vmin: float, vmax: float, tick_text, values=None) -> dict:
    if tick_text is None:
        return {}
    ints = values is not None and len(values) > 0 and bool(np.all(np.mod(np.asarray(values, dtype=float), 1) == 0))
    vals = nice_ticks(vmin, vmax, integer=ints)
    return dict(tickvals=vals, ticktext=[tick_text(v) for v in vals])


def _colors(values: pd.Series, vmin: float, vmax: float) -> list[str | None]:
    span = (vmax - vmin) or 1.0
    out: list[str | None] = []
    for v in values:
        if pd.isna(v):
            out.append(None)
        else:
            out.append(sample_colorscale(COLORSCALE, [min(max((v - vmin) / span, 0.0), 1.0)])[0])
    return out


def choropleth(
    frame: pd.DataFrame,
    shapes: MapShapes,
    *,
    title: str,
    unit_label: str,
    selected: tuple[str, ...] = (),
    label_offsets: dict[str, tuple[float, float]] | None = None,
    label_min_area_km2: float = 0.0,
    no_data_note: str | None = None,
    uirevision: str = "map",
    height: int = 760,
    tick_text=None,
    avoid_overlap: bool = False,
    base_fill: str | None = None,
) -> go.Figure:
    """A choropleth of ``frame`` over ``shapes``.

    frame columns: adcode (str), name (str), metric (float, NaN = no data),
    label (str: formatted value or the no-data reason shown on the map), hover (str).
    label_offsets: adcode → (dx_km, dy_km) to move a label off a small area with a leader line.
    Areas smaller than ``label_min_area_km2`` get no on-map label (hover and table still show them).
    tick_text: optional callable float → str for the colour-bar ticks (e.g. Chinese 万 style).
    avoid_overlap: place labels largest area first and drop any that would overlap a placed one.
    base_fill: draw a plain base map instead (every area in this colour, grey borders, no value labels,
    no colour bar) for other traces to be layered on.
    Returns a Figure with one filled trace per area, one transparent click-target trace per
    area named "targets" (customdata = adcode), a colour bar titled with ``unit_label``, and
    one annotation per labelled area.
    """
    label_offsets = label_offsets or {}
    data = frame.set_index("adcode")
    metric = data["metric"].astype("float64")
    has_values = bool(metric.notna().any())
    vmin = float(metric.min()) if has_values else 0.0
    vmax = float(metric.max()) if has_values else 1.0
    if vmin == vmax:
        vmin = min(0.0, vmin) if vmax else -1.0
    colors = dict(zip(data.index, _colors(metric, vmin, vmax)))
    # Built as plain dicts and wrapped without validation: validating ~130 traces costs ~70 ms
    # per rerun. tests/test_charts.py validates the same output once.
    traces: list[dict] = []
    if base_fill:
        colors, has_values = dict.fromkeys(data.index, base_fill), False
    for adcode, (xs, ys) in shapes.paths.items():
        color = colors.get(adcode)
        trace = dict(type="scatter", x=xs, y=ys, mode="lines", fill="toself", fillcolor=color or NO_DATA_FILL,
                     line=dict(color="#94a3b8" if base_fill else "#ffffff", width=1.2), hoverinfo="skip",
                     showlegend=False, name=adcode)
        if color is None:
            trace["fillpattern"] = dict(shape="/", fgcolor="#9e9e9e", size=8, solidity=0.15)
        traces.append(trace)
    for adcode in selected:
        if adcode in shapes.paths:
            xs, ys = shapes.paths[adcode]
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", line=dict(color="#111827", width=3.5),
                               hoverinfo="skip", showlegend=False, name=f"selected-{adcode}"))
    # One click-target trace per area: the hover text is a single string per trace instead of one
    # copy per grid point (which made the figure ~1 MB of JSON).
    for adcode, pts in shapes.grid[shapes.grid["adcode"].isin(data.index)].groupby("adcode", sort=False):
        traces.append(dict(
            type="scatter", x=pts["x"].tolist(), y=pts["y"].tolist(), mode="markers", name="targets",
            # small markers: plotly measures hover distance from a marker's edge, so wide markers
            # on a dense grid tie and the first trace wins (a click on 乌海市 picked 阿拉善盟)
            marker=dict(size=4, color="rgba(0,0,0,0)"),
            selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)),
            customdata=[adcode] * len(pts),
            # a scalar hovertext is not resolved by %{hovertext}: the text is the template itself
            hovertemplate=str(data.at[adcode, "hover"]).replace("%{", "% {") + "<extra></extra>",
            showlegend=False,
        ))
    # colour bar on an invisible trace
    traces.append(dict(
        type="scatter", x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip", name="colorbar",
        marker=dict(colorscale=COLORSCALE, cmin=vmin, cmax=vmax, color=[vmin], showscale=has_values,
                    colorbar=dict(title=dict(text=unit_label, side="top"), thickness=12, len=0.32,
                                  orientation="h", x=0.01, xanchor="left", y=0.97, yanchor="top",
                                  outlinewidth=0,
                                  **_tick_axis(vmin, vmax, tick_text, metric.dropna().to_numpy()))),
    ))
    annotations: list[dict] = []
    minx, miny, maxx, maxy = shapes.bounds
    # km per pixel, assuming a ~1100 px wide plot; used to keep county labels from overlapping
    km_per_px = max((maxy - miny) / (height - 44), (maxx - minx) / 1100)
    placed: list[tuple[float, float, float, float]] = []
    for adcode in sorted(shapes.labels, key=lambda a: -shapes.area_km2.get(a, 0)):
        lx, ly = shapes.labels[adcode]
        if base_fill or adcode not in data.index or shapes.area_km2.get(adcode, 0) < label_min_area_km2:
            continue
        dx, dy = label_offsets.get(adcode, (0.0, 0.0))
        if avoid_overlap:
            chars = max(len(str(data.at[adcode, "name"])), len(str(data.at[adcode, "label"])) * 0.6)
            half_w, half_h = (chars * 14 + 16) * km_per_px / 2, 44 * km_per_px / 2
            box = (lx + dx - half_w, ly + dy - half_h, lx + dx + half_w, ly + dy + half_h)
            if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                continue  # no room: the value is still in the hover text and the table
            placed.append(box)
        annotations.append(dict(
            x=lx, y=ly, xref="x", yref="y", ax=lx + dx, ay=ly + dy, axref="x", ayref="y",
            showarrow=bool(dx or dy), arrowhead=0, arrowwidth=1.2, arrowcolor="#374151",
            text=f"<b>{data.at[adcode, 'name']}</b><br>{data.at[adcode, 'label']}",
            font=dict(size=13, color="#111827"), align="center",
            bgcolor="rgba(255,255,255,0.88)", bordercolor="#9ca3af", borderwidth=1, borderpad=3,
            name=f"label-{adcode}",
        ))
    if no_data_note:
        annotations.append(dict(text=no_data_note, xref="paper", yref="paper", x=0, y=0, xanchor="left",
                                yanchor="bottom", showarrow=False, font=dict(size=12, color="#4b5563"),
                                bgcolor="rgba(255,255,255,0.9)", name="no-data-note"))
    padx, pady = (maxx - minx) * 0.01, (maxy - miny) * 0.02
    layout = dict(
        title=dict(text=title, x=0.01, font=dict(size=18)),
        height=height, margin=dict(l=0, r=0, t=44, b=0),
        plot_bgcolor=BG, paper_bgcolor=BG, font=FONT,
        hovermode="closest", hoverdistance=18, clickmode="event+select",
        dragmode="pan", uirevision=uirevision, annotations=annotations,
        xaxis=dict(visible=False, range=[minx - padx, maxx + padx]),
        yaxis=dict(visible=False, range=[miny - pady, maxy + pady], scaleanchor="x", scaleratio=1),
    )
    return go.Figure(dict(data=traces, layout=layout), _validate=False)


def ranking_bar(
    frame: pd.DataFrame,
    *,
    title: str,
    unit_label: str,
    region_value: float | None,
    region_label: str,
    selected: tuple[str, ...] = (),
    height: int = 460,
    tick_text=None,
) -> go.Figure:
    """Horizontal bars, largest on top, with a dashed line at the region average.

    frame columns: adcode (str), name (str), metric (float), label (str).
    Areas without a value are listed at the bottom with their label text (e.g. 无数据).
    """
    df = frame.assign(_m=frame["metric"].astype("float64")).sort_values("_m", ascending=True, na_position="first")
    colors = ["#1d4ed8" if a in selected else "#60a5fa" for a in df["adcode"]]
    fig = go.Figure(
        go.Bar(
            x=df["_m"].fillna(0), y=df["name"], orientation="h", marker_color=colors,
            text=df["label"], textposition="outside", cliponaxis=False,
            customdata=df["adcode"], hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    if region_value is not None and not np.isnan(region_value):
        fig.add_vline(x=region_value, line_dash="dash", line_color="#b91c1c", line_width=2)
        fig.add_annotation(x=region_value, y=1.0, yref="paper", text=region_label, showarrow=False,
                           yanchor="bottom", font=dict(color="#b91c1c", size=13))
    top = float(df["_m"].max()) if df["_m"].notna().any() else 1.0
    low = min(0.0, float(df["_m"].min() or 0)) * 1.2
    fig.update_xaxes(title=unit_label, range=[low, top * 1.28], gridcolor="#e5e7eb",
                     **_tick_axis(low, top * 1.2, tick_text, df["_m"].dropna().to_numpy()))
    fig.update_layout(title=dict(text=title, x=0.01, font=dict(size=17)), height=height,
                      margin=dict(l=8, r=24, t=56, b=40), plot_bgcolor=BG, paper_bgcolor=BG,
                      font=FONT, showlegend=False)
    return fig


def trend_lines(
    frame: pd.DataFrame,
    region: pd.DataFrame,
    *,
    title: str,
    unit_label: str,
    region_label: str,
    height: int = 420,
    tick_text=None,
) -> go.Figure:
    """Lines over years for the selected areas plus a dashed region line.

    frame columns: name (str), year (int), metric (float).
    region columns: year (int), region_metric (float).
    The title should carry the unit: the y axis has no title (a rotated 个 reads like an arrow).
    """
    fig = go.Figure()
    for name, part in frame.sort_values("year").groupby("name", sort=False):
        fig.add_trace(go.Scatter(x=part["year"], y=part["metric"], mode="lines+markers", name=name,
                                 line=dict(width=3), marker=dict(size=9)))
    if not region.empty:
        fig.add_trace(go.Scatter(x=region["year"], y=region["region_metric"], mode="lines+markers",
                                 name=region_label, line=dict(width=3, dash="dash", color="#374151")))
    fig.update_xaxes(dtick=1, tickformat="d", title=None, gridcolor="#e5e7eb")
    values = pd.concat([frame["metric"], region.get("region_metric", pd.Series(dtype=float))]).dropna()
    hi = float(values.max()) if not values.empty else 1.0
    lo = min(0.0, float(values.min())) if not values.empty else 0.0
    # the unit goes into the title: a rotated one-character axis title (个) reads like an arrow
    fig.update_yaxes(title=None, gridcolor="#e5e7eb", rangemode="tozero", **_tick_axis(lo, hi, tick_text, values.to_numpy()))
    fig.update_layout(title=dict(text=title, x=0.01, font=dict(size=17)), height=height,
                      margin=dict(l=8, r=8, t=56, b=8), plot_bgcolor=BG, paper_bgcolor=BG, font=FONT,
                      legend=dict(orientation="h", y=-0.15), hovermode="x unified")
    return fig


def progress_bars(frame: pd.DataFrame, *, title: str, target_label: str, gap_label: str,
                  gap_unit: str = "个百分点", height: int = 380) -> go.Figure:
    """Rates against a 100% target: a filled bar per rate and a grey remainder labelled with the gap.

    frame columns: name (str), value (float, percent 0–100), label (str).
    """
    df = frame.iloc[::-1]
    gap = 100 - df["value"]
    wide = gap >= 15  # the gap is written on the grey bar only where it fits; otherwise after the rate
    fig = go.Figure()
    fig.add_trace(go.Bar(x=df["value"], y=df["name"], orientation="h", marker_color="#2563eb",
                         text=[lab if w or g <= 0 else f"{lab}（{gap_label} {g:g}{gap_unit}）" for lab, g, w in zip(df["label"], gap, wide)],
                         textposition="inside", insidetextanchor="end",
                         textfont=dict(color="#ffffff", size=15), name="", hovertemplate="%{y}: %{text}<extra></extra>"))
    fig.add_trace(go.Bar(x=gap, y=df["name"], orientation="h", marker_color="#e5e7eb",
                         text=[f"{gap_label} {g:g}{gap_unit}" if w else "" for g, w in zip(gap, wide)], textposition="inside",
                         textfont=dict(color="#374151", size=13), name="", hoverinfo="skip"))
    fig.add_vline(x=100, line_color="#b91c1c", line_dash="dash")
    fig.add_annotation(x=100, y=1.02, yref="paper", text=target_label, showarrow=False,
                       font=dict(color="#b91c1c"), yanchor="bottom")
    fig.update_xaxes(range=[0, 104], ticksuffix="%", gridcolor="#e5e7eb")
    fig.update_layout(barmode="stack", title=dict(text=title, x=0.01, font=dict(size=17)), height=height,
                      margin=dict(l=8, r=16, t=64, b=24), plot_bgcolor=BG, paper_bgcolor=BG, font=FONT,
                      showlegend=False)
    return fig
