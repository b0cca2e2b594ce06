"""Materials for after the meeting: PNG images of charts rendered on the server and a 16:9 PPTX
deck of the 汇报模式 slides.

PNG: plotly figures are rendered by kaleido (v1) in Debian's Chromium (``/usr/bin/chromium``, or
``NMGDASH_CHROMIUM``; kaleido never downloads a browser here) with the plotly.js bundled in the
installed plotly package and MathJax switched off, so export needs no network. Chinese glyphs come
from the system's fonts-noto-cjk (the figures' font family starts with "Noto Sans CJK SC",
:data:`nmgdash.figures.charts.FONT`). kaleido runs in one worker process per server process
(:mod:`nmgdash.slides.renderer`), started on the first export and shared by all sessions behind a
lock: a browser that died is restarted once, a hung export is killed after :data:`RENDER_TIMEOUT`
seconds, and nothing of kaleido's (threads, pipes, atexit handlers) lives in the server process, so
a broken browser never blocks other users or the server's shutdown.

PPTX (python-pptx): a cover, one slide per 汇报模式 slide (title, the chart as a PNG, up to three
big numbers, the written summary, the footer: 数据来源 · 数据截至 · 含示例数据 · 内部资料 date), and a
sources slide. Every text run names its font: 微软雅黑 for Latin and East Asian text (``a:latin``
and ``a:ea``) with the GB2312 charset, so PowerPoint on Windows uses Microsoft YaHei and other
renderers substitute a Simplified Chinese font (Noto Sans CJK SC with fonts-noto-cjk), and
``lang="zh-CN"``.
"""

from __future__ import annotations

import atexit
import io
import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from datetime import date

import plotly.graph_objects as go

from nmgdash.core import settings
from nmgdash.core.i18n import t
from nmgdash.figures import charts, player
from nmgdash.figures.charts import PLOTLY_JS_SOURCE
from nmgdash.slides import renderer
from nmgdash.slides.present import footer_parts, watermark_text

CHROMIUM = settings.chromium_path()
#: Presentation resolution of a downloaded chart: 1600×900 CSS px at scale 1.2 = 1920×1080 pixels.
PNG_SIZE = (1600, 900, 1.2)
#: The chart image in the deck: 1500×1000 px at scale 1.2 (placed 8.2 in wide).
DECK_IMAGE = (1500, 1000, 1.2)
CJK_FONT = "微软雅黑"
CJK_FALLBACK = "Noto Sans CJK SC"
#: Seconds one image may take once the browser runs (a chart takes 0.2–2 s); then ExportTimeout.
#: Short on purpose: a server stopping (SIGTERM) waits at most this long for an export in progress.
RENDER_TIMEOUT = 8.0
#: Seconds the export worker and its browser may take to start (about 2 s on an idle server).
START_TIMEOUT = 20.0

log = logging.getLogger(__name__)
_lock = threading.Lock()


class ExportError(RuntimeError):
    """An image export failed. ``message_zh`` / ``message_en``: what the user reads (no paths,
    no exception names); ``str()`` is the Chinese message. Subclasses say why."""

    key = "export_failed"

    def __init__(self, **values: object) -> None:
        self.message_zh = t(self.key, "zh", **values)
        self.message_en = t(self.key, "en", **values)
        super().__init__(self.message_zh)


class ExportUnavailable(ExportError):
    """Images cannot be rendered: the server has no Chromium (the path goes to the server log only)."""

    key = "export_unavailable"


class ExportTimeout(ExportError):
    """An export took longer than :data:`RENDER_TIMEOUT` (or the browser did not start within
    :data:`START_TIMEOUT`, or other exports held the renderer that long); the browser is stopped and
    the next export starts a new one."""

    key = "export_timeout"


class ExportFailed(ExportError):
    """The browser failed twice in a row (it was restarted once)."""

    key = "export_failed"


class _Broken(Exception):
    """The worker exited or reported an error (log text in args[0]); restart and retry."""


class _Hung(Exception):
    """The worker did not answer before the deadline."""


class _Worker:
    """The export worker process (:mod:`nmgdash.slides.renderer`) and its browser; one per server."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        #: PID of the browser process kaleido started (choreographer's wrapper, whose child is
        #: Chromium, both in the wrapper's process group), or None.
        self.browser_pid: int | None = None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        self.stop()
        cmd = worker_command()
        # stdin/stdout: the protocol; stderr: the server's log. A session of its own, so the worker
        # (and Chromium, which choreographer starts in its own session) are killed by PID, not by
        # a Ctrl-C meant for the server.
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
                                     close_fds=True)
        os.set_blocking(self.proc.stdout.fileno(), False)
        os.set_blocking(self.proc.stdin.fileno(), False)
        status, payload = self._reply(time.monotonic() + START_TIMEOUT)
        if status != renderer.READY:
            raise _Broken(payload.decode("utf-8", "replace"))
        self.browser_pid = int(payload)
        log.info("image export worker %s started Chromium %s", self.proc.pid, self.browser_pid)

    def render(self, request: bytes, deadline: float) -> bytes:
        self._send(renderer.HEADER.pack(len(request)) + request, deadline)
        status, payload = self._reply(deadline)
        if status != renderer.OK:
            raise _Broken(payload.decode("utf-8", "replace"))
        return payload

    def stop(self) -> None:
        """Kill the worker and its browser (SIGKILL; no-op when not running)."""
        proc, self.proc = self.proc, None
        for pid in (self.browser_pid, proc.pid if proc else None):
            if pid and pid > 1:
                try:
                    os.killpg(pid, signal.SIGKILL)  # each is its session's (and group's) leader
                except OSError:
                    pass
        self.browser_pid = None
        if proc is not None:
            for f in (proc.stdin, proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                log.warning("image export worker %s did not exit after SIGKILL", proc.pid)

    def _send(self, data: bytes, deadline: float) -> None:
        fd = self.proc.stdin.fileno()
        view = memoryview(data)
        while view:
            _, ready, _ = select.select([], [fd], [], max(0.0, min(0.25, deadline - time.monotonic())))
            if not ready:
                if time.monotonic() >= deadline:
                    raise _Hung()
                continue
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                continue
            except OSError as exc:  # EPIPE: the worker is gone
                raise _Broken(f"worker exited ({exc.strerror})") from None

    def _read(self, n: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        buf = bytearray()
        while len(buf) < n:
            ready, _, _ = select.select([fd], [], [], max(0.0, min(0.25, deadline - time.monotonic())))
            if not ready:
                if time.monotonic() >= deadline:
                    raise _Hung()
                continue
            try:
                chunk = os.read(fd, n - len(buf))
            except BlockingIOError:
                continue
            if not chunk:
                raise _Broken(f"worker exited with {self.proc.poll()}")
            buf += chunk
        return bytes(buf)

    def _reply(self, deadline: float) -> tuple[bytes, bytes]:
        head = self._read(1 + renderer.HEADER.size, deadline)
        (n,) = renderer.HEADER.unpack(head[1:])
        return head[:1], self._read(n, deadline)


_worker = _Worker()
atexit.register(_worker.stop)


def worker_command() -> list[str]:
    """The command line of the export worker (tests replace this to simulate a hung browser)."""
    return [sys.executable, renderer.__file__, "--chromium", str(CHROMIUM), "--plotlyjs", str(PLOTLY_JS_SOURCE)]


def browser_pid() -> int | None:
    """PID of the browser process the export worker started (choreographer's wrapper; Chromium is
    its child, in its process group), or None when no worker runs."""
    return _worker.browser_pid if _worker.running() else None


def _render(request: bytes) -> bytes:
    """PNG bytes for one encoded request; starts the worker if needed and restarts it once when the
    browser died. Call with :data:`_lock` held."""
    for attempt in (1, 2):
        try:
            if not _worker.running():
                _worker.start()
            return _worker.render(request, time.monotonic() + RENDER_TIMEOUT)
        except _Hung:
            log.error("image export timed out; stopping the export worker and its browser")
            _worker.stop()
            raise ExportTimeout(seconds=int(RENDER_TIMEOUT)) from None
        except _Broken as exc:
            log.warning("image export failed (attempt %d of 2): %s", attempt, exc.args[0] if exc.args else exc)
            _worker.stop()
        except OSError as exc:  # the worker could not be started
            log.error("image export worker could not start: %s", exc)
            _worker.stop()
    raise ExportFailed()


#: Font of an exported image's footnote (px at the export size, before ``scale``).
FOOTNOTE_FONT = dict(size=15, color="#374151")


def export_figure(fig: go.Figure | dict, width: int = PNG_SIZE[0], height: int = PNG_SIZE[1],
                  footnote: list[str] | None = None) -> go.Figure:
    """The figure an image export renders (a copy of ``fig``): no interactive control at all (no
    frames, no ▶ / ■ buttons, no year slider: the year shown), the slide's controls row
    (``layout.meta["controls_row"]``, :func:`nmgdash.slides.present.fit_map`) taken out of the top
    margin, ``width``×``height`` px; with ``footnote`` (lines, e.g. :attr:`Slide.footnote`: 口径,
    unit, source, status) those lines replace the figure's own source line at the bottom, wrapped to
    the width."""
    out = player.static(go.Figure(fig))
    meta = out.layout.meta if isinstance(out.layout.meta, dict) else {}
    m = out.layout.margin
    if meta.get("controls_row"):
        out.update_layout(margin=dict(t=max(0, (m.t or 0) - int(meta["controls_row"]))))
    if footnote:
        anns = [a for a in out.layout.annotations or () if (a.name or "") != "source"]
        note = [a for a in anns if (a.name or "") == "no-data-note"]
        y_px = 6 + sum((str(a.text).count("<br>") + 1) * 19 + 4 for a in note)
        for i, line in enumerate(footnote):
            text = charts.wrap(line, width - 24, FOOTNOTE_FONT["size"])
            anns.append(dict(text=text, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
                             yshift=-y_px, xshift=-(m.l or 0) + 8, showarrow=False, align="left",
                             font=FOOTNOTE_FONT, name=f"footnote-{i}"))
            y_px += (text.count("<br>") + 1) * round(FOOTNOTE_FONT["size"] * 1.35) + 3
        out.layout.annotations = anns
        out.update_layout(margin=dict(b=y_px + 8))
    out.update_layout(width=width, height=height)
    return out


def png(fig: go.Figure | dict, width: int = PNG_SIZE[0], height: int = PNG_SIZE[1], scale: float = PNG_SIZE[2],
        footnote: list[str] | None = None) -> bytes:
    """``fig`` as PNG bytes (``width``×``height`` CSS px times ``scale``), rendered by kaleido in
    the system Chromium (in a worker process) from :func:`export_figure`: no frames, ▶ / ■ buttons or
    year slider (the shown year), and ``footnote`` (口径, unit, source, status) under the chart.

    A browser that died is restarted once (then :class:`ExportFailed`); a render longer than
    :data:`RENDER_TIMEOUT` s, or a wait for other users' exports longer than that, raises
    :class:`ExportTimeout` (and the next export starts a new browser). Raises
    :class:`ExportUnavailable` without Chromium. The lock shared by all sessions is always released.
    """
    if not available():
        log.error("image export: no Chromium at %s (set NMGDASH_CHROMIUM)", CHROMIUM)
        raise ExportUnavailable()
    fig = export_figure(fig, width, height, footnote)
    request = ('{"opts": ' + json.dumps(dict(format="png", width=width, height=height, scale=scale))
               + ', "fig": ' + fig.to_json() + "}").encode("utf-8")
    if not _lock.acquire(timeout=RENDER_TIMEOUT):
        raise ExportTimeout(seconds=int(RENDER_TIMEOUT))
    try:
        return _render(request)
    finally:
        _lock.release()


def available() -> bool:
    """True when the server can render images (Chromium present)."""
    return CHROMIUM.is_file()


# ------------------------------------------------------------------ PPTX
def _font_run(run, size_pt: float, *, bold: bool = False, color: str = "111827") -> None:
    """Size, weight, colour and the CJK font of one text run (微软雅黑 for Latin and East Asian
    text, GB2312 charset so a missing font is substituted by a Simplified Chinese one)."""
    from pptx.dml.color import RGBColor  # noqa: PLC0415 (heavy optional library, loaded on first export)
    from pptx.oxml.ns import qn  # noqa: PLC0415 (heavy optional library, loaded on first export)
    from pptx.util import Pt  # noqa: PLC0415 (heavy optional library, loaded on first export)

    f = run.font
    f.size, f.bold, f.name = Pt(size_pt), bold, CJK_FONT
    f.color.rgb = RGBColor.from_string(color)
    rpr = run._r.get_or_add_rPr()  # python-pptx has no public setter for the East Asian typeface
    rpr.set("lang", "zh-CN")
    rpr.set("altLang", "en-US")
    for tag in ("a:ea", "a:cs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = rpr.makeelement(qn(tag), {})
            latin = rpr.find(qn("a:latin"))
            latin.addnext(el) if latin is not None else rpr.append(el)
        el.set("typeface", CJK_FONT if tag == "a:ea" else CJK_FALLBACK)
        el.set("charset", "-122")
        el.set("pitchFamily", "34")


def _text(slide, left, top, width, height, paragraphs: list[tuple[str, float, bool, str]], *, name: str,
          align=None) -> None:
    """A text box of paragraphs (text, size pt, bold, colour), wrapped, named ``name``."""
    from pptx.util import Pt  # noqa: PLC0415 (heavy optional library, loaded on first export)

    box = slide.shapes.add_textbox(left, top, width, height)
    box.name = name
    tf = box.text_frame
    tf.word_wrap = True
    for i, (text, size, bold, color) in enumerate(paragraphs):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if align is not None:
            p.alignment = align
        p.space_after = Pt(2)
        _font_run(p.add_run(), size, bold=bold, color=color)
        p.runs[-1].text = text


def build_pptx(slides: list, *, lang: str = "zh", filters: str = "", watermark: bool = True,
               today: date | None = None, image=None) -> bytes:
    """The deck of ``slides`` (:class:`nmgdash.slides.present.Slide`) as PPTX bytes, 16:9 (13.333×7.5 in).

    Slide 1: cover (dashboard name, "汇报材料", ``filters``, then the date once: "内部资料 2026-12-03" with
    the watermark, "2026-12-03" without). Then one slide per Slide:
    title (shape "title"), chart PNG (shape "chart", :data:`DECK_IMAGE`, no interactive controls:
    :func:`export_figure`), big numbers ("number-<i>"), summary ("summary"), the footnote under the
    chart ("footnote": one paragraph per line of :attr:`Slide.footnote`: 口径 · name（unit）：definition,
    then 来源：…；状态：…), footer ("footer": 数据来源：… · 数据截至YYYY年 · 含示例数据 · 内部资料 date).
    Last: "数据来源" with the full title of every source cited, and the sample-data notice when any
    slide holds sample values. ``image``: figure → PNG bytes (default :func:`png` at DECK_IMAGE).
    Raises ExportUnavailable when charts cannot be rendered.
    """
    from pptx import Presentation  # noqa: PLC0415 (heavy optional library, loaded on first export)
    from pptx.enum.text import PP_ALIGN  # noqa: PLC0415 (heavy optional library, loaded on first export)
    from pptx.util import Emu, Inches  # noqa: PLC0415 (heavy optional library, loaded on first export)

    today = today or date.today()
    image = image or (lambda fig: png(fig, *DECK_IMAGE))
    wm = watermark_text(lang, today) if watermark else None
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    blank = prs.slide_layouts[6]

    cover = prs.slides.add_slide(blank)
    _text(cover, Inches(0.8), Inches(2.3), Inches(11.7), Inches(1.2),
          [(t("app_title", lang), 40, True, "111827")],
          name="title")
    _text(cover, Inches(0.8), Inches(3.6), Inches(11.7), Inches(1.6),
          [(t("slide_cover", lang), 28, False, "1d4ed8"), (filters, 18, False, "374151"),
           (wm or f"{today:%Y-%m-%d}", 16, False, "374151")], name="subtitle")  # the watermark holds the date

    cited: list[str] = []
    any_sample = False
    for s in slides:
        sl = prs.slides.add_slide(blank)
        _text(sl, Inches(0.45), Inches(0.25), Inches(12.4), Inches(0.8), [(s.title, 30, True, "111827")], name="title")
        if s.figure is not None:
            pic_bytes = image(s.figure)
            from PIL import Image  # noqa: PLC0415 (heavy optional library, loaded on first export)

            w, h = Image.open(io.BytesIO(pic_bytes)).size
            box_w, box_h = Inches(8.3), Inches(4.75)
            scale = min(box_w / w, box_h / h)
            pic = sl.shapes.add_picture(io.BytesIO(pic_bytes), Inches(0.4), Inches(1.15),
                                        Emu(int(w * scale)), Emu(int(h * scale)))
            pic.name = "chart"
        top = Inches(1.15)
        for i, n in enumerate(s.numbers[:3]):
            _text(sl, Inches(8.95), top, Inches(4.0), Inches(1.2),
                  [(n.label, 14, False, "374151"), (n.text, 32, True, "1d4ed8"), (n.note, 11, False, "4b5563")],
                  name=f"number-{i}")
            top += Inches(1.25)
        _text(sl, Inches(8.95), top + Inches(0.05), Inches(4.0), Inches(6.6) - top,
              [(s.summary, 14, False, "111827")], name="summary")
        if s.footnote:
            _text(sl, Inches(0.4), Inches(5.9), Inches(8.3), Inches(0.93),
                  [(line, 8.5, False, "374151") for line in s.footnote], name="footnote")
        _text(sl, Inches(0.45), Inches(6.85), Inches(12.4), Inches(0.5),
              [(" · ".join(footer_parts(s, lang, wm)), 11, False, "374151")], name="footer")
        for title in s.source_titles:
            if title not in cited:
                cited.append(title)
        any_sample = any_sample or s.sample

    src = prs.slides.add_slide(blank)
    _text(src, Inches(0.45), Inches(0.25), Inches(12.4), Inches(0.8), [(t("slide_sources_title", lang), 30, True, "111827")],
          name="title")
    lines = [(f"[{i}] {c}", 16, False, "111827") for i, c in enumerate(cited, 1)]
    if any_sample:
        lines.append((t("slide_sample_notice", lang), 14, True, "92400e"))
    _text(src, Inches(0.6), Inches(1.3), Inches(12.0), Inches(5.3), lines, name="sources")
    _text(src, Inches(0.45), Inches(6.85), Inches(12.4), Inches(0.5),
          [(" · ".join([x for x in [filters, wm] if x]), 11, False, "374151")], name="footer", align=PP_ALIGN.LEFT)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
