"""Hambatan: every obstacle as it stood on the as-of date, filtered, with follow-up and export.

Layout only (the page rule is in dashboard.py): frames from sipantau.ui and sipantau.screens.
"""

import streamlit as st

from sipantau import export, i18n, screens, ui

f = ui.filters.page_filters()
t = f.t
st.title(t("page_obstacles"))
st.caption(f"{t('as_of')} **{i18n.day(f.as_of, f.lang)}**")

snap = ui.data.snapshot(f.election_code, f.as_of, f.version)
categories = ui.data.code_list("obstacle_category", f.version)
severities = ui.data.code_list("severity", f.version)
cat_names = screens.lists.code_choices(categories, f.lang, by="order")
sev_names = screens.lists.code_choices(severities, f.lang, by="rank", descending=True)
provinces = screens.lists.province_choices(snap.names)

with st.container(horizontal=True, vertical_alignment="bottom"):
    chosen_categories = st.multiselect(t("category"), list(cat_names), format_func=cat_names.get, key="h_kategori")
    chosen_severities = st.multiselect(t("severity"), list(sev_names), format_func=sev_names.get, key="h_tingkat")
    chosen_statuses = st.multiselect(t("status"), list(screens.lists.OBSTACLE_STATUSES),
                                     format_func=screens.lists.OBSTACLE_STATUSES.get, key="h_status")
    province = st.selectbox(t("province"), [None, *provinces], key="h_provinsi",
                            format_func=lambda c: t("all") if c is None else provinces[c])
    buckets = st.multiselect(t("age_bucket"), [b[2] for b in screens.lists.AGE_BUCKETS], key="h_umur")
    open_only = st.toggle(t("open_only"), key="h_terbuka")

rows = screens.lists.obstacle_rows(snap, categories, severities, screens.lists.ObstacleFilter(
    categories=tuple(chosen_categories), severities=tuple(chosen_severities), statuses=tuple(chosen_statuses),
    province_code=province, age_buckets=tuple(buckets), stage_id=f.stage_id, open_only=open_only), f.lang)

left, right = st.columns(2)
with left:
    st.subheader(t("aging"))
    st.bar_chart(screens.lists.aging(rows).set_index("age_bucket"), horizontal=True, x_label="", y_label="",
                 height=200, sort=False)
with right:
    st.subheader(t("by_category"))
    st.dataframe(screens.lists.by_category(rows), hide_index=True, height=200, column_config={
        "category": t("category"), "open": st.column_config.NumberColumn(t("open_obstacles"), format="%d"),
        "all": st.column_config.NumberColumn(t("all"), format="%d")})

table = screens.lists.obstacle_table(rows)
with st.container(horizontal=True, vertical_alignment="center"):
    st.caption(t("rows_shown").format(n=i18n.number(len(rows), f.lang)))
    st.download_button(t("export_csv"), export.to_csv(table), file_name=f"hambatan-{f.as_of}.csv",
                       mime="text/csv", icon=":material/download:")
    st.download_button(t("export_xlsx"), export.to_xlsx(table, "Hambatan"), file_name=f"hambatan-{f.as_of}.xlsx",
                       icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
picked = st.dataframe(table, hide_index=True, key="daftar_hambatan", on_select="rerun", selection_mode="single-row",
                      column_config={
                          "id": st.column_config.NumberColumn("#", format="%d", width="small"),
                          "region": t("region"), "province": t("province"), "stage": t("stage"),
                          "category": t("category"), "severity": t("severity"), "status": t("status"),
                          "found_date": st.column_config.DateColumn(t("found_date"), format="DD-MM-YYYY"),
                          "age_days": st.column_config.NumberColumn(t("age"), format="%d"),
                          "age_bucket": t("age_bucket"),
                          "due_date": st.column_config.DateColumn(t("due_date"), format="DD-MM-YYYY"),
                          "owner": t("owner"), "description": t("description")})

st.subheader(t("follow_up"))
chosen = ui.maps.selected_row(picked, table, "id")
if chosen is None:
    st.caption(t("follow_up_pick"))
else:
    obstacle = screens.lists.obstacle(rows, int(chosen))
    st.text(f"{obstacle['region']} · {obstacle['category']} · {obstacle['severity']}\n{obstacle['description']}")
    actions = screens.lists.actions_until(ui.data.obstacle_actions((int(chosen),), f.version), f.as_of)
    if actions.empty:
        st.caption(t("no_follow_up"))
    for a in actions.itertuples():
        st.text(screens.lists.action_line(a, f.lang))
