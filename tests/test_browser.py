"""Browser tests: headless Debian Chromium against `python -m sipantau serve` on a demo database,
with every request outside localhost blocked (a closed government network).

Screenshots are kept in test-artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image
from server import running

from sipantau.config import ROOT

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
GEO_DIR = Path(os.environ.get("SIPANTAU_TEST_GEO_DIR", ROOT.parent / "shared" / "geo"))


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_url):
    """`python -m sipantau serve` (uvicorn, the security headers and their CSP), public reading on."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    if not (GEO_DIR / "provinces.geojson").exists():
        pytest.skip(f"boundaries not found in {GEO_DIR}")
    workdir = tmp_path_factory.mktemp("browser")
    env = {"SIPANTAU_DATABASE_URL": demo_url, "SIPANTAU_PUBLIC_READ": "1", "SIPANTAU_BOUNDARIES_DIR": str(GEO_DIR),
           "SIPANTAU_GEO_CACHE_DIR": str(workdir / "geo")}
    with running(env, workdir / "server.log") as base:
        yield base
    shutil.copy(workdir / "server.log", ARTIFACTS / "server.log") if ARTIFACTS.exists() else None


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A page that may talk to the local server only; outside requests are recorded and refused,
    and what the Content-Security-Policy blocks is collected in `window.__csp`."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="id-ID")
    context.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                            "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
    pg = context.new_page()
    pg.outside_requests = []

    def route(r):
        if r.request.url.startswith((server, "data:", "blob:")):
            return r.continue_()
        pg.outside_requests.append(r.request.url)
        return r.abort()

    pg.route("**/*", route)
    yield pg
    context.close()


def shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_for_app(pg) -> None:
    pg.wait_for_selector("[data-testid='stApp']", timeout=60_000)
    pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
                         " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
                         timeout=60_000)
    # The first deep link after a start once showed "Page not found" (web.create_app says why).
    assert pg.get_by_text("Page not found").count() == 0


def map_painted(pg) -> dict:
    """Wait until MapLibre has drawn; return how many canvas pixels are coloured (not background)."""
    pg.wait_for_selector(".js-plotly-plot .maplibregl-canvas", timeout=60_000)
    pg.wait_for_function("""() => {
        const gd = document.querySelector('.js-plotly-plot');
        const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
        return map && map.loaded() && map.areTilesLoaded();
    }""", timeout=60_000)
    pg.wait_for_timeout(500)
    # WebGL canvases cannot be read back from the page: look at a screenshot instead.
    png = pg.locator(".js-plotly-plot .maplibregl-canvas").first.screenshot()
    pixels = list(Image.open(io.BytesIO(png)).convert("RGB").get_flattened_data())
    coloured = sum(1 for r, g, b in pixels if not (r > 235 and g > 235 and b > 235))
    return {"coloured": coloured, "total": len(pixels)}


def test_national_map_draws_its_polygons_offline(page, server):
    page.goto(f"{server}/peta")
    wait_for_app(page)
    painted = map_painted(page)
    shot(page, "peta-nasional")
    assert painted["coloured"] > 0.05 * painted["total"], painted
    assert page.get_by_text("Peta kesiapan").first.is_visible()
    assert not page.outside_requests, page.outside_requests
    assert page.evaluate("window.__csp") == []  # plotly and MapLibre draw under a policy of this server only


def test_clicking_a_province_opens_its_regencies(page, server):
    page.goto(f"{server}/peta")
    wait_for_app(page)
    map_painted(page)
    # Click the middle of Sulawesi Selatan's polygon (Kabupaten Wajo, around 120.1 E, 4.0 S).
    x, y = page.evaluate("""() => {
        const gd = document.querySelector('.js-plotly-plot');
        const map = gd._fullLayout.map._subplot.map;
        const p = map.project([120.1, -4.0]);
        const r = map.getCanvas().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""")
    page.mouse.click(x, y)
    page.wait_for_url("**/provinsi**", timeout=60_000)
    wait_for_app(page)
    page.get_by_role("heading", name="Sulawesi Selatan").first.wait_for(timeout=60_000)
    painted = map_painted(page)
    shot(page, "provinsi-sulsel")
    assert painted["coloured"] > 0.05 * painted["total"], painted
    assert "Sulawesi+Selatan" in page.url  # the picker wrote the chosen province into the link
    assert not page.outside_requests, page.outside_requests


def test_a_deep_link_reproduces_the_view(page, server):
    page.goto(f"{server}/peringkat?pemilihan=Pemilu+2024&tanggal=2024-01-15&bahasa=English&banding=30")
    wait_for_app(page)
    page.get_by_role("heading", name="Ranking").first.wait_for(timeout=60_000)
    shot(page, "peringkat-tautan")
    page.get_by_text("15 January 2024").first.wait_for(timeout=60_000)
    sidebar_values = page.evaluate("() => [...document.querySelectorAll('[data-testid=stSidebar] input')]"
                                   ".map(i => i.value || i.getAttribute('aria-label') || '')")
    assert "Pemilu 2024" in " ".join(sidebar_values) + page.locator("[data-testid='stSidebar']").inner_text()
    assert page.get_by_text("Up (▲) or down (▼) compared with 30 days earlier.").first.is_visible()
    assert not page.outside_requests, page.outside_requests
