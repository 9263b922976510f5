"""Hambatan: record an obstacle, follow it up, move its status (closing needs evidence)."""

import pandas as pd
import streamlit as st

from sipantau import form_ui, forms, reports

t = form_ui.t
actor = form_ui.require_writer()
lang = form_ui.lang()

st.title(t("inp_page_report_obstacle"))
st.caption(t("inp_report_obstacle_intro"))

election = form_ui.election_picker()
region = form_ui.region_picker(actor, election)
if region is None:
    st.stop()
regions = form_ui.region_options(actor, election)
stage_names = form_ui.stage_names(election)
categories = form_ui.codes("category")
severities = form_ui.codes("severity")

with form_ui.conn() as conn:
    obstacles = forms.region_obstacles(conn, region, election)

new_tab, follow_tab = st.tabs([t("inp_obstacle_new"), t("inp_obstacle_follow_up")])

with new_tab:
    with st.form("hmb_form", clear_on_submit=False):
        slots = form_ui.FieldSlots()
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
        description = st.text_area(t("inp_obstacle_description"), key="hmb_uraian", max_chars=reports.MAX_TEXT)
        slots.add("uraian")
        owner = st.text_input(t("inp_obstacle_owner"), key="hmb_pj", max_chars=160, help=t("inp_obstacle_owner_help"))
        slots.add("penanggung jawab")
        left, right = st.columns(2)
        with left:
            found_date = st.date_input(t("inp_obstacle_found_date"), value=form_ui.default_date(), format="DD/MM/YYYY",
                                       key="hmb_tanggal")
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
        if form_ui.submit("hmb", reports.record_obstacle, actor, fields, slots, summary=[
            (t("region"), regions.get(region, region)), (t("inp_obstacle_category"), categories.get(category)),
            (t("inp_obstacle_severity"), severities.get(severity)),
            (t("inp_obstacle_stage"), stage_names.get(stage_id)),
            (t("inp_obstacle_description"), description), (t("inp_obstacle_owner"), owner),
            (t("inp_obstacle_found_date"), found_date), (t("inp_obstacle_due_date"), due_date),
        ]):
            with form_ui.conn() as conn:
                obstacles = forms.region_obstacles(conn, region, election)
    form_ui.show_receipt("hmb")

with follow_tab:
    if obstacles.empty:
        st.info(t("inp_no_obstacles"))
    else:
        labels = {int(r.id): f"#{r.id} · {form_ui.day(r.found_date)} · {categories.get(r.category_code, '')} · "
                             f"{forms.obstacle_status_label(r.status, lang)}" for r in obstacles.itertuples()}
        obstacle_id = st.selectbox(t("inp_obstacle_pick"), options=list(labels), format_func=labels.get,
                                   key="tl_hambatan")
        current = obstacles.set_index("id").loc[obstacle_id]
        st.text(current["description"])
        with form_ui.conn() as conn:
            actions = forms.obstacle_actions(conn, obstacle_id)
        if not actions.empty:
            st.dataframe(pd.DataFrame({
                t("inp_action_date"): [form_ui.day(d) for d in actions["action_date"]],
                t("inp_action_actor"): actions["actor"],
                t("inp_action_description"): actions["description"],
                t("inp_action_new_status"): actions["new_status"].map(
                    lambda s: forms.obstacle_status_label(s, lang) if s else "–"),
                t("inp_action_evidence"): actions["evidence"].fillna(""),
                t("inp_recorded_by"): actions["username"],
            }), hide_index=True, key="tl_actions", alt=t("inp_obstacle_follow_up"))
        unchanged = ""
        moves = [unchanged, *sorted(reports.OBSTACLE_TRANSITIONS[current["status"]])]
        with st.form("tl_form", clear_on_submit=False):
            slots = form_ui.FieldSlots()
            slots.add("hambatan")
            left, right = st.columns(2)
            with left:
                action_date = st.date_input(t("inp_action_date"), value=form_ui.default_date(), format="DD/MM/YYYY",
                                            key="tl_tanggal")
                slots.add("tanggal tindak lanjut")
            with right:
                actor_name = st.text_input(t("inp_action_actor"), key="tl_pelaksana", max_chars=160)
                slots.add("pelaksana")
            action = st.text_area(t("inp_action_description"), key="tl_uraian", max_chars=reports.MAX_TEXT)
            slots.add("tindak lanjut")
            new_status = st.selectbox(
                t("inp_action_new_status"), options=moves, key="tl_status",
                format_func=lambda s: (t("inp_status_unchanged") if s == unchanged
                                       else forms.obstacle_status_label(s, lang)))
            slots.add("status baru")
            evidence = st.text_area(t("inp_action_evidence"), key="tl_bukti", max_chars=reports.MAX_TEXT,
                                    help=t("inp_action_evidence_help"))
            slots.add("bukti penyelesaian")
            slots.general()
            submitted = st.form_submit_button(t("inp_save_follow_up"), type="primary", icon=":material/save:",
                                              key="tl_submit")
        if submitted:
            fields = {"obstacle_id": obstacle_id, "action_date": action_date, "actor_name": actor_name or "",
                      "description": action or "", "new_status": new_status or None,
                      "evidence": (evidence or "").strip() or None}
            if form_ui.submit("tl", reports.record_obstacle_action, actor, fields, slots, summary=[
                (t("inp_obstacle_pick"), labels.get(obstacle_id)), (t("inp_action_date"), action_date),
                (t("inp_action_actor"), actor_name), (t("inp_action_description"), action),
                (t("inp_action_new_status"), forms.obstacle_status_label(new_status, lang) if new_status else None),
                (t("inp_action_evidence"), evidence),
            ]):
                st.rerun()  # the list and the status choices follow the new status
        form_ui.show_receipt("tl")

st.subheader(t("inp_region_obstacles"))
if obstacles.empty:
    st.info(t("inp_no_obstacles"))
else:
    st.dataframe(pd.DataFrame({
        t("inp_reference"): [forms.reference("obstacle", i) for i in obstacles["id"]],
        t("inp_obstacle_found_date"): [form_ui.day(d) for d in obstacles["found_date"]],
        t("inp_obstacle_category"): obstacles["category_code"].map(categories),
        t("inp_obstacle_severity"): obstacles["severity_code"].map(severities),
        t("inp_obstacle_description"): obstacles["description"],
        t("inp_obstacle_owner"): obstacles["owner"],
        t("inp_obstacle_due_date"): [form_ui.day(d) for d in obstacles["due_date"]],
        t("inp_obstacle_status"): obstacles["status"].map(lambda s: forms.obstacle_status_label(s, lang)),
    }), hide_index=True, key="hmb_list", alt=t("inp_region_obstacles"))
