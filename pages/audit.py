"""Log audit: every write, by region, user and date, with before and after; exports.

Admin pusat sees everything; a provincial verifier only its province (enforced in
sipantau.audit, whatever is typed in the filters).
"""

import pandas as pd
import streamlit as st

from sipantau import audit, form_ui, forms
from sipantau.auth import NotAllowed
from sipantau.inert import md_escape

t = form_ui.t
actor = form_ui.require(audit.can_view_audit)
lang = form_ui.lang()

st.title(t("inp_page_audit"))
st.caption(t("inp_audit_intro_admin") if actor.role == "admin_pusat"
           else t("inp_audit_intro_province").format(region=md_escape(actor.region_code)))

with st.container(horizontal=True, vertical_alignment="bottom"):
    region = st.text_input(t("inp_audit_region"), key="audit_wilayah", max_chars=20,
                           placeholder=t("inp_audit_region_placeholder"), help=t("inp_audit_region_help"))
    with form_ui.conn() as conn:
        try:
            prefix = audit.scope_prefix(actor, region)
        except NotAllowed as exc:
            st.error(md_escape(exc), icon=":material/block:")
            st.stop()
        usernames = audit.audit_users(conn, prefix, actor=actor)
    username = st.selectbox(t("inp_audit_user"), options=["", *usernames], key="audit_pengguna",
                            format_func=lambda u: u or t("inp_audit_all_users"))
    start = st.date_input(t("inp_audit_from"), value=None, format="DD/MM/YYYY", key="audit_dari")
    end = st.date_input(t("inp_audit_to"), value=None, format="DD/MM/YYYY", key="audit_sampai")
    limit = st.number_input(t("inp_audit_limit"), min_value=10, max_value=audit.MAX_LIMIT, value=audit.DEFAULT_LIMIT,
                            step=100, key="audit_batas")

with form_ui.conn() as conn:
    rows = audit.audit_frame(conn, prefix, username or None, start, end, int(limit), actor=actor)

st.caption(t("inp_audit_count").format(n=len(rows)))
if rows.empty:
    st.info(t("inp_audit_empty"))
    st.stop()

table = pd.DataFrame({
    "id": rows["id"],
    t("inp_audit_at"): rows["at"].dt.strftime("%d-%m-%Y %H:%M:%S WIB"),
    t("inp_audit_user"): rows["username"],
    t("inp_audit_action"): rows["action"],
    t("inp_audit_entity"): rows["entity"],
    t("inp_audit_entity_id"): rows["entity_id"],
    t("inp_audit_region_col"): rows["region_code"].fillna("–"),
    t("inp_audit_before"): rows["before"].fillna(""),
    t("inp_audit_after"): rows["after"].fillna(""),
})
st.dataframe(table, hide_index=True, key="audit_table", alt=t("inp_page_audit"))

with st.container(horizontal=True):
    st.download_button(t("inp_audit_export_csv"), data=lambda: audit.export_csv(rows), file_name="audit-sipantau.csv",
                       mime="text/csv", on_click="ignore", icon=":material/download:", key="audit_csv")
    st.download_button(t("inp_audit_export_xlsx"), data=lambda: audit.export_xlsx(rows),
                       file_name="audit-sipantau.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
                       icon=":material/table_view:", key="audit_xlsx")

st.subheader(t("inp_audit_history"))
records = rows[rows["entity"].isin(audit.TABLES) & rows["entity_id"].notna()]
if records.empty:
    st.info(t("inp_audit_no_records"))
    st.stop()
choices = {f"{e}:{int(i)}": f"{forms.reference(e, int(i))}" for e, i in
           dict.fromkeys(zip(records["entity"], records["entity_id"], strict=True))}
picked = st.selectbox(t("inp_audit_pick_record"), options=list(choices), format_func=choices.get, key="audit_data")
entity, entity_id = picked.split(":")
try:
    with form_ui.conn() as conn:
        history = audit.record_history(conn, entity, int(entity_id), actor=actor)
except (LookupError, NotAllowed) as exc:
    st.error(md_escape(exc), icon=":material/error:")
    st.stop()

st.markdown(f"**{t('inp_audit_record')}**")
st.dataframe(pd.DataFrame({t("inp_field"): list(history.record),
                           t("inp_value"): [str(v) for v in history.record.values()]}),
             hide_index=True, key="audit_record", alt=t("inp_audit_record"))
if len(history.chain) > 1:
    st.markdown(f"**{t('inp_audit_chain')}**")
    st.dataframe(pd.DataFrame(history.chain).astype(str), hide_index=True, key="audit_chain", alt=t("inp_audit_chain"))
if history.related:
    st.markdown(f"**{t('inp_audit_related')}**")
    st.dataframe(pd.DataFrame(history.related).astype(str), hide_index=True, key="audit_related",
                 alt=t("inp_audit_related"))
for row in history.audit.itertuples():
    with st.container(border=True):
        st.text(f"{row.at:%d-%m-%Y %H:%M:%S} WIB · {row.username} · {row.action} · {row.entity} #{row.entity_id}")
        before, after = st.columns(2)
        with before:
            st.caption(t("inp_audit_before"))
            st.code(audit.pretty_json(row.before), language="json")
        with after:
            st.caption(t("inp_audit_after"))
            st.code(audit.pretty_json(row.after), language="json")
