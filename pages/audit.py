"""Log audit: every write, by region, user and date, with before and after; exports.

Admin pusat sees everything; a provincial verifier only its province (enforced in
sipantau.audit, whatever is typed in the filters).

Layout only (the page rule is in dashboard.py): the reads are sipantau.ui.forms'.
"""

import streamlit as st

from sipantau import screens, ui
from sipantau.inert import md_escape

t = ui.filters.t
actor = ui.nav.require("pages/audit.py")
lang = ui.filters.lang()

st.title(t("inp_page_audit"))
st.caption(t("inp_audit_intro_admin") if actor.role == "admin_pusat"
           else t("inp_audit_intro_province").format(region=md_escape(actor.region_code)))

with st.container(horizontal=True, vertical_alignment="bottom"):
    region = st.text_input(t("inp_audit_region"), key="audit_wilayah", max_chars=20,
                           placeholder=t("inp_audit_region_placeholder"), help=t("inp_audit_region_help"))
    try:
        prefix = ui.forms.audit_scope(actor, region)
    except ui.forms.Refused as exc:
        st.error(md_escape(exc), icon=":material/block:")
        st.stop()
    usernames = ui.forms.audit_users(actor, prefix)
    username = st.selectbox(t("inp_audit_user"), options=["", *usernames], key="audit_pengguna",
                            format_func=lambda u: u or t("inp_audit_all_users"))
    start = st.date_input(t("inp_audit_from"), value=None, format="DD/MM/YYYY", key="audit_dari")
    end = st.date_input(t("inp_audit_to"), value=None, format="DD/MM/YYYY", key="audit_sampai")
    limit = st.number_input(t("inp_audit_limit"), min_value=10, max_value=ui.forms.AUDIT_MAX_LIMIT,
                            value=ui.forms.AUDIT_DEFAULT_LIMIT, step=100, key="audit_batas")

rows = ui.forms.audit_rows(actor, prefix, username or None, start, end, int(limit))

st.caption(t("inp_audit_count").format(n=len(rows)))
if rows.empty:
    st.info(t("inp_audit_empty"))
    st.stop()

st.dataframe(screens.input.audit_table(rows, lang), hide_index=True, key="audit_table", alt=t("inp_page_audit"))

with st.container(horizontal=True):
    st.download_button(t("inp_audit_export_csv"), data=lambda: ui.forms.audit_csv(rows),
                       file_name="audit-sipantau.csv", mime="text/csv", on_click="ignore", icon=":material/download:",
                       key="audit_csv")
    st.download_button(t("inp_audit_export_xlsx"), data=lambda: ui.forms.audit_xlsx(rows),
                       file_name="audit-sipantau.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
                       icon=":material/table_view:", key="audit_xlsx")

st.subheader(t("inp_audit_history"))
choices = screens.input.audited_records(rows)
if not choices:
    st.info(t("inp_audit_no_records"))
    st.stop()
picked = st.selectbox(t("inp_audit_pick_record"), options=list(choices), format_func=choices.get, key="audit_data")
entity, entity_id = screens.input.record_key(picked)
try:
    history = ui.forms.record_history(actor, entity, entity_id)
except ui.forms.Refused as exc:
    st.error(md_escape(exc), icon=":material/error:")
    st.stop()

st.markdown(f"**{t('inp_audit_record')}**")
st.dataframe(screens.input.record_table(history.record, lang), hide_index=True, key="audit_record",
             alt=t("inp_audit_record"))
if len(history.chain) > 1:
    st.markdown(f"**{t('inp_audit_chain')}**")
    st.dataframe(screens.input.text_table(history.chain), hide_index=True, key="audit_chain", alt=t("inp_audit_chain"))
if history.related:
    st.markdown(f"**{t('inp_audit_related')}**")
    st.dataframe(screens.input.text_table(history.related), hide_index=True, key="audit_related",
                 alt=t("inp_audit_related"))
for entry in screens.input.audit_entries(history.audit):
    with st.container(border=True):
        st.text(entry.line)
        before, after = st.columns(2)
        with before:
            st.caption(t("inp_audit_before"))
            st.code(entry.before, language="json")
        with after:
            st.caption(t("inp_audit_after"))
            st.code(entry.after, language="json")
