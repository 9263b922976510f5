"""Laporan tahapan: an operator reports where a stage stands in a region."""

import streamlit as st

from sipantau import form_ui, forms, reports

t = form_ui.t
actor = form_ui.require_writer()
lang = form_ui.lang()

st.title(t("inp_page_report_stage"))
st.caption(t("inp_report_stage_intro"))

election = form_ui.election_picker()
region = form_ui.region_picker(actor, election)
if region is None:
    st.stop()
regions = form_ui.region_options(actor, election)
stage_names = form_ui.stage_names(election)

with st.form("lap_form", clear_on_submit=False):
    slots = form_ui.FieldSlots()
    slots.add("wilayah")
    stage_id = st.selectbox(t("stage"), options=list(stage_names), format_func=stage_names.get,
                            index=form_ui.first_active_stage(election), key="lap_tahapan")
    slots.add("tahapan", "mengoreksi")
    left, right = st.columns(2)
    with left:
        situation_date = st.date_input(t("inp_situation_date"), value=form_ui.default_date(), format="DD/MM/YYYY",
                                       key="lap_tanggal", help=t("inp_situation_date_help"))
        slots.add("tanggal situasi")
    with right:
        progress = st.number_input(t("inp_progress_pct"), min_value=0.0, max_value=100.0, value=0.0, step=5.0,
                                   format="%.1f", key="lap_progres")
        slots.add("progres")
    status = st.selectbox(t("inp_report_status"), options=list(reports.REPORT_STATUSES),
                          format_func=lambda s: forms.status_label(s, lang), key="lap_status",
                          help=t("inp_report_status_help"))
    slots.add("status")
    note = st.text_area(t("inp_note"), key="lap_catatan", max_chars=reports.MAX_TEXT,
                        placeholder=t("inp_note_placeholder"))
    slots.add("catatan")
    slots.general()
    submitted = st.form_submit_button(t("inp_save_report"), type="primary", icon=":material/save:",
                                      key="lap_submit")

if submitted:
    fields = {"region_code": region, "stage_id": stage_id, "situation_date": situation_date,
              "progress": float(progress), "status": status, "note": note or ""}
    form_ui.submit("lap", reports.submit_stage_report, actor, fields, slots, summary=[
        (t("region"), regions.get(region, region)), (t("stage"), stage_names.get(stage_id)),
        (t("inp_situation_date"), situation_date), (t("inp_progress_pct"), float(progress)),
        (t("inp_report_status"), forms.status_label(status, lang)), (t("inp_note"), note or ""),
    ])
form_ui.show_receipt("lap")

st.subheader(t("inp_recent_reports"))
with form_ui.conn() as conn:
    recent = forms.recent_reports(conn, region, election, lang)
if recent.empty:
    st.info(t("no_data_yet"))
else:
    st.dataframe(recent, hide_index=True, key="lap_recent", alt=t("inp_recent_reports"))
