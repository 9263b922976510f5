"""Dokumen: which required documents a region holds, downloads, and uploads.

Files are checked by content and stored by hash in sipantau.documents; this page
lays out the checklist and the upload form.

Layout only (the page rule is in dashboard.py): the write and the reads are sipantau.ui.forms'.
"""

import streamlit as st

from sipantau import i18n, screens, ui
from sipantau.inert import md_escape

t = ui.filters.t
actor = ui.nav.require("pages/documents.py")
lang = ui.filters.lang()

st.title(t("inp_page_documents"))
st.caption(t("inp_documents_intro").format(mb=i18n.number(ui.forms.max_document_mb(), lang, 0)))

election = ui.forms.election_picker()
region = ui.forms.region_picker(actor, election)
if region is None:
    st.stop()
regions = ui.forms.region_options(actor, election)

checklist = ui.forms.checklist(region, election)
names = screens.input.requirement_names(checklist, lang)
held = screens.input.held_documents(checklist)

st.subheader(t("inp_documents_checklist"))
st.metric(t("inp_doc_held_label"), f"{i18n.number(len(held), lang)} / {i18n.number(len(checklist), lang)}",
          border=True, width="content")
st.dataframe(screens.input.checklist_table(checklist, names, lang), hide_index=True, key="dok_checklist",
             alt=t("inp_documents_checklist"))

if not held.empty:
    st.subheader(t("inp_documents_download"))
    with st.container(horizontal=True):
        for row in held.itertuples():
            label = md_escape(names[row.requirement_code])
            if not row.stored:
                st.button(label, key=f"dok_dl_{row.document_id}", disabled=True, icon=":material/cloud_off:",
                          help=t("inp_document_not_on_server"))
                continue
            st.download_button(label, data=ui.forms.document_reader(actor, int(row.document_id)),
                               key=f"dok_dl_{row.document_id}", file_name=row.download_name, mime=row.media_type,
                               on_click="ignore", icon=":material/download:")

st.subheader(t("inp_documents_upload"))
with st.form("dok_form", clear_on_submit=False):
    slots = ui.forms.FieldSlots()
    slots.add("wilayah", "pemilihan")
    requirement = st.selectbox(t("inp_document_kind"), options=list(names), format_func=names.get, key="dok_jenis")
    slots.add("jenis dokumen", "mengoreksi")
    document_date = st.date_input(t("inp_document_date"), value=ui.filters.default_date(), format="DD/MM/YYYY",
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
        facts = screens.input.upload_facts(upload.name, content)
        fields = {"region_code": region, "requirement_code": requirement, "document_date": document_date,
                  "filename": upload.name, "content": content, "election_code": election}
        key_fields = {k: v for k, v in fields.items() if k != "content"} | {"content_hash": facts.content_hash}
        if ui.forms.submit("dok", actor, fields, slots, key_fields=key_fields, summary=[
            (t("region"), regions.get(region, region)), (t("inp_document_kind"), names.get(requirement)),
            (t("inp_document_date"), document_date), (t("inp_document_file"), facts.filename),
            (t("inp_document_type"), facts.kind),
            (t("inp_document_size"), f"{i18n.number(facts.size, lang)} {t('inp_bytes')}"),
            (t("inp_document_hash"), facts.content_hash),
        ]):
            st.rerun()
ui.forms.show_receipt("dok")
