"""One registry per concept, and they agree: indicators (data/indicators.csv), topics (data/topics.toml),
strings (nmgdash.core.i18n) and the importer's units. (The committed sample file is checked against
its generator in tests/test_sample.py.)"""

from __future__ import annotations

import pandas as pd
import pytest

from nmgdash.core import i18n, topics
from nmgdash.core.settings import DATA_DIR
from nmgdash.ingest import catalogue
from nmgdash.storage import build

IND = pd.read_csv(DATA_DIR / "indicators.csv", dtype=str, keep_default_na=False)
REG = topics.registry()


def importable_league_indicators() -> set[str]:
    """League- and county-level indicators a league report carries (not reference data, not derived)."""
    keep = IND["lowest_level"].isin(["league", "county"]) & ~IND["category"].isin(catalogue.REFERENCE_CATEGORIES)
    return set(IND.loc[keep, "indicator_id"]) - build.DERIVED_INDICATORS


def test_every_importable_league_indicator_is_on_a_topic():
    on_maps = {i for p in REG.pages for i in p.map}
    assert importable_league_indicators() - on_maps == set()


def test_registry_names_only_catalogue_indicators():
    assert REG.indicators() - set(IND["indicator_id"]) == set()
    for p in REG.pages:
        assert set(p.map) <= set(IND.loc[IND["lowest_level"].isin(["league", "county"]), "indicator_id"]), p.key


def test_every_unit_is_known_to_the_importer():
    known = {"%"} | catalogue.COUNT_UNITS | set(catalogue.MONEY_UNITS) | catalogue.AMOUNT_UNITS
    assert set(IND["unit"]) - known == set()


def test_every_page_has_a_title_in_both_languages_and_a_way_to_render():
    for p in REG.pages:
        zh, en = i18n.TEXT[p.key]
        assert zh.strip() and en.strip(), p.key
        assert p.layout == "topic" or (build.DATA_DIR.parent / "pages" / f"{p.key}.py").exists(), p.key
        if p.caption:
            assert all(s.strip() for s in i18n.TEXT[p.caption])


def test_every_string_has_both_languages():
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    assert set(zh) ^ set(en) == set()
    assert [k for k in zh if not zh[k].strip() or not en[k].strip()] == []


def test_placeholders_agree_between_languages():
    import string

    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    assert [k for k in zh if fields(zh[k]) != fields(en[k])] == []


def test_slide_sequence_follows_the_registry():
    assert REG.slide_sequence() == ["headline", "funding", "staffing", "hubs", "leadership", "reforms", "innovations"]
    for p in REG.pages:
        if p.slide == "topic":
            assert p.slide_indicator in p.map and 1 <= len(p.slide_numbers) <= 3


@pytest.mark.parametrize("bad", [
    'key = "x"\nicon = "i"\nlayout = "topic"\n',                  # a topic page without indicators
    'key = "x"\nicon = "i"\nlayout = "custom"\nmap_default = "hubs"\n',  # hubs belongs to /hubs
    'key = "x"\nicon = "i"\nlayout = "grid"\n',                   # unknown layout
    'key = "x"\nicon = "i"\ncolour = "red"\n',                     # unknown field
])
def test_a_bad_registry_entry_is_refused(bad):
    text = (DATA_DIR / "topics.toml").read_text(encoding="utf-8") + "\n[[page]]\n" + bad
    with pytest.raises(ValueError):
        topics.parse(text)


def test_an_indicator_whose_topic_is_no_page_is_refused():
    text = (DATA_DIR / "topics.toml").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="nowhere"):
        topics.parse(text, indicator_topics=[*topics.catalogue_topics(), ("hubs_new", "nowhere")])


def test_map_indicators_come_from_the_catalogue_topic_column():
    staffing = REG.page("staffing")
    assert staffing.map[0] == "county_cadres"  # map_default first
    assert set(staffing.map) == set(IND.loc[IND["topic"] == "staffing", "indicator_id"])
    assert REG.page("leadership").map == ("party_reports_heard", "party_instructions", "party_events_attended",
                                          "orgs_rectified")
