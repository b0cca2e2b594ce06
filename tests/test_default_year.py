"""The year the dashboard opens on is the latest year every league has reported (some indicator with a
value for all 12), not a year only one league has reached: one league's import or approved report for
2020 adds 2020 to the year filter but does not open every page on a nearly empty map."""

from __future__ import annotations

import pandas as pd
import pytest
from test_app import run

from nmgdash.storage import build, queries, transaction
from nmgdash.ui import data


@pytest.fixture
def one_league_2020(tmp_path, monkeypatch):
    """A private database with a 2020 青年爱里 value for 兴安盟 only (an imported batch)."""
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    build.build_database()
    rows = pd.DataFrame({"indicator_id": ["hubs"], "adcode": ["152200"], "year": [2020], "value": [80.0]})
    transaction.commit(rows, file_name="兴安盟2020.xlsx", sha256="ab" * 32, user="t", counts={"new": 1})
    con = build.connect(read_only=True)
    yield con
    con.close()


def test_a_year_one_league_reported_is_offered_not_opened(one_league_2020):
    years = [int(y) for y in queries.run(one_league_2020, "years", published_only=False)["year"]]
    assert years == [2017, 2018, 2019, 2020]
    assert int(queries.run(one_league_2020, "default_year")["year"].iloc[0]) == 2019


def test_pages_open_on_the_default_year(monkeypatch):
    monkeypatch.setattr(data, "years", lambda: [2017, 2018, 2019, 2020])
    at = run("hubs")
    assert at.radio(key="year").value == 2019 and at.radio(key="year").options == ["2017", "2018", "2019", "2020"]
    assert any("2019年全区青年爱里1042个" in m.value for m in at.markdown)  # the summary is of 2019
