"""The engine and every cached helper of the app: each `st.cache_*` of the project lives here.

Cached frames are keyed by `data_version()` (database and newest audit row), so a new report
shows on the next rerun while unchanged data is computed once. Snapshots are cached per
(election, day, data version): maps, lists and rankings of one view share one computation.
Geometry is kept out of the server's memory: the prepared layers are written once as static
files the browser fetches, and only their bounds and codes stay cached.
"""

from __future__ import annotations

import gc
import importlib
from datetime import date, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy import func, select

from sipantau import charts, clock, forms, geo, history, readiness
from sipantau import models as m
from sipantau.config import ROOT, settings
from sipantau.db import frame, get_engine
from sipantau.demo import is_demo

STATIC_GEO = ROOT / "static" / "geo"
# Code tables an input form offers, by the name the form uses.
CODE_TABLES = {"category": m.ObstacleCategory, "severity": m.Severity, "counterparty": m.Counterparty}


def engine():
    return _engine(settings().database_url)


@st.cache_resource
def _engine(url: str):
    return get_engine(url)


@st.cache_resource
def settle_process() -> None:
    """Once per server process: move the objects alive after start-up (modules, plotly's
    validators, pandas, caches) out of the garbage collector's sight. Streamlit runs a full
    collection after every script run; walking them cost ~150 ms per rerun (bench/page.py:
    a cached stage switch took 209 ms before, 55–63 ms after)."""
    # What the pages import beyond sipantau.ui, imported now so that it is frozen too (pandera is large).
    for module in ("sipantau.export", "sipantau.ingest"):
        importlib.import_module(module)
    gc.collect()
    gc.freeze()


def data_version() -> str:
    """Which database, and its newest audit row (every write adds one): part of every
    cache key, so a new report shows on the next rerun and two databases never mix."""
    with engine().connect() as conn:
        newest = conn.execute(select(func.max(m.AuditLog.id))).scalar() or 0
    return f"{settings().database_url}#{newest}"


# ---- the election and its stages ---------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def elections(version: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return history.elections(conn)


@st.cache_data(show_spinner=False, max_entries=16)
def stages(election_code: str, version: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return history.election_stages(conn, election_code)


def default_as_of(election_code: str, version: str) -> date:
    return _default_as_of(election_code, version, clock.today())


@st.cache_data(show_spinner=False, max_entries=16)
def _default_as_of(election_code: str, version: str, day: date) -> date:
    # `day` is part of the key: after midnight the default moves on without a write.
    with engine().connect() as conn:
        return readiness.default_as_of(*history.election_dates(conn, election_code), day)


@st.cache_data(show_spinner=False, max_entries=16)
def demo_database(version: str) -> bool:
    with engine().connect() as conn:
        return is_demo(conn)


# ---- what the monitoring pages show ------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def snapshot(election_code: str, as_of: date, version: str) -> readiness.Snapshot:
    with engine().connect() as conn:
        return readiness.snapshot(history.load(conn, election_code, as_of))


@st.cache_data(show_spinner=False, max_entries=32)
def national(election_code: str, as_of: date, version: str) -> readiness.NationalPicture:
    return readiness.national(snapshot(election_code, as_of, version))


@st.cache_data(show_spinner=False, max_entries=64)
def metrics(election_code: str, as_of: date, stage_id: int | None, version: str):
    """(offices, provinces) with every map metric, for the chosen stage or the active ones."""
    snap = snapshot(election_code, as_of, version)
    offices = readiness.region_metrics(snap, [stage_id] if stage_id else None)
    return offices, readiness.province_metrics(snap, offices)


@st.cache_data(show_spinner=False, max_entries=16)
def rankings(election_code: str, as_of: date, compare_days: int, version: str) -> dict[str, pd.DataFrame]:
    return readiness.rankings(snapshot(election_code, as_of, version),
                              snapshot(election_code, as_of - timedelta(days=compare_days), version))


@st.cache_data(show_spinner=False, max_entries=16)
def code_list(name: str, version: str) -> pd.DataFrame:
    """A reference code table: obstacle_category, severity, counterparty, document_requirement."""
    table = m.Base.metadata.tables[name]
    with engine().connect() as conn:
        return frame(conn, select(table))


@st.cache_data(show_spinner=False, max_entries=16)
def pilkada_codes(version: str) -> set[str]:
    """Regions holding Pilkada Serentak 2024 (the reference flag), for peer groups."""
    with engine().connect() as conn:
        regions = history.regions(conn)
    return set(regions.loc[regions["pilkada_2024"].astype(bool), "code"])


@st.cache_data(show_spinner=False, max_entries=16)
def region_names(version: str) -> dict[str, str]:
    with engine().connect() as conn:
        return history.region_names(conn).to_dict()


@st.cache_data(show_spinner=False, max_entries=64)
def region_history(election_code: str, region_code: str, as_of: date, version: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return history.region_history(conn, election_code, region_code, as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def reporting_days(election_code: str, region_code: str, as_of: date, version: str) -> pd.Series:
    with engine().connect() as conn:
        return history.reporting_days(conn, election_code, region_code, as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def obstacle_actions(obstacle_ids: tuple[int, ...], version: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return history.obstacle_actions(conn, list(obstacle_ids))


# ---- what the input forms offer ----------------------------------------------------------------


@st.cache_data(show_spinner=False, ttl=600)
def election_regions(election_code: str, version: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return forms.election_regions(conn, election_code)


@st.cache_data(show_spinner=False, ttl=600)
def code_names(table: str, language: str, version: str) -> dict[str, str]:
    """code → name of an input form's code table (`CODE_TABLES`), in order."""
    with engine().connect() as conn:
        return forms.code_names(conn, CODE_TABLES[table], language)


# ---- map geometry and figures ------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def static_layers(directory: str, version: str) -> bool:
    """Write the prepared layers once per process and boundaries version (an import or rollback
    makes a new one) as static files; the browser fetches each once and every later rerun sends
    only codes and values."""
    geo.write_static_geojson(STATIC_GEO, directory)
    forget_geometry()
    return True


def forget_geometry() -> None:
    # Streamlit runs a full garbage collection after every run: a parsed GeoJSON kept in
    # memory (about a million small objects) made every rerun ~250 ms slower. The server
    # keeps only bounds and codes; the browser has the geometry.
    geo.clear_memory_cache()


@st.cache_data(show_spinner=False, max_entries=64)
def layer_bounds(level: str, province_code: str | None, directory: str, version: str) -> tuple:
    """Only the bounds stay in memory across reruns, not the geometry."""
    bounds = tuple(charts.layer_bounds(geo.prepared_geojson(level, province_code, directory)))
    forget_geometry()
    return bounds


@st.cache_data(show_spinner=False, max_entries=16)
def codes_with_boundary(directory: str, version: str) -> frozenset[str]:
    codes = frozenset(str(f["id"]) for f in geo.prepared_geojson("regency", None, directory)["features"])
    forget_geometry()
    return codes


@st.cache_data(show_spinner=False)
def province_tiles() -> pd.DataFrame:
    """The tile grid of the province tile map (data/reference/province_tiles.csv)."""
    return geo.province_tile_grid()


@st.cache_data(show_spinner=False, max_entries=256)
def map_figure(election_code: str, as_of: date, stage_id: int | None, language: str, version: str, metric: str,
               tiles: bool, classes: bool, level: str, province_code: str | None, url: str | None, directory: str,
               boundaries_version: str | None):
    """A page's map, cached per view: switching back to a metric costs nothing."""
    offices, provinces = metrics(election_code, as_of, stage_id, version)
    if tiles:
        return charts.tile_map(provinces, metric, language, classes, height=600, tiles=province_tiles(),
                               names=region_names(version))
    return charts.choropleth(provinces if level == "province" else offices, metric, language, url, level=level,
                             province_code=province_code, classes=classes, width=520,
                             bounds=layer_bounds(level, province_code, directory, boundaries_version),
                             attribution=geo.attribution(level, directory))


@st.cache_data(show_spinner=False, max_entries=16)
def tile_figure(election_code: str, as_of: date, stage_id: int | None, language: str, version: str, metric: str,
                classes: bool, height: int):
    """The province tile map alone (the briefing screen's), cached like the page maps."""
    _, provinces = metrics(election_code, as_of, stage_id, version)
    return charts.tile_map(provinces, metric, language, classes, height=height, tiles=province_tiles(),
                           names=region_names(version))
