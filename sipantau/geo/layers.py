"""Layer files read and matched: any GeoJSON/Shapefile/GeoPackage in EPSG:4326 with repaired
polygonal geometry, and the installed layer of each level loaded as (code, name, geometry).
Imports geopandas, shapely, pandas and the package's paths, names and matching.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon

from sipantau.geo.matching import MatchResult, match_provinces, match_regencies
from sipantau.geo.names import normalise_code, read_regions
from sipantau.geo.paths import boundaries_dir, source_path


def polygonal(geom) -> Polygon | MultiPolygon | None:
    """Valid polygonal part of a geometry ('structure' keeps overlapping shells as area, where the
    default even-odd repair would punch holes); lines/points left by the repair are dropped."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    polys = [q for p in polys for q in shapely.get_parts(p)]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def read_layer(path: Path | str, layer: str | None = None) -> gpd.GeoDataFrame:
    """Any GeoJSON/Shapefile/GeoPackage, in EPSG:4326, with repaired polygonal geometry."""
    gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)  # GeoJSON without crs is WGS84 by RFC 7946
    elif gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    gdf["geometry"] = [polygonal(g) for g in gdf.geometry]
    return gdf[gdf.geometry.notna()].reset_index(drop=True)


def _file_province_names(directory: Path) -> dict[str, str]:
    """Province names as the provinces file spells them (same source as WADMPR) -> code."""
    try:
        gdf = gpd.read_file(source_path(directory, "province"), engine="pyogrio", ignore_geometry=True)
    except FileNotFoundError:
        return {}
    code_col = "code" if "code" in gdf else "KODE_PROV"
    if code_col not in gdf or "PROVINSI" not in gdf:
        return {}
    return {n: normalise_code(c, "province") for n, c in zip(gdf["PROVINSI"], gdf[code_col]) if n}


def province_matches(directory: Path | str | None = None, regions: pd.DataFrame | None = None) -> MatchResult:
    regions = read_regions() if regions is None else regions
    source = read_layer(source_path(directory, "province"))
    code_field = "code" if "code" in source else "KODE_PROV"
    return match_provinces(source, regions, code_field=code_field, name_field="PROVINSI")


def regency_matches(directory: Path | str | None = None, regions: pd.DataFrame | None = None,
                    aliases: pd.DataFrame | None = None) -> MatchResult:
    """Match the regency file; a `code` property (written by `boundaries import`) wins over names."""
    directory = Path(directory) if directory is not None else boundaries_dir()
    regions = read_regions() if regions is None else regions
    source = read_layer(source_path(directory, "regency"))
    return match_regencies(source, regions, code_field="code" if "code" in source else None,
                           aliases=aliases, province_names=_file_province_names(directory))


def _warn_unmatched(result: MatchResult, what: str) -> None:
    if len(result.unmatched):
        names = ", ".join(n or c for n, c in zip(result.unmatched["source_name"], result.unmatched["source_code"]))
        warnings.warn(f"{len(result.unmatched)} {what} tidak cocok dengan kode Kemendagri: {names}", stacklevel=3)


def load_provinces(directory: Path | str | None = None, regions: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Province polygons (code, name, geometry), EPSG:4326, repaired; unmatched ones dropped with a warning."""
    result = province_matches(directory, regions)
    _warn_unmatched(result, "provinsi")
    return result.matched[["code", "name", "geometry"]]


def load_regencies(directory: Path | str | None = None, regions: pd.DataFrame | None = None,
                   aliases: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Regency polygons (code, name, province_code, geometry), matched to Kemendagri codes."""
    result = regency_matches(directory, regions, aliases)
    _warn_unmatched(result, "kabupaten/kota")
    frame = result.matched[["code", "name", "geometry"]].copy()
    frame.insert(2, "province_code", frame["code"].str[:2])
    return frame
