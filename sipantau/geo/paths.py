"""Where things are: the boundaries directory, the layer file of each level and its attribution
sidecar, the disk cache of prepared layers, and the committed reference tables. Imports the
standard library and (lazily) `sipantau.config` only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = ROOT / "data" / "reference"
ALIASES_CSV = REFERENCE_DIR / "regency_aliases.csv"
PROVINCE_ALIASES_CSV = REFERENCE_DIR / "province_aliases.csv"

LEVELS = ("province", "regency")
STEMS = {"province": "provinces", "regency": "regencies"}
SUFFIXES = (".geojson", ".gpkg", ".shp")
META_SUFFIX = ".meta.json"


def _env_path(name: str, default: Path) -> Path:
    """Env paths may be relative; they are relative to the repo, like the defaults."""
    value = os.environ.get(name)
    return _from_root(Path(value) if value else default)


def _from_root(path: Path) -> Path:
    return path if path.is_absolute() else ROOT / path


def boundaries_dir() -> Path:
    """Where boundary files live: env first (read fresh so tests can change it), then config."""
    if os.environ.get("SIPANTAU_BOUNDARIES_DIR"):
        return _env_path("SIPANTAU_BOUNDARIES_DIR", ROOT / "data" / "boundaries")
    try:  # config also reads .streamlit/secrets.toml; optional so geo works on its own
        from sipantau.config import settings

        return _from_root(settings().boundaries_dir)
    except ImportError:
        return ROOT / "data" / "boundaries"


def cache_dir() -> Path:
    """Disk cache of prepared GeoJSON (git-ignored); env override lets tests use a temp dir."""
    return _env_path("SIPANTAU_GEO_CACHE_DIR", ROOT / "data" / "cache" / "geo")


def source_path(directory: Path | str | None, level: str) -> Path:
    """The boundary file of a level: provinces/regencies with .geojson, .gpkg or .shp."""
    directory = Path(directory) if directory is not None else boundaries_dir()
    stem = STEMS[_check_level(level)]
    for suffix in SUFFIXES:
        if (directory / f"{stem}{suffix}").exists():
            return directory / f"{stem}{suffix}"
    raise FileNotFoundError(
        f"Berkas batas wilayah {stem}.geojson tidak ditemukan di {directory}. "
        "Jalankan `python -m sipantau boundaries fetch` atau `boundaries import`."
    )


def _optional_source(directory: Path, level: str) -> Path:
    try:
        return source_path(directory, level)
    except FileNotFoundError:
        return directory / f"{STEMS[level]}.geojson"


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"level harus 'province' atau 'regency', bukan {level!r}")
    return level


def meta_path(directory: Path | str | None, level: str) -> Path:
    """`<stem>.meta.json` beside the layer: attribution, source, checks of the import that installed it."""
    directory = Path(directory) if directory is not None else boundaries_dir()
    return directory / f"{STEMS[_check_level(level)]}{META_SUFFIX}"


def read_meta(level: str, directory: Path | str | None = None) -> dict:
    """The sidecar of a level, {} when missing or unreadable (then the attribution is worked out)."""
    try:
        meta = json.loads(meta_path(directory, level).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}
