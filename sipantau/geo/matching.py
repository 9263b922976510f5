"""Matching boundary features to Kemendagri codes: by code, by (province, name) through the alias
tables and normalised names, and by both, which must then agree (a conflict is never stored). The
`MatchResult` says what matched, what did not and why (in Bahasa Indonesia), which regions have no
polygon, and whether the file predates the 2022 split of Papua. Imports geopandas, pandas,
`sipantau.rules` and the package's paths and names only.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from sipantau.geo.names import (
    _compact,
    _level_rows,
    _province_code,
    normalise_code,
    province_key,
    province_lookup,
    read_aliases,
    regency_key,
)
from sipantau.geo.paths import _check_level
from sipantau.rules import clean_text

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
