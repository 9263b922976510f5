"""Frames as people read them: what a page lays out, decided here (no Streamlit, no SQL).

- national.py  the national picture: headline figures, the stages in view, NPHD per counterparty
- lists.py     regions by a metric, obstacles, offices that have not reported, rankings
- region.py    a province's offices; an office's scorecard and the history behind it
- input.py     what the input and admin pages offer and show (options in scope, receipts, tables)

Screens take the frames the ui caches hand over (a `readiness.Snapshot`, its metrics, the
input pages' reads) and may use the domain's rules and constants (auth scope, report statuses,
`codes`), never a connection. Headings are localised; numbers and dates are formatted with Babel.
"""

from sipantau.screens import input, lists, national, region

__all__ = ["input", "lists", "national", "region"]
