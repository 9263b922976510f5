"""Installing a layer so that readers see the old one or the new one, never half of either: a
staged file is fsynced and renamed over the layer, the replaced files are kept in `previous/` (for
`rollback`, which swaps them back), the attribution is recorded in the `<stem>.meta.json`
sidecar, and the prepared layers built from the old file are dropped. Imports geopandas,
`sipantau.geo`, `sipantau.rules` and the package's source.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd

from sipantau import geo
from sipantau.boundaries.source import NOUNS, Refused
from sipantau.rules import clean_text

PREVIOUS_DIR = "previous"
MAX_ATTRIBUTION = 300  # one line under a map
# Every file that makes up a layer, so that a Shapefile's siblings move together with it.
LAYER_SUFFIXES = (*geo.SUFFIXES, ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", geo.META_SUFFIX)


def clean_attribution(text: str | None) -> str:
    """Operator text (shown on every map, as text): cleaned, one line, bounded."""
    cleaned = " ".join(clean_text(text).split())
    if not cleaned:
        raise Refused("--attribution wajib: tulis sumber dan lisensi batas wilayah, mis. "
                      "\"Batas wilayah: Badan Informasi Geospasial (2023)\". Atribusi tampil di setiap peta.")
    if len(cleaned) > MAX_ATTRIBUTION:
        raise Refused(f"--attribution terlalu panjang ({len(cleaned)} karakter, maksimal {MAX_ATTRIBUTION}).")
    return cleaned


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
