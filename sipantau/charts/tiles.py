"""The tile map: the 38 provinces as equal squares, plain SVG (no MapLibre, no glyphs, no WebGL)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sipantau import i18n
from sipantau.charts.look import (
    CLASS_COLORS,
    CONTINUOUS_SCALE,
    FONT_FAMILY,
    MISSING_COLOR,
    PERCENT_METRICS,
    SCORE_METRICS,
    base_layout,
    chart_text,
    class_label,
    higher_is_better,
    metric_label,
    value_range,
)
from sipantau.charts.maps import hover_data, hovertemplate, map_rows
from sipantau.inert import plotly_escape
from sipantau.readiness import CLASSES

# Short province names as officials say them (Sumut, Jabar, …): the labels of the tile map.
PROVINCE_SHORT = {
    "11": "Aceh", "12": "Sumut", "13": "Sumbar", "14": "Riau", "15": "Jambi", "16": "Sumsel",
    "17": "Bkl", "18": "Lpg", "19": "Babel", "21": "Kepri", "31": "DKI", "32": "Jabar", "33": "Jateng",
    "34": "DIY", "35": "Jatim", "36": "Banten", "51": "Bali", "52": "NTB", "53": "NTT", "61": "Kalbar",
    "62": "Kalteng", "63": "Kalsel", "64": "Kaltim", "65": "Kaltara", "71": "Sulut", "72": "Sulteng",
    "73": "Sulsel", "74": "Sultra", "75": "Gtlo", "76": "Sulbar", "81": "Maluku", "82": "Malut",
    "91": "Papua", "92": "PaBar", "93": "PaSel", "94": "PaTeng", "95": "PaPeg", "96": "PBD",
}


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
             tiles: pd.DataFrame, names: Mapping[str, str] | None = None, height: int = 520,
             title: str | None = None, color_range: tuple[float, float] | None = None) -> go.Figure:
    """The 38 provinces as equal squares, each labelled with its short name and value: readable on a
    projector, and plain SVG (no MapLibre, no glyphs, no WebGL).

    tiles: one row per province (code, row, col; `geo.province_tile_grid()`), handed in by the caller;
    names: province names for tiles the frame has no row for. Tiles are layout shapes; one
    invisible-marker scatter at the tile centres carries the labels, hover and selection
    (`customdata[5]` = province code); colourbar/legend come from empty traces."""
    rows = map_rows(frame, "province")
    rows = rows.set_index("region_code").reindex(tiles["code"])
    fallback = tiles["code"] if names is None else tiles["code"].map(dict(names)).fillna(tiles["code"])
    rows["name"] = rows["name"].fillna(pd.Series(fallback.to_numpy(), index=rows.index))
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
        hovertemplate=hovertemplate(metric, lang), showlegend=False, name="")]
    if classes:
        present = [c for c in CLASSES if c in set(rows.get("class", pd.Series(dtype=str)).dropna())]
        for c in present:
            traces.append(go.Scatter(x=[None], y=[None], mode="markers", name=class_label(c, lang),
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
                                 "ticksuffix": "%" if metric in PERCENT_METRICS else ""}}))
    if values.isna().any() or (classes and rows["class"].isna().any() if "class" in rows.columns else False):
        traces.append(go.Scatter(x=[None], y=[None], mode="markers", name=chart_text("no_value", lang),
                                 marker={"symbol": "square", "size": 14, "color": MISSING_COLOR},
                                 hoverinfo="skip", showlegend=True))
    ncols, nrows = int(tiles["col"].max()) + 1, int(tiles["row"].max()) + 1
    fig = go.Figure(traces)
    axis = {"visible": False, "fixedrange": True, "showgrid": False, "zeroline": False}
    fig.update_layout(**base_layout(
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
    if metric in PERCENT_METRICS:
        return i18n.percent(float(value), lang, 0)
    if metric == "obstacles":
        return i18n.number(int(value), lang)
    return i18n.number(float(value), lang, 0 if metric in SCORE_METRICS else 1)

