"""Number formatting in Chinese conventions (万, 亿, 万元, %) with an English fallback.

Examples (zh): 18200 场次 → "1.82万场次"; 470000 人 → "47万人"; 3193 万元 → "3193万元";
13483 个 → "13483个"; 98 % → "98%"; 31930 万元 → "3.19亿元".
"""

from __future__ import annotations

import math

MODE_UNITS = {
    # mode: (zh suffix or None to keep the unit, en)
    "value": (None, None),
    "per_10k": ("{unit}/万人", "{unit} per 10k residents"),
    "share": ("%", "%"),
    "yoy": ("%", "%"),
    "vs_base": ("%", "%"),
}


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


def mode_unit(mode: str, unit: str, additive: bool, lang: str = "zh") -> str:
    """Unit of a display mode: value keeps the unit, per_10k gives "<unit>/万人",
    share gives %, change modes give % (additive) or 个百分点 (rates)."""
    if mode in {"yoy", "vs_base"} and not additive:
        return "个百分点" if lang == "zh" else "percentage points"
    zh, en = MODE_UNITS[mode]
    pattern = zh if lang == "zh" else en
    return unit if pattern is None else pattern.format(unit=unit)


def format_signed(value: float | None, unit: str, lang: str = "zh") -> str:
    """Like format_number but with an explicit + for positive changes."""
    text = format_number(value, unit, lang)
    if not is_missing(value) and float(value) > 0:  # type: ignore[arg-type]
        return "+" + text
    return text
