"""The look every figure shares: colours, fonts, labels, value formats and colour ranges."""

from __future__ import annotations

import math

import pandas as pd

from sipantau import i18n
from sipantau.readiness import METRICS

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
    "attribution": (i18n.t("boundaries_attribution", "id"), i18n.t("boundaries_attribution", "en")),
}


PERCENT_METRICS = {"progress", "compliance", "nphd_realised", "expected"}
SCORE_METRICS = {"index", "jadwal", "nphd", "dokumen", "ketepatan", "hambatan"}


def chart_text(key: str, lang: str) -> str:
    ind, eng = TEXT[key]
    return eng if lang == "en" and eng else ind


def class_label(cls: str, lang: str) -> str:
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
    if metric in PERCENT_METRICS:
        return i18n.percent(float(value), lang, 1)
    if metric == "lag":
        return f"{i18n.number(float(value), lang, 1)} {chart_text('points', lang)}"
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
    if metric in PERCENT_METRICS or metric in SCORE_METRICS:
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


def base_layout(lang: str, **extra) -> dict:
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
