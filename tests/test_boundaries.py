"""Boundaries import that cannot silently go wrong: checks, refusals, force, install, rollback,
attribution, fetch.

Hostile files are derived at test time from the real reference copy (../shared/geo or
SIPANTAU_TEST_GEO_DIR) into tmp_path: codes swapped or renumbered, reprojected, CRS stripped or
wrong, polygons shrunk, features dropped, Papua merged back as before 2022. Nothing is committed.
Each refusal must exit with 2 and leave every installed byte as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import typer
from shapely import affinity
from typer.testing import CliRunner

from sipantau import boundaries, charts, geo
from sipantau.cli.boundaries import app
from sipantau.cli.maps import map_command

ATTRIBUTION = "Batas wilayah: BIG (uji impor), lisensi CC-BY"


@pytest.fixture(scope="session")
def geo_dir() -> Path:
    default = Path(__file__).resolve().parents[1].parent / "shared" / "geo"
    path = Path(os.environ.get("SIPANTAU_TEST_GEO_DIR", default))
    if not (path / "provinces.geojson").exists() or not (path / "regencies.geojson").exists():
        pytest.skip(f"boundary files not found in {path} (set SIPANTAU_TEST_GEO_DIR); they are never committed")
    return path


@pytest.fixture(autouse=True)
def geo_cache(tmp_path, monkeypatch) -> Path:
    """Prepared layers of each test go to its own temp cache, never to data/cache/geo."""
    path = tmp_path / "geo-cache"
    monkeypatch.setenv("SIPANTAU_GEO_CACHE_DIR", str(path))
    geo.clear_memory_cache()
    yield path
    geo.clear_memory_cache()


@pytest.fixture(scope="session")
def regions() -> pd.DataFrame:
    return geo.read_regions()


@pytest.fixture(scope="session")
def provinces(geo_dir) -> gpd.GeoDataFrame:
    return geo.read_layer(geo_dir / "provinces.geojson")


@pytest.fixture(scope="session")
def regencies(geo_dir, regions) -> gpd.GeoDataFrame:
    """The reference regencies with their matched codes: KODE (as "7310"), NAMA, PROV."""
    matched = geo.regency_matches(geo_dir, regions).matched
    return gpd.GeoDataFrame({"KODE": matched["code"].str.replace(".", "", regex=False),
                             "NAMA": matched["source_name"], "PROV": matched["source_province"]},
                            geometry=matched.geometry.values, crs=4326)


@pytest.fixture
def installed(geo_dir, tmp_path) -> Path:
    """A boundaries directory holding the reference copy, as `boundaries fetch` leaves it."""
    dest = tmp_path / "boundaries"
    dest.mkdir()
    for name in ("provinces.geojson", "regencies.geojson", "LICENSE"):
        if (geo_dir / name).exists():
            shutil.copy(geo_dir / name, dest / name)
    return dest


def snapshot(directory: Path) -> dict[str, str]:
    """Every file under a directory and its SHA-256: what 'nothing changed' means."""
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    frame.to_file(path, engine="pyogrio")
    return path


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def import_regencies(path: Path, dest: Path, *extra: str, fields=("--code-field", "KODE", "--name-field", "NAMA",
                                                                   "--province-field", "PROV")):
    return run("import", path, "--level", "regency", *fields, "--dest", dest, "--attribution", ATTRIBUTION, *extra)


def import_provinces(path: Path, dest: Path, *extra: str, fields=("--code-field", "KODE_PROV",
                                                                   "--name-field", "PROVINSI")):
    return run("import", path, "--level", "province", *fields, "--dest", dest, "--attribution", ATTRIBUTION, *extra)


def assert_refused(result, before: dict, dest: Path, *phrases: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Ditolak" in result.output
    for phrase in phrases:
        assert phrase in result.output, result.output
    assert snapshot(dest) == before


# ----------------------------------------------------------------------------- a good file


def test_reference_regencies_pass_every_check_and_keep_the_previous_layer(geo_dir, installed, regencies, tmp_path):
    original = (installed / "regencies.geojson").read_bytes()
    result = import_regencies(write(regencies, tmp_path / "kab.gpkg"), installed)
    assert result.exit_code == 0, result.output
    assert "GAGAL" not in result.output and "Cocok: 507 kabupaten/kota" in result.output
    for name in ("conflicts", "coverage", "bounds", "size", "total", "location", "not_worse"):
        assert name not in result.output  # names of failed checks only appear in refusals
    assert (installed / boundaries.PREVIOUS_DIR / "regencies.geojson").read_bytes() == original
    assert not [p.name for p in installed.iterdir() if p.name.startswith(".")]  # no staged temp files left
    meta = geo.read_meta("regency", installed)
    assert meta["attribution"] == ATTRIBUTION and meta["matched"] == 507 and meta["forced"] == []
    assert meta["sha256"] == hashlib.sha256((installed / "regencies.geojson").read_bytes()).hexdigest()
    loaded = geo.load_regencies(installed).set_index("code")
    reference = geo.load_regencies(geo_dir).set_index("code")
    assert list(loaded.index) == list(reference.index)
    assert loaded.loc["73.10", "geometry"].equals_exact(reference.loc["73.10", "geometry"], tolerance=1e-9)


def test_a_file_with_a_region_the_installed_layer_lacks_is_not_misplaced(installed, regencies, tmp_path):
    # the reference copy has no Kota Magelang (33.71): its area is inside Kabupaten Magelang (33.08)
    city = shapely.Point(110.217, -7.475).buffer(0.02)
    kabupaten = regencies["KODE"] == "3308"
    fuller = regencies.copy()
    fuller.loc[kabupaten, "geometry"] = [g.difference(city) for g in regencies.loc[kabupaten, "geometry"]]
    fuller = pd.concat([fuller, gpd.GeoDataFrame({"KODE": ["3371"], "NAMA": ["Kota Magelang"], "PROV": ["Jawa Tengah"]},
                                                 geometry=[city], crs=4326)], ignore_index=True)
    result = import_regencies(write(fuller, tmp_path / "kab.gpkg"), installed)
    assert result.exit_code == 0, result.output
    assert "Cocok: 508 kabupaten/kota" in result.output and "GAGAL" not in result.output


def test_attribution_is_required(installed, regencies, tmp_path):
    before = snapshot(installed)
    path = write(regencies, tmp_path / "kab.gpkg")
    result = run("import", path, "--level", "regency", "--code-field", "KODE", "--dest", installed)
    assert_refused(result, before, installed, "--attribution wajib")


# ----------------------------------------------------------------------------- wrong level, numbering, swaps


def test_province_file_imported_as_regencies_is_refused(geo_dir, installed):
    before = snapshot(installed)
    result = run("import", geo_dir / "provinces.geojson", "--level", "regency", "--name-field", "PROVINSI",
                 "--province-field", "PROVINSI", "--dest", installed, "--attribution", ATTRIBUTION)
    assert_refused(result, before, installed, "Hanya 3 dari 514 kabupaten/kota cocok",
                   "itu ukuran provinsi", "Layer terpasang cocok 507 kabupaten/kota, berkas baru hanya 3")
    # every unmatched line: feature number, the name as written, why, the closest region
    assert '- fitur #32 (nama "Sulawesi Selatan", provinsi "Sulawesi Selatan"): nama \'Sulawesi Selatan\' ' \
           "tidak ditemukan di provinsi 73 Sulawesi Selatan. Terdekat: 73." in result.output


def renumbered(regencies: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Another numbering: within each province, codes handed out in alphabetical order of names."""
    frame = regencies.copy()
    for _, rows in frame.groupby(frame["KODE"].str[:2]):
        frame.loc[rows.sort_values("NAMA").index, "KODE"] = sorted(rows["KODE"])
    return frame


def test_other_numbering_with_names_is_refused(installed, regencies, tmp_path):
    other = renumbered(regencies)
    moved = int((other["KODE"] != regencies["KODE"]).sum())
    assert moved > 150
    before = snapshot(installed)
    result = import_regencies(write(other, tmp_path / "bps.gpkg"), installed)
    assert_refused(result, before, installed, f"{moved} fitur dengan kode dan nama yang menunjuk kabupaten/kota "
                                              "berbeda", "penomoran lain")


def test_other_numbering_without_names_is_caught_by_location(installed, regencies, tmp_path):
    before = snapshot(installed)
    path = write(renumbered(regencies), tmp_path / "bps.gpkg")
    result = import_regencies(path, installed, fields=("--code-field", "KODE"))
    assert_refused(result, before, installed, "poligon terletak di wilayah lain menurut layer kabupaten/kota yang "
                                              "terpasang")


def swapped(provinces: gpd.GeoDataFrame, a: str, b: str) -> gpd.GeoDataFrame:
    frame = provinces.copy()
    codes = frame["KODE_PROV"].copy()
    frame.loc[codes == a, "KODE_PROV"], frame.loc[codes == b, "KODE_PROV"] = b, a
    return frame


def test_swapped_province_codes_are_refused_by_name(installed, provinces, tmp_path):
    before = snapshot(installed)
    path = write(swapped(provinces, "73", "76"), tmp_path / "prov.geojson")
    result = import_provinces(path, installed)
    assert_refused(result, before, installed, "2 fitur dengan kode dan nama yang menunjuk provinsi berbeda")
    assert ('(kode "76", nama "Sulawesi Selatan", provinsi "Sulawesi Selatan"): kode 76 Sulawesi Barat, tetapi '
            "nama menunjuk 73 Sulawesi Selatan. Terdekat: 73 Sulawesi Selatan") in result.output


def test_swapped_province_codes_without_names_are_refused_by_location(installed, provinces, tmp_path):
    before = snapshot(installed)
    path = write(swapped(provinces, "73", "76"), tmp_path / "prov.geojson")
    result = import_provinces(path, installed, fields=("--code-field", "KODE_PROV"))
    assert_refused(result, before, installed, "2 poligon terletak di wilayah lain",
                   "73 Sulawesi Selatan terletak di 76 Sulawesi Barat")


def test_forced_import_still_leaves_conflicts_out(installed, provinces, tmp_path):
    path = write(swapped(provinces, "73", "76"), tmp_path / "prov.geojson")
    result = import_provinces(path, installed, "--force")
    assert result.exit_code == 0, result.output
    assert "Dipaksa (--force)" in result.output
    assert set(geo.load_provinces(installed)["code"]) == set(provinces["KODE_PROV"]) - {"73", "76"}
    assert geo.read_meta("province", installed)["forced"] == ["conflicts", "not_worse"]


# ----------------------------------------------------------------------------- coordinate systems


def test_declared_projected_crs_is_reprojected(installed, provinces, tmp_path):
    path = write(provinces.to_crs(3857), tmp_path / "prov-3857.gpkg")
    result = import_provinces(path, installed)
    assert result.exit_code == 0, result.output
    assert "CRS EPSG:3857" in result.output
    got = geo.load_provinces(installed).set_index("code").loc["73", "geometry"]
    want = provinces.set_index("KODE_PROV").loc["73", "geometry"]
    assert shapely.symmetric_difference(got, want).area < 1e-6 * want.area


def test_wrong_declared_crs_puts_the_file_outside_indonesia_and_is_refused(installed, provinces, tmp_path):
    # TM-3 zone 46.2 metres, declared as UTM 50S: the polygons land off Indonesia
    frame = provinces.to_crs(23830).set_crs(32750, allow_override=True)
    before = snapshot(installed)
    result = import_provinces(write(frame, tmp_path / "prov.gpkg"), installed)
    assert_refused(result, before, installed, "38 dari 38 fitur di luar wilayah Indonesia",
                   "CRS berkas (EPSG:32750) tampaknya salah")


@pytest.mark.parametrize("suffix", [".shp", ".geojson"])
def test_projected_coordinates_without_crs_are_refused(installed, provinces, tmp_path, suffix):
    frame = provinces.to_crs(23830).set_crs(None, allow_override=True)
    path = tmp_path / f"prov{suffix}"
    with pytest.warns(UserWarning, match="crs"):
        frame.to_file(path, engine="pyogrio")
    before = snapshot(installed)
    result = import_provinces(path, installed)
    said = "tidak menyatakan sistem koordinat (CRS)" if suffix == ".shp" else "GeoJSON tanpa \"crs\""
    assert_refused(result, before, installed, said, "bukan bujur/lintang derajat", "--crs")
    assert "Tidak ada yang diubah" in result.output
    fixed = import_provinces(path, installed, "--crs", "EPSG:23830")
    assert fixed.exit_code == 0, fixed.output
    assert len(geo.load_provinces(installed)) == 38


def test_latitude_first_is_named(installed, provinces, tmp_path):
    frame = provinces.set_geometry(shapely.transform(provinces.geometry.values, lambda xy: xy[:, ::-1]))
    before = snapshot(installed)
    result = import_provinces(write(frame, tmp_path / "latlon.geojson"), installed)
    assert_refused(result, before, installed, "sumbu tampaknya tertukar")


# ----------------------------------------------------------------------------- coverage, size


def test_too_few_matches_are_refused_and_can_be_forced(installed, regencies, tmp_path):
    partial = regencies[regencies["KODE"].str[:2] != "73"].iloc[:400]  # 400 of 514 < 463
    path = write(partial, tmp_path / "kab.gpkg")
    before = snapshot(installed)
    result = import_regencies(path, installed)
    assert_refused(result, before, installed, "Hanya 400 dari 514 kabupaten/kota cocok; minimal 463 (90%)")
    forced = import_regencies(path, installed, "--force")
    assert forced.exit_code == 0, forced.output
    assert "Dipaksa (--force): dipasang walau coverage, not_worse gagal" in forced.output
    assert len(geo.load_regencies(installed)) == 400


def test_a_layer_that_matches_fewer_regions_does_not_replace_a_better_one(installed, regencies, tmp_path):
    fewer = regencies.iloc[:480]  # enough for the level, fewer than the installed 507
    before = snapshot(installed)
    result = import_regencies(write(fewer, tmp_path / "kab.gpkg"), installed)
    assert_refused(result, before, installed, "Layer terpasang cocok 507 kabupaten/kota, berkas baru hanya 480")
    assert result.output.count("GAGAL") == 1


def test_polygons_of_the_wrong_size_are_refused(installed, regencies, tmp_path):
    shrunk = regencies.copy()
    shrunk["geometry"] = [affinity.scale(g, 0.4, 0.4, origin="centroid") for g in regencies.geometry]
    before = snapshot(installed)
    result = import_regencies(write(shrunk, tmp_path / "kab.gpkg"), installed)
    assert_refused(result, before, installed, "padahal untuk kabupaten/kota sekitar 1.900 km²",
                   "Luas seluruh poligon")


def test_whole_file_scaled_up_is_refused(installed, provinces, tmp_path):
    big = provinces.copy()
    big["geometry"] = [affinity.scale(g, 1.8, 1.8, origin=(118, -2)) for g in provinces.geometry]
    before = snapshot(installed)
    result = import_provinces(write(big, tmp_path / "prov.gpkg"), installed)
    assert_refused(result, before, installed, "di luar wilayah Indonesia")


# ----------------------------------------------------------------------------- old Papua


def old_papua_provinces(provinces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A pre-2022 province file: 93, 94, 95 back in Papua (91), 96 back in Papua Barat (92)."""
    old = {"93": "91", "94": "91", "95": "91", "96": "92"}
    frame = provinces[["KODE_PROV", "PROVINSI", "geometry"]].copy()
    frame["KODE_PROV"] = frame["KODE_PROV"].replace(old)
    merged = frame.dissolve(by="KODE_PROV", as_index=False)
    merged["PROVINSI"] = merged["KODE_PROV"].map({"91": "Papua", "92": "Irian Jaya Barat"}).fillna(merged["PROVINSI"])
    return merged


def test_old_papua_province_file_is_refused_with_the_2022_split_explained(installed, provinces, tmp_path):
    before = snapshot(installed)
    result = import_provinces(write(old_papua_provinces(provinces), tmp_path / "prov-2019.geojson"), installed)
    assert_refused(result, before, installed, "Hanya 34 dari 38 provinsi cocok", geo.PAPUA_HINT,
                   "UU 14/2022", "UU 29/2022")


def test_old_papua_regency_file_is_matched_by_name_to_the_new_codes(installed, regencies, tmp_path):
    old = regencies.copy()
    old["PROV"] = old["PROV"].replace({"Papua Selatan": "Papua", "Papua Tengah": "Papua",
                                       "Papua Pegunungan": "Papua", "Papua Barat Daya": "Irian Jaya Barat"})
    result = import_regencies(write(old, tmp_path / "kab-2019.gpkg"), installed,
                              fields=("--name-field", "NAMA", "--province-field", "PROV"))
    assert result.exit_code == 0, result.output
    assert geo.PAPUA_HINT in result.output
    assert "Merauke: sejak 2022 bagian dari 93 Papua Selatan, bukan 91 Papua" in result.output
    assert "93.01" in set(geo.load_regencies(installed)["code"])


def test_old_papua_regency_codes_say_so(installed, regencies, tmp_path):
    old = regencies.copy()
    old.loc[old["KODE"] == "9301", "KODE"] = "9101"  # Merauke's code before 2022
    before = snapshot(installed)
    result = import_regencies(write(old, tmp_path / "kab.gpkg"), installed, "--force",
                              fields=("--code-field", "KODE"))
    assert result.exit_code == 0 and snapshot(installed) != before
    assert ('- fitur #' in result.output and '(kode "9101"): kode 91.01 tidak ada di data wilayah Kemendagri '
            '(kode lama sebelum pemekaran Papua 2022?). Terdekat: 93.01 Kabupaten Merauke (letak, menurut layer '
            'terpasang)') in result.output
    assert geo.PAPUA_HINT in result.output


# ----------------------------------------------------------------------------- rollback


def test_rollback_restores_the_previous_layer_and_can_be_undone(geo_dir, installed, regencies, tmp_path):
    reference = (installed / "regencies.geojson").read_bytes()
    assert import_regencies(write(regencies, tmp_path / "kab.gpkg"), installed).exit_code == 0
    imported = snapshot(installed)
    assert geo.attribution("regency", installed) == ATTRIBUTION

    result = run("rollback", "--dir", installed)  # only regencies have a previous layer: no --level needed
    assert result.exit_code == 0, result.output
    assert (installed / "regencies.geojson").read_bytes() == reference
    assert not geo.meta_path(installed, "regency").exists()
    assert geo.attribution("regency", installed) == geo.ATTRIBUTION
    assert "Aktif kini: 507 kabupaten/kota cocok" in result.output

    again = run("rollback", "--level", "regency", "--dir", installed)
    assert again.exit_code == 0, again.output
    assert snapshot(installed) == imported
    assert not [p.name for p in installed.rglob(".*")]  # no staging or swap folders left


def test_rollback_without_a_previous_layer_is_refused(installed):
    before = snapshot(installed)
    result = run("rollback", "--dir", installed)
    assert_refused(result, before, installed, "sebutkan --level")
    result = run("rollback", "--level", "province", "--dir", installed)
    assert_refused(result, before, installed, "Tidak ada layer provinsi sebelumnya")


def test_install_drops_prepared_layers_of_the_old_file(installed, regencies, tmp_path, geo_cache):
    old = geo.layer_file("regency", "73", installed)
    assert geo.prepared_geojson("regency", directory=installed)["attribution"] == geo.ATTRIBUTION
    assert import_regencies(write(regencies, tmp_path / "kab.gpkg"), installed).exit_code == 0
    assert not old.exists()
    assert geo.prepared_geojson("regency", directory=installed)["attribution"] == ATTRIBUTION
    run("rollback", "--level", "regency", "--dir", installed)
    assert geo.prepared_geojson("regency", directory=installed)["attribution"] == geo.ATTRIBUTION


def test_import_replaces_a_geopackage_layer_and_rollback_brings_it_back(installed, regencies, tmp_path):
    (installed / "regencies.geojson").unlink()
    write(regencies.rename(columns={"NAMA": "WADMKK", "PROV": "WADMPR"}).drop(columns="KODE"),
          installed / "regencies.gpkg")
    gpkg = (installed / "regencies.gpkg").read_bytes()
    assert import_regencies(write(regencies, tmp_path / "kab.gpkg"), installed).exit_code == 0
    assert geo.source_path(installed, "regency").name == "regencies.geojson"
    assert not (installed / "regencies.gpkg").exists()
    assert run("rollback", "--level", "regency", "--dir", installed).exit_code == 0
    assert geo.source_path(installed, "regency").name == "regencies.gpkg"
    assert (installed / "regencies.gpkg").read_bytes() == gpkg
    assert not (installed / "regencies.geojson").exists()
    assert geo.attribution("regency", installed) == geo.UNKNOWN_ATTRIBUTION  # not the pinned copy, no record


# ----------------------------------------------------------------------------- attribution on maps


def test_a_file_dropped_in_by_hand_is_not_credited_to_the_reference_source(installed, regencies):
    assert geo.attribution("regency", installed) == geo.ATTRIBUTION
    write(regencies, installed / "regencies.geojson.tmp.gpkg")
    os.replace(installed / "regencies.geojson.tmp.gpkg", installed / "regencies.gpkg")
    (installed / "regencies.geojson").unlink()
    assert geo.attribution("regency", installed) == geo.UNKNOWN_ATTRIBUTION


def test_imported_attribution_is_shown_on_the_map_and_in_the_export(installed, regencies, tmp_path, demo_url):
    text = "Batas: Dinas <b>Uji</b> & BIG"
    path = write(regencies, tmp_path / "kab.gpkg")
    result = run("import", path, "--level", "regency", "--name-field", "NAMA", "--province-field", "PROV",
                 "--dest", installed, "--attribution", text)
    assert result.exit_code == 0, result.output
    check = run("check", "--dir", installed)
    assert f"Atribusi: {text}" in check.output and f"Atribusi: {geo.ATTRIBUTION}" in check.output

    layer = geo.prepared_geojson("regency", "73", installed)
    frame = pd.DataFrame({"region_code": ["73.10"], "level": ["regency"], "name": ["x"], "progress": [50.0]})
    shown = [a.text for a in charts.choropleth(frame, "progress", "id", layer, level="regency",
                                               province_code="73").layout.annotations]
    assert shown == ["Batas: Dinas &lt;b&gt;Uji&lt;/b&gt; &amp; BIG"]  # as text, not markup
    page = charts.choropleth(frame, "progress", "en", "/app/static/geo/regencies-73.geojson", level="regency",
                             province_code="73", attribution=geo.attribution("regency", installed),
                             bounds=charts.layer_bounds(layer))
    assert [a.text for a in page.layout.annotations] == shown

    cli = typer.Typer()
    cli.command("map")(map_command)
    cli.command("noop")(lambda: None)
    out = tmp_path / "peta.json"
    exported = CliRunner().invoke(cli, ["map", "--province", "73", "--out", str(out), "--database-url", demo_url,
                                        "--boundaries", str(installed)])
    assert exported.exit_code == 0, exported.output
    assert text in exported.output
    annotations = json.loads(out.read_text())["layout"]["annotations"]
    assert [a["text"] for a in annotations] == shown
    assert geo.ATTRIBUTION not in out.read_text()


def test_reference_copy_keeps_its_translated_attribution(geo_dir):
    layer = geo.prepared_geojson("province", None, geo_dir)
    frame = pd.DataFrame({"region_code": ["73"], "level": ["province"], "name": ["x"], "progress": [50.0]})
    english = charts.choropleth(frame, "progress", "en", layer).layout.annotations[0].text
    assert english == charts.TEXT["attribution"][1]


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
    assert boundaries.source_base_url() == (
        "https://raw.githubusercontent.com/mashadinoor/Indonesia-Geojson-2026/"
        "c95911f3f23af6e01c3bf706c80e36a9f3958588/"
    )


def test_fetch_verifies_checksums_and_keeps_the_imported_layer_as_previous(mirror, installed, regencies, tmp_path):
    assert import_regencies(write(regencies, tmp_path / "kab.gpkg"), installed).exit_code == 0
    imported = (installed / "regencies.geojson").read_bytes()
    paths = boundaries.fetch_boundaries(installed, base_url=mirror.as_uri())
    assert {p.name for p in paths} >= {"provinces.geojson", "regencies.geojson"}
    for path in paths:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == geo.SHA256[path.name]
    assert geo.attribution("regency", installed) == geo.ATTRIBUTION
    assert (installed / boundaries.PREVIOUS_DIR / "regencies.geojson").read_bytes() == imported
    assert not [p.name for p in installed.iterdir() if p.name.startswith(".")]


def test_fetch_refuses_bad_checksum_and_installs_nothing(mirror, installed):
    remote = mirror / geo.SOURCE_FILES["regencies.geojson"]
    remote.write_bytes(remote.read_bytes().replace(b"Makassar", b"Makasar"))
    before = snapshot(installed)
    with pytest.raises(boundaries.ChecksumError):
        boundaries.fetch_boundaries(installed, base_url=mirror.as_uri())
    assert snapshot(installed) == before  # provinces verified first, yet not installed alone
    result = run("fetch", "--dest", installed, "--base-url", mirror.as_uri())
    assert result.exit_code == 1 and "Ditolak" in result.output
    assert snapshot(installed) == before


def test_fetch_with_monkeypatched_opener_builds_github_urls(tmp_path, geo_dir):
    seen = []

    def opener(url, timeout):
        seen.append(url)
        name = next((n for n, r in {**geo.SOURCE_FILES, **geo.OPTIONAL_SOURCE_FILES}.items() if url.endswith(r)))
        return open(geo_dir / name, "rb")

    boundaries.fetch_boundaries(tmp_path, opener=opener)
    assert seen[0] == boundaries.source_base_url() + "Geojson/indonesia_provinsi.geojson"
