"""Field rules (sipantau.rules): refusals as a code and parameters, and the names of the fields they
name. The formatter in sipantau.i18n fills the placeholders.

Key → (Bahasa Indonesia, English). Merged by sipantau.i18n, which refuses a key defined twice.
"""

TEXT: dict[str, tuple[str, str]] = {
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
}
