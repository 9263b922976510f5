"""Sipantau: the entry point. Page config, who is signed in, the shared filters, the navigation.

The page rule (tests/test_architecture.py): a page in pages/ lays out what it is handed and
nothing more. It imports only `streamlit`, `sipantau.ui` (frames, figures, pickers, writes and
reads bound to the engine, who is signed in), `sipantau.screens` (pure frames as people read
them), `sipantau.charts` (pure figures), and the presentation helpers `sipantau.i18n` (catalog,
numbers, dates), `sipantau.inert` (text made safe to render), `sipantau.export` (CSV/Excel bytes
of a frame) and `sipantau.rules` (field limits a widget applies). So no page holds SQL, a
connection or a score. Which pages a person sees is the registry's (sipantau.ui.nav); writes are
refused by the write side whatever a page offers.
"""

from pathlib import Path

import streamlit as st

from sipantau import ui

# A local icon: a Material icon as favicon would be fetched from Google's font CDN.
st.set_page_config(page_title="Sipantau", page_icon=str(Path(__file__).parent / "assets" / "sipantau.png"),
                   layout="wide")

ui.data.settle_process()
actor = ui.session.current_actor()
# Filters first: the language they hold names the pages.
ui.filters.sidebar_filters(ui.session.may_read(actor))
page = st.navigation(ui.nav.pages_for(actor))
ui.nav.sidebar_identity(actor)
ui.nav.demo_banner(show_accounts=actor is None)
page.run()
