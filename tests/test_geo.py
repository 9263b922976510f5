"""Boundaries: matching to Kemendagri codes, coverage simplification, cache, tiles.
(Fetch, import checks, install and rollback: test_boundaries.py.)

The boundary files are MIT third-party data that is never committed: the tests read them from
../shared/geo next to the repo (or SIPANTAU_TEST_GEO_DIR) and skip when they are not there.
Prepared layers are built once per session into a temporary cache directory.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box, shape

from sipantau import geo

NO_POLYGON = ["12.73", "12.76", "13.74", "13.75", "31.01", "33.71", "35.76"]


@pytest.fixture(scope="session")
def geo_dir() -> Path:
    default = Path(__file__).resolve().parents[1].parent / "shared" / "geo"
    path = Path(os.environ.get("SIPANTAU_TEST_GEO_DIR", default))
    if not (path / "provinces.geojson").exists() or not (path / "regencies.geojson").exists():
        pytest.skip(f"boundary files not found in {path} (set SIPANTAU_TEST_GEO_DIR); they are never committed")
    return path


@pytest.fixture(scope="session", autouse=True)
def geo_cache(tmp_path_factory) -> Path:
    """All prepared layers of the session go to one temp cache, never to data/cache/geo."""
    path = tmp_path_factory.mktemp("geo-cache")
    old = os.environ.get("SIPANTAU_GEO_CACHE_DIR")
    os.environ["SIPANTAU_GEO_CACHE_DIR"] = str(path)
    geo.clear_memory_cache()
    yield path
    if old is None:
        os.environ.pop("SIPANTAU_GEO_CACHE_DIR", None)
    else:
        os.environ["SIPANTAU_GEO_CACHE_DIR"] = old
    geo.clear_memory_cache()


@pytest.fixture(scope="session")
def regions() -> pd.DataFrame:
    return geo.read_regions()


@pytest.fixture(scope="session")
def provinces(geo_dir, regions) -> geo.MatchResult:
    return geo.province_matches(geo_dir, regions)


@pytest.fixture(scope="session")
def regencies(geo_dir, regions) -> geo.MatchResult:
    return geo.regency_matches(geo_dir, regions)


@pytest.fixture(scope="session")
def static_files(geo_dir, tmp_path_factory) -> dict[str, Path]:
    """Every prepared layer (national + 38 per-province), written once for the session."""
    out = tmp_path_factory.mktemp("static")
    return {p.name: p for p in geo.write_static_geojson(out, geo_dir)}


def _geoms(collection: dict) -> tuple[list[str], np.ndarray]:
    ids = [f["id"] for f in collection["features"]]
    return ids, np.array([shape(f["geometry"]) for f in collection["features"]], dtype=object)


def _code(regions: pd.DataFrame, name: str) -> str:
    return regions.loc[regions["name"] == name, "code"].item()


# ----------------------------------------------------------------------------- matching


def test_all_38_provinces_match_by_code(provinces, regions):
    province_codes = set(regions.loc[regions["level"] == "province", "code"])
    assert len(province_codes) == 38
    assert set(provinces.matched["code"]) == province_codes
    assert provinces.matched["code"].is_unique
    assert provinces.unmatched.empty and provinces.without_boundary.empty


def test_regencies_match_with_unique_codes(regencies, regions):
    matched = regencies.matched
    assert len(matched) >= 507
    assert matched["code"].is_unique and regencies.duplicates.empty
    assert regencies.unmatched.empty, regencies.unmatched.to_string()
    assert set(matched["code"]) <= set(regions.loc[regions["level"] == "regency", "code"])
    # each polygon stays in the province its source says
    parents = dict(zip(regions["code"], regions["parent_code"]))
    assert all(parents[c] == c[:2] for c in matched["code"])


def test_the_seven_regions_without_polygon_are_listed(regencies, regions):
    assert list(regencies.without_boundary["code"]) == NO_POLYGON
    assert list(geo.regions_without_boundary(regencies.matched, regions)["code"]) == NO_POLYGON
    assert len(regencies.matched) + len(NO_POLYGON) == (regions["level"] == "regency").sum()


def test_kabupaten_and_kota_bandung_get_different_codes(regencies, regions):
    by_code = regencies.matched.set_index("code")
    kab, kota = _code(regions, "Kabupaten Bandung"), _code(regions, "Kota Bandung")
    assert kab != kota
    assert by_code.loc[kab, "source_name"] == "Bandung"
    assert by_code.loc[kota, "source_name"] == "Kota Bandung"


def test_jakarta_kota_administrasi_matches(regencies):
    row = regencies.matched.set_index("code").loc["31.71"]
    assert row["name"] == "Kota Administrasi Jakarta Pusat"
    assert row["source_name"] == "Kota Administrasi Jakarta Pusat"


def test_pangkajene_dan_kepulauan_is_73_10_via_alias(regencies):
    row = regencies.matched.set_index("code").loc["73.10"]
    assert row["source_name"] == "Pangkajene Kepulauan" and row["method"] == "alias"
    assert row["name"] == "Kabupaten Pangkajene dan Kepulauan"


def test_every_alias_row_is_used_and_needed(geo_dir, regions, regencies):
    aliases = geo.read_aliases()
    assert not aliases.empty
    rows = set(zip(aliases["province_code"], aliases["source_name"]))
    assert set(regencies.aliases_used) == rows
    # without the table exactly those source names stay unmatched: no row is redundant
    source = geo.read_layer(geo.source_path(geo_dir, "regency"))
    bare = geo.match_regencies(source, regions, aliases=aliases.iloc[0:0],
                               province_names=geo.layers._file_province_names(geo_dir))
    assert set(bare.unmatched["source_name"]) == set(aliases["source_name"])


def test_alias_with_unknown_code_is_refused(regencies, regions):
    bad = pd.DataFrame([{"province_code": "73", "source_name": "X", "code": "73.99", "note": ""}])
    with pytest.raises(ValueError, match="73.99"):
        geo.match_regencies(regencies.matched.iloc[:1], regions, aliases=bad)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kab. Toli-Toli", "Kabupaten Tolitoli"),
        ("Muko Muko", "Kabupaten Mukomuko"),
        ("Kota Pare Pare", "Kota Parepare"),
        ("FAK-FAK", "Kabupaten Fak Fak"),
        ("Kep. Siau Tagulandang Biaro", "Kabupaten Kepulauan Siau Tagulandang Biaro"),
        ("Kota Adm. Jakarta Pusat", "Kota Administrasi Jakarta Pusat"),
    ],
)
def test_name_normalisation(a, b):
    assert geo.regency_key(a) == geo.regency_key(b)


def test_kind_is_kept_and_kota_prefix_needs_a_whole_word():
    assert geo.regency_key("Bandung") != geo.regency_key("Kota Bandung")
    assert geo.regency_key("Kotabaru") == ("kabupaten", "kotabaru")
    assert geo.regency_key("Kotawaringin Barat")[0] == "kabupaten"


@pytest.mark.parametrize(
    "name", ["DKI Jakarta", "Daerah Khusus Ibukota Jakarta", "Provinsi DKI Jakarta", "jakarta", "D.K.I. Jakarta",
             "Jakarta Raya", "DKI"]
)
def test_province_name_variants(regions, name):
    assert geo.province_lookup(regions)[geo.province_key(name)] == "31"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("DI Yogyakarta", "34"), ("Daerah Istimewa Yogyakarta", "34"), ("D.I. Yogyakarta", "34"), ("DIY", "34"),
        ("Jogjakarta", "34"), ("Nanggroe Aceh Darussalam", "11"), ("Provinsi Nanggroe Aceh Darussalam", "11"),
        ("NAD", "11"), ("Irian Jaya Barat", "92"), ("Irian Jaya", "91"), ("Bangka-Belitung", "19"),
        ("Kepulauan Bangka Belitung", "19"), ("Sumatra Utara", "12"), ("NTT", "53"), ("Papua Barat Daya", "96"),
    ],
)
def test_older_and_other_province_spellings(regions, name, code):
    assert geo.province_lookup(regions)[geo.province_key(name)] == code


def test_every_province_alias_row_resolves_to_its_code_and_has_a_note(regions):
    aliases = geo.read_province_aliases()
    assert list(aliases.columns) == ["source_name", "code", "note"]
    lookup = geo.province_lookup(regions)
    assert all(lookup[geo.province_key(n)] == c for n, c in zip(aliases["source_name"], aliases["code"]))
    assert aliases["note"].str.strip().ne("").all()
    assert aliases["source_name"].map(geo.province_key).is_unique


def test_province_alias_that_names_another_province_or_an_unknown_code_is_refused(regions):
    bad_code = pd.DataFrame([{"source_name": "Atlantis", "code": "99", "note": "x"}])
    with pytest.raises(ValueError, match="99"):
        geo.province_lookup(regions, aliases=bad_code)
    other = pd.DataFrame([{"source_name": "Jawa Barat", "code": "33", "note": "x"}])
    with pytest.raises(ValueError, match="Jawa Barat"):
        geo.province_lookup(regions, aliases=other)


def _frame(**columns) -> gpd.GeoDataFrame:
    size = len(next(iter(columns.values())))
    squares = [box(100 + i, 0, 100.5 + i, 0.5) for i in range(size)]
    return gpd.GeoDataFrame(columns, geometry=squares, crs=4326)


def test_province_code_and_name_must_agree(regions):
    source = _frame(KD=["73", "76", "9401", "32"], NAMA=["Sulawesi Barat", "Sulawesi Barat", "Papua", "Jabar X"])
    result = geo.match_provinces(source, regions, code_field="KD", name_field="NAMA")
    # 32: the name is unknown, the code decides; 91: "9401" is no province code, the name decides
    assert list(result.matched["code"]) == ["32", "76", "91"]
    assert list(result.unmatched["kind"]) == ["conflict"]
    conflict = result.conflicts.set_index("source_code").loc["73"]
    assert conflict["source_name"] == "Sulawesi Barat" and conflict["candidate"] == "76 Sulawesi Barat"
    assert "73 Sulawesi Selatan" in conflict["reason"] and "76 Sulawesi Barat" in conflict["reason"]
    notes = result.notes.set_index("code")["note"]
    assert "tidak dikenali" in notes["32"] and "'9401' bukan kode provinsi" in notes["91"]


def test_old_bps_papua_code_is_a_conflict_with_a_papua_hint(regions):
    source = _frame(KD=["94"], NAMA=["Papua"])
    result = geo.match_provinces(source, regions, code_field="KD", name_field="NAMA")
    assert result.matched.empty and result.papua_2022
    assert "Papua 2022" in result.conflicts["reason"].item()


def test_regency_code_is_cross_checked_by_name_across_provinces(regions):
    # 76.02 is Mamuju; the name says Kota Makassar (73.71), even with no province field
    source = _frame(KODE=["7602", "7371", "7399"], NAMA=["Kota Makassar", "Kota Makassar", "Kota Atlantis"])
    result = geo.match_regencies(source, regions, code_field="KODE", name_field="NAMA", province_field=None)
    assert list(result.matched["code"]) == ["73.71"]
    assert result.conflicts["candidate"].item() == "73.71 Kota Makassar"
    unknown = result.unmatched[result.unmatched["kind"] == "unknown"].iloc[0]
    assert unknown["source_code"] == "7399" and "kode 73.99 tidak ada" in unknown["reason"]


def test_unmatched_lines_say_code_and_reason_in_code_mode(regions):
    source = _frame(KODE=["7310", "73.99", "x1"])
    result = geo.match_regencies(source, regions, code_field="KODE", name_field=None, province_field=None)
    assert list(result.matched["code"]) == ["73.10"]
    reasons = dict(zip(result.unmatched["source_code"], result.unmatched["reason"]))
    assert reasons == {"73.99": "kode 73.99 tidak ada di data wilayah Kemendagri",
                       "x1": "kode 'x1' bukan kode kabupaten/kota 4 angka (73.10 atau 7310)"}


def test_regency_of_old_papua_is_matched_to_its_new_province(regions):
    source = _frame(KAB=["Merauke", "Sorong", "Jayapura"], PROV=["Papua", "Papua Barat", "Papua"])
    result = geo.match_regencies(source, regions, name_field="KAB", province_field="PROV")
    assert list(result.matched["code"]) == ["91.03", "93.01", "96.01"]
    assert result.papua_2022
    assert set(result.matched.set_index("code")["method"]) >= {"papua_2022"}
    assert any("Papua Selatan" in n for n in result.notes["note"])


def test_codes_normalise():
    assert geo.normalise_code("7310", "regency") == "73.10"
    assert geo.normalise_code(73.0, "province") == "73"
    assert geo.normalise_code("73.10", "province") is None


# ----------------------------------------------------------------------------- simplified coverage


@pytest.mark.parametrize("level", ["province", "regency"])
def test_simplified_coverage_is_valid_without_overlaps_or_new_gaps(geo_dir, provinces, regencies, level):
    ids, geoms = _geoms(geo.prepared_geojson(level, directory=geo_dir))
    source = (provinces if level == "province" else regencies).matched.geometry.values
    assert len(ids) == len(source) and len(set(ids)) == len(ids)
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]])).sum()
    assert overlap < 1e-9
    union, source_union = shapely.union_all(geoms), shapely.union_all(source)
    assert union.area == pytest.approx(source_union.area, rel=0.005)  # only coastlines move
    assert union.area == pytest.approx(shapely.area(geoms).sum(), rel=1e-9)  # nothing counted twice

    def holes(g):
        return [Polygon(r) for p in shapely.get_parts(g) for r in p.interiors]

    source_holes = holes(shapely.union_all(shapely.coverage_clean(shapely.set_precision(source, geo.GRID))))
    new_holes = holes(union)
    assert len(new_holes) <= len(source_holes)
    assert sum(h.area for h in new_holes) <= sum(h.area for h in source_holes) + 1e-6


@pytest.mark.parametrize(
    ("level", "a", "b"),
    [
        ("province", "32", "33"),  # Jawa Barat | Jawa Tengah
        ("province", "61", "62"),  # Kalimantan Barat | Kalimantan Tengah
        ("province", "91", "95"),  # Papua | Papua Pegunungan
        ("regency", "32.04", "32.73"),  # Kabupaten Bandung | Kota Bandung
        ("regency", "73.71", "73.06"),  # Kota Makassar | Kabupaten Gowa
    ],
)
def test_neighbours_share_a_border_line(geo_dir, level, a, b):
    ids, geoms = _geoms(geo.prepared_geojson(level, directory=geo_dir))
    border = geoms[ids.index(a)].intersection(geoms[ids.index(b)])
    assert shapely.get_dimensions(border) == 1 and border.length > 0.01
    assert border.area == 0


def test_features_carry_code_and_name(geo_dir):
    collection = geo.prepared_geojson("regency", "73", directory=geo_dir)
    feature = next(f for f in collection["features"] if f["id"] == "73.10")
    assert feature["properties"] == {"code": "73.10", "name": "Kabupaten Pangkajene dan Kepulauan"}
    assert all(f["id"].startswith("73.") for f in collection["features"])
    assert collection["attribution"] == geo.ATTRIBUTION


def test_coordinates_have_at_most_four_decimals(geo_dir):
    text = geo.layer_file("province", directory=geo_dir).read_text()
    numbers = [n for n in text.replace("[", ",").replace("]", ",").split(",") if n[:1].isdigit() or n[:1] == "-"]
    assert numbers and max(len(n.split(".")[1]) if "." in n else 0 for n in numbers) <= 4


def test_orientation_is_a_parameter():
    squares = [box(0, 0, 1, 1), box(1, 0, 2, 1)]
    cw = geo.simplify_coverage(squares, 0.0, exterior_cw=True)
    ccw = geo.simplify_coverage(squares, 0.0, exterior_cw=False)
    assert not any(g.exterior.is_ccw for g in cw)
    assert all(g.exterior.is_ccw for g in ccw)


def test_sizes_stay_within_budget(static_files):
    assert static_files["provinces.geojson"].stat().st_size <= 200_000
    assert static_files["regencies.geojson"].stat().st_size <= 600_000
    per_province = [p for n, p in static_files.items() if n.startswith("regencies-")]
    assert len(per_province) == 38
    assert max(p.stat().st_size for p in per_province) <= 120_000


# ----------------------------------------------------------------------------- cache + static files


def test_second_call_is_served_from_disk_cache(geo_dir, geo_cache, monkeypatch):
    first = geo.prepared_geojson("province", directory=geo_dir)
    cached = geo.layer_file("province", directory=geo_dir)
    assert cached.exists() and cached.parent == geo_cache
    geo.clear_memory_cache()

    def no_reload(*args, **kwargs):
        raise AssertionError("source reloaded although the disk cache is fresh")

    monkeypatch.setattr(geo.layers, "load_provinces", no_reload)
    monkeypatch.setattr(geo.layers, "load_regencies", no_reload)
    assert geo.prepared_geojson("province", directory=geo_dir) == first
    assert geo.prepared_geojson("province", directory=geo_dir) is geo.prepared_geojson("province", directory=geo_dir)


def test_changed_source_invalidates_cache(geo_dir, tmp_path):
    shutil.copy(geo_dir / "provinces.geojson", tmp_path / "provinces.geojson")
    old = geo.layer_file("province", directory=tmp_path)
    stat = old.stat()
    os.utime(tmp_path / "provinces.geojson", ns=(stat.st_mtime_ns + 10**9, stat.st_mtime_ns + 10**9))
    new = geo.layer_file("province", directory=tmp_path)
    assert new != old and new.exists() and not old.exists()


def test_static_files_are_not_rewritten_when_up_to_date(geo_dir, static_files):
    target = static_files["provinces.geojson"]
    before = target.stat().st_mtime_ns
    paths = geo.write_static_geojson(target.parent, geo_dir)
    assert target.stat().st_mtime_ns == before
    assert {p.name for p in paths} >= {"provinces.geojson", "regencies.geojson", "regencies-73.geojson"}
    assert json.loads(target.read_text())["features"][0]["id"] == "11"


# ----------------------------------------------------------------------------- tile grid


def test_tile_grid_has_one_distinct_tile_per_province(regions):
    tiles = geo.province_tile_grid()
    assert list(tiles.columns) == ["code", "row", "col"]
    assert set(tiles["code"]) == set(regions.loc[regions["level"] == "province", "code"])
    assert tiles["code"].is_unique and len(set(zip(tiles["row"], tiles["col"]))) == 38
    at = tiles.set_index("code")
    assert (at.loc["11", "row"], at.loc["11", "col"]) == (0, 0)  # Aceh top-left
    papua = ["91", "92", "93", "94", "95", "96"]
    assert at.loc[papua, "col"].min() > at.drop(index=papua)["col"].max() - 1  # Papua far right
    assert at.loc[["31", "32", "33", "34", "35", "51", "52", "53"], "row"].min() >= 3  # south
