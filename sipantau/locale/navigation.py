"""The navigation's page help and the credits shown with maps.

Key → (Bahasa Indonesia, English). Merged by sipantau.i18n, which refuses a key defined twice.
"""

TEXT: dict[str, tuple[str, str]] = {
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
