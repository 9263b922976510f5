"""The web server over real HTTP: `python -m sipantau serve` under uvicorn, spoken to with requests.

Login and logout as routes (CSRF token and Origin checked, lock-out), the session cookie (HttpOnly,
SameSite=Lax, Secure behind TLS, a new token every login), every way a session ends, the page
gate that keeps a deep link's page and query through the login (and refuses to send anyone off
the site), the security headers, /healthz, and where the server listens.

Time moves for a session by moving its stored times back, as the clock moving forward would.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from server import running
from sqlalchemy import select

from sipantau import auth, sessions
from sipantau import models as m
from sipantau.db import make_engine, migrate, write_tx
from sipantau.reference import load_reference

PASSWORD = "Sandi-yang-panjang-1"
USERS = [("admin", "admin_pusat", None), ("op.pangkep", "operator_kabkota", "73.10"), ("layar", "layar_briefing", None),
         ("op.maros", "operator_kabkota", "73.09"), ("op.kunci", "operator_kabkota", "73.09"),
         ("op.ganti", "operator_kabkota", "73.09"), ("op.pindah", "operator_kabkota", "73.09")]
table = m.UserSession.__table__


@dataclass(frozen=True)
class Site:
    base: str
    engine: object

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{folder / 'sipantau.db'}"
    engine = make_engine(url)
    migrate(engine)
    with write_tx(engine) as conn:
        load_reference(conn)
        for username, role, region in USERS:
            auth.create_user(conn, username, username, role, region, password=PASSWORD)
    with running({"SIPANTAU_DATABASE_URL": url, "SIPANTAU_PUBLIC_READ": "0"}, folder / "server.log") as base:
        yield Site(base, engine)
    engine.dispose()


def get(site: Site, path: str, cookie: str | None = None, **headers) -> requests.Response:
    if cookie:
        headers["Cookie"] = cookie
    return requests.get(site.url(path), headers=headers, allow_redirects=False, timeout=60)


def login_form(site: Site, query: str = "") -> tuple[dict[str, str], str]:
    """The form's hidden fields and the CSRF cookie it came with."""
    r = get(site, "/masuk" + query)
    assert r.status_code == 200, r.text
    fields = {k: html.unescape(v) for k, v in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', r.text)}
    return fields, r.cookies["sipantau_csrf"]


def post_login(site: Site, username: str, password: str = PASSWORD, query: str = "", origin: str | None = "",
               cookie: str = "", **changes) -> requests.Response:
    fields, csrf = login_form(site, query)
    fields |= {"username": username, "password": password} | changes
    headers = {"Cookie": f"sipantau_csrf={csrf}" + (f"; {cookie}" if cookie else "")}
    if origin is not None:
        headers["Origin"] = origin or site.base
    return requests.post(site.url("/masuk"), data=fields, headers=headers, allow_redirects=False, timeout=60)


def sign_in(site: Site, username: str, query: str = "", **kw) -> str:
    """Sign in; returns the session cookie as a Cookie header value."""
    r = post_login(site, username, query=query, **kw)
    assert r.status_code == 303, r.text
    return f"sipantau_sesi={r.cookies['sipantau_sesi']}"


def set_cookies(r: requests.Response) -> list[str]:
    return r.raw.headers.getlist("set-cookie")


def token_of(cookie: str) -> str:
    return cookie.split("=", 1)[1]


def pass_time(site: Site, cookie: str, delta: timedelta) -> None:
    """`delta` passes for this session: its stored times move back by it."""
    with write_tx(site.engine) as conn:
        row = conn.execute(select(table).where(table.c.token_hash == sessions.token_hash(token_of(cookie)))).one()
        conn.execute(table.update().where(table.c.id == row.id).values(
            created_at=row.created_at - delta, last_seen_at=row.last_seen_at - delta,
            expires_at=row.expires_at - delta))


def signed_in(site: Site, cookie: str, path: str = "/peta") -> bool:
    r = get(site, path, cookie)
    assert r.status_code in (200, 303), r.status_code
    return r.status_code == 200 and "<div id=\"root\">" in r.text


def sent_to_login(r: requests.Response) -> dict[str, list[str]]:
    assert r.status_code == 303
    location = urlsplit(r.headers["location"])
    assert location.path == "/masuk"
    return parse_qs(location.query)


# ---- the login page ----------------------------------------------------------------------------


def test_the_login_page_is_plain_html_from_this_server_only(site):
    r = get(site, "/masuk")
    assert r.headers["content-type"].startswith("text/html")
    assert "<script" not in r.text.lower() and "required" not in r.text
    outside = re.findall(r"""(?:src|href|action)=["']((?:https?:)?//[^"']+)""", r.text)
    assert outside == []
    assert re.search(r"url\(\"/static/media/SourceSansVF-Upright[^\"]+\.woff2\"\)", r.text)  # Streamlit's own font
    assert "Masuk ke Sipantau" in r.text and 'lang="id"' in r.text
    english = get(site, "/masuk?bahasa=en")
    assert "Sign in to Sipantau" in english.text and "Masuk ke Sipantau" not in english.text
    # The language of the page asked for carries over.
    assert "Sign in to Sipantau" in get(site, "/masuk?next=" + quote("/peta?bahasa=English")).text
    assert r.headers["cache-control"] == "no-store"
    [csrf] = set_cookies(r)
    assert "HttpOnly" in csrf and "SameSite=strict" in csrf and "Path=/masuk" in csrf


def test_a_correct_login_sets_an_httponly_lax_cookie_and_lands_on_next(site):
    r = post_login(site, "op.pangkep", query="?next=" + quote("/provinsi?provinsi=73&bahasa=English"))
    assert r.status_code == 303
    assert r.headers["location"] == "/provinsi?provinsi=73&bahasa=English"
    [cookie] = [c for c in set_cookies(r) if c.startswith("sipantau_sesi=")]
    attributes = [a.strip() for a in cookie.split(";")]
    assert {"HttpOnly", "Path=/", "SameSite=lax", "Max-Age=43200"} <= set(attributes)
    assert "Secure" not in attributes  # plain HTTP on this machine: a Secure cookie would never come back
    assert signed_in(site, f"sipantau_sesi={r.cookies['sipantau_sesi']}")


def test_behind_a_tls_proxy_the_cookie_is_secure(site):
    fields, csrf = login_form(site)
    r = requests.post(site.url("/masuk"), data=fields | {"username": "op.maros", "password": PASSWORD},
                      headers={"Cookie": f"sipantau_csrf={csrf}", "X-Forwarded-Proto": "https",
                               "Origin": "https://" + urlsplit(site.base).netloc}, allow_redirects=False, timeout=60)
    assert r.status_code == 303
    [cookie] = [c for c in set_cookies(r) if c.startswith("sipantau_sesi=")]
    assert "Secure" in [a.strip() for a in cookie.split(";")]
    assert r.headers["strict-transport-security"].startswith("max-age=")


def test_wrong_passwords_are_refused_and_lock_the_account(site):
    r = post_login(site, "op.kunci", "salah-sekali-123")
    assert r.status_code == 401 and "Nama pengguna atau kata sandi salah." in r.text
    assert 'value="op.kunci"' in r.text  # the name stays typed
    for _ in range(4):
        r = post_login(site, "op.kunci", "salah-sekali-123")
    assert r.status_code == 401 and "Akun terkunci" in r.text
    r = post_login(site, "op.kunci", PASSWORD)  # the right password does not open a locked account
    assert r.status_code == 401 and "Akun terkunci" in r.text and "sipantau_sesi" not in r.cookies
    english = post_login(site, "tidak.ada", "salah-sekali-123", bahasa="en")
    assert "Wrong username or password." in english.text
    blank = post_login(site, "", "")
    assert blank.status_code == 400 and "Isi nama pengguna dan kata sandi." in blank.text


def test_a_login_post_without_the_form_s_token_or_from_another_site_is_refused(site):
    fields, csrf = login_form(site)
    data = fields | {"username": "admin", "password": PASSWORD}
    attempts = {
        "no token cookie": {"headers": {"Origin": site.base}, "data": data},
        "token of another form": {"headers": {"Origin": site.base, "Cookie": "sipantau_csrf=" + "A" * 43},
                                  "data": data},
        "cookie without its signature": {"headers": {"Origin": site.base, "Cookie": f"sipantau_csrf={csrf}"},
                                         "data": data | {"csrf": csrf}},
        "another site": {"headers": {"Origin": "https://evil.example", "Cookie": f"sipantau_csrf={csrf}"},
                         "data": data},
        "another site by referer": {"headers": {"Referer": "http://evil.example/form",
                                                "Cookie": f"sipantau_csrf={csrf}"}, "data": data},
    }
    for name, attempt in attempts.items():
        r = requests.post(site.url("/masuk"), allow_redirects=False, timeout=60, **attempt)
        assert r.status_code == 403, name
        assert "Formulir ini kedaluwarsa" in r.text and "sipantau_sesi" not in r.cookies, name
    too_big = requests.post(site.url("/masuk"), data={"username": "admin", "password": "x" * 10_000}, timeout=60,
                            headers={"Origin": site.base}, allow_redirects=False)
    assert too_big.status_code == 413


@pytest.mark.parametrize("evil", ["//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example",
                                  "/\n/evil.example", "javascript:alert(1)", "/\t/evil.example", "http:/evil.example",
                                  "/masuk?next=//evil.example", "/keluar", "peta", "/" + "a" * 3000])
def test_next_never_leaves_the_site(site, evil):
    r = post_login(site, "op.pangkep", query="?next=" + quote(evil, safe=""))
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    fields, _ = login_form(site, "?next=" + quote(evil, safe=""))
    assert fields["next"] == "/"


def test_every_login_gets_a_new_token_and_the_old_one_dies(site):
    first = sign_in(site, "op.maros")
    second = sign_in(site, "op.maros", cookie=first)  # the same browser signs in again
    assert first != second
    assert not signed_in(site, first) and signed_in(site, second)
    # Signed in already: the login page goes straight to `next`.
    r = get(site, "/masuk?next=/hambatan", second)
    assert (r.status_code, r.headers["location"]) == (303, "/hambatan")


# ---- the gate ----------------------------------------------------------------------------------


def test_a_deep_link_signed_out_goes_to_the_login_page_with_its_view(site):
    r = get(site, "/provinsi?provinsi=73+%C2%B7+Sulawesi+Selatan&tanggal=2024-11-20")
    assert sent_to_login(r) == {"next": ["/provinsi?provinsi=73+%C2%B7+Sulawesi+Selatan&tanggal=2024-11-20"]}
    cookie = sign_in(site, "admin", query="?" + urlsplit(r.headers["location"]).query)
    assert signed_in(site, cookie, "/provinsi?provinsi=73")
    assert signed_in(site, cookie, "/")


def test_what_the_page_needs_is_served_without_a_session(site):
    for path in ("/_stcore/health", "/favicon.png", "/healthz", "/masuk"):
        assert get(site, path).status_code == 200, path
    assert get(site, "/static/media/" + next(
        p for p in re.findall(r"/static/media/([^\"]+)", get(site, "/masuk").text))).status_code == 200


def test_logout_needs_its_form_and_then_the_old_cookie_is_dead(site):
    cookie = sign_in(site, "op.pangkep")
    page = get(site, "/keluar", cookie)
    assert page.status_code == 200 and "Keluar dari Sipantau" in page.text and "op.pangkep" in page.text
    [csrf] = re.findall(r'name="csrf" value="([^"]+)"', page.text)
    forged = requests.post(site.url("/keluar"), data={"csrf": "0" * 64}, allow_redirects=False, timeout=60,
                           headers={"Cookie": cookie, "Origin": site.base})
    assert forged.status_code == 403 and signed_in(site, cookie)
    elsewhere = requests.post(site.url("/keluar"), data={"csrf": csrf}, allow_redirects=False, timeout=60,
                              headers={"Cookie": cookie, "Origin": "https://evil.example"})
    assert elsewhere.status_code == 403 and signed_in(site, cookie)
    r = requests.post(site.url("/keluar"), data={"csrf": csrf}, allow_redirects=False, timeout=60,
                      headers={"Cookie": cookie, "Origin": site.base})
    assert sent_to_login(r) == {"pesan": ["keluar"]}
    assert any(c.startswith('sipantau_sesi=""') and "Max-Age=0" in c for c in set_cookies(r))
    # The browser forgot it; anyone who kept a copy has a dead cookie.
    again = get(site, "/peta", cookie)
    assert sent_to_login(again) == {"next": ["/peta"], "pesan": ["keluar"]}
    assert "Anda telah keluar." in get(site, "/masuk?pesan=keluar").text


@pytest.mark.parametrize("change", ["own_password", "reset_password", "disable"])
def test_password_change_and_disabling_end_the_session(site, change):
    name = {"own_password": "op.ganti", "reset_password": "op.ganti", "disable": "op.pindah"}[change]
    cookie = sign_in(site, name)
    engine = site.engine
    with write_tx(engine) as conn:
        admin = auth.system_actor(conn)
    new = f"Sandi-baru-{change}-99"
    if change == "own_password":
        actor = auth.session_actor(sessions.resolve(engine, token_of(cookie)))
        auth.change_password(engine, actor, PASSWORD, new)
    elif change == "reset_password":
        auth.reset_password(engine, admin, name, PASSWORD)
    else:
        auth.disable_user(engine, admin, name)
    assert sent_to_login(get(site, "/ringkasan", cookie)) == {"next": ["/ringkasan"], "pesan": ["dicabut"]}
    if change == "own_password":
        auth.reset_password(engine, admin, name, PASSWORD)  # back, for the next case


def test_idle_and_absolute_limits(site):
    idle = sign_in(site, "op.pangkep")
    pass_time(site, idle, timedelta(minutes=29))
    assert signed_in(site, idle)  # and this visit counts as use
    pass_time(site, idle, timedelta(minutes=29))
    assert signed_in(site, idle)
    pass_time(site, idle, timedelta(minutes=31))
    assert sent_to_login(get(site, "/peta", idle)) == {"next": ["/peta"], "pesan": ["berakhir"]}
    busy = sign_in(site, "op.pangkep")
    for _ in range(36):  # twelve hours of a visit every twenty minutes
        assert signed_in(site, busy)
        pass_time(site, busy, timedelta(minutes=20))
    assert sent_to_login(get(site, "/peta", busy))["pesan"] == ["berakhir"]


def test_the_screen_session_survives_idleness_and_ends_when_revoked(site):
    r = post_login(site, "layar", query="?next=/layar")
    [cookie_header] = [c for c in set_cookies(r) if c.startswith("sipantau_sesi=")]
    assert "Max-Age=2592000" in cookie_header  # 30 days: a kiosk browser keeps it over a reboot
    screen = f"sipantau_sesi={r.cookies['sipantau_sesi']}"
    pass_time(site, screen, timedelta(days=3))  # a long weekend with the screen switched off
    assert signed_in(site, screen, "/layar")
    with write_tx(site.engine) as conn:
        admin = auth.system_actor(conn)
    assert auth.revoke_sessions(site.engine, admin, "layar") >= 1
    assert sent_to_login(get(site, "/layar", screen)) == {"next": ["/layar"], "pesan": ["dicabut"]}


# ---- headers, health, listening -----------------------------------------------------------------


def test_every_response_carries_the_security_headers(site):
    cookie = sign_in(site, "admin")
    for path, who in (("/masuk", None), ("/peta", cookie), ("/peta", None), ("/_stcore/health", None),
                      ("/healthz", None), ("/favicon.png", None)):
        r = get(site, path, who)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp and "http" not in csp, path
        assert "'unsafe-eval'" not in csp and "script-src 'self' 'wasm-unsafe-eval' 'sha256-" in csp
        assert (r.headers["x-content-type-options"], r.headers["referrer-policy"], r.headers["x-frame-options"]) == (
            "nosniff", "same-origin", "SAMEORIGIN"), path
        assert "server" not in r.headers, path


def test_healthz_reports_the_newest_write(site):
    r = get(site, "/healthz")
    body = r.json()
    assert (r.status_code, body["status"], body["database"]) == (200, "ok", "ok")
    with site.engine.connect() as conn:
        newest = conn.execute(select(m.AuditLog.at).order_by(m.AuditLog.at.desc()).limit(1)).scalar()
    assert datetime.fromisoformat(body["newest_write"]) == newest.replace(tzinfo=UTC)


def _listening(port: int) -> set[str]:
    """Local addresses with a socket listening on `port` (from the kernel's own tables)."""
    found = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(name).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_it_listens_on_this_machine_only_unless_told_and_says_when_the_database_is_gone(tmp_path):
    dead = {"SIPANTAU_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/nothing", "SIPANTAU_HOST": ""}
    with running(dead, tmp_path / "a.log") as base:
        port = urlsplit(base).port
        assert _listening(port) == {"0100007F"}  # 127.0.0.1, nothing else
        r = requests.get(base + "/healthz", timeout=60)
        assert (r.status_code, r.json()) == (503, {"status": "error", "database": "unreachable"})
    with running(dead, tmp_path / "b.log", host="127.0.0.2") as base:  # the documented switch
        assert _listening(urlsplit(base).port) == {"0200007F"}


def test_under_a_path_prefix_everything_stays_under_it(site, tmp_path):
    """SIPANTAU_BASE_URL_PATH: the proxy serves Sipantau at /sipantau/ of a shared site."""
    url = str(site.engine.url)
    with running({"SIPANTAU_DATABASE_URL": url, "SIPANTAU_BASE_URL_PATH": "sipantau"}, tmp_path / "s.log") as root:
        prefixed = Site(root + "/sipantau", site.engine)
        r = get(prefixed, "/peta?x=1")
        assert (r.status_code, r.headers["location"]) == (303, "/sipantau/masuk?next=%2Fsipantau%2Fpeta%3Fx%3D1")
        fields, csrf = login_form(prefixed, "?next=" + quote("/sipantau/peta?x=1"))
        assert fields["next"] == "/sipantau/peta?x=1"
        assert login_form(prefixed, "?next=/peta")[0]["next"] == "/sipantau/"  # outside the prefix
        r = requests.post(prefixed.url("/masuk"), data=fields | {"username": "admin", "password": PASSWORD},
                          headers={"Cookie": f"sipantau_csrf={csrf}", "Origin": root}, allow_redirects=False,
                          timeout=60)
        assert (r.status_code, r.headers["location"]) == (303, "/sipantau/peta?x=1")
        [cookie] = [c for c in set_cookies(r) if c.startswith("sipantau_sesi=")]
        assert "Path=/sipantau" in cookie
        assert signed_in(prefixed, f"sipantau_sesi={r.cookies['sipantau_sesi']}")
        assert get(prefixed, "/healthz").json()["status"] == "ok"


def test_the_login_page_escapes_what_comes_back_and_lists_demo_accounts():
    from sipantau import webpages
    from sipantau.demo import DEMO_PASSWORD

    hostile = '"><img src=x onerror=alert(1)>'
    page = webpages.login_page(webpages.LoginForm(
        lang="en", action="/masuk", csrf="c", next_path="/peta?q=" + hostile, typed=hostile, message=hostile,
        notice=False, switch_href="/masuk?bahasa=id", demo=True, sso_href="/masuk/sso"), "/static/media/f.woff2")
    assert "<img src=x" not in page and "&quot;&gt;&lt;img" in page
    assert "operator.pangkep" in page and DEMO_PASSWORD in page and "Bahasa Indonesia" in page
    assert "Sign in with the organisation account" in page
    assert webpages.end_message(sessions.NEW_LOGIN) is None and webpages.end_message(None) is None
    assert [webpages.end_message(r) for r in (sessions.LOGGED_OUT, sessions.IDLE, sessions.EXPIRED,
                                              sessions.REVOKED, sessions.ACCOUNT_DISABLED)] == [
        "keluar", "berakhir", "berakhir", "dicabut", "dicabut"]
