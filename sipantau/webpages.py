"""The HTML of the server's own pages (sipantau/web.py): the login and the logout forms.

Plain HTML in the app's look (its colours, Streamlit's Source Sans served by this server), no
JavaScript and nothing from outside (the logo is inline); every value put in is escaped, and
no `required` attribute: a missing field gets the server's message in the page's language,
not the browser's. Pure: no Streamlit, no database.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode, urlsplit

from sipantau import i18n, sessions
from sipantau.config import ROOT
from sipantau.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

LOGO = ROOT / "assets" / "sipantau.png"
MAX_NEXT_CHARS = 2000
# The login page's message, chosen by a fixed word in its URL (nothing from the URL is shown).
MESSAGES = {"keluar": "web_signed_out", "berakhir": "web_session_ended", "dicabut": "web_session_revoked"}


# ---- where the pages lead ----------------------------------------------------------------------


def safe_next(value: str | None, base: str = "") -> str:
    """`value` when it is a path on this server (under `base`), else the home page: never a
    URL that leaves the site (`//evil`, `/\\evil`, `https://…`, control characters)."""
    home = f"{base}/"
    if not value or len(value) > MAX_NEXT_CHARS or not value.startswith("/") or value.startswith("//"):
        return home
    if "\\" in value or any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return home
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not (parts.path == base or parts.path.startswith(home)):
        return home
    rel = parts.path[len(base):]
    return home if rel.startswith(("/masuk", "/keluar")) else value


def login_url(base: str, next_path: str | None = None, message: str | None = None) -> str:
    query = {k: v for k, v in (("next", next_path), ("pesan", message)) if v}
    return f"{base}/masuk" + (f"?{urlencode(query)}" if query else "")


def end_message(reason: str | None) -> str | None:
    """The login page's word (MESSAGES) for why a session ended; None when there is nothing to say."""
    if not reason or reason == sessions.NEW_LOGIN:
        return None
    return {sessions.LOGGED_OUT: "keluar", sessions.IDLE: "berakhir", sessions.EXPIRED: "berakhir"}.get(
        reason, "dicabut")


# ---- the HTML ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginForm:
    lang: str
    action: str
    csrf: str
    next_path: str
    typed: str  # the username as typed, kept after a refusal
    message: str | None
    notice: bool  # the message informs (signed out, session ended) rather than refuses
    switch_href: str  # the same form in the other language
    demo: bool  # a demo database: its accounts are listed
    sso_href: str | None  # the organisation's sign-in, where configured


def login_page(form: LoginForm, font_url: str) -> str:
    lang, t = form.lang, lambda key: i18n.t(key, form.lang)
    other = "en" if lang == "id" else "id"
    body = LOGIN_FORM.format(
        action=_attr(form.action), csrf=_attr(form.csrf), next=_attr(form.next_path), lang=lang,
        typed=_attr(form.typed[:60]), username=_text(t("username")), password=_text(t("password")),
        button=_text(t("login_button")),
        sso=SSO_LINK.format(href=_attr(form.sso_href), label=_text(t("login_oidc"))) if form.sso_href else "")
    content = (_header(form.switch_href, i18n.LANG_NAMES[other]) + f"<h1>{_text(t('login_title'))}</h1>"
               + f"<p class='subtitle'>{_text(t('app_subtitle'))}</p>"
               + (_demo_banner(lang) if form.demo else "") + _message(form.message, form.notice) + body)
    return _page(lang, t("login_title"), content, font_url)


def logout_page(*, lang: str, action: str, csrf: str, username: str, home: str, message: str | None,
                font_url: str) -> str:
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    content = (_header() + f"<h1>{_text(t('web_logout_title'))}</h1>" + _message(message, notice=False)
               + LOGOUT_FORM.format(action=_attr(action), csrf=_attr(csrf),
                                    question=_text(t("web_logout_question").format(user=username)),
                                    button=_text(t("logout")), home=_attr(home), cancel=_text(t("web_cancel"))))
    return _page(lang, t("web_logout_title"), content, font_url)


def _message(message: str | None, notice: bool) -> str:
    return f"<p class='{'info' if notice else 'error'}' role='alert'>{_text(message)}</p>" if message else ""


def _demo_banner(lang: str) -> str:
    names = ", ".join(f"<code>{_text(name)}</code>" for name, *_ in DEMO_ACCOUNTS)
    return (f"<p class='warning'>{_text(i18n.t('demo_banner', lang))}<br>{_text(i18n.t('demo_accounts', lang))}: "
            f"{names} — {_text(i18n.t('password', lang).lower())} <code>{_text(DEMO_PASSWORD)}</code></p>")


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


@cache
def _logo() -> str:
    return "data:image/png;base64," + base64.b64encode(LOGO.read_bytes()).decode()


def _header(switch_href: str | None = None, switch_label: str = "") -> str:
    switch = f"<a class='lang' href='{_attr(switch_href)}'>{_text(switch_label)}</a>" if switch_href else ""
    return f"<header><img src='{_logo()}' alt='' width='28' height='28'><span>Sipantau</span>{switch}</header>"


def _page(lang: str, title: str, content: str, font_url: str) -> str:
    return PAGE.format(lang=lang, title=_text(title), icon=_logo(), font=_attr(font_url), content=content)


PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Sipantau</title>
<link rel="icon" href="{icon}">
<style>
@font-face {{ font-family: "Source Sans"; src: url("{font}") format("woff2"); font-weight: 200 900; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font-family: "Source Sans", sans-serif; font-size: 1rem; line-height: 1.6; color: #31333F;
       background: #FFFFFF; }}
main {{ max-width: 30rem; margin: 4rem auto; padding: 0 1.5rem; }}
header {{ display: flex; align-items: center; gap: .5rem; font-weight: 600; margin-bottom: 2rem; }}
header .lang {{ margin-left: auto; font-weight: 400; }}
h1 {{ font-size: 2rem; font-weight: 700; margin: 0 0 .5rem; }}
.subtitle {{ color: rgba(49, 51, 63, .6); font-size: .875rem; margin: 0 0 1.5rem; }}
form {{ border: 1px solid rgba(49, 51, 63, .2); border-radius: .5rem; padding: 1.25rem; }}
label {{ display: block; font-size: .875rem; margin: .75rem 0 .25rem; }}
input {{ width: 100%; font: inherit; color: inherit; background: #F0F2F6; border: 1px solid transparent;
         border-radius: .5rem; padding: .5rem .75rem; }}
input:focus {{ outline: none; border-color: #0B5394; }}
button, .button {{ display: inline-block; width: 100%; margin-top: 1.25rem; font: inherit; font-weight: 400;
         color: #FFFFFF; background: #0B5394; border: 1px solid #0B5394; border-radius: .5rem; padding: .4rem .75rem;
         cursor: pointer; text-align: center; text-decoration: none; }}
.secondary {{ color: #31333F; background: #FFFFFF; border-color: rgba(49, 51, 63, .2); }}
a {{ color: #0B5394; }}
p.error, p.info, p.warning {{ border-radius: .5rem; padding: .75rem 1rem; }}
p.error {{ background: rgba(255, 43, 43, .09); color: #7D353B; }}
p.info {{ background: rgba(28, 131, 225, .1); color: #004280; }}
p.warning {{ background: rgba(255, 227, 18, .1); color: #926C05; font-size: .875rem; }}
code {{ font-size: .85em; }}
</style>
</head>
<body><main>
{content}
</main></body>
</html>
"""

LOGIN_FORM = """<form method="post" action="{action}">
<input type="hidden" name="csrf" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<input type="hidden" name="bahasa" value="{lang}">
<label for="username">{username}</label>
<input id="username" name="username" value="{typed}" autocomplete="username" maxlength="60" autofocus>
<label for="password">{password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" maxlength="256">
<button type="submit">{button}</button>
</form>
{sso}"""

SSO_LINK = """<a class="button secondary" href="{href}">{label}</a>"""

LOGOUT_FORM = """<form method="post" action="{action}">
<input type="hidden" name="csrf" value="{csrf}">
<p>{question}</p>
<button type="submit">{button}</button>
<a class="button secondary" href="{home}">{cancel}</a>
</form>"""
