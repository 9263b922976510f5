"""Charts and the map export: offline MapLibre figures (white-bg, no tiles, no CDN), geometry by URL
or embedded, class legend, localised hover, the 38-tile map, and `python -m sipantau map`.

Boundary files are MIT third-party data, never committed: read from ../shared/geo next to the repo
(or SIPANTAU_TEST_GEO_DIR); the tests that need them skip when they are not there. One small demo
database (SQLite, 20,000 reports) is built for the module.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
import typer
from typer.testing import CliRunner

from sipantau import charts, geo, history, readiness
from sipantau.cli_map import find_chromium, map_command

ROOT = Path(__file__).resolve().parents[1]
# What a figure must never contain: tile/style/glyph servers and CDNs.
FORBIDDEN = re.compile(r"https?://|openstreetmap|carto|mapbox://|fonts\.openmaptiles|cdn\.", re.I)


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def geo_dir(tmp_path_factory) -> Path:
    default = ROOT.parent / "shared" / "geo"
    path = Path(os.environ.get("SIPANTAU_TEST_GEO_DIR", default))
    if not (path / "provinces.geojson").exists() or not (path / "regencies.geojson").exists():
        pytest.skip(f"boundary files not found in {path} (set SIPANTAU_TEST_GEO_DIR); they are never committed")
    return path


@pytest.fixture(scope="module", autouse=True)
def geo_env(tmp_path_factory):
    """Boundaries from the shared folder, prepared layers into a temp cache (never data/cache/geo)."""
    default = ROOT.parent / "shared" / "geo"
    saved = {k: os.environ.get(k) for k in ("SIPANTAU_BOUNDARIES_DIR", "SIPANTAU_GEO_CACHE_DIR")}
    os.environ["SIPANTAU_BOUNDARIES_DIR"] = os.environ.get("SIPANTAU_TEST_GEO_DIR", str(default))
    os.environ["SIPANTAU_GEO_CACHE_DIR"] = str(tmp_path_factory.mktemp("charts-geo-cache"))
    geo.clear_memory_cache()
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    geo.clear_memory_cache()


@pytest.fixture(scope="module")
def frames(demo_url) -> dict:
    from sipantau.db import make_engine

    engine = make_engine(demo_url)
    with engine.connect() as conn:
        election = str(history.elections(conn)["code"].iloc[-1])
        as_of = readiness.default_as_of(*history.election_dates(conn, election), pd.Timestamp("2030-01-01").date())
        snap = readiness.snapshot(history.load(conn, election, as_of))
        nat = readiness.national(snap)
    engine.dispose()
    offices = readiness.region_metrics(snap)
    return {"offices": offices, "provinces": readiness.province_metrics(snap, offices), "nat": nat, "snap": snap}


@pytest.fixture(scope="module")
def layers(geo_dir) -> dict:
    return {"province": geo.prepared_geojson("province", None, geo_dir),
            "regency": geo.prepared_geojson("regency", None, geo_dir),
            "73": geo.prepared_geojson("regency", "73", geo_dir)}


def _data_traces(fig: go.Figure) -> list:
    return [t for t in fig.data if t.type == "choroplethmap"]


def _locations(fig: go.Figure) -> list[str]:
    return [loc for t in _data_traces(fig) for loc in t.locations]


# ---------------------------------------------------------------------------- choropleth


@pytest.mark.parametrize("classes", [False, True])
def test_choropleth_is_offline_maplibre(frames, layers, classes):
    for fig in (charts.choropleth(frames["provinces"], "progress", "id", layers["province"], classes=classes),
                charts.choropleth(frames["offices"], "lag", "id", "/app/static/geo/regencies.geojson",
                                  level="regency", classes=classes)):
        assert {t.type for t in fig.data} == {"choroplethmap"}  # never d3-geo choropleth (CDN base map)
        assert fig.layout.map.style == "white-bg"
        text = fig.to_json()
        assert not FORBIDDEN.search(text), FORBIDDEN.search(text)
        assert '"scattermap"' not in text  # MapLibre text would need glyphs from a URL
        assert all(t.featureidkey == "id" for t in fig.data)
        assert "Badan Informasi Geospasial" in " ".join(a.text for a in fig.layout.annotations)


def test_locations_are_the_frame_codes(frames, layers):
    provinces = frames["provinces"]
    fig = charts.choropleth(provinces, "index", "id", layers["province"])
    polygons = {f["id"] for f in layers["province"]["features"]}
    assert set(_locations(fig)) == polygons
    assert set(provinces["region_code"]) <= set(_locations(fig))
    # URL mode: exactly the frame's regencies, each once
    offices = frames["offices"]
    url = charts.choropleth(offices, "progress", "id", "/static/regencies.geojson", level="regency")
    regencies = offices.loc[offices["level"] == "regency", "region_code"]
    assert sorted(_locations(url)) == sorted(regencies)
    # one province: only its regencies
    one = charts.choropleth(offices, "progress", "id", layers["73"], level="regency", province_code="73")
    assert {c[:2] for c in _locations(one)} == {"73"}
    assert "." in _locations(one)[0]


def test_url_mode_carries_no_geometry(frames):
    offices = frames["offices"]
    for metric in readiness.METRICS:
        fig = charts.choropleth(offices, metric, "id", "/app/static/geo/regencies.geojson", level="regency",
                                bounds=charts.INDONESIA_BOUNDS)
        text = fig.to_json()
        assert "coordinates" not in text
        assert len(text.encode()) < 50_000, (metric, len(text))
        assert all(t.geojson == "/app/static/geo/regencies.geojson" for t in fig.data)
        # the grey base layer under the data comes from the same URL
        assert fig.layout.map.layers[0].source == "/app/static/geo/regencies.geojson"


def test_embedded_mode_carries_each_feature_once(frames, layers):
    fig = charts.choropleth(frames["offices"], "progress", "id", layers["regency"], level="regency", classes=True)
    ids = []
    for trace in fig.data:
        feature_ids = [f["id"] for f in trace.geojson["features"]]
        assert sorted(feature_ids) == sorted(trace.locations)  # a trace holds its own regions' polygons
        assert all(f["geometry"]["coordinates"] for f in trace.geojson["features"])
        ids += feature_ids
    assert sorted(ids) == sorted(f["id"] for f in layers["regency"]["features"])
    assert len(fig.to_json().encode()) < 700_000


def test_class_colours_distinct_with_legend(frames, layers):
    fig = charts.choropleth(frames["offices"], "progress", "id", layers["regency"], level="regency", classes=True)
    assert len(set(charts.CLASS_COLORS.values()) | {charts.MISSING_COLOR}) == len(charts.CLASS_COLORS) + 1
    shown = [t for t in fig.data if t.showlegend]
    assert len(shown) >= 2
    names = {t.name for t in shown}
    assert "Sesuai jadwal" in names
    colours = [t.colorscale[0][1] for t in fig.data]
    assert len(colours) == len(set(colours))
    for t in fig.data:
        cls = t.legendgroup
        if cls in charts.CLASS_COLORS:
            assert t.colorscale[0][1] == charts.CLASS_COLORS[cls]
            assert set(frames["offices"].set_index("region_code").loc[list(t.locations), "class"]) == {cls}
    assert fig.layout.showlegend is not False


def test_hover_is_localised(frames, layers):
    provinces = frames["provinces"]
    fig_id = charts.choropleth(provinces, "progress", "id", layers["province"])
    fig_en = charts.choropleth(provinces, "progress", "en", layers["province"])
    row = provinces.dropna(subset=["progress"]).iloc[0]
    custom_id = dict(zip(fig_id.data[0].locations, fig_id.data[0].customdata))[row["region_code"]]
    custom_en = dict(zip(fig_en.data[0].locations, fig_en.data[0].customdata))[row["region_code"]]
    assert custom_id[0] == row["name"]
    assert custom_id[1] == f"{row['progress']:.1f}%".replace(".", ",")  # 85,4%
    assert custom_en[1] == f"{row['progress']:.1f}%"
    assert re.fullmatch(r"\d+ / 38", custom_id[2])
    assert "Hambatan terbuka" in fig_id.data[0].hovertemplate and "Progres tahapan" in fig_id.data[0].hovertemplate
    assert "Open obstacles" in fig_en.data[0].hovertemplate
    assert fig_id.layout.separators == ",." and fig_en.layout.separators == ".,"
    assert charts.format_value("lag", 12.34, "id") == "12,3 poin"
    assert charts.format_value("obstacles", 1234, "id") == "1.234"


def test_missing_values_are_grey(frames, layers):
    provinces = frames["provinces"].copy()
    provinces.loc[provinces["region_code"] == "73", "progress"] = float("nan")
    fig = charts.choropleth(provinces, "progress", "id", layers["province"])
    grey = [t for t in fig.data if t.colorscale[0][1] == charts.MISSING_COLOR]
    assert len(grey) == 1 and "73" in grey[0].locations and grey[0].name == "Tidak ada data"
    assert "73" not in fig.data[0].locations


def test_lower_is_better_is_reversed(frames, layers):
    lag = charts.choropleth(frames["provinces"], "lag", "id", layers["province"])
    progress = charts.choropleth(frames["provinces"], "progress", "id", layers["province"])
    assert lag.data[0].reversescale is True and progress.data[0].reversescale is False


def test_view_fits_the_layer(layers):
    center, zoom = charts.fit_view(charts.INDONESIA_BOUNDS, 680, 538)
    assert 110 < center["lon"] < 125 and -6 < center["lat"] < 1 and 2.5 < zoom < 4.5
    west, south, east, north = charts.layer_bounds(layers["73"])
    assert 117 < west < east < 123 and -8 < south < north < 0
    _, province_zoom = charts.fit_view((west, south, east, north), 680, 538)
    assert province_zoom > zoom + 1


def test_selected_codes():
    event = {"selection": {"points": [{"location": "73"}, {"customdata": ["Aceh", "1", "2", "3", "x", "11"]}]}}
    assert charts.selected_codes(event) == ["73", "11"]
    assert charts.selected_codes(None) == [] and charts.selected_codes({"selection": {"points": []}}) == []


# ---------------------------------------------------------------------------- tile map and small charts


@pytest.mark.parametrize("classes", [False, True])
def test_tile_map_has_38_tiles(frames, classes):
    fig = charts.tile_map(frames["provinces"], "progress", "id", classes, tiles=geo.province_tile_grid())
    assert len(fig.layout.shapes) == 38 == len(geo.province_tile_grid())
    tiles = fig.data[0]
    assert len(tiles.x) == 38 and {c[5] for c in tiles.customdata} == set(geo.province_tile_grid()["code"])
    assert any("Jabar" in label for label in tiles.text)
    assert not any(t.type.endswith("map") for t in fig.data)  # SVG only: no WebGL, no glyphs
    assert not FORBIDDEN.search(fig.to_json())
    if classes:
        assert {t.name for t in fig.data if t.showlegend} <= {"Sesuai jadwal", "Tertinggal", "Kritis", "Belum melapor",
                                                              "Belum dimulai", "Tidak ada data"}
        assert {s.fillcolor for s in fig.layout.shapes} <= set(charts.CLASS_COLORS.values()) | {charts.MISSING_COLOR}


def test_small_charts(frames):
    nat = frames["nat"]
    shuffled = nat.obstacles_by_severity.sample(frac=1, random_state=1)
    sev = charts.severity_bar(shuffled, "id")
    assert list(sev.layout.yaxis.categoryarray) == ["Rendah", "Sedang", "Tinggi", "Kritis"]
    assert sev.layout.yaxis.autorange == "reversed"  # rendah on top
    stage = frames["snap"].stages.iloc[-1]
    history = pd.DataFrame({"situation_date": pd.to_datetime(["2024-11-28", "2024-12-05"]), "progress": [10.0, 40.0]})
    timeline = charts.stage_timeline(history, "id", start_date=stage.start_date, end_date=stage.end_date,
                                     as_of=pd.Timestamp("2024-12-10").date())
    assert len(timeline.data) == 2 and list(timeline.data[0].y) == [0, 100]
    assert timeline.data[1].y[-1] == 40.0 and timeline.data[1].customdata[0][1] == "10,0%"


# ---------------------------------------------------------------------------- the map command


@pytest.fixture(scope="module")
def cli():
    app = typer.Typer(pretty_exceptions_enable=False)
    app.command("map")(map_command)
    app.command("noop")(lambda: None)  # two commands: `map` stays a subcommand, as in cli.py
    return lambda *args: CliRunner().invoke(app, ["map", *args])


def test_map_command_writes_json_and_html(cli, demo_url, geo_dir, tmp_path):
    out = tmp_path / "peta.json"
    result = cli("--level", "province", "--out", str(out), "--database-url", demo_url, "--boundaries", str(geo_dir))
    assert result.exit_code == 0, result.output
    assert "ditulis ke" in result.output and "lisensi MIT" in result.output
    figure = json.loads(out.read_text())
    assert {t["type"] for t in figure["data"]} == {"choroplethmap"}
    assert sum(len(t["geojson"]["features"]) for t in figure["data"]) == 38
    assert out.stat().st_size < 250_000

    html = tmp_path / "peta.html"
    result = cli("--province", "73", "--classes", "--metric", "index", "--out", str(html),
                 "--database-url", demo_url, "--boundaries", str(geo_dir))
    assert result.exit_code == 0, result.output
    page = html.read_text()
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", page, re.I)
    assert "Plotly.newPlot" in page and charts.FILE_WORKER_SHIM in page
    assert "Sulawesi Selatan" in page

    bad = cli("--stage", "tidak-ada", "--out", str(tmp_path / "x.json"), "--database-url", demo_url)
    assert bad.exit_code == 1 and "tidak ada" in bad.output


def test_map_command_tiles_need_no_boundaries(cli, demo_url, tmp_path):
    out = tmp_path / "petak.html"
    result = cli("--tiles", "--metric", "lag", "--out", str(out), "--database-url", demo_url,
                 "--boundaries", str(tmp_path / "kosong"))
    assert result.exit_code == 0, result.output
    assert "Peta petak provinsi" in result.output


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium for kaleido")
def test_map_command_writes_png(cli, demo_url, geo_dir, tmp_path):
    out = tmp_path / "peta.png"
    result = cli("--level", "province", "--out", str(out), "--database-url", demo_url, "--boundaries", str(geo_dir))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a blank map compresses far smaller
    from PIL import Image

    image = Image.open(out).convert("RGB")
    w, h = image.size
    # the middle of the map (Kalimantan/Sulawesi band) is painted, not white
    middle = image.crop((w // 4, h // 3, 3 * w // 4, 2 * h // 3))
    painted = sum(n for n, px in middle.getcolors(maxcolors=1 << 20) if px != (255, 255, 255))
    assert painted > 0.1 * middle.size[0] * middle.size[1]


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="no Chromium")
def test_exported_html_draws_from_disk_with_network_blocked(cli, demo_url, geo_dir, tmp_path):
    """Opened from file:// with every non-local request refused, the MapLibre map still paints."""
    playwright = pytest.importorskip("playwright.sync_api")
    html = tmp_path / "peta.html"
    assert cli("--out", str(html), "--database-url", demo_url, "--boundaries", str(geo_dir)).exit_code == 0
    outside = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium())
        page = browser.new_page(viewport={"width": 1200, "height": 700})

        def route(r):
            if r.request.url.startswith(("file:", "data:", "blob:")):
                return r.continue_()
            outside.append(r.request.url)
            return r.abort()

        page.route("**/*", route)
        page.goto(html.as_uri())
        page.wait_for_function("() => { const gd = document.querySelector('.js-plotly-plot');"
                               " const m = gd && gd._fullLayout.map && gd._fullLayout.map._subplot.map;"
                               " return m && m.loaded() && !m.isMoving(); }", timeout=30_000)
        page.wait_for_timeout(300)
        shot = page.locator(".maplibregl-canvas").screenshot()
        browser.close()
    assert outside == []
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(shot)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    painted = sum(n for n, px in colours if px != (255, 255, 255))
    assert painted > 0.05 * image.size[0] * image.size[1]
