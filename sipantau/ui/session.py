"""Who is signed in: local login and logout, the organisation's sign-in (OIDC), idle expiry.

Kept small and behind `current_actor()`: a later issue replaces the session state kept here
with server-side sessions (sipantau/web.py, st.App). Pages never read the session themselves;
they ask `nav.require` (input and admin pages) or get the filters (monitoring pages).
"""

from __future__ import annotations

import streamlit as st

from sipantau import auth
from sipantau.config import settings
from sipantau.ui import data


def current_actor() -> auth.Actor | None:
    """The logged-in user, re-read from the database on every run (a disabled account
    loses its session at once); None after `SIPANTAU_SESSION_TIMEOUT_MINUTES` idle."""
    clock = auth.SessionClock()
    actor = st.session_state.get("actor")
    if actor is None:
        actor = _oidc_actor()
    if actor is None:
        return None
    if clock.is_expired(st.session_state.get("last_seen")):
        logout(expired=True)
        return None
    with data.engine().connect() as conn:
        fresh = auth.get_actor(conn, actor.username)
    if fresh is None:
        logout()
        return None
    _sign_in(fresh, clock.now())
    return fresh


def signed_in() -> auth.Actor | None:
    """Who `current_actor` found on this run (set before the page runs)."""
    return st.session_state.get("actor")


def may_read(actor: auth.Actor | None) -> bool:
    """Monitoring pages are for signed-in users, and for anyone where public read is on."""
    return actor is not None or settings().public_read


def _sign_in(actor: auth.Actor, now) -> None:
    st.session_state["actor"] = actor
    st.session_state["last_seen"] = now


def _oidc_actor() -> auth.Actor | None:
    """Where an OIDC provider is configured ([auth] in secrets.toml), `st.login` signs
    people in and the user table gives their role, by e-mail."""
    if not getattr(st.user, "is_logged_in", False) or st.user.get("email_verified") is False:
        return None
    with data.engine().connect() as conn:
        actor = auth.actor_for_email(conn, st.user.get("email"))
    if actor is not None:
        auth.record_oidc_login(data.engine(), actor)
        _sign_in(actor, auth.SessionClock.now())
    return actor


def login(username: str, password: str) -> str | None:
    """Sign in; returns the refusal message, or None when signed in."""
    try:
        actor = auth.authenticate(data.engine(), username.strip().lower(), password)
    except auth.LoginFailed as exc:
        return exc.message
    _sign_in(actor, auth.SessionClock.now())
    return None


def logout(expired: bool = False) -> None:
    for key in ("actor", "last_seen"):
        st.session_state.pop(key, None)
    if expired:
        st.session_state["session_expired"] = True
    if getattr(st.user, "is_logged_in", False):
        st.logout()


def session_expired() -> bool:
    """Whether the last session ended by idle expiry (said once, on the login page)."""
    return st.session_state.pop("session_expired", False)


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False
