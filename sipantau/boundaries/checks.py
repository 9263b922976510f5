"""The checks an import must pass before anything installed changes, each a `Check` with its
message in Bahasa Indonesia: conflicts, coverage, bounds, size, total area, location against the
installed layer, not worse than the installed layer. Imports geopandas, pyogrio, shapely, pandas, numpy,
`sipantau.geo`, `sipantau.i18n` and the package's source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio.errors
import shapely

from sipantau import geo
from sipantau.boundaries.source import INDONESIA_BOX, NOUNS, _swap_hint
from sipantau.i18n import number, percent

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
