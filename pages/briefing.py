"""Layar briefing: the operations-room screen. Refreshes itself; large type, tile map."""

from datetime import datetime

import streamlit as st

from sipantau import charts, display, i18n, lists, webapp
from sipantau.clock import TIMEZONE
from sipantau.inert import md_escape

f = webapp.page_filters()


@st.fragment(run_every=webapp.briefing_refresh_seconds())
def briefing() -> None:
    # Re-read the data version on every tick: a report stored a minute ago shows now.
    version = webapp.data_version()
    t = f.t
    nat = webapp.national(f.election_code, f.as_of, version)
    offices, provinces = webapp.metrics(f.election_code, f.as_of, f.stage_id, version)
    st.title(f"{t('page_briefing')} · {i18n.day(f.as_of, f.lang)}")
    st.caption(t("briefing_updated").format(
        time=datetime.now(TIMEZONE).strftime("%H.%M"),
        seconds=i18n.number(webapp.briefing_refresh_seconds(), f.lang)))
    with st.container(horizontal=True):
        for h in display.headlines(nat, f.lang, f.stage_id):
            st.metric(md_escape(h.label), md_escape(h.value), border=True)
    # Full width: the tiles must read from across the room.
    st.plotly_chart(charts.tile_map(provinces, "progress", f.lang, classes=True, height=640),
                    key="briefing_tiles", config=charts.plotly_config(f.lang, staticPlot=True))
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("briefing_critical"))
        critical = display.metric_table(offices[offices["class"] == "critical"], "lag", f.lang)
        worst = critical.sort_values("value", ascending=False).head(12)
        st.dataframe(worst, hide_index=True, column_config=webapp.metric_columns("lag"), height=460)
    with right:
        snap = webapp.snapshot(f.election_code, f.as_of, version)
        severe = lists.obstacle_rows(snap, webapp.code_list("obstacle_category", version),
                                     webapp.code_list("severity", version),
                                     lists.ObstacleFilter(severities=("kritis", "tinggi"), open_only=True), f.lang)
        st.metric(t("briefing_severe_open"), i18n.number(len(severe), f.lang), border=True)
        st.dataframe(severe[["region", "category", "severity", "age_days"]].head(8), hide_index=True,
                     column_config={"region": t("region"), "category": t("category"), "severity": t("severity"),
                                    "age_days": st.column_config.NumberColumn(t("age"), format="%d")})


briefing()
