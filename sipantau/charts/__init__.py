"""Plotly figures for the dashboard and exports, safe on closed networks.

Nothing here may make the browser reach the internet:
- maps are `go.Choroplethmap` (MapLibre) on the `white-bg` style: no tiles, no sprites, and no
  symbol/text layers, because MapLibre text needs glyph files from a URL (plotly's white-bg style
  points at fonts.openmaptiles.org). Labels on maps are therefore never MapLibre text; the tile
  map is an SVG figure (rectangles + text), which renders offline with system fonts;
- never `go.Choropleth`/`px.choropleth` (d3-geo; plotly fetches its base map from a CDN);
- fonts are system fonts only (`FONT_FAMILY`), no web fonts.

Geometry travels one of two ways (`choropleth(..., geojson=...)`):
- a URL string (page mode): the prepared layer is served once as a static file (sipantau.ui.maps),
  the browser caches it, and the figure carries only codes, values and hover text — switching
  metric re-sends a few tens of kB;
- a dict (export mode): the features are embedded, split between the traces (each trace carries
  only its own regions' features), so the file stands alone and holds each polygon once.

Discrete classes are drawn as one trace per class (each with a one-colour colourscale and a legend
entry): a real legend, legend clicks toggle a class, and in export mode the features are partitioned
between the traces rather than repeated. Regions without a value (or outside the election) are one
more, neutral grey trace. Selection in Streamlit (`st.plotly_chart(on_select="rerun")`) returns
points with `location` = Kemendagri code on maps and `customdata[5]` = code on the tile map;
`selected_codes(event)` reads either.

Pure: geometry, bounds, attribution and the tile grid are handed in by the caller (sipantau.ui.maps,
cli_map); nothing here reads a file or a database (tests/test_architecture.py). One module per kind
of figure: look (colours, labels, value formats), maps, tiles, small (severity, stage timeline),
offline (plotly config, self-contained HTML).
"""

from sipantau.charts.look import (
    CLASS_COLORS,
    CONTINUOUS_SCALE,
    FONT_FAMILY,
    INDONESIA_BOUNDS,
    MAP_HEIGHT,
    MISSING_COLOR,
    SEVERITY_COLORS,
    SEVERITY_ORDER,
    TEXT,
    format_value,
    higher_is_better,
    metric_label,
    value_range,
)
from sipantau.charts.maps import choropleth, fit_view, hover_data, layer_bounds, map_rows, selected_codes
from sipantau.charts.offline import FILE_WORKER_SHIM, offline_html, plotly_config
from sipantau.charts.small import severity_bar, stage_timeline
from sipantau.charts.tiles import PROVINCE_SHORT, tile_map

__all__ = [
    "CLASS_COLORS", "CONTINUOUS_SCALE", "FILE_WORKER_SHIM", "FONT_FAMILY", "INDONESIA_BOUNDS", "MAP_HEIGHT",
    "MISSING_COLOR", "PROVINCE_SHORT", "SEVERITY_COLORS", "SEVERITY_ORDER", "TEXT", "choropleth", "fit_view",
    "format_value", "higher_is_better", "hover_data", "layer_bounds", "map_rows", "metric_label", "offline_html",
    "plotly_config", "selected_codes", "severity_bar", "stage_timeline", "tile_map", "value_range",
]
