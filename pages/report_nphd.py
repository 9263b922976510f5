"""NPHD: grant agreements per counterparty and their disbursements by tranche.

The checks (disbursed ≤ agreed, tranche dates on or after signing, corrections of a
signed agreement) are reports.py's; this page shows their refusals under the fields.

Layout only (the page rule is in dashboard.py): the write and the reads are sipantau.ui.forms'.
"""

import streamlit as st

from sipantau import i18n, screens, ui
from sipantau.rules import MAX_TEXT

t = ui.filters.t
actor = ui.nav.require("pages/report_nphd.py")
lang = ui.filters.lang()

st.title(t("inp_page_report_nphd"))
st.caption(t("inp_report_nphd_intro"))

election = ui.forms.election_picker("nphd_election", nphd_only=True)
region = ui.forms.region_picker(actor, election)
if region is None:
    st.stop()
regions = ui.forms.region_options(actor, election)
counterparties = ui.forms.codes("counterparty")

agreements = ui.forms.region_agreements(region, election)
paid = ui.forms.agreement_disbursements(region, election)

st.subheader(t("nphd_region_title"))
if agreements.empty:
    st.info(t("inp_nphd_none"))
else:
    st.dataframe(screens.input.agreements_table(agreements, counterparties, lang), hide_index=True, key="nphd_list",
                 alt=t("nphd_region_title"))
    if not paid.empty:
        st.dataframe(screens.input.disbursements_table(paid, counterparties, lang), hide_index=True,
                     key="nphd_paid", alt=t("inp_nphd_disbursements"))

agreement_tab, disbursement_tab = st.tabs([t("inp_nphd_agreement_tab"), t("inp_nphd_disbursement_tab")])

with agreement_tab:
    with st.form("nphd_form", clear_on_submit=False):
        slots = ui.forms.FieldSlots()
        slots.add("wilayah", "pemilihan")
        counterparty = st.selectbox(t("counterparty"), options=list(counterparties), format_func=counterparties.get,
                                    key="nphd_mitra")
        slots.add("mitra")
        left, right = st.columns(2)
        with left:
            agreed_value = st.number_input(t("inp_agreed_value_rp"), min_value=0, value=0, step=1_000_000,
                                           key="nphd_nilai", help=t("inp_rupiah_help"))
            slots.add("nilai NPHD")
        with right:
            signed_date = st.date_input(t("inp_nphd_signed_date"), value=None, format="DD/MM/YYYY", key="nphd_ttd",
                                        help=t("inp_nphd_signed_help"))
            slots.add("tanggal tanda tangan")
        note = st.text_area(t("inp_note"), key="nphd_catatan", max_chars=MAX_TEXT)
        slots.add("catatan")
        correct = st.checkbox(t("inp_nphd_correct"), key="nphd_koreksi", help=t("inp_nphd_correct_help"))
        slots.add("mengoreksi")
        slots.general()
        submitted = st.form_submit_button(t("inp_save_nphd"), type="primary", icon=":material/save:",
                                          key="nphd_submit")
    if submitted:
        replaces = screens.input.current_agreement_id(agreements, counterparty) if correct else None
        fields = {"election_code": election, "region_code": region, "counterparty_code": counterparty,
                  "agreed_value": int(agreed_value), "signed_date": signed_date, "note": note or "",
                  "replaces_id": replaces}
        if correct and replaces is None:
            slots.show({"mengoreksi": t("inp_nphd_nothing_to_correct")})
        elif ui.forms.submit("nphd", actor, fields, slots, summary=[
            (t("region"), regions.get(region, region)), (t("counterparty"), counterparties.get(counterparty)),
            (t("agreed_value"), i18n.rupiah(int(agreed_value), lang)), (t("inp_nphd_signed_date"), signed_date),
            (t("inp_note"), note),
            (t("inp_nphd_corrects"), screens.input.reference("nphd_agreement", replaces) if replaces else None),
        ]):
            st.rerun()
    ui.forms.show_receipt("nphd")

with disbursement_tab:
    signed = screens.input.signed_agreements(agreements)
    if signed.empty:
        st.info(t("inp_nphd_none_signed"))
    else:
        labels = screens.input.agreement_labels(signed, counterparties, lang)
        with st.form("cair_form", clear_on_submit=False):
            slots = ui.forms.FieldSlots()
            agreement_id = st.selectbox(t("inp_nphd_pick"), options=list(labels), format_func=labels.get,
                                        key="cair_nphd")
            slots.add("NPHD")
            left, middle, right = st.columns(3)
            with left:
                tranche = st.number_input(t("inp_nphd_tranche"), min_value=1, max_value=6, value=1, step=1,
                                          key="cair_tahap")
                slots.add("tahap")
            with middle:
                amount = st.number_input(t("inp_nphd_amount_rp"), min_value=0, value=0, step=1_000_000,
                                         key="cair_jumlah",
                                         help=t("inp_rupiah_help"))
                slots.add("jumlah")
            with right:
                disbursed_date = st.date_input(t("inp_nphd_disbursed_date"), value=ui.filters.default_date(),
                                               format="DD/MM/YYYY", key="cair_tanggal")
                slots.add("tanggal pencairan")
            slots.general()
            submitted = st.form_submit_button(t("inp_save_disbursement"), type="primary", icon=":material/save:",
                                              key="cair_submit")
        if submitted:
            fields = {"agreement_id": agreement_id, "tranche": int(tranche), "amount": int(amount),
                      "disbursed_date": disbursed_date}
            if ui.forms.submit("cair", actor, fields, slots, summary=[
                (t("inp_nphd_pick"), labels.get(agreement_id)), (t("inp_nphd_tranche"), int(tranche)),
                (t("inp_nphd_amount"), i18n.rupiah(int(amount), lang)), (t("inp_nphd_disbursed_date"), disbursed_date),
            ]):
                st.rerun()
        ui.forms.show_receipt("cair")
