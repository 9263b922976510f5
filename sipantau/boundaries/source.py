"""Reading a candidate boundary file: any GeoJSON/Shapefile/GeoPackage into EPSG:4326 with repaired
polygons, its coordinates held to the CRS it declares (or `--crs`). What cannot be taken at all
raises `Refused`, in Bahasa Indonesia. Imports geopandas, pyogrio, pyproj, numpy, `sipantau.geo`
and `sipantau.i18n` only.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio.errors
import pyproj

from sipantau import geo
from sipantau.i18n import number

# Indonesia reaches 95.0–141.0° E and 11.0° S–6.1° N; one degree of margin (west, south, east, north).
INDONESIA_BOX = (94.0, -12.0, 142.0, 7.0)
# How messages name the regions of a level.
NOUNS = {"province": "provinsi", "regency": "kabupaten/kota"}


class Refused(ValueError):
    """The input cannot be imported at all (unreadable, no CRS, missing column): nothing changed."""


def read_source(path: Path | str, layer: str | None = None, crs: str | None = None) -> tuple[gpd.GeoDataFrame, str, int]:
    """The file in EPSG:4326 with repaired polygons, the CRS it declared, and how many features had
    no polygon. Coordinates must fit the CRS: a file without CRS (GDAL reads a GeoJSON without
    "crs" as WGS84) is taken as longitude/latitude only when its coordinates are degrees."""
    path = Path(path)
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError, ValueError) as exc:
        raise Refused(f"Berkas {path.name} tidak dapat dibaca sebagai GeoJSON, Shapefile atau GeoPackage: {exc}") \
            from exc
    declared = gdf.crs.to_string() if gdf.crs is not None else "tanpa CRS"
    degrees = _in_degrees(_bounds(gdf))
    if crs:
        gdf = _declare_crs(gdf, crs, degrees)
        declared = f"{crs} (--crs)"
    elif gdf.crs is None or gdf.crs.is_geographic:
        if not degrees:
            _refuse_not_degrees(gdf, declared)
        gdf = gdf if gdf.crs is not None else gdf.set_crs(4326)
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    gdf["_feature"] = np.arange(1, len(gdf) + 1)
    gdf["geometry"] = [geo.polygonal(g) for g in gdf.geometry]
    kept = gdf[gdf.geometry.notna()].reset_index(drop=True)
    return kept, declared, len(gdf) - len(kept)


def _in_degrees(bounds: tuple[float, float, float, float]) -> bool:
    west, south, east, north = bounds
    return -180 <= west <= east <= 180 and -90 <= south <= north <= 90


def _declare_crs(gdf: gpd.GeoDataFrame, crs: str, degrees: bool) -> gpd.GeoDataFrame:
    """--crs names the CRS of a file that states none, or states lon/lat while holding metres."""
    try:
        wanted = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise Refused(f"--crs {crs!r} tidak dikenal (contoh: EPSG:4326, EPSG:32750, EPSG:23830).") from exc
    impossible = gdf.crs is not None and gdf.crs.is_geographic and not degrees
    if gdf.crs is not None and not gdf.crs.equals(wanted) and not impossible:
        raise Refused(f"Berkas menyatakan CRS {gdf.crs.to_string()}, berbeda dengan --crs {crs}. --crs hanya "
                      "untuk berkas tanpa CRS; hapus --crs, atau perbaiki CRS di berkas.")
    return gdf.set_crs(wanted, allow_override=True)


def _refuse_not_degrees(gdf: gpd.GeoDataFrame, declared: str) -> None:
    west, south, east, north = _bounds(gdf)
    said = ("tidak menyatakan sistem koordinat (CRS)" if gdf.crs is None else
            f"menyatakan CRS bujur/lintang {declared} (GeoJSON tanpa \"crs\" selalu dibaca begitu)")
    raise Refused(
        f"Berkas {said}, tetapi koordinatnya bukan bujur/lintang derajat: "
        f"x {number(west)} sampai {number(east)}, y {number(south)} sampai {number(north)}"
        f"{_swap_hint(west, south, east, north) or ' (tampaknya meter, mis. UTM atau TM-3)'}. "
        "Sertakan CRS yang benar di berkas (berkas .prj untuk Shapefile), atau sebutkan dengan --crs, "
        "mis. --crs EPSG:23830."
    )


def _bounds(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    geoms = gdf.geometry[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if geoms.empty:
        raise Refused("Berkas tidak berisi geometri.")
    return tuple(float(v) for v in geoms.total_bounds)


def _swap_hint(west: float, south: float, east: float, north: float) -> str:
    """Latitude written first: the box fits Indonesia once x and y trade places."""
    w, s, e, n = INDONESIA_BOX
    if s <= west <= east <= n and w <= south <= north <= e:
        return " (sumbu tampaknya tertukar: lintang ditulis sebelum bujur)"
    return ""
