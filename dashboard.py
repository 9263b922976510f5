"""Sipantau: the entry point. Page config, who is signed in, shared filters, navigation.

Pages in pages/ lay out what sipantau/ computes; which pages a person sees follows
their role (writes are refused by sipantau.reports whatever a page offers).
"""

from pathlib import Path

import streamlit as st

from sipantau import auth, webapp

# A local icon: a Material icon as favicon would be fetched from Google's font CDN.
st.set_page_config(page_title="Sipantau", page_icon=str(Path(__file__).parent / "assets" / "sipantau.png"),
                   layout="wide")

actor = webapp.current_actor()
t = webapp.t

login = st.Page("pages/login.py", title=t("login_button"), icon=":material/login:", url_path="masuk")
monitoring = [
    st.Page("pages/home.py", title=t("page_home"), icon=":material/dashboard:", default=True,
            help="Gambaran nasional pemilihan terpilih pada tanggal terpilih."),
]
# --- input pages (issue 4): forms, import, documents, audit, account -----------------
input_pages: list = []
admin_pages: list = []
# --- end of input pages ------------------------------------------------------------------

may_read = actor is not None or webapp.public_read()
pages: dict[str, list] = {}
if may_read:
    pages[t("section_monitoring")] = monitoring
if input_pages:
    pages[t("section_input")] = input_pages
if admin_pages:
    pages[t("section_admin")] = admin_pages
if actor is None:
    pages[""] = [login]

filters = webapp.sidebar_filters() if may_read else None
st.session_state["filters"] = filters
if actor is not None:
    with st.sidebar:
        st.caption(f"{t('signed_in_as')} **{actor.username}** · {auth.ROLES[actor.role]}"
                   + (f" · {actor.region_code}" if actor.region_code else ""))
        st.button(t("logout"), on_click=webapp.logout, icon=":material/logout:")

page = st.navigation(pages)
webapp.demo_banner(show_accounts=actor is None)
page.run()
