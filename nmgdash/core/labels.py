"""Pure text for figures, maps and tables: how a figure is worded, its period, an area's map label.

Shared by the pages (:mod:`nmgdash.ui`), the slides (:mod:`nmgdash.slides`) and the exports;
nothing here draws or reads state. ``lang`` is ``"zh"`` or ``"en"``.
"""

from __future__ import annotations

import csv
import html
import re
from functools import cache

import pandas as pd

from nmgdash.core.fmt import format_figure, format_number, format_period, format_signed, format_tick, is_missing
from nmgdash.core.i18n import t
from nmgdash.core.settings import BASELINE_YEAR, DATA_DIR

#: English suffixes dropped from map labels to save room (Chinese names stay official).


def html_text(value: object) -> str:
    """``value`` (e.g. an imported file's name used as a source title) as text inside plotly hover
    labels, titles and annotations, which render a subset of HTML (``<a href>``, ``<b>``, ``<br>`` …):
    ``&``, ``<`` and ``>`` become entities, so ``<a href=x>`` shows as those characters. None → ""."""
    return "" if value is None else html.escape(str(value), quote=False)


@cache
def _translations() -> tuple[tuple[re.Pattern, str], ...]:
    """data/translations_en.csv: (pattern, English replacement) in file order."""
    with (DATA_DIR / "translations_en.csv").open(encoding="utf-8") as f:
        return tuple((re.compile(r["pattern"]), r["english"]) for r in csv.DictReader(f))


def source_text(text: object, lang: str) -> str:
    """A Chinese text of the data that has no English column — a locator ("二、1. 一是：“配齐挂兼职团干部275个”"),
    a source's publisher, locator or licence — in ``lang``. zh: unchanged. en: the part before the first
    quotation mark is rewritten by the rules of ``data/translations_en.csv`` (regular expression → English,
    applied in file order: "Part II, 1, point 1: “配齐挂兼职团干部275个”"); the quotation itself stays the
    bulletin's own words. None/NaN → ""."""
    if is_missing(text) or text is None:
        return ""
    s = str(text)
    if lang == "zh":
        return s
    head, quote, tail = s.partition("“")
    for pattern, english in _translations():
        head = pattern.sub(english, head)
    return head + quote + tail


def quoted(text: object, lang: str) -> str:
    """A word of the bulletin kept in Chinese inside English text, as a quotation: zh "余", en "“余”";
    None/NaN/"" → ""."""
    if is_missing(text) or text is None or not str(text):
        return ""
    return t("quoted", lang, text=text)




def row_value(row: object, key: str) -> object:
    """``row[key]`` of a Series, dict or itertuples row; None when absent or missing (NaN/NA)."""
    value = row.get(key) if hasattr(row, "get") else getattr(row, key, None)
    return None if is_missing(value) else value


def figure_text(row: object, lang: str, unit: str | None = None) -> str:
    """A figure as its source words it, from a row with value, qualifier, qualifier_pos and
    display_unit/unit/unit_en (region_figures, region_by_category, area_metrics): "8600余个",
    "334家", "47万名", "20小时以上" (en "8,600+ organisations", "20+ hours"). ``unit`` is the
    fallback measure word for rows without display_unit/unit columns (area_metrics)."""
    if lang == "zh":
        shown = row_value(row, "display_unit") or row_value(row, "unit") or unit or ""
    else:
        shown = row_value(row, "unit_en") or unit or ""
    return format_figure(row_value(row, "value"), str(shown), row_value(row, "qualifier"), row_value(row, "qualifier_pos"), lang)


def period_text(row: object, lang: str) -> str:
    """The period a figure covers, from period_start/period_end/cumulative (falls back to the year):
    "2018年6月—2019年底累计", "截至2019年底", "2018年6月", "2019年"; en "cumulative, June 2018 – end 2019"."""
    return format_period(row_value(row, "period_start"), row_value(row, "period_end"), bool(row_value(row, "cumulative")),
                         lang, year=row_value(row, "year"))


def mode_text(mode: str, lang: str) -> str:
    """The name of a display mode ("每万常住人口", "较2017年（改革前）变化" with the baseline year from
    :data:`nmgdash.core.settings.BASELINE_YEAR`); also the mode picker's label and URL value."""
    return t(f"mode_{mode}", lang, base=BASELINE_YEAR)


def value_label(row: pd.Series, unit: str, mode: str, lang: str) -> str:
    """The on-map text for one area of an area_metrics row: the formatted ``metric`` in ``unit``,
    or why there is none ("无上年数据", "无数据（最近：2019年）", "无数据")."""
    if is_missing(row["metric"]):
        if not is_missing(row.get("value")):  # the value exists; the mode cannot be computed
            reason = {"yoy": "no_prev_year", "vs_base": "no_base_year", "per_10k": "no_population"}.get(mode, "no_data")
            return t(reason, lang, base=BASELINE_YEAR)
        if not is_missing(row.get("nearest_year")):
            return t("no_data_nearest", lang, year=int(row["nearest_year"]))
        return t("no_data", lang)
    fmt = format_signed if mode in {"yoy", "vs_base"} else format_number
    return fmt(row["metric"], unit, lang)


def map_frame(rows: pd.DataFrame, unit: str, mode: str, lang: str) -> pd.DataFrame:
    """area_metrics rows → the choropleth's frame: adcode, name (official), metric, label
    (:func:`value_label`), hover ("<b>name</b><br>label")."""
    f = rows.copy()
    f["name"] = f["name_zh" if lang == "zh" else "name_en"]  # the official name (data/areas.csv), as everywhere
    f["label"] = [value_label(r, unit, mode, lang) for _, r in f.iterrows()]
    f["hover"] = [f"<b>{n}</b><br>{lab}" for n, lab in zip(f["name"], f["label"])]
    return f[["adcode", "name", "metric", "label", "hover"]]


def tick_formatter(lang: str):
    """A callable float → axis tick text in the language's number style (zh: 1.5万, 400万)."""
    return lambda v: format_tick(v, lang)


def sample_tag(lang: str) -> str:
    """The tag a title gets when a sample value is in it: "（示例数据）" / " (SAMPLE data)"."""
    return t("sample_tag_suffix", lang, tag=t("sample_tag", lang))


def sample_notice_text(frame: pd.DataFrame, year: int, lang: str) -> str | None:
    """The sample-data notice of a view whose rows (``frame``: year, value, status; every year of
    the view) are shown for ``year``, or None when no row is sample data:

    - every value of ``year`` that is there is sample → the page's general notice (示例数据：…);
    - ``year`` mixes sample and other values (e.g. one league's approved report) → how many areas
      are sample and how many are not;
    - ``year`` has no sample value but other years do (its trend, the year player) → which years are
      sample ("2017—2019 年 … 示例数据；2020 年的数值不是示例数据")."""
    if not (frame["status"] == "sample").any():
        return None
    cur = frame[(frame["year"] == year) & frame["value"].notna()]
    n_sample = int((cur["status"] == "sample").sum())
    if n_sample and n_sample == len(cur):
        return t("sample_notice", lang)
    if n_sample:
        return t("sample_notice_mixed", lang, year=int(year), n=n_sample, m=len(cur) - n_sample)
    years = sorted(int(y) for y in frame.loc[frame["status"] == "sample", "year"].unique())
    span = (f"{years[0]}—{years[-1]}" if len(years) > 2 and years == list(range(years[0], years[-1] + 1))
            else t("list_sep", lang).join(str(y) for y in years))
    return t("sample_notice_years", lang, years=span, year=int(year))


def player_labels(lang: str, years: pd.Series | list[int]) -> dict[str, str]:
    """The year player's button and slider texts for the years it plays: "▶ 播放 2017→2019", "■ 暂停", "年份："."""
    ys = sorted({int(y) for y in years})
    span = f"{ys[0]}→{ys[-1]}" if ys else ""
    return {"play": t("player_play", lang, span=span), "pause": t("player_pause", lang),
            "year": t("player_year", lang), "ranking": t("ranking", lang)}
