"""Peringkat: provinces and regencies by readiness index, with rank change.

Layout only (the page rule is in dashboard.py): frames from sipantau.ui and sipantau.screens.
"""

import streamlit as st

from sipantau import i18n, screens, ui

f = ui.filters.page_filters()
t = f.t
st.title(t("page_ranking"))

compare = st.segmented_control(t("compare_days"), options=[7, 14, 30], default=7, key="banding",
                               bind="query-params") or 7
ranks = ui.data.rankings(f.election_code, f.as_of, compare, f.version)
change_help = t("rank_change_help").format(n=i18n.number(compare, f.lang))
st.caption(f"{t('as_of')} **{i18n.day(f.as_of, f.lang)}** · {change_help}")

columns = {
    "rank": st.column_config.NumberColumn(t("rank"), format="%d", width="small"),
    "rank_change": st.column_config.NumberColumn(t("rank_change"), format="%+d", width="small",
                                                 help=change_help),
    "name": st.column_config.TextColumn(t("region")),
    "province": st.column_config.TextColumn(t("province")),
    "index": st.column_config.ProgressColumn(t("index"), format="%.0f", min_value=0, max_value=100,
                                             help=t("index_help")),
    "progress": st.column_config.NumberColumn(t("progress"), format="%.0f%%"),
    "lag": st.column_config.NumberColumn(t("lag"), format="%.0f"),
    "obstacles": st.column_config.NumberColumn(t("open_obstacles_short"), format="%d"),
}
province_tab, regency_tab = st.tabs([t("provinces"), t("regencies")])

with province_tab:
    provinces = ranks["provinces"]
    picked = st.dataframe(provinces, hide_index=True, key="peringkat_provinsi", on_select="rerun",
                          selection_mode="single-row", column_config=columns,
                          column_order=["rank", "rank_change", "name", "index", "progress", "lag", "obstacles"])
    if code := ui.maps.selected_row(picked, provinces, "region_code"):
        ui.maps.go_to("pages/province.py", provinsi=code)

with regency_tab:
    regencies = screens.lists.ranked_regencies(ranks)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        names = screens.lists.names_by_code(provinces)
        province = st.selectbox(t("province"), options=[None, *names], key="rank_provinsi",
                                format_func=lambda c: t("all") if c is None else names[c])
        peer = st.segmented_control(t("peer_group"), options=list(screens.lists.PEER_GROUPS), default="semua",
                                    format_func=lambda k: screens.lists.PEER_GROUPS[k][f.lang == "en"],
                                    key="kelompok")
        pilkada = st.segmented_control(t("pilkada_filter"), options=[None, True, False], default=None,
                                       format_func=lambda v: t("all") if v is None else t("yes" if v else "no"),
                                       key="pilkada")
    shown = screens.lists.peer_filter(regencies, peer or "semua", pilkada, ui.data.pilkada_codes(f.version), province)
    st.caption(t("rows_shown").format(n=i18n.number(len(shown), f.lang)))
    picked = st.dataframe(shown, hide_index=True, key="peringkat_kabkota", on_select="rerun",
                          selection_mode="single-row", column_config=columns,
                          column_order=["rank", "rank_change", "name", "province", "index", "progress", "lag",
                                        "obstacles"])
    if code := ui.maps.selected_row(picked, shown, "region_code"):
        ui.maps.go_to("pages/regency.py", wilayah=code)
