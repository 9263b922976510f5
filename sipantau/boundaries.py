"""Boundary files into the boundaries directory, so that a bad file cannot silently replace a good one.

`fetch` installs the pinned reference copy (SHA-256 checked). `import_boundaries` takes any
GeoJSON/Shapefile/GeoPackage, matches it to Kemendagri codes (`geo`) and checks it before anything
installed changes:

- code and name agree for every feature that has both (`geo` matching: conflicts are never stored);
- at least MIN_SHARE of the level's regions match;
- every feature lies in Indonesia (INDONESIA_BOX), after reprojection from the CRS the file declares;
  a file without CRS must hold longitude/latitude;
- the polygons have the size of the level (median area) and together the size of Indonesia;
- each polygon lies where the installed layer has its region (codes of another numbering, swaps);
- the new layer matches at least as many regions as the installed one.

A refusal changes nothing. `force` installs anyway (conflicting features are still left out). An
install writes a temp file, fsyncs it and renames it over the layer, keeps the layer it replaces
in `previous/` (for `rollback`), records the attribution in the `<stem>.meta.json` sidecar and
drops the prepared layers built from the old file. Messages are in Bahasa Indonesia.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio.errors
import pyproj
import shapely

from sipantau import geo
from sipantau.i18n import number, percent
from sipantau.rules import clean_text

# Share of the level's regions a file must match: 35 of 38 provinces, 463 of 514 regencies/cities.
# The reference copy matches 38 and 507 (98.6 %); a file for one province, or a province file
# read as regencies (3 matches seen), is far below. A pre-2022 province file (34) is below too,
# which is right: its "Papua" polygon covers four of today's provinces.
MIN_SHARE = 0.90
SHARE = percent(MIN_SHARE * 100, digits=0)
# Median polygon area per level, measured on the reference copy (EPSG:6933, equal area): provinces
# 43,600 km², regencies/cities 1,900 km². The two differ 23-fold, so a factor of 3 either way
# separates the levels and still allows coarser or finer generalisation of the same boundaries.
REFERENCE_MEDIAN_KM2 = {"province": 43_600.0, "regency": 1_900.0}
AREA_FACTOR = 3.0
# Land area the reference copy covers (provinces 1,885,000 km², regencies 1,878,000 km²; BPS gives
# 1,905,000 km²). A complete file outside a factor of 2 is scaled, in other units, or doubled.
INDONESIA_KM2 = 1_890_000.0
TOTAL_FACTOR = 2.0
EQUAL_AREA_CRS = "EPSG:6933"
# Indonesia reaches 95.0–141.0° E and 11.0° S–6.1° N; one degree of margin (west, south, east, north).
INDONESIA_BOX = (94.0, -12.0, 142.0, 7.0)
PREVIOUS_DIR = "previous"
MAX_ATTRIBUTION = 300  # one line under a map
# Every file that makes up a layer, so that a Shapefile's siblings move together with it.
LAYER_SUFFIXES = (*geo.SUFFIXES, ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", geo.META_SUFFIX)
NOUNS = {"province": "provinsi", "regency": "kabupaten/kota"}


class Refused(ValueError):
    """The input cannot be imported at all (unreadable, no CRS, missing column): nothing changed."""


class ChecksumError(ValueError):
    """A downloaded file is not the pinned one."""


@dataclass
class Check:
    name: str  # conflicts, coverage, bounds, size, total, location, not_worse
    passed: bool
    message: str


@dataclass
class ImportReport:
    level: str
    source: gpd.GeoDataFrame  # the file as read, in EPSG:4326; `_feature` = row number in the file
    result: geo.MatchResult
    checks: list[Check]
    target: Path
    crs: str  # as the file declared it (or --crs)
    installed: bool = False
    installed_before: int | None = None  # regions the replaced layer matched
    dropped: int = 0  # features without polygonal geometry
    failed: list[Check] = field(default_factory=list)


# --------------------------------------------------------------------------- reading


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


# --------------------------------------------------------------------------- checks


def _check_conflicts(result: geo.MatchResult, noun: str) -> Check:
    conflicts = result.conflicts
    if conflicts.empty:
        return Check("conflicts", True, "Kode dan nama sesuai untuk setiap fitur yang punya keduanya.")
    examples = "; ".join(f"'{r.source_code}' / '{r.source_name}'" for r in conflicts.head(3).itertuples())
    return Check("conflicts", False,
                 f"{len(conflicts)} fitur dengan kode dan nama yang menunjuk {noun} berbeda (mis. {examples}): "
                 "kode tertukar, atau penomoran lain (mis. BPS). Lihat daftar 'Tidak cocok'; fitur ini tidak "
                 "disimpan, juga dengan --force.")


def _check_coverage(result: geo.MatchResult, level: str, regions: pd.DataFrame) -> Check:
    total = int((regions["level"] == level).sum())
    need = math.ceil(MIN_SHARE * total)
    have = len(result.matched)
    noun = NOUNS[level]
    if have >= need:
        return Check("coverage", True, f"{have} dari {total} {noun} cocok (minimal {need}, {SHARE}).")
    other = "province" if level == "regency" else "regency"
    return Check("coverage", False,
                 f"Hanya {have} dari {total} {noun} cocok; minimal {need} ({SHARE}) untuk --level {level}. "
                 f"Periksa --level (berkas {NOUNS[other]}?) dan kolom kode/nama yang dipilih.")


def _check_bounds(source: gpd.GeoDataFrame, declared: str) -> Check:
    w, s, e, n = INDONESIA_BOX
    b = source.geometry.bounds
    inside = (b["minx"] >= w) & (b["maxx"] <= e) & (b["miny"] >= s) & (b["maxy"] <= n)
    if inside.all():
        return Check("bounds", True, "Semua fitur di dalam wilayah Indonesia.")
    finite = b[np.isfinite(b).all(axis=1)]
    spread = (f"sebaran berkas: bujur {finite['minx'].min():.2f} sampai {finite['maxx'].max():.2f}, lintang "
              f"{finite['miny'].min():.2f} sampai {finite['maxy'].max():.2f}"
              + _swap_hint(finite["minx"].min(), finite["miny"].min(), finite["maxx"].max(), finite["maxy"].max())
              if len(finite) else "koordinat tidak terhingga setelah diproyeksikan")
    return Check("bounds", False,
                 f"{int((~inside).sum())} dari {len(source)} fitur di luar wilayah Indonesia (bujur {w:g} sampai "
                 f"{e:g}, lintang {s:g} sampai {n:g}); {spread}. CRS berkas ({declared}) tampaknya salah: "
                 "periksa CRS/berkas .prj.")


def _areas_km2(source: gpd.GeoDataFrame) -> pd.Series:
    return source.geometry.to_crs(EQUAL_AREA_CRS).area / 1e6


def _check_size(areas: pd.Series, level: str) -> Check:
    median, expected = float(areas.median()), REFERENCE_MEDIAN_KM2[level]
    low, high = expected / AREA_FACTOR, expected * AREA_FACTOR
    noun = NOUNS[level]
    if low <= median <= high:
        return Check("size", True, f"Median luas poligon {number(median)} km² (wajar untuk {noun}).")
    other = "province" if level == "regency" else "regency"
    looks = REFERENCE_MEDIAN_KM2[other]
    like = (f"; itu ukuran {NOUNS[other]} (sekitar {number(looks)} km²)"
            if looks / AREA_FACTOR <= median <= looks * AREA_FACTOR else "")
    return Check("size", False,
                 f"Median luas poligon {number(median)} km², padahal untuk {noun} sekitar {number(expected)} km² "
                 f"(diterima {number(low)} sampai {number(high)}){like}. Periksa --level, skala dan satuan koordinat.")


def _check_total(areas: pd.Series) -> Check:
    total = float(areas.sum())
    low, high = INDONESIA_KM2 / TOTAL_FACTOR, INDONESIA_KM2 * TOTAL_FACTOR
    if low <= total <= high:
        return Check("total", True, f"Luas seluruh poligon {number(total)} km² (Indonesia sekitar {number(INDONESIA_KM2)}).")
    return Check("total", False,
                 f"Luas seluruh poligon {number(total)} km², padahal daratan Indonesia sekitar {number(INDONESIA_KM2)} km² "
                 f"(diterima {number(low)} sampai {number(high)}): berkas terskala, bersatuan lain, atau berisi poligon "
                 "ganda/tumpang tindih.")


def _containing(points: np.ndarray, reference: gpd.GeoDataFrame) -> list[set[str]]:
    """Per point, the codes of the reference polygons it lies in."""
    found: list[set[str]] = [set() for _ in points]
    codes = reference["code"].to_numpy()
    point_idx, ref_idx = shapely.STRtree(reference.geometry.values).query(points, predicate="within")
    for p, r in zip(point_idx, ref_idx):
        found[p].add(codes[r])
    return found


def _check_location(result: geo.MatchResult, reference: gpd.GeoDataFrame, level: str, same_level: bool,
                    names: dict[str, str]) -> Check:
    """A polygon's inner point must lie in its own region of the installed layer (or, for regencies
    checked against provinces, in its own province). In no region at all (sea, a gap) is fine, and so
    is a region the installed layer has no polygon for: the reference copy draws Kota Magelang inside
    Kabupaten Magelang, and a file that adds the city must not be refused for it."""
    points = result.matched.geometry.representative_point().values
    judged = set(reference["code"])
    misplaced = []
    for code, found in zip(result.matched["code"], _containing(points, reference)):
        own = code if same_level else code[:2]
        if own in judged and found and own not in found:
            misplaced.append((code, sorted(found)[0]))
    which = NOUNS[level] if same_level else "provinsi"
    if not misplaced:
        return Check("location", True, f"Letak poligon sesuai layer {which} yang terpasang.")
    examples = "; ".join(f"{c} {names.get(c, '')} terletak di {f} {names.get(f, '')}" for c, f in misplaced[:5])
    return Check("location", False,
                 f"{len(misplaced)} poligon terletak di wilayah lain menurut layer {which} yang terpasang "
                 f"(mis. {examples}): kode tampaknya mengikuti penomoran lain (mis. BPS) atau tertukar.")


def _check_not_worse(result: geo.MatchResult, before: int | None, noun: str) -> Check:
    if before is None or len(result.matched) >= before:
        return Check("not_worse", True, "Tidak lebih buruk dari layer terpasang"
                     + (f" ({before} {noun})." if before is not None else " (belum ada layer)."))
    return Check("not_worse", False,
                 f"Layer terpasang cocok {before} {noun}, berkas baru hanya {len(result.matched)}: "
                 "layer terpasang tidak diganti.")


def _installed(level: str, dest: Path, regions: pd.DataFrame) -> geo.MatchResult | None:
    """The installed layer of a level, matched like the maps match it; None when absent or broken."""
    try:
        loader = geo.province_matches if level == "province" else geo.regency_matches
        return loader(dest, regions)
    except (FileNotFoundError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError):
        return None


def _locate_unmatched(result: geo.MatchResult, source: gpd.GeoDataFrame, reference: gpd.GeoDataFrame,
                      names: dict[str, str]) -> None:
    """Unmatched features without a candidate by name get the installed region they lie in."""
    todo = result.unmatched.index[result.unmatched["candidate"] == ""]
    if not len(todo):
        return
    rows = result.unmatched.loc[todo, "feature"].astype(int).to_numpy()
    points = source.geometry.iloc[rows].representative_point().values
    for i, found in zip(todo, _containing(points, reference)):
        if found:
            code = sorted(found)[0]
            result.unmatched.loc[i, "candidate"] = f"{code} {names.get(code, '')} (letak, menurut layer terpasang)"


# --------------------------------------------------------------------------- import


def clean_attribution(text: str | None) -> str:
    """Operator text (shown on every map, as text): cleaned, one line, bounded."""
    cleaned = " ".join(clean_text(text).split())
    if not cleaned:
        raise Refused("--attribution wajib: tulis sumber dan lisensi batas wilayah, mis. "
                      "\"Batas wilayah: Badan Informasi Geospasial (2023)\". Atribusi tampil di setiap peta.")
    if len(cleaned) > MAX_ATTRIBUTION:
        raise Refused(f"--attribution terlalu panjang ({len(cleaned)} karakter, maksimal {MAX_ATTRIBUTION}).")
    return cleaned


def import_boundaries(path: Path | str, level: str, *, attribution: str | None, dest: Path | str | None = None,
                      code_field: str | None = None, name_field: str | None = None,
                      province_field: str | None = None, layer: str | None = None, crs: str | None = None,
                      force: bool = False, regions: pd.DataFrame | None = None,
                      aliases: pd.DataFrame | None = None) -> ImportReport:
    """Read, match and check a boundary file; install it only when every check passes (or `force`).
    Raises Refused when the file cannot be taken at all; a report with `installed=False` otherwise."""
    if level not in geo.LEVELS:
        raise Refused(f"--level harus 'province' atau 'regency', bukan {level!r}")
    if not code_field and not name_field:
        raise Refused("Berikan --code-field, atau --name-field (dan --province-field untuk regency).")
    attribution = clean_attribution(attribution)
    dest = Path(dest) if dest is not None else geo.boundaries_dir()
    regions = geo.read_regions() if regions is None else regions
    source, declared, dropped = read_source(path, layer, crs)
    missing = [f for f in (code_field, name_field, province_field) if f and f not in source]
    if missing:
        columns = ", ".join(str(c) for c in source.columns if c not in ("geometry", "_feature"))
        raise Refused(f"Kolom {', '.join(map(repr, missing))} tidak ada di berkas; kolom tersedia: {columns}")
    result = _match(source, level, regions, code_field, name_field, province_field, aliases)
    installed = _installed(level, dest, regions)
    report = ImportReport(level, source, result, [], dest / f"{geo.STEMS[level]}.geojson", declared,
                          installed_before=len(installed.matched) if installed else None, dropped=dropped)
    report.checks = _checks(report, installed, dest, regions)
    report.failed = [c for c in report.checks if not c.passed]
    if report.failed and not force:
        return report
    meta = {"level": level, "attribution": attribution, "source": Path(path).name, "crs": declared,
            "fields": {"code": code_field, "name": name_field, "province": province_field},
            "matched": len(result.matched), "forced": [c.name for c in report.failed]}
    install_layer(_imported_frame(result.matched, level, regions), level, dest, meta)
    report.installed = True
    return report


def _match(source: gpd.GeoDataFrame, level: str, regions: pd.DataFrame, code_field: str | None,
           name_field: str | None, province_field: str | None, aliases: pd.DataFrame | None) -> geo.MatchResult:
    if level == "province":
        return geo.match_provinces(source, regions, code_field=code_field, name_field=name_field)
    return geo.match_regencies(source, regions, name_field=name_field, code_field=code_field,
                               province_field=province_field, aliases=aliases)


def _checks(report: ImportReport, installed: geo.MatchResult | None, dest: Path, regions: pd.DataFrame) -> list[Check]:
    level, result, noun = report.level, report.result, NOUNS[report.level]
    coverage, bounds = _check_coverage(result, level, regions), _check_bounds(report.source, report.crs)
    checks = [_check_conflicts(result, noun), coverage, bounds]
    if bounds.passed:  # areas of polygons off the globe mean nothing
        areas = _areas_km2(report.source)
        checks.append(_check_size(areas, level))
        if coverage.passed:  # a partial file is meant to be smaller than Indonesia
            checks.append(_check_total(areas))
    checks += _location_checks(report, installed, dest, regions)
    checks.append(_check_not_worse(result, report.installed_before, noun))
    return checks


def _location_checks(report: ImportReport, installed: geo.MatchResult | None, dest: Path,
                     regions: pd.DataFrame) -> list[Check]:
    """Against the installed layer of the level; a first regency import against the province layer."""
    same_level = installed is not None
    if not same_level and report.level == "regency":
        installed = _installed("province", dest, regions)
    if installed is None or installed.matched.empty:
        return []
    names = dict(zip(regions["code"], regions["name"]))
    _locate_unmatched(report.result, report.source, installed.matched, names)
    return [_check_location(report.result, installed.matched, report.level, same_level, names)]


def _imported_frame(matched: gpd.GeoDataFrame, level: str, regions: pd.DataFrame) -> gpd.GeoDataFrame:
    """The loader's layout: a `code` property (preferred by the loaders) plus the source-style names."""
    names = dict(zip(regions["code"], regions["name"]))
    out = gpd.GeoDataFrame({"code": matched["code"], "name": matched["name"]}, geometry=matched.geometry.values,
                           crs=4326)
    if level == "province":
        out["KODE_PROV"], out["PROVINSI"] = out["code"], out["name"]
    else:
        out["WADMPR"] = [names.get(c[:2], "") for c in out["code"]]
        out["WADMKK"] = out["name"]
    return out


# --------------------------------------------------------------------------- install + rollback


def layer_files(directory: Path, level: str) -> list[Path]:
    """The files of a level's layer in a directory (the layer itself, Shapefile siblings, sidecar)."""
    stem = geo.STEMS[level]
    return [directory / f"{stem}{s}" for s in LAYER_SUFFIXES if (directory / f"{stem}{s}").is_file()]


def install_layer(frame: gpd.GeoDataFrame, level: str, dest: Path, meta: dict) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    staging = _staging(dest)
    try:
        staged = staging / f"{geo.STEMS[level]}.geojson"
        frame.to_file(staged, driver="GeoJSON", engine="pyogrio")
        return _install(staged, level, dest, meta)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _staging(directory: Path) -> Path:
    """A fresh hidden folder beside the layer (same file system, so the final rename is atomic);
    unique, so two imports at once never write into each other's files."""
    return Path(tempfile.mkdtemp(dir=directory, prefix=".staging-"))


def _install(staged: Path, level: str, dest: Path, meta: dict) -> Path:
    """Rename a complete, fsynced file over the layer; the replaced layer goes to previous/. Readers
    see the old layer or the new one, never a half-written file or none."""
    target = dest / f"{geo.STEMS[level]}.geojson"
    _fsync(staged)
    meta = {**meta, "installed_at": datetime.now(UTC).isoformat(timespec="seconds"), "sha256": geo.file_sha256(staged)}
    meta_staged = staged.with_name(f"{geo.STEMS[level]}{geo.META_SUFFIX}")
    meta_staged.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    _fsync(meta_staged)
    current = layer_files(dest, level)
    _keep_previous(current, dest / PREVIOUS_DIR, level)
    os.replace(staged, target)
    os.replace(meta_staged, geo.meta_path(dest, level))
    for old in current:  # e.g. a regencies.gpkg the new .geojson replaces; its copy is in previous/
        if old not in (target, geo.meta_path(dest, level)):
            old.unlink(missing_ok=True)
    _fsync(dest)
    geo.forget_prepared(level)
    return target


def _keep_previous(current: list[Path], previous: Path, level: str) -> None:
    if not current:
        return
    previous.mkdir(exist_ok=True)
    for old in layer_files(previous, level):
        old.unlink()
    for path in current:
        _link_or_copy(path, previous / path.name)
    _fsync(previous)


def rollback(level: str, dest: Path | str | None = None) -> list[Path]:
    """Swap the installed layer of a level with the one it replaced (a second rollback undoes the first)."""
    dest = Path(dest) if dest is not None else geo.boundaries_dir()
    previous = dest / PREVIOUS_DIR
    restore = layer_files(previous, level)
    if not [p for p in restore if not p.name.endswith(geo.META_SUFFIX)]:
        raise Refused(f"Tidak ada layer {NOUNS[level]} sebelumnya di {previous}: belum ada impor atau unduhan "
                      "yang menggantikan layer ini.")
    current = layer_files(dest, level)
    swap = _staging(previous)
    for path in current:
        _link_or_copy(path, swap / path.name)
    for path in restore:  # .geojson before .gpkg/.shp, so the restored layer wins as soon as it lands
        os.replace(path, dest / path.name)
    restored = {p.name for p in restore}
    for path in current:
        if path.name not in restored:
            path.unlink(missing_ok=True)
    for path in swap.iterdir():
        os.replace(path, previous / path.name)
    swap.rmdir()
    _fsync(previous)
    _fsync(dest)
    geo.forget_prepared(level)
    return [dest / name for name in sorted(restored)]


def levels_with_previous(dest: Path | str | None = None) -> list[str]:
    dest = Path(dest) if dest is not None else geo.boundaries_dir()
    return [level for level in geo.LEVELS if layer_files(dest / PREVIOUS_DIR, level)]


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link costs nothing and keeps the old bytes when the name is renamed over; copy where
    the file system has no hard links."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- fetch


def source_base_url() -> str:
    return f"https://raw.githubusercontent.com/{geo.SOURCE_REPO}/{geo.SOURCE_COMMIT}/"


def _download_verified(url: str, target: Path, sha256: str, opener: Callable) -> Path:
    """Stream to target.part while hashing; only a file with the pinned hash gets the real name."""
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with opener(url, timeout=60) as response, part.open("wb") as out:
            for chunk in iter(lambda: response.read(1 << 16), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            raise ChecksumError(
                f"SHA256 {target.name} tidak cocok: diharapkan {sha256}, didapat {digest.hexdigest()} ({url})"
            )
        os.replace(part, target)
        return target
    finally:
        part.unlink(missing_ok=True)


def fetch_boundaries(dest: Path | str | None = None, *, base_url: str | None = None,
                     opener: Callable = urllib.request.urlopen) -> list[Path]:
    """Download the pinned source files (or from a mirror/file:// base), verify their SHA256, then
    install both (previous layers kept): a failed download installs nothing."""
    dest = Path(dest) if dest is not None else geo.boundaries_dir()
    base = base_url or source_base_url()
    base = base if base.endswith("/") else base + "/"
    dest.mkdir(parents=True, exist_ok=True)
    staging = _staging(dest)
    try:
        for name, remote in geo.SOURCE_FILES.items():
            _download_verified(base + remote, staging / name, geo.SHA256[name], opener)
        paths = [_install(staging / f"{stem}.geojson", level, dest,
                          {"level": level, "attribution": geo.ATTRIBUTION,
                           "source": base + geo.SOURCE_FILES[f"{stem}.geojson"], "forced": []})
                 for level, stem in geo.STEMS.items()]
        paths += _fetch_optional(base, staging, dest, opener)
        return paths
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _fetch_optional(base: str, staging: Path, dest: Path, opener: Callable) -> list[Path]:
    paths = []
    for name, remote in geo.OPTIONAL_SOURCE_FILES.items():
        try:
            _download_verified(base + remote, staging / name, geo.SHA256[name], opener)
        except OSError as exc:  # URLError/HTTPError: licence not at that path; the data is still fine
            warnings.warn(f"{name} tidak dapat diunduh ({exc}); sertakan lisensi MIT secara manual", stacklevel=3)
            continue
        os.replace(staging / name, dest / name)
        paths.append(dest / name)
    return paths
