"""The import normalisers: numbers, 万/亿 suffixes, percentages, years and area names
(example tests with exact values, plus hypothesis properties)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nmgdash.ingest import catalogue
from nmgdash.ingest.normalize import (
    FORMULA_NO_VALUE,
    AreaResolver,
    Parsed,
    decide_percent_column,
    parse_value,
    parse_year,
)

CAT = catalogue.load()
AREAS = AreaResolver(CAT)
LEAGUES = CAT.leagues()
FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


@pytest.mark.parametrize(("raw", "unit", "value"), [
    ("3.2万", "元", Decimal(32000)),
    ("1.2亿", "万元", Decimal(12000)),
    ("1.2亿元", "万元", Decimal(12000)),
    ("3193万元", "万元", Decimal(3193)),   # the suffix is the column's own unit: not scaled again
    ("3193万", "万元", Decimal(3193)),
    ("500元", "万元", Decimal("0.05")),
    ("0.26万", "场次", Decimal(2600)),
    ("1.82万场次", "场次", Decimal(18200)),
    ("47万名", "人", Decimal(470000)),
    ("2,100", "场次", Decimal(2100)),
    ("1，800", "场次", Decimal(1800)),
    ("１２，３４５．５", "万元", Decimal("12345.5")),
    ("３０", "个", Decimal(30)),
    (" 330 ", "万元", Decimal(330)),
    ("\u3000１１８\u3000", "个", Decimal(118)),
    ("12个", "个", Decimal(12)),
    (420.5, "万元", Decimal("420.5")),
    (150100.0, "个", Decimal(150100)),
    ("97.5%", "%", Decimal("97.5")),
    ("97.5％", "%", Decimal("97.5")),
])
def test_parse_value(raw, unit, value):
    p = parse_value(raw, unit)
    assert p.error is None and p.value == value


@pytest.mark.parametrize("raw", ["—", "——", "-", "/", "／", "无", "未填报", "暂缺", None, "", "  ", "\u3000"])
def test_missing_markers_are_missing_not_zero(raw):
    p = parse_value(raw, "个")
    assert p.missing and p.value is None and p.error is None


@pytest.mark.parametrize(("raw", "kind"), [
    ("abc", "unparseable"), ("1,5", "unparseable"), ("12.5.3", "unparseable"), (dt.date(2019, 1, 1), "unparseable"),
    (True, "unparseable"), ("3万", "unit_mismatch"), ("12人", "unit_mismatch"),
    (FORMULA_NO_VALUE, "formula_without_value"),
])
def test_unparseable(raw, kind):
    unit = "%" if raw == "3万" else "个"
    p = parse_value(raw, unit)
    assert p.value is None and p.error is not None and p.error[0] == kind


def test_formula_without_cached_value_is_never_zero():
    p = parse_value(FORMULA_NO_VALUE, "个")
    assert p.value is None and not p.missing and "公式" in p.error[1]


def test_percent_number_format_is_scaled_once():
    p = parse_value(0.975, "%", number_format="0.0%")
    assert p.value == Decimal("97.5") and p.percent_marked
    # a % cell never takes part in the column's fraction rule
    assert not decide_percent_column([p, parse_value("97.5%", "%")])


@pytest.mark.parametrize(("cells", "fractions"), [
    (["0.975", "０.９７５", "1"], True),
    (["97.5", "100", "0.5"], False),
    (["97.5%", "0.98"], True),       # the plain cells decide; the % cell stays 97.5
    (["97.5%", "100%"], False),
])
def test_percent_column_rule(cells, fractions):
    assert decide_percent_column([parse_value(c, "%") for c in cells]) is fractions


@pytest.mark.parametrize(("raw", "year"), [
    (2019, 2019), (2019.0, 2019), ("2019", 2019), ("2019年", 2019), ("2019年度", 2019), ("２０１９年", 2019),
    (" 2019 年 ", 2019), ("2019.0", 2019),
])
def test_parse_year(raw, year):
    y, _, err = parse_year(raw)
    assert err is None and y == year


@pytest.mark.parametrize("raw", ["19年", "二〇一九", "2019-2020", 2019.5])
def test_parse_year_rejects(raw):
    assert parse_year(raw)[2] is not None


@pytest.mark.parametrize(("raw", "adcode"), [
    ("呼市", "150100"), ("包头", "150200"), ("锡盟", "152500"), ("阿盟", "152900"), ("兴安", "152200"),
    ("鄂市", "150600"), ("鄂尔多斯", "150600"), ("乌兰察布盟", "150900"), ("150100", "150100"), (150100, "150100"),
    (150100.0, "150100"), ("150100.0", "150100"), (" 包头市", "150200"), ("乌海市\u3000", "150300"),
    ("兴 安 盟", "152200"), ("土默特左旗", "150121"), ("托克托", "150122"),
])
def test_area_names(raw, adcode):
    assert AREAS.resolve(raw).adcode == adcode


@pytest.mark.parametrize("raw", ["呼和浩特县", "包头县", "内蒙", "北京市", "150199", "1501", "兴安市", "锡林"])
def test_area_unknown(raw):
    m = AREAS.resolve(raw)
    assert m.adcode is None and not m.total


@pytest.mark.parametrize("raw", ["合计", "总计", "全区", "内蒙古自治区", "150000", 150000])
def test_total_labels(raw):
    assert AREAS.resolve(raw).total


# ---- properties ------------------------------------------------------------------------
amounts = st.decimals(min_value=0, max_value=Decimal("999999999.99"), places=2)
spaces = st.sampled_from(["", " ", "\u3000", "  ", "\t"])


def grouped(d: Decimal) -> str:
    return f"{d:,.2f}"


@settings(max_examples=200, deadline=None)
@given(d=amounts, pad_l=spaces, pad_r=spaces, thousands=st.booleans(), fullwidth=st.booleans())
def test_property_number_formats_round_trip(d, pad_l, pad_r, thousands, fullwidth):
    text = grouped(d) if thousands else f"{d:.2f}"
    if fullwidth:
        text = text.translate(FULLWIDTH)
    p = parse_value(pad_l + text + pad_r, "万元")
    assert p.error is None and p.value == d
    changed = bool(pad_l or pad_r or (thousands and "," in grouped(d)) or fullwidth)
    assert bool(p.steps) == changed  # every rewrite is reported, and nothing else


@settings(max_examples=200, deadline=None)
@given(d=amounts, scale=st.sampled_from([("万", 10_000), ("亿", 100_000_000)]),
       unit=st.sampled_from([("元", 1), ("万元", 10_000), ("亿元", 100_000_000)]))
def test_property_scale_suffix_applied_once(d, scale, unit):
    (suffix, s), (col_unit, u) = scale, unit
    p = parse_value(f"{d}{suffix}", col_unit)
    assert p.value == d * s / u
    # writing the column's own unit after the number never scales
    assert parse_value(f"{d}{col_unit}", col_unit).value == d


@settings(max_examples=200, deadline=None)
@given(ps=st.lists(st.decimals(min_value=0, max_value=100, places=1), min_size=1, max_size=12))
def test_property_percent_never_scaled_twice(ps):
    marked = [parse_value(f"{p}%", "%") for p in ps]
    assert [m.value for m in marked] == ps and not decide_percent_column(marked)
    fractions = [parse_value(str(p / 100), "%") for p in ps]
    assert decide_percent_column(fractions)
    assert [f.value * 100 for f in fractions] == ps
    # percent numbers with any value above 1 are left as they are
    if any(p > 1 for p in ps):
        assert not decide_percent_column([parse_value(str(p), "%") for p in ps])


@settings(max_examples=300, deadline=None)
@given(i=st.integers(0, len(LEAGUES) - 1), pad_l=spaces, pad_r=spaces,
       form=st.sampled_from(["name", "core", "code_text", "code_int", "code_float"]))
def test_property_league_variants_resolve(i, pad_l, pad_r, form):
    row = LEAGUES.iloc[i]
    name, code = row["name_zh"], row["adcode"]
    raw = {"name": pad_l + name + pad_r, "core": pad_l + name[:-1] + pad_r, "code_text": pad_l + code + pad_r,
           "code_int": int(code), "code_float": float(code)}[form]
    assert AREAS.resolve(raw).adcode == code


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("呼和浩特包头市盟县旗区乌海兴安锡林阿拉善 1500\u3000")), max_size=8))
def test_property_area_resolution_never_guesses(text):
    """Any text resolves to nothing, a total, or an area whose own name/alias/code it spells."""
    from nmgdash.ingest.catalogue import norm_text
    from nmgdash.ingest.normalize import LEAGUE_ALIASES

    m = AREAS.resolve(text)
    if m.adcode:
        key = norm_text(text)
        name = CAT.area_name(m.adcode)
        assert key in (norm_text(name), norm_text(name[:-1]), m.adcode) or LEAGUE_ALIASES.get(key) == m.adcode


def test_parsed_default_is_empty():
    assert Parsed().value is None
