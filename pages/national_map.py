"""Peta kesiapan: provinces coloured by a metric; a click drills into a province.

Layout only (the page rule is in dashboard.py): frames from sipantau.ui and sipantau.screens.
"""

import streamlit as st

from sipantau import charts, i18n, screens, ui
from sipantau.inert import md_escape

f = ui.filters.page_filters()
t = f.t
st.title(t("page_map"))
st.caption(f"{t('as_of')} **{i18n.day(f.as_of, f.lang)}** · {t('map_pick_hint')}")

nat = ui.data.national(f.election_code, f.as_of, f.version)
with st.container(horizontal=True):
    for h in screens.national.headlines(nat, f.lang, f.stage_id):
        st.metric(md_escape(h.label), md_escape(h.value), help=md_escape(h.help), border=True)


# A metric, view or class switch reruns only this part of the page.
@st.fragment
def map_and_table() -> None:
    view = ui.maps.map_controls(f)
    if not ui.maps.boundaries_available():
        st.info(t("no_boundaries"))
    _, provinces = ui.data.metrics(f.election_code, f.as_of, f.stage_id, f.version)
    # The tile grid needs the full width to stay legible (15 columns of equal squares).
    left, right = st.columns([3, 2]) if not view.tiles else (st.container(), st.container())
    with left:
        event = st.plotly_chart(ui.maps.map_figure(f, view), key="peta_nasional", on_select="rerun",
                                selection_mode="points", config=charts.plotly_config(f.lang))
        if codes := charts.selected_codes(event):
            ui.maps.go_to("pages/province.py", provinsi=codes[0])
    with right:
        table = screens.lists.metric_table(provinces, view.metric, f.lang)
        picked = st.dataframe(table, hide_index=True, key="tabel_provinsi", on_select="rerun",
                              selection_mode="single-row", column_config=ui.maps.metric_columns(view.metric),
                              height=560)
        if code := ui.maps.selected_row(picked, table, "region_code"):
            ui.maps.go_to("pages/province.py", provinsi=code)


map_and_table()
