"""Masuk: local account, or the organisation's sign-in (OIDC) where configured.

Layout only (the page rule is in dashboard.py): signing in is sipantau.ui.session's.
"""

import streamlit as st

from sipantau import ui
from sipantau.inert import md_escape

t = ui.filters.t
st.title(t("login_title"))
if ui.session.session_expired():
    st.info(t("session_expired"))

with st.form("login", border=True, width=420):
    username = st.text_input(t("username"), autocomplete="username")
    password = st.text_input(t("password"), type="password", autocomplete="current-password")
    submitted = st.form_submit_button(t("login_button"), type="primary", width="stretch")
if submitted:
    refusal = ui.session.login(username, password)
    if refusal:
        st.error(md_escape(refusal))
    else:
        st.rerun()

if ui.session.oidc_configured():
    st.button(t("login_oidc"), on_click=st.login, icon=":material/badge:")
