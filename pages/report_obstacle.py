"""Hambatan: record an obstacle, follow it up, move its status (closing needs evidence).

Layout only (the page rule is in dashboard.py): the write and the reads are sipantau.ui.forms'.
"""

import streamlit as st

from sipantau import screens, ui
from sipantau.rules import MAX_TEXT

t = ui.filters.t
actor = ui.nav.require("pages/report_obstacle.py")
lang = ui.filters.lang()

st.title(t("inp_page_report_obstacle"))
st.caption(t("inp_report_obstacle_intro"))

election = ui.forms.election_picker()
region = ui.forms.region_picker(actor, election)
if region is None:
    st.stop()
regions = ui.forms.region_options(actor, election)
stage_names = ui.forms.stage_names(election)
categories = ui.forms.codes("category")
severities = ui.forms.codes("severity")

obstacles = ui.forms.region_obstacles(region, election)

new_tab, follow_tab = st.tabs([t("inp_obstacle_new"), t("inp_obstacle_follow_up")])

with new_tab:
    with st.form("hmb_form", clear_on_submit=False):
        slots = ui.forms.FieldSlots()
        slots.add("wilayah", "pemilihan")
        left, right = st.columns(2)
        with left:
            category = st.selectbox(t("inp_obstacle_category"), options=list(categories), format_func=categories.get,
                                    key="hmb_kategori")
            slots.add("kategori")
        with right:
            severity = st.selectbox(t("inp_obstacle_severity"), options=list(severities), format_func=severities.get,
                                    key="hmb_tingkat")
            slots.add("tingkat")
        stage_id = st.selectbox(t("inp_obstacle_stage"), options=list(stage_names), format_func=stage_names.get,
                                index=None, placeholder=t("inp_optional"), key="hmb_tahapan")
        slots.add("tahapan")
        description = st.text_area(t("inp_obstacle_description"), key="hmb_uraian", max_chars=MAX_TEXT)
        slots.add("uraian")
        owner = st.text_input(t("inp_obstacle_owner"), key="hmb_pj", max_chars=160, help=t("inp_obstacle_owner_help"))
        slots.add("penanggung jawab")
        left, right = st.columns(2)
        with left:
            found_date = st.date_input(t("inp_obstacle_found_date"), value=ui.filters.default_date(),
                                       format="DD/MM/YYYY", key="hmb_tanggal")
            slots.add("tanggal diketahui")
        with right:
            due_date = st.date_input(t("inp_obstacle_due_date"), value=None, format="DD/MM/YYYY", key="hmb_tenggat")
            slots.add("tenggat")
        slots.general()
        submitted = st.form_submit_button(t("inp_save_obstacle"), type="primary", icon=":material/save:",
                                          key="hmb_submit")
    if submitted:
        fields = {"election_code": election, "region_code": region, "category_code": category,
                  "severity_code": severity, "description": description or "", "owner": owner or "",
                  "found_date": found_date, "stage_id": stage_id, "due_date": due_date}
        if ui.forms.submit("hmb", actor, fields, slots, summary=[
            (t("region"), regions.get(region, region)), (t("inp_obstacle_category"), categories.get(category)),
            (t("inp_obstacle_severity"), severities.get(severity)),
            (t("inp_obstacle_stage"), stage_names.get(stage_id)),
            (t("inp_obstacle_description"), description), (t("inp_obstacle_owner"), owner),
            (t("inp_obstacle_found_date"), found_date), (t("inp_obstacle_due_date"), due_date),
        ]):
            obstacles = ui.forms.region_obstacles(region, election)
    ui.forms.show_receipt("hmb")

with follow_tab:
    if obstacles.empty:
        st.info(t("inp_no_obstacles"))
    else:
        labels = screens.input.obstacle_labels(obstacles, categories, lang)
        obstacle_id = st.selectbox(t("inp_obstacle_pick"), options=list(labels), format_func=labels.get,
                                   key="tl_hambatan")
        current = screens.input.obstacle_of(obstacles, obstacle_id)
        st.text(current["description"])
        actions = ui.forms.obstacle_actions(obstacle_id)
        if not actions.empty:
            st.dataframe(screens.input.actions_table(actions, lang), hide_index=True, key="tl_actions",
                         alt=t("inp_obstacle_follow_up"))
        unchanged = ""
        moves = screens.input.next_statuses(current["status"])
        with st.form("tl_form", clear_on_submit=False):
            slots = ui.forms.FieldSlots()
            slots.add("hambatan")
            left, right = st.columns(2)
            with left:
                action_date = st.date_input(t("inp_action_date"), value=ui.filters.default_date(),
                                            format="DD/MM/YYYY", key="tl_tanggal")
                slots.add("tanggal tindak lanjut")
            with right:
                actor_name = st.text_input(t("inp_action_actor"), key="tl_pelaksana", max_chars=160)
                slots.add("pelaksana")
            action = st.text_area(t("inp_action_description"), key="tl_uraian", max_chars=MAX_TEXT)
            slots.add("tindak lanjut")
            new_status = st.selectbox(
                t("inp_action_new_status"), options=moves, key="tl_status",
                format_func=lambda s: (t("inp_status_unchanged") if s == unchanged
                                       else screens.input.obstacle_status_label(s, lang)))
            slots.add("status baru")
            evidence = st.text_area(t("inp_action_evidence"), key="tl_bukti", max_chars=MAX_TEXT,
                                    help=t("inp_action_evidence_help"))
            slots.add("bukti penyelesaian")
            slots.general()
            submitted = st.form_submit_button(t("inp_save_follow_up"), type="primary", icon=":material/save:",
                                              key="tl_submit")
        if submitted:
            fields = {"obstacle_id": obstacle_id, "action_date": action_date, "actor_name": actor_name or "",
                      "description": action or "", "new_status": new_status or None,
                      "evidence": (evidence or "").strip() or None}
            if ui.forms.submit("tl", actor, fields, slots, summary=[
                (t("inp_obstacle_pick"), labels.get(obstacle_id)), (t("inp_action_date"), action_date),
                (t("inp_action_actor"), actor_name), (t("inp_action_description"), action),
                (t("inp_action_new_status"),
                 screens.input.obstacle_status_label(new_status, lang) if new_status else None),
                (t("inp_action_evidence"), evidence),
            ]):
                st.rerun()  # the list and the status choices follow the new status
        ui.forms.show_receipt("tl")

st.subheader(t("inp_region_obstacles"))
if obstacles.empty:
    st.info(t("inp_no_obstacles"))
else:
    st.dataframe(screens.input.obstacles_table(obstacles, categories, severities, lang), hide_index=True,
                 key="hmb_list", alt=t("inp_region_obstacles"))
