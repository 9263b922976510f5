"""Provinsi: a province's regencies on a map and in a ranked table, with its scorecard.

Layout only (the page rule is in dashboard.py): frames from sipantau.ui and sipantau.screens.
"""

import streamlit as st

from sipantau import charts, i18n, screens, ui
from sipantau.inert import md_escape

f = ui.filters.page_filters()
t = f.t
offices, provinces = ui.data.metrics(f.election_code, f.as_of, f.stage_id, f.version)
code = st.selectbox(t("province"), options=list(screens.lists.names_by_code(provinces)),
                    format_func=ui.maps.region_labels(f.version), key="provinsi", bind="query-params")
row = screens.region.row(provinces, code)
st.title(md_escape(row["name"]))
st.caption(f"{t('as_of')} **{i18n.day(f.as_of, f.lang)}** · {t('region_pick_hint')}")

with st.container(horizontal=True):
    st.metric(t("index"), i18n.number(row["index"], f.lang, 1), border=True, help=t("index_help"))
    st.metric(t("rank"), f"{i18n.number(row['rank'], f.lang)} / {len(provinces)}", border=True)
    st.metric(t("progress"), i18n.percent(row["progress"], f.lang),
              f"{i18n.number(-row['lag'], f.lang, 1)} {t('expected')}" if row["lag"] == row["lag"] else None,
              border=True)
    st.metric(t("open_obstacles"), i18n.number(row["obstacles"], f.lang), border=True)
    if row["nphd_realised"] == row["nphd_realised"]:
        st.metric(t("nphd_realised"), i18n.percent(row["nphd_realised"], f.lang), border=True)


# A metric or class switch reruns only this part of the page.
@st.fragment
def map_and_table() -> None:
    view = ui.maps.map_controls(f)
    left, right = st.columns([3, 2])
    with left:
        if ui.maps.boundaries_available():
            fig = ui.maps.map_figure(f, ui.maps.regency_view(view), "regency", code)
            event = st.plotly_chart(fig, key="peta_provinsi", on_select="rerun", selection_mode="points",
                                    config=charts.plotly_config(f.lang))
            if picked_codes := charts.selected_codes(event):
                ui.maps.go_to("pages/regency.py", wilayah=picked_codes[0])
            missing = screens.region.without_boundary(offices, code, ui.maps.codes_with_boundary())
            if missing:
                st.caption(f"**{t('without_boundary')}:** " + ", ".join(md_escape(n) for n in missing),
                           help=t("without_boundary_help"))
        else:
            st.info(t("no_boundaries"))
    with right:
        table = screens.lists.metric_table(screens.region.province_offices(offices, code), view.metric, f.lang)
        picked = st.dataframe(table, hide_index=True, key="tabel_kabkota", on_select="rerun",
                              selection_mode="single-row", column_config=ui.maps.metric_columns(view.metric),
                              height=560)
        if picked_code := ui.maps.selected_row(picked, table, "region_code"):
            ui.maps.go_to("pages/regency.py", wilayah=picked_code)


map_and_table()
