"""Akun saya: who I am, where I may work, and changing my password."""

import pandas as pd
import streamlit as st

from sipantau import auth, form_ui, forms
from sipantau.inert import md_escape

t = form_ui.t
actor = form_ui.require(lambda a: a is not None)
lang = form_ui.lang()

st.title(t("inp_page_account"))
with form_ui.conn() as conn:
    me = forms.account(conn, actor)

st.dataframe(pd.DataFrame({
    t("inp_field"): [t("username"), t("inp_account_name"), t("inp_account_role"), t("inp_account_scope"),
                     t("inp_account_email")],
    t("inp_value"): [me["username"], me["full_name"] or "–", me["role_name"],
                 forms.scope_text(actor, me["region_name"], lang), me["email"] or "–"],
}), hide_index=True, key="akun_info", alt=t("inp_page_account"))

st.subheader(t("inp_account_change_password"))
st.caption(t("inp_account_password_policy").format(n=auth.MIN_PASSWORD_LENGTH))
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
            auth.change_password(form_ui.engine(), actor, old or "", new or "")
        except (auth.PasswordRejected, auth.NotAllowed) as exc:
            st.error(md_escape(exc), icon=":material/error:")
        else:
            st.success(t("inp_account_password_changed"), icon=":material/task_alt:")
