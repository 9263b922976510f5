"""Impor data: templates, upload, preview with every problem, then store all rows or none.

Parsing, validation and the all-or-nothing commit are sipantau.ingest's.
"""

import hashlib

import streamlit as st

from sipantau import i18n, ingest, ui
from sipantau.inert import md_escape

t = ui.filters.t
actor = ui.nav.require("pages/import_data.py")
lang = ui.filters.lang()
engine = ui.data.engine()

st.title(t("inp_page_import"))
st.caption(t("inp_import_intro"))

kind_names = {"laporan": t("inp_import_kind_laporan"), "hambatan": t("inp_import_kind_hambatan"),
              "nphd": t("inp_import_kind_nphd")}
kind = st.segmented_control(t("inp_import_kind"), options=list(kind_names), format_func=kind_names.get,
                            default="laporan", required=True, key="imp_jenis")

st.subheader(t("inp_import_templates"))
st.caption(t("inp_import_templates_help"))


def _xlsx(kind=kind) -> bytes:
    # Runs on its own thread when clicked: no Streamlit calls in here.
    with engine.connect() as conn:
        return ingest.template_xlsx(conn, actor, kind)


with st.container(horizontal=True):
    st.download_button(t("inp_import_template_xlsx"), data=_xlsx, file_name=f"templat-sipantau-{kind}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
                       icon=":material/table_view:", key="imp_tpl_xlsx")
    st.download_button(t("inp_import_template_csv"), data=ingest.template_csv(kind),
                       file_name=f"templat-sipantau-{kind}.csv", mime="text/csv", on_click="ignore",
                       icon=":material/description:", key="imp_tpl_csv")

st.subheader(t("inp_import_upload"))
done = st.session_state.pop("imp_done", None)
if done is not None:
    st.success(md_escape(done), title=t("inp_import_stored_title"), icon=":material/task_alt:")

generation = st.session_state.setdefault("imp_generation", 0)
upload = st.file_uploader(t("inp_import_file"), type=["csv", "xlsx", "xls", "ods"], key=f"imp_berkas_{generation}",
                          help=t("inp_import_file_help"))
if upload is None:
    st.stop()

content = upload.getvalue()
signature = (hashlib.sha256(content).hexdigest(), kind, upload.name)
state = st.session_state.get("imp_state")
if state is None or state["signature"] != signature:
    state = {"signature": signature, "preview": None, "trial": None, "refused": None}
    try:
        cells = ingest.parse_upload(upload.name, content)
        with engine.connect() as conn:
            preview = ingest.validate(conn, actor, kind, cells)
        state["preview"] = preview
        if preview.ok:
            state["trial"] = ingest.commit(engine, actor, preview, dry_run=True)
        else:
            state["refused"] = (ingest.refusal_message(preview.errors), preview.errors)
    except ingest.ImportRefused as exc:
        state["refused"] = (exc.message, exc.errors)
    st.session_state["imp_state"] = state

if state["refused"] is not None:
    message, errors = state["refused"]
    st.error(md_escape(message), title=t("inp_import_refused_title"), icon=":material/error:")
    st.dataframe(errors, hide_index=True, key="imp_errors", alt=t("inp_import_errors"),
                 column_config={"baris": st.column_config.NumberColumn(t("inp_import_row"), format="%d"),
                                "kolom": t("inp_import_column"), "pesan": t("inp_import_message")})
    st.download_button(t("inp_import_errors_download"), data=ingest.errors_csv(errors),
                       file_name="kesalahan-impor.csv", mime="text/csv", on_click="ignore",
                       icon=":material/download:", key="imp_errors_csv")
    st.stop()

preview, trial = state["preview"], state["trial"]
with st.container(horizontal=True):
    st.metric(t("inp_import_rows"), i18n.number(trial.rows, lang), border=True)
    st.metric(t("inp_import_new"), i18n.number(trial.stored, lang), border=True)
    st.metric(t("inp_import_present"), i18n.number(trial.already_present, lang), border=True)
shown = preview.rows.drop(columns=["kunci"], errors="ignore").rename(columns=preview.columns)
st.dataframe(shown.astype(str).replace({"None": "", "NaT": "", "nan": ""}), key="imp_preview",
             alt=t("inp_import_preview"))

if trial.stored == 0:
    st.info(t("inp_import_nothing_new"))
    st.stop()
if st.button(t("inp_import_commit").format(n=i18n.number(trial.stored, lang)), type="primary",
             icon=":material/save:", key="imp_commit"):
    try:
        result = ingest.commit(engine, actor, preview)
    except ingest.ImportRefused as exc:
        st.session_state.pop("imp_state", None)
        st.error(md_escape(exc.message), title=t("inp_import_refused_title"), icon=":material/error:")
        st.dataframe(exc.errors, hide_index=True, key="imp_errors_commit", alt=t("inp_import_errors"))
        st.stop()
    st.session_state["imp_done"] = result.summary
    st.session_state["imp_generation"] = generation + 1
    st.session_state.pop("imp_state", None)
    st.rerun()
