"""Figures that leave the app: the plotly config (no cloud button) and one self-contained offline page."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from sipantau.charts.look import FONT_FAMILY, MAP_HEIGHT

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

