"""Chinese number conventions."""

import pytest

from nmgdash.core.fmt import format_number, format_signed, format_tick, mode_unit


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (18200, "场次", "1.82万场次"),
        (470000, "人", "47万人"),
        (3193, "万元", "3193万元"),
        (31930, "万元", "3.19亿元"),
        (13483, "个", "13483个"),
        (62000, "人次", "6.2万人次"),
        (98, "%", "98%"),
        (65.5, "%", "65.5%"),
        (24049155, "人", "2404.92万人"),
        (350000000, "人", "3.5亿人"),
        (0.05293, "个/万人", "0.0529个/万人"),
        (0.5, "%", "0.5%"),
        (None, "个", "—"),
        (float("nan"), "个", "—"),
    ],
)
def test_zh(value, unit, text):
    assert format_number(value, unit) == text


def test_en_and_modes():
    assert format_number(18200, "events", "en") == "18,200 events"
    assert format_number(3193, "×10k yuan", "en") == "3,193 ×10k yuan"  # same unit as axes and tables
    assert format_signed(36.36, "%") == "+36.4%"
    assert format_signed(-5, "%") == "-5%"
    assert mode_unit("per_10k", "个", True) == "个/万人"
    assert mode_unit("yoy", "%", False) == "个百分点"
    assert mode_unit("share", "个", True) == "%"


@pytest.mark.parametrize(
    ("value", "unit", "qualifier", "pos", "lang", "text"),
    [
        (8600, "个", "余", "num", "zh", "8600余个"),
        (20, "小时", "以上", "post", "zh", "20小时以上"),
        (100, "%", "全部", "words", "zh", "全部（100%）"),
        (100, "元", "每名青年工人每年", "pre", "zh", "每名青年工人每年100元"),
        (12000, "人", "余", "num", "zh", "1.2万余人"),
        (470000, "名", None, None, "zh", "47万名"),
        (334, "家", float("nan"), float("nan"), "zh", "334家"),
        (8600, "organisations", "余", "num", "en", "8,600+ organisations"),
        (20, "hours", "以上", "post", "en", "20+ hours"),
        (100, "%", "全部", "words", "en", "all (100%)"),
        (100, "yuan per young worker per year", "每名青年工人每年", "pre", "en", "100 yuan per young worker per year"),
        (50, "units", "近", "pre", "en", "nearly 50 units"),
        (50, "units", "左右", "post", "en", "50 units (左右)"),  # no English yet: kept, never dropped
        (None, "个", "余", "num", "zh", "—"),
    ],
)
def test_format_figure_keeps_the_qualifier(value, unit, qualifier, pos, lang, text):
    from nmgdash.core.fmt import format_figure

    assert format_figure(value, unit, qualifier, pos, lang) == text


def test_format_period_and_range():
    from nmgdash.core.fmt import format_period, format_range

    assert format_period("2018-06", "2019-12", True) == "2018年6月—2019年底累计"
    assert format_period("2018-06", "2019-12", True, "en") == "cumulative, June 2018 – end 2019"
    assert format_period(None, "2019-12") == "截至2019年底"
    assert format_period(float("nan"), "2019-12", False, "en") == "as at end 2019"
    assert format_period("2018-06", "2018-06") == "2018年6月"
    assert format_period("2018-06", "2018-06", lang="en") == "June 2018"
    assert format_period("2018-06", "2019-12") == "2018年6月—2019年底"
    assert format_period(None, None, year=2019) == "2019年"
    assert format_period(None, None, lang="en", year=2018) == "2018"
    assert format_range(1, 5, "%") == "1—5%" and format_range(1, 5, "%", "en") == "1–5%"


def test_ticks_are_short():
    """Colour-bar and axis ticks: English k/M/B from 10,000 on, so they stand upright (issue 17)."""
    assert [format_tick(v, "en") for v in (400, 4000, 12000, 1_000_000, 2_500_000, 3e9)] == [
        "400", "4,000", "12k", "1M", "2.5M", "3B"]
    assert [format_tick(v, "zh") for v in (400, 1_000_000)] == ["400", "100万"]
