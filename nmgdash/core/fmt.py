"""Number formatting in Chinese conventions (万, 亿, 万元, %) with an English fallback.

Examples (zh): 18200 场次 → "1.82万场次"; 470000 人 → "47万人"; 3193 万元 → "3193万元";
13483 个 → "13483个"; 98 % → "98%"; 31930 万元 → "3.19亿元".
"""

from __future__ import annotations

import math

from nmgdash.core.i18n import t


def _trim(x: float, digits: int) -> str:
    text = f"{x:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def is_missing(value: object) -> bool:
    """True for None/NaN/pd.NA."""
    if value is None:
        return True
    try:
        return bool(math.isnan(value))  # type: ignore[arg-type]
    except TypeError:
        return str(value) in {"<NA>", "nan"}


def format_number(value: float | None, unit: str = "", lang: str = "zh", digits: int = 2) -> str:
    """Format a value with its unit.

    zh: values of 10万 and more, and round values of 1万 and more, use 万/亿;
    万元 amounts of 1亿 and more become 亿元; "%" is appended without a space.
    en: thousands separators and the English unit. Missing values give "—".
    """
    if is_missing(value):
        return "—"
    v = float(value)  # type: ignore[arg-type]
    if lang != "zh":
        if unit in {"%", "个百分点", "percentage points"}:
            return f"{_trim(v, 1)}{'%' if unit == '%' else ' pp'}"
        body = f"{v:,.0f}" if v == int(v) else f"{v:,.{digits}f}".rstrip("0").rstrip(".")
        return f"{body} {unit}".strip()
    if unit == "%":
        return f"{_trim(v, 1)}%"
    if unit == "万元":
        if abs(v) >= 1e4:
            return f"{_trim(v / 1e4, 2)}亿元"
        return f"{_trim(v, 1)}万元"
    if abs(v) >= 1e8:
        return f"{_trim(v / 1e8, 2)}亿{unit}"
    if abs(v) >= 1e5 or (abs(v) >= 1e4 and v % 100 == 0):
        return f"{_trim(v / 1e4, 2)}万{unit}"
    if 0 < abs(v) < 1:  # e.g. per-10k rates: keep three significant digits so ranks stay visible
        return f"{float(f'{v:.3g}'):g}{unit}"
    return f"{_trim(v, digits)}{unit}"


def format_tick(value: float, lang: str = "zh") -> str:
    """An axis or colour-bar tick, short enough to stand upright beside its neighbours: zh as
    :func:`format_number` (100万, 1.5万, 400); en with k/M/B from 10,000 on (10k, 2.5M, 1B; 4,000 stays)."""
    if lang == "zh" or is_missing(value):
        return format_number(value, "", lang)
    v = float(value)
    for threshold, size, suffix in ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(v) >= threshold:
            return f"{_trim(v / size, 2)}{suffix}"
    return format_number(v, "", lang)


def mode_unit(mode: str, unit: str, additive: bool, lang: str = "zh") -> str:
    """Unit of a display mode: value keeps the unit, per_10k gives "<unit>/万人",
    share gives %, change modes give % (additive) or 个百分点 (rates)."""
    if mode in {"yoy", "vs_base"} and not additive:
        return t("unit_points", lang)
    if mode == "per_10k":
        return t("unit_per_10k", lang, unit=unit)
    return "%" if mode in {"share", "yoy", "vs_base"} else unit


def format_signed(value: float | None, unit: str, lang: str = "zh") -> str:
    """Like format_number but with an explicit + for positive changes."""
    text = format_number(value, unit, lang)
    if not is_missing(value) and float(value) > 0:  # type: ignore[arg-type]
        return "+" + text
    return text


#: English rendering of the source's qualifiers (observations.qualifier). "+" goes between the
#: number and the unit ("8,600+ organisations"); "" means the English unit already says it
#: (soe_funding_standard: "100 yuan per young worker per year"); other words go before the number.
QUALIFIERS_EN = {
    "余": "+", "多": "+", "以上": "+",
    "近": "nearly", "约": "about", "超过": "over", "逾": "over",
    "全部": "all",
    "每名青年工人每年": "",
}
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


def _split_unit(text: str, unit: str) -> tuple[str, str]:
    """Split a formatted figure into (number part, unit part), e.g. "8600个" → ("8600", "个"),
    "1.2万人" → ("1.2万", "人"), "3.19亿元" (unit 万元) → ("3.19亿", "元")."""
    for u in (unit, unit[-1:] if unit else ""):
        if u and text.endswith(u):
            return text[: -len(u)].rstrip(), text[len(text) - len(u):]
    return text, ""


def format_figure(value: float | None, unit: str = "", qualifier: str | None = None,
                  position: str | None = None, lang: str = "zh") -> str:
    """A figure as its source words it: number, measure word and qualifier.

    ``unit`` is the measure word to show (zh: the observation's display_unit, e.g. 家, 名; en: the
    catalogue's unit_en). ``qualifier``/``position`` come from observations.qualifier/qualifier_pos:
    'pre' before the number, 'num' between number and measure word, 'post' after the measure word,
    'words' for a figure stated in words only.

    zh: (8600, 个, 余, num) → "8600余个"; (20, 小时, 以上, post) → "20小时以上";
    (100, %, 全部, words) → "全部（100%）"; (100, 元, 每名青年工人每年, pre) → "每名青年工人每年100元".
    en: "8,600+ organisations", "20+ hours", "all (100%)"; a qualifier without an English rendering
    is kept in brackets, never dropped. No qualifier (None/NaN/"") gives format_number's text.
    """
    text = format_number(value, unit, lang)
    if is_missing(value) or is_missing(qualifier) or not qualifier:
        return text
    q = str(qualifier)
    if lang == "zh":
        if position == "pre":
            return q + text
        if position == "num":
            body, u = _split_unit(text, unit)
            return f"{body}{q}{u}"
        if position == "words":
            return f"{q}（{text}）"
        return text + q
    en = QUALIFIERS_EN.get(q)
    if en is None:
        return f"{text} ({q})"
    if en == "+":
        body, u = _split_unit(text, unit)
        return f"{body}+ {u}".strip() if u and not u.startswith("%") else f"{body}+{u}"
    if en == "all":
        return f"all ({text})"
    return f"{en} {text}".strip()


def format_range(low: float, high: float, unit: str = "", lang: str = "zh") -> str:
    """A range the source states as "a—b": (1, 5, %) → "1—5%" (en "1–5%")."""
    lo, _ = _split_unit(format_number(low, unit, lang), unit)
    return f"{lo}{t('range_dash', lang)}{format_number(high, unit, lang)}"


def _month(ym: str, lang: str) -> str:
    y, m = int(ym[:4]), int(ym[5:7])
    if lang == "zh":
        return f"{y}年底" if m == 12 else f"{y}年{m}月"
    return f"end {y}" if m == 12 else f"{MONTHS_EN[m - 1]} {y}"


def format_period(start: str | None, end: str | None, cumulative: bool = False,
                  lang: str = "zh", year: int | None = None) -> str:
    """The period a figure covers, from observations.period_start/period_end ('YYYY-MM') and cumulative.

    zh / en:
    - cumulative 2018-06…2019-12 → "2018年6月—2019年底累计" / "cumulative, June 2018 – end 2019"
    - as at (no start) 2019-12 → "截至2019年底" / "as at end 2019"
    - one month 2018-06 → "2018年6月" / "June 2018"; a span, not cumulative → "2018年6月—2019年底"
    - no period → the calendar ``year`` ("2019年" / "2019"), or "" without a year.
    """
    start = None if is_missing(start) or not start else str(start)
    end = None if is_missing(end) or not end else str(end)
    if end is None:
        if year is None or is_missing(year):
            return ""
        return t("year_label", lang, year=int(year))
    e = _month(end, lang)
    if start is None:
        return t("as_at", lang, date=e)
    s = _month(start, lang)
    if start == end and not cumulative:
        return s
    if lang == "zh":
        return f"{s}—{e}{'累计' if cumulative else ''}"
    return f"{'cumulative, ' if cumulative else ''}{s} – {e}"
