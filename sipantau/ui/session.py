"""Who is signed in: the server-side session the browser's cookie names (sipantau/sessions.py).

Signing in happens outside Streamlit, at the server's /masuk (sipantau/web.py), which sets the
cookie. Every run reads it again (`st.context.cookies`: the cookies of the connection's first
request), so a reload, a new tab and a deep link stay signed in, and a logout, a password
change, a disabled account or an admin's revoke take effect on the next run. Pages never read
the session themselves; they ask `nav.require` (input and admin pages) or get the filters.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from sipantau import auth, sessions, web, webpages
from sipantau.config import settings
from sipantau.ui import data
from sipantau.ui.filters import t


def current_actor() -> auth.Actor | None:
    """The user of this browser's live session (its account as stored now), or None."""
    cookies = st.context.cookies
    session = sessions.resolve(data.engine(), cookies.get(sessions.COOKIE)) or _oidc_session(cookies)
    actor = auth.session_actor(session) if session else None
    st.session_state["actor"] = actor
    return actor


def signed_in() -> auth.Actor | None:
    """Who `current_actor` found on this run (set before the page runs)."""
    return st.session_state.get("actor")


def may_read(actor: auth.Actor | None) -> bool:
    """Monitoring pages are for signed-in users, and for anyone where public read is on."""
    return actor is not None or settings().public_read


def _oidc_session(cookies) -> sessions.Session | None:
    """Where an OIDC provider is configured ([auth] in secrets.toml), `st.login` signs people in
    and the user table gives their role, by e-mail; the identity cookie Streamlit verified gets
    a session row like any login (limits, revocation)."""
    if not getattr(st.user, "is_logged_in", False) or st.user.get("email_verified") is False:
        return None
    identity, engine = web.oidc_identity(cookies), data.engine()
    session = sessions.resolve(engine, identity)
    if session is not None or not identity or sessions.known(engine, identity):
        return session
    with engine.connect() as conn:
        actor = auth.actor_for_email(conn, st.user.get("email"))
    if actor is None:
        return None
    auth.record_oidc_login(engine, actor)
    return sessions.adopt(engine, identity, actor.id, actor.role)


def logout() -> None:
    """Sign out now: the session ends in the database (its cookie is dead in every tab), and the
    run that follows finds no session and sends the browser to the login page ("Anda telah
    keluar"), which would bring it back to this view. For OIDC Streamlit's own logout also
    signs out at the provider. A button's callback: the websocket it comes over is Streamlit's
    (XSRF token, Origin checked), so no other site can press it."""
    cookies = st.context.cookies
    for token in (cookies.get(sessions.COOKIE), web.oidc_identity(cookies)):
        sessions.end(data.engine(), token)
    if getattr(st.user, "is_logged_in", False):
        st.logout()


def to_login(url_path: str):
    """A page for an address the visitor may not open signed out (`nav.pages_for`): it sends
    them to the login page, which brings them back here with the same query."""
    return lambda: send_to_login(url_path)


def send_to_login(url_path: str | None) -> None:
    """Show that signing in is needed and send the browser to /masuk (with `next` = this view,
    and why a session ended, when one did). The link is there too should the move not happen."""
    base, token = web.base_path(), st.context.cookies.get(sessions.COOKIE)
    query = urlencode(st.query_params.to_dict())
    next_path = None if url_path is None else f"{base}/{url_path}" + (f"?{query}" if query else "")
    reason = sessions.ended_because(data.engine(), token)
    message = webpages.end_message(reason)
    url = webpages.login_url(base, next_path, message)
    st.title(t("login_title"))
    if message:
        st.info(t(webpages.MESSAGES[message]))
    st.link_button(t("login_button"), url, type="primary", icon=":material/login:")
    _navigate(url)


def _navigate(url: str) -> None:
    """Load `url` in this tab: the message `st.login` and `st.logout` send for the same purpose
    (Streamlit has no public call that moves the browser to a page outside the app)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        msg = ForwardMsg()
        msg.auth_redirect.url = url
        ctx.enqueue(msg)

