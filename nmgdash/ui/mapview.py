"""Plotly maps that keep what the user did: zoom and pan survive reruns (year, league, language).

``st.plotly_chart`` identifies its element by the figure as well as the key, so every changed
figure is a new element and the browser remounts the chart: the view jumps back to the full
extent although ``layout.uirevision`` is constant. :func:`plotly_map` renders the figure with a
Streamlit custom component (``st.components.v2``) whose element is identified by its key alone.
Its JavaScript keeps one plotly div per key and calls ``Plotly.react(div, data, layout, config)``
on every data change, so plotly's ``uirevision`` works as documented: the view is kept while the
figure's ``layout.uirevision`` stays the same and reset when it changes.

plotly.js comes from this machine, never from a CDN: ``static/plotly-basic.min.js`` in the
repository (:data:`PLOTLY_JS`: plotly.js's basic bundle, the release of the installed plotly
package) is served by Streamlit's static file serving (``server.enableStaticServing = true`` in
``.streamlit/config.toml``) at ``app/static/plotly-basic.min.js?v=<version>``. The component loads it once per page with a ``<script>``
element (cached by the browser, its compiled code by V8) into a private reference (a
``window.Plotly`` of anyone else is put back). Any figure can be drawn this way: the topic pages
draw map, ranking and trend with it, so they never load Streamlit's own plotly bundle too.

Maps (figures with ``layout.meta.nmg``, see :func:`nmgdash.figures.charts.choropleth`): a click or
tap (pointer events) is hit-tested in the browser by point-in-polygon against the area traces'
rings (``meta`` "area", name = adcode), with the pointer converted to km from the axis ranges shown,
so it works at any zoom and after panning. It is reported as the trigger value ``click``:
``{"adcode": str, "ctrl": bool (Ctrl or Cmd held), "shift": bool, "n": int (click counter)}``. The
hover box (the area's ``text``) is the component's own and stays inside the viewport; the zoom
buttons zoom to ``meta.nmg.center``; narrower than ``meta.nmg.design_width`` (a phone) the map
takes ``meta.nmg.narrow``'s title, footer and margins, lists its value labels under the map and
puts the modebar in a row above the title.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from nmgdash.core.settings import ROOT, file_stamp
from nmgdash.ui import data

_LOG = logging.getLogger(__name__)

#: plotly.js for the browser: the "basic" bundle (scatter, bar and pie traces: all the charts drawn
#: here use; 1.2 MB instead of the full bundle's 4.8 MB, so a page evaluates a quarter of the code),
#: the same release as the installed plotly package's own plotly.min.js (tests/test_mapview.py), kept
#: in the repository (MIT licence beside it, from the npm package plotly.js-basic-dist-min). Streamlit
#: serves ``static/`` beside the main script at ``app/static/`` (server.enableStaticServing).
STATIC_DIR = ROOT / "static"
PLOTLY_JS = STATIC_DIR / "plotly-basic.min.js"

_JS = r"""
const PLOTLY_KEY = Symbol.for("nmgdash.ui.mapview.plotly");

// plotly.min.js from the app's own server, loaded once per page with a <script> element (a
// versioned URL: the browser caches the file and V8 its compiled code) into a private reference;
// a window.Plotly of anyone else is put back as it was.
function loadPlotly(src) {
  const g = globalThis;
  if (!g[PLOTLY_KEY]) {
    g[PLOTLY_KEY] = new Promise((resolve, reject) => {
      const had = Object.prototype.hasOwnProperty.call(window, "Plotly");
      const previous = window.Plotly;
      const el = document.createElement("script");
      el.src = src;
      el.async = true;
      el.dataset.nmgPlotly = "1";
      el.onload = () => {
        const P = window.Plotly;
        if (had) window.Plotly = previous; else delete window.Plotly;
        if (P && P.react) resolve(P); else reject(new Error(`${src}: no Plotly`));
      };
      el.onerror = () => { el.remove(); reject(new Error(`${src}: not loaded`)); };
      document.head.appendChild(el);
    });
    g[PLOTLY_KEY].catch(() => { g[PLOTLY_KEY] = null; });  // try again on the next render
  }
  return g[PLOTLY_KEY];
}

// Streamlit's plotly template (the default once Streamlit is imported) holds placeholder colours
// ("#000001"…) that st.plotly_chart's front end replaces with the theme's: the light theme's here.
const ST_COLOURS = (() => {
  const cat = ["#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d", "#7defa1", "#ff8700", "#ffd16a", "#6d3fc0", "#d5dae5"];
  const seq = ["#e4f5ff", "#c7ebff", "#a6dcff", "#83c9ff", "#60b4ff", "#3d9df3", "#1c83e1", "#0068c9", "#0054a3", "#004280"];
  const div = ["#7d353b", "#bd4043", "#ff4b4b", "#ff8c8c", "#ffc7c7", "#a6dcff", "#60b4ff", "#1c83e1", "#0054a3", "#004280"];
  const m = {32: "#29b09d", 33: "#ff2b2b", 34: "#0068c9", 36: "#808495", 37: "#262730", 38: "#ffffff",
             39: "#31333f1a", 40: "#f0f2f6"};
  for (let i = 0; i < 10; i++) { m[i + 1] = cat[i]; m[i + 11] = seq[i]; m[i + 21] = div[i]; }
  return m;
})();
function unplaceholder(spec) {
  return spec.replace(/"#0000([0-4][0-9])"/g, (all, n) => (ST_COLOURS[+n] ? `"${ST_COLOURS[+n]}"` : all));
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
    // tick labels get the room they need unless the figure says otherwise (as in st.plotly_chart)
    xaxis: {automargin: true, ...((template.layout || {}).xaxis || {})},
    yaxis: {automargin: true, ...((template.layout || {}).yaxis || {})},
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

// ---- maps: the areas (traces with meta "area", name = adcode, text = hover) hit-tested here
// Bounding boxes of each area's rings (None/null between rings), computed once per figure.
function areasOf(data) {
  const out = [];
  for (const tr of data) {
    if (tr.meta !== "area" || !tr.x) continue;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < tr.x.length; i++) {
      const x = tr.x[i], y = tr.y[i];
      if (x === null || y === null) continue;
      if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
    }
    out.push({code: String(tr.name), text: tr.text, xs: tr.x, ys: tr.y, box: [x0, y0, x1, y1]});
  }
  return out;
}

// Even-odd point-in-polygon over all rings of one area (holes included).
function inside(a, x, y) {
  if (x < a.box[0] || x > a.box[2] || y < a.box[1] || y > a.box[3]) return false;
  let hit = false, start = 0;
  const xs = a.xs, ys = a.ys, n = xs.length;
  for (let i = 0; i <= n; i++) {
    if (i === n || xs[i] === null) {  // ring start..i-1
      for (let j = start, k = i - 1; j < i; k = j++) {
        const yj = ys[j], yk = ys[k];
        if ((yj > y) !== (yk > y) && x < (xs[k] - xs[j]) * (y - yj) / (yk - yj) + xs[j]) hit = !hit;
      }
      start = i + 1;
    }
  }
  return hit;
}

// The plot area's box and the axis ranges drawn now (after zoom and pan), or null.
function view(root) {
  const fl = root._fullLayout, drag = root.querySelector(".nsewdrag");
  if (!fl || !fl.xaxis || !fl.yaxis || !drag) return null;
  return {box: drag.getBoundingClientRect(), xr: fl.xaxis.range, yr: fl.yaxis.range};
}

// The area under the client point (cx, cy): pointer position → km with the ranges shown, then
// point-in-polygon; null outside the plot area or every area.
function hitArea(root, cx, cy) {
  const v = view(root);
  if (!v || !root._nmgAreas || !v.box.width || !v.box.height) return null;
  const {box, xr, yr} = v;
  if (cx < box.left || cx > box.right || cy < box.top || cy > box.bottom) return null;
  const x = xr[0] + (cx - box.left) / box.width * (xr[1] - xr[0]);
  const y = yr[1] - (cy - box.top) / box.height * (yr[1] - yr[0]);
  for (const a of root._nmgAreas) if (inside(a, x, y)) return a;
  return null;
}

// plotly's label markup (<b>, <br>, entities; made on the server, user text escaped) as DOM nodes.
function markup(html) {
  const tpl = document.createElement("template");  // inert: nothing in it runs or loads
  tpl.innerHTML = String(html || "");
  const frag = document.createDocumentFragment();
  const walk = (node, into) => {
    for (const n of node.childNodes) {
      if (n.nodeType === 3) into.appendChild(document.createTextNode(n.textContent));
      else if (n.nodeName === "BR") into.appendChild(document.createElement("br"));
      else if (n.nodeName === "B" || n.nodeName === "I") { const e = document.createElement(n.nodeName); walk(n, e); into.appendChild(e); }
      else walk(n, into);
    }
  };
  walk(tpl.content, frag);
  return frag;
}

// The hover box: a fixed element kept inside the viewport (plotly's own is cut at the screen edge).
function showTip(root, area, cx, cy) {
  let tip = root._nmgTip;
  if (!area) { if (tip) tip.style.display = "none"; root._nmgTipCode = null; return; }
  if (!tip) {
    tip = root._nmgTip = document.createElement("div");
    tip.className = "nmg-tip";
    document.body.appendChild(tip);
  }
  if (root._nmgTipCode !== area.code) {
    tip.replaceChildren(markup(area.text));
    tip.dataset.adcode = area.code;
    root._nmgTipCode = area.code;
  }
  tip.style.display = "block";
  const at = root.getBoundingClientRect();
  root._nmgTipAt = [at.left, at.top];
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  tip.style.maxWidth = `${Math.min(320, vw - 16)}px`;
  const w = tip.offsetWidth, h = tip.offsetHeight;
  let left = cx + 14, top = cy + 14;
  if (left + w > vw - 8) left = cx - 14 - w;
  if (top + h > vh - 8) top = cy - 14 - h;
  tip.style.left = `${Math.max(8, Math.min(left, vw - 8 - w))}px`;
  tip.style.top = `${Math.max(8, Math.min(top, vh - 8 - h))}px`;
}

// Zoom buttons that zoom to the region's (or the selection's) middle, not to the middle of the
// bounding box, which lies outside Inner Mongolia's arc (the empty corner with the colour bar).
function zoomButtons(Plotly, root) {
  const zoom = (f) => {
    const fl = root._fullLayout, nmg = root._nmgMeta;
    if (!fl || !fl.xaxis) return;
    const xr = fl.xaxis.range, yr = fl.yaxis.range;
    let cx = (xr[0] + xr[1]) / 2, cy = (yr[0] + yr[1]) / 2;
    const c = nmg && nmg.center;
    const w = (xr[1] - xr[0]) * f, h = (yr[1] - yr[0]) * f;
    if (f < 1 && c && c[0] > xr[0] && c[0] < xr[1] && c[1] > yr[0] && c[1] < yr[1]) { cx = c[0]; cy = c[1]; }
    Plotly.relayout(root, {"xaxis.range": [cx - w / 2, cx + w / 2], "yaxis.range": [cy - h / 2, cy + h / 2]});
  };
  return [
    {name: "nmgZoomIn", title: "Zoom in", icon: Plotly.Icons.zoom_plus, click: () => zoom(0.5)},
    {name: "nmgZoomOut", title: "Zoom out", icon: Plotly.Icons.zoom_minus, click: () => zoom(2)},
  ];
}

// Below the width the labels were laid out for, a phone layout: title and footer wrapped for a
// phone, the map as high as it needs, and the value labels as a list under the map.
function phone(root, layout, width) {
  const nmg = layout.meta && layout.meta.nmg;
  if (!nmg || !nmg.narrow || width >= nmg.design_width) return {layout, labels: []};
  const n = nmg.narrow;
  const labels = (layout.annotations || []).filter((a) => String(a.name || "").startsWith("label-"));
  const names = new Set(n.footer.map((a) => a.name));
  const kept = (layout.annotations || []).filter((a) => !String(a.name || "").startsWith("label-") && !names.has(a.name));
  const plotH = Math.round(width * n.aspect + n.reserve);
  const height = n.top + n.bottom + plotH;
  // the reserve goes above the map (the colour bar's place): the y range grows by it, upwards
  const xr = layout.xaxis && layout.xaxis.range, yr = layout.yaxis && layout.yaxis.range;
  const yaxis = Array.isArray(xr) && Array.isArray(yr)
    ? {...layout.yaxis, range: [yr[0], yr[1] + n.reserve * (xr[1] - xr[0]) / width]} : layout.yaxis;
  return {
    labels,
    layout: {...layout, height, yaxis, annotations: [...kept, ...n.footer],
             title: {...n.title, y: 1 - (8 + (n.top - 16) / 2) / height},
             margin: {...(layout.margin || {}), t: n.top, b: n.bottom}},
  };
}

function labelList(root, labels) {
  let list = root.parentElement.querySelector(":scope > .nmg-label-list");
  if (!labels.length) { if (list) list.remove(); return; }
  if (!list) {
    list = document.createElement("ul");
    list.className = "nmg-label-list";
    root.after(list);
  }
  list.replaceChildren(...labels.map((a) => {
    const li = document.createElement("li");
    li.dataset.adcode = String(a.name).slice(6);
    li.appendChild(markup(String(a.text).replace(/<br>/g, " ")));
    return li;
  }));
}

// Plotly.react redraws a trace whose data arrays are new objects (it compares them by identity).
// A year change sends the same boundaries again: hand plotly the arrays it already has, so it only
// restyles (colours, labels) instead of recomputing every area's rings.
function sameArrays(root, data) {
  const prev = root._nmgArrays || new Map();
  const next = new Map();
  const equal = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
  for (const tr of data) {
    if (!tr || tr.name === undefined || !Array.isArray(tr.x) || !Array.isArray(tr.y)) continue;
    const key = `${tr.meta || ""}|${tr.name}|${tr.x.length}`;
    const old = prev.get(key);
    if (old && equal(old.x, tr.x) && equal(old.y, tr.y)) { tr.x = old.x; tr.y = old.y; }
    next.set(key, {x: tr.x, y: tr.y});
  }
  root._nmgArrays = next;
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
  const figure = JSON.parse(unplaceholder(data.spec));
  sameArrays(root, figure.data || []);
  const layout0 = figure.layout || {};
  const nmg = layout0.meta && layout0.meta.nmg;
  const isMap = !!nmg;
  const designW = isMap ? nmg.design_width : 560;
  root.classList.toggle("nmg-map", isMap);
  const width0 = root.clientWidth || parentElement.clientWidth;
  if (layout0.height) root.style.height = `${phone(root, layout0, width0).layout.height}px`;  // keep the space while plotly loads

  const draw = (Plotly) => {
    const width = root.clientWidth || parentElement.clientWidth;
    const {layout, labels} = phone(root, layout0, width);
    root.classList.toggle("nmg-narrow", width < designW);  // the modebar above the title
    root.style.height = `${layout.height}px`;
    keepView(root, layout);
    const config = {...(data.config || {})};
    if (isMap) {
      layout.hovermode = false;  // the hover box is ours (showTip)
      config.modeBarButtonsToRemove = [...(config.modeBarButtonsToRemove || []), "zoomIn2d", "zoomOut2d"];
      // the same button objects every time: a changed config makes Plotly.react start over (newPlot)
      config.modeBarButtonsToAdd = [root._nmgZoom || (root._nmgZoom = zoomButtons(Plotly, root))];
    }
    root._nmgAreas = areasOf(figure.data || []);
    root._nmgMeta = nmg;
    labelList(root, labels);
    root._nmgWidth = width;
    // what only this component reads stays out of plotly's diff: the areas' hover texts (the hover box
    // is ours) and layout.meta. A changed trace "text" makes Plotly.react recompute the trace and a
    // changed layout.meta replots everything; without them a year change is a restyle.
    const plotted = isMap ? (figure.data || []).map((tr) => {
      if (tr.meta !== "area") return tr;
      const {text, ...rest} = tr;
      return rest;
    }) : (figure.data || []);
    const shown = themed(layout, root);
    delete shown.meta;
    return Plotly.react(root, plotted, shown, config);
  };
  root._nmgRedraw = () => loadPlotly(data.src).then(draw);

  loadPlotly(data.src).then((Plotly) => {
    if (root._nmgSeq !== seq) return;  // a newer figure arrived meanwhile
    const msg = root.querySelector(":scope > .nmg-plotly-error");
    if (msg) msg.remove();
    return draw(Plotly).then(() => {
      if (root._nmgWired) return;
      root._nmgWired = true;
      // A click or tap is hit-tested here, at its own position (pointer events: mouse, pen and
      // touch alike), against the areas' rings. A press and release on the plot area without
      // moving is a click; a tap also shows the hover box (there is no hover on a touch screen).
      let clicks = 0, down = null, lastUp = null;
      root.addEventListener("pointerdown", (e) => {
        const onPlot = e.target.classList && e.target.classList.contains("nsewdrag");
        const now = performance.now();
        // not the 2nd press of a double-click (plotly resets the axes then)
        const second = lastUp && now - lastUp.t < 350 && Math.hypot(e.clientX - lastUp.x, e.clientY - lastUp.y) < 6;
        down = onPlot && e.button === 0 && e.isPrimary && !second ? {x: e.clientX, y: e.clientY} : null;
      }, true);
      root._nmgUp = (e) => {
        const d = down;
        down = null;
        if (!d || e.button !== 0 || !e.isPrimary) return;
        lastUp = {x: e.clientX, y: e.clientY, t: performance.now()};
        if (Math.hypot(e.clientX - d.x, e.clientY - d.y) > (e.pointerType === "touch" ? 10 : 4)) return;  // a pan
        if (!root._nmgAreas.length) return;
        const a = hitArea(root, e.clientX, e.clientY);
        if (e.pointerType !== "mouse") showTip(root, a, e.clientX, e.clientY);
        if (a === null) return;
        root._nmgSend("click", {adcode: a.code, ctrl: !!(e.ctrlKey || e.metaKey), shift: !!e.shiftKey, n: ++clicks});
      };
      document.addEventListener("pointerup", root._nmgUp, true);
      root.addEventListener("pointermove", (e) => {
        if (e.pointerType !== "mouse" || !root._nmgAreas.length || e.buttons) return;
        const a = hitArea(root, e.clientX, e.clientY);
        showTip(root, a, e.clientX, e.clientY);
      });
      root.addEventListener("pointerleave", (e) => { if (e.pointerType === "mouse") showTip(root, null); });
      // a scroll that moves the map hides the box (it would point at the wrong area); a table or
      // list scrolling elsewhere on the page does not
      root._nmgScroll = () => {
        if (!root._nmgTip || root._nmgTip.style.display === "none") return;
        const at = root.getBoundingClientRect(), was = root._nmgTipAt || [at.left, at.top];
        if (Math.abs(at.left - was[0]) > 1 || Math.abs(at.top - was[1]) > 1) showTip(root, null);
      };
      window.addEventListener("scroll", root._nmgScroll, true);
      // the column's width changes without a window resize (sidebar, fullscreen): follow it; a map
      // crossing its design width switches between the phone and the full layout
      root._nmgResize = new ResizeObserver(() => {
        const w = root.clientWidth;
        if (Math.abs(w - root._nmgWidth) < 1) return;
        const narrow = (m) => m < designW;
        if ((isMap && narrow(w)) || narrow(w) !== narrow(root._nmgWidth)) { root._nmgRedraw(); return; }
        root._nmgWidth = w;
        Plotly.Plots.resize(root);
      });
      root._nmgResize.observe(root);
    });
  }).catch((err) => {
    console.error("nmgdash chart:", err);
    if (root.querySelector(":scope > .nmg-plotly-error")) return;
    const p = document.createElement("p");
    p.className = "nmg-plotly-error";
    p.textContent = `图表无法显示（plotly.js 未能加载：${err && err.message || err}）。Chart unavailable.`;
    root.appendChild(p);
  });

  return () => {  // unmount: free plotly's listeners
    if (root._nmgResize) root._nmgResize.disconnect();
    if (root._nmgUp) document.removeEventListener("pointerup", root._nmgUp, true);
    if (root._nmgScroll) window.removeEventListener("scroll", root._nmgScroll, true);
    if (root._nmgTip) root._nmgTip.remove();
    const P = globalThis[PLOTLY_KEY];
    if (P) P.then((Plotly) => Plotly.purge(root)).catch(() => {});
  };
}
"""

_CSS = """
.nmg-plotly-map { width: 100%; }
.nmg-plotly-map .nmg-plotly-error { color: #b91c1c; padding: 1rem; }
/* a phone: the modebar gets its own row above the map instead of covering the title */
.nmg-plotly-map.nmg-narrow { padding-top: 30px; box-sizing: content-box; }
.nmg-plotly-map.nmg-narrow .modebar-container { top: -30px !important; }
.nmg-plotly-map.nmg-narrow .modebar { opacity: 1 !important; }
.nmg-tip { position: fixed; z-index: 1000; display: none; pointer-events: none; box-sizing: border-box;
  background: #fff; border: 1px solid rgba(47, 45, 43, 0.2); border-radius: 4px; padding: 6px 8px;
  font: 12px/1.45 "Source Sans", sans-serif; color: #31333f; box-shadow: 0 1px 4px rgba(0,0,0,.12);
  overflow-wrap: anywhere; }
.nmg-label-list { list-style: none; margin: 4px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 6px;
  font-size: 13px; }
.nmg-label-list li { margin: 0; padding: 2px 6px; border: 1px solid #d1d5db; border-radius: 4px; background: #fff; }
"""

#: Registered once per process; ``isolate_styles=False``: plotly.js styles its modebar and hover
#: labels with one global stylesheet, which would not reach into a shadow root.
_component = st.components.v2.component("nmgdash.plotly_map", js=_JS, css=_CSS, isolate_styles=False)


def _version(path: Path) -> str | None:
    """The plotly.js version in a bundle's licence header ("plotly.js (basic - minified) v4.1.1")."""
    try:
        with path.open(encoding="utf-8") as f:
            head = f.read(300)
    except OSError:
        return None
    found = re.search(r"plotly\.js[^\n]*? v(\d+\.\d+\.\d+)", head)
    return found.group(1) if found else None


@cache
def _check(path: Path, stamp: tuple[int, int]) -> bool:
    if not path.is_file():
        _LOG.error("plotly.js bundle missing: %s (the charts cannot be drawn)", path)
        return False
    return True


def ensure_plotly_js(path: Path = PLOTLY_JS) -> bool:
    """Whether the plotly.js bundle the charts load (:data:`PLOTLY_JS`, in the repository) is in
    place; logs an error once when it is missing."""
    return _check(path, file_stamp(path) if path.is_file() else (0, 0))


def plotly_js_version() -> str | None:
    """The plotly.js version of :data:`PLOTLY_JS` (tests check it equals the installed plotly
    package's own bundle, so figures made by plotly.py are drawn by the plotly.js they were made for)."""
    return _version(PLOTLY_JS)


def plotly_js_url() -> str:
    """Where the browser loads plotly.js from: the app's own static route, under the server's
    ``baseUrlPath``; the plotly version is appended so that an upgrade is not served from cache."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{'/' + base if base else ''}/app/static/{PLOTLY_JS.name}?v={plotly_js_version()}"


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
    fig: str | dict | go.Figure,
    *,
    key: str,
    on_click: Callable[[dict], Any] | None = None,
    config: dict | None = None,
) -> dict | None:
    """Draw ``fig`` (a plotly Figure, its JSON dict or its JSON text, :func:`figure_json`) so that zoom and pan survive reruns: the
    same ``key`` keeps the same plotly div, updated with ``Plotly.react``; the view resets only
    when ``fig.layout.uirevision`` changes (key it on what should reset the view).

    Any plotly figure works (the topic pages' ranking and trend too); maps are those with
    ``layout.meta.nmg`` (:func:`nmgdash.figures.charts.choropleth`).

    config: plotly's config, passed through (``charts.plot_config``: displaylogo, scrollZoom,
    toImageButtonOptions) over :func:`map_config`'s defaults. on_click: called during the rerun a click starts, with the
    click event ``{"adcode": str, "ctrl": bool, "shift": bool, "n": int}`` (a click or tap inside
    an area of a map; ``ctrl`` is Ctrl or Cmd). Returns that event in the rerun it started, else None.
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
    # a shared figure dict (cached by the page) is serialised once per process, not once per run
    if isinstance(fig, str):
        spec = fig
    elif isinstance(fig, go.Figure):
        spec = figure_json(fig)
    else:
        spec = data.per_object("figure_json", fig, (), lambda: figure_json(fig))
    result = _component(
        key=key,
        data={"spec": spec, "config": map_config(config), "src": plotly_js_url()},
        width="stretch",
        height="content",
        **callbacks,
    )
    event = result.get("click") if hasattr(result, "get") else getattr(result, "click", None)
    return event if isinstance(event, dict) else None
