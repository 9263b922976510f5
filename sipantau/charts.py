"""Plotly figures for the dashboard and exports, safe on closed networks.

Nothing here may make the browser reach the internet:
- maps are `go.Choroplethmap` (MapLibre) on the `white-bg` style: no tiles, no sprites, and no
  symbol/text layers, because MapLibre text needs glyph files from a URL (plotly's white-bg style
  points at fonts.openmaptiles.org). Labels on maps are therefore never MapLibre text; the tile
  map is an SVG figure (rectangles + text), which renders offline with system fonts;
- never `go.Choropleth`/`px.choropleth` (d3-geo; plotly fetches its base map from a CDN);
- fonts are system fonts only (`FONT_FAMILY`), no web fonts.

Geometry travels one of two ways (`choropleth(..., geojson=...)`):
- a URL string (page mode): the prepared layer is served once as a static file
  (`geo.write_static_geojson`), the browser caches it, and the figure carries only codes, values
  and hover text — switching metric re-sends a few tens of kB;
- a dict (export mode): the features are embedded, split between the traces (each trace carries
  only its own regions' features), so the file stands alone and holds each polygon once.

Discrete classes are drawn as one trace per class (each with a one-colour colourscale and a legend
entry): a real legend, legend clicks toggle a class, and in export mode the features are partitioned
between the traces rather than repeated. Regions without a value (or outside the election) are one
more, neutral grey trace. Selection in Streamlit (`st.plotly_chart(on_select="rerun")`) returns
points with `location` = Kemendagri code on maps and `customdata[5]` = code on the tile map;
`selected_codes(event)` reads either.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sipantau import geo, i18n
from sipantau.inert import plotly_escape
from sipantau.readiness import CLASSES, METRICS

# ---------------------------------------------------------------------------- look

# System fonts only: whatever sans-serif the client has (no download, no web fonts).
FONT_FAMILY = ('system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", '
               '"DejaVu Sans", Arial, sans-serif')
FONT = {"family": FONT_FAMILY, "size": 13, "color": "#222222"}

# Okabe–Ito (Color Universal Design): distinguishable with every common colour-vision deficiency;
# behind/critical also differ in lightness, so they survive greyscale projectors.
CLASS_COLORS = {
    "on_track": "#009E73",  # bluish green
    "behind": "#E69F00",  # orange
    "critical": "#D55E00",  # vermillion
    "no_data": "#9E9E9E",  # neutral grey: started, but no report
    "not_started": "#56B4E9",  # sky blue: nothing expected yet
}
# Regions with no value for the metric, or not taking part in the election.
MISSING_COLOR = "#D9D9D9"
BORDER_COLOR = "#FFFFFF"
# Viridis (perceptually uniform, colour-blind safe, prints in greyscale): dark = worse, yellow = better.
# Lower-is-better metrics (lag, obstacles) use it reversed, so "worse" is always dark.
CONTINUOUS_SCALE = [
    [0.0, "#440154"], [0.1, "#482878"], [0.2, "#3E4A89"], [0.3, "#31688E"], [0.4, "#26828E"],
    [0.5, "#1F9E89"], [0.6, "#35B779"], [0.7, "#6ECE58"], [0.8, "#B5DE2B"], [0.9, "#DDE318"], [1.0, "#FDE725"],
]
# Obstacle severity, rendah → kritis: one hue, darker when worse (ColorBrewer YlOrRd, CVD safe).
SEVERITY_ORDER = ["rendah", "sedang", "tinggi", "kritis"]
SEVERITY_COLORS = {"rendah": "#FECC5C", "sedang": "#FD8D3C", "tinggi": "#E31A1C", "kritis": "#800026"}
SERIES_COLORS = {"primary": "#0072B2", "secondary": "#E69F00", "tertiary": "#009E73", "expected": "#555555"}

# Indonesia with a small margin (west, south, east, north), degrees.
INDONESIA_BOUNDS = (94.7, -11.2, 141.3, 6.3)
MAP_HEIGHT = 560
MAP_WIDTH_HINT = 680  # px: the page column the map is fitted to when no width is given (too small only leaves margin)

# Chart-only strings (id, en). Screen-wide strings live in i18n.TEXT.
TEXT = {
    "rank": ("Peringkat indeks", "Index rank"),
    "rank_in_province": ("di provinsi", "in province"),
    "national": ("nasional", "national"),
    "open_obstacles": ("Hambatan terbuka", "Open obstacles"),
    "status": ("Status", "Status"),
    "no_value": ("Tidak ada data", "No data"),
    "not_in_election": ("Tidak ikut pemilihan ini", "Not in this election"),
    "points": ("poin", "pts"),
    "regions": ("wilayah", "regions"),
    "progress": ("Progres dilaporkan", "Reported progress"),
    "expected": ("Sesuai jadwal", "Per schedule"),
    "date": ("Tanggal", "Date"),
    "severity": ("Tingkat", "Severity"),
    "attribution": (
        geo.ATTRIBUTION,
        "Boundaries: Badan Informasi Geospasial, via ardian28/GeoJson-Indonesia-38-Provinsi "
        "and mashadinoor/Indonesia-Geojson-2026 (MIT licence).",
    ),
}

# Short province names as officials say them (Sumut, Jabar, …): the labels of the tile map.
PROVINCE_SHORT = {
    "11": "Aceh", "12": "Sumut", "13": "Sumbar", "14": "Riau", "15": "Jambi", "16": "Sumsel",
    "17": "Bkl", "18": "Lpg", "19": "Babel", "21": "Kepri", "31": "DKI", "32": "Jabar", "33": "Jateng",
    "34": "DIY", "35": "Jatim", "36": "Banten", "51": "Bali", "52": "NTB", "53": "NTT", "61": "Kalbar",
    "62": "Kalteng", "63": "Kalsel", "64": "Kaltim", "65": "Kaltara", "71": "Sulut", "72": "Sulteng",
    "73": "Sulsel", "74": "Sultra", "75": "Gtlo", "76": "Sulbar", "81": "Maluku", "82": "Malut",
    "91": "Papua", "92": "PaBar", "93": "PaSel", "94": "PaTeng", "95": "PaPeg", "96": "PBD",
}

_PERCENT = {"progress", "compliance", "nphd_realised", "expected"}
_SCORES = {"index", "jadwal", "nphd", "dokumen", "ketepatan", "hambatan"}


def _t(key: str, lang: str) -> str:
    ind, eng = TEXT[key]
    return eng if lang == "en" and eng else ind


def _class_label(cls: str, lang: str) -> str:
    return i18n.t(cls, lang)


def metric_label(metric: str, lang: str = "id") -> str:
    if metric in METRICS:
        ind, eng, _ = METRICS[metric]
        return eng if lang == "en" else ind
    return metric


def higher_is_better(metric: str) -> bool:
    return METRICS[metric][2] if metric in METRICS else True


def format_value(metric: str, value, lang: str = "id") -> str:
    """A metric value as the hover shows it: 87,5% / 12,3 poin / 4 / 91,2."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if metric in _PERCENT:
        return i18n.percent(float(value), lang, 1)
    if metric == "lag":
        return f"{i18n.number(float(value), lang, 1)} {_t('points', lang)}"
    if metric == "obstacles":
        return i18n.number(int(value), lang)
    return i18n.number(float(value), lang, 1)


def value_range(metric: str, values: pd.Series) -> tuple[float, float]:
    """Colour range from the data, on round numbers, so that differences between regions show
    (the colourbar states the range). Percentages and scores: multiples of 10 within 0–100 and at
    least 20 points wide; lag: always includes 0 and the 'critical' zone; obstacles: from 0.
    Pass `color_range=` to the figures for a fixed range (e.g. comparing days)."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    lo, hi = (float(v.min()), float(v.max())) if len(v) else (0.0, 100.0)
    if metric in _PERCENT or metric in _SCORES:
        lo, hi = max(0.0, math.floor(lo / 10) * 10), min(100.0, math.ceil(hi / 10) * 10)
        if hi - lo < 20:
            lo = max(0.0, hi - 20)
            hi = lo + 20
        return lo, hi
    if metric == "lag":
        return min(0.0, math.floor(lo / 5) * 5), max(30.0, math.ceil(hi / 5) * 5)
    if metric == "obstacles":
        return 0.0, max(5.0, math.ceil(hi))
    return (lo, hi) if hi > lo else (lo, lo + 1)


def _base_layout(lang: str, **extra) -> dict:
    return {
        "font": FONT,
        # Plotly's own number formatting (colourbar and axis ticks): Indonesian decimal comma.
        "separators": ",." if lang == "id" else ".,",
        "paper_bgcolor": "#FFFFFF",
        "plot_bgcolor": "#FFFFFF",
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": 13}, "align": "left"},
        "template": "none",  # no default template (~9 kB per figure, and its Open Sans font)
        **extra,
    }


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


def _view_bounds(geojson, level: str, province_code: str | None, bounds) -> tuple:
    if bounds is not None:
        return tuple(bounds)
    if isinstance(geojson, Mapping):
        return layer_bounds(geojson)
    if province_code:
        try:  # the page served this layer itself, so it is prepared and cached in memory
            return layer_bounds(geo.prepared_geojson("regency", province_code))
        except (OSError, ValueError):
            pass
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
                out.append(f"{local} {_t('rank_in_province', lang)} ({_t('national', lang)} {national})")
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
         _class_label(c, lang) if c in CLASSES else "–"]
        for name, v, rank, o, c in zip(rows["name"], values, ranks, obstacles, classes)
    ]


def _hovertemplate(metric: str, lang: str, class_literal: str | None = None) -> str:
    status = class_literal if class_literal is not None else "%{customdata[4]}"
    return (f"<b>%{{customdata[0]}}</b><br>{metric_label(metric, lang)}: %{{customdata[1]}}"
            f"<br>{_t('status', lang)}: {status}"
            f"<br>{_t('rank', lang)}: %{{customdata[2]}}"
            f"<br>{_t('open_obstacles', lang)}: %{{customdata[3]}}<extra></extra>")


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
    (page; pass `bounds=layer_bounds(...)` or let province maps find them). attribution: the layer's
    (`geo.attribution`; it must be shown wherever the maps are); None = the embedded layer's own, else
    the reference copy's in `lang`. width: the expected
    pixel width, used only to fit the zoom (the figure itself stays responsive)."""
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
                hovertemplate=_hovertemplate(metric, lang, _class_label(name, lang)),
                name=_class_label(name, lang), legendgroup=name, showlegend=True, **common))
        missing_idx = np.array([], dtype=int)
    else:
        has = values.notna().to_numpy()
        idx = np.flatnonzero(has)
        lo, hi = color_range or value_range(metric, values)
        codes = rows["region_code"].iloc[idx].tolist()
        percent = metric in _PERCENT
        traces.append(dict(
            type="choroplethmap", geojson=geometry(codes), locations=codes, z=values.iloc[idx].round(2).tolist(),
            colorscale=CONTINUOUS_SCALE, reversescale=not higher_is_better(metric), zmin=lo, zmax=hi,
            customdata=[custom[i] for i in idx], hovertemplate=_hovertemplate(metric, lang),
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
        grey_custom += [[plotly_escape(names[c]), "–", "–", "–", _t("not_in_election", lang)] for c in outside]
    if grey_codes:
        traces.append(dict(
            type="choroplethmap", geojson=geometry(grey_codes), locations=grey_codes, z=[0] * len(grey_codes),
            colorscale=[[0, MISSING_COLOR], [1, MISSING_COLOR]], zmin=0, zmax=1, showscale=False,
            customdata=grey_custom, hovertemplate=_hovertemplate(metric, lang),
            name=_t("no_value" if len(missing_idx) else "not_in_election", lang), legendgroup="missing",
            showlegend=True, **common))

    view = _view_bounds(geojson, level, province_code, bounds)
    top, bottom = (36 if title else 0), 22
    center, zoom = fit_view(view, width or MAP_WIDTH_HINT, height - top - bottom)
    map_layout = {"style": "white-bg", "center": center, "zoom": zoom}
    if not embedded:
        # Page mode: every polygon of the layer as a grey base under the data, so regions missing
        # from the frame still show; a MapLibre fill layer from the same (cached) URL.
        map_layout["layers"] = [{"sourcetype": "geojson", "source": geojson, "type": "fill", "below": "traces",
                                 "color": MISSING_COLOR, "opacity": 1, "fill": {"outlinecolor": BORDER_COLOR}}]
    fig = go.Figure(traces)
    fig.update_layout(**_base_layout(
        lang, map=map_layout, height=height, margin={"l": 0, "r": 0, "t": top, "b": bottom},
        uirevision=f"{level}-{province_code or 'ID'}",  # keep the user's pan/zoom across metric switches
        legend={"x": 0.01, "xanchor": "left", "y": 0.2 if not classes else 0.03, "yanchor": "bottom",
                "bgcolor": "rgba(255,255,255,0.85)", "itemclick": "toggle", "font": {"size": 12}},
        title={"text": plotly_escape(title), "x": 0.01, "font": {"size": 16}} if title else None,
    ))
    if attribution is None and embedded:  # a prepared layer carries its own (geo.attribution)
        attribution = geojson.get("attribution")
    _attribute(fig, attribution, lang)
    return fig


def _attribute(fig: go.Figure, attribution: str | None, lang: str) -> None:
    # The reference copy's credit is translated; an imported layer's is operator text, shown as text
    # (plotly would render <a>, <b>… in an annotation).
    text = _t("attribution", lang) if attribution in (None, geo.ATTRIBUTION) else html.escape(attribution, quote=False)
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


# ---------------------------------------------------------------------------- tile map


def _luminance(hex_color: str) -> float:
    r, g, b = (int(hex_color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _scale_color(value: float, lo: float, hi: float, reverse: bool) -> str:
    from plotly.colors import sample_colorscale

    pos = 0.0 if hi <= lo else min(1.0, max(0.0, (value - lo) / (hi - lo)))
    rgb = sample_colorscale(CONTINUOUS_SCALE, [1 - pos if reverse else pos], colortype="tuple")[0]
    return "#" + "".join(f"{round(c * 255):02X}" for c in rgb)


def tile_map(frame: pd.DataFrame, metric: str, lang: str = "id", classes: bool = False, *,
             height: int = 520, title: str | None = None,
             color_range: tuple[float, float] | None = None) -> go.Figure:
    """The 38 provinces as equal squares (data/reference/province_tiles.csv), each labelled with its
    short name and value: readable on a projector, and plain SVG (no MapLibre, no glyphs, no WebGL).

    Tiles are layout shapes; one invisible-marker scatter at the tile centres carries the labels,
    hover and selection (`customdata[5]` = province code); colourbar/legend come from empty traces."""
    tiles = geo.province_tile_grid()
    rows = map_rows(frame, "province")
    rows = rows.set_index("region_code").reindex(tiles["code"])
    rows["name"] = rows["name"].fillna(pd.Series(tiles["code"].map(_province_names()).to_numpy(), index=rows.index))
    rows = rows.reset_index().rename(columns={"index": "region_code", "code": "region_code"})
    custom = hover_data(rows, frame, metric, lang, "province")
    values = (pd.to_numeric(rows[metric], errors="coerce") if metric in rows.columns
              else pd.Series(np.nan, index=rows.index))
    lo, hi = color_range or value_range(metric, values)
    reverse = not higher_is_better(metric)
    colors = []
    for v, c in zip(values, rows["class"] if "class" in rows.columns else [None] * len(rows)):
        if classes:
            colors.append(CLASS_COLORS.get(c, MISSING_COLOR) if isinstance(c, str) else MISSING_COLOR)
        else:
            colors.append(MISSING_COLOR if pd.isna(v) else _scale_color(float(v), lo, hi, reverse))
    xs = (tiles["col"] + 0.5).to_numpy(dtype=float)
    ys = (-tiles["row"] - 0.5).to_numpy(dtype=float)
    gap = 0.06
    shapes = [{"type": "rect", "xref": "x", "yref": "y", "x0": x - 0.5 + gap, "x1": x + 0.5 - gap,
               "y0": y - 0.5 + gap, "y1": y + 0.5 - gap, "fillcolor": col, "line": {"width": 0}, "layer": "below"}
              for x, y, col in zip(xs, ys, colors)]
    short = [PROVINCE_SHORT.get(c, c) for c in tiles["code"]]
    value_text = ["–" if pd.isna(v) else _short_value(metric, v, lang) for v in values]
    labels = [f"<b>{s}</b><br>{v}" for s, v in zip(short, value_text)]
    text_colors = ["#FFFFFF" if _luminance(c) < 0.22 else "#111111" for c in colors]
    traces = [go.Scatter(
        x=xs, y=ys, mode="markers+text", text=labels, textposition="middle center",
        textfont={"family": FONT_FAMILY, "size": 13, "color": text_colors},
        marker={"symbol": "square", "size": 44, "opacity": 0, "color": "#000000"},
        selected={"marker": {"opacity": 0}}, unselected={"marker": {"opacity": 0}},
        customdata=[c + [code] for c, code in zip(custom, tiles["code"])],
        hovertemplate=_hovertemplate(metric, lang), showlegend=False, name="")]
    if classes:
        present = [c for c in CLASSES if c in set(rows.get("class", pd.Series(dtype=str)).dropna())]
        for c in present:
            traces.append(go.Scatter(x=[None], y=[None], mode="markers", name=_class_label(c, lang),
                                     marker={"symbol": "square", "size": 14, "color": CLASS_COLORS[c]},
                                     hoverinfo="skip", showlegend=True))
    else:
        traces.append(go.Scatter(
            x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
            marker={"color": [lo], "cmin": lo, "cmax": hi, "colorscale": CONTINUOUS_SCALE, "reversescale": reverse,
                    "showscale": True,
                    "colorbar": {"title": {"text": metric_label(metric, lang), "side": "top", "font": {"size": 12}},
                                 "orientation": "h", "x": 0.0, "xanchor": "left", "y": 0.0, "yanchor": "bottom",
                                 "len": 0.3, "thickness": 12, "outlinewidth": 0,
                                 "ticksuffix": "%" if metric in _PERCENT else ""}}))
    if values.isna().any() or (classes and rows["class"].isna().any() if "class" in rows.columns else False):
        traces.append(go.Scatter(x=[None], y=[None], mode="markers", name=_t("no_value", lang),
                                 marker={"symbol": "square", "size": 14, "color": MISSING_COLOR},
                                 hoverinfo="skip", showlegend=True))
    ncols, nrows = int(tiles["col"].max()) + 1, int(tiles["row"].max()) + 1
    fig = go.Figure(traces)
    axis = {"visible": False, "fixedrange": True, "showgrid": False, "zeroline": False}
    fig.update_layout(**_base_layout(
        lang, shapes=shapes, height=height, dragmode=False,
        xaxis={**axis, "range": [-0.1, ncols + 0.1]},
        yaxis={**axis, "range": [-nrows - 1.6, 0.1], "scaleanchor": "x", "scaleratio": 1},
        margin={"l": 4, "r": 4, "t": 36 if title else 4, "b": 4},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 0.0, "yanchor": "bottom",
                "itemclick": False, "itemdoubleclick": False, "font": {"size": 12}},
        title={"text": plotly_escape(title), "x": 0.01, "font": {"size": 16}} if title else None,
        hovermode="closest", hoverdistance=40,
    ))
    return fig


def _short_value(metric: str, value, lang: str) -> str:
    if metric in _PERCENT:
        return i18n.percent(float(value), lang, 0)
    if metric == "obstacles":
        return i18n.number(int(value), lang)
    return i18n.number(float(value), lang, 0 if metric in _SCORES else 1)


def _province_names() -> dict[str, str]:
    try:
        regions = geo.read_regions()
        return dict(zip(regions["code"], regions["name"]))
    except (OSError, ImportError):
        return {}


# ---------------------------------------------------------------------------- small charts


def severity_bar(counts_frame: pd.DataFrame, lang: str = "id", *, height: int = 220) -> go.Figure:
    """Open obstacles per severity, rendah at the top → kritis at the bottom (never alphabetical).
    counts_frame: `NationalPicture.obstacles_by_severity` (code, name_id, name_en, open)."""
    df = counts_frame.copy()
    if "code" in df.columns and set(df["code"]) <= set(SEVERITY_ORDER):
        df = df.assign(_o=df["code"].map(SEVERITY_ORDER.index)).sort_values("_o")
    elif "rank" in df.columns:
        df = df.sort_values("rank")
    names = (df["name_en"] if lang == "en" else df["name_id"]) if "name_id" in df.columns else df["code"]
    names = [plotly_escape(n) for n in names]  # axis categories render HTML too
    counts = df["open"].astype(int).tolist()
    colors = [SEVERITY_COLORS.get(c, SERIES_COLORS["primary"]) for c in df.get("code", [None] * len(df))]
    fig = go.Figure(go.Bar(
        x=counts, y=names, orientation="h", marker={"color": colors},
        text=[i18n.number(v, lang) for v in counts], textposition="outside", cliponaxis=False,
        hovertemplate=f"%{{y}}: %{{text}} {_t('open_obstacles', lang).lower()}<extra></extra>"))
    fig.update_layout(**_base_layout(
        lang, height=height, margin={"l": 8, "r": 40, "t": 8, "b": 8}, showlegend=False,
        xaxis={"title": {"text": _t("open_obstacles", lang)}, "rangemode": "tozero", "gridcolor": "#EEEEEE",
               "automargin": True},
        yaxis={"categoryorder": "array", "categoryarray": names, "autorange": "reversed",
               "title": {"text": ""}, "automargin": True},
    ))
    return fig


def stage_timeline(history_frame: pd.DataFrame, lang: str = "id", *, start_date: date | None = None,
                   end_date: date | None = None, as_of: date | None = None, title: str | None = None,
                   height: int = 320) -> go.Figure:
    """A region's progress in one stage over time (a step: a report holds until the next) against
    the schedule line. history_frame: situation_date, progress [, expected]; without `expected`,
    the schedule is drawn from start_date/end_date (0% the day before the start, 100% at the end,
    the rule of readiness.expected_progress)."""
    df = history_frame.sort_values("situation_date")
    dates = pd.to_datetime(df["situation_date"])
    fig = go.Figure()
    if "expected" in df.columns and df["expected"].notna().any():
        fig.add_trace(go.Scatter(x=dates, y=df["expected"], mode="lines", name=_t("expected", lang),
                                 line={"color": SERIES_COLORS["expected"], "dash": "dash", "width": 2},
                                 hovertemplate="%{x|%d-%m-%Y}: %{y:.1f}%<extra></extra>"))
    elif start_date is not None and end_date is not None:
        x = [pd.Timestamp(start_date) - timedelta(days=1), pd.Timestamp(end_date)]
        fig.add_trace(go.Scatter(x=x, y=[0, 100], mode="lines", name=_t("expected", lang),
                                 line={"color": SERIES_COLORS["expected"], "dash": "dash", "width": 2},
                                 hoverinfo="skip"))
    xs, ys = list(dates), [float(p) for p in df["progress"]]
    sizes = [7] * len(xs)
    if as_of is not None and xs and xs[-1] < pd.Timestamp(as_of):
        # the last report holds until the as-of date (no marker: nobody reported that day)
        xs, ys, sizes = xs + [pd.Timestamp(as_of)], ys + [ys[-1]], sizes + [0]
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="lines+markers", line={"shape": "hv", "color": SERIES_COLORS["primary"], "width": 3},
        marker={"size": sizes}, name=_t("progress", lang),
        customdata=[[i18n.day(d.date(), lang), i18n.percent(p, lang)] for d, p in zip(xs, ys)],
        hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>"))
    if as_of is not None:
        fig.add_vline(x=pd.Timestamp(as_of).timestamp() * 1000, line={"color": "#999999", "width": 1, "dash": "dot"})
    fig.update_layout(**_base_layout(
        lang, height=height, margin={"l": 8, "r": 8, "t": 64 if title else 36, "b": 8},
        title={"text": plotly_escape(title), "x": 0.01, "y": 0.98, "yanchor": "top", "font": {"size": 15}}
        if title else None,
        yaxis={"range": [0, 105], "ticksuffix": "%", "gridcolor": "#EEEEEE", "title": {"text": ""},
               "automargin": True},
        # numeric dates: plotly's month names would be English (no Indonesian plotly locale offline)
        xaxis={"gridcolor": "#EEEEEE", "title": {"text": ""}, "tickformat": "%d/%m/%Y", "automargin": True},
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        hovermode="closest",
    ))
    return fig


def nphd_bars(nphd_summary_frame: pd.DataFrame, lang: str = "id", *, height: int = 280) -> go.Figure:
    """Per counterparty (KPU, Bawaslu, TNI, Polri): regions signed, fully and partly disbursed,
    out of the participating regions. nphd_summary_frame: `readiness.nphd_summary`."""
    df = nphd_summary_frame
    names = [plotly_escape(n) for n in df["counterparty"]]  # axis categories render HTML too
    series = [("signed", "signed", SERIES_COLORS["primary"]),
              ("fully_realised", "fully_realised", SERIES_COLORS["tertiary"]),
              ("partly_realised", "partly_realised", SERIES_COLORS["secondary"])]
    fig = go.Figure()
    for col, key, color in series:
        counts = df[col].astype(int).tolist()
        custom = [[i18n.number(v, lang), i18n.number(n, lang), i18n.rupiah_short(r, lang), i18n.rupiah_short(a, lang)]
                  for v, n, r, a in zip(counts, df["regions"], df["realised_value"], df["agreed_value"])]
        fig.add_trace(go.Bar(
            x=counts, y=names, orientation="h", name=i18n.t(key, lang), marker={"color": color},
            customdata=custom,
            hovertemplate=(f"%{{y}} · {i18n.t(key, lang)}: %{{customdata[0]}} / %{{customdata[1]}} "
                           f"{_t('regions', lang)}<br>{i18n.t('realised_value', lang)}: %{{customdata[2]}} / "
                           "%{customdata[3]}<extra></extra>")))
    fig.update_layout(**_base_layout(
        lang, height=height, barmode="group", margin={"l": 8, "r": 8, "t": 8, "b": 8},
        xaxis={"title": {"text": _t("regions", lang).capitalize()}, "gridcolor": "#EEEEEE", "rangemode": "tozero",
               "automargin": True},
        yaxis={"categoryorder": "array", "categoryarray": names, "autorange": "reversed", "title": {"text": ""},
               "automargin": True},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    ))
    return fig


# ---------------------------------------------------------------------------- offline HTML

# An HTML file opened from disk (file://) has an opaque origin, and Chromium then refuses the
# blob: URL MapLibre starts its worker from ("Refused to cross-origin redirects of the top-level
# worker script"): the map stays blank. Served over http(s) nothing changes; on file:// this
# re-creates such a worker from a data: URL holding the same code (MapLibre's blob is an
# `import "blob:…"` stub, followed once). Any failure falls back to the original call.
FILE_WORKER_SHIM = """<script>
(function () {
  if (location.protocol !== 'file:' || !window.Worker) return;
  var NativeWorker = window.Worker;
  function read(url) { var x = new XMLHttpRequest(); x.open('GET', url, false); x.send(); return x.responseText; }
  function FileWorker(url, options) {
    if (String(url).indexOf('blob:') === 0) {
      try {
        var code = read(String(url)), m = /^import\\s+"(blob:[^"]+)";?\\s*$/.exec(code);
        if (m) code = read(m[1]);
        return new NativeWorker('data:text/javascript;charset=utf-8,' + encodeURIComponent(code), options);
      } catch (e) { /* fall through */ }
    }
    return new NativeWorker(url, options);
  }
  FileWorker.prototype = NativeWorker.prototype;
  window.Worker = FileWorker;
})();
</script>"""

# plotly.js 3.x/4.x (Streamlit's bundle included) default to showSendToCloud=true: a modebar button
# that posts the figure, data included, to Plotly's cloud. Never on a government network.
PLOTLY_CONFIG = {"displaylogo": False, "showSendToCloud": False,
                 "scrollZoom": False}
HTML_CONFIG = {**PLOTLY_CONFIG, "responsive": True}


def plotly_config(lang: str = "id", **extra) -> dict:
    """`config=` for st.plotly_chart and exports (no cloud button, no logo). Numbers are localised
    by the figures' `separators`; dates on axes are numeric (no registered plotly locale needed)."""
    return {**PLOTLY_CONFIG, **extra}


def offline_html(fig: go.Figure, *, title: str = "Sipantau") -> str:
    """One self-contained HTML page: plotly.js inlined (no CDN, no MathJax), the file:// worker shim,
    system fonts. Opens from disk, a USB stick or an intranet share with the network cut."""
    body = fig.to_html(include_plotlyjs=True, include_mathjax=False, full_html=False, config=HTML_CONFIG,
                       default_width="100%", default_height=f"{int(fig.layout.height or MAP_HEIGHT)}px")
    return (f'<!DOCTYPE html>\n<html lang="id">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{html.escape(title, quote=False)}</title>\n'
            f'{FILE_WORKER_SHIM}\n<style>body{{margin:0;font-family:{FONT_FAMILY};background:#fff}}</style>\n'
            f'</head>\n<body>\n{body}\n</body>\n</html>\n')
