"""NPHD: grant agreements per counterparty and their disbursements by tranche.

The checks (disbursed ≤ agreed, tranche dates on or after signing, corrections of a
signed agreement) are reports.py's; this page shows their refusals under the fields.
"""

import pandas as pd
import streamlit as st

from sipantau import form_ui, forms, i18n, reports

t = form_ui.t
actor = form_ui.require_writer()
lang = form_ui.lang()

st.title(t("inp_page_report_nphd"))
st.caption(t("inp_report_nphd_intro"))

election = form_ui.election_picker("nphd_election", nphd_only=True)
region = form_ui.region_picker(actor, election)
if region is None:
    st.stop()
regions = form_ui.region_options(actor, election)
counterparties = form_ui.codes("counterparty")

with form_ui.conn() as conn:
    agreements = forms.region_agreements(conn, region, election)
    paid = forms.agreement_disbursements(conn, region, election)

st.subheader(t("nphd_region_title"))
if agreements.empty:
    st.info(t("inp_nphd_none"))
else:
    st.dataframe(pd.DataFrame({
        t("inp_reference"): [forms.reference("nphd_agreement", i) for i in agreements["id"]],
        t("counterparty"): agreements["counterparty_code"].map(counterparties),
        t("agreed_value"): [i18n.rupiah(v, lang) for v in agreements["agreed_value"]],
        t("inp_nphd_signed_date"): [form_ui.day(d) for d in agreements["signed_date"]],
        t("realised_value"): [i18n.rupiah(v, lang) for v in agreements["disbursed"]],
        t("inp_nphd_tranches"): agreements["tranches"],
        t("inp_note"): agreements["note"],
    }), hide_index=True, key="nphd_list", alt=t("nphd_region_title"))
    if not paid.empty:
        st.dataframe(pd.DataFrame({
            t("inp_reference"): [forms.reference("nphd_disbursement", i) for i in paid["id"]],
            t("counterparty"): paid["counterparty_code"].map(counterparties),
            t("inp_nphd_tranche"): paid["tranche"],
            t("inp_nphd_amount"): [i18n.rupiah(v, lang) for v in paid["amount"]],
            t("inp_nphd_disbursed_date"): [form_ui.day(d) for d in paid["disbursed_date"]],
        }), hide_index=True, key="nphd_paid", alt=t("inp_nphd_disbursements"))

agreement_tab, disbursement_tab = st.tabs([t("inp_nphd_agreement_tab"), t("inp_nphd_disbursement_tab")])

with agreement_tab:
    with st.form("nphd_form", clear_on_submit=False):
        slots = form_ui.FieldSlots()
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
        note = st.text_area(t("inp_note"), key="nphd_catatan", max_chars=reports.MAX_TEXT)
        slots.add("catatan")
        correct = st.checkbox(t("inp_nphd_correct"), key="nphd_koreksi", help=t("inp_nphd_correct_help"))
        slots.add("mengoreksi")
        slots.general()
        submitted = st.form_submit_button(t("inp_save_nphd"), type="primary", icon=":material/save:",
                                          key="nphd_submit")
    if submitted:
        current = agreements[agreements["counterparty_code"] == counterparty]
        replaces = int(current["id"].iloc[0]) if correct and not current.empty else None
        fields = {"election_code": election, "region_code": region, "counterparty_code": counterparty,
                  "agreed_value": int(agreed_value), "signed_date": signed_date, "note": note or "",
                  "replaces_id": replaces}
        if correct and replaces is None:
            slots.show({"mengoreksi": t("inp_nphd_nothing_to_correct")})
        elif form_ui.submit("nphd", reports.record_nphd_agreement, actor, fields, slots, summary=[
            (t("region"), regions.get(region, region)), (t("counterparty"), counterparties.get(counterparty)),
            (t("agreed_value"), i18n.rupiah(int(agreed_value), lang)), (t("inp_nphd_signed_date"), signed_date),
            (t("inp_note"), note),
            (t("inp_nphd_corrects"), forms.reference("nphd_agreement", replaces) if replaces else None),
        ]):
            st.rerun()
    form_ui.show_receipt("nphd")

with disbursement_tab:
    signed = agreements[agreements["signed_date"].notna()] if not agreements.empty else agreements
    if signed.empty:
        st.info(t("inp_nphd_none_signed"))
    else:
        labels = {int(r.id): f"{counterparties.get(r.counterparty_code, r.counterparty_code)} · "
                             f"{i18n.rupiah(r.agreed_value, lang)} · "
                             f"{t('inp_nphd_signed_on')} {form_ui.day(r.signed_date)}"
                  for r in signed.itertuples()}
        with st.form("cair_form", clear_on_submit=False):
            slots = form_ui.FieldSlots()
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
                disbursed_date = st.date_input(t("inp_nphd_disbursed_date"), value=form_ui.default_date(),
                                               format="DD/MM/YYYY", key="cair_tanggal")
                slots.add("tanggal pencairan")
            slots.general()
            submitted = st.form_submit_button(t("inp_save_disbursement"), type="primary", icon=":material/save:",
                                              key="cair_submit")
        if submitted:
            fields = {"agreement_id": agreement_id, "tranche": int(tranche), "amount": int(amount),
                      "disbursed_date": disbursed_date}
            if form_ui.submit("cair", reports.record_nphd_disbursement, actor, fields, slots, summary=[
                (t("inp_nphd_pick"), labels.get(agreement_id)), (t("inp_nphd_tranche"), int(tranche)),
                (t("inp_nphd_amount"), i18n.rupiah(int(amount), lang)), (t("inp_nphd_disbursed_date"), disbursed_date),
            ]):
                st.rerun()
        form_ui.show_receipt("cair")
