"""Small charts: open obstacles by severity, one region's progress in one stage over time."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go

from sipantau import i18n
from sipantau.charts.look import (
    SERIES_COLORS,
    SEVERITY_COLORS,
    SEVERITY_ORDER,
    base_layout,
    chart_text,
)
from sipantau.inert import plotly_escape


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
        hovertemplate=f"%{{y}}: %{{text}} {chart_text('open_obstacles', lang).lower()}<extra></extra>"))
    fig.update_layout(**base_layout(
        lang, height=height, margin={"l": 8, "r": 40, "t": 8, "b": 8}, showlegend=False,
        xaxis={"title": {"text": chart_text("open_obstacles", lang)}, "rangemode": "tozero", "gridcolor": "#EEEEEE",
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
        fig.add_trace(go.Scatter(x=dates, y=df["expected"], mode="lines", name=chart_text("expected", lang),
                                 line={"color": SERIES_COLORS["expected"], "dash": "dash", "width": 2},
                                 hovertemplate="%{x|%d-%m-%Y}: %{y:.1f}%<extra></extra>"))
    elif start_date is not None and end_date is not None:
        x = [pd.Timestamp(start_date) - timedelta(days=1), pd.Timestamp(end_date)]
        fig.add_trace(go.Scatter(x=x, y=[0, 100], mode="lines", name=chart_text("expected", lang),
                                 line={"color": SERIES_COLORS["expected"], "dash": "dash", "width": 2},
                                 hoverinfo="skip"))
    xs, ys = list(dates), [float(p) for p in df["progress"]]
    sizes = [7] * len(xs)
    if as_of is not None and xs and xs[-1] < pd.Timestamp(as_of):
        # the last report holds until the as-of date (no marker: nobody reported that day)
        xs, ys, sizes = xs + [pd.Timestamp(as_of)], ys + [ys[-1]], sizes + [0]
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="lines+markers", line={"shape": "hv", "color": SERIES_COLORS["primary"], "width": 3},
        marker={"size": sizes}, name=chart_text("progress", lang),
        customdata=[[i18n.day(d.date(), lang), i18n.percent(p, lang)] for d, p in zip(xs, ys)],
        hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>"))
    if as_of is not None:
        fig.add_vline(x=pd.Timestamp(as_of).timestamp() * 1000, line={"color": "#999999", "width": 1, "dash": "dot"})
    fig.update_layout(**base_layout(
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
