"""Maps on a page: the controls (in the URL like the filters), serving the prepared geometry,
and the drill-down links from a map or a table to the next page.

The geometry is served as static files (`data.static_layers`) and handed to sipantau.charts
as a URL with its bounds and attribution; without boundaries the map is the province tile grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from sipantau import geo, readiness
from sipantau.ui import data
from sipantau.ui.filters import Filters, lang, t

# Query parameters that make up a view; a drill-down keeps them and adds its own.
VIEW_PARAMS = ("bahasa", "pemilihan", "tahapan", "tanggal", "metrik", "tampilan", "kelas")


# ---- geometry ----------------------------------------------------------------------------------


def boundaries_available() -> bool:
    try:
        return geo.source_path(geo.boundaries_dir(), "province").exists()
    except FileNotFoundError:
        return False


def geo_url(level: str, province_code: str | None = None) -> str | None:
    """URL of a prepared layer, or None when no boundaries are installed (tile-grid map)."""
    if not boundaries_available():
        return None
    directory = str(geo.boundaries_dir())
    data.static_layers(directory, geo.boundaries_version(directory))
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    name = "provinces" if level == "province" else f"regencies-{province_code}" if province_code else "regencies"
    return f"{'/' + base if base else ''}/app/static/geo/{name}.geojson"


def codes_with_boundary() -> frozenset[str]:
    """Regency codes that have a polygon; the others are listed as "tanpa batas wilayah"."""
    directory = str(geo.boundaries_dir())
    return data.codes_with_boundary(directory, geo.boundaries_version(directory))


# ---- the map of a page -------------------------------------------------------------------------


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


def regency_view(view: MapView) -> MapView:
    """Regencies are always drawn on the map (the tile grid holds provinces only)."""
    return MapView(view.metric, False, view.classes)


def map_figure(f: Filters, view: MapView, level: str = "province", province_code: str | None = None):
    """The page's map for the view, cached: switching back to a metric costs nothing."""
    url = None if view.tiles else geo_url(level, province_code)
    directory = str(geo.boundaries_dir())
    return data.map_figure(f.election_code, f.as_of, f.stage_id, f.lang, f.version, view.metric, view.tiles,
                           view.classes, level, province_code, url, directory,
                           None if view.tiles else geo.boundaries_version(directory))


def tile_figure(f: Filters, version: str, metric: str, *, classes: bool, height: int):
    """The province tile map of the filters' view at `version` (the briefing screen re-reads it)."""
    return data.tile_figure(f.election_code, f.as_of, f.stage_id, f.lang, version, metric, classes, height)


def metric_columns(metric: str) -> dict:
    """Column layout for `screens.lists.metric_table`: whole numbers (no decimal separator to
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


# ---- moving between views ----------------------------------------------------------------------


def go_to(page: str, **choice: str) -> None:
    """Open another page on the same view (filters kept) with its region picker set,
    e.g. go_to("pages/province.py", provinsi="73"). The link carries the picker's label
    ("73 · Sulawesi Selatan"), as the picker itself writes it, so it can be shared."""
    keep = {k: st.query_params[k] for k in VIEW_PARAMS if k in st.query_params}
    label = region_labels(data.data_version())
    st.switch_page(page, query_params=keep | {k: label(v) for k, v in choice.items()})


def region_labels(version: str):
    """How region pickers show (and links carry) a region: "73.10 · Kabupaten …"."""
    names = data.region_names(version)
    return lambda code: f"{code} · {names.get(code, '')}"


def selected_row(event, frame: pd.DataFrame, column: str) -> str | None:
    """The value of `column` in the row picked in an st.dataframe selection, if any."""
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    return str(frame.iloc[rows[0]][column]) if rows else None
