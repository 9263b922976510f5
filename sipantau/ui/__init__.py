"""The only Streamlit adapter (besides sipantau/web.py and the page scripts): it turns the pure
house into what a page lays out, and nothing below it imports Streamlit.

- data.py     the engine and every `st.cache_*` of the project (frames keyed by the data version)
- session.py  who is signed in: the session cookie read every run (`current_actor()`), logout, OIDC
- filters.py  the shared filters (election, stage, as-of date) and the language, in the URL
- nav.py      the page registry as data: `pages_for(actor)` is what `st.navigation` gets
- maps.py     map controls, serving the prepared geometry, drill-down links between pages
- forms.py    the input and admin pages: pickers, field slots, one submit path, receipts, and
              their reads and actions bound to the engine

Pages import `sipantau.ui` (plus screens, charts, i18n, inert, export, rules: see dashboard.py).
"""

from sipantau.ui import data, filters, forms, maps, nav, session

__all__ = ["data", "filters", "forms", "maps", "nav", "session"]
