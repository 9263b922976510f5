"""Streamlit helpers shared by dashboard.py and the pages: the engine, cached
frames, the shared filters and the current language. Pages stay thin: they ask
for frames here and lay them out; no SQL, no scoring.

Cached frames are keyed by `data_version()` (the newest audit row), so a new
report shows on the next rerun while unchanged data is computed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy import func, select

from sipantau import auth, i18n, readiness
from sipantau import models as m
from sipantau.config import settings, today
from sipantau.db import get_engine
from sipantau.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, is_demo


def engine():
    return _engine(settings().database_url)


@st.cache_resource
def _engine(url: str):
    return get_engine(url)


def data_version() -> int:
    """Changes with every write (each write adds an audit row): part of every cache key."""
    with engine().connect() as conn:
        return conn.execute(select(func.max(m.AuditLog.id))).scalar() or 0


@st.cache_data(show_spinner=False)
def elections(version: int) -> pd.DataFrame:
    with engine().connect() as conn:
        return readiness.elections(conn)


@st.cache_data(show_spinner=False)
def stages(election_code: str, version: int) -> pd.DataFrame:
    with engine().connect() as conn:
        return readiness.election_stages(conn, election_code)


@st.cache_data(show_spinner=False)
def default_as_of(election_code: str, version: int) -> date:
    with engine().connect() as conn:
        return readiness.default_as_of(conn, election_code, today())


@st.cache_data(show_spinner=False)
def demo_database(version: int) -> bool:
    with engine().connect() as conn:
        return is_demo(conn)


@st.cache_data(show_spinner=False, max_entries=32)
def national(election_code: str, as_of: date, version: int) -> readiness.NationalPicture:
    with engine().connect() as conn:
        return readiness.national(conn, election_code, as_of)


# ---- filters and language ---------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    election_code: str
    stage_id: int | None  # None: all active stages
    as_of: date
    lang: str
    version: int

    def t(self, key: str) -> str:
        return i18n.t(key, self.lang)


def lang() -> str:
    return st.session_state.get("bahasa") or settings().lang


def t(key: str) -> str:
    return i18n.t(key, lang())


def sidebar_filters() -> Filters | None:
    """The shared filters (election, stage, as-of date, language), kept in the URL
    so that a link reproduces the view. None when the database holds no election."""
    version = data_version()
    with st.sidebar:
        st.segmented_control(i18n.t("language", lang()), options=list(i18n.LANG_NAMES),
                             format_func=i18n.LANG_NAMES.get, key="bahasa", bind="query-params",
                             default=settings().lang)
        current = lang()
        el = elections(version)
        if el.empty:
            st.error(i18n.t("database_empty", current))
            return None
        name_col = "name_en" if current == "en" else "name_id"
        names = dict(zip(el["code"], el[name_col]))
        election_code = st.selectbox(i18n.t("election", current), options=list(names), format_func=names.get,
                                     index=len(names) - 1, key="pemilihan", bind="query-params")
        st_df = stages(election_code, version)
        stage_names = {0: i18n.t("all_active_stages", current)} | dict(zip(st_df["stage_id"], st_df[name_col]))
        stage_id = st.selectbox(i18n.t("stage", current), options=list(stage_names), format_func=stage_names.get,
                                key="tahapan", bind="query-params")
        as_of = st.date_input(i18n.t("as_of", current), value=default_as_of(election_code, version),
                              format="DD/MM/YYYY", key="tanggal", bind="query-params")
    return Filters(election_code, stage_id or None, as_of, current, version)


def public_read() -> bool:
    return settings().public_read


def demo_banner(show_accounts: bool = False) -> None:
    if not demo_database(data_version()):
        return
    text = t("demo_banner")
    if show_accounts:
        names = ", ".join(f"`{name}`" for name, *_ in DEMO_ACCOUNTS)
        text += f"  \n{t('demo_accounts')}: {names} — {t('password')} `{DEMO_PASSWORD}`"
    st.warning(text, icon=":material/science:")


# ---- who is here ------------------------------------------------------------------


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
    with engine().connect() as conn:
        fresh = auth.get_actor(conn, actor.username)
    if fresh is None:
        logout()
        return None
    st.session_state["actor"] = fresh
    st.session_state["last_seen"] = clock.now()
    return fresh


def _oidc_actor() -> auth.Actor | None:
    """Where an OIDC provider is configured ([auth] in secrets.toml), `st.login` signs
    people in and the user table gives their role, by e-mail."""
    if not getattr(st.user, "is_logged_in", False) or st.user.get("email_verified") is False:
        return None
    with engine().connect() as conn:
        actor = auth.actor_for_email(conn, st.user.get("email"))
    if actor is not None:
        auth.record_oidc_login(engine(), actor)
        st.session_state["actor"] = actor
        st.session_state["last_seen"] = auth.SessionClock.now()
    return actor


def login(username: str, password: str) -> str | None:
    """Sign in; returns the refusal message, or None when signed in."""
    try:
        actor = auth.authenticate(engine(), username.strip().lower(), password)
    except auth.LoginFailed as exc:
        return exc.message
    st.session_state["actor"] = actor
    st.session_state["last_seen"] = auth.SessionClock.now()
    return None


def logout(expired: bool = False) -> None:
    for key in ("actor", "last_seen"):
        st.session_state.pop(key, None)
    if expired:
        st.session_state["session_expired"] = True
    if getattr(st.user, "is_logged_in", False):
        st.logout()


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False
