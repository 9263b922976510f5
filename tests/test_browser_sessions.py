"""Sessions in a real browser: headless Debian Chromium against `python -m sipantau serve` on a
demo database, signed-out reading off, every request outside the server blocked and recorded,
every Content-Security-Policy violation collected (Streamlit, plotly and MapLibre must work
under a policy that allows only this server).

Sign in from a deep link and land on it with its query; reload and a new tab stay signed in;
sign out and the old cookie is dead; a session that idles out or is revoked takes the page
to the login and back; the operations-room screen outlives idleness and follows a revoke on
its next tick; a form on another site cannot sign anyone in; the form works without
JavaScript. Time moves for a session by moving its stored times back.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from server import running
from sqlalchemy import select

from sipantau import auth, sessions
from sipantau import models as m
from sipantau.db import make_engine, write_tx
from sipantau.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
GEO_DIR = Path(os.environ.get("SIPANTAU_TEST_GEO_DIR", Path(__file__).resolve().parents[2] / "shared" / "geo"))
COLLECT_CSP = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
               "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile));")
table = m.UserSession.__table__


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_url):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    folder = tmp_path_factory.mktemp("browser-sessions")
    env = {"SIPANTAU_DATABASE_URL": demo_url, "SIPANTAU_PUBLIC_READ": "0", "SIPANTAU_BOUNDARIES_DIR": str(GEO_DIR),
           "SIPANTAU_GEO_CACHE_DIR": str(folder / "geo"), "SIPANTAU_BRIEFING_REFRESH_SECONDS": "10"}
    with running(env, folder / "server.log") as base:
        yield base


@pytest.fixture(scope="module")
def engine(demo_url):
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


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
def context(browser, server):
    """A browser profile that may talk to the server only; outside requests and CSP violations
    are recorded on it."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID")
    ctx.add_init_script(COLLECT_CSP)
    ctx.outside = []

    def route(r):
        if r.request.url.startswith((server, "data:", "blob:")):
            return r.continue_()
        ctx.outside.append(r.request.url)
        return r.abort()

    ctx.route("**/*", route)
    yield ctx
    ctx.close()


def signed_in_as(pg, username: str) -> None:
    """The sidebar names the user ("Masuk sebagai" / "Signed in as")."""
    pg.locator("[data-testid='stSidebar'] [data-testid='stCaptionContainer']").get_by_text(
        username).first.wait_for(timeout=120_000)


def no_trouble(pg) -> None:
    """Nothing blocked by the policy, no "Page not found", nothing fetched from outside."""
    pg.wait_for_timeout(500)
    assert pg.evaluate("window.__csp") == []
    assert pg.get_by_text("Page not found").count() == 0
    assert pg.context.outside == []


def sign_in(pg, username: str) -> None:
    pg.fill("#username", username)
    pg.fill("#password", DEMO_PASSWORD)
    pg.click("button[type=submit]")


def session_cookie(ctx) -> str:
    [value] = [c["value"] for c in ctx.cookies() if c["name"] == sessions.COOKIE]
    return value


def pass_time(engine, token: str, delta: timedelta) -> None:
    with write_tx(engine) as conn:
        row = conn.execute(select(table).where(table.c.token_hash == sessions.token_hash(token))).one()
        conn.execute(table.update().where(table.c.id == row.id).values(
            created_at=row.created_at - delta, last_seen_at=row.last_seen_at - delta,
            expires_at=row.expires_at - delta))


def login_query(pg) -> dict[str, list[str]]:
    parts = urlsplit(pg.url)
    assert parts.path == "/masuk", pg.url
    return parse_qs(parts.query)


def test_a_deep_link_signed_out_lands_on_its_view_after_login_and_stays_through_reloads(context, server):
    pg = context.new_page()
    pg.goto(f"{server}/peringkat?pemilihan=Pemilu+2024&tanggal=2024-01-15&bahasa=English&banding=30")
    assert login_query(pg)["next"] == ["/peringkat?pemilihan=Pemilu+2024&tanggal=2024-01-15&bahasa=English&banding=30"]
    assert pg.locator("h1").inner_text() == "Sign in to Sipantau"  # the language of the link
    sign_in(pg, "pimpinan")
    signed_in_as(pg, "pimpinan")
    pg.get_by_text("15 January 2024").first.wait_for(timeout=60_000)
    assert pg.get_by_text("Up (▲) or down (▼) compared with 30 days earlier.").first.is_visible()
    no_trouble(pg)
    for _ in range(3):
        pg.reload()
        signed_in_as(pg, "pimpinan")
        pg.get_by_text("15 January 2024").first.wait_for(timeout=60_000)
    tab = context.new_page()
    tab.goto(f"{server}/peta")
    signed_in_as(tab, "pimpinan")
    tab.wait_for_selector(".js-plotly-plot .maplibregl-canvas", timeout=60_000)
    no_trouble(tab)


def test_sign_out_ends_the_session_and_the_old_cookie_is_dead(context, server):
    pg = context.new_page()
    pg.goto(f"{server}/hambatan")
    sign_in(pg, "operator.pangkep")
    signed_in_as(pg, "operator.pangkep")
    token = session_cookie(context)
    pg.get_by_role("button", name="Keluar").click()
    pg.wait_for_url("**/masuk**", timeout=60_000)
    assert login_query(pg)["pesan"] == ["keluar"]
    assert pg.get_by_text("Anda telah keluar.").is_visible()
    assert sessions.COOKIE not in {c["name"] for c in context.cookies()}
    kept = requests.get(f"{server}/hambatan", cookies={sessions.COOKIE: token}, allow_redirects=False, timeout=60)
    assert kept.status_code == 303 and urlsplit(kept.headers["location"]).path == "/masuk"
    no_trouble(pg)


def test_an_idle_session_takes_the_page_to_the_login_and_back(context, server, engine):
    pg = context.new_page()
    pg.goto(f"{server}/belum-melapor")
    sign_in(pg, "verifikator.sulsel")
    signed_in_as(pg, "verifikator.sulsel")
    pass_time(engine, session_cookie(context), timedelta(minutes=31))
    pg.locator("[data-testid='stSidebarNavLink'][href$='/peringkat']").click()  # the next run finds it over
    pg.wait_for_url("**/masuk**", timeout=60_000)
    assert login_query(pg) == {"next": ["/peringkat"], "pesan": ["berakhir"]}
    assert pg.get_by_text("Sesi Anda sudah berakhir.").first.is_visible()
    sign_in(pg, "verifikator.sulsel")
    pg.wait_for_url("**/peringkat", timeout=60_000)
    signed_in_as(pg, "verifikator.sulsel")
    no_trouble(pg)


def test_the_screen_session_outlives_idleness_and_follows_a_revoke_on_its_next_tick(context, server, engine):
    pg = context.new_page()
    pg.goto(server)
    sign_in(pg, "layar")
    pg.wait_for_url(f"{server}/", timeout=60_000)
    pg.get_by_text("Layar briefing ·").first.wait_for(timeout=120_000)  # the screen's own start page
    pass_time(engine, session_cookie(context), timedelta(days=3))  # a long weekend switched off
    pg.reload()
    pg.get_by_text("Layar briefing ·").first.wait_for(timeout=120_000)
    with write_tx(engine) as conn:
        admin = auth.system_actor(conn)
    assert auth.revoke_sessions(engine, admin, "layar") >= 1
    pg.wait_for_url("**/masuk**", timeout=90_000)  # the refresh tick reads the session again
    assert login_query(pg)["pesan"] == ["dicabut"]
    no_trouble(pg)


def test_a_form_on_another_site_cannot_sign_anyone_in(context, server):
    pg = context.new_page()
    pg.set_content(f"""<form method="post" action="{server}/masuk">
        <input name="username" value="admin"><input name="password" value="{DEMO_PASSWORD}">
        <input name="csrf" value="x"><button>go</button></form>""")
    with pg.expect_response(f"{server}/masuk") as answer:
        pg.click("button")
    assert answer.value.status == 403
    assert sessions.COOKIE not in {c["name"] for c in context.cookies()}


def test_the_login_form_needs_no_javascript(browser, server):
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    pg.goto(f"{server}/masuk?next=/ringkasan")
    sign_in(pg, "pimpinan")
    pg.wait_for_url(f"{server}/ringkasan", timeout=60_000)
    assert sessions.COOKIE in {c["name"] for c in ctx.cookies()}
    ctx.close()
