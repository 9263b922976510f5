"""Boundaries: matching to Kemendagri codes, coverage simplification, cache, tiles, fetch, import.

The boundary files are MIT third-party data that is never committed: the tests read them from
../shared/geo next to the repo (or SIPANTAU_TEST_GEO_DIR) and skip when they are not there.
Prepared layers are built once per session into a temporary cache directory.
"""

from __future__ import annotations

import hashlib
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
from typer.testing import CliRunner

from sipantau import geo
from sipantau.cli_boundaries import app

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
                               province_names=geo._file_province_names(geo_dir))
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
    "name", ["DKI Jakarta", "Daerah Khusus Ibukota Jakarta", "Provinsi DKI Jakarta", "jakarta", "D.K.I. Jakarta"]
)
def test_province_name_variants(regions, name):
    assert geo.province_lookup(regions)[geo.province_key(name)] == "31"


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

    monkeypatch.setattr(geo, "load_provinces", no_reload)
    monkeypatch.setattr(geo, "load_regencies", no_reload)
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


def test_tile_grid_geojson_squares(regions):
    ids, geoms = _geoms(geo.tile_grid_geojson(regions))
    assert len(ids) == 38 == len(set(ids))
    assert shapely.is_valid(geoms).all()
    assert np.allclose(shapely.area(geoms), shapely.area(geoms[0]))
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    assert (left == right).all()


# ----------------------------------------------------------------------------- fetch


@pytest.fixture
def mirror(geo_dir, tmp_path) -> Path:
    """A local copy laid out like the GitHub repository, served through file://."""
    root = tmp_path / "mirror"
    (root / "Geojson").mkdir(parents=True)
    for name, remote in geo.SOURCE_FILES.items():
        shutil.copy(geo_dir / name, root / remote)
    if (geo_dir / "LICENSE").exists():
        shutil.copy(geo_dir / "LICENSE", root / "LICENSE")
    return root


def test_fetch_url_is_pinned_to_the_commit():
    assert geo.source_base_url() == (
        "https://raw.githubusercontent.com/mashadinoor/Indonesia-Geojson-2026/"
        "c95911f3f23af6e01c3bf706c80e36a9f3958588/"
    )


def test_fetch_verifies_checksums(mirror, tmp_path):
    dest = tmp_path / "boundaries"
    paths = geo.fetch_boundaries(dest, base_url=mirror.as_uri())
    assert {p.name for p in paths} >= {"provinces.geojson", "regencies.geojson"}
    for path in paths:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == geo.SHA256[path.name]


def test_fetch_refuses_bad_checksum_and_removes_partial_file(mirror, tmp_path):
    remote = mirror / geo.SOURCE_FILES["regencies.geojson"]
    remote.write_bytes(remote.read_bytes().replace(b"Makassar", b"Makasar"))
    dest = tmp_path / "boundaries"
    with pytest.raises(geo.ChecksumError):
        geo.fetch_boundaries(dest, base_url=mirror.as_uri())
    assert not (dest / "regencies.geojson").exists()
    assert not list(dest.glob("*.part"))
    result = CliRunner().invoke(app, ["fetch", "--dest", str(dest), "--base-url", mirror.as_uri()])
    assert result.exit_code == 1 and "Ditolak" in result.output


def test_fetch_with_monkeypatched_opener_builds_github_urls(tmp_path, geo_dir):
    seen = []

    def opener(url, timeout):
        seen.append(url)
        name = next((n for n, r in {**geo.SOURCE_FILES, **geo.OPTIONAL_SOURCE_FILES}.items() if url.endswith(r)))
        return open(geo_dir / name, "rb")

    geo.fetch_boundaries(tmp_path, opener=opener)
    assert seen[0] == geo.source_base_url() + "Geojson/indonesia_provinsi.geojson"


# ----------------------------------------------------------------------------- import


def test_import_by_name_round_trips(tmp_path, regions):
    squares = {"Kab. Bandung": box(107.4, -7.2, 107.5, -7.1), "KOTA BANDUNG": box(107.5, -7.2, 107.6, -7.1),
               "Pangkajene Kepulauan": box(119.5, -4.9, 119.6, -4.8), "Kota Atlantis": box(100, 0, 100.1, 0.1)}
    provinces = ["Jawa Barat", "Provinsi Jawa Barat", "Sulawesi Selatan", "Jawa Barat"]
    source = gpd.GeoDataFrame({"NAMA": list(squares), "PROV": provinces}, geometry=list(squares.values()), crs=4326)
    path = tmp_path / "kab.gpkg"
    source.to_crs(3857).to_file(path, engine="pyogrio")  # a projected file: import must reproject
    dest = tmp_path / "boundaries"
    result = CliRunner().invoke(app, ["import", str(path), "--level", "regency", "--name-field", "NAMA",
                                      "--province-field", "PROV", "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    assert "Kota Atlantis" in result.output and "Cocok: 3" in result.output
    loaded = geo.load_regencies(dest, regions).set_index("code")
    assert set(loaded.index) == {"32.04", "32.73", "73.10"}
    assert loaded.loc["73.10", "geometry"].equals_exact(squares["Pangkajene Kepulauan"], tolerance=1e-6)
    raw = gpd.read_file(dest / "regencies.geojson")
    assert {"code", "name", "WADMPR", "WADMKK"} <= set(raw.columns)


def test_import_provinces_by_code_field(tmp_path, regions):
    source = gpd.GeoDataFrame({"KD": [73, "7600"]}, geometry=[box(119, -5, 120, -4), box(118, -3, 119, -2)], crs=4326)
    path = tmp_path / "prov.geojson"
    source.to_file(path, engine="pyogrio")
    result = geo.import_boundaries(path, "province", dest=tmp_path / "b", code_field="KD", regions=regions)
    assert list(result.matched["code"]) == ["73"] and len(result.unmatched) == 1
    assert list(geo.load_provinces(tmp_path / "b", regions)["code"]) == ["73"]
