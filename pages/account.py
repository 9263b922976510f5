"""Akun saya: who I am, where I may work, and changing my password.

Layout only (the page rule is in dashboard.py): the reads and the change are sipantau.ui.forms'.
"""

import streamlit as st

from sipantau import screens, ui
from sipantau.inert import md_escape

t = ui.filters.t
actor = ui.nav.require("pages/account.py")
lang = ui.filters.lang()

st.title(t("inp_page_account"))
st.dataframe(screens.input.account_table(ui.forms.account(actor), actor, lang), hide_index=True, key="akun_info",
             alt=t("inp_page_account"))

st.subheader(t("inp_account_change_password"))
st.caption(t("inp_account_password_policy").format(n=ui.forms.MIN_PASSWORD_LENGTH))
with st.form("akun_sandi", clear_on_submit=True, width=480):
    old = st.text_input(t("inp_account_old_password"), type="password", autocomplete="current-password",
                        key="akun_lama")
    new = st.text_input(t("inp_account_new_password"), type="password", autocomplete="new-password", key="akun_baru")
    again = st.text_input(t("inp_account_repeat_password"), type="password", autocomplete="new-password",
                          key="akun_ulang")
    submitted = st.form_submit_button(t("inp_account_save_password"), type="primary", icon=":material/key:",
                                      key="akun_submit")
if submitted:
    if new != again:
        st.error(t("inp_account_password_mismatch"), icon=":material/error:")
    else:
        try:
            ui.forms.change_password(actor, old or "", new or "")
        except ui.forms.Refused as exc:
            st.error(md_escape(exc), icon=":material/error:")
        else:
            st.success(t("inp_account_password_changed"), icon=":material/task_alt:")
