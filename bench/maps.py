"""Map figures: sizes, build times and time-to-painted-map in headless Chromium, offline.
One JSON line per measurement; no assertions (budgets are printed next to the numbers).

    .venv/bin/python bench/maps.py [--database-url URL] [--boundaries DIR] [--runs N]

- figure_bytes: exported figures (geometry embedded) as plotly JSON; budgets: national provinces
  <= 250 kB, national regencies <= 700 kB, the largest single province's regencies <= 150 kB;
- url_figure_bytes: what a metric switch re-sends on the page (geometry by URL, per metric);
- build_ms: median time to build a figure from the frames (plus to_json);
- draw_ms: from navigation start until MapLibre has painted the national map (map `idle`, then a
  non-white pixel sample of the canvas), for the offline HTML export served by a local
  http.server on 127.0.0.1, every request outside 127.0.0.1 refused (Playwright `page.route`);
  cold = fresh browser context, warm = the same page loaded again; also the page mode (geometry
  fetched from a static URL) and the HTML opened straight from disk (file://);
- screenshot: PNGs of the drawn maps in test-artifacts/ (git-ignored).

Without --database-url a temporary demo database (SQLite, the `init --demo` history) is built; the
boundary files come from --boundaries, SIPANTAU_BOUNDARIES_DIR or ../shared/geo.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ARTIFACTS = ROOT / "test-artifacts"
BUDGETS = {"national_province": 250_000, "national_regency": 700_000, "one_province_regencies": 150_000}

# Runs in the page before plotly: records performance.now() once MapLibre is idle (style, sources
# and the first full render done) and one more animation frame has passed.
DRAWN_PROBE = """
(() => {
  function mapOf() {
    const gd = document.querySelector('.js-plotly-plot');
    return gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot
      && gd._fullLayout.map._subplot.map;
  }
  function hasTraces(m) {  // in page mode the geometry arrives later than the (empty) white-bg style
    const style = m.getStyle && m.getStyle();
    return style && style.layers.some(l => l.id.indexOf('plotly-trace-layer') === 0);
  }
  function done() { requestAnimationFrame(() => { window.__drawn = performance.now(); }); }
  function poll() {
    const m = mapOf();
    if (m && hasTraces(m)) {
      if (m.loaded() && !m.isMoving() && m.areTilesLoaded()) { done(); return; }
      m.once('idle', poll);
      return;
    }
    const gd = document.querySelector('.js-plotly-plot');
    if (gd && gd._fullLayout && !gd._fullLayout.map && gd.querySelector('.main-svg')) { done(); return; }
    requestAnimationFrame(poll);
  }
  requestAnimationFrame(poll);
})();
"""


def emit(**row) -> None:
    print(json.dumps(row, ensure_ascii=False), flush=True)


# ---------------------------------------------------------------------------- data


def demo_database(url: str | None) -> str:
    if url:
        return url
    from sipantau.db import create_database

    path = Path(tempfile.mkdtemp(prefix="sipantau-bench-maps-")) / "sipantau.db"
    url = f"sqlite:///{path}"
    start = time.perf_counter()
    create_database(url, demo=True).engine.dispose()  # the same database as `init --demo`
    emit(measure="setup", what="demo database (init --demo)", s=round(time.perf_counter() - start, 2))
    return url


def load_frames(url: str):
    from sipantau.cli_map import map_data
    from sipantau.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        offices = map_data(conn, "regency")
        provinces = map_data(conn, "province")
    engine.dispose()
    return offices, provinces


def nbytes(fig) -> int:
    return len(fig.to_json().encode())


def median_ms(fn, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


# ---------------------------------------------------------------------------- sizes and build times


def measure_figures(charts, geo, readiness, offices, provinces, directory) -> dict:
    layers = {"province": geo.prepared_geojson("province", None, directory),
              "regency": geo.prepared_geojson("regency", None, directory)}
    figures = {}
    for classes in (False, True):
        fig = charts.choropleth(provinces.frame, "progress", "id", layers["province"], level="province",
                                classes=classes, width=1400, height=640)
        size = nbytes(fig)
        emit(measure="figure_bytes", figure="national_province", classes=classes, features=38, bytes=size,
             budget=BUDGETS["national_province"], ok=size <= BUDGETS["national_province"])
        figures[("province", classes)] = fig
        fig = charts.choropleth(offices.frame, "progress", "id", layers["regency"], level="regency",
                                classes=classes, width=1400, height=640)
        size = nbytes(fig)
        emit(measure="figure_bytes", figure="national_regency", classes=classes,
             features=sum(len(t.geojson["features"]) for t in fig.data), bytes=size,
             budget=BUDGETS["national_regency"], ok=size <= BUDGETS["national_regency"])
        figures[("regency", classes)] = fig
    per_province = []
    for feature in layers["province"]["features"]:
        code = feature["id"]
        layer = geo.prepared_geojson("regency", code, directory)
        fig = charts.choropleth(offices.frame, "progress", "id", layer, level="regency", province_code=code)
        per_province.append((nbytes(fig), code, len(layer["features"])))
    size, code, features = max(per_province)
    emit(measure="figure_bytes", figure="one_province_regencies", province=code, features=features, bytes=size,
         budget=BUDGETS["one_province_regencies"], ok=size <= BUDGETS["one_province_regencies"],
         median_bytes=int(statistics.median(p[0] for p in per_province)))
    tiles = geo.province_tile_grid()
    tile = charts.tile_map(provinces.frame, "progress", "id", tiles=tiles)
    emit(measure="figure_bytes", figure="tile_map", features=38, bytes=nbytes(tile))
    figures["tile"] = tile

    bounds = charts.layer_bounds(layers["regency"])
    for metric in readiness.METRICS:
        for level, data, url in (("province", provinces, "/static/geo/provinces.geojson"),
                                 ("regency", offices, "/static/geo/regencies.geojson")):
            for classes in (False, True):
                fig = charts.choropleth(data.frame, metric, "id", url, level=level, classes=classes, bounds=bounds)
                emit(measure="url_figure_bytes", level=level, metric=metric, classes=classes, bytes=nbytes(fig),
                     budget=50_000 if level == "regency" else None)

    builds = {
        "national_province_embedded": lambda: charts.choropleth(provinces.frame, "progress", "id", layers["province"]),
        "national_regency_embedded": lambda: charts.choropleth(offices.frame, "progress", "id", layers["regency"],
                                                               level="regency"),
        "national_regency_embedded_classes": lambda: charts.choropleth(offices.frame, "progress", "id",
                                                                       layers["regency"], level="regency",
                                                                       classes=True),
        "national_regency_url": lambda: charts.choropleth(offices.frame, "lag", "id", "/g.geojson", level="regency",
                                                          bounds=bounds),
        "province_url": lambda: charts.choropleth(provinces.frame, "index", "id", "/g.geojson", bounds=bounds),
        "tile_map": lambda: charts.tile_map(provinces.frame, "progress", "id", tiles=tiles),
    }
    for name, build in builds.items():
        emit(measure="build_ms", figure=name, ms=median_ms(build),
             with_to_json_ms=median_ms(lambda b=build: b().to_json()))
    return figures


# ---------------------------------------------------------------------------- drawing in Chromium


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D401 - silence per-request logs
        pass


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def painted_share(png: bytes) -> float:
    from PIL import Image

    image = Image.open(BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 22) or []
    painted = sum(n for n, px in colours if px != (255, 255, 255))
    return round(painted / (image.size[0] * image.size[1]), 3)


def draw_times(browser, url: str, runs: int, shot: Path | None) -> dict:
    """Cold: a fresh context per run (empty cache). Warm: reload in the context of the last cold run."""
    outside: list[str] = []

    def route(r):
        u = r.request.url
        if u.startswith(("http://127.0.0.1", "file:", "data:", "blob:")):
            return r.continue_()
        outside.append(u)
        return r.abort()

    def load(page) -> float:
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__drawn !== undefined", timeout=60_000)
        return round(page.evaluate("() => window.__drawn"), 1)

    cold, warm, share = [], [], None
    for i in range(runs):
        context = browser.new_context(viewport={"width": 1400, "height": 700})
        context.add_init_script(DRAWN_PROBE)
        context.route("**/*", route)
        page = context.new_page()
        cold.append(load(page))
        if i == runs - 1:
            for _ in range(runs):
                warm.append(load(page))
            canvas = page.locator(".maplibregl-canvas")
            target = canvas if canvas.count() else page.locator(".js-plotly-plot")
            png = target.screenshot()
            share = painted_share(png)
            if shot is not None:
                shot.write_bytes(page.screenshot())
        context.close()
    return {"cold_ms": statistics.median(cold), "warm_ms": statistics.median(warm), "cold_runs": cold,
            "warm_runs": warm, "painted_share": share, "outside_requests": len(outside)}


def measure_drawing(charts, geo, figures: dict, directory, runs: int) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        emit(measure="draw_ms", skipped="playwright not installed")
        return
    from sipantau.cli_map import find_chromium

    chromium = find_chromium()
    if chromium is None:
        emit(measure="draw_ms", skipped="no Chromium")
        return
    ARTIFACTS.mkdir(exist_ok=True)
    site = Path(tempfile.mkdtemp(prefix="sipantau-bench-site-"))
    pages = {
        "national_province": figures[("province", False)],
        "national_province_classes": figures[("province", True)],
        "national_regency": figures[("regency", False)],
        "tile_map": figures["tile"],
    }
    for name, fig in pages.items():
        (site / f"{name}.html").write_text(charts.offline_html(fig), encoding="utf-8")
        emit(measure="html_bytes", figure=name, bytes=(site / f"{name}.html").stat().st_size)
    # Page mode: the figure refers to the geometry by URL, as the dashboard does (a static file).
    (site / "regencies.geojson").write_bytes(geo.layer_file("regency", None, directory).read_bytes())
    url_fig = charts.choropleth(figures["frames"].frame, "progress", "id", "regencies.geojson", level="regency",
                                bounds=charts.layer_bounds(geo.prepared_geojson("regency", None, directory)),
                                width=1400, height=640)
    (site / "url_regency.html").write_text(charts.offline_html(url_fig), encoding="utf-8")
    server, base = serve(site)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium)
            emit(measure="browser", chromium=browser.version)
            for name in [*pages, "url_regency"]:
                shot = ARTIFACTS / f"map-{name}.png"
                result = draw_times(browser, f"{base}/{name}.html", runs, shot)
                emit(measure="draw_ms", figure=name, served="http://127.0.0.1 (network blocked)", **result,
                     screenshot=str(shot.relative_to(ROOT)))
            # Opened straight from disk: the file:// worker shim at work.
            result = draw_times(browser, (site / "national_province.html").as_uri(), max(1, runs // 2), None)
            emit(measure="draw_ms", figure="national_province", served="file:// (network blocked)", **result)
            browser.close()
    finally:
        server.shutdown()


# ---------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--boundaries", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    directory = args.boundaries or Path(os.environ.get("SIPANTAU_BOUNDARIES_DIR") or ROOT.parent / "shared" / "geo")
    os.environ["SIPANTAU_BOUNDARIES_DIR"] = str(directory)
    os.environ.setdefault("SIPANTAU_GEO_CACHE_DIR", tempfile.mkdtemp(prefix="sipantau-bench-geo-"))

    from sipantau import charts, geo, readiness

    url = demo_database(args.database_url)
    offices, provinces = load_frames(url)
    emit(measure="setup", election=offices.election_code, as_of=offices.as_of.isoformat(),
         offices=len(offices.frame), provinces=len(provinces.frame), boundaries=str(directory))
    figures = measure_figures(charts, geo, readiness, offices, provinces, directory)
    figures["frames"] = offices
    measure_drawing(charts, geo, figures, directory, args.runs)


if __name__ == "__main__":
    main()
