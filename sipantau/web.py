"""The web server: Streamlit's `st.App` (ASGI, served by uvicorn) with Sipantau's own routes.

Routes, under `server.baseUrlPath`:

    GET  /masuk    the login form: plain HTML (no JavaScript, nothing from outside), in the app's
                   look; `next` is the page asked for (a local path, checked: no open redirect)
    POST /masuk    Origin and CSRF token checked, then `auth.authenticate` (its lock-out limits
                   guessing); on success a new session, its cookie, and 303 to `next`
    GET  /keluar   asks to confirm: signing out changes state, so it is a form
    POST /keluar   Origin and CSRF token checked; the session ends, the cookies are cleared
    GET  /masuk/sso  the organisation's sign-in (OIDC, `[auth]` in secrets.toml), via Streamlit
    GET  /healthz  200 when the database answers (with the time of the newest write), else 503

Middleware, around every request: a page load without a live session (and without public
read) is sent to /masuk?next=<that page with its query>, so a deep link survives the login;
every response carries the security headers (a Content-Security-Policy that allows only this
server, nosniff, Referrer-Policy, frame-ancestors).

The cookie `sipantau_sesi` is HttpOnly (no script reads it), SameSite=Lax and Secure behind
TLS. Lax, not Strict: a link to a view shared by e-mail or chat must open signed in, and a
Strict cookie is not sent on that first navigation from another site. Lax still keeps the
cookie off cross-site POSTs, frames and fetches; the CSRF tokens and the Origin check cover
the rest (a sibling subdomain counts as same-site, and SameSite alone would let it through).

The login form's CSRF token is a signed double submit: a random value in a cookie scoped to
/masuk, and in the form its HMAC under a key of this process (a cookie planted from a
sibling subdomain cannot be matched without the key; after a restart an open form is
simply shown again). The logout form's token is derived from the session token itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import streamlit as st
from sqlalchemy import func, select
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sipantau import auth, clock, i18n, sessions, webpages
from sipantau import models as m
from sipantau.config import ROOT, settings
from sipantau.db import get_engine
from sipantau.demo import is_demo

log = logging.getLogger(__name__)

DASHBOARD = ROOT / "dashboard.py"
CSRF_COOKIE = "sipantau_csrf"
# Streamlit's OIDC identity cookie (split into _1, _2, … when large) and its tokens cookie.
IDENTITY_COOKIE = "_streamlit_user"
TOKENS_COOKIE = "_streamlit_user_tokens"
MAX_FORM_BYTES = 4096
# Password checks are slow on purpose (argon2); at most this many run at once, the rest wait.
_password_checks = anyio.CapacityLimiter(2)
_csrf_key = secrets.token_bytes(32)

# Paths Streamlit owns (or are ours): never a page to gate.
NOT_PAGES = ("/_stcore/", "/static/", "/media/", "/component/", "/bidi-component/", "/app/", "/auth/",
             "/oauth2callback", "/masuk", "/keluar", "/healthz")


def create_app() -> st.App:
    """The ASGI application `python -m sipantau serve` runs."""
    from streamlit.runtime.pages_manager import PagesManager

    # The app keeps its page scripts in pages/ but lists them with st.navigation. Until a first
    # st.navigation call has run in the process, Streamlit takes pages/ for its old multipage
    # layout: the first run after every start cannot find the page a deep link names and shows
    # "Page not found" (and the operations-room screen reloading after a restart is that first
    # visitor). st.navigation sets the same flag on its first call.
    PagesManager.uses_pages_directory = False
    base = base_path()
    routes = [
        Route(f"{base}/masuk", login, methods=["GET", "HEAD", "POST"]),
        Route(f"{base}/masuk/sso", single_sign_on, methods=["GET"]),
        Route(f"{base}/keluar", logout, methods=["GET", "POST"]),
        Route(f"{base}/healthz", health, methods=["GET", "HEAD"]),
    ]
    return st.App(DASHBOARD, routes=routes, middleware=[Middleware(Guard)])


def serve(host: str, port: int) -> None:
    """Run the app under uvicorn until stopped (`python -m sipantau serve`)."""
    import uvicorn
    from streamlit import config as st_config
    from streamlit.web.server.starlette.starlette_server import _get_uvicorn_config_kwargs

    # Streamlit reads .streamlit/config.toml from the working directory; the app's own paths are
    # absolute already.
    os.chdir(ROOT)
    # No usage statistics whatever config.toml says: a closed network, and nothing phones home.
    for option, value in (("server.address", host), ("server.port", port), ("server.headless", True),
                          ("browser.gatherUsageStats", False)):
        st_config.set_option(option, value)
    if settings().base_url_path:  # served under a path of the proxy's site, e.g. /sipantau/
        st_config.set_option("server.baseUrlPath", settings().base_url_path.strip("/"))
    app = create_app()
    # Streamlit's own websocket settings (message size, pings), as `streamlit run` has them; the
    # forwarded scheme and client only from the trusted proxy.
    options = _get_uvicorn_config_kwargs() | {
        "proxy_headers": True, "forwarded_allow_ips": settings().trusted_proxies, "server_header": False}
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, **options)).run()


def base_path() -> str:
    """`server.baseUrlPath` as a path prefix: "" or "/sipantau"."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _engine():
    return get_engine(settings().database_url)


def _request_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


# ---- cookies ------------------------------------------------------------------------------


def _secure(request: Request) -> bool:
    mode = settings().cookie_secure
    return mode == "1" or (mode == "auto" and request.url.scheme == "https")


def _set_session_cookie(response: Response, request: Request, token: str, session: sessions.Session) -> None:
    max_age = int((session.expires_at - session.created_at).total_seconds())
    response.set_cookie(sessions.COOKIE, token, max_age=max_age, path=base_path() or "/", httponly=True,
                        samesite="lax", secure=_secure(request))


def _clear_cookies(response: Response, request: Request) -> None:
    """Forget the session cookie and Streamlit's OIDC identity cookies (and their chunks)."""
    path = base_path() or "/"
    for name in request.cookies:
        if name == sessions.COOKIE or name.startswith(IDENTITY_COOKIE):
            response.delete_cookie(name, path=path, httponly=True, samesite="lax", secure=_secure(request))


def oidc_identity(cookies: Mapping[str, str]) -> str | None:
    """Streamlit's signed OIDC identity cookie, its chunks joined: what `sessions.adopt` keys
    an OIDC session by. Streamlit checks the signature; Sipantau only hashes the value."""
    first = cookies.get(IDENTITY_COOKIE)
    if not first:
        return None
    chunks, n = [first], 1
    while f"{IDENTITY_COOKIE}_{n}" in cookies:
        chunks.append(cookies[f"{IDENTITY_COOKIE}_{n}"])
        n += 1
    return "|".join(chunks)


# ---- CSRF ---------------------------------------------------------------------------------


def _csrf_for(nonce: str) -> str:
    return hmac.new(_csrf_key, nonce.encode(), hashlib.sha256).hexdigest()


def _same_origin(request: Request) -> bool:
    """A POST from a page of this server: its Origin (or, without one, its Referer) names this
    host. Without either (not a browser), the CSRF token alone decides."""
    sent = request.headers.get("origin") or request.headers.get("referer")
    if sent is None:
        return True
    parts = urlsplit(sent)
    return parts.scheme == request.url.scheme and parts.netloc == request.headers.get("host")


async def _form(request: Request) -> dict[str, str] | None:
    """The posted form (urlencoded, at most MAX_FORM_BYTES), or None when it is too large."""
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=8)
    except ValueError:  # more fields than any of our forms has: not from our form
        return {}
    return {k: v[0] for k, v in fields.items()}


# ---- the login page -----------------------------------------------------------------------


def _lang(request: Request, next_path: str) -> str:
    """The page's language: ?bahasa=, else the language of the page asked for, else the default."""
    wanted = request.query_params.get("bahasa") or parse_qs(urlsplit(next_path).query).get("bahasa", [""])[0]
    for code, name in i18n.LANG_NAMES.items():
        if wanted in (code, name):
            return code
    return settings().lang


async def login(request: Request) -> Response:
    base = base_path()
    if request.method == "POST":
        return await _login_post(request, base)
    next_path = webpages.safe_next(request.query_params.get("next"), base)
    if await anyio.to_thread.run_sync(lambda: _live_session(request)):
        return RedirectResponse(next_path, status_code=303)
    lang, message = _lang(request, next_path), webpages.MESSAGES.get(request.query_params.get("pesan", ""))
    return await _login_form(request, base, next_path, lang, message and i18n.t(message, lang), notice=True)


def _live_session(request: Request) -> tuple[str, sessions.Session] | None:
    """The live session this request names (its token and the session): Sipantau's cookie, or
    an OIDC identity whose session is open."""
    for token in (request.cookies.get(sessions.COOKIE), oidc_identity(request.cookies)):
        session = token and sessions.resolve(_engine(), token)
        if session:
            return token, session
    return None


async def _login_post(request: Request, base: str) -> Response:
    form = await _form(request)
    if form is None:
        return PlainTextResponse(i18n.t("web_request_too_large", settings().lang), 413)
    next_path = webpages.safe_next(form.get("next"), base)
    lang = form.get("bahasa") if form.get("bahasa") in i18n.LANG_NAMES else settings().lang
    nonce = request.cookies.get(CSRF_COOKIE, "")
    if not (_same_origin(request) and nonce and hmac.compare_digest(_csrf_for(nonce), form.get("csrf", ""))):
        return await _login_form(request, base, next_path, lang, i18n.t("web_form_expired", lang), status=403)
    username, password = form.get("username", "").strip().lower(), form.get("password", "")
    if not username or not password:
        return await _login_form(request, base, next_path, lang, i18n.t("web_fill_both", lang), status=400)
    try:
        actor = await anyio.to_thread.run_sync(lambda: auth.authenticate(_engine(), username, password),
                                               limiter=_password_checks)
    except auth.LoginFailed as exc:
        return await _login_form(request, base, next_path, lang, _refusal(exc, lang), status=401, typed=username)
    token, session = await anyio.to_thread.run_sync(lambda: sessions.start(
        _engine(), actor.id, sessions.kind_for(actor.role), replaces=request.cookies.get(sessions.COOKIE),
        client_ip=request.client.host if request.client else None, user_agent=request.headers.get("user-agent")))
    response = RedirectResponse(next_path, status_code=303)
    _set_session_cookie(response, request, token, session)
    response.delete_cookie(CSRF_COOKIE, path=f"{base}/masuk", httponly=True, samesite="strict",
                           secure=_secure(request))
    return response


def _refusal(exc: auth.LoginFailed, lang: str) -> str:
    if lang == "en" and exc.message == auth.WRONG_CREDENTIALS:
        return i18n.t("web_wrong_credentials", "en")
    return exc.message


async def _login_form(request: Request, base: str, next_path: str, lang: str, message: str | None,
                      status: int = 200, notice: bool = False, typed: str = "") -> Response:
    """The form, with a fresh CSRF nonce (cookie) and its signature (hidden field)."""
    nonce = secrets.token_urlsafe(32)
    other = "en" if lang == "id" else "id"
    form = webpages.LoginForm(
        lang=lang, action=f"{base}/masuk", csrf=_csrf_for(nonce), next_path=next_path, typed=typed,
        message=message, notice=notice, switch_href=f"{base}/masuk?{urlencode({'bahasa': other, 'next': next_path})}",
        demo=await anyio.to_thread.run_sync(_demo_database), sso_href=f"{base}/masuk/sso" if oidc_configured() else None)
    response = HTMLResponse(webpages.login_page(form, _font_url()), status_code=status)
    response.set_cookie(CSRF_COOKIE, nonce, path=f"{base}/masuk", httponly=True, samesite="strict",
                        secure=_secure(request))
    if request.cookies.get(sessions.COOKIE) or request.cookies.get(IDENTITY_COOKIE):
        _clear_cookies(response, request)  # only a dead session reaches the form
    response.headers["Cache-Control"] = "no-store"
    return response


def _demo_database() -> bool:
    with _engine().connect() as conn:
        return is_demo(conn)


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


async def single_sign_on(request: Request) -> Response:
    """Hand over to Streamlit's OIDC login (the same as `st.login()`); after the provider,
    Streamlit's callback returns to the home page with its identity cookie, and the first
    Streamlit run opens the session (`sessions.adopt`)."""
    from streamlit.auth_util import encode_provider_token

    if not oidc_configured():
        return RedirectResponse(f"{base_path()}/masuk", status_code=303)
    query = urlencode({"provider": encode_provider_token("default")})
    return RedirectResponse(f"{base_path()}/auth/login?{query}", status_code=303)


# ---- logout -------------------------------------------------------------------------------


async def logout(request: Request) -> Response:
    base = base_path()
    live = await anyio.to_thread.run_sync(lambda: _live_session(request))
    if not live:
        response = RedirectResponse(webpages.login_url(base), status_code=303)
        _clear_cookies(response, request)
        return response
    token, session = live
    lang = settings().lang
    if request.method == "GET":
        return _logout_form(base, token, session, lang)
    form = await _form(request)
    if form is None:
        return PlainTextResponse(i18n.t("web_request_too_large", lang), 413)
    if not (_same_origin(request) and hmac.compare_digest(sessions.csrf_token(token), form.get("csrf", ""))):
        return _logout_form(base, token, session, lang, i18n.t("web_form_expired", lang), status=403)
    await anyio.to_thread.run_sync(lambda: sessions.end(_engine(), token))
    response = RedirectResponse(webpages.login_url(base, message="keluar"), status_code=303)
    _clear_cookies(response, request)
    return response


def _logout_form(base: str, token: str, session: sessions.Session, lang: str, message: str | None = None,
                 status: int = 200) -> Response:
    html = webpages.logout_page(lang=lang, action=f"{base}/keluar", csrf=sessions.csrf_token(token),
                                username=session.username, home=f"{base}/", message=message, font_url=_font_url())
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- health -------------------------------------------------------------------------------


async def health(request: Request) -> Response:
    """For the reverse proxy and the operations room: is the database there, and how fresh is
    what it holds (the newest write: every write adds an audit row)."""
    try:
        newest = await anyio.to_thread.run_sync(_newest_write)
    except Exception:  # noqa: BLE001 - any failure to read means "not healthy", said without detail
        log.exception("healthz: basis data tidak menjawab")
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503,
                            headers={"Cache-Control": "no-store"})
    return JSONResponse({"status": "ok", "database": "ok", "newest_write": newest and newest.isoformat()},
                        headers={"Cache-Control": "no-store"})


def _newest_write() -> datetime | None:
    with _engine().connect() as conn:
        newest = conn.execute(select(func.max(m.AuditLog.at))).scalar()
    return clock.utc(newest)


# ---- the gate and the headers -------------------------------------------------------------


class Guard:
    """Pure ASGI middleware (websockets pass untouched): the sign-in gate for page loads and
    the security headers for every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if _is_page(request) and not settings().public_read:
            refusal = await anyio.to_thread.run_sync(lambda: _refusal_for(request))
            if refusal is not None:
                await _with_headers(refusal, request)(scope, receive, send)
                return
        https = request.url.scheme == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _HEADER_NAMES]
                message["headers"] = headers + security_headers(https)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_page(request: Request) -> bool:
    """A request for the app's HTML page (any view: Streamlit answers them all with index.html)."""
    if request.method not in ("GET", "HEAD"):
        return False
    base, path = base_path(), request.url.path
    if base and not (path == base or path.startswith(f"{base}/")):
        return False
    rel = path[len(base):] or "/"
    return not rel.startswith(NOT_PAGES) and "." not in rel.rsplit("/", 1)[-1]


def _refusal_for(request: Request) -> Response | None:
    """None when the page load carries a live session (or an OIDC identity not yet ended);
    otherwise the redirect to the login page, saying why when a session has ended."""
    if _live_session(request):
        return None
    engine, base = _engine(), base_path()
    token, identity = request.cookies.get(sessions.COOKIE), oidc_identity(request.cookies)
    if identity and not sessions.known(engine, identity):
        return None  # a new OIDC identity: Streamlit checks it, and the first run adopts or refuses it
    reason = sessions.ended_because(engine, token) or sessions.ended_because(engine, identity)
    message = webpages.end_message(reason)
    response = RedirectResponse(webpages.login_url(base, _request_path(request), message), status_code=303)
    _clear_cookies(response, request)
    return response


def _with_headers(response: Response, request: Request) -> Response:
    response.raw_headers.extend(security_headers(request.url.scheme == "https"))
    return response


_HEADER_NAMES = {b"content-security-policy", b"x-content-type-options", b"referrer-policy", b"x-frame-options",
                 b"cross-origin-opener-policy", b"permissions-policy", b"strict-transport-security"}


def security_headers(https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", content_security_policy().encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"SAMEORIGIN"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ]
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers


@cache
def content_security_policy() -> str:
    """Only this server: scripts (and the one inline script of Streamlit's index.html, by its
    hash; WebAssembly, which protobuf's long.js compiles for 64-bit arithmetic, but no eval),
    styles (inline too: Streamlit styles its elements at run time), images and fonts (also
    data:), the websocket, MapLibre's workers (blob:), frames only from here."""
    return "; ".join([
        "default-src 'self'",
        " ".join(["script-src 'self' 'wasm-unsafe-eval'", *_inline_script_hashes()]),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "frame-ancestors 'self'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ])


def _inline_script_hashes() -> list[str]:
    index = (Path(st.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
            for body in re.findall(r"<script>(.*?)</script>", index, flags=re.DOTALL)]


@cache
def _font_url() -> str:
    """Streamlit's own Source Sans (served from /static/media/), so the forms look like the app."""
    media = Path(st.__file__).parent / "static" / "static" / "media"
    found = sorted(media.glob("SourceSansVF-Upright.ttf.*.woff2"))
    return f"{base_path()}/static/media/{found[0].name}" if found else ""
