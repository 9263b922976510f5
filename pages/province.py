"""Provinsi: a province's regencies on a map and in a ranked table, with its scorecard."""

import streamlit as st

from sipantau import charts, display, geo, i18n, webapp
from sipantau.inert import md_escape

f = webapp.page_filters()
t = f.t
offices, provinces = webapp.metrics(f.election_code, f.as_of, f.stage_id, f.version)
names = dict(zip(provinces["region_code"], provinces["name"]))
code = st.selectbox(t("province"), options=sorted(names), format_func=webapp.region_labels(f.version),
                    key="provinsi", bind="query-params")
row = provinces.set_index("region_code").loc[code]
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
    view = webapp.map_controls(f)
    own = offices[offices["province_code"] == code]
    regencies = own[own["level"] == "regency"]
    left, right = st.columns([3, 2])
    with left:
        if webapp.boundaries_available():
            # Regencies are always drawn on the map (the tile grid holds provinces only).
            fig = webapp.map_figure(f, webapp.MapView(view.metric, False, view.classes), "regency", code)
            event = st.plotly_chart(fig, key="peta_provinsi", on_select="rerun", selection_mode="points",
                                    config=charts.plotly_config(f.lang))
            if picked_codes := charts.selected_codes(event):
                webapp.go_to("pages/regency.py", wilayah=picked_codes[0])
            drawn = webapp.codes_with_boundary(str(geo.boundaries_dir()))
            missing = regencies[~regencies["region_code"].isin(drawn)]
            if len(missing):
                st.caption(f"**{t('without_boundary')}:** " + ", ".join(md_escape(n) for n in missing["name"]),
                           help=t("without_boundary_help"))
        else:
            st.info(t("no_boundaries"))
    with right:
        table = display.metric_table(own, view.metric, f.lang)
        picked = st.dataframe(table, hide_index=True, key="tabel_kabkota", on_select="rerun",
                              selection_mode="single-row", column_config=webapp.metric_columns(view.metric),
                              height=560)
        if picked_code := webapp.selected_row(picked, table, "region_code"):
            webapp.go_to("pages/regency.py", wilayah=picked_code)


map_and_table()
