"""Prepared layers: matched, simplified GeoJSON per level (and per province's regencies), cached on
disk and in memory so a page pays the cost once per change of the source files, and copied for
Streamlit static serving. Imports geopandas and the package's paths, names, layers, simplify
and credit.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

import geopandas as gpd

from sipantau.geo import layers
from sipantau.geo.credit import attribution
from sipantau.geo.names import normalise_code
from sipantau.geo.paths import (
    ALIASES_CSV,
    LEVELS,
    PROVINCE_ALIASES_CSV,
    REFERENCE_DIR,
    _check_level,
    _optional_source,
    boundaries_dir,
    cache_dir,
    meta_path,
)
from sipantau.geo.simplify import GRID, feature_collection, simplify_coverage

# Visvalingam-Whyatt tolerances (degrees, ~sqrt of removed triangle area), chosen by measurement
# (bench/geo_sizes.py) to keep provinces <= ~200 kB, all regencies <= ~600 kB, one province's
# regencies <= ~120 kB. The regency source is already coarse, so one province needs none.
TOLERANCE = {"province": 0.03, "regency": 0.01, "regency_in_province": 0.0}
# Bump when the output of the pipeline changes, so old disk-cache files are not served.
CACHE_VERSION = 2  # 2: the attribution is the layer's own


def _signature(path: Path) -> list:
    """Cheap change detector for cache keys: name, size, mtime (no hashing of megabytes per call)."""
    if not path.exists():
        return [str(path), None]
    stat = path.stat()
    return [str(path.resolve()), stat.st_size, stat.st_mtime_ns]


def _layer_name(level: str, province_code: str | None) -> str:
    if level == "province":
        return "provinces"
    return f"regencies-{province_code}" if province_code else "regencies"


def _cache_key(level: str, province_code: str | None, directory: Path, exterior_cw: bool) -> str:
    sources = [_optional_source(directory, "province"), PROVINCE_ALIASES_CSV, meta_path(directory, level)]
    if level == "regency":  # aliases and WADMPR names only matter to regencies
        sources += [_optional_source(directory, "regency"), ALIASES_CSV]
    tolerance = TOLERANCE["regency_in_province" if province_code else level]
    key = {
        "version": CACHE_VERSION, "level": level, "province": province_code, "cw": exterior_cw,
        "grid": GRID, "tolerance": tolerance,
        "sources": [_signature(p) for p in sources] + [_signature(REFERENCE_DIR / "regions.csv")],
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=4)
def _matched_layer(level: str, directory: str, key: str) -> gpd.GeoDataFrame:
    """Loaded + matched source, shared by the national and all per-province regency layers;
    `key` (source signatures) makes a changed file a cache miss."""
    # Looked up on the module when called, so a test can tell whether the source was reloaded.
    loader = layers.load_provinces if level == "province" else layers.load_regencies
    return loader(Path(directory))


def _build(level: str, province_code: str | None, directory: Path, exterior_cw: bool) -> dict:
    key = _cache_key(level, None, directory, exterior_cw)
    frame = _matched_layer(level, str(directory), key)
    if province_code:
        frame = frame[frame["code"].str[:2] == province_code]
    tolerance = TOLERANCE["regency_in_province" if province_code else level]
    geoms = simplify_coverage(frame.geometry.values, tolerance, exterior_cw=exterior_cw)
    return feature_collection(list(frame["code"]), list(frame["name"]), geoms,
                              attribution=attribution(level, directory))


def layer_file(level: str, province_code: str | None = None, directory: Path | str | None = None,
               *, exterior_cw: bool = True) -> Path:
    """Path of the prepared layer in the disk cache, building it first when missing or stale."""
    level = _check_level(level)
    if province_code is not None:
        if level != "regency" or normalise_code(province_code, "province") is None:
            raise ValueError(f"province_code {province_code!r}: kode provinsi 2 angka, hanya untuk level 'regency'")
        province_code = normalise_code(province_code, "province")
    directory = Path(directory) if directory is not None else boundaries_dir()
    name = _layer_name(level, province_code)
    path = cache_dir() / f"{name}-{_cache_key(level, province_code, directory, exterior_cw)}.geojson"
    if not path.exists():
        text = json.dumps(_build(level, province_code, directory, exterior_cw), separators=(",", ":"))
        _write_atomic(path, text.encode())
        for old in path.parent.glob(f"{name}-*.geojson"):  # stale versions of this layer
            if old != path and re.fullmatch(rf"{re.escape(name)}-[0-9a-f]{{16}}\.geojson", old.name):
                old.unlink(missing_ok=True)
    return path


def _write_atomic(path: Path, data: bytes) -> None:
    """Readers (other Streamlit sessions) never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # a unique temp name: Streamlit sessions are threads of one process, so pid alone would clash
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, path)


@functools.lru_cache(maxsize=64)
def _read_layer_json(path: str) -> dict:
    return json.loads(Path(path).read_text())


def prepared_geojson(level: str, province_code: str | None = None, directory: Path | str | None = None,
                     *, exterior_cw: bool = True) -> dict:
    """GeoJSON FeatureCollection of a level (optionally one province's regencies), feature id =
    Kemendagri code, properties {code, name}. Built once per source change, then served from disk
    and memory; the dict is shared between callers, so treat it as read-only."""
    return _read_layer_json(str(layer_file(level, province_code, directory, exterior_cw=exterior_cw)))


def clear_memory_cache() -> None:
    _matched_layer.cache_clear()
    _read_layer_json.cache_clear()


def forget_prepared(level: str) -> None:
    """After an install or rollback: drop the prepared layers built from the old file (a province
    file also names the provinces the regency layers are matched with, so it drops both)."""
    names = ["regencies"] if level == "regency" else ["provinces", "regencies"]
    for old in cache_dir().glob("*.geojson"):
        if any(re.fullmatch(rf"{n}(-\d\d)?-[0-9a-f]{{16}}\.geojson", old.name) for n in names):
            old.unlink(missing_ok=True)
    clear_memory_cache()


def boundaries_version(directory: Path | str | None = None) -> str:
    """Changes whenever a layer or its sidecar changes: a cache key for callers (Streamlit caches)
    that must not keep serving the previous boundaries after an import or a rollback."""
    directory = Path(directory) if directory is not None else boundaries_dir()
    paths = [p for level in LEVELS for p in (_optional_source(directory, level), meta_path(directory, level))]
    return hashlib.sha256(json.dumps([_signature(p) for p in paths]).encode()).hexdigest()[:16]


def write_static_geojson(static_dir: Path | str, directory: Path | str | None = None,
                         *, exterior_cw: bool = True) -> list[Path]:
    """provinces.geojson, regencies.geojson and regencies-<prov>.geojson (plus the licence) for
    Streamlit static serving; files already identical are not rewritten (mtime, browser caches)."""
    static_dir = Path(static_dir)
    directory = Path(directory) if directory is not None else boundaries_dir()
    provinces = prepared_geojson("province", directory=directory, exterior_cw=exterior_cw)
    wanted = [("province", None), ("regency", None)]
    wanted += [("regency", f["id"]) for f in provinces["features"]]
    written = []
    for level, code in wanted:
        source = layer_file(level, code, directory, exterior_cw=exterior_cw)
        written.append(_copy_if_changed(source, static_dir / f"{_layer_name(level, code)}.geojson"))
    if (directory / "LICENSE").exists():
        written.append(_copy_if_changed(directory / "LICENSE", static_dir / "LICENSE-boundaries.txt"))
    return written


def _copy_if_changed(source: Path, target: Path) -> Path:
    data = source.read_bytes()
    if not (target.exists() and target.stat().st_size == len(data) and target.read_bytes() == data):
        _write_atomic(target, data)
    return target
