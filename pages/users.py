"""Pengguna (admin pusat): list, add, disable or enable accounts, reset a password.

Every action goes through sipantau.auth, which checks the admin again and audits it.

Layout only (the page rule is in dashboard.py): the reads and the actions are sipantau.ui.forms'.
"""

import streamlit as st

from sipantau import screens, ui
from sipantau.inert import md_escape

t = ui.filters.t
actor = ui.nav.require("pages/users.py")
lang = ui.filters.lang()

st.title(t("inp_page_users"))
flash = st.session_state.pop("users_flash", None)
if flash:
    st.success(md_escape(flash), icon=":material/task_alt:")
people = ui.forms.users()
st.dataframe(screens.input.users_table(people, lang), hide_index=True, key="users_list", alt=t("inp_page_users"))


def _run(action, *args, success: str) -> None:
    try:
        action(actor, *args)
    except ui.forms.Refused as exc:
        st.error(md_escape(exc), icon=":material/error:")
    else:
        st.session_state["users_flash"] = success
        st.rerun()


add_tab, manage_tab = st.tabs([t("inp_users_add"), t("inp_users_manage")])
with add_tab:
    roles = screens.input.role_names()
    with st.form("users_add_form", clear_on_submit=False):
        username = st.text_input(t("username"), key="users_nama", max_chars=60, help=t("inp_users_username_help"))
        full_name = st.text_input(t("inp_account_name"), key="users_lengkap", max_chars=120)
        role = st.selectbox(t("inp_account_role"), options=list(roles), format_func=roles.get, key="users_peran")
        region = st.text_input(t("inp_users_region"), key="users_wilayah", max_chars=8, help=t("inp_users_region_help"))
        email = st.text_input(t("inp_account_email"), key="users_email", max_chars=160)
        password = st.text_input(t("inp_users_initial_password"), type="password", key="users_sandi",
                                 autocomplete="new-password", help=t("inp_users_password_help"))
        submitted = st.form_submit_button(t("inp_users_add_button"), type="primary", icon=":material/person_add:")
    if submitted:
        _run(ui.forms.add_user, username or "", full_name or "", role, (region or "").strip() or None, email or None,
             password or None, success=t("inp_users_added"))

with manage_tab:
    names = [p["username"] for p in people if p["username"] != actor.username]
    if not names:
        st.info(t("no_data_yet"))
    else:
        target = st.selectbox(t("inp_users_pick"), options=names, key="users_target")
        with st.container(horizontal=True):
            disable = st.button(t("inp_users_disable"), key="users_disable", icon=":material/person_off:")
            enable = st.button(t("inp_users_enable"), key="users_enable", icon=":material/person_check:")
            end_sessions = st.button(t("inp_users_end_sessions"), key="users_end_sessions", icon=":material/logout:",
                                     help=t("inp_users_end_sessions_help"))
        if end_sessions:
            _run(ui.forms.end_sessions, target, success=t("inp_users_sessions_ended"))
        if disable:
            _run(ui.forms.disable_user, target, success=t("inp_users_disabled"))
        if enable:
            _run(ui.forms.enable_user, target, success=t("inp_users_enabled"))
        with st.form("users_reset_form", clear_on_submit=True):
            new_password = st.text_input(t("inp_account_new_password"), type="password", key="users_reset_sandi",
                                         autocomplete="new-password")
            reset = st.form_submit_button(t("inp_users_reset"), icon=":material/lock_reset:")
        if reset:
            _run(ui.forms.reset_password, target, new_password or "", success=t("inp_users_reset_done"))
