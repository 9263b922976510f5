"""Dokumen: which required documents a region holds, downloads, and uploads.

Files are checked by content and stored by hash in sipantau.documents; this page
lays out the checklist and the upload form.
"""

import pandas as pd
import streamlit as st

from sipantau import documents, form_ui, i18n
from sipantau.inert import md_escape

t = form_ui.t
actor = form_ui.require_writer()
lang = form_ui.lang()

st.title(t("inp_page_documents"))
st.caption(t("inp_documents_intro").format(mb=i18n.number(documents.max_bytes() / 1_048_576, lang, 0)))

election = form_ui.election_picker()
region = form_ui.region_picker(actor, election)
if region is None:
    st.stop()
regions = form_ui.region_options(actor, election)

with form_ui.conn() as conn:
    checklist = documents.checklist(conn, region, election)
names = dict(zip(checklist["requirement_code"], checklist["name_en" if lang == "en" else "name_id"], strict=True))

held = int(checklist["present"].sum())
st.subheader(t("inp_documents_checklist"))
st.metric(t("inp_doc_held_label"), f"{held} / {len(checklist)}", border=True, width="content")
st.dataframe(pd.DataFrame({
    t("inp_document_kind"): checklist["requirement_code"].map(names),
    t("inp_document_state"): checklist["present"].map({True: t("inp_document_present"),
                                                       False: t("inp_document_missing")}),
    t("inp_document_count"): checklist["count"],
    t("inp_document_file"): checklist["filename"].fillna("–"),
    t("inp_document_date"): [form_ui.day(d) for d in checklist["document_date"]],
    t("inp_recorded_at"): [form_ui.moment(v) if v is not None and not pd.isna(v) else "–"
                       for v in checklist["recorded_at"]],
}), hide_index=True, key="dok_checklist", alt=t("inp_documents_checklist"))

present = checklist[checklist["present"]]
if not present.empty:
    st.subheader(t("inp_documents_download"))
    with st.container(horizontal=True):
        for row in present.itertuples():
            label = md_escape(names[row.requirement_code])
            if not row.stored:
                st.button(label, key=f"dok_dl_{row.document_id}", disabled=True, icon=":material/cloud_off:",
                          help=t("inp_document_not_on_server"))
                continue

            def _content(document_id=int(row.document_id), engine=form_ui.engine()) -> bytes:
                # Runs on its own thread when clicked: no Streamlit calls in here.
                with engine.connect() as conn:
                    return documents.read_document(conn, actor, document_id).content

            st.download_button(label, data=_content, key=f"dok_dl_{row.document_id}",
                               file_name=documents.download_name(row.filename, row.media_type),
                               mime=row.media_type, on_click="ignore", icon=":material/download:")

st.subheader(t("inp_documents_upload"))
with st.form("dok_form", clear_on_submit=False):
    slots = form_ui.FieldSlots()
    slots.add("wilayah", "pemilihan")
    requirement = st.selectbox(t("inp_document_kind"), options=list(names), format_func=names.get, key="dok_jenis")
    slots.add("jenis dokumen", "mengoreksi")
    document_date = st.date_input(t("inp_document_date"), value=form_ui.default_date(), format="DD/MM/YYYY",
                                  key="dok_tanggal")
    slots.add("tanggal dokumen")
    upload = st.file_uploader(t("inp_document_file"), type=["pdf", "png", "jpg", "jpeg"], key="dok_berkas",
                              help=t("inp_document_file_help"))
    slots.add("berkas", "nama berkas")
    slots.general()
    submitted = st.form_submit_button(t("inp_save_document"), type="primary", icon=":material/upload_file:",
                                      key="dok_submit")

if submitted:
    if upload is None:
        slots.show({"berkas": t("inp_document_choose_file")})
    else:
        content = upload.getvalue()
        fields = {"region_code": region, "requirement_code": requirement, "document_date": document_date,
                  "filename": upload.name, "content": content, "election_code": election}
        key_fields = {k: v for k, v in fields.items() if k != "content"} | {
            "content_hash": documents.content_hash(content)}
        if form_ui.submit("dok", documents.upload_document, actor, fields, slots, key_fields=key_fields, summary=[
            (t("region"), regions.get(region, region)), (t("inp_document_kind"), names.get(requirement)),
            (t("inp_document_date"), document_date), (t("inp_document_file"), documents.safe_filename(upload.name)),
            (t("inp_document_type"), documents.KIND_NAMES.get(documents.sniff(content) or "", "–")),
            (t("inp_document_size"), f"{i18n.number(len(content), lang)} {t('inp_bytes')}"),
            (t("inp_document_hash"), documents.content_hash(content)),
        ]):
            st.rerun()
form_ui.show_receipt("dok")
