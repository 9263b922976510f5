"""Sipantau: the entry point. Page config, who is signed in, shared filters, navigation.

Pages in pages/ lay out what sipantau/ computes; which pages a person sees follows
their role (writes are refused by sipantau.reports whatever a page offers).
"""

from pathlib import Path

import streamlit as st

from sipantau import auth, webapp

# A local icon: a Material icon as favicon would be fetched from Google's font CDN.
st.set_page_config(page_title="Sipantau", page_icon=str(Path(__file__).parent / "assets" / "sipantau.png"),
                   layout="wide")

actor = webapp.current_actor()
t = webapp.t

login = st.Page("pages/login.py", title=t("login_button"), icon=":material/login:", url_path="masuk")
monitoring = [
    st.Page("pages/home.py", title=t("page_home"), icon=":material/dashboard:", default=True,
            help="Gambaran nasional pemilihan terpilih pada tanggal terpilih."),
]
# --- input pages (issue 4): forms, import, documents, audit, account -----------------
input_pages: list = []
admin_pages: list = []
if actor is not None:
    from sipantau.audit import AUDIT_ROLES

    if actor.role in auth.WRITER_ROLES:
        input_pages = [
            st.Page("pages/report_stage.py", title=t("inp_page_report_stage"), icon=":material/edit_note:",
                    url_path="lapor-tahapan", help="Laporkan progres dan status satu tahapan di satu wilayah."),
            st.Page("pages/report_obstacle.py", title=t("inp_page_report_obstacle"), icon=":material/build:",
                    url_path="lapor-hambatan", help="Catat hambatan, tindak lanjut, dan perubahan statusnya."),
            st.Page("pages/report_nphd.py", title=t("inp_page_report_nphd"), icon=":material/payments:",
                    url_path="lapor-nphd", help="Catat NPHD per mitra dan pencairannya per tahap."),
            st.Page("pages/documents.py", title=t("inp_page_documents"), icon=":material/folder_open:",
                    url_path="dokumen", help="Daftar periksa dokumen wajib wilayah, unduh, dan unggah dokumen."),
            st.Page("pages/import_data.py", title=t("inp_page_import"), icon=":material/upload_file:",
                    url_path="impor",
                    help="Impor laporan, hambatan, atau NPHD dari CSV/Excel: semua baris atau tidak sama sekali."),
        ]
    if actor.role in AUDIT_ROLES:
        admin_pages.append(st.Page("pages/audit.py", title=t("inp_page_audit"), icon=":material/history:",
                                   url_path="jejak-audit",
                                   help="Setiap penulisan data: siapa, kapan, sebelum dan sesudah."))
    if actor.role == "admin_pusat":
        admin_pages.append(st.Page("pages/users.py", title=t("inp_page_users"), icon=":material/group:",
                                   url_path="pengguna",
                                   help="Tambah, nonaktifkan, atau atur ulang kata sandi pengguna."))
    admin_pages.append(st.Page("pages/account.py", title=t("inp_page_account"), icon=":material/account_circle:",
                               url_path="akun", help="Peran dan kewenangan Anda; ganti kata sandi."))
# --- end of input pages ------------------------------------------------------------------

may_read = actor is not None or webapp.public_read()
pages: dict[str, list] = {}
if may_read:
    pages[t("section_monitoring")] = monitoring
if input_pages:
    pages[t("section_input")] = input_pages
if admin_pages:
    pages[t("section_admin")] = admin_pages
if actor is None:
    pages[""] = [login]

filters = webapp.sidebar_filters() if may_read else None
st.session_state["filters"] = filters
if actor is not None:
    with st.sidebar:
        st.caption(f"{t('signed_in_as')} **{actor.username}** · {auth.ROLES[actor.role]}"
                   + (f" · {actor.region_code}" if actor.region_code else ""))
        st.button(t("logout"), on_click=webapp.logout, icon=":material/logout:")

page = st.navigation(pages)
webapp.demo_banner(show_accounts=actor is None)
page.run()
