"""Layar briefing: the operations-room screen. Refreshes itself; large type, tile map.

Layout only (the page rule is in dashboard.py): frames from sipantau.ui and sipantau.screens.
"""

import streamlit as st

from sipantau import charts, i18n, screens, ui
from sipantau.inert import md_escape

f = ui.filters.page_filters()


@st.fragment(run_every=ui.nav.briefing_refresh_seconds())
def briefing() -> None:
    if not ui.nav.still_signed_in("pages/briefing.py"):
        return
    # Re-read the data version on every tick: a report stored a minute ago shows now.
    version = ui.data.data_version()
    t = f.t
    nat = ui.data.national(f.election_code, f.as_of, version)
    offices, _ = ui.data.metrics(f.election_code, f.as_of, f.stage_id, version)
    st.title(f"{t('page_briefing')} · {i18n.day(f.as_of, f.lang)}")
    st.caption(t("briefing_updated").format(time=ui.filters.now().strftime("%H.%M"),
                                            seconds=i18n.number(ui.nav.briefing_refresh_seconds(), f.lang)))
    with st.container(horizontal=True):
        for h in screens.national.headlines(nat, f.lang, f.stage_id):
            st.metric(md_escape(h.label), md_escape(h.value), border=True)
    # Full width: the tiles must read from across the room.
    st.plotly_chart(ui.maps.tile_figure(f, version, "progress", classes=True, height=640),
                    key="briefing_tiles", config=charts.plotly_config(f.lang, staticPlot=True))
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("briefing_critical"))
        st.dataframe(screens.lists.most_critical(offices, f.lang), hide_index=True,
                     column_config=ui.maps.metric_columns("lag"), height=460)
    with right:
        snap = ui.data.snapshot(f.election_code, f.as_of, version)
        severe = screens.lists.severe_open(snap, ui.data.code_list("obstacle_category", version),
                                           ui.data.code_list("severity", version), f.lang)
        st.metric(t("briefing_severe_open"), i18n.number(len(severe), f.lang), border=True)
        st.dataframe(screens.lists.severe_table(severe), hide_index=True,
                     column_config={"region": t("region"), "category": t("category"), "severity": t("severity"),
                                    "age_days": st.column_config.NumberColumn(t("age"), format="%d")})


briefing()
