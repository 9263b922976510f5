"""Ringkasan nasional: the national picture for the chosen election and date.

Layout only (the page rule is in dashboard.py): frames from sipantau.ui and sipantau.screens.
"""

import streamlit as st

from sipantau import charts, i18n, screens, ui
from sipantau.inert import md_escape

f = ui.filters.page_filters()
nat = ui.data.national(f.election_code, f.as_of, f.version)

st.title(f.t("national_picture"))
st.caption(f"{f.t('app_subtitle')}  \n{f.t('as_of')} **{i18n.day(f.as_of, f.lang)}**")

with st.container(horizontal=True):
    for h in screens.national.headlines(nat, f.lang, f.stage_id):
        st.metric(md_escape(h.label), md_escape(h.value), help=md_escape(h.help), border=True)

st.subheader(f.t("active_stages") if f.stage_id is None else f.t("stage"))
table = screens.national.stage_table(nat, f.lang, f.stage_id)
if table.empty:
    st.info(f.t("no_active_stages"))
else:
    st.dataframe(table, hide_index=True)

left, right = st.columns(2)
with left:
    st.subheader(f.t("by_severity"))
    st.plotly_chart(charts.severity_bar(nat.obstacles_by_severity, f.lang), key="tingkat",
                    config=charts.plotly_config(f.lang))
with right:
    if not nat.nphd.empty:
        st.subheader(f.t("nphd_title"))
        st.dataframe(screens.national.nphd_table(nat, f.lang), hide_index=True)
