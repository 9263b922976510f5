"""Streamlit helpers shared by dashboard.py and the pages: the engine, cached
frames, the shared filters and the current language. Pages stay thin: they ask
for frames here and lay them out; no SQL, no scoring.

Cached frames are keyed by `data_version()` (database and newest audit row), so a new
report shows on the next rerun while unchanged data is computed once.
"""

from __future__ import annotations

import gc
import importlib
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy import func, select

from sipantau import auth, charts, geo, i18n, readiness
from sipantau import models as m
from sipantau.config import ROOT, settings, today
from sipantau.db import get_engine
from sipantau.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, is_demo


def engine():
    return _engine(settings().database_url)


@st.cache_resource
def settle_process() -> None:
    """Once per server process: move the objects alive after start-up (modules, plotly's
    validators, pandas, caches) out of the garbage collector's sight. Streamlit runs a full
    collection after every script run; walking them cost ~150 ms per rerun (bench/page.py:
    a cached stage switch took 209 ms before, 55–63 ms after)."""
    # What the pages import, imported now so that it is frozen too (pandera is large).
    for module in ("sipantau.audit", "sipantau.documents", "sipantau.export", "sipantau.forms", "sipantau.ingest",
                   "sipantau.lists"):
        importlib.import_module(module)
    gc.collect()
    gc.freeze()


@st.cache_resource
def _engine(url: str):
    return get_engine(url)


def data_version() -> str:
    """Which database, and its newest audit row (every write adds one): part of every
    cache key, so a new report shows on the next rerun and two databases never mix."""
    with engine().connect() as conn:
        newest = conn.execute(select(func.max(m.AuditLog.id))).scalar() or 0
    return f"{settings().database_url}#{newest}"


@st.cache_data(show_spinner=False, max_entries=16)
def elections(version: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return readiness.elections(conn)


@st.cache_data(show_spinner=False, max_entries=16)
def stages(election_code: str, version: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return readiness.election_stages(conn, election_code)


def default_as_of(election_code: str, version: str) -> date:
    return _default_as_of(election_code, version, today())


@st.cache_data(show_spinner=False, max_entries=16)
def _default_as_of(election_code: str, version: str, day: date) -> date:
    # `day` is part of the key: after midnight the default moves on without a write.
    with engine().connect() as conn:
        return readiness.default_as_of(conn, election_code, day)


@st.cache_data(show_spinner=False, max_entries=16)
def demo_database(version: str) -> bool:
    with engine().connect() as conn:
        return is_demo(conn)


# Snapshots are cached per (election, day, data version): maps, lists and rankings
# of one view share one computation.
@st.cache_data(show_spinner=False, max_entries=16)
def snapshot(election_code: str, as_of: date, version: str) -> readiness.Snapshot:
    with engine().connect() as conn:
        return readiness.snapshot(conn, election_code, as_of)


@st.cache_data(show_spinner=False, max_entries=32)
def national(election_code: str, as_of: date, version: str) -> readiness.NationalPicture:
    with engine().connect() as conn:
        return readiness.national(conn, election_code, as_of, snap=snapshot(election_code, as_of, version))


@st.cache_data(show_spinner=False, max_entries=64)
def metrics(election_code: str, as_of: date, stage_id: int | None, version: str):
    """(offices, provinces) with every map metric, for the chosen stage or the active ones."""
    snap = snapshot(election_code, as_of, version)
    offices = readiness.region_metrics(snap, [stage_id] if stage_id else None)
    return offices, readiness.province_metrics(snap, offices)


@st.cache_data(show_spinner=False, max_entries=16)
def rankings(election_code: str, as_of: date, compare_days: int, version: str) -> dict[str, pd.DataFrame]:
    with engine().connect() as conn:
        return readiness.rankings(conn, election_code, as_of, compare_days,
                                  snap=snapshot(election_code, as_of, version))


@st.cache_data(show_spinner=False, max_entries=16)
def code_list(name: str, version: str) -> pd.DataFrame:
    """A reference code table: obstacle_category, severity, counterparty, document_requirement."""
    table = m.Base.metadata.tables[name]
    with engine().connect() as conn:
        return readiness.frame(conn, select(table))


@st.cache_data(show_spinner=False, max_entries=16)
def pilkada_codes(version: str) -> set[str]:
    """Regions holding Pilkada Serentak 2024 (the reference flag), for peer groups."""
    with engine().connect() as conn:
        regions = readiness.regions(conn)
    return set(regions.loc[regions["pilkada_2024"].astype(bool), "code"])


# ---- filters and language ---------------------------------------------------------


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
        # Elections keep their official (Indonesian) names in both languages, so a
        # shared link (which carries the label) opens the same election in either.
        names = dict(zip(el["code"], el["name_id"]))
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
    # markdown-safe: catalog text and the constant demo accounts (shown as code)
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


# ---- moving between views ---------------------------------------------------------

# Query parameters that make up a view; a drill-down keeps them and adds its own.
VIEW_PARAMS = ("bahasa", "pemilihan", "tahapan", "tanggal", "metrik", "tampilan", "kelas")


def go_to(page: str, **choice: str) -> None:
    """Open another page on the same view (filters kept) with its region picker set,
    e.g. go_to("pages/province.py", provinsi="73"). The link carries the picker's label
    ("73 · Sulawesi Selatan"), as the picker itself writes it, so it can be shared."""
    keep = {k: st.query_params[k] for k in VIEW_PARAMS if k in st.query_params}
    label = region_labels(data_version())
    st.switch_page(page, query_params=keep | {k: label(v) for k, v in choice.items()})


@st.cache_data(show_spinner=False, max_entries=16)
def _region_names(version: str) -> dict[str, str]:
    with engine().connect() as conn:
        return readiness.region_names(conn).to_dict()


def region_labels(version: str):
    """How region pickers show (and links carry) a region: "73.10 · Kabupaten …"."""
    names = _region_names(version)
    return lambda code: f"{code} · {names.get(code, '')}"


def selected_row(event, frame: pd.DataFrame, column: str) -> str | None:
    """The value of `column` in the row picked in an st.dataframe selection, if any."""
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    return str(frame.iloc[rows[0]][column]) if rows else None


# ---- map geometry -----------------------------------------------------------------

STATIC_GEO = ROOT / "static" / "geo"


def boundaries_available() -> bool:
    try:
        return geo.source_path(geo.boundaries_dir(), "province").exists()
    except FileNotFoundError:
        return False


@st.cache_resource(show_spinner=False)
def _static_layers(directory: str, version: str) -> bool:
    """Write the prepared layers once per process and boundaries version (an import or rollback
    makes a new one) as static files; the browser fetches each once and every later rerun sends
    only codes and values."""
    geo.write_static_geojson(STATIC_GEO, directory)
    _forget_geometry()
    return True


def _forget_geometry() -> None:
    # Streamlit runs a full garbage collection after every run: a parsed GeoJSON kept in
    # memory (about a million small objects) made every rerun ~250 ms slower. The server
    # keeps only bounds and codes; the browser has the geometry.
    geo.clear_memory_cache()


def geo_url(level: str, province_code: str | None = None) -> str | None:
    """URL of a prepared layer, or None when no boundaries are installed (tile-grid map)."""
    if not boundaries_available():
        return None
    directory = str(geo.boundaries_dir())
    _static_layers(directory, geo.boundaries_version(directory))
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    name = "provinces" if level == "province" else f"regencies-{province_code}" if province_code else "regencies"
    return f"{'/' + base if base else ''}/app/static/geo/{name}.geojson"


@st.cache_data(show_spinner=False, max_entries=64)
def layer_bounds(level: str, province_code: str | None, directory: str, version: str) -> tuple:
    """Only the bounds stay in memory across reruns, not the geometry."""
    bounds = tuple(charts.layer_bounds(geo.prepared_geojson(level, province_code, directory)))
    _forget_geometry()
    return bounds


def codes_with_boundary(directory: str) -> frozenset[str]:
    """Regency codes that have a polygon; the others are listed as "tanpa batas wilayah"."""
    return _codes_with_boundary(directory, geo.boundaries_version(directory))


@st.cache_data(show_spinner=False, max_entries=16)
def _codes_with_boundary(directory: str, version: str) -> frozenset[str]:
    codes = frozenset(str(f["id"]) for f in geo.prepared_geojson("regency", None, directory)["features"])
    _forget_geometry()
    return codes


@dataclass(frozen=True)
class MapView:
    metric: str
    tiles: bool
    classes: bool


def map_controls(f: Filters) -> MapView:
    """Metric, map or tile grid, classes or scale: in the URL like the filters."""
    metric_names = {k: v[f.lang == "en"] for k, v in readiness.METRICS.items()}
    has_map = boundaries_available()
    with st.container(horizontal=True, vertical_alignment="bottom"):
        metric = st.selectbox(t("metric"), options=list(metric_names), format_func=metric_names.get,
                              key="metrik", bind="query-params")
        tiles = st.segmented_control(t("view"), options=["peta", "ubin"], default="peta" if has_map else "ubin",
                                     format_func=lambda v: t("view_" + v), key="tampilan", bind="query-params",
                                     disabled=not has_map)
        classes = st.toggle(t("show_classes"), key="kelas", bind="query-params",
                            help=t("show_classes_help"))
    return MapView(metric, tiles == "ubin" or not has_map, classes)


def map_figure(f: Filters, view: MapView, level: str = "province", province_code: str | None = None):
    """The page's map for the view, cached: switching back to a metric costs nothing."""
    url = None if view.tiles else geo_url(level, province_code)
    directory = str(geo.boundaries_dir())
    return _map_figure(f.election_code, f.as_of, f.stage_id, f.lang, f.version, view.metric, view.tiles,
                       view.classes, level, province_code, url, directory,
                       None if view.tiles else geo.boundaries_version(directory))


@st.cache_data(show_spinner=False, max_entries=256)
def _map_figure(election_code: str, as_of: date, stage_id: int | None, language: str, version: str, metric: str,
                tiles: bool, classes: bool, level: str, province_code: str | None, url: str | None, directory: str,
                boundaries_version: str | None):
    offices, provinces = metrics(election_code, as_of, stage_id, version)
    if tiles:
        return charts.tile_map(provinces, metric, language, classes, height=600)
    return charts.choropleth(provinces if level == "province" else offices, metric, language, url, level=level,
                             province_code=province_code, classes=classes, width=520,
                             bounds=layer_bounds(level, province_code, directory, boundaries_version),
                             attribution=geo.attribution(level, directory))


@st.cache_data(show_spinner=False, max_entries=64)
def region_history(election_code: str, region_code: str, as_of: date, version: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return readiness.region_history(conn, election_code, region_code, as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def reporting_days(election_code: str, region_code: str, as_of: date, version: str) -> pd.Series:
    with engine().connect() as conn:
        return readiness.reporting_days(conn, election_code, region_code, as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def obstacle_actions(obstacle_ids: tuple[int, ...], version: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return readiness.obstacle_actions(conn, list(obstacle_ids))


def metric_columns(metric: str) -> dict:
    """Column layout for `display.metric_table`: whole numbers (no decimal separator to
    localise in a sortable column), bars for 0–100 metrics."""
    label = readiness.METRICS[metric][lang() == "en"]
    if metric in ("lag", "obstacles"):
        value = st.column_config.NumberColumn(label, format="%.0f")
    else:
        value = st.column_config.ProgressColumn(label, format="%.0f", min_value=0, max_value=100)
    return {
        "region_code": None,
        "name": st.column_config.TextColumn(t("region")),
        "value": value,
        "class": st.column_config.TextColumn(t("class_col"), width="small"),
        "rank": st.column_config.NumberColumn(t("rank"), format="%d", width="small"),
        "obstacles": st.column_config.NumberColumn(t("open_obstacles_short"), format="%d", width="small"),
    }


def briefing_refresh_seconds() -> int:
    """How often the briefing screen refreshes (seconds)."""
    return settings().briefing_refresh_seconds


def page_filters() -> Filters:
    """The shared filters dashboard.py set for this run; stops the page when there are
    none (no election in the database, or the page was opened outside dashboard.py)."""
    filters = st.session_state.get("filters")
    if filters is None:
        st.stop()
    return filters
