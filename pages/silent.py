"""Belum melapor: offices silent for at least N days on the as-of date, longest first.

Layout only (the page rule is in dashboard.py): frames from sipantau.ui and sipantau.screens.
"""

import streamlit as st

from sipantau import export, i18n, screens, ui

f = ui.filters.page_filters()
t = f.t
st.title(t("page_silent"))
snap = ui.data.snapshot(f.election_code, f.as_of, f.version)
provinces = screens.lists.province_choices(snap.names)
with st.container(horizontal=True, vertical_alignment="bottom"):
    days = st.number_input(t("min_days_silent"), min_value=1, max_value=365, value=7, key="diam",
                           bind="query-params")
    province = st.selectbox(t("province"), [None, *provinces], key="diam_provinsi",
                            format_func=lambda c: t("all") if c is None else provinces[c])
rows = screens.lists.silent_offices(snap, int(days), province)
st.caption(f"{t('as_of')} **{i18n.day(f.as_of, f.lang)}** · " + t("silent_summary").format(
    n=i18n.number(len(rows), f.lang), total=i18n.number(len(snap.compliance), f.lang),
    days=i18n.number(days, f.lang)))
table = screens.lists.silent_table(rows)
st.download_button(t("export_csv"), export.to_csv(table), file_name=f"belum-melapor-{f.as_of}.csv", mime="text/csv",
                   icon=":material/download:")
picked = st.dataframe(table, hide_index=True, key="daftar_diam", on_select="rerun", selection_mode="single-row",
                      column_config={
                          "region_code": st.column_config.TextColumn(t("region"), width="small"),
                          "name": "", "province": t("province"),
                          "last_report": st.column_config.DateColumn(t("last_report"), format="DD-MM-YYYY"),
                          "days_silent": st.column_config.NumberColumn(t("days_silent"), format="%d"),
                          "on_time_rate": st.column_config.ProgressColumn(t("on_time_rate"), format="%.0f%%",
                                                                          min_value=0, max_value=100)})
if code := ui.maps.selected_row(picked, table, "region_code"):
    ui.maps.go_to("pages/regency.py", wilayah=code)
