"""Coverage simplification and the plain GeoJSON maps are drawn from: neighbours keep identical
borders (no gaps or slivers), coordinates on a 1e-4 degree grid (~11 m). Imports numpy, shapely
and the package's layers (geometry repair).
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Polygon, mapping

from sipantau.geo.layers import polygonal

# 1e-4 degree is ~11 m: far below what a dashboard map shows, and it shortens every coordinate.
GRID = 1e-4


def _round(geoms: np.ndarray, grid: float) -> np.ndarray:
    """Plain coordinate rounding: a vertex two neighbours share rounds the same way for both, so
    shared borders stay identical (set_precision per polygon could node them differently)."""
    decimals = max(0, round(-np.log10(grid)))
    rounded = shapely.transform(geoms, lambda xy: np.round(xy, decimals))
    bad = ~shapely.is_valid(rounded)
    rounded[bad] = [polygonal(g) for g in rounded[bad]]  # rare: a spike collapsing on the grid
    return rounded


def simplify_coverage(geoms, tolerance: float, *, grid: float = GRID, exterior_cw: bool = True) -> np.ndarray:
    """Simplify polygons as one coverage (shared borders simplified once, for both sides).

    Snap to the grid first, then `coverage_clean` makes the source a true coverage (the BIG files
    have a few overlaps and unmatched edges), then `coverage_simplify` only drops vertices, so the
    result stays on the grid. exterior_cw=True suits go.Choropleth (d3-geo); MapLibre
    (go.Choroplethmap) draws either, RFC 7946 prefers counter-clockwise (exterior_cw=False).
    """
    geoms = shapely.set_precision(np.asarray(geoms, dtype=object), grid)
    geoms = np.array([polygonal(g) or Polygon() for g in geoms], dtype=object)
    cleaned = shapely.coverage_clean(geoms)
    simple = shapely.coverage_simplify(cleaned, tolerance) if tolerance > 0 else cleaned
    return shapely.orient_polygons(_round(simple, grid), exterior_cw=exterior_cw)


def _coords(geom: dict, decimals: int) -> dict:
    """Round again at serialisation: the few vertices coverage_clean added at crossings are off-grid."""
    def walk(value):
        if isinstance(value, (tuple, list)) and value and isinstance(value[0], float):
            return [round(v, decimals) for v in value]
        return [walk(v) for v in value]

    return {"type": geom["type"], "coordinates": walk(geom["coordinates"])}


def feature_collection(codes, names, geoms, *, attribution: str | None, grid: float = GRID) -> dict:
    """Plain GeoJSON (feature id = Kemendagri code) that plotly's `featureidkey='id'` can use;
    `attribution` (the source layer's, see `attribution()`) travels with the prepared file."""
    decimals = max(0, round(-np.log10(grid)))
    features = [
        {"type": "Feature", "id": code, "properties": {"code": code, "name": name},
         "geometry": _coords(mapping(geom), decimals)}
        for code, name, geom in zip(codes, names, geoms)
        if geom is not None and not geom.is_empty
    ]
    head = {"type": "FeatureCollection"} | ({"attribution": attribution} if attribution else {})
    return {**head, "features": features}
