"""The catalogue units' rules for one value, shared by the importer (:mod:`nmgdash.ingest.validate`)
and the yearly reporting (:mod:`nmgdash.storage.reporting`), so both say the same thing in the
same words (the ``ingest_*`` messages of the string catalogues).

* :func:`measure` — what a catalogue unit measures: ``count`` (whole, non-negative),
  ``percent`` (0–100), ``money`` (non-negative) or ``amount`` (any finite number).
* :class:`Observation` — the pydantic model of one value (year range, the measure's rules); its
  errors' ``type`` is the issue kind (year_out_of_range, negative_count, non_integer_count,
  percent_out_of_range, negative_value) and ``msg`` the message in the context's language.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from . import settings
from .i18n import t

#: Categories of data/indicators.csv that hold reference data (census, boundaries), never reported.
REFERENCE_CATEGORIES = frozenset({"基础数据"})
#: Units counted in whole numbers: a negative or fractional value is an error.
#: The measure words are the bulletin's own (配齐挂兼职团干部275个, 334家, 47万名, 6大类): one unit per figure.
COUNT_UNITS = frozenset({"个", "人", "名", "次", "场次", "所", "家", "班次", "人次", "类", "大类"})
#: Count units of people, bounded by a population (``settings.VALUE_LIMITS["people"]``, or the area's census
#: population given as ``population`` in the validation context).
PEOPLE_UNITS = frozenset({"人", "名"})
#: Money units and their size in 元.
MONEY_UNITS = {"元": 1, "千元": 1_000, "万元": 10_000, "百万元": 1_000_000, "亿元": 100_000_000}
#: Other units the importer knows, checked only as finite numbers (area, rates per person, hours, ratios).
AMOUNT_UNITS = frozenset({"平方公里", "元/人·年", "小时", "场次/个"})
#: Year-on-year change above which a value needs confirmation (importer) or a 说明 (reporting): ±50 %.
YOY_LIMIT = 0.5


def measure(unit: str) -> str:
    """'percent', 'count', 'money' or 'amount' for a catalogue unit."""
    if unit == "%":
        return "percent"
    if unit in COUNT_UNITS:
        return "count"
    if unit in MONEY_UNITS:
        return "money"
    return "amount"


def plain_number(v: float) -> str:
    """A number as plain text by its shortest repr, without exponent or trailing zeros (12.50 → "12.5")."""
    return format(Decimal(repr(float(v))).normalize(), "f")


def shown_number(v: float) -> str:
    """A number as typed for a message: :func:`plain_number`, but a number too large (≥ 1e15) or not
    finite in short scientific form ("1e+20", "inf") so that a message stays one line."""
    v = float(v)
    if not math.isfinite(v):
        return repr(v)
    return plain_number(v) if abs(v) < 1e15 else f"{v:.6g}"


def decimals(v: float) -> int:
    """How many decimal places ``v`` has as typed (its shortest repr): 12.5 → 1, 99.99999 → 5, 3.0 → 0."""
    exp = Decimal(repr(float(v))).normalize().as_tuple().exponent
    return max(0, -int(exp))


def value_limit(measure_: str, unit: str, population: float | None = None) -> tuple[float, str]:
    """The largest value (in ``unit``) one area may report for a unit measuring ``measure_``, and
    which bound it is: 'percent', 'people' (the census population ``population`` when given, else the
    region's), 'count', 'money' (``settings.VALUE_LIMITS["money"]`` 元 in ``unit``) or 'amount'."""
    lim = settings.VALUE_LIMITS
    if measure_ == "count" and unit in PEOPLE_UNITS:
        return (float(population), "population") if population else (lim["people"], "people")
    if measure_ == "money":
        return lim["money"] / MONEY_UNITS.get(unit, 1), "money"
    return float(lim[measure_]), measure_


def _lang(info: ValidationInfo) -> str:
    return str((info.context or {}).get("lang", "zh"))


class Observation(BaseModel):
    """One value as it will be stored: value in the catalogue unit, year in 2000..max_year.

    Validate with ``Observation.model_validate(d, context={"max_year": 2027})`` (add ``"lang": "en"`` for
    English messages; Chinese by default); error types are issue kinds: year_out_of_range, negative_count, non_integer_count,
    percent_out_of_range, negative_value, value_not_finite, value_too_large (above :func:`value_limit`; give the
    area's census population as ``"population"``, its name as ``"area_name"`` and the census year as
    ``"census_year"`` in the context for people counts), too_many_decimals (more than ``settings.VALUE_DECIMALS``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indicator_id: Annotated[str, Field(min_length=1)]
    adcode: Annotated[str, Field(pattern=r"^\d{6}$")]
    measure: Literal["count", "percent", "money", "amount"]
    unit: str
    year: int
    value: Annotated[float, Field(allow_inf_nan=True)]

    @field_validator("year")
    @classmethod
    def _year_in_range(cls, v: int, info: ValidationInfo) -> int:
        hi = (info.context or {}).get("max_year", dt.date.today().year + 1)
        if not 2000 <= v <= hi:
            raise PydanticCustomError("year_out_of_range", t("ingest_year_out_of_range", _lang(info)),
                                     {"year": v, "hi": hi})
        return v

    @field_validator("value")
    @classmethod
    def _value_rules(cls, v: float, info: ValidationInfo) -> float:
        measure, unit = info.data.get("measure"), info.data.get("unit", "")
        lang = _lang(info)
        if not math.isfinite(v):
            raise PydanticCustomError("value_not_finite", t("ingest_value_not_finite", lang), {"value": repr(v)})
        shown = shown_number(v)
        ctx = info.context or {}
        if measure in settings.VALUE_DECIMALS and measure != "percent":
            limit, kind = value_limit(measure, unit, ctx.get("population"))
            if abs(v) > limit:
                why = t(f"ingest_limit_{kind}", lang, area=ctx.get("area_name", ""), census_year=ctx.get("census_year", ""))
                raise PydanticCustomError("value_too_large", t("ingest_value_too_large", lang),
                                         {"value": shown, "unit": unit, "limit": plain_number(limit), "why": why})
            places = settings.VALUE_DECIMALS[measure]
            if measure != "count" and decimals(v) > places:  # counts: non_integer_count below
                raise PydanticCustomError("too_many_decimals", t("ingest_too_many_decimals", lang),
                                         {"value": shown, "unit": unit, "n": places})
        if measure == "count":
            if v < 0:
                raise PydanticCustomError("negative_count", t("ingest_negative_count", lang), {"value": shown, "unit": unit})
            if v != int(v):
                raise PydanticCustomError("non_integer_count", t("ingest_non_integer_count", lang),
                                         {"value": shown, "unit": unit})
        elif measure == "percent":
            if not 0 <= v <= settings.VALUE_LIMITS["percent"]:
                raise PydanticCustomError("percent_out_of_range", t("ingest_percent_out_of_range", lang), {"value": shown})
            if decimals(v) > settings.VALUE_DECIMALS["percent"]:
                raise PydanticCustomError("too_many_decimals", t("ingest_too_many_decimals", lang),
                                         {"value": shown, "unit": unit, "n": settings.VALUE_DECIMALS["percent"]})
        elif v < 0:
            raise PydanticCustomError("negative_value", t("ingest_negative_value", lang), {"value": shown, "unit": unit})
        return v
