"""Plotly figure builders. No Streamlit here: every function takes frames and returns a Figure.

The maps draw boundaries as filled ``go.Scatter`` polygons on plain cartesian axes
(coordinates projected to km by :mod:`nmgdash.core.geo`), so they need nothing from the
network: no ``geo`` trace, no topojson, no tiles. Each area is one filled trace named by its
adcode; the map component (:mod:`nmgdash.ui.mapview`) finds the area under a click or tap by
point-in-polygon against these rings in the browser, at any zoom.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import plotly
import plotly.graph_objects as go
from plotly.colors import make_colorscale, sample_colorscale, sequential

from nmgdash.core import geo
from nmgdash.core.i18n import TEXT, t
from nmgdash.core.labels import html_text

#: Sequential, colour-blind-safe (ColorBrewer YlGnBu, light = low). An explicit list, not the name:
#: plotly.js's built-in "YlGnBu" runs the other way round, so the colour bar would contradict the fills.
#: The plotly.js bundle inside the installed ``plotly`` package: served to the map component
#: (:mod:`nmgdash.ui.mapview`) and given to kaleido for PNGs (:mod:`nmgdash.slides.deck`), never a CDN.
PLOTLY_JS_SOURCE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"

COLORSCALE = make_colorscale(sequential.YlGnBu)
NO_DATA_FILL = "#e0e0e0"
#: Length of a map's horizontal colour bar in px (fixed, so the corner kept free of labels is too).
COLOUR_BAR_PX = 180
FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", size=14, color="#1f2937")
#: Opaque white: an exported PNG (modebar camera) pasted on a dark slide keeps its title, unit
#: and colour-bar ticks readable. A transparent background made them vanish.
BG = "#ffffff"
SOURCE_FONT = dict(size=11, color="#4b5563")
#: Narrowest plot the map labels are laid out for: the map at a 1024 px wide window with the
#: sidebar open (564 px). Wider plots only move labels apart (see :func:`place_labels`).
MAP_DESIGN_WIDTH_PX = 560
#: On-map label font size and the box padding plotly adds around it (borderpad 3 + border 1).
LABEL_SIZE = 13
NO_DATA_MARK = "—"
#: An HTML character reference (&lt; &amp; &#60;): one character wide, never cut by :func:`wrap`.
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_ENTITY_OR_CHAR = re.compile(_ENTITY.pattern + "|.", re.S)


def plot_config(filename: str = "nmgdash-chart", *, scroll_zoom: bool | None = None) -> dict:
    """The ``config`` for ``st.plotly_chart``: no plotly logo, and the modebar's camera button
    saves a PNG at twice the screen resolution (the figure's background is opaque white, see
    :data:`BG`). ``scroll_zoom=False`` keeps the page scrolling over maps."""
    config = {"displaylogo": False,
              "toImageButtonOptions": {"format": "png", "scale": 2, "filename": filename}}
    if scroll_zoom is not None:
        config["scrollZoom"] = scroll_zoom
    return config


def text_px(text: str, size: float = 13.0) -> float:
    """Estimated width in px of one line of ``text`` (HTML tags ignored) at font ``size``:
    CJK and full-width characters are one em wide, others about 0.62 em (generous for digits,
    Latin letters and bold text in Noto Sans)."""

    plain = _ENTITY.sub("&", re.sub(r"<[^>]+>", "", text))
    return sum(size if ord(ch) >= 0x2E80 else size * 0.62 for ch in plain)


def wrap(text: str, max_px: float, size: float = 13.0) -> str:
    """``text`` with ``<br>`` inserted so that no line is wider than ``max_px`` (estimated with
    :func:`text_px`). Breaks after spaces, "·", "，", "；", "：" or before "（" where possible, else
    between CJK characters. Plotly never wraps titles or annotations by itself."""
    lines: list[str] = []
    line = ""
    last_break = -1
    for ch in _ENTITY_OR_CHAR.findall(text):  # an entity (&lt;) is one character: never cut inside it
        if ch == "（" and line:
            last_break = len(line)
        start = len(line)
        line += ch
        if ch in " ·，；：、":
            last_break = len(line)
        if text_px(line, size) > max_px and start > 0:
            cut = last_break if 0 < last_break < len(line) else start
            lines.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
            last_break = -1
    if line:
        lines.append(line)
    return "<br>".join(lines)


def source_line(frame: pd.DataFrame, lang: str = "zh") -> str:
    """The small "来源：…（示例数据）" line drawn inside a figure, so a screenshot or an exported PNG
    still says where its numbers come from.

    frame columns: source_id (str; short names from nmgdash.core.i18n ``src_<id>``, else) source_title /
    source_title_en, status (str). Sources in order of first appearance, each followed by its own
    status when it is sample ("（示例数据）"/" (SAMPLE)") or imported ("（已导入）"). Returns "" when
    no row has a source.
    """

    if frame.empty or "source_id" not in frame:
        return ""
    title_col = "source_title" if lang == "zh" else "source_title_en"
    # plain lists, not pandas row objects: this runs for every figure of every session
    ids = frame["source_id"].tolist()
    titles = frame[title_col].tolist() if title_col in frame else ids
    statuses = frame["status"].tolist() if "status" in frame else [None] * len(ids)
    names, seen = [], set()
    for source_id, title, status in zip(ids, titles, statuses):
        if pd.isna(source_id) or source_id in seen:  # missing (None, NaN, NA) or repeated
            continue
        seen.add(source_id)
        key = f"src_{source_id}"
        # a title not in the catalogue is the imported file's name: user text, shown as text (HTML-escaped)
        name = t(key, lang) if key in TEXT else html_text(title)
        # each source carries its own status: an imported file next to sample rows is not "sample"
        label = {"sample": t("sample_tag", lang), "imported": t("status_imported", lang),
                 "approved": t("status_approved", lang)}.get(status)
        names.append(name + (t("sample_tag_suffix", lang, tag=label) if label else ""))
    if not names:
        return ""
    return f"{t('source', lang)}{t('colon', lang)}{t('semicolon', lang).join(names)}"


def _footer(lines: list[tuple[str, str]], width_px: float, left_px: int = 0) -> tuple[list[dict], int]:
    """Annotations for the figure's bottom margin: (name, text) pairs such as the no-data note and
    the source line, each wrapped to ``width_px``, stacked from the top of the margin down and
    starting ``left_px`` left of the plot area (the figure's left margin, so they start at the
    figure's edge); returns them and the margin height they need."""
    annotations, y_px = [], 4
    for name, text in lines:
        if not text:
            continue
        wrapped = wrap(text, width_px, SOURCE_FONT["size"])
        n = wrapped.count("<br>") + 1
        annotations.append(dict(text=wrapped, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
                                yshift=-y_px, xshift=-left_px + 2, showarrow=False, align="left", font=SOURCE_FONT,
                                name=name))
        y_px += 15 * n + 3
    return annotations, y_px + 2


def compact_label(label: str, unit: str) -> str:
    """A label without a long unit (English "12 persons per 10k residents" → "12"): the unit is in
    the colour-bar or axis title. Short units (个, %, 万元, km²) stay."""
    if unit and label.endswith(unit) and (len(unit) > 6 or " " in unit.strip()):
        return label[: -len(unit)].strip()
    return label


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


def tick_axis(vmin: float, vmax: float, tick_text, values=None) -> dict:
    """Axis or colour-bar tick settings (tickvals, ticktext) for ``vmin``–``vmax`` written by
    ``tick_text`` (float → str); whole-number ticks when every value is whole. {} without ``tick_text``."""
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


def _box(cx: float, cy: float, w: float, h: float) -> tuple[float, float, float, float]:
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _overlap(a: tuple, b: tuple) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


#: Candidate label moves in px (distance first; vertical before horizontal: boxes are wide).
_ANGLES = [90, 270, 0, 180, 45, 135, 225, 315, 67.5, 112.5, 247.5, 292.5, 22.5, 157.5, 202.5, 337.5]
_RADII = [18, 28, 40, 54, 70, 88, 108, 130, 155, 185, 220, 260]


def place_labels(
    items: list[tuple[str, tuple[float, float], tuple[float, float], tuple[float, float] | None]],
    ranges: tuple[float, float, float, float],
    plot_h_px: float,
    width_px: float = MAP_DESIGN_WIDTH_PX,
    *,
    drop: bool = False,
    max_move_px: float = 260,
    reserved_px: list[tuple[float, float, float, float]] = (),
) -> dict[str, tuple[float, float] | None]:
    """Place map labels so that no two overlap and none leaves the plot.

    items: (key, anchor (x, y) in km, box size (w, h) in px, preferred move (dx, dy) in km or None),
    in priority order. ranges: the plot's (xmin, ymin, xmax, ymax) in km. The layout is computed
    for a plot ``width_px`` wide and ``plot_h_px`` high (the narrowest the app draws, see
    :data:`MAP_DESIGN_WIDTH_PX`). Boxes keep their centre in km and their size in px, so on any
    wider plot they only move apart: a layout free of overlaps at ``width_px`` stays so.
    Each label takes the nearest free spot (its own anchor, then moves of growing distance) that
    overlaps no placed label, stays inside the plot and covers no other area's anchor; failing that,
    one that only covers anchors; failing that it is dropped (``drop``) or put where it overlaps least.
    reserved_px: areas no label may cover, as (left, top, right, bottom) in px from the top-left of
    the plot at the design size (the colour bar in the top-left corner).
    Returns key → box centre (x, y) in km, or None when dropped.
    """
    xmin, ymin, xmax, ymax = ranges
    scale = min(width_px / (xmax - xmin), plot_h_px / (ymax - ymin))  # px per km at the design size
    gap = 3 / scale
    anchors = {key: a for key, a, _, _ in items}
    out: dict[str, tuple[float, float] | None] = {}
    placed: list[tuple[float, float, float, float]] = []
    # the plot shows the ranges' centre with the aspect ratio locked: px → km from its top-left corner
    left = (xmin + xmax) / 2 - width_px / scale / 2
    top = (ymin + ymax) / 2 + plot_h_px / scale / 2
    for x0, y0, x1, y1 in reserved_px:
        placed.append((left + x0 / scale, top - y1 / scale, left + x1 / scale, top - y0 / scale))
    for key, (ax, ay), (w_px, h_px), pref in items:
        w, h = w_px / scale + gap, h_px / scale + gap
        cands = [(ax + pref[0], ay + pref[1])] if pref else []
        cands.append((ax, ay))
        cands += [(ax + r * np.cos(np.radians(a)) / scale, ay + r * np.sin(np.radians(a)) / scale)
                  for r in _RADII if r <= max_move_px for a in _ANGLES]
        best, best_cost = None, None
        for level in (0, 1):
            for cx, cy in cands:
                b = _box(cx, cy, w, h)
                if b[0] < xmin or b[2] > xmax or b[1] < ymin or b[3] > ymax:
                    continue
                if any(_overlap(b, o) for o in placed):
                    continue
                if level == 0 and any(b[0] < x < b[2] and b[1] < y < b[3]
                                      for k, (x, y) in anchors.items() if k != key):
                    continue
                best = (cx, cy)
                break
            if best:
                break
        if best is None and not drop:  # no free spot: the least overlapping one inside the plot
            for cx, cy in cands:
                b = _box(cx, cy, w, h)
                if b[0] < xmin or b[2] > xmax or b[1] < ymin or b[3] > ymax:
                    continue
                cost = sum(_overlap(b, o) for o in placed)
                if best_cost is None or cost < best_cost:
                    best, best_cost = (cx, cy), cost
            best = best or (ax, ay)
        out[key] = best
        if best:
            placed.append(_box(best[0], best[1], w, h))
    return out


def colour_bar_box_px(plot_h_px: float) -> tuple[float, float]:
    """(width, height) in px of the corner a map's horizontal colour bar takes from the top-left of
    the plot: the bar (:data:`COLOUR_BAR_PX` long, 1 % in from the left), its title above and its
    ticks below, from 3 % below the top, plus a margin."""
    return COLOUR_BAR_PX + 24, 0.03 * plot_h_px + 90


def clear_of_colour_bar(shapes: geo.MapShapes, ranges: tuple[float, float, float, float], plot_h_px: float,
                        widths_px: range = range(MAP_DESIGN_WIDTH_PX, 2001, 40)) -> tuple[float, float, float, float]:
    """``ranges`` (xmin, ymin, xmax, ymax in km), raised at the top when an area of ``shapes`` would
    lie under the colour bar (:func:`colour_bar_box_px`) on a plot ``plot_h_px`` high and any of
    ``widths_px`` wide (the aspect ratio is locked: the plot shows the ranges' centre). Raised so
    far that the empty band on top is at least the bar's height at every width: it is narrowest when
    the height limits the scale, where it is ``band / (height of ranges)`` of the plot. Unchanged when
    no area comes under the bar (the league map: its top-left corner is empty)."""
    xmin, ymin, xmax, ymax = ranges
    bar_w, bar_h = colour_bar_box_px(plot_h_px)
    pts = [np.column_stack([np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)])
           for xs, ys in shapes.paths.values()]
    if not pts:
        return ranges
    xy = np.concatenate(pts)
    xy = xy[~np.isnan(xy).any(axis=1)]
    w_km, h_km = xmax - xmin, ymax - ymin
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    for width in widths_px:
        scale = min(width / w_km, plot_h_px / h_km)  # px per km
        px = (xy[:, 0] - cx) * scale + width / 2
        py = plot_h_px / 2 - (xy[:, 1] - cy) * scale
        if ((px < bar_w) & (py < bar_h)).any():
            break
    else:
        return ranges
    f = min(bar_h / plot_h_px, 0.5)
    return xmin, ymin, xmax, ymin + h_km / (1 - f)


def choropleth(
    frame: pd.DataFrame,
    shapes: geo.MapShapes,
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
    source: str = "",
    value_range: tuple[float, float] | None = None,
    fills: dict[str, str] | None = None,
    legend: list[tuple[str, str]] | None = None,
) -> go.Figure:
    """A choropleth of ``frame`` over ``shapes``.

    fills: a categorical map instead (adcode → fill colour, e.g. the 填报进度 map coloured by state):
    no colour bar, every area's ``label`` is shown on it (``metric`` is not used), and ``legend``
    ((text, colour) pairs, in order) is drawn as a horizontal legend at the top left.

    value_range: (cmin, cmax) of the colour scale instead of the frame's own min and max, so that
    maps of several years share one scale (the year player, :mod:`nmgdash.figures.player`).

    frame columns: adcode (str), name (str), metric (float, NaN = no data),
    label (str: formatted value or the no-data reason shown on the map), hover (str).
    label: the formatted value (long English units are dropped on the map, see :func:`compact_label`)
    or, where metric is NaN, the reason: the map shows "—" and the reasons go into the note.
    label_offsets: adcode → (dx_km, dy_km), a preferred label move (with a leader line) for a small area.
    Areas smaller than ``label_min_area_km2`` get no on-map label (hover and table still show them).
    tick_text: optional callable float → str for the colour-bar ticks (e.g. Chinese 万 style).
    Labels never overlap and stay inside the plot at any plot width from
    :data:`MAP_DESIGN_WIDTH_PX` up (:func:`place_labels`); those that need a move get a leader line.
    avoid_overlap: drop a label that has no free spot near its area (county maps) instead of
    moving it further away.
    source: the source line drawn under the map (:func:`source_line`); the note goes above it.
    base_fill: draw a plain base map instead (every area in this colour, grey borders, no value labels,
    no colour bar) for other traces to be layered on.
    Returns a Figure with one filled trace per area (name = adcode, ``meta`` "area", ``text`` = the
    hover text, hovered over the whole fill), a colour bar titled with ``unit_label``, one annotation
    per labelled area, and ``layout.meta.nmg`` for the map component (:func:`_phone_layout`).
    No click targets: the map component hit-tests the rings themselves.
    """
    label_offsets = label_offsets or {}
    data = frame.set_index("adcode")
    metric = data["metric"].astype("float64")
    has_values = bool(metric.notna().any())
    vmin = float(metric.min()) if has_values else 0.0
    vmax = float(metric.max()) if has_values else 1.0
    if value_range is not None and has_values:
        vmin, vmax = (float(v) for v in value_range)
    if vmin == vmax:
        vmin = min(0.0, vmin) if vmax else -1.0
    colors = dict(zip(data.index, _colors(metric, vmin, vmax)))
    # Built as plain dicts and wrapped without validation: validating ~130 traces costs ~70 ms
    # per rerun. tests/test_charts.py validates the same output once.
    traces: list[dict] = []
    if base_fill:
        colors, has_values = dict.fromkeys(data.index, base_fill), False
    if fills is not None:
        colors, has_values = {a: fills.get(a) for a in data.index}, False
    for adcode, (xs, ys) in shapes.paths.items():
        color = colors.get(adcode)
        trace = dict(type="scatter", x=xs, y=ys, mode="lines", fill="toself", fillcolor=color or NO_DATA_FILL,
                     line=dict(color="#94a3b8" if base_fill else "#ffffff", width=1.2), hoverinfo="skip",
                     showlegend=False, name=adcode, meta="area")
        if adcode in data.index:
            # hover over the whole fill (st.plotly_chart; the map component draws its own hover box
            # from this text and hit-tests the same rings, see nmgdash.ui.mapview)
            trace |= dict(text=str(data.at[adcode, "hover"]), hoveron="fills", hoverinfo="text")
        if color is None:
            trace["fillpattern"] = dict(shape="/", fgcolor="#9e9e9e", size=8, solidity=0.15)
        traces.append(trace)
    for adcode in selected:
        if adcode in shapes.paths:
            xs, ys = shapes.paths[adcode]
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", line=dict(color="#111827", width=3.5),
                               hoverinfo="skip", showlegend=False, name=f"selected-{adcode}"))
    # colour bar on an invisible trace
    traces.append(dict(
        type="scatter", x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip", name="colorbar",
        marker=dict(colorscale=COLORSCALE, cmin=vmin, cmax=vmax, color=[vmin], showscale=has_values,
                    colorbar=dict(title=dict(text=unit_label, side="top"), thickness=12, len=COLOUR_BAR_PX,
                                  lenmode="pixels",  # fixed size: the space reserved for it stays free on wide plots
                                  orientation="h", x=0.01, xanchor="left", y=0.97, yanchor="top",
                                  outlinewidth=0,
                                  **tick_axis(vmin, vmax, tick_text, metric.dropna().to_numpy()))),
    ))
    minx, miny, maxx, maxy = shapes.bounds
    padx, pady = (maxx - minx) * 0.01, (maxy - miny) * 0.02
    ranges = (minx - padx, miny - pady, maxx + padx, maxy + pady)
    title_d, top = _title(title, MAP_DESIGN_WIDTH_PX - 16, 18)
    phone_ranges = ranges  # the phone layout keeps its own room for the bar (PHONE_RESERVE_PX)
    # the no-data note says why: on the map a missing value is only a short mark
    reasons = [] if fills is not None else [
        str(r) for r in dict.fromkeys(data.loc[metric.isna(), "label"]) if str(r) and str(r) not in (no_data_note or "")]
    note = no_data_note or ""
    if note and reasons:
        note += ("：" if not note.isascii() else ": ") + ("；" if not note.isascii() else "; ").join(reasons)
    footer, bottom = _footer([("no-data-note", note), ("source", source)], MAP_DESIGN_WIDTH_PX - 8)
    plot_h = height - top - bottom
    if has_values:  # the colour bar sits on no area at any plot width (a county map's top-left county)
        ranges = clear_of_colour_bar(shapes, ranges, plot_h)
    items = []
    texts: dict[str, str] = {}
    for adcode in sorted(shapes.labels, key=lambda a: -shapes.area_km2.get(a, 0)):
        if base_fill or adcode not in data.index or shapes.area_km2.get(adcode, 0) < label_min_area_km2:
            continue
        name = str(data.at[adcode, "name"])
        value = (NO_DATA_MARK if pd.isna(metric.get(adcode)) and fills is None
                 else compact_label(str(data.at[adcode, "label"]), unit_label))
        texts[adcode] = f"<b>{name}</b><br>{value}"
        size = (max(text_px(name, LABEL_SIZE) * 1.05, text_px(value, LABEL_SIZE)) + 10, 2 * LABEL_SIZE * 1.3 + 10)
        items.append((adcode, shapes.labels[adcode], size, label_offsets.get(adcode)))
    # the horizontal colour bar (COLOUR_BAR_PX long from the left edge, from 3 % below the top; title,
    # bar and ticks about 70 px high, plus a margin) is reserved, so no label hides its values
    colour_bar = [(0.0, 0.0, COLOUR_BAR_PX + 24, 0.03 * plot_h + 90)] if has_values else []
    if legend:  # the legend's rows at the top left (about 28 px per row of up to three entries)
        colour_bar = [(0.0, 0.0, MAP_DESIGN_WIDTH_PX * 0.75, 0.03 * plot_h + 28 * ((len(legend) + 2) // 3) + 8)]
    spots = place_labels(items, ranges, plot_h, drop=avoid_overlap, max_move_px=90 if avoid_overlap else 260,
                         reserved_px=colour_bar)
    annotations: list[dict] = []
    for adcode, (lx, ly), _, _ in items:
        spot = spots.get(adcode)
        if spot is None:
            continue  # no room: the value is still in the hover text and the table
        moved = abs(spot[0] - lx) > 1e-9 or abs(spot[1] - ly) > 1e-9
        annotations.append(dict(
            x=lx, y=ly, xref="x", yref="y", ax=spot[0], ay=spot[1], axref="x", ayref="y",
            showarrow=bool(moved), arrowhead=0, arrowwidth=1.2, arrowcolor="#374151",
            text=texts[adcode], font=dict(size=LABEL_SIZE, color="#111827"), align="center",
            bgcolor="rgba(255,255,255,0.88)", bordercolor="#9ca3af", borderwidth=1, borderpad=3,
            name=f"label-{adcode}",
        ))
    annotations += footer
    for text, colour in legend or []:
        traces.append(dict(type="scatter", x=[None], y=[None], mode="markers", name=text, showlegend=True,
                           hoverinfo="skip", marker=dict(symbol="square", size=14, color=colour,
                                                         line=dict(color="#6b7280", width=1))))
    layout = dict(
        meta=dict(nmg=_phone_layout(title, [("no-data-note", note), ("source", source)], shapes, selected, phone_ranges)),
        title=_set_title_y(title_d, height),
        height=height, margin=dict(l=0, r=0, t=top, b=bottom),
        plot_bgcolor=BG, paper_bgcolor=BG, font=FONT,
        hovermode="closest", hoverdistance=18, clickmode="event+select",
        dragmode="pan", uirevision=uirevision, annotations=annotations,
        showlegend=bool(legend), legend=dict(orientation="h", x=0.01, xanchor="left", y=0.99, yanchor="top",
                                             bgcolor="rgba(255,255,255,0.85)", itemclick=False, itemdoubleclick=False),
        xaxis=dict(visible=False, range=[ranges[0], ranges[2]]),
        yaxis=dict(visible=False, range=[ranges[1], ranges[3]], scaleanchor="x", scaleratio=1),
    )
    return go.Figure(dict(data=traces, layout=layout), _validate=False)


#: Plot width the map component lays a phone map out for (390 px screen minus Streamlit's padding).
PHONE_WIDTH_PX = 340
#: Height kept free above the region on a phone map for the colour bar (px).
PHONE_RESERVE_PX = 80


def _phone_layout(title: str, footer_lines: list[tuple[str, str]], shapes: geo.MapShapes,
                  selected: tuple[str, ...], ranges: tuple[float, float, float, float]) -> dict:
    """What the map component (:mod:`nmgdash.ui.mapview`) needs beyond the figure, kept in
    ``layout.meta.nmg``: ``center`` (x, y) in km, where the zoom buttons zoom to (the area-weighted
    middle of the selected areas, else of all areas: the middle of the bounding box lies outside
    Inner Mongolia's arc), ``design_width`` (below it the on-map labels become a list under the map),
    and the title, footer and margins wrapped for a phone (:data:`PHONE_WIDTH_PX`) with the
    map's ``aspect`` (height ÷ width of ``ranges``) and the px to keep free (``reserve``)."""
    codes = [c for c in selected if c in shapes.labels] or list(shapes.labels)
    weights = np.array([max(shapes.area_km2.get(c, 0.0), 1.0) for c in codes])
    pts = np.array([shapes.labels[c] for c in codes], dtype=float)
    center = (pts * weights[:, None]).sum(axis=0) / weights.sum()
    title_d, top = _title(title, PHONE_WIDTH_PX - 16, 17)
    title_d.pop("_block")
    footer, bottom = _footer(footer_lines, PHONE_WIDTH_PX - 8)
    return dict(center=[round(float(center[0]), 1), round(float(center[1]), 1)], design_width=MAP_DESIGN_WIDTH_PX,
                narrow=dict(title=title_d, top=top, bottom=bottom, footer=footer, reserve=PHONE_RESERVE_PX,
                            aspect=(ranges[3] - ranges[1]) / (ranges[2] - ranges[0])))


def _title(text: str, width_px: float, size: int = 17) -> tuple[dict, int]:
    """A title wrapped to ``width_px`` and the top margin it needs. Call :func:`_set_title_y`
    once the figure's height is known: plotly draws a multi-line title with ``yanchor`` top or
    bottom shifted by a line, so the title is centred (``middle``) on its block instead."""
    wrapped = wrap(text, width_px, size)
    lines = wrapped.count("<br>") + 1
    block = int(size * 1.3 * lines)
    return (dict(text=wrapped, x=0.01, xanchor="left", yref="container", yanchor="middle", font=dict(size=size),
                 _block=block), 16 + block)


def _set_title_y(title: dict, height: float) -> dict:
    """Put a :func:`_title` block 8 px below the top of a figure ``height`` px high."""
    block = title.pop("_block")
    return title | {"y": 1 - (8 + block / 2) / height}


#: Narrowest width of the half-width charts (ranking, trend): 274 px at a 1024 px window.
HALF_DESIGN_WIDTH_PX = 270


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
    source: str = "",
    region_text: str | None = None,
) -> go.Figure:
    """Horizontal bars, largest on top, with a dashed line at the region average.

    frame columns: adcode (str), name (str), metric (float), label (str).
    The value labels are a column in the right margin (annotations named "value-<adcode>"), so the
    region line never runs through them; the line is a trace named "region" whose legend entry
    above the bars says what it is ("全区平均 2.3次": ``region_label`` and ``region_text``).
    Areas without a value are listed at the bottom with their label text (e.g. 无数据).
    """
    df = frame.assign(_m=frame["metric"].astype("float64")).sort_values("_m", ascending=True, na_position="first")
    df = df.reset_index(drop=True)
    colors = ["#1d4ed8" if a in selected else "#60a5fa" for a in df["adcode"]]
    labels = [compact_label(str(lab), unit_label) for lab in df["label"]]
    label_w = max([text_px(lab, 13) for lab in labels] + [20]) + 10
    name_w = max([text_px(str(n), 14) for n in df["name"]] + [20]) + 10
    fig = go.Figure(
        go.Bar(
            x=df["_m"].fillna(0), y=list(range(len(df))), orientation="h", marker_color=colors,
            customdata=df["adcode"], hovertext=df["label"], name="",
            hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
        )
    )
    annotations = [dict(x=1, xref="paper", xanchor="left", xshift=6, y=i, yref="y", text=lab, showarrow=False,
                        font=dict(size=13, color="#111827"), name=f"value-{code}")
                   for i, (lab, code) in enumerate(zip(labels, df["adcode"]))]
    if region_value is not None and not np.isnan(region_value):
        name = f"{region_label} {compact_label(region_text, unit_label)}" if region_text else region_label
        fig.add_trace(go.Scatter(x=[region_value, region_value], y=[-0.5, len(df) - 0.5], mode="lines",
                                 line=dict(dash="dash", color="#b91c1c", width=2), name=name, hoverinfo="skip",
                                 showlegend=True))
    top = float(df["_m"].max()) if df["_m"].notna().any() else 1.0
    low = min(0.0, float(df["_m"].min() or 0)) * 1.05
    title_d, t_margin = _title(title, HALF_DESIGN_WIDTH_PX - 10)
    legend_h = 26 if region_value is not None and not np.isnan(region_value) else 0
    footer, bottom = _footer([("source", source)], HALF_DESIGN_WIDTH_PX - 10, int(name_w))
    axis_h = 52
    for a in footer:
        a["yshift"] -= axis_h
    fig.update_xaxes(title=dict(text=unit_label, standoff=10), range=[low, top * 1.04 if top > 0 else 1], gridcolor="#e5e7eb",
                     automargin=False, **tick_axis(low, top, tick_text, df["_m"].dropna().to_numpy()))
    fig.update_yaxes(tickvals=list(range(len(df))), ticktext=list(df["name"]), range=[-0.6, len(df) - 0.4],
                     automargin=False)
    fig.update_layout(title=_set_title_y(title_d, height + t_margin + bottom - 56 + legend_h),
                      height=height + t_margin + bottom - 56 + legend_h,
                      margin=dict(l=int(name_w), r=int(label_w), t=t_margin + legend_h, b=axis_h + bottom),
                      plot_bgcolor=BG, paper_bgcolor=BG, font=FONT, annotations=annotations + footer,
                      legend=dict(orientation="h", x=0, xanchor="left", y=1, yanchor="bottom", yref="paper",
                                  font=dict(size=13, color="#b91c1c"), bgcolor="rgba(0,0,0,0)"))
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
    source: str = "",
) -> go.Figure:
    """Lines over years for the selected areas plus a dashed region line.

    frame columns: name (str), year (int), metric (float).
    region columns: year (int), region_metric (float).
    The title should carry the unit: the y axis has no title (a rotated 个 reads like an arrow).
    ``source`` is drawn as a small line under the legend.
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
    fig.update_yaxes(title=None, gridcolor="#e5e7eb", rangemode="tozero", **tick_axis(lo, hi, tick_text, values.to_numpy()))
    title_d, t_margin = _title(title, HALF_DESIGN_WIDTH_PX - 10)
    footer, bottom = _footer([("source", source)], HALF_DESIGN_WIDTH_PX - 10, 8)
    legend_h = 70  # x ticks and a legend of up to two rows under the plot
    for a in footer:
        a["yshift"] -= legend_h
    fig.update_layout(title=_set_title_y(title_d, height + t_margin + bottom - 56),
                      height=height + t_margin + bottom - 56,
                      margin=dict(l=8, r=8, t=t_margin, b=legend_h + bottom), plot_bgcolor=BG, paper_bgcolor=BG,
                      font=FONT, annotations=footer,
                      legend=dict(orientation="h", x=0, y=-0.08, yanchor="top"), hovermode="x unified")
    return fig


def bullet_chart(frame: pd.DataFrame, *, title: str, target_label: str, gap_label: str,
                 gap_unit: str = TEXT["gap_unit"][0], source: str = "", height_per_row: int = 64,
                 met_label: str = TEXT["target_met"][0], colon: str = "：") -> go.Figure:
    """Rates against a 100 % target as a bullet chart, readable from a 390 px phone to a projector.

    frame columns: name (str), value (float, percent 0–100), label (str, e.g. "98%").
    Per rate, top to bottom in frame order: the name above its bar (annotation "name-<i>"), a dark
    value bar (trace 0, x = value) and the gap to 100 % in a lighter tone of the same colour
    (trace 1, x = 100 − value), and, outside the bar in the right margin, the value in bold with
    the gap under it ("98%" / "差2个百分点", or ``met_label`` at 100 %: annotation "value-<i>"). No text on or in the bars,
    nothing rotated. The target line at 100 % is labelled above the plot, right-aligned to the line
    so it is never cut off ("目标 100%": annotation "target").
    """
    n = len(frame)
    ys = list(range(n))[::-1]  # first row on top
    # names wrapped for the plot of a 390 px phone (≈ 230 px beside the value column); an English name
    # may take three lines, and each row makes room for the longest name above its bar
    names = [wrap(str(name), 230, 14) for name in frame["name"]]
    lines = max((nm.count("<br>") + 1 for nm in names), default=1)
    bar_px = 0.38 * height_per_row * n / (n + 0.4)  # the bar's thickness, whatever the rows' height
    unit_px = max(height_per_row * n / (n + 0.4), bar_px / 2 + 4 + 18 * lines + bar_px / 2 + 10)  # px per row
    top = max(n - 0.1, n - 1 + (bar_px / 2 + 4 + 18 * lines + 4) / unit_px)  # room for the first row's name
    gap = 100 - frame["value"].astype(float)
    values_txt = [f"<b>{lab}</b><br>{gap_label}{g:g}{gap_unit}" if g > 0 else f"<b>{lab}</b><br>{met_label}"
                  for lab, g in zip(frame["label"], gap)]
    right = int(max(text_px(line, 13.5) for txt in values_txt for line in txt.split("<br>")) + 14)
    fig = go.Figure()
    width = bar_px / unit_px
    fig.add_trace(go.Bar(x=frame["value"], y=ys, orientation="h", marker_color="#1d4ed8", width=width,
                         name="value", hovertext=frame["name"] + colon + frame["label"],
                         hovertemplate="%{hovertext}<extra></extra>", textposition="none"))
    fig.add_trace(go.Bar(x=gap, y=ys, orientation="h", marker_color="#bfdbfe", width=width, name="gap",
                         hovertext=[f"{gap_label}{g:g}{gap_unit}" for g in gap],
                         hovertemplate="%{hovertext}<extra></extra>", textposition="none"))
    annotations = []
    for i, (y, name, txt) in enumerate(zip(ys, names, values_txt)):
        annotations.append(dict(x=0, xref="x", xanchor="left", y=y + (bar_px / 2 + 4) / unit_px, yref="y",
                                yanchor="bottom", text=name, align="left",
                                showarrow=False, font=dict(size=14, color="#1f2937"), name=f"name-{i}"))
        annotations.append(dict(x=1, xref="paper", xanchor="left", xshift=8, y=y, yref="y", text=txt, align="left",
                                showarrow=False, font=dict(size=13, color="#111827"), name=f"value-{i}"))
    annotations.append(dict(x=100, xref="x", xanchor="right", y=1, yref="paper", yanchor="bottom", text=target_label,
                            showarrow=False, font=dict(size=13, color="#b91c1c"), name="target"))
    fig.add_shape(type="line", x0=100, x1=100, y0=0, y1=1, yref="paper", line=dict(color="#b91c1c", dash="dash", width=2))
    title_d, t_margin = _title(title, 330)
    footer, bottom = _footer([("source", source)], 330, 8)
    for a in footer:
        a["yshift"] -= 26
    fig.update_xaxes(range=[0, 100], ticksuffix="%", tickvals=[0, 25, 50, 75, 100], gridcolor="#e5e7eb",
                     automargin=False, fixedrange=True)
    fig.update_yaxes(visible=False, range=[-0.5, top], fixedrange=True)
    total = t_margin + 22 + round(unit_px * (top + 0.5)) + 26 + bottom
    fig.update_layout(barmode="stack", title=_set_title_y(title_d, total), height=total,
                      margin=dict(l=8, r=right, t=t_margin + 22, b=26 + bottom), plot_bgcolor=BG, paper_bgcolor=BG,
                      font=FONT, showlegend=False, annotations=annotations + footer, bargap=0.5)
    return fig
