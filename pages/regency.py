"""Kabupaten/kota: one office's scorecard, rank and the history behind every number.

Layout only (the page rule is in dashboard.py): frames from sipantau.ui and sipantau.screens.
"""

import streamlit as st

from sipantau import charts, i18n, screens, ui
from sipantau.inert import md_escape

f = ui.filters.page_filters()
t = f.t
snap = ui.data.snapshot(f.election_code, f.as_of, f.version)
offices, provinces = ui.data.metrics(f.election_code, f.as_of, f.stage_id, f.version)
code = st.selectbox(t("region"), options=offices["region_code"].tolist(),
                    format_func=ui.maps.region_labels(f.version), key="wilayah",
                    bind="query-params", index=None)
if code is None:
    st.title(t("page_regency"))
    st.info(t("region_pick_hint"))
    st.stop()
card = screens.region.scorecard(offices, snap.names, code, f.lang)
row = card.row
st.title(md_escape(row["name"]))
st.caption(f"{md_escape(card.province)} · {t('as_of')} **{i18n.day(f.as_of, f.lang)}**")

with st.container(horizontal=True):
    st.metric(t("index"), i18n.number(row["index"], f.lang, 1), border=True, help=t("index_help"))
    if card.is_regency:
        st.metric(t("rank_national"), f"{i18n.number(row['rank'], f.lang)} / {i18n.number(card.regencies, f.lang)}",
                  border=True)
        st.metric(t("rank_in_province"), f"{i18n.number(row['rank_in_province'], f.lang)} / "
                  f"{i18n.number(card.regencies_in_province, f.lang)}", border=True)
    else:
        st.metric(t("kind"), t("province_office"), border=True)
    st.metric(t("progress"), i18n.percent(row["progress"], f.lang), border=True,
              help=f"{t('expected')}: {i18n.percent(row['expected'], f.lang)}")
    st.metric(t("open_obstacles"), i18n.number(row["obstacles"], f.lang), border=True)
    st.metric(t("days_silent"), i18n.number(row["days_silent"], f.lang), border=True)

with st.container(border=True):
    st.subheader(t("why_rank"))
    st.caption(t("why_rank_caption"))
    st.dataframe(card.breakdown.drop(columns="component"), hide_index=True, column_config={
        "label": st.column_config.TextColumn(t("component")),
        "score": st.column_config.ProgressColumn(t("score"), format="%.0f", min_value=0, max_value=100),
        "weight": st.column_config.NumberColumn(t("weight"), format="%.0f%%"),
        "points": st.column_config.NumberColumn(t("points"), format="%.1f"),
        "lost": st.column_config.NumberColumn(t("lost"), format="%.1f"),
    })

st.subheader(t("stage_progress_title"))
history = ui.data.region_history(f.election_code, code, f.as_of, f.version)
with st.container(horizontal=True):
    for chart in screens.region.stage_charts(snap, history, f.stage_id, f.as_of, f.lang):
        fig = charts.stage_timeline(chart.history, f.lang, start_date=chart.start_date, end_date=chart.end_date,
                                    as_of=f.as_of, title=chart.title)
        st.plotly_chart(fig, key=f"lini_{chart.stage_id}", config=charts.plotly_config(f.lang))

st.subheader(t("obstacles_title"))
rows = screens.lists.obstacle_rows(snap, ui.data.code_list("obstacle_category", f.version),
                                   ui.data.code_list("severity", f.version),
                                   screens.lists.ObstacleFilter(region_code=code), f.lang)
if rows.empty:
    st.caption(t("no_data_yet"))
else:
    actions = ui.data.obstacle_actions(tuple(rows["id"].tolist()), f.version)
    for o in rows.itertuples():
        done = screens.lists.actions_until(actions, f.as_of, o.id)
        label = " · ".join(md_escape(part) for part in (o.severity, o.category, o.status))
        with st.expander(f"{label} · {i18n.day(o.found_date.date(), f.lang)}",
                         icon=":material/warning:" if o.open else ":material/check_circle:"):
            st.text(o.description)
            st.text(f"{t('owner')}: {o.owner} · {t('stage')}: {o.stage or '–'}")
            if done.empty:
                st.caption(t("no_follow_up"))
            for a in done.itertuples():
                st.text(screens.lists.action_line(a, f.lang))

left, right = st.columns(2)
with left:
    st.subheader(t("nphd_region_title"))
    nphd = screens.region.nphd_table(snap, code, f.lang)
    if nphd.empty:
        st.caption(t("no_data_yet"))
    else:
        st.dataframe(nphd, hide_index=True)
    st.subheader(t("documents_title"))
    docs = screens.region.documents(snap, code)
    st.progress(docs.share, text=t("documents_held").format(held=i18n.number(docs.held, f.lang),
                                                            required=i18n.number(docs.required, f.lang)))
with right:
    st.subheader(t("reporting_title"))
    days = ui.data.reporting_days(f.election_code, code, f.as_of, f.version)
    if days.empty:
        st.caption(t("never_reported"))
    else:
        st.caption(t("reports_on_days").format(n=i18n.number(len(days), f.lang),
                                               last=i18n.day(days.iloc[-1].date(), f.lang)))
        st.bar_chart(screens.region.weekly_reports(days), height=200, x_label="", y_label="")
