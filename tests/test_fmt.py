"""Chinese number conventions."""

import pytest

from nmgdash.fmt import format_number, format_signed, mode_unit


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
