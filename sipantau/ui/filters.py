"""The shared filters (election, stage, as-of date) and the language, kept in the URL.

dashboard.py draws them in the sidebar on every run and leaves them in the session for the
page; a link carries them (`bind="query-params"`), so a shared link reproduces the view. The
language also names the pages, so the filters are drawn before the navigation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import streamlit as st

from sipantau import clock, i18n
from sipantau.config import settings
from sipantau.ui import data


@dataclass(frozen=True)
class Filters:
    election_code: str
    stage_id: int | None  # None: all active stages
    as_of: date
    lang: str
    version: str

    def t(self, key: str) -> str:
        return i18n.t(key, self.lang)


def lang() -> str:
    return st.session_state.get("bahasa") or settings().lang


def t(key: str) -> str:
    return i18n.t(key, lang())


def sidebar_filters(may_read: bool) -> Filters | None:
    """Draw the filters for this run (only for who may read) and leave them for the page;
    None when nobody may read or the database holds no election."""
    filters = _sidebar() if may_read else None
    st.session_state["filters"] = filters
    return filters


def _sidebar() -> Filters | None:
    version = data.data_version()
    with st.sidebar:
        st.segmented_control(i18n.t("language", lang()), options=list(i18n.LANG_NAMES),
                             format_func=i18n.LANG_NAMES.get, key="bahasa", bind="query-params",
                             default=settings().lang)
        current = lang()
        el = data.elections(version)
        if el.empty:
            st.error(i18n.t("database_empty", current))
            return None
        name_col = "name_en" if current == "en" else "name_id"
        # Elections keep their official (Indonesian) names in both languages, so a
        # shared link (which carries the label) opens the same election in either.
        names = dict(zip(el["code"], el["name_id"]))
        election_code = st.selectbox(i18n.t("election", current), options=list(names), format_func=names.get,
                                     index=len(names) - 1, key="pemilihan", bind="query-params")
        st_df = data.stages(election_code, version)
        stage_names = {0: i18n.t("all_active_stages", current)} | dict(zip(st_df["stage_id"], st_df[name_col]))
        stage_id = st.selectbox(i18n.t("stage", current), options=list(stage_names), format_func=stage_names.get,
                                key="tahapan", bind="query-params")
        as_of = st.date_input(i18n.t("as_of", current), value=data.default_as_of(election_code, version),
                              format="DD/MM/YYYY", key="tanggal", bind="query-params")
    return Filters(election_code, stage_id or None, as_of, current, version)


def page_filters() -> Filters:
    """The shared filters dashboard.py set for this run; stops the page when there are
    none (no election in the database, or the page was opened outside dashboard.py)."""
    filters = st.session_state.get("filters")
    if filters is None:
        st.stop()
    return filters


def chosen_filters() -> Filters | None:
    """The filters of this run, if any (input pages start from them)."""
    return st.session_state.get("filters")


def default_date() -> date:
    """The sidebar's as-of date (inside the election), never after today."""
    f = chosen_filters()
    day = f.as_of if f is not None else clock.today()
    return min(day, clock.today())


def now() -> datetime:
    """The ministry's clock (Jakarta time), for "updated at" lines."""
    return clock.now()
