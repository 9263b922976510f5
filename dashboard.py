"""Sipantau: the entry point. Page config, who is signed in, shared filters, navigation.

Pages in pages/ lay out what sipantau/ computes; which pages a person sees follows
their role (writes are refused by sipantau.reports whatever a page offers).
"""

from pathlib import Path

import streamlit as st

from sipantau import auth, webapp
from sipantau.config import settings_problems
from sipantau.inert import md_escape

# A local icon: a Material icon as favicon would be fetched from Google's font CDN.
st.set_page_config(page_title="Sipantau", page_icon=str(Path(__file__).parent / "assets" / "sipantau.png"),
                   layout="wide")
# Never serve on a setting the operator did not choose: name every bad one and stop.
if problems := settings_problems():
    st.error("Pengaturan Sipantau tidak sah; dasbor berhenti sampai diperbaiki (`python -m sipantau settings`).")
    st.code("\n".join(map(str, problems)), language=None)
    st.stop()

webapp.settle_process()
actor = webapp.current_actor()
may_read = actor is not None or webapp.public_read()
# Filters first: the language they hold names the pages below.
filters = webapp.sidebar_filters() if may_read else None
st.session_state["filters"] = filters
t = webapp.t

# An operations-room screen account opens on the briefing screen.
briefing_screen = actor is not None and actor.role == "layar_briefing"
login = st.Page("pages/login.py", title=t("login_button"), icon=":material/login:", url_path="masuk")
monitoring = [
    st.Page("pages/home.py", title=t("page_home"), icon=":material/dashboard:", default=not briefing_screen,
            url_path="ringkasan",
            help="Gambaran nasional pemilihan terpilih pada tanggal terpilih."),
    st.Page("pages/national_map.py", title=t("page_map"), icon=":material/map:", url_path="peta",
            help="Provinsi diwarnai menurut ukuran terpilih; klik untuk melihat kabupaten/kota."),
    st.Page("pages/province.py", title=t("page_province"), icon=":material/location_city:", url_path="provinsi",
            help="Kabupaten/kota satu provinsi di peta dan tabel peringkat, dengan kartu skor provinsi."),
    st.Page("pages/regency.py", title=t("page_regency"), icon=":material/location_on:", url_path="kabkota",
            help="Kartu skor satu wilayah: progres per tahapan, hambatan, NPHD, dokumen, riwayat lapor."),
    st.Page("pages/ranking.py", title=t("page_ranking"), icon=":material/leaderboard:", url_path="peringkat",
            help="Peringkat provinsi dan kabupaten/kota menurut indeks kesiapan, dengan perubahan peringkat."),
    st.Page("pages/obstacles.py", title=t("page_obstacles"), icon=":material/report:", url_path="hambatan",
            help="Daftar hambatan dengan filter, umur, tindak lanjut, dan unduhan CSV/Excel."),
    st.Page("pages/silent.py", title=t("page_silent"), icon=":material/notifications_off:", url_path="belum-melapor",
            help="Kantor yang belum melapor sekian hari pada tanggal terpilih."),
    st.Page("pages/briefing.py", title=t("page_briefing"), icon=":material/tv:", url_path="layar",
            default=briefing_screen,
            help="Layar ruang operasi: memperbarui diri, huruf besar, peta ubin provinsi."),
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

pages: dict[str, list] = {}
if may_read:
    pages[t("section_monitoring")] = monitoring
if input_pages:
    pages[t("section_input")] = input_pages
if admin_pages:
    pages[t("section_admin")] = admin_pages
if actor is None:
    pages[""] = [login]

if actor is not None:
    with st.sidebar:
        st.caption(f"{t('signed_in_as')} **{md_escape(actor.username)}** · {auth.ROLES[actor.role]}"
                   + (f" · {md_escape(actor.region_code)}" if actor.region_code else ""))
        st.button(t("logout"), on_click=webapp.logout, icon=":material/logout:")

page = st.navigation(pages)
webapp.demo_banner(show_accounts=actor is None)
page.run()
