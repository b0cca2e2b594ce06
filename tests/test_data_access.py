"""Caches derived from files follow their files: a rebuilt database (``make rebuild`` or an import
under a running server), a changed map_labels.csv or boundary file is picked up on the next call,
with no restart. Run outside a Streamlit server (the caches still work in bare mode)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import streamlit as st

from nmgdash.storage import build
from nmgdash.ui import data


@pytest.fixture(autouse=True)
def _fresh_caches(con):
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def test_a_rebuild_under_a_running_app_is_seen_on_the_next_query(monkeypatch, tmp_path):
    path = tmp_path / "reform.duckdb"
    monkeypatch.setenv("NMGDASH_DB", str(path))
    build.build_database(path)
    before = data.version()
    hubs = data.query("region_figures", indicator_ids=("hubs",), published_only=False)
    assert int(hubs["value"].iloc[-1]) == 1042
    build.build_database(path)  # what `make rebuild` (or a commit of an import) does
    assert data.version() != before  # the cached results are keyed on the build, so they are not reused
    again = data.query("region_figures", indicator_ids=("hubs",), published_only=False)
    assert int(again["value"].iloc[-1]) == 1042


def test_label_offsets_follow_their_file(monkeypatch, tmp_path):
    shutil.copy(data.DATA_DIR / "map_labels.csv", tmp_path / "map_labels.csv")
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    first = data.label_offsets()
    frame = pd.read_csv(tmp_path / "map_labels.csv", dtype={"adcode": str})
    frame.loc[0, "dx_km"] = float(frame.loc[0, "dx_km"]) + 123.0
    frame.to_csv(tmp_path / "map_labels.csv", index=False)
    second = data.label_offsets()
    code = frame.loc[0, "adcode"]
    assert second[code][0] == pytest.approx(first[code][0] + 123.0)


def test_boundaries_follow_their_file(monkeypatch, tmp_path):
    geo_dir = tmp_path / "geo"
    shutil.copytree(data.GEO_DIR, geo_dir)
    monkeypatch.setattr(data, "GEO_DIR", geo_dir)
    from nmgdash.core import geo

    monkeypatch.setattr(geo, "GEO_DIR", geo_dir, raising=False)
    first = data.shapes("league")
    assert len(first.paths) == 12
    (geo_dir / "leagues.geojson").write_text((geo_dir / "leagues.geojson").read_text() + "\n")  # touched
    second = data.shapes("league")
    assert second is not first  # a changed file is loaded again, not served from the cache
