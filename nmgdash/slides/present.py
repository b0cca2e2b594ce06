"""汇报模式 (presenter mode): the slide registry and the slides' content. No drawing here: the page
(pages/present.py) lays a :class:`Slide` out, :mod:`nmgdash.slides.deck` puts the same slides into a PPTX.

The default sequence (issue 8): 1 the bulletin's headline figures, 2 funding, 3 staffing,
4 青年爱里, 5 leadership and supervision, 6 university and SOE reform, 7 typical cases on the map,
then one slide per league chosen in the league filter. Each slide is one map or chart, at most
three big numbers, a written summary computed from the chart's own query frame
(:mod:`nmgdash.core.summary`) and a footer (sources, 数据截至 = the latest year shown, 含示例数据 when a
sample value is on the slide).

Every figure comes from the same named queries as the dashboard pages (area_metrics,
region_figures, innovations) with the same filters (year, published only, language).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from nmgdash.core import summary, topics
from nmgdash.core.fmt import format_number, format_signed, is_missing
from nmgdash.core.i18n import TEXT, t
from nmgdash.core.labels import figure_text, map_frame, period_text, player_labels, sample_tag, tick_formatter
from nmgdash.figures import charts, player
from nmgdash.figures.innovations import innovations_figure as innovations_map
from nmgdash.figures.innovations import rates_figure, rates_frame
from nmgdash.storage.reader import default_reader

#: Font scale of the slide charts (projector): plotly text sizes times this.
PROJECTOR_SCALE = 1.3
#: Font scale of the map value labels (laid out for 13 px; 15 px still fits a 1280×720 slide).
LABEL_SCALE = 1.15
#: Height the slide maps' labels are laid out for (the chart box at 1280×720 is about 500 px).
SLIDE_CHART_H = 560
#: The smallest map plot the slide page draws (px), which the slide maps' labels are laid out for
#: (:func:`fit_map`): 1280×720 gives a plot about 410 px high, 1024×768 one about 600 px wide;
#: 560 px is narrower than any, so the colour bar's corner is reserved generously. On every larger
#: plot the labels (fixed px, placed in km) only move apart.
MAP_DESIGN_PX = (560, 410)
#: Font size (px) of the map value labels on a slide (13 px × :data:`LABEL_SCALE`).
SLIDE_LABEL_PX = round(charts.LABEL_SIZE * LABEL_SCALE)
#: Height (px) of the year player's row (▶ / ■ buttons and the year slider) between the map's
#: title and the map: the controls sit above the plot area, never on the map.
CONTROLS_ROW_PX = 58
#: Space (px) above the title and between the title and what follows.
TITLE_PAD_PX = 8
#: Narrowest chart the slide page draws (px): titles are wrapped to it.
SLIDE_MIN_W = 600


@dataclass(frozen=True)
class Context:
    """The filters a slide follows: language ('zh'/'en'), year, published only, chosen leagues."""

    lang: str = "zh"
    year: int = 2019
    published_only: bool = False
    leagues: tuple[str, ...] = ()
    #: Where the figures come from: the pages pass their cached access (:mod:`nmgdash.ui.data`);
    #: None means :func:`nmgdash.storage.reader.default_reader` (tests, exports, the benchmark).
    data: Any = field(default=None, compare=False, hash=False, repr=False)

    @property
    def src(self) -> Any:
        """The data access in use (``query``, ``years``, ``leagues``, ``catalogue``, ``shapes``, …)."""
        return self.data if self.data is not None else default_reader()


@dataclass
class BigNumber:
    """One big number: label, the figure as worded (1042个, 8600余个), its period, status, year."""

    label: str
    text: str
    note: str = ""
    status: str = "published"
    year: int | None = None


@dataclass
class Slide:
    """Everything one slide shows.

    figure: the slide's one chart (plotly; may carry frames and a ▶ button: :mod:`nmgdash.figures.player`).
    sources: short source names for the footer (i18n ``src_<id>``); source_titles: the full titles
    (the deck's sources slide). as_of: the latest year shown (数据截至). sample: a sample value is
    on the slide (chart or numbers), so the footer says 含示例数据.
    """

    key: str
    title: str
    figure: go.Figure | None
    numbers: list[BigNumber] = field(default_factory=list)
    summary: str = ""
    sources: list[str] = field(default_factory=list)
    source_titles: list[str] = field(default_factory=list)
    as_of: int | None = None
    sample: bool = False
    playable: bool = False
    #: The footnote of the exported image and PPTX slide: one "口径 · name（unit）：definition" line per
    #: indicator in the chart (data/indicators.csv), then "来源：…；状态：…" (:func:`footnote_lines`).
    footnote: list[str] = field(default_factory=list)


def sequence(leagues: tuple[str, ...] = (), data: Any = None) -> list[str]:
    """The slide keys: the default sequence, then one per chosen league (adcodes, in order).
    ``data``: the data access (as :attr:`Context.data`)."""
    known = set((data if data is not None else default_reader()).leagues()["adcode"])
    return topics.registry().slide_sequence() + [f"league-{a}" for a in leagues if a in known]


def _name_col(lang: str) -> str:
    return "name_zh" if lang == "zh" else "name_en"


def _tick(lang: str) -> Callable[[float], str]:
    return tick_formatter(lang)


def _sources(frames: list[pd.DataFrame], lang: str) -> tuple[list[str], list[str]]:
    """Short names and full titles of the sources cited by ``frames`` (source_id, source_title[_en])."""
    short, full = [], []
    col = "source_title" if lang == "zh" else "source_title_en"
    for f in frames:
        if f is None or f.empty or "source_id" not in f:
            continue
        for r in f.dropna(subset=["source_id"]).drop_duplicates("source_id").itertuples():
            key = f"src_{r.source_id}"
            name = t(key, lang) if key in TEXT else str(getattr(r, col, r.source_id))
            if name not in short:
                short.append(name)
                full.append(str(getattr(r, col, name)))
    return short, full


def projector(fig: go.Figure, scale: float = PROJECTOR_SCALE) -> go.Figure:
    """``fig`` with every text size times ``scale`` (title, axes, annotations, colour bar): legible
    from the back of a meeting room. Works on a copy."""
    fig = go.Figure(fig)
    base = (fig.layout.font.size or 14)
    fig.update_layout(font=dict(size=round(base * scale)))
    m = fig.layout.margin
    fig.update_layout(margin=dict(l=round((m.l or 0) * scale), r=round((m.r or 0) * scale),
                                  t=round((m.t or 0) * scale), b=round((m.b or 0) * scale)))
    if fig.layout.title and fig.layout.title.text:
        fig.layout.title.font.size = round((fig.layout.title.font.size or 17) * scale)
    def grow(a) -> None:
        if a.font is not None and a.font.size:
            # map labels were laid out (charts.place_labels) for 13 px text on a 560 px map: a
            # little larger only, so they do not run into each other on a 1280×720 screen
            a.font.size = round(a.font.size * (LABEL_SCALE if (a.name or "").startswith("label-") else scale))

    for a in fig.layout.annotations or ():
        grow(a)
    for fr in fig.frames or ():
        for a in (fr.layout.annotations if fr.layout else None) or ():
            grow(a)
    return fig


def _label_box(text: str) -> tuple[float, float]:
    """Size (w, h) in px of a map label "<b>name</b><br>value" at :data:`SLIDE_LABEL_PX` (as
    :func:`nmgdash.figures.charts.choropleth` sizes its labels, plus the border)."""
    lines = text.split("<br>")
    w = max(charts.text_px(line, SLIDE_LABEL_PX) * 1.05 for line in lines)
    return (w + 12, len(lines) * SLIDE_LABEL_PX * 1.3 + 12)


def _place_labels(fig: go.Figure, label_offsets: dict | None) -> None:
    """Lay the value labels (annotations named ``label-<adcode>``) of ``fig`` and of its frames out
    again for the smallest slide map (:data:`MAP_DESIGN_PX`, text at :data:`SLIDE_LABEL_PX`): no
    two labels overlap, none covers the colour bar's corner or leaves the map; a moved label gets a
    leader line. One layout for every year (the widest label of each area over all frames)."""
    groups = [list(fig.layout.annotations or ())] + [list(fr.layout.annotations or ()) for fr in fig.frames or ()
                                                      if fr.layout]
    sizes: dict[str, tuple[float, float]] = {}
    anchors: dict[str, tuple[float, float]] = {}
    for anns in groups:
        for a in anns:
            name = a.name or ""
            if not name.startswith("label-"):
                continue
            w, h = _label_box(str(a.text))
            ow, oh = sizes.get(name, (0.0, 0.0))
            sizes[name] = (max(w, ow), max(h, oh))
            anchors.setdefault(name, (float(a.x), float(a.y)))
    if not sizes:
        return
    xr, yr = fig.layout.xaxis.range, fig.layout.yaxis.range
    offsets = label_offsets or {}
    items = [(name, anchors[name], sizes[name], offsets.get(name.removeprefix("label-"))) for name in sizes]
    w_px, h_px = MAP_DESIGN_PX
    # the horizontal colour bar in the top-left corner: 180 px long plus its title and ticks at
    # projector size (about 100 px high)
    reserved = [(0.0, 0.0, charts.COLOUR_BAR_PX + 30, 0.03 * h_px + 104)]
    spots = charts.place_labels(items, (xr[0], yr[0], xr[1], yr[1]), h_px, w_px, reserved_px=reserved)
    for anns in groups:
        for a in anns:
            spot = spots.get(a.name or "")
            if (a.name or "").startswith("label-") and spot is not None:
                moved = abs(spot[0] - a.x) > 1e-9 or abs(spot[1] - a.y) > 1e-9
                a.update(ax=float(spot[0]), ay=float(spot[1]), axref="x", ayref="y", showarrow=bool(moved),
                         font=dict(size=SLIDE_LABEL_PX))


def fit_map(fig: go.Figure, label_offsets: dict | None = None) -> go.Figure:
    """The slide page's layout of a map (after :func:`projector`; works on a copy):

    - value labels laid out for the smallest slide map (:func:`_place_labels`);
    - the year player's ▶ / ■ buttons and year slider in a row of their own between the title and
      the map (:data:`CONTROLS_ROW_PX`), so no control covers the map at any window size;
    - the title wrapped to the narrowest slide chart (:data:`SLIDE_MIN_W`), top-aligned;
    - axes constrained to the map's domain, so the map fills the chart box at any size;
    - no source line inside the figure: the slide's footer names the sources, and an exported
      image gets the full footnote instead (:func:`nmgdash.slides.deck.export_figure`).

    ``fig.layout.meta`` records {"controls_row": px} so the export can take the row out again.
    """
    fig = go.Figure(fig)
    _place_labels(fig, label_offsets)

    def keep(anns) -> list:
        return [a for a in anns or () if (a.name or "") != "source"]

    # the bottom margin goes when it only held the source line: kept for a no-data note, and for maps
    # whose call-outs hang below the map by a pixel offset (the innovations map's stars)
    note = any((a.name or "") == "no-data-note" for a in fig.layout.annotations or ())
    hanging = max([a.ay for a in fig.layout.annotations or () if a.axref is None and a.showarrow is not False
                   and isinstance(a.ay, (int, float)) and a.ay > 0] or [0])
    fig.layout.annotations = keep(fig.layout.annotations)
    for fr in fig.frames or ():
        if fr.layout and fr.layout.annotations:
            fr.layout.annotations = keep(fr.layout.annotations)
    size = fig.layout.title.font.size or 23
    titles = [fig.layout.title] + [fr.layout.title for fr in fig.frames or () if fr.layout and fr.layout.title]
    lines = 1
    for tt in titles:
        if tt.text:
            tt.text = charts.wrap(str(tt.text).replace("<br>", ""), SLIDE_MIN_W - 16, size)
            lines = max(lines, tt.text.count("<br>") + 1)
    controls = CONTROLS_ROW_PX if fig.layout.sliders else 0
    top = TITLE_PAD_PX + round(lines * size * 1.3) + TITLE_PAD_PX + controls
    # plotly anchors a multi-line title's first line: "top" would lift the block by its extra lines
    fig.layout.title.update(yref="container", y=1, yanchor="top",
                            pad=dict(t=TITLE_PAD_PX + round((lines - 1) * size * 1.3)))
    m = fig.layout.margin
    # constrain="domain": the axes shrink to the map's aspect instead of widening their ranges. With
    # "range" plotly writes each widened range back into the layout, so every resize of the chart box
    # (the slide page draws at one size, then stretches) left the map smaller (a third of a 1920×1080 slide)
    bottom = (m.b or 0) if note else 6
    if hanging:  # a call-out below its point: room for its box under the map
        bottom = max(bottom, round(hanging + 2 * (fig.layout.font.size or 18)))
    fig.update_layout(margin=dict(t=top, b=bottom), meta=dict(controls_row=controls),
                      xaxis=dict(constrain="domain"), yaxis=dict(constrain="domain"))
    if fig.layout.sliders:
        fig.layout.updatemenus[0].update(x=0, xanchor="left", y=1, yanchor="bottom", pad=dict(l=0, r=0, t=0, b=14))
        fig.layout.sliders[0].update(x=0.42, len=0.54, y=1, yanchor="bottom", pad=dict(t=0, b=6, l=0, r=0))
    return fig


def label_list(fig: go.Figure | None) -> list[tuple[str, str]]:
    """(name, value) of each map value label of ``fig`` (annotations named ``label-*``, in the figure's
    order), for the compact list a phone shows instead of labels that do not fit; [] without labels."""
    out = []
    for a in (fig.layout.annotations if fig is not None else None) or ():
        if (a.name or "").startswith("label-"):
            name, _, value = str(a.text).partition("<br>")
            out.append((re.sub(r"<[^>]+>", "", name), re.sub(r"<[^>]+>", "", value)))
    return out


def footnote_lines(ctx: Context, indicator_ids: list[str], sources: list[str], statuses) -> list[str]:
    """The footnote of an exported slide (:func:`footnote_text` with the slide's catalogue and language)."""
    return footnote_text(ctx.src.catalogue(), indicator_ids, sources, statuses, ctx.lang)


def footnote_text(catalogue: pd.DataFrame, indicator_ids: list[str], sources: list[str], statuses,
                  lang: str) -> list[str]:
    """The footnote of an exported image or slide, one line each: "口径 · 支持基层工作经费（万元）：
    <definition>" for each of ``indicator_ids`` (name, unit and 口径 from ``catalogue``, the indicator
    catalogue indexed by indicator_id, data/indicators.csv: ``definition`` in Chinese,
    ``definition_en`` in English, the Chinese one where an English one is missing), then
    "来源：<sources>；状态：<statuses>" (status labels in published → sample order; sample is "示例数据").
    ``sources``: short source names (:func:`figure_sources`); ``statuses``: status codes."""
    out = []
    for i in indicator_ids:
        if i not in catalogue.index:
            continue
        r = catalogue.loc[i]
        definition = r.get("definition_en") if lang == "en" else None
        if not isinstance(definition, str) or not definition.strip():
            definition = r["definition"]
        out.append(t("footnote_definition", lang, name=str(r[_name_col(lang)]),
                     unit=str(r["unit" if lang == "zh" else "unit_en"]), definition=str(definition)))
    present_statuses = {str(x) for x in statuses if isinstance(x, str)}
    labels = [t("sample_tag" if s == "sample" else f"status_{s}", lang) for s in STATUS_ORDER if s in present_statuses]
    out.append(t("footnote_tail", lang, sources=t("semicolon", lang).join(sources) or "—",
                 statuses=t("list_sep", lang).join(labels) or "—"))
    return out


def figure_sources(frames: list[pd.DataFrame], lang: str) -> list[str]:
    """Short names of the sources cited by ``frames`` (columns source_id, source_title[_en]), in
    order of first appearance: the ``sources`` of :func:`footnote_text`."""
    return _sources(frames, lang)[0]


#: Order of the statuses in a footnote.
STATUS_ORDER = ("published", "approved", "imported", "reference", "sample")


def figures(ctx: Context, ids: list[str]) -> list[BigNumber]:
    """Big numbers: the latest region figure (region_figures) of each indicator in ``ids``, as
    worded (labels.figure_text), with its period; skipped when hidden by published-only."""
    figs = ctx.src.query("region_figures", indicator_ids=tuple(ids), published_only=ctx.published_only)
    figs = figs.sort_values("year").drop_duplicates("indicator_id", keep="last").set_index("indicator_id")
    out = []
    for i in ids:
        if i not in figs.index:
            continue
        r = figs.loc[i]
        out.append(BigNumber(label=str(r[_name_col(ctx.lang)]), text=figure_text(r, ctx.lang),
                             note=period_text(r, ctx.lang), status=str(r["status"]), year=int(r["year"])))
    return out


def _figs_frame(ctx: Context, ids: list[str]) -> pd.DataFrame:
    figs = ctx.src.query("region_figures", indicator_ids=tuple(ids), published_only=ctx.published_only)
    return figs.sort_values("year").drop_duplicates("indicator_id", keep="last")


def _metric_frames(ctx: Context, indicator_id: str, level: str = "league", parent: str | None = None,
                   mode: str = "value") -> pd.DataFrame:
    return ctx.src.query("area_metrics", indicator_id=indicator_id, level=level, parent=parent,
                      years=tuple(ctx.src.years()), baseline_year=ctx.src.BASELINE_YEAR,
                      published_only=ctx.published_only, mode=mode)


def _map_frame(rows: pd.DataFrame, unit: str, lang: str) -> pd.DataFrame:
    """area_metrics rows → the choropleth's frame (adcode, name, metric, label, hover)."""
    return map_frame(rows, unit, "value", lang)

def _ind(ctx: Context, indicator_id: str) -> tuple[str, str, bool]:
    lang = ctx.lang
    cat = ctx.src.catalogue().loc[indicator_id]
    return (str(cat[_name_col(lang)]), str(cat["unit" if lang == "zh" else "unit_en"]), bool(cat["additive"]))


def league_player(ctx: Context, indicator_id: str, *, title_prefix: str = "") -> tuple[go.Figure, pd.DataFrame]:
    """The league map of ``indicator_id`` (绝对值) for every year as frames with ▶ and a year
    slider, one colour scale over all years (:func:`nmgdash.figures.player.year_player`, map only);
    opens on ``ctx.year``. Returns the figure and the area_metrics frame it was drawn from."""
    lang = ctx.lang
    iname, unit, _ = _ind(ctx, indicator_id)
    full = _metric_frames(ctx, indicator_id)
    frames, titles, sources = {}, {}, {}
    for y in sorted(full["year"].unique()):
        rows = full[full["year"] == y]
        frames[int(y)] = _map_frame(rows, unit, lang)
        tag = sample_tag(lang) if (rows["status"] == "sample").any() else ""
        titles[int(y)] = f"{title_prefix}{iname} · {int(y)}{tag}"
        sources[int(y)] = charts.source_line(rows, lang)
    fig = player.year_player(frames, ctx.src.shapes("league"), title=titles, unit_label=unit, start_year=ctx.year,
                             label_offsets=ctx.src.label_offsets(), tick_text=_tick(lang), source=sources,
                             labels=player_labels(lang, full["year"]), height=SLIDE_CHART_H, selected=ctx.leagues, ranking=False)
    return fig, full


# ------------------------------------------------------------------ slide builders
def _topic(key: str, ctx: Context) -> Slide:
    page = topics.registry().page(key)
    indicator_id, ids = page.slide_indicator, list(page.slide_numbers)
    lang = ctx.lang
    iname, unit, additive = _ind(ctx, indicator_id)
    fig, full = league_player(ctx, indicator_id)
    cur = full[full["year"] == ctx.year]
    s = summary.league_summary(full, year=ctx.year, indicator=iname, unit=unit, additive=additive, mode="value",
                               lang=lang, published_only=ctx.published_only)
    nums = figures(ctx, ids)
    figs = _figs_frame(ctx, ids)
    short, titles = _sources([figs, cur], lang)
    shown_years = [ctx.year] + [n.year for n in nums if n.year]
    sample = bool((cur["status"] == "sample").any()) or s.sample or any(n.status == "sample" for n in nums)
    foot = footnote_lines(ctx, [indicator_id], _sources([cur], lang)[0], cur["status"])
    return Slide(key, t(key, lang), fit_map(projector(fig), ctx.src.label_offsets()), nums, s.text, short, titles,
                 max(shown_years), sample, True, foot)


def _headline(ctx: Context) -> Slide:
    lang = ctx.lang
    reg = topics.registry()
    iname, unit, additive = _ind(ctx, reg.headline_indicator)
    full = _metric_frames(ctx, reg.headline_indicator)
    cur = full[full["year"] == ctx.year]
    f = _map_frame(cur, unit, lang)
    region = cur["region_metric"].dropna()
    tag = sample_tag(lang) if (cur["status"] == "sample").any() else ""
    fig = charts.ranking_bar(
        f[["adcode", "name", "metric", "label"]], title=f"{iname} · {t('ranking', lang)} · {ctx.year}{tag}",
        unit_label=unit, region_value=None if region.empty else float(region.iloc[0]),
        region_label=t("region_avg", lang), selected=ctx.leagues, tick_text=_tick(lang),
        source=charts.source_line(cur, lang), height=SLIDE_CHART_H - 80,
        region_text=None if region.empty else format_number(float(region.iloc[0]), unit, lang))
    s = summary.league_summary(full, year=ctx.year, indicator=iname, unit=unit, additive=additive, mode="value",
                               lang=lang, published_only=ctx.published_only)
    nums = figures(ctx, list(reg.headline_numbers))
    short, titles = _sources([_figs_frame(ctx, list(reg.headline_numbers)), cur], lang)
    sample = bool((cur["status"] == "sample").any()) or s.sample or any(n.status == "sample" for n in nums)
    title = t("slide_headline_title", lang)
    foot = footnote_lines(ctx, [reg.headline_indicator], _sources([cur], lang)[0], cur["status"])
    return Slide("headline", title, projector(fig), nums, s.text, short, titles,
                 max([ctx.year] + [n.year for n in nums if n.year]), sample, footnote=foot)


def _reforms(ctx: Context) -> Slide:
    lang = ctx.lang
    rates = list(topics.registry().rates)
    figs = rates_frame(ctx.src.query("region_figures", indicator_ids=tuple(rates), published_only=ctx.published_only),
                       rates, lang)
    fig = rates_figure(figs, t("slide_reforms_title", lang), lang,
                       height_per_row=72)
    s = summary.rates_summary(figs, lang)
    nums = figures(ctx, ["univ_reform_plan_rate", "soe_reform_plan_rate", "soe_fulltime_cadre_rate"])
    short, titles = _sources([figs], lang)
    sample = bool((figs["status"] == "sample").any())
    years = [int(y) for y in figs["year"]] or [ctx.year]
    foot = footnote_lines(ctx, [i for i in rates if i in set(figs["indicator_id"])], short, figs["status"])
    return Slide("reforms", t("reforms", lang), projector(fig), nums, s.text, short, titles, max(years), sample,
                 footnote=foot)


def innovations_figure(ctx: Context, height: int = SLIDE_CHART_H) -> tuple[go.Figure, pd.DataFrame]:
    """The bulletin's named innovations as red stars over a plain league map (the 典型经验 page's figure)."""
    src = ctx.src
    inn = src.query("innovations")
    fig = innovations_map(inn, src.leagues(), src.shapes("league"), src.shapes("county"), ctx.lang, height=height)
    return fig, inn

def _innovations(ctx: Context) -> Slide:
    lang = ctx.lang
    fig, inn = innovations_figure(ctx)
    s = summary.innovations_summary(inn, lang)
    league_col = "league_zh" if lang == "zh" else "league_en"
    nums = [BigNumber(t("slide_innovations_named", lang), t("slide_innovations_count", lang, n=len(inn)),
                      t("slide_innovations_source", lang)),
            BigNumber(t("slide_leagues_involved", lang), t("slide_leagues_count", lang, n=inn["league_adcode"].nunique()),
                      t("slide_list_sep", lang).join(dict.fromkeys(inn[league_col])))]
    src = inn.assign(source_id="bulletin_2020_06")
    short, titles = _sources([src], lang)
    foot = footnote_lines(ctx, [], short, ["published"])
    return Slide("innovations", t("innovations", lang), fit_map(projector(fig)), nums, s.text, short, titles, 2019,
                 False, footnote=foot)


def _league(adcode: str, ctx: Context) -> Slide:
    lang = ctx.lang
    iname, unit, _ = _ind(ctx, topics.registry().league_indicator)
    full = _metric_frames(ctx, topics.registry().league_indicator)
    cur = full[full["year"] == ctx.year]
    row = cur[cur["adcode"] == adcode].iloc[0]
    base = ctx.src.BASELINE_YEAR
    lname = str(row[_name_col(lang)])
    counties = _metric_frames(ctx, topics.registry().league_indicator, "county", adcode)
    ccur = counties[counties["year"] == ctx.year]
    tag = sample_tag(lang) if (ccur["status"] == "sample").any() else ""
    fig = charts.choropleth(_map_frame(ccur, unit, lang), ctx.src.shapes("county", adcode),
                            title=f"{t('county_map', lang, league=lname)} · {iname} · {ctx.year}{tag}", unit_label=unit,
                            tick_text=_tick(lang), avoid_overlap=True, uirevision=f"county-{adcode}",
                            source=charts.source_line(ccur, lang), height=SLIDE_CHART_H,
                            no_data_note=t("no_data_reason", lang) if ccur["metric"].isna().any() else None)
    s = summary.league_focus(row, ccur, year=ctx.year, indicator=iname, unit=unit, n_leagues=len(cur), lang=lang)
    value = row["value"]
    nums = [BigNumber(f"{lname} · {iname}", format_number(value, unit, lang), str(ctx.year), str(row["status"]), ctx.year)]
    if not is_missing(row.get("rank")):
        nums.append(BigNumber(t("slide_rank_label", lang, n=len(cur)), t("slide_rank", lang, rank=int(row["rank"])),
                              str(ctx.year),
                              str(row["status"]), ctx.year))
    if not is_missing(row.get("vs_base")) and ctx.year != base:
        nums.append(BigNumber(t("slide_change_label", lang, base=base), format_signed(row["vs_base"], "%", lang),
                              t("slide_change_period", lang, base=base, year=ctx.year), str(row["status"]), ctx.year))
    short, titles = _sources([cur, ccur], lang)
    sample = bool((ccur["status"] == "sample").any()) or str(row["status"]) == "sample"
    foot = footnote_lines(ctx, [topics.registry().league_indicator], _sources([ccur], lang)[0], ccur["status"])
    return Slide(f"league-{adcode}", lname, fit_map(projector(fig)), nums, s.text, short, titles, ctx.year, sample,
                 footnote=foot)


def build(key: str, ctx: Context) -> Slide:
    """The slide ``key`` (one of :func:`sequence`) for the filters in ``ctx``.
    Raises KeyError for an unknown key."""
    if key == "headline":
        return _headline(ctx)
    slide = next((p.slide for p in topics.registry().pages if p.key == key), None)
    if slide == "topic":
        return _topic(key, ctx)
    if slide == "reforms":
        return _reforms(ctx)
    if slide == "innovations":
        return _innovations(ctx)
    if key.startswith("league-"):
        return _league(key.removeprefix("league-"), ctx)
    raise KeyError(key)


def footer_parts(slide: Slide, lang: str, watermark: str | None = None) -> list[str]:
    """The footer's pieces: 数据来源：…, 数据截至2019年, 含示例数据 (when sample), the watermark."""
    parts = [t("slide_sources", lang, sources=t("semicolon", lang).join(slide.sources) or "—")]
    if slide.as_of:
        parts.append(t("slide_as_of", lang, year=slide.as_of))
    if slide.sample:
        parts.append(t("slide_sample", lang))
    if watermark:
        parts.append(watermark)
    return parts


def watermark_text(lang: str, today) -> str:
    """"内部资料 2026-11-30" (en "Internal · 2026-11-30")."""
    return t("slide_watermark", lang, date=f"{today:%Y-%m-%d}")
