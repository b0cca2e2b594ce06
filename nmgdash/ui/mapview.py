"""Plotly maps that keep what the user did: zoom and pan survive reruns (year, league, language).

``st.plotly_chart`` identifies its element by the figure as well as the key, so every changed
figure is a new element and the browser remounts the chart: the view jumps back to the full
extent although ``layout.uirevision`` is constant. :func:`plotly_map` renders the figure with a
Streamlit custom component (``st.components.v2``) whose element is identified by its key alone.
Its JavaScript keeps one plotly div per key and calls ``Plotly.react(div, data, layout, config)``
on every data change, so plotly's ``uirevision`` works as documented: the view is kept while the
figure's ``layout.uirevision`` stays the same and reset when it changes.

plotly.js comes from this machine, never from a CDN: the ``plotly.min.js`` shipped inside the
installed plotly Python package is copied into ``static/`` beside ``app.py`` (git-ignored;
:func:`ensure_plotly_js`, done on the first map of a process) and served by Streamlit's static
file serving (``server.enableStaticServing = true`` in ``.streamlit/config.toml``) at
``app/static/plotly.min.js``. The component loads it once per page into a private reference (it
does not use a ``window.Plotly`` of anyone else).

A click on the map, hit-tested in the browser against the click targets (the traces named
"targets", ``customdata`` = adcode, within ``layout.hoverdistance`` px; see
:func:`nmgdash.figures.charts.choropleth`) is reported as the trigger value ``click``:
``{"adcode": str, "ctrl": bool (Ctrl or Cmd held), "shift": bool, "n": int (click counter)}``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from nmgdash.core.settings import ROOT, file_stamp
from nmgdash.figures.charts import PLOTLY_JS_SOURCE

_LOG = logging.getLogger(__name__)

#: The plotly.js bundle inside the installed plotly package (the version plotly.py was built for).
#: Streamlit serves ``static/`` beside the main script at ``app/static/`` (server.enableStaticServing).
STATIC_DIR = ROOT / "static"
PLOTLY_JS = STATIC_DIR / "plotly.min.js"

_JS = r"""
const PLOTLY_KEY = Symbol.for("nmgdash.ui.mapview.plotly");

// plotly.min.js from the app's own server, evaluated once per page into a private reference
// (its UMD wrapper exports through `module` when one is given).
function loadPlotly(src) {
  const g = globalThis;
  if (!g[PLOTLY_KEY]) {
    g[PLOTLY_KEY] = fetch(src, {credentials: "same-origin"})
      .then((r) => { if (!r.ok) throw new Error(`${src}: HTTP ${r.status}`); return r.text(); })
      .then((code) => {
        const had = Object.prototype.hasOwnProperty.call(window, "Plotly");
        const previous = window.Plotly;
        const module = {exports: {}};
        new Function("module", "exports", code + "\n//# sourceURL=nmgdash-plotly.min.js")(module, module.exports);
        if (had) window.Plotly = previous;  // leave another library's global as it was
        return module.exports;
      });
    g[PLOTLY_KEY].catch(() => { g[PLOTLY_KEY] = null; });  // try again on the next render
  }
  return g[PLOTLY_KEY];
}

// The look st.plotly_chart's "streamlit" theme gave these maps: bold title in the heading font and
// colour, white hover labels with a thin border. A template, so the figure's own settings win.
function themed(layout, root) {
  const css = getComputedStyle(root);
  const v = (name, fallback) => (css.getPropertyValue(name) || "").trim() || fallback;
  const out = {...layout};
  const template = {...(out.template || {})};
  template.layout = {
    ...(template.layout || {}),
    title: {font: {family: v("--st-heading-font", '"Source Sans", sans-serif'), color: v("--st-heading-color", "#2F2D2B")}},
    hoverlabel: {bgcolor: v("--st-background-color", "#FFFFFF"), bordercolor: "rgba(47, 45, 43, 0.2)",
                 font: {family: v("--st-font", '"Source Sans", sans-serif'), size: 12, color: "#808495"}},
  };
  out.template = template;
  if (out.title && typeof out.title.text === "string" && out.title.text && !out.title.text.startsWith("<b>")) {
    out.title = {...out.title, text: `<b>${out.title.text}</b>`};
  }
  if (out.width === undefined) out.autosize = true;
  return out;
}

// Plotly writes the range it draws (widened to keep scaleanchor's aspect ratio) back into the
// layout it was given, so its uirevision check would see the next figure's unchanged range as a
// change and reset the view. Give plotly what uirevision promises: while uirevision stays the same,
// an axis range the figure did not change keeps the range now shown (the user's zoom and pan).
function keepView(root, layout) {
  const axes = Object.keys(layout).filter((k) => /^[xy]axis\d*$/.test(k));
  const sent = {uirevision: layout.uirevision, ranges: {}};
  for (const ax of axes) sent.ranges[ax] = Array.isArray(layout[ax].range) ? layout[ax].range.slice() : null;
  const prev = root._nmgSent;
  root._nmgSent = sent;
  if (!prev || !root.layout || prev.uirevision === undefined || prev.uirevision !== layout.uirevision) return;
  const same = (a, b) => Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => v === b[i]);
  for (const ax of axes) {
    const shown = root.layout[ax] && root.layout[ax].range;
    if (Array.isArray(shown) && same(sent.ranges[ax], prev.ranges[ax])) {
      layout[ax] = {...layout[ax], range: shown.slice(), autorange: false};
    }
  }
}

// The adcode of the click target ("targets" traces, customdata = adcode) nearest to the client
// point (cx, cy) within the layout's hoverdistance, from the axis ranges now shown (gd.layout,
// which plotly keeps current on zoom and pan) and the plot area's box; null when none is near.
function hitTarget(root, box, cx, cy) {
  const xr = root.layout.xaxis && root.layout.xaxis.range, yr = root.layout.yaxis && root.layout.yaxis.range;
  if (!Array.isArray(xr) || !Array.isArray(yr) || !box.width || !box.height) return null;
  const sx = box.width / (xr[1] - xr[0]), sy = box.height / (yr[1] - yr[0]);
  let best = null, bestD = root.layout.hoverdistance || 20;
  for (const tr of root.data || []) {
    if (tr.name !== "targets" || !tr.x || !tr.y) continue;
    for (let i = 0; i < tr.x.length; i++) {
      const d = Math.hypot(box.left + (tr.x[i] - xr[0]) * sx - cx, box.top + (yr[1] - tr.y[i]) * sy - cy);
      if (d < bestD) {
        const c = Array.isArray(tr.customdata) ? tr.customdata[i] : tr.customdata;
        if (c != null) { bestD = d; best = String(Array.isArray(c) ? c[0] : c); }
      }
    }
  }
  return best;
}

export default function (component) {
  const {data, parentElement, setTriggerValue} = component;
  let root = parentElement.querySelector(":scope > .nmg-plotly-map");
  if (!root) {
    root = document.createElement("div");
    root.className = "nmg-plotly-map";
    parentElement.appendChild(root);
  }
  root._nmgSend = setTriggerValue;  // the latest render's sender
  const seq = (root._nmgSeq || 0) + 1;
  root._nmgSeq = seq;
  const figure = JSON.parse(data.spec);
  const layout = figure.layout || {};
  if (layout.height) root.style.height = `${layout.height}px`;  // keep the space while plotly loads

  loadPlotly(data.src).then((Plotly) => {
    if (root._nmgSeq !== seq) return;  // a newer figure arrived meanwhile
    const msg = root.querySelector(":scope > .nmg-plotly-error");
    if (msg) msg.remove();
    keepView(root, layout);
    return Plotly.react(root, figure.data || [], themed(layout, root), data.config || {}).then(() => {
      if (root._nmgWired) return;
      root._nmgWired = true;
      // A click is hit-tested here, at the click's own position, rather than taken from plotly_click:
      // plotly reports the point of its last (throttled) hover, which is stale after a quick mouse
      // move and gone after a Plotly.react, so quick clicks were lost or went to the previous league.
      // A press and release on the plot area without moving is a click (plotly covers the page while
      // the button is down, so the browser's own click event does not reach the plot).
      let clicks = 0, down = null;
      root.addEventListener("mousedown", (e) => {
        const onPlot = e.target.classList && e.target.classList.contains("nsewdrag");
        // not the 2nd press of a double-click (plotly resets the axes then)
        down = onPlot && e.button === 0 && e.detail <= 1
          ? {x: e.clientX, y: e.clientY, box: e.target.getBoundingClientRect()} : null;
      }, true);
      root._nmgUp = (e) => {
        const d = down;
        down = null;
        if (!d || e.button !== 0 || Math.hypot(e.clientX - d.x, e.clientY - d.y) > 4) return;  // a pan
        const code = hitTarget(root, d.box, e.clientX, e.clientY);
        if (code === null) return;
        root._nmgSend("click", {adcode: code, ctrl: !!(e.ctrlKey || e.metaKey), shift: !!e.shiftKey, n: ++clicks});
      };
      document.addEventListener("mouseup", root._nmgUp, true);
      // the column's width changes without a window resize (sidebar, fullscreen): follow it
      let last = root.clientWidth;
      root._nmgResize = new ResizeObserver(() => {
        if (Math.abs(root.clientWidth - last) < 1) return;
        last = root.clientWidth;
        Plotly.Plots.resize(root);
      });
      root._nmgResize.observe(root);
    });
  }).catch((err) => {
    console.error("nmgdash map:", err);
    if (root.querySelector(":scope > .nmg-plotly-error")) return;
    const p = document.createElement("p");
    p.className = "nmg-plotly-error";
    p.textContent = `地图无法显示（plotly.js 未能加载：${err && err.message || err}）。Map unavailable.`;
    root.appendChild(p);
  });

  return () => {  // unmount: free plotly's listeners
    if (root._nmgResize) root._nmgResize.disconnect();
    if (root._nmgUp) document.removeEventListener("mouseup", root._nmgUp, true);
    const P = globalThis[PLOTLY_KEY];
    if (P) P.then((Plotly) => Plotly.purge(root)).catch(() => {});
  };
}
"""

_CSS = """
.nmg-plotly-map { width: 100%; }
.nmg-plotly-map .nmg-plotly-error { color: #b91c1c; padding: 1rem; }
"""

#: Registered once per process; ``isolate_styles=False``: plotly.js styles its modebar and hover
#: labels with one global stylesheet, which would not reach into a shadow root.
_component = st.components.v2.component("nmgdash.plotly_map", js=_JS, css=_CSS, isolate_styles=False)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def _ensure(source: Path, target: Path, stamp: tuple[int, int]) -> bool:
    try:
        if target.is_file() and target.stat().st_size == source.stat().st_size and _digest(target) == _digest(source):
            return True
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".plotly-", suffix=".js", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(source.read_bytes())
            os.replace(tmp, target)  # atomic: a concurrent request never sees half a file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return True
    except OSError as exc:  # read-only checkout: use whatever is there
        _LOG.warning("cannot copy %s to %s: %s", source, target, exc)
        return target.is_file()


def ensure_plotly_js(source: Path = PLOTLY_JS_SOURCE, target: Path = PLOTLY_JS) -> bool:
    """Copy the installed plotly package's ``plotly.min.js`` to ``static/plotly.min.js`` when it is
    missing or differs (byte compare by SHA-256; written atomically). Checked once per process and
    again when the installed file changes. Returns whether a usable file is in place (False only
    when it is missing and cannot be written, e.g. a read-only checkout; a warning is logged)."""

    return _ensure(source, target, file_stamp(source))


def plotly_js_url() -> str:
    """Where the browser loads plotly.js from: the app's own static route, under the server's
    ``baseUrlPath``; the plotly version is appended so that an upgrade is not served from cache."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{'/' + base if base else ''}/app/static/plotly.min.js?v={plotly.__version__}"


def figure_json(fig: dict | go.Figure) -> str:
    """The figure as plotly JSON (what the component and the tests read)."""
    if isinstance(fig, go.Figure):
        return pio.to_json(fig, validate=False)
    return json.dumps(fig, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))


#: What st.plotly_chart gave a click-only map: no plotly logo, no "Share chart..." button (it
#: uploads to Plotly Cloud), no box or lasso select.
_CONFIG_DEFAULTS = {"displaylogo": False, "showSendToCloud": False}
_REMOVE_BUTTONS = ["lasso2d", "select2d", "sendChartToCloud"]


def map_config(config: dict | None) -> dict:
    """``config`` (passed through) over the map defaults: :data:`_CONFIG_DEFAULTS`, and the box,
    lasso and cloud buttons added to ``modeBarButtonsToRemove``."""
    out = _CONFIG_DEFAULTS | (config or {})
    remove = list(out.get("modeBarButtonsToRemove") or [])
    out["modeBarButtonsToRemove"] = remove + [b for b in _REMOVE_BUTTONS if b not in remove]
    return out


def plotly_map(
    fig: dict | go.Figure,
    *,
    key: str,
    on_click: Callable[[dict], Any] | None = None,
    config: dict | None = None,
) -> dict | None:
    """Draw ``fig`` (a plotly Figure or its JSON dict) so that zoom and pan survive reruns: the
    same ``key`` keeps the same plotly div, updated with ``Plotly.react``; the view resets only
    when ``fig.layout.uirevision`` changes (key it on what should reset the view).

    config: plotly's config, passed through (``charts.plot_config``: displaylogo, scrollZoom,
    toImageButtonOptions) over :func:`map_config`'s defaults. on_click: called during the rerun a click starts, with the
    click event ``{"adcode": str, "ctrl": bool, "shift": bool, "n": int}`` (a click on a point of
    the "targets" trace; ``ctrl`` is Ctrl or Cmd). Returns that event in the rerun it started, else None.
    """
    ensure_plotly_js()
    callbacks: dict[str, Callable[[], None]] = {}
    if on_click is not None:
        def _clicked() -> None:
            event = (st.session_state.get(key) or {}).get("click")
            if isinstance(event, dict) and event.get("adcode"):
                on_click(event)

        callbacks["on_click_change"] = _clicked
    else:
        callbacks["on_click_change"] = lambda: None
    result = _component(
        key=key,
        data={"spec": figure_json(fig), "config": map_config(config), "src": plotly_js_url()},
        width="stretch",
        height="content",
        **callbacks,
    )
    event = result.get("click") if hasattr(result, "get") else getattr(result, "click", None)
    return event if isinstance(event, dict) else None
