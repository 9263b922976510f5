"""Laporan tahapan: an operator reports where a stage stands in a region.

Layout only (the page rule is in dashboard.py): the write and the reads are sipantau.ui.forms'.
"""

import streamlit as st

from sipantau import screens, ui
from sipantau.rules import MAX_TEXT

t = ui.filters.t
actor = ui.nav.require("pages/report_stage.py")
lang = ui.filters.lang()

st.title(t("inp_page_report_stage"))
st.caption(t("inp_report_stage_intro"))

election = ui.forms.election_picker()
region = ui.forms.region_picker(actor, election)
if region is None:
    st.stop()
regions = ui.forms.region_options(actor, election)
stage_names = ui.forms.stage_names(election)

with st.form("lap_form", clear_on_submit=False):
    slots = ui.forms.FieldSlots()
    slots.add("wilayah")
    stage_id = st.selectbox(t("stage"), options=list(stage_names), format_func=stage_names.get,
                            index=ui.forms.first_active_stage(election), key="lap_tahapan")
    slots.add("tahapan", "mengoreksi")
    left, right = st.columns(2)
    with left:
        situation_date = st.date_input(t("inp_situation_date"), value=ui.filters.default_date(), format="DD/MM/YYYY",
                                       key="lap_tanggal", help=t("inp_situation_date_help"))
        slots.add("tanggal situasi")
    with right:
        progress = st.number_input(t("inp_progress_pct"), min_value=0.0, max_value=100.0, value=0.0, step=5.0,
                                   format="%.1f", key="lap_progres")
        slots.add("progres")
    status = st.selectbox(t("inp_report_status"), options=screens.input.report_statuses(),
                          format_func=lambda s: screens.input.status_label(s, lang), key="lap_status",
                          help=t("inp_report_status_help"))
    slots.add("status")
    note = st.text_area(t("inp_note"), key="lap_catatan", max_chars=MAX_TEXT, placeholder=t("inp_note_placeholder"))
    slots.add("catatan")
    slots.general()
    submitted = st.form_submit_button(t("inp_save_report"), type="primary", icon=":material/save:",
                                      key="lap_submit")

if submitted:
    fields = {"region_code": region, "stage_id": stage_id, "situation_date": situation_date,
              "progress": float(progress), "status": status, "note": note or ""}
    ui.forms.submit("lap", actor, fields, slots, summary=[
        (t("region"), regions.get(region, region)), (t("stage"), stage_names.get(stage_id)),
        (t("inp_situation_date"), situation_date), (t("inp_progress_pct"), float(progress)),
        (t("inp_report_status"), screens.input.status_label(status, lang)), (t("inp_note"), note or ""),
    ])
ui.forms.show_receipt("lap")

st.subheader(t("inp_recent_reports"))
recent = ui.forms.recent_reports(region, election)
if recent.empty:
    st.info(t("no_data_yet"))
else:
    st.dataframe(screens.input.recent_reports_table(recent, lang), hide_index=True, key="lap_recent",
                 alt=t("inp_recent_reports"))
