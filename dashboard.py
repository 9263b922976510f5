"""Sipantau: the entry point. Page config, shared filters, navigation; pages/ do the rest."""

from pathlib import Path

import streamlit as st

from sipantau import webapp

# A local icon: a Material icon as favicon would be fetched from Google's font CDN.
st.set_page_config(page_title="Sipantau", page_icon=str(Path(__file__).parent / "assets" / "sipantau.png"),
                   layout="wide")

filters = webapp.sidebar_filters()
st.session_state["filters"] = filters

page = st.navigation([
    st.Page("pages/home.py", title=webapp.t("page_home"), icon=":material/dashboard:", default=True,
            help="Gambaran nasional pemilihan terpilih pada tanggal terpilih."),
])
webapp.demo_banner()
page.run()
