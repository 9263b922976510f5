"""Maps: regions coloured by a metric or by class, on MapLibre with no base map.

The geometry is handed in (a URL of the served layer, or the layer itself) with its bounds and
attribution: nothing here reads a boundary file.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sipantau import i18n
from sipantau.charts.look import (
    BORDER_COLOR,
    CLASS_COLORS,
    CONTINUOUS_SCALE,
    INDONESIA_BOUNDS,
    MAP_HEIGHT,
    MAP_WIDTH_HINT,
    MISSING_COLOR,
    PERCENT_METRICS,
    TEXT,
    base_layout,
    chart_text,
    class_label,
    format_value,
    higher_is_better,
    metric_label,
    value_range,
)
from sipantau.inert import plotly_escape
from sipantau.readiness import CLASSES, METRICS

# ---------------------------------------------------------------------------- map view


def layer_bounds(geojson: Mapping) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a FeatureCollection's coordinates."""
    xmin = ymin = math.inf
    xmax = ymax = -math.inf
    for feature in geojson.get("features", []):
        arr = _coords_array(feature.get("geometry") or {})
        if arr.size:
            xmin, ymin = min(xmin, arr[:, 0].min()), min(ymin, arr[:, 1].min())
            xmax, ymax = max(xmax, arr[:, 0].max()), max(ymax, arr[:, 1].max())
    if xmin == math.inf:
        return INDONESIA_BOUNDS
    return float(xmin), float(ymin), float(xmax), float(ymax)


def _coords_array(geometry: Mapping) -> np.ndarray:
    coords = geometry.get("coordinates")
    if not coords:
        return np.empty((0, 2))
    if geometry.get("type") == "Polygon":
        rings = coords
    elif geometry.get("type") == "MultiPolygon":
        rings = [ring for poly in coords for ring in poly]
    else:
        return np.empty((0, 2))
    return np.concatenate([np.asarray(r, dtype=float)[:, :2] for r in rings if len(r)])


def _merc_y(lat: float) -> float:
    lat = max(-85.0, min(85.0, lat))
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(bounds: Iterable[float], width: int = MAP_WIDTH_HINT, height: int = MAP_HEIGHT,
             padding: float = 0.05, max_zoom: float = 11.0) -> tuple[dict, float]:
    """Centre and zoom that fit (west, south, east, north) into width × height pixels of a
    MapLibre map (Web Mercator, 512-px world at zoom 0), with `padding` of the smaller side free."""
    west, south, east, north = bounds
    y0, y1 = _merc_y(south), _merc_y(north)
    center = {"lon": (west + east) / 2, "lat": math.degrees(2 * math.atan(math.exp((y0 + y1) / 2)) - math.pi / 2)}
    usable_w, usable_h = width * (1 - 2 * padding), height * (1 - 2 * padding)
    frac_x = max((east - west) / 360.0, 1e-6)
    frac_y = max((y1 - y0) / (2 * math.pi), 1e-6)
    zoom = math.log2(min(usable_w / (512 * frac_x), usable_h / (512 * frac_y)))
    return center, round(min(max_zoom, max(0.0, zoom)), 3)


def _view_bounds(geojson, bounds) -> tuple:
    """What the map fits: the bounds handed in, the embedded layer's own, else all of Indonesia."""
    if bounds is not None:
        return tuple(bounds)
    if isinstance(geojson, Mapping):
        return layer_bounds(geojson)
    return INDONESIA_BOUNDS


# ---------------------------------------------------------------------------- map rows


def map_rows(frame: pd.DataFrame, level: str, province_code: str | None = None) -> pd.DataFrame:
    """The rows a map of `level` shows: that level only, one province's when asked."""
    rows = frame
    if "level" in rows.columns:
        rows = rows[rows["level"] == level]
    if province_code:
        prov = rows["province_code"] if "province_code" in rows.columns else rows["region_code"].str[:2]
        rows = rows[prov == province_code]
    return rows.drop_duplicates("region_code").reset_index(drop=True)


def _rank_text(rows: pd.DataFrame, frame: pd.DataFrame, level: str, province_code: str | None, lang: str) -> list[str]:
    """'12 / 508' (nationally) or '3 / 24 di provinsi (nasional 120 / 508)'."""
    if "rank" not in rows.columns:
        return ["–"] * len(rows)
    peers = frame[frame["level"] == level] if "level" in frame.columns else frame
    n_all = int(peers["rank"].notna().sum())
    out = []
    if province_code and "rank_in_province" in rows.columns:
        n_prov = int(rows["rank_in_province"].notna().sum())
        for r_prov, r_all in zip(rows["rank_in_province"], rows["rank"]):
            if pd.isna(r_prov):
                out.append("–")
            else:
                local = f"{i18n.number(int(r_prov), lang)} / {i18n.number(n_prov, lang)}"
                national = f"{i18n.number(int(r_all), lang)} / {i18n.number(n_all, lang)}"
                out.append(f"{local} {chart_text('rank_in_province', lang)} ({chart_text('national', lang)} {national})")
        return out
    for r in rows["rank"]:
        out.append("–" if pd.isna(r) else f"{i18n.number(int(r), lang)} / {i18n.number(n_all, lang)}")
    return out


def hover_data(rows: pd.DataFrame, frame: pd.DataFrame, metric: str, lang: str, level: str,
               province_code: str | None = None) -> list[list]:
    """Per row: [name, value text, rank text, open obstacles text, class label] in `lang`; the name
    escaped, as plotly renders HTML in hover text."""
    values = rows[metric] if metric in rows.columns else pd.Series(np.nan, index=rows.index)
    obstacles = rows["obstacles"] if "obstacles" in rows.columns else pd.Series(np.nan, index=rows.index)
    classes = rows["class"] if "class" in rows.columns else pd.Series("", index=rows.index)
    ranks = _rank_text(rows, frame, level, province_code, lang)
    return [
        [plotly_escape(name), format_value(metric, v, lang), rank, format_value("obstacles", o, lang),
         class_label(c, lang) if c in CLASSES else "–"]
        for name, v, rank, o, c in zip(rows["name"], values, ranks, obstacles, classes)
    ]


def hovertemplate(metric: str, lang: str, class_literal: str | None = None) -> str:
    status = class_literal if class_literal is not None else "%{customdata[4]}"
    return (f"<b>%{{customdata[0]}}</b><br>{metric_label(metric, lang)}: %{{customdata[1]}}"
            f"<br>{chart_text('status', lang)}: {status}"
            f"<br>{chart_text('rank', lang)}: %{{customdata[2]}}"
            f"<br>{chart_text('open_obstacles', lang)}: %{{customdata[3]}}<extra></extra>")


def _subset(features_by_id: dict, codes: Iterable[str]) -> dict:
    """A FeatureCollection of these codes, properties dropped (the hover carries names)."""
    feats = [{"type": "Feature", "id": c, "properties": {}, "geometry": features_by_id[c]["geometry"]}
             for c in codes if c in features_by_id]
    return {"type": "FeatureCollection", "features": feats}


# ---------------------------------------------------------------------------- choropleth


def choropleth(frame: pd.DataFrame, metric: str, lang: str = "id", geojson: Mapping | str | None = None, *,
               level: str = "province", province_code: str | None = None, classes: bool = False,
               attribution: str | None = None, bounds: Iterable[float] | None = None,
               width: int | None = None, height: int = MAP_HEIGHT, title: str | None = None,
               color_range: tuple[float, float] | None = None) -> go.Figure:
    """Regions coloured by `metric` (or by class), on MapLibre with no base map.

    frame: `readiness.region_metrics` (offices) or `province_metrics` rows; only `level` rows (and
    `province_code`'s) are drawn. geojson: dict = embedded (export), str = URL of the prepared layer
    (page; pass `bounds=layer_bounds(layer)`, else the map fits all of Indonesia). attribution: the
    layer's (`geo.attribution`, found by the caller; it must be shown wherever the maps are); None =
    the embedded layer's own, else the reference copy's in `lang`. width: the expected pixel width,
    used only to fit the zoom (the figure itself stays responsive)."""
    if geojson is None:
        raise ValueError("geojson: berikan dict GeoJSON (ekspor) atau URL berkas statis (halaman)")
    if metric not in frame.columns:
        raise KeyError(f"metrik {metric!r} tidak ada di frame; pilihan: {', '.join(METRICS)}")
    rows = map_rows(frame, level, province_code)
    embedded = isinstance(geojson, Mapping)
    features = {str(f.get("id")): f for f in geojson["features"]} if embedded else {}
    if embedded:  # a region without a polygon cannot be drawn; the grey trace takes the polygons with no row
        rows = rows[rows["region_code"].isin(features)].reset_index(drop=True)
    custom = hover_data(rows, frame, metric, lang, level, province_code)
    values = pd.to_numeric(rows[metric], errors="coerce")
    # Plain dicts: go.Figure validates (and copies the geometry) once, not once per trace object too.
    traces: list[dict] = []

    def geometry(codes):
        return _subset(features, codes) if embedded else geojson

    common = {"featureidkey": "id", "marker": {"line": {"color": BORDER_COLOR, "width": 0.6}}}
    if classes:
        cls = rows["class"].where(rows["class"].isin(CLASSES), "no_data")
        for name in CLASSES:
            idx = np.flatnonzero((cls == name).to_numpy())
            if not len(idx):
                continue
            codes = rows["region_code"].iloc[idx].tolist()
            color = CLASS_COLORS[name]
            traces.append(dict(
                type="choroplethmap", geojson=geometry(codes), locations=codes, z=[1] * len(codes),
                colorscale=[[0, color], [1, color]], zmin=0, zmax=1, showscale=False,
                customdata=[custom[i] for i in idx],
                hovertemplate=hovertemplate(metric, lang, class_label(name, lang)),
                name=class_label(name, lang), legendgroup=name, showlegend=True, **common))
        missing_idx = np.array([], dtype=int)
    else:
        has = values.notna().to_numpy()
        idx = np.flatnonzero(has)
        lo, hi = color_range or value_range(metric, values)
        codes = rows["region_code"].iloc[idx].tolist()
        percent = metric in PERCENT_METRICS
        traces.append(dict(
            type="choroplethmap", geojson=geometry(codes), locations=codes, z=values.iloc[idx].round(2).tolist(),
            colorscale=CONTINUOUS_SCALE, reversescale=not higher_is_better(metric), zmin=lo, zmax=hi,
            customdata=[custom[i] for i in idx], hovertemplate=hovertemplate(metric, lang),
            name=metric_label(metric, lang), showlegend=False,
            colorbar={"title": {"text": metric_label(metric, lang), "side": "top", "font": {"size": 12}},
                      "orientation": "h", "x": 0.01, "xanchor": "left", "y": 0.03, "yanchor": "bottom",
                      "len": 0.28, "thickness": 12, "ticksuffix": "%" if percent else "",
                      "bgcolor": "rgba(255,255,255,0.85)", "outlinewidth": 0},
            **common))
        missing_idx = np.flatnonzero(~has)
    # Neutral grey: rows without a value, and (embedded) polygons of regions outside the frame.
    grey_codes = rows["region_code"].iloc[missing_idx].tolist()
    grey_custom = [custom[i] for i in missing_idx]
    in_frame = set(rows["region_code"])
    outside = [c for c in features if c not in in_frame]
    if outside:
        names = {c: features[c].get("properties", {}).get("name", c) for c in outside}
        grey_codes += outside
        grey_custom += [[plotly_escape(names[c]), "–", "–", "–", chart_text("not_in_election", lang)] for c in outside]
    if grey_codes:
        traces.append(dict(
            type="choroplethmap", geojson=geometry(grey_codes), locations=grey_codes, z=[0] * len(grey_codes),
            colorscale=[[0, MISSING_COLOR], [1, MISSING_COLOR]], zmin=0, zmax=1, showscale=False,
            customdata=grey_custom, hovertemplate=hovertemplate(metric, lang),
            name=chart_text("no_value" if len(missing_idx) else "not_in_election", lang), legendgroup="missing",
            showlegend=True, **common))

    view = _view_bounds(geojson, bounds)
    top, bottom = (36 if title else 0), 22
    center, zoom = fit_view(view, width or MAP_WIDTH_HINT, height - top - bottom)
    map_layout = {"style": "white-bg", "center": center, "zoom": zoom}
    if not embedded:
        # Page mode: every polygon of the layer as a grey base under the data, so regions missing
        # from the frame still show; a MapLibre fill layer from the same (cached) URL.
        map_layout["layers"] = [{"sourcetype": "geojson", "source": geojson, "type": "fill", "below": "traces",
                                 "color": MISSING_COLOR, "opacity": 1, "fill": {"outlinecolor": BORDER_COLOR}}]
    fig = go.Figure(traces)
    fig.update_layout(**base_layout(
        lang, map=map_layout, height=height, margin={"l": 0, "r": 0, "t": top, "b": bottom},
        uirevision=f"{level}-{province_code or 'ID'}",  # keep the user's pan/zoom across metric switches
        legend={"x": 0.01, "xanchor": "left", "y": 0.2 if not classes else 0.03, "yanchor": "bottom",
                "bgcolor": "rgba(255,255,255,0.85)", "itemclick": "toggle", "font": {"size": 12}},
        title={"text": plotly_escape(title), "x": 0.01, "font": {"size": 16}} if title else None,
    ))
    if attribution is None and embedded:  # a prepared layer carries its own
        attribution = geojson.get("attribution")
    _attribute(fig, attribution, lang)
    return fig


def _attribute(fig: go.Figure, attribution: str | None, lang: str) -> None:
    # The reference copy's credit is translated; an imported layer's is operator text, shown as text
    # (plotly would render <a>, <b>… in an annotation).
    reference = attribution is None or attribution == TEXT["attribution"][0]
    text = chart_text("attribution", lang) if reference else html.escape(attribution, quote=False)
    if text:
        fig.add_annotation(text=text, x=1, y=0, xref="paper", yref="paper", xanchor="right", yanchor="top",
                           showarrow=False, font={"size": 10, "color": "#555555"}, yshift=-2)


def selected_codes(event) -> list[str]:
    """Region codes from a Streamlit selection event (`st.plotly_chart(on_select="rerun")`):
    maps give `location`, the tile map its code in `customdata[5]`."""
    if event is None:
        return []
    selection = event.get("selection") if isinstance(event, Mapping) else getattr(event, "selection", None)
    if selection is None:
        return []
    points = selection.get("points") if isinstance(selection, Mapping) else getattr(selection, "points", None)
    codes = []
    for p in points or []:
        code = p.get("location")
        if code is None:
            data = p.get("customdata") or []
            code = data[5] if len(data) > 5 else None
        if code is not None and code not in codes:
            codes.append(str(code))
    return codes
