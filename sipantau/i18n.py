"""Bahasa Indonesia first, English second; numbers, money and dates through Babel.

Screen text lives in `TEXT` as key → (Indonesian, English). A missing English
entry falls back to Indonesian, never to the key, so a screen is never blank.
"""

from __future__ import annotations

import math
import numbers
import re
import string
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from sipantau.rules import Problem, day_text, shown

LOCALES = {"id": "id_ID", "en": "en_GB"}
LANG_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("Sipantau — Pemantauan Tahapan Pemilu dan Pilkada", "Sipantau — Election Stage Monitoring"),
    "app_subtitle": (
        "Kemendagri · Ditjen Politik dan PUM · Direktorat Politik Dalam Negeri. Ini bukan pengawasan, tetapi pemantauan tahapan.",
        "Ministry of Home Affairs · Directorate of Domestic Politics. This is stage monitoring, not supervision.",
    ),
    "demo_banner": (
        "DEMO — data laporan di basis data ini sintetis (dibuat otomatis), bukan laporan Kesbangpol yang sebenarnya.",
        "DEMO — the reports in this database are synthetic, not real Kesbangpol reports.",
    ),
    "demo_accounts": ("Akun demo", "Demo accounts"),
    "filters": ("Filter", "Filters"),
    "election": ("Pemilihan", "Election"),
    "stage": ("Tahapan", "Stage"),
    "all_active_stages": ("Semua tahapan aktif", "All active stages"),
    "as_of": ("Per tanggal", "As of"),
    "language": ("Bahasa", "Language"),
    "page_home": ("Ringkasan nasional", "National summary"),
    "national_picture": ("Gambaran nasional", "National picture"),
    "regions_reporting": ("Wilayah melapor", "Regions reporting"),
    "regions_reporting_help": (
        "Kantor Kesbangpol peserta yang punya setidaknya satu laporan tahapan sampai tanggal ini.",
        "Participating offices with at least one stage report up to this date.",
    ),
    "avg_progress": ("Rata-rata progres tahapan aktif", "Average progress of active stages"),
    "expected": ("sesuai jadwal", "per schedule"),
    "open_obstacles": ("Hambatan terbuka", "Open obstacles"),
    "nphd_signed": ("NPHD ditandatangani", "NPHD signed"),
    "nphd_realised": ("Realisasi NPHD", "NPHD disbursed"),
    "active_stages": ("Tahapan aktif", "Active stages"),
    "no_active_stages": ("Tidak ada tahapan yang berjalan pada tanggal ini.", "No stage is running on this date."),
    "stage_col": ("Tahapan", "Stage"),
    "schedule_col": ("Jadwal", "Schedule"),
    "progress_col": ("Progres rata-rata", "Average progress"),
    "expected_col": ("Progres sesuai jadwal", "Expected progress"),
    "lag_col": ("Selisih (poin)", "Lag (points)"),
    "reporting_col": ("Wilayah melapor", "Regions reporting"),
    "class_col": ("Kelas", "Class"),
    "by_severity": ("Hambatan terbuka menurut tingkat", "Open obstacles by severity"),
    "nphd_title": ("NPHD per mitra", "NPHD by counterparty"),
    "counterparty": ("Mitra", "Counterparty"),
    "signed": ("Sudah tanda tangan", "Signed"),
    "not_signed": ("Belum tanda tangan", "Not signed"),
    "agreed_value": ("Nilai NPHD", "Agreed value"),
    "realised_value": ("Realisasi", "Disbursed"),
    "fully_realised": ("Realisasi 100%", "Fully disbursed"),
    "partly_realised": ("Realisasi sebagian", "Partly disbursed"),
    "no_data_yet": ("Belum ada data.", "No data yet."),
    "on_track": ("Sesuai jadwal", "On track"),
    "behind": ("Tertinggal", "Behind"),
    "critical": ("Kritis", "Critical"),
    "no_data": ("Belum melapor", "No report"),
    "not_started": ("Belum dimulai", "Not started"),
    "login_title": ("Masuk ke Sipantau", "Sign in to Sipantau"),
    "username": ("Nama pengguna", "Username"),
    "password": ("Kata sandi", "Password"),
    "login_button": ("Masuk", "Sign in"),
    "login_oidc": ("Masuk dengan akun instansi", "Sign in with the organisation account"),
    "logout": ("Keluar", "Sign out"),
    "signed_in_as": ("Masuk sebagai", "Signed in as"),
    # --- sessions and the login page (sipantau/web.py) ---
    "web_signed_out": ("Anda telah keluar.", "You have signed out."),
    "web_session_ended": ("Sesi Anda sudah berakhir. Silakan masuk lagi.",
                          "Your session has ended. Please sign in again."),
    "web_session_revoked": ("Sesi Anda diakhiri: kata sandi diganti, akun dinonaktifkan, atau dicabut admin. "
                            "Silakan masuk lagi.",
                            "Your session was ended: the password changed, the account was disabled, or an "
                            "admin revoked it. Please sign in again."),
    "web_form_expired": ("Formulir ini kedaluwarsa atau tidak dikirim dari halaman Sipantau. Silakan coba lagi.",
                         "This form has expired or was not sent from a Sipantau page. Please try again."),
    "web_fill_both": ("Isi nama pengguna dan kata sandi.", "Enter your username and password."),
    "web_wrong_credentials": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "web_request_too_large": ("Permintaan terlalu besar.", "The request is too large."),
    "web_logout_title": ("Keluar dari Sipantau", "Sign out of Sipantau"),
    "web_logout_question": ("Akhiri sesi {user} di peramban ini?", "End the session of {user} in this browser?"),
    "web_cancel": ("Batal", "Cancel"),
        "inp_users_end_sessions": ("Akhiri semua sesi", "End all sessions"),
    "inp_users_end_sessions_help": ("Keluarkan pengguna ini dari setiap peramban, termasuk layar ruang operasi.",
                                    "Sign this user out of every browser, the operations-room screen included."),
    "inp_users_sessions_ended": ("Semua sesi pengguna ini diakhiri.", "Every session of this user has ended."),
    "section_monitoring": ("Pemantauan", "Monitoring"),
    "section_input": ("Input laporan", "Reporting"),
    "section_admin": ("Administrasi", "Administration"),
    "page_ranking": ("Peringkat", "Ranking"),
    "page_obstacles": ("Hambatan", "Obstacles"),
    "page_silent": ("Belum melapor", "Not reporting"),
    "page_map": ("Peta kesiapan", "Readiness map"),
    "page_province": ("Provinsi", "Province"),
    "page_regency": ("Kabupaten/kota", "Regency/city"),
    "page_briefing": ("Layar briefing", "Briefing screen"),
    "provinces": ("Provinsi", "Provinces"),
    "regencies": ("Kabupaten/kota", "Regencies and cities"),
    "rank": ("Peringkat", "Rank"),
    "rank_change": ("Perubahan", "Change"),
    "rank_change_help": ("Naik (▲) atau turun (▼) dibanding {n} hari sebelumnya.",
                         "Up (▲) or down (▼) compared with {n} days earlier."),
    "compare_days": ("Bandingkan dengan … hari sebelumnya", "Compare with … days earlier"),
    "region": ("Wilayah", "Region"),
    "province": ("Provinsi", "Province"),
    "kind": ("Jenis", "Kind"),
    "peer_group": ("Kelompok", "Peer group"),
    "pilkada_filter": ("Penyelenggaraan Pilkada 2024", "Holds Pilkada 2024"),
    "all": ("Semua", "All"),
    "yes": ("Ya", "Yes"),
    "no": ("Tidak", "No"),
    "index": ("Indeks kesiapan", "Readiness index"),
    "index_help": ("Campuran berbobot: progres terhadap jadwal, NPHD, dokumen, ketepatan lapor, hambatan terbuka.",
                   "Weighted mix: progress vs schedule, NPHD, documents, reporting timeliness, open obstacles."),
    "open_obstacles_short": ("Hambatan", "Obstacles"),
    "progress": ("Progres", "Progress"),
    "lag": ("Selisih", "Lag"),
    "category": ("Kategori", "Category"),
    "severity": ("Tingkat", "Severity"),
    "status": ("Status", "Status"),
    "age": ("Umur (hari)", "Age (days)"),
    "age_bucket": ("Kelompok umur", "Age group"),
    "found_date": ("Diketahui", "Found"),
    "due_date": ("Tenggat", "Due"),
    "owner": ("Penanggung jawab", "Owner"),
    "description": ("Uraian", "Description"),
    "open_only": ("Hanya yang terbuka", "Open only"),
    "follow_up": ("Tindak lanjut", "Follow-up"),
    "follow_up_pick": ("Pilih satu baris untuk melihat tindak lanjutnya.", "Select a row to see its follow-up."),
    "no_follow_up": ("Belum ada tindak lanjut.", "No follow-up yet."),
    "by_category": ("Menurut kategori", "By category"),
    "aging": ("Umur hambatan terbuka", "Age of open obstacles"),
    "export_csv": ("Unduh CSV", "Download CSV"),
    "export_xlsx": ("Unduh Excel", "Download Excel"),
    "rows_shown": ("{n} baris", "{n} rows"),
    "last_report": ("Laporan terakhir", "Last report"),
    "days_silent": ("Hari tanpa laporan", "Days without a report"),
    "never_reported": ("Belum pernah melapor", "Never reported"),
    "min_days_silent": ("Tidak melapor sekurangnya (hari)", "Silent for at least (days)"),
    "on_time_rate": ("Ketepatan 4 minggu", "On time, 4 weeks"),
    "silent_summary": ("{n} dari {total} kantor tidak melapor sekurangnya {days} hari.",
                       "{n} of {total} offices have not reported for at least {days} days."),
    "metric": ("Ukuran", "Metric"),
    "view": ("Tampilan", "View"),
    "view_peta": ("Peta", "Map"),
    "view_ubin": ("Ubin provinsi", "Province tiles"),
    "show_classes": ("Kelas (sesuai jadwal / tertinggal / kritis)", "Classes (on track / behind / critical)"),
    "show_classes_help": ("Warnai menurut kelas selisih terhadap jadwal, bukan skala nilai.",
                          "Colour by lag class instead of a value scale."),
    "map_pick_hint": ("Klik provinsi di peta atau pilih baris di tabel untuk melihat kabupaten/kotanya.",
                      "Click a province on the map or pick a table row to see its regencies."),
    "region_pick_hint": ("Klik wilayah di peta atau pilih baris di tabel untuk membuka kartu skornya.",
                         "Click a region on the map or pick a table row to open its scorecard."),
    "no_boundaries": ("Batas wilayah belum dipasang: peta ditampilkan sebagai ubin provinsi. Lihat README, "
                      "`python -m sipantau boundaries fetch`.",
                      "No boundaries installed: the map is shown as province tiles. See the README, "
                      "`python -m sipantau boundaries fetch`."),
    "without_boundary": ("Tanpa batas wilayah", "No boundary"),
    "without_boundary_help": ("Wilayah ini tidak punya poligon di berkas batas wilayah; datanya tetap ada di tabel.",
                              "These regions have no polygon in the boundary file; their data stay in the table."),
    "scorecard": ("Kartu skor", "Scorecard"),
    "rank_national": ("Peringkat nasional", "National rank"),
    "rank_in_province": ("Peringkat di provinsi", "Rank in province"),
    "why_rank": ("Mengapa peringkat ini", "Why this rank"),
    "why_rank_caption": ("Indeks = jumlah poin komponen; poin hilang menunjukkan di mana wilayah tertinggal.",
                         "Index = sum of component points; lost points show where the region falls behind."),
    "component": ("Komponen", "Component"),
    "score": ("Nilai", "Score"),
    "weight": ("Bobot", "Weight"),
    "points": ("Poin", "Points"),
    "lost": ("Poin hilang", "Points lost"),
    "stage_progress_title": ("Progres tahapan terhadap jadwal", "Stage progress against schedule"),
    "obstacles_title": ("Hambatan dan tindak lanjut", "Obstacles and follow-up"),
    "nphd_region_title": ("NPHD per mitra", "NPHD by counterparty"),
    "documents_title": ("Dokumen", "Documents"),
    "reporting_title": ("Riwayat pelaporan", "Reporting history"),
    "documents_held": ("{held} dari {required} dokumen wajib", "{held} of {required} required documents"),
    "reports_on_days": ("Melapor pada {n} hari; terakhir {last}.", "Reported on {n} days; last {last}."),
    "not_in_election": ("Wilayah ini tidak mengikuti pemilihan terpilih.", "This region does not take part in the chosen election."),
    "province_office": ("Kantor provinsi", "Province office"),
    "briefing_updated": ("Diperbarui {time} WIB · otomatis setiap {seconds} detik.",
                         "Updated {time} WIB · refreshes every {seconds} seconds."),
    "briefing_critical": ("Wilayah kritis (selisih terbesar)", "Critical regions (largest lag)"),
    "briefing_severe_open": ("Hambatan tinggi/kritis terbuka", "Open high/critical obstacles"),
    "database_empty": (
        "Basis data belum berisi data pemilihan. Jalankan `python -m sipantau init --demo` atau `make run`.",
        "The database holds no election yet. Run `python -m sipantau init --demo` or `make run`.",
    ),
    # --- field rules (sipantau.rules): refusals as code + parameters, and the fields they name ---
    # Placeholders: {field} is the refused field's name; a value is written as given (150, 12.5),
    # :q quotes it, :n groups thousands, :rp writes rupiah, :field names a field, :status and
    # :obstacle_status name a status, :ref a record (#id) or a name as written, :mb a file size;
    # dates are DD/MM/YYYY (rules.day_text) in both languages.
    "err_required": ("wajib diisi.", "is required."),
    "err_too_long": ("terlalu panjang ({length:n} karakter, paling banyak {max:n}).",
                     "too long ({length:n} characters, at most {max:n})."),
    "err_required_with": ("wajib diisi bila {other:field} diisi.", "is required when the {other:field} is given."),
    "err_not_a_date": ("harus berupa tanggal.", "must be a date."),
    "err_unreadable_date": ("{value:q} bukan tanggal; tulis DD/MM/YYYY, mis. 27/11/2024.",
                            "{value:q} is not a date; write DD/MM/YYYY, e.g. 27/11/2024."),
    "err_impossible_date": ("{value:q} bukan tanggal yang ada; tulis DD/MM/YYYY, mis. 27/11/2024.",
                            "{value:q} is not a day of the calendar; write DD/MM/YYYY, e.g. 27/11/2024."),
    "err_future_date": ("tanggal {value} masih di masa depan.", "the date {value} is in the future."),
    "err_date_too_early": ("tanggal {value} terlalu awal; paling awal {min}.",
                           "the date {value} is too early; the earliest is {min}."),
    "err_date_before_election": (
        "tanggal {value} terlalu awal untuk pemilihan {election}; paling awal {min} ({lead_days} hari sebelum "
        "tahapan pertamanya, {first_stage}).",
        "the date {value} is too early for the election {election}; the earliest is {min} ({lead_days} days "
        "before its first stage, {first_stage})."),
    "err_date_before": ("tanggal {value} lebih awal dari {other:field} {other_value}.",
                        "the date {value} is before the {other:field} {other_value}."),
    "err_outside_election": ("tanggal {value} di luar masa pemilihan {election} ({first} s.d. {last}).",
                             "the date {value} is outside the election {election} ({first} to {last})."),
    "err_out_of_range": ("harus angka {min}–{max}, bukan {value}.", "must be a number {min}–{max}, not {value}."),
    "err_not_percent": ("harus angka {min}–{max} dengan paling banyak dua desimal, bukan {value:q}.",
                        "must be a number {min}–{max} with at most two decimals, not {value:q}."),
    "err_ambiguous_number": (
        "{value:q} tidak jelas: titik atau koma yang diikuti tiga angka bisa pemisah ribuan atau desimal. Tulis "
        "progres tanpa pemisah ribuan, paling banyak dua desimal (mis. 1 atau 12,5).",
        "{value:q} is ambiguous: a point or a comma followed by three digits may separate thousands or decimals. "
        "Write progress without a thousands separator, with at most two decimals (e.g. 1 or 12.5)."),
    "err_unknown_status": ("status {value:q} tidak dikenal; pilihan: {choices}.",
                           "the status {value:q} is unknown; choose one of {choices}."),
    "err_status_needs_progress": ("status {status:status} memerlukan progres {required}%.",
                                  "the status {status:status} needs progress {required}%."),
    "err_status_move": ("dari {current:obstacle_status} tidak dapat ke {new:obstacle_status}.",
                        "cannot go from {current:obstacle_status} to {new:obstacle_status}."),
    "err_rupiah_range": ("harus bilangan bulat rupiah lebih dari 0, paling banyak {max:rp}, bukan {value:rp}.",
                         "must be whole rupiah, more than 0 and at most {max:rp}, not {value:rp}."),
    "err_rupiah_not_whole": ("harus bilangan bulat rupiah, bukan {value:q}.", "must be whole rupiah, not {value:q}."),
    "err_unreadable_rupiah": ("{value:q} bukan jumlah rupiah; tulis bilangan bulat, mis. 1500000000 atau "
                              "1.500.000.000.",
                              "{value:q} is not an amount of rupiah; write a whole number, e.g. 1500000000 or "
                              "1.500.000.000."),
    "err_disbursed_over_value": ("total pencairan {total:rp} melebihi nilai NPHD {value:rp}.",
                                 "disbursements of {total:rp} in total exceed the NPHD value {value:rp}."),
    "err_value_below_disbursed": ("lebih kecil dari dana yang sudah dicairkan ({paid:rp}).",
                                  "less than what has been disbursed already ({paid:rp})."),
    "err_tranche_range": ("tahap pencairan harus 1–{max}.", "the tranche must be 1–{max}."),
    "err_tranche_taken": ("pencairan tahap {tranche} sudah tercatat; kirim sebagai koreksi bila berubah.",
                          "tranche {tranche} is recorded already; send a correction if it changed."),
    "err_nphd_unsigned": ("NPHD belum ditandatangani; tanggal tanda tangan wajib diisi bila ada pencairan.",
                          "the NPHD is not signed; a disbursement needs its signing date."),
    "err_nphd_corrected": ("NPHD {id:ref} sudah dikoreksi; catat pencairan pada NPHD terbaru.",
                           "NPHD {id:ref} has been corrected; record the disbursement on the latest NPHD."),
    "err_nphd_recorded": ("NPHD ini sudah tercatat ({id:ref}); kirim sebagai koreksi.",
                          "this NPHD is recorded already ({id:ref}); send a correction."),
    "err_no_nphd": ("pemilihan {election} tidak memakai NPHD.", "the election {election} has no NPHD."),
    "err_unknown_election": ("pemilihan {value:q} tidak dikenal; lihat lembar Pemilihan.",
                             "the election {value:q} is unknown; see the sheet Pemilihan."),
    "err_unknown_region": (
        "wilayah {value:q} tidak dikenal; tulis kode Kemendagri (mis. 73.10) atau nama resmi (mis. Kabupaten "
        "Pangkajene dan Kepulauan).",
        "the region {value:q} is unknown; write the Kemendagri code (e.g. 73.10) or the official name (e.g. "
        "Kabupaten Pangkajene dan Kepulauan)."),
    "err_unknown_category": ("kategori {value:q} tidak dikenal; lihat lembar Kategori.",
                             "the category {value:q} is unknown; see the sheet Kategori."),
    "err_unknown_severity": ("tingkat keparahan {value:q} tidak dikenal; lihat lembar Tingkat.",
                             "the severity {value:q} is unknown; see the sheet Tingkat."),
    "err_unknown_counterparty": ("mitra {value:q} tidak dikenal; lihat lembar Mitra.",
                                 "the counterparty {value:q} is unknown; see the sheet Mitra."),
    "err_unknown_requirement": ("jenis dokumen {value:q} tidak dikenal.", "the document type {value:q} is unknown."),
    "err_unknown_source": ("sumber {value:q} tidak dikenal.", "the source {value:q} is unknown."),
    "err_region_number": (
        "kode wilayah {value} (sel angka) bukan kode Kemendagri, dan angka tidak dibulatkan; format kolom wilayah "
        "sebagai teks dan tulis kodenya, mis. 73.10.",
        "the region code {value} (a number cell) is no Kemendagri code, and numbers are never rounded; format the "
        "region column as text and write the code, e.g. 73.10."),
    "err_region_code_short": (
        "kode wilayah {value:q} tidak lengkap; tulis dua digit setelah titik, mis. 73.10 atau 73.01 (format kolom "
        "sebagai teks).",
        "the region code {value:q} is incomplete; write two digits after the point, e.g. 73.10 or 73.01 (format "
        "the column as text)."),
    "err_not_in_election": ("wilayah {region} ({name}) tidak mengikuti pemilihan {election}.",
                            "the region {region} ({name}) takes no part in the election {election}."),
    "err_out_of_scope": ("pengguna {username} tidak berwenang menulis data untuk wilayah {region}.",
                         "the user {username} may not write data for the region {region}."),
    "err_key_out_of_scope": (
        "kunci pengiriman ini sudah dipakai untuk data di luar wilayah kewenangan {username}; tidak ada yang "
        "disimpan. Muat ulang formulir lalu kirim lagi.",
        "this submission key is in use for data outside the scope of {username}; nothing was stored. Reload the "
        "form and send it again."),
    "err_stage_not_in_election": ("tahapan {stage:ref} bukan tahapan {election}; lihat lembar Tahapan.",
                                  "the stage {stage:ref} is no stage of {election}; see the sheet Tahapan."),
    "err_unknown_stage": ("tahapan {stage:ref} tidak dikenal.", "the stage {stage:ref} is unknown."),
    "err_missing_record": ("{field} {id:ref} tidak ada.", "{field} {id:ref} does not exist."),
    "err_replaced_missing": ("data {id:ref} yang dikoreksi tidak ada.",
                             "the corrected record {id:ref} does not exist."),
    "err_replaced_other": ("data {id:ref} milik wilayah atau subjek lain.",
                           "record {id:ref} belongs to another region or subject."),
    "err_already_corrected": ("data {id:ref} sudah dikoreksi oleh {newer:ref}; koreksi yang terbaru.",
                              "record {id:ref} has been corrected by {newer:ref}; correct the latest."),
    "err_bad_key": ("kunci pengiriman tidak sah; muat ulang formulir lalu kirim lagi.",
                    "the submission key is not valid; reload the form and send it again."),
    "err_empty_file": ("berkas kosong.", "the file is empty."),
    "err_file_too_large": ("ukuran berkas {size:mb} melebihi batas {max:mb}.",
                           "the file size {size:mb} exceeds the limit {max:mb}."),
    "err_file_type": ("jenis berkas tidak diterima: isinya bukan PDF, PNG atau JPEG (jenis dibaca dari isi, bukan "
                      "dari nama berkas).",
                      "this kind of file is not accepted: its content is no PDF, PNG or JPEG (the kind is read from "
                      "the content, not from the file name)."),
    "err_file_type_seen": ("jenis berkas tidak diterima: isinya bukan PDF, PNG atau JPEG (jenis dibaca dari isi, "
                           "bukan dari nama berkas). Isinya {what}.",
                           "this kind of file is not accepted: its content is no PDF, PNG or JPEG (the kind is read "
                           "from the content, not from the file name). It holds: {what}."),
    "err_bad_hash": ("sidik isi berkas (SHA-256) tidak sah.", "the file's content hash (SHA-256) is not valid."),
    "err_bad_size": ("ukuran berkas tidak sah.", "the file size is not valid."),
    "field_wilayah": ("wilayah", "region"),
    "field_pemilihan": ("pemilihan", "election"),
    "field_tahapan": ("tahapan", "stage"),
    "field_tanggal_situasi": ("tanggal situasi", "situation date"),
    "field_progres": ("progres", "progress"),
    "field_status": ("status", "status"),
    "field_catatan": ("catatan", "note"),
    "field_kategori": ("kategori", "category"),
    "field_tingkat": ("tingkat keparahan", "severity"),
    "field_uraian": ("uraian", "description"),
    "field_penanggung_jawab": ("penanggung jawab", "person in charge"),
    "field_tanggal_diketahui": ("tanggal diketahui", "date found"),
    "field_tenggat": ("tenggat", "due date"),
    "field_hambatan": ("hambatan", "obstacle"),
    "field_pelaksana": ("pelaksana", "done by"),
    "field_tindak_lanjut": ("tindak lanjut", "follow-up"),
    "field_tanggal_tindak_lanjut": ("tanggal tindak lanjut", "follow-up date"),
    "field_status_baru": ("status baru", "new status"),
    "field_bukti_penyelesaian": ("bukti penyelesaian", "evidence of solution"),
    "field_mitra": ("mitra", "counterparty"),
    "field_nilai_nphd": ("nilai NPHD", "NPHD value"),
    "field_tanggal_tanda_tangan": ("tanggal tanda tangan", "signing date"),
    "field_mengoreksi": ("data yang dikoreksi", "corrected record"),
    "field_nphd": ("NPHD", "NPHD"),
    "field_tahap": ("tahap pencairan", "tranche"),
    "field_jumlah": ("jumlah pencairan", "amount disbursed"),
    "field_tanggal_pencairan": ("tanggal pencairan", "disbursement date"),
    "field_tahap_n_jumlah": ("jumlah pencairan tahap {n}", "tranche {n} amount"),
    "field_tahap_n_tanggal": ("tanggal pencairan tahap {n}", "tranche {n} date"),
    "field_jenis_dokumen": ("jenis dokumen", "document type"),
    "field_tanggal_dokumen": ("tanggal dokumen", "document date"),
    "field_nama_berkas": ("nama berkas", "file name"),
    "field_berkas": ("berkas", "file"),
    "field_kunci": ("kunci pengiriman", "submission key"),
    "field_sumber": ("sumber", "source"),
    # --- end of field rules -----------------------------------------------------------------
    # --- input pages (issue 4): forms, documents, import, audit, account ---------------
    "inp_page_report_stage": ("Laporan tahapan", "Stage report"),
    "inp_page_report_obstacle": ("Hambatan dan tindak lanjut", "Obstacles and follow-up"),
    "inp_page_report_nphd": ("NPHD dan pencairan", "NPHD and disbursements"),
    "inp_page_documents": ("Dokumen", "Documents"),
    "inp_page_import": ("Impor data", "Import data"),
    "inp_page_audit": ("Log audit", "Audit log"),
    "inp_page_account": ("Akun saya", "My account"),
    "inp_page_users": ("Pengguna", "Users"),
    "inp_not_allowed_page": ("Halaman ini tidak tersedia untuk peran Anda.", "This page is not available for your role."),
    "inp_no_region_in_scope": ("Tidak ada wilayah dalam kewenangan Anda yang mengikuti pemilihan ini.",
                               "No region within your scope takes part in this election."),
    "inp_no_nphd_election": ("Belum ada pemilihan yang memakai NPHD.", "No election uses NPHD yet."),
    "inp_region_picker_help": ("Hanya wilayah dalam kewenangan Anda yang ditampilkan.",
                               "Only regions within your scope are listed."),
    "inp_optional": ("Boleh kosong", "Optional"),
    "inp_field": ("Isian", "Field"),
    "inp_value": ("Nilai", "Value"),
    "inp_reference": ("Referensi", "Reference"),
    "inp_recorded_at": ("Dicatat", "Recorded"),
    "inp_recorded_by": ("Oleh", "By"),
    "inp_receipt_title": ("Tersimpan", "Stored"),
    "inp_receipt_duplicate_title": ("Sudah tersimpan sebelumnya — tidak disimpan dua kali",
                                    "Already stored — not stored twice"),
    "inp_note": ("Catatan", "Note"),
    "inp_note_placeholder": ("Keterangan singkat; boleh kosong.", "A short remark; optional."),
    "inp_bytes": ("bita", "bytes"),
    "inp_report_stage_intro": (
        "Laporkan keadaan satu tahapan di satu wilayah pada tanggal situasi. Laporan tidak diubah: "
        "laporan baru menjadi keadaan terkini.",
        "Report where one stage stands in one region on the situation date. Reports are never edited: "
        "a newer report becomes the current state."),
    "inp_situation_date": ("Tanggal situasi", "Situation date"),
    "inp_situation_date_help": ("Tanggal keadaan yang dilaporkan; di dalam masa pemilihan dan tidak di masa depan.",
                                "The day the report describes; within the election period and not in the future."),
    "inp_progress_pct": ("Progres (%)", "Progress (%)"),
    "inp_report_status": ("Status", "Status"),
    "inp_report_status_help": ("Selesai memerlukan progres 100%; belum mulai memerlukan progres 0%.",
                               "Completed needs 100% progress; not started needs 0%."),
    "inp_status_belum_mulai": ("Belum mulai", "Not started"),
    "inp_status_berjalan": ("Berjalan", "In progress"),
    "inp_status_selesai": ("Selesai", "Completed"),
    "inp_status_terkendala": ("Terkendala", "Obstructed"),
    "inp_save_report": ("Simpan laporan", "Save report"),
    "inp_recent_reports": ("Laporan terbaru wilayah ini", "Latest reports of this region"),
    "inp_report_obstacle_intro": (
        "Catat hambatan, tindak lanjutnya, dan perubahan statusnya. Menutup hambatan (selesai) memerlukan bukti.",
        "Record obstacles, their follow-up and status changes. Closing an obstacle needs evidence."),
    "inp_obstacle_new": ("Hambatan baru", "New obstacle"),
    "inp_obstacle_follow_up": ("Tindak lanjut dan status", "Follow-up and status"),
    "inp_obstacle_category": ("Kategori", "Category"),
    "inp_obstacle_severity": ("Tingkat keparahan", "Severity"),
    "inp_obstacle_stage": ("Tahapan terkait", "Related stage"),
    "inp_obstacle_description": ("Uraian hambatan", "Description"),
    "inp_obstacle_owner": ("Penanggung jawab", "Owner"),
    "inp_obstacle_owner_help": ("Pihak yang menangani, mis. KPU Kabupaten, Polres, BPBD.",
                                "Who acts on it, e.g. the regency KPU, police, disaster agency."),
    "inp_obstacle_found_date": ("Tanggal diketahui", "Found on"),
    "inp_obstacle_due_date": ("Tenggat", "Due date"),
    "inp_obstacle_status": ("Status", "Status"),
    "inp_obstacle_status_baru": ("Baru", "New"),
    "inp_obstacle_status_ditangani": ("Ditangani", "Being handled"),
    "inp_obstacle_status_eskalasi": ("Eskalasi", "Escalated"),
    "inp_obstacle_status_selesai": ("Selesai", "Solved"),
    "inp_obstacle_pick": ("Hambatan", "Obstacle"),
    "inp_save_obstacle": ("Simpan hambatan", "Save obstacle"),
    "inp_no_obstacles": ("Belum ada hambatan tercatat untuk wilayah ini.", "No obstacle recorded for this region."),
    "inp_region_obstacles": ("Hambatan wilayah ini", "Obstacles of this region"),
    "inp_action_date": ("Tanggal tindak lanjut", "Follow-up date"),
    "inp_action_actor": ("Pelaksana", "Done by"),
    "inp_action_description": ("Tindak lanjut", "Follow-up"),
    "inp_action_new_status": ("Status baru", "New status"),
    "inp_action_evidence": ("Bukti penyelesaian", "Evidence of resolution"),
    "inp_action_evidence_help": ("Wajib bila status menjadi selesai: apa yang menyelesaikannya (nomor surat, "
                                 "berita acara, dsb.).",
                                 "Required when the status becomes solved: what solved it (letter number, "
                                 "minutes, etc.)."),
    "inp_status_unchanged": ("(tidak berubah)", "(unchanged)"),
    "inp_save_follow_up": ("Simpan tindak lanjut", "Save follow-up"),
    "inp_report_nphd_intro": (
        "Catat NPHD per mitra dan pencairannya per tahap. Total pencairan tidak boleh melebihi nilai NPHD dan "
        "tanggal pencairan tidak boleh sebelum tanggal tanda tangan.",
        "Record each NPHD by counterparty and its disbursements by tranche. Disbursements may not exceed the "
        "agreed value nor precede the signing date."),
    "inp_nphd_none": ("Belum ada NPHD tercatat untuk wilayah ini.", "No NPHD recorded for this region."),
    "inp_nphd_none_signed": ("Belum ada NPHD yang ditandatangani; pencairan dicatat setelah NPHD ditandatangani.",
                             "No signed NPHD yet; disbursements are recorded after signing."),
    "inp_nphd_agreement_tab": ("NPHD", "Agreement"),
    "inp_nphd_disbursement_tab": ("Pencairan", "Disbursement"),
    "inp_nphd_disbursements": ("Pencairan", "Disbursements"),
    "inp_agreed_value_rp": ("Nilai NPHD (Rp)", "Agreed value (Rp)"),
    "inp_rupiah_help": ("Bilangan bulat rupiah, tanpa titik.", "Whole rupiah, without separators."),
    "inp_nphd_signed_date": ("Tanggal tanda tangan", "Signing date"),
    "inp_nphd_signed_help": ("Kosongkan bila belum ditandatangani.", "Leave empty while not signed."),
    "inp_nphd_signed_on": ("ditandatangani", "signed"),
    "inp_nphd_correct": ("Koreksi NPHD yang sudah tercatat untuk mitra ini", "Correct the NPHD already recorded "
                         "for this counterparty"),
    "inp_nphd_correct_help": ("NPHD lama tetap tersimpan; yang baru menggantikannya, dan pencairan tetap terhitung.",
                              "The old record stays; the new one replaces it and its disbursements still count."),
    "inp_nphd_nothing_to_correct": ("belum ada NPHD untuk mitra ini yang dapat dikoreksi.",
                                    "there is no NPHD for this counterparty to correct."),
    "inp_nphd_corrects": ("Mengoreksi", "Corrects"),
    "inp_save_nphd": ("Simpan NPHD", "Save agreement"),
    "inp_nphd_pick": ("NPHD", "Agreement"),
    "inp_nphd_tranche": ("Tahap", "Tranche"),
    "inp_nphd_tranches": ("Jumlah pencairan", "Disbursements"),
    "inp_nphd_amount": ("Jumlah", "Amount"),
    "inp_nphd_amount_rp": ("Jumlah (Rp)", "Amount (Rp)"),
    "inp_nphd_disbursed_date": ("Tanggal pencairan", "Disbursement date"),
    "inp_save_disbursement": ("Simpan pencairan", "Save disbursement"),
    "inp_documents_intro": (
        "Dokumen wajib wilayah ini: mana yang sudah ada dan mana yang belum. Berkas PDF, PNG atau JPEG, paling "
        "besar {mb} MB; jenisnya dibaca dari isi berkas.",
        "Required documents of this region: which are present and which are missing. PDF, PNG or JPEG files "
        "up to {mb} MB; the kind is read from the file's content."),
    "inp_documents_checklist": ("Daftar periksa dokumen", "Document checklist"),
    "inp_doc_held_label": ("Dokumen wajib yang sudah ada", "Required documents present"),
    "inp_document_kind": ("Jenis dokumen", "Document"),
    "inp_document_state": ("Keadaan", "State"),
    "inp_document_present": ("Ada", "Present"),
    "inp_document_missing": ("Belum ada", "Missing"),
    "inp_document_count": ("Jumlah berkas", "Files"),
    "inp_document_file": ("Berkas", "File"),
    "inp_document_file_help": ("PDF, PNG atau JPEG. Berkas yang isinya sama hanya disimpan sekali.",
                               "PDF, PNG or JPEG. A file with the same content is stored once."),
    "inp_document_date": ("Tanggal dokumen", "Document date"),
    "inp_document_type": ("Jenis berkas", "File type"),
    "inp_document_size": ("Ukuran", "Size"),
    "inp_document_hash": ("Sidik isi (SHA-256)", "Content hash (SHA-256)"),
    "inp_documents_download": ("Unduh dokumen terbaru", "Download the latest documents"),
    "inp_document_not_on_server": ("Berkas ini tidak tersedia di server ini.", "This file is not on this server."),
    "inp_documents_upload": ("Unggah dokumen", "Upload a document"),
    "inp_document_choose_file": ("pilih berkas yang akan diunggah.", "choose a file to upload."),
    "inp_save_document": ("Unggah dan simpan", "Upload and save"),
    "inp_import_intro": (
        "Unduh templat, isi, lalu unggah. Semua baris diperiksa dulu; bila ada satu kesalahan, tidak ada yang "
        "disimpan. Baris yang sudah pernah diimpor tidak disimpan dua kali.",
        "Download a template, fill it in and upload it. Every row is checked first; with a single error nothing "
        "is stored. Rows imported before are not stored twice."),
    "inp_import_kind": ("Jenis data", "Kind of data"),
    "inp_import_kind_laporan": ("Laporan tahapan", "Stage reports"),
    "inp_import_kind_hambatan": ("Hambatan", "Obstacles"),
    "inp_import_kind_nphd": ("NPHD", "NPHD"),
    "inp_import_templates": ("Templat", "Templates"),
    "inp_import_templates_help": ("Templat Excel berisi petunjuk dan daftar kode yang sah (hanya wilayah kewenangan "
                                  "Anda); templat CSV hanya berisi judul kolom.",
                                  "The Excel template holds instructions and the valid codes (only regions in your "
                                  "scope); the CSV template holds the column headers only."),
    "inp_import_template_xlsx": ("Templat Excel", "Excel template"),
    "inp_import_template_csv": ("Templat CSV", "CSV template"),
    "inp_import_upload": ("Unggah berkas", "Upload a file"),
    "inp_import_file": ("Berkas CSV atau Excel", "CSV or Excel file"),
    "inp_import_file_help": ("Jenis berkas dibaca dari isinya. Batas ukuran dan jumlah baris ada di petunjuk templat.",
                             "The kind of file is read from its content. Size and row limits are in the template "
                             "instructions."),
    "inp_import_refused_title": ("Berkas ditolak", "File refused"),
    "inp_import_errors": ("Daftar kesalahan", "Errors"),
    "inp_import_row": ("Baris", "Row"),
    "inp_import_column": ("Kolom", "Column"),
    "inp_import_message": ("Pesan", "Message"),
    "inp_import_errors_download": ("Unduh daftar kesalahan", "Download the errors"),
    "inp_import_rows": ("Baris diperiksa", "Rows checked"),
    "inp_import_new": ("Data baru", "New records"),
    "inp_import_present": ("Sudah tersimpan", "Already stored"),
    "inp_import_preview": ("Pratinjau", "Preview"),
    "inp_import_nothing_new": ("Semua data di berkas ini sudah tersimpan; tidak ada yang perlu disimpan.",
                               "Everything in this file is stored already; nothing to store."),
    "inp_import_commit": ("Simpan semua ({n} data baru)", "Store all ({n} new records)"),
    "inp_import_stored_title": ("Impor selesai", "Import done"),
    "inp_audit_intro_admin": ("Setiap penulisan data dan tindakan akun, dengan isi sebelum dan sesudahnya.",
                              "Every write and account action, with what was there before and after."),
    "inp_audit_intro_province": ("Penulisan data wilayah {region} dan kabupaten/kotanya, dengan isi sebelum dan "
                                 "sesudahnya.",
                                 "Writes for region {region} and its regencies, with what was there before and "
                                 "after."),
    "inp_audit_region": ("Wilayah (kode)", "Region (code)"),
    "inp_audit_region_placeholder": ("mis. 73 atau 73.10", "e.g. 73 or 73.10"),
    "inp_audit_region_help": ("Kode provinsi mencakup kabupaten/kotanya.", "A province code includes its regencies."),
    "inp_audit_user": ("Pengguna", "User"),
    "inp_audit_all_users": ("Semua pengguna", "All users"),
    "inp_audit_from": ("Dari tanggal", "From"),
    "inp_audit_to": ("Sampai tanggal", "To"),
    "inp_audit_limit": ("Paling banyak", "At most"),
    "inp_audit_count": ("{n} baris, terbaru lebih dulu.", "{n} rows, newest first."),
    "inp_audit_empty": ("Tidak ada baris audit untuk filter ini.", "No audit rows for these filters."),
    "inp_audit_at": ("Waktu", "Time"),
    "inp_audit_action": ("Aksi", "Action"),
    "inp_audit_entity": ("Data", "Record type"),
    "inp_audit_entity_id": ("ID data", "Record id"),
    "inp_audit_region_col": ("Wilayah", "Region"),
    "inp_audit_before": ("Sebelum", "Before"),
    "inp_audit_after": ("Sesudah", "After"),
    "inp_audit_export_csv": ("Unduh CSV", "Download CSV"),
    "inp_audit_export_xlsx": ("Unduh Excel", "Download Excel"),
    "inp_audit_history": ("Riwayat satu data", "History of one record"),
    "inp_audit_no_records": ("Baris-baris ini tidak menyangkut data laporan.", "These rows concern no report record."),
    "inp_audit_pick_record": ("Data", "Record"),
    "inp_audit_record": ("Data saat ini", "The record"),
    "inp_audit_chain": ("Rantai koreksi (terlama lebih dulu)", "Corrections (oldest first)"),
    "inp_audit_related": ("Data terkait", "Related records"),
    "inp_account_name": ("Nama lengkap", "Full name"),
    "inp_account_role": ("Peran", "Role"),
    "inp_account_scope": ("Kewenangan", "Scope"),
    "inp_account_email": ("E-mail", "E-mail"),
    "inp_scope_national": ("nasional", "national"),
    "inp_scope_admin": ("Membaca dan menulis data semua wilayah; mengelola pengguna.",
                        "Reads and writes every region; manages users."),
    "inp_scope_operator_province": ("Menulis data {region} dan kabupaten/kotanya; membaca data wilayah itu.",
                                    "Writes for {region} and its regencies; reads that region."),
    "inp_scope_operator_regency": ("Menulis dan membaca data {region}.", "Writes and reads {region}."),
    "inp_scope_verifier": ("Membaca data dan log audit {region} dan kabupaten/kotanya.",
                           "Reads the data and audit log of {region} and its regencies."),
    "inp_scope_reader": ("Membaca data semua wilayah.", "Reads every region."),
    "inp_account_change_password": ("Ganti kata sandi", "Change password"),
    "inp_account_password_policy": ("Paling sedikit {n} karakter dan tidak sama dengan nama pengguna.",
                                    "At least {n} characters and not the username."),
    "inp_account_old_password": ("Kata sandi lama", "Current password"),
    "inp_account_new_password": ("Kata sandi baru", "New password"),
    "inp_account_repeat_password": ("Ulangi kata sandi baru", "Repeat the new password"),
    "inp_account_save_password": ("Ganti kata sandi", "Change password"),
    "inp_account_password_mismatch": ("Kedua kata sandi baru tidak sama.", "The two new passwords differ."),
    "inp_account_password_changed": ("Kata sandi diganti. Semua sesi Anda berakhir: masuk lagi dengan kata sandi baru.",
                                     "Password changed. All your sessions have ended: sign in again with the new "
                                     "password."),
    "inp_users_active": ("Aktif", "Active"),
    "inp_users_locked": ("Terkunci sampai", "Locked until"),
    "inp_users_add": ("Tambah pengguna", "Add a user"),
    "inp_users_manage": ("Kelola pengguna", "Manage a user"),
    "inp_users_username_help": ("3–60 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung.",
                                "3–60 characters: lower-case letters, digits, dot, underscore or hyphen."),
    "inp_users_region": ("Wilayah (kode)", "Region (code)"),
    "inp_users_region_help": ("Untuk peran provinsi: kode provinsi (73); operator kabupaten/kota: kode "
                              "kabupaten/kota (73.10). Kosongkan untuk peran nasional.",
                              "Province roles: a province code (73); regency operators: a regency code (73.10). "
                              "Empty for national roles."),
    "inp_users_initial_password": ("Kata sandi awal", "Initial password"),
    "inp_users_password_help": ("Kosongkan bila pengguna masuk dengan akun instansi (OIDC, lewat e-mail).",
                                "Leave empty when the user signs in with the organisation account (OIDC, by e-mail)."),
    "inp_users_add_button": ("Tambah pengguna", "Add user"),
    "inp_users_added": ("Pengguna ditambahkan.", "User added."),
    "inp_users_pick": ("Pengguna", "User"),
    "inp_users_disable": ("Nonaktifkan", "Disable"),
    "inp_users_enable": ("Aktifkan", "Enable"),
    "inp_users_disabled": ("Pengguna dinonaktifkan.", "User disabled."),
    "inp_users_enabled": ("Pengguna diaktifkan.", "User enabled."),
    "inp_users_reset": ("Atur ulang kata sandi", "Reset password"),
    "inp_users_reset_done": ("Kata sandi diatur ulang; kunci akun dibuka.", "Password reset; the account is unlocked."),
    # --- end of input pages ----------------------------------------------------------------
    # --- one house (issue 8): the navigation's page help, the boundaries' credit -------------
    "help_home": ("Gambaran nasional pemilihan terpilih pada tanggal terpilih.",
                  "The national picture of the chosen election on the chosen date."),
    "help_map": ("Provinsi diwarnai menurut ukuran terpilih; klik untuk melihat kabupaten/kota.",
                 "Provinces coloured by the chosen measure; click one to see its regencies and cities."),
    "help_province": ("Kabupaten/kota satu provinsi di peta dan tabel peringkat, dengan kartu skor provinsi.",
                      "One province's regencies and cities on a map and in a ranked table, with its scorecard."),
    "help_regency": ("Kartu skor satu wilayah: progres per tahapan, hambatan, NPHD, dokumen, riwayat lapor.",
                     "One region's scorecard: progress per stage, obstacles, NPHD, documents, reporting history."),
    "help_ranking": ("Peringkat provinsi dan kabupaten/kota menurut indeks kesiapan, dengan perubahan peringkat.",
                     "Provinces and regencies/cities ranked by readiness index, with their rank changes."),
    "help_obstacles": ("Daftar hambatan dengan filter, umur, tindak lanjut, dan unduhan CSV/Excel.",
                       "Obstacles with filters, age, follow-up and CSV/Excel downloads."),
    "help_silent": ("Kantor yang belum melapor sekian hari pada tanggal terpilih.",
                    "Offices that have not reported for a number of days on the chosen date."),
    "help_briefing": ("Layar ruang operasi: memperbarui diri, huruf besar, peta ubin provinsi.",
                      "Operations-room screen: refreshes itself, large type, province tile map."),
    "help_report_stage": ("Laporkan progres dan status satu tahapan di satu wilayah.",
                          "Report the progress and status of one stage in one region."),
    "help_report_obstacle": ("Catat hambatan, tindak lanjut, dan perubahan statusnya.",
                             "Record obstacles, their follow-up and their status changes."),
    "help_report_nphd": ("Catat NPHD per mitra dan pencairannya per tahap.",
                         "Record NPHD agreements per counterparty and their disbursements per tranche."),
    "help_documents": ("Daftar periksa dokumen wajib wilayah, unduh, dan unggah dokumen.",
                       "The region's required-document checklist; download and upload documents."),
    "help_import": ("Impor laporan, hambatan, atau NPHD dari CSV/Excel: semua baris atau tidak sama sekali.",
                    "Import reports, obstacles or NPHD from CSV/Excel: all rows or none."),
    "help_audit": ("Setiap penulisan data: siapa, kapan, sebelum dan sesudah.",
                   "Every write: who, when, before and after."),
    "help_users": ("Tambah, nonaktifkan, atau atur ulang kata sandi pengguna.",
                   "Add users, disable or enable them, reset their passwords."),
    "help_account": ("Peran dan kewenangan Anda; ganti kata sandi.", "Your role and scope; change your password."),
    # The pinned reference copy's credit (geo.ATTRIBUTION); an imported layer's own is shown as recorded.
    "boundaries_attribution": (
        "Batas wilayah: Badan Informasi Geospasial, melalui ardian28/GeoJson-Indonesia-38-Provinsi "
        "dan mashadinoor/Indonesia-Geojson-2026 (lisensi MIT).",
        "Boundaries: Badan Informasi Geospasial, via ardian28/GeoJson-Indonesia-38-Provinsi "
        "and mashadinoor/Indonesia-Geojson-2026 (MIT licence).",
    ),
}


def t(key: str, lang: str = "id") -> str:
    ind, eng = TEXT[key]
    return eng if lang == "en" and eng else ind


def problem(p: Problem, lang: str = "id") -> str:
    """The message of a refused field (`rules.Problem`), rendered from its code and parameters."""
    return _MessageFormatter(lang).format(t(f"err_{p.code}", lang), field=field_name(p.field, lang), **p.params)


def field_name(name: str, lang: str = "id") -> str:
    """A field as people read it: 'tanggal situasi' and the column 'tanggal_situasi' are one
    field; 'tahap_2_tanggal' is the second tranche's date. Unknown names are shown as given."""
    key = re.sub(r"[\s_]+", "_", name.strip().lower())
    tranche = re.fullmatch(r"tahap_(\d+)_(jumlah|tanggal)", key)
    if tranche:
        return t(f"field_tahap_n_{tranche[2]}", lang).format(n=tranche[1])
    return t(f"field_{key}", lang) if f"field_{key}" in TEXT else name


class _MessageFormatter(string.Formatter):
    """Parameters as a message writes them. Values come from operators and files, so every
    text is one line and shortened (`rules.shown`), and no value can fail the rendering.
    A value is written as it was given (150, 12.5, 27/11/2024); `:n` groups thousands."""

    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        number = _is_number(value)
        match format_spec:
            case "q" | "rp" | "ref" if format_spec == "q" or not number:
                return repr(shown(_written(value)))
            case "n" | "rp":
                return ("Rp" if format_spec == "rp" else "") + _grouped(value, self.lang)
            case "ref":
                return "#" + _written(value)
            case "field":
                return field_name(str(value), self.lang)
            case "status":  # a report status inside a sentence: "status belum mulai"
                key = f"inp_status_{value}"
                return t(key, self.lang).lower() if key in TEXT else shown(value)
            case "obstacle_status":  # as the status list names it: "dari Baru tidak dapat ke Selesai"
                key = f"inp_obstacle_status_{value}"
                return t(key, self.lang) if key in TEXT else shown(value)
            case "mb":
                return _localised(f"{value / 1_048_576:,.1f}", self.lang) + " MB"
        if isinstance(value, (list, tuple)):
            return ", ".join(shown(v) for v in value)
        return shown(_written(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _written(value: Any) -> str:
    """A value as a cell or a field holds it: dates DD/MM/YYYY, whole numbers without '.0'."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return day_text(value)
    if _is_number(value) and _huge(value):
        return ("-" if value < 0 else "") + "10^60+"  # no one reads such digits (and str() has a limit)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _huge(value: numbers.Real) -> bool:
    if isinstance(value, numbers.Integral):
        return int(value).bit_length() > 200
    return math.isfinite(value) and abs(value) > 1e60


def _grouped(value: numbers.Real, lang: str) -> str:
    """Thousands grouped as the language does (id 4.001, en 4,001); never fails on a huge
    or non-finite value (which Babel refuses)."""
    if _huge(value) or not math.isfinite(value):
        return _written(value)
    text = f"{int(value):,}" if float(value).is_integer() else f"{float(value):,}"
    return _localised(text, lang)


def _localised(text: str, lang: str) -> str:
    return text.translate(str.maketrans(",.", ".,")) if lang == "id" else text


def number(value: float | int | None, lang: str = "id", digits: int = 0) -> str:
    if value is None or value != value:
        return "–"
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=fmt, locale=LOCALES[lang])


def percent(value: float | None, lang: str = "id", digits: int = 1) -> str:
    """`value` in percent points (87.5 → "87,5%")."""
    if value is None or value != value:
        return "–"
    return number(value, lang, digits) + "%"


def rupiah(value: int | float | None, lang: str = "id") -> str:
    if value is None or value != value:
        return "–"
    return format_currency(value, "IDR", format="¤#,##0", currency_digits=False, locale=LOCALES[lang])


def rupiah_short(value: int | float | None, lang: str = "id") -> str:
    """Large amounts as officials say them: 1,2 T / 350,4 M (triliun / miliar)."""
    if value is None or value != value:
        return "–"
    for size, (ind, eng) in ((1e12, ("T", "tn")), (1e9, ("M", "bn")), (1e6, ("Jt", "m"))):
        if abs(value) >= size:
            return f"Rp{number(value / size, lang, 1)} {eng if lang == 'en' else ind}"
    return rupiah(value, lang)


def day(value: date | None, lang: str = "id", fmt: str = "d MMMM y") -> str:
    if value is None:
        return "–"
    return format_date(value, fmt, locale=LOCALES[lang])
