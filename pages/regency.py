"""Kabupaten/kota: one office's scorecard, rank and the history behind every number."""

import pandas as pd
import streamlit as st

from sipantau import charts, i18n, lists, readiness, webapp
from sipantau.inert import md_escape

f = webapp.page_filters()
t = f.t
snap = webapp.snapshot(f.election_code, f.as_of, f.version)
offices, provinces = webapp.metrics(f.election_code, f.as_of, f.stage_id, f.version)
code = st.selectbox(t("region"), options=offices["region_code"].tolist(),
                    format_func=webapp.region_labels(f.version), key="wilayah",
                    bind="query-params", index=None)
if code is None:
    st.title(t("page_regency"))
    st.info(t("region_pick_hint"))
    st.stop()
row = offices.set_index("region_code").loc[code]
st.title(md_escape(row["name"]))
st.caption(f"{md_escape(snap.names.get(code[:2], ''))} · {t('as_of')} **{i18n.day(f.as_of, f.lang)}**")

regency_count = int((offices["level"] == "regency").sum())
in_province = int(((offices["province_code"] == code[:2]) & (offices["level"] == "regency")).sum())
with st.container(horizontal=True):
    st.metric(t("index"), i18n.number(row["index"], f.lang, 1), border=True, help=t("index_help"))
    if row["level"] == "regency":
        st.metric(t("rank_national"), f"{i18n.number(row['rank'], f.lang)} / {regency_count}", border=True)
        st.metric(t("rank_in_province"), f"{i18n.number(row['rank_in_province'], f.lang)} / {in_province}",
                  border=True)
    else:
        st.metric(t("kind"), t("province_office"), border=True)
    st.metric(t("progress"), i18n.percent(row["progress"], f.lang), border=True,
              help=f"{t('expected')}: {i18n.percent(row['expected'], f.lang)}")
    st.metric(t("open_obstacles"), i18n.number(row["obstacles"], f.lang), border=True)
    st.metric(t("days_silent"), i18n.number(row["days_silent"], f.lang), border=True)

with st.container(border=True):
    st.subheader(t("why_rank"))
    st.caption(t("why_rank_caption"))
    parts = readiness.index_breakdown(row, f.lang)
    st.dataframe(parts.drop(columns="component"), hide_index=True, column_config={
        "label": st.column_config.TextColumn(t("component")),
        "score": st.column_config.ProgressColumn(t("score"), format="%.0f", min_value=0, max_value=100),
        "weight": st.column_config.NumberColumn(t("weight"), format="%.0f%%"),
        "points": st.column_config.NumberColumn(t("points"), format="%.1f"),
        "lost": st.column_config.NumberColumn(t("lost"), format="%.1f"),
    })

st.subheader(t("stage_progress_title"))
history = webapp.region_history(f.election_code, code, f.as_of, f.version)
stage_ids = [f.stage_id] if f.stage_id else (snap.active_stage_ids or
                                              snap.stages.loc[snap.stages["start_date"] <= f.as_of, "stage_id"]
                                              .tail(2).tolist())
name_col = "name_en" if f.lang == "en" else "name_id"
with st.container(horizontal=True):
    for stage in snap.stages[snap.stages["stage_id"].isin(stage_ids)].itertuples():
        stage_history = history[history["stage_id"] == stage.stage_id]
        fig = charts.stage_timeline(stage_history, f.lang, start_date=stage.start_date, end_date=stage.end_date,
                                    as_of=f.as_of, title=getattr(stage, name_col))
        st.plotly_chart(fig, key=f"lini_{stage.stage_id}", config=charts.plotly_config(f.lang))

st.subheader(t("obstacles_title"))
rows = lists.obstacle_rows(snap, webapp.code_list("obstacle_category", f.version),
                           webapp.code_list("severity", f.version), lists.ObstacleFilter(region_code=code), f.lang)
if rows.empty:
    st.caption(t("no_data_yet"))
else:
    actions = webapp.obstacle_actions(tuple(rows["id"].tolist()), f.version)
    for o in rows.itertuples():
        done = actions[(actions["obstacle_id"] == o.id) & (actions["action_date"] <= pd.Timestamp(f.as_of))]
        label = " · ".join(md_escape(part) for part in (o.severity, o.category, o.status))
        with st.expander(f"{label} · {i18n.day(o.found_date.date(), f.lang)}",
                         icon=":material/warning:" if o.open else ":material/check_circle:"):
            st.text(o.description)
            st.text(f"{t('owner')}: {o.owner} · {t('stage')}: {o.stage or '–'}")
            if done.empty:
                st.caption(t("no_follow_up"))
            for a in done.itertuples():
                st.text(lists.action_line(a, f.lang))

left, right = st.columns(2)
with left:
    st.subheader(t("nphd_region_title"))
    nphd = snap.nphd[snap.nphd["region_code"] == code] if snap.has_nphd else snap.nphd
    if nphd.empty:
        st.caption(t("no_data_yet"))
    else:
        st.dataframe(pd.DataFrame({
            t("counterparty"): nphd["counterparty_code"],
            t("signed"): [i18n.day(pd.Timestamp(d).date(), f.lang, "d MMM y") if d == d else "–"
                          for d in nphd["signed_date"]],
            t("agreed_value"): [i18n.rupiah(v, f.lang) for v in nphd["agreed_value"]],
            t("realised_value"): [i18n.rupiah(v, f.lang) for v in nphd["realised"]],
        }), hide_index=True)
    st.subheader(t("documents_title"))
    docs = snap.documents
    held = int(docs["documents_held"].get(code, 0)) if len(docs) else 0
    required = int(docs["documents_required"].iloc[0]) if len(docs) else 0
    st.progress(held / required if required else 0.0, text=t("documents_held").format(held=held, required=required))
with right:
    st.subheader(t("reporting_title"))
    days = webapp.reporting_days(f.election_code, code, f.as_of, f.version)
    if days.empty:
        st.caption(t("never_reported"))
    else:
        st.caption(t("reports_on_days").format(n=i18n.number(len(days), f.lang),
                                               last=i18n.day(days.iloc[-1].date(), f.lang)))
        weekly = days.dt.to_period("W").value_counts().sort_index().tail(26)
        st.bar_chart(weekly.rename(index=lambda p: p.start_time), height=200, x_label="", y_label="")
