"""Bulk import: every malformed upload is refused naming row and column, with the
database unchanged (checksum of every table); good files from real-world shapes
are stored once, however often they are uploaded; a killed import leaves nothing."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
import python_calamine
import typer
import xlsxwriter
from paused_import import PAUSE_ENV, PAUSE_MARKER
from sqlalchemy import func, select
from typer.testing import CliRunner

from sipantau import models as m
from sipantau.auth import create_user
from sipantau.cli_import import app as import_app
from sipantau.cli_import import import_command
from sipantau.db import write_tx
from sipantau.export import neutralise_formula
from sipantau.ingest import (
    ImportRefused,
    errors_csv,
    import_file,
    infer_kind,
    parse_upload,
    template_csv,
    template_xlsx,
    validate,
)
from sipantau.reports import record_nphd_agreement

ROOT = Path(__file__).resolve().parents[1]
UPLOADS = Path(__file__).resolve().parent / "uploads"
LAPORAN = ["pemilihan", "wilayah", "tahapan", "tanggal_situasi", "progres", "status", "catatan"]
WHOLE = "(seluruh baris)"


# ---- helpers ------------------------------------------------------------------------


def checksums(engine) -> dict[str, str]:
    """sha256 over the sorted rows of every table: equal before and after means untouched."""
    out = {}
    with engine.connect() as conn:
        for table in m.Base.metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            out[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return out


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar()


def upload(name: str) -> bytes:
    return (UPLOADS / name).read_bytes()


def xlsx(rows: list[list], sheet: str = "Data", first_row: int = 0, date_format: bool = True) -> bytes:
    """An .xlsx as Excel writes it: dates as date cells, numbers as number cells."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    for r, values in enumerate(rows, first_row):
        for c, value in enumerate(values):
            if isinstance(value, date):
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day), dates if date_format else None)
            elif value is not None:
                ws.write(r, c, value)
    book.add_worksheet("Catatan").write(0, 0, "lembar lain diabaikan")
    book.close()
    return out.getvalue()


@pytest.fixture
def actors(request):
    return lambda name: request.getfixturevalue(name)


def assert_refused(engine, actor, content, name="berkas.csv", kind=None, **limits) -> pd.DataFrame:
    before = checksums(engine)
    with pytest.raises(ImportRefused) as refused:
        import_file(engine, actor, kind, name, content, **limits)
    assert checksums(engine) == before, "a refused import changed the database"
    errors = refused.value.errors
    assert list(errors.columns) == ["baris", "kolom", "pesan"]
    return errors


def has_error(errors: pd.DataFrame, baris: int, kolom: str, fragment: str) -> bool:
    hit = errors[(errors["baris"] == baris) & (errors["kolom"] == kolom)]
    return any(fragment in msg for msg in hit["pesan"])


# ---- the corpus of malformed uploads ------------------------------------------------

# file, acting user, kind (None: inferred), row, column as in the file (None: file level), message fragment
CORPUS = [
    ("bad_png_renamed.csv", "op_pangkep", None, None, None, "gambar PNG"),
    ("bad_pdf_renamed.xlsx", "op_pangkep", None, None, None, "bukan spreadsheet"),
    ("bad_zip_not_spreadsheet.xlsx", "op_pangkep", None, None, None, "bukan spreadsheet"),
    ("bad_binary_garbage.csv", "op_pangkep", None, None, None, "bukan spreadsheet"),
    ("bad_empty.csv", "op_pangkep", None, None, None, "kosong"),
    ("bad_blank_lines_only.csv", "op_pangkep", None, None, None, "kosong"),
    ("bad_headers_only.csv", "op_pangkep", None, None, None, "hanya berisi judul kolom"),
    ("bad_headers_only_trailing_blanks.csv", "op_pangkep", None, None, None, "hanya berisi judul kolom"),
    ("bad_unknown_kind.csv", "op_pangkep", None, None, None, "Jenis data tidak dapat dikenali"),
    ("bad_duplicate_header.csv", "op_pangkep", None, None, None, "kolom yang sama"),
    ("bad_unnamed_column.csv", "op_pangkep", None, 3, "kolom ke-8", "tidak berjudul"),
    ("bad_unknown_column.csv", "op_pangkep", None, 1, "keterangan_lain", "kolom tidak dikenal"),
    ("bad_missing_column.csv", "op_pangkep", None, 1, "progres", "kolom wajib tidak ada"),
    ("bad_missing_column.csv", "op_pangkep", "laporan", 1, "progres", "kolom wajib tidak ada"),
    ("good_hambatan.csv", "op_pangkep", "laporan", 1, "kategori", "kolom tidak dikenal"),
    ("bad_unknown_region.csv", "op_pangkep", None, 2, "wilayah", "tidak dikenal"),
    ("bad_region_short_code.csv", "op_pangkep", None, 2, "wilayah", "tidak lengkap"),
    ("bad_region_misspelt_name.csv", "op_pangkep", None, 2, "wilayah", "tidak dikenal"),
    ("bad_out_of_scope_region.csv", "op_pangkep", None, 2, "wilayah", "tidak berwenang menulis data untuk wilayah"),
    ("bad_other_province.csv", "op_sulsel", None, 2, "wilayah", "tidak berwenang menulis data untuk wilayah"),
    ("bad_region_not_in_election.csv", "admin", None, 2, "wilayah", "tidak mengikuti pemilihan"),
    ("bad_unknown_election.csv", "op_pangkep", None, 2, "pemilihan", "tidak dikenal"),
    ("bad_unknown_stage.csv", "op_pangkep", None, 2, "tahapan", "bukan tahapan pilkada-2024"),
    ("bad_stage_of_other_election.csv", "op_pangkep", None, 2, "tahapan", "bukan tahapan pilkada-2024"),
    ("bad_progress_150.csv", "op_pangkep", None, 2, "progres", "0–100, bukan 150"),
    ("bad_progress_150_uppercase_header.csv", "op_pangkep", None, 2, "PROGRES", "0–100, bukan 150"),
    ("bad_progress_150.xls", "op_pangkep", None, 2, "progres", "0–100, bukan 150"),
    ("bad_progress_abc.csv", "op_pangkep", None, 2, "progres", "bukan 'abc'"),
    ("bad_progress_negative.csv", "op_pangkep", None, 3, "progres", "0–100, bukan -5"),
    ("bad_progress_empty.csv", "op_pangkep", None, 2, "progres", "wajib diisi"),
    ("bad_status_unknown.csv", "op_pangkep", None, 2, "status", "tidak dikenal"),
    ("bad_status_progress_mismatch.csv", "op_pangkep", None, 2, "status", "progres 100"),
    ("bad_cp1252_status.csv", "op_pangkep", None, 2, "status", "'sudah' tidak dikenal"),
    ("bad_future_date.csv", "op_pangkep", None, 2, "tanggal_situasi", "masa depan"),
    ("bad_date_outside_election.csv", "op_pangkep", None, 2, "tanggal_situasi", "di luar masa pemilihan"),
    ("bad_date_impossible.csv", "op_pangkep", None, 2, "tanggal_situasi", "bukan tanggal yang ada"),
    ("bad_date_month_first.csv", "op_pangkep", None, 2, "tanggal_situasi", "bukan tanggal yang ada"),
    ("bad_date_text.csv", "op_pangkep", None, 2, "tanggal_situasi", "bukan tanggal"),
    ("bad_duplicate_rows.csv", "op_pangkep", None, 3, WHOLE, "sama dengan baris 2"),
    ("bad_duplicate_subject.csv", "op_pangkep", None, 3, WHOLE, "sudah ada di baris 2"),
    ("bad_error_on_last_of_many.csv", "op_pangkep", None, 12, "tanggal_situasi", "masa depan"),
    ("bad_hambatan_unknown_category.csv", "op_pangkep", None, 2, "kategori", "'banjir' tidak dikenal"),
    ("bad_hambatan_due_before_found.csv", "op_pangkep", None, 2, "tenggat", "lebih awal dari tanggal diketahui"),
    ("bad_hambatan_missing_description.csv", "op_pangkep", None, 2, "uraian", "wajib diisi"),
    ("bad_nphd_tranches_exceed_value.csv", "op_pangkep", None, 2, "nilai_nphd", "melebihi nilai NPHD"),
    ("bad_nphd_tranche_without_signing.csv", "op_pangkep", None, 2, "tanggal_tanda_tangan", "wajib diisi bila"),
    ("bad_nphd_tranche_before_signing.csv", "op_pangkep", None, 2, "tahap_1_tanggal",
     "lebih awal dari tanggal tanda tangan"),
    ("bad_nphd_money_text.csv", "op_pangkep", None, 2, "nilai_nphd", "bukan jumlah rupiah"),
    ("bad_nphd_election_without_nphd.csv", "op_pangkep", None, 2, "pemilihan", "tidak memakai NPHD"),
    # issue #7: stored, crashed or not what the operator saw; and small bombs
    ("bad_progress_thousands_ambiguous.csv", "op_pangkep", None, 2, "progres", "'1.000' tidak jelas"),
    ("bad_hambatan_zero_width_owner.csv", "op_pangkep", None, 2, "penanggung_jawab", "wajib diisi"),
    ("bad_hambatan_found_1900.csv", "op_pangkep", None, 2, "tanggal_diketahui", "01/01/1900 terlalu awal"),
    ("bad_hambatan_found_before_election.csv", "op_pangkep", None, 2, "tanggal_diketahui",
     "terlalu awal untuk pemilihan pilkada-2024; paling awal 01/11/2022"),
    ("bad_owner_too_long.csv", "op_pangkep", None, 2, "penanggung_jawab", "161 karakter, paling banyak 160"),
    ("bad_note_too_long.csv", "op_pangkep", None, 2, "catatan", "4.001 karakter, paling banyak 4.000"),
    ("bad_nphd_signed_1900.csv", "op_pangkep", None, 2, "tanggal_tanda_tangan", "terlalu awal"),
    ("bad_nphd_value_too_large.csv", "op_pangkep", None, 2, "nilai_nphd",
     "paling banyak Rp100.000.000.000.000, bukan Rp100.000.000.000.000.000.000"),
    ("bad_nphd_money_cents.csv", "op_pangkep", None, 2, "nilai_nphd", "bilangan bulat rupiah"),
    ("bad_nphd_money_mixed_separators.csv", "op_pangkep", None, 2, "nilai_nphd", "bukan jumlah rupiah"),
    ("bad_header_escape_sequence.csv", "op_pangkep", "laporan", 1, "[31mprogres[0m", "kolom tidak dikenal"),
    ("bad_csv_wide.csv", "op_pangkep", None, 1, None, "307 kolom, melebihi batas 200 kolom"),
    ("bad_xlsx_hidden_first_sheet.xlsx", "op_pangkep", None, 2, "progres", "0–100, bukan 150"),
    ("bad_xlsx_very_hidden_data.xlsx", "op_pangkep", None, 2, "status", "'hampir' tidak dikenal"),
    ("bad_xlsx_two_data_sheets.xlsx", "op_pangkep", None, None, None, "beberapa lembar dengan data impor: 'Data', "
     "'Data (2)'"),
    ("bad_xlsx_only_hidden_data.xlsx", "op_pangkep", None, None, None, "Lembar tersembunyi tidak dibaca: 'Data'"),
    ("bad_region_number_73099.xlsx", "op_pangkep", None, 2, "wilayah", "73.099 (sel angka) bukan kode"),
    ("bad_xlsx_nul_description.xlsx", "op_pangkep", None, 2, "uraian", "wajib diisi"),
    ("bad_xlsx_date_1900.xlsx", "op_pangkep", None, 2, "tanggal_diketahui", "05/01/1900 terlalu awal"),
    ("bad_xlsx_nphd_number_1e20.xlsx", "op_pangkep", None, 2, "nilai_nphd",
     "paling banyak Rp100.000.000.000.000"),
    ("bad_xlsx_far_cell.xlsx", "op_pangkep", None, None, None, "membentang 1.048.576 baris × 16.384 kolom"),
    ("bad_xlsx_declared_range.xlsx", "op_pangkep", None, None, None, "rentang yang dinyatakan (A1:XFD1048576)"),
    ("bad_xlsx_entity_expansion.xlsx", "op_pangkep", None, None, None, "DTD"),
    ("bad_xlsx_deep_xml.xlsx", "op_pangkep", None, None, None, "bersarang lebih dari 64 tingkat"),
    ("bad_ods_repeated_rows.ods", "op_pangkep", None, None, None, "lebih dari 500.000 sel"),
    ("bad_xlsb_binary.xlsb", "op_pangkep", None, None, None, ".xlsb"),
]


def test_corpus_has_every_bad_file():
    bad = {p.name for p in UPLOADS.glob("bad_*")}
    assert bad == {case[0] for case in CORPUS if case[0].startswith("bad_")}
    assert len(bad) >= 25


@pytest.mark.parametrize(("name", "who", "kind", "baris", "kolom", "fragment"), CORPUS,
                         ids=[f"{c[0]}-{c[2] or 'auto'}" for c in CORPUS])
def test_malformed_upload_refused_database_untouched(engine, actors, name, who, kind, baris, kolom, fragment):
    errors = assert_refused(engine, actors(who), upload(name), name, kind)
    if kolom is None:  # the file as a whole, or a row without one column to blame
        assert errors["pesan"].str.contains(fragment, regex=False).any(), errors.to_string()
        assert baris is None or (errors["baris"] == baris).any(), errors.to_string()
    else:
        assert has_error(errors, baris, kolom, fragment), errors.to_string()


def test_all_problems_reported_at_once(engine, op_pangkep):
    content = "\n".join([",".join(LAPORAN),
                         "pilkada-2024,73.10,kampanye,24/10/2024,150,berjalan,",
                         "pilkada-2024,73.09,kampanye,24/10/2024,abc,hampir,",
                         "pilkada-2029,73.10,kampanye,15/01/2025,10,berjalan,"]).encode()
    errors = assert_refused(engine, op_pangkep, content)
    cells = set(zip(errors["baris"], errors["kolom"], strict=True))
    assert {(2, "progres"), (3, "wilayah"), (3, "progres"), (3, "status"), (4, "pemilihan"),
            (4, "tanggal_situasi")} <= cells


def test_too_many_rows_refused(engine, op_pangkep, monkeypatch):
    rows = [f"pilkada-2024;73.10;kampanye;{d:02d}/10/2024;{d};berjalan;" for d in range(1, 7)]
    content = ("\n".join([";".join(LAPORAN), *rows]) + "\n").encode()
    errors = assert_refused(engine, op_pangkep, content, max_rows=5)
    assert errors["pesan"].str.contains("lebih dari 5 baris").any()
    monkeypatch.setenv("SIPANTAU_IMPORT_MAX_ROWS", "4")
    assert_refused(engine, op_pangkep, content)
    monkeypatch.delenv("SIPANTAU_IMPORT_MAX_ROWS")
    assert import_file(engine, op_pangkep, None, "ok.csv", content, dry_run=True, max_rows=6).stored == 6


def test_file_over_size_limit_refused(engine, op_pangkep):
    content = upload("good_laporan_semicolon_bom.csv")
    errors = assert_refused(engine, op_pangkep, content, max_bytes=len(content) - 1)
    assert errors["pesan"].str.contains("melebihi batas").any()


def test_xlsx_with_excel_dates_and_wrong_values_refused(engine, op_pangkep):
    content = xlsx([LAPORAN,
                    ["pilkada-2024", "73.10", "kampanye", date(2025, 1, 15), 40, "berjalan", None],
                    ["pilkada-2024", "73.10", "logistik", "sekarang", 150, "berjalan", None]])
    errors = assert_refused(engine, op_pangkep, content, "laporan.xlsx")
    assert has_error(errors, 2, "tanggal_situasi", "15/01/2025 masih di masa depan")
    assert has_error(errors, 3, "tanggal_situasi", "bukan tanggal")
    assert has_error(errors, 3, "progres", "bukan 150")


def test_rows_numbered_as_the_spreadsheet_shows_them(engine, op_pangkep):
    """Header on row 3 (two blank rows above), a blank row between data rows."""
    content = xlsx([LAPORAN,
                    ["pilkada-2024", "73.10", "kampanye", date(2024, 10, 1), 40, "berjalan", None],
                    [None] * 7,
                    ["pilkada-2024", "73.10", "logistik", date(2024, 10, 1), 150, "berjalan", None]], first_row=2)
    errors = assert_refused(engine, op_pangkep, content, "laporan.xlsx")
    assert errors[["baris", "kolom"]].values.tolist() == [[6, "progres"]]


def test_reader_role_cannot_import(engine):
    with write_tx(engine) as conn:
        boss = create_user(conn, "boss", "Pimpinan", "pimpinan")
    errors = assert_refused(engine, boss, upload("good_laporan_semicolon_bom.csv"))
    assert errors["pesan"].str.contains("tidak berwenang").any()


# ---- good files ---------------------------------------------------------------------


def stored_reports(engine) -> list[tuple]:
    sr, st = m.StageReport.__table__, m.Stage.__table__
    q = (select(sr.c.region_code, st.c.code, sr.c.situation_date, sr.c.progress, sr.c.status, sr.c.note,
                sr.c.source)
         .join(st, st.c.id == sr.c.stage_id).order_by(sr.c.situation_date, st.c.code))
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q)]


def test_semicolon_bom_decimal_comma_trailing_blank_rows(engine, op_pangkep):
    result = import_file(engine, op_pangkep, None, "laporan.csv", upload("good_laporan_semicolon_bom.csv"))
    assert (result.kind, result.rows, result.stored, result.already_present) == ("laporan", 3, 3, 0)
    assert stored_reports(engine)[0] == ("73.10", "kampanye", date(2024, 10, 24), 62.5, "berjalan",
                                         "Rapat koordinasi dengan KPU", "import")
    assert all(r.reference.startswith("STAGE_REPORT-") for r in result.receipts)
    assert count(engine, m.AuditLog) == 3 and count(engine, m.StageStatus) == 3


def test_windows_1252_with_accents_and_quoted_comma(engine, op_pangkep):
    result = import_file(engine, op_pangkep, None, "laporan.csv", upload("good_laporan_cp1252.csv"))
    assert result.stored == 2
    notes = {r[5] for r in stored_reports(engine)}
    assert "Coklit selesai – dicek ulang oleh tim André, café Pak Hadi" in notes
    assert "Penetapan 2 paslon; lancar" in notes


def test_region_by_name_odd_headers_labels_and_iso_dates(engine, op_pangkep):
    result = import_file(engine, op_pangkep, None, "laporan.csv", upload("good_laporan_region_name.csv"))
    assert result.stored == 1
    assert stored_reports(engine) == [("73.10", "kampanye", date(2024, 10, 10), 45.0, "berjalan", "", "import")]


def test_xlsx_with_excel_dates_and_number_cells(engine, op_sulsel):
    content = xlsx([[" Pemilihan", "WILAYAH", "tahapan", "Tanggal Situasi", "progres", "status", "catatan"],
                    ["pilkada-2024", 73.10, "kampanye", date(2024, 10, 3), 30.5, "berjalan", 12],
                    ["pilkada-2024", "Kabupaten Maros", "kampanye", "03-10-2024", "35,5", "berjalan", None],
                    ["pilkada-2024", 73, "kampanye", 45568, 20, "berjalan", None],  # unformatted Excel serial
                    [None] * 7, [None] * 7])
    result = import_file(engine, op_sulsel, None, "laporan.xlsx", content)
    assert result.stored == 3
    got = stored_reports(engine)
    assert ("73.10", "kampanye", date(2024, 10, 3), 30.5, "berjalan", "12", "import") in got
    assert ("73.09", "kampanye", date(2024, 10, 3), 35.5, "berjalan", "", "import") in got
    assert ("73", "kampanye", date(2024, 10, 3), 20.0, "berjalan", "", "import") in got


def test_legacy_xls_with_excel_dates(engine, op_pangkep):
    result = import_file(engine, op_pangkep, None, "laporan.xls", upload("good_laporan.xls"))
    assert result.stored == 2
    assert stored_reports(engine)[0] == ("73.10", "kampanye", date(2024, 10, 3), 30.5, "berjalan", "dari xls",
                                         "import")


def test_obstacles(engine, op_pangkep):
    result = import_file(engine, op_pangkep, None, "hambatan.csv", upload("good_hambatan.csv"))
    assert (result.kind, result.stored) == ("hambatan", 2)
    ob = m.Obstacle.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(ob.c.severity_code, ob.c.stage_id, ob.c.status, ob.c.due_date)
                            .order_by(ob.c.found_date)).all()
    assert [(r[0], r[1] is None, r[2], r[3]) for r in rows] == [
        ("sedang", False, "baru", date(2024, 11, 25)), ("tinggi", True, "baru", None)]


def test_nphd_agreements_and_tranches(engine, op_pangkep):
    result = import_file(engine, op_pangkep, None, "nphd.csv", upload("good_nphd.csv"))
    assert (result.kind, result.rows, result.stored, result.already_present) == ("nphd", 3, 6, 0)
    na, nd = m.NphdAgreement.__table__, m.NphdDisbursement.__table__
    with engine.connect() as conn:
        agreements = dict(conn.execute(select(na.c.counterparty_code, na.c.agreed_value)).all())
        paid = conn.execute(select(func.sum(nd.c.amount))).scalar()
    assert agreements == {"KPU": 25_000_000_000, "BAWASLU": 8_000_000_000, "POLRI": 3_500_000_000}
    assert paid == 28_200_000_000
    again = import_file(engine, op_pangkep, None, "nphd.csv", upload("good_nphd.csv"))
    assert (again.stored, again.already_present) == (0, 6)


def test_nphd_entered_by_form_is_reused_or_conflict_refused(engine, op_pangkep):
    fields = dict(election_code="pilkada-2024", region_code="73.10", counterparty_code="KPU",
                  signed_date=date(2023, 11, 10))
    record_nphd_agreement(engine, op_pangkep, agreed_value=25_000_000_000, **fields)
    result = import_file(engine, op_pangkep, None, "nphd.csv", upload("good_nphd.csv"))
    assert (result.stored, result.already_present) == (5, 1)  # KPU agreement known, its tranches new

    record_nphd_agreement(engine, op_pangkep, **(fields | {"counterparty_code": "TNI"}), agreed_value=100)
    content = upload("good_nphd.csv").replace(b"POLRI;3.500.000.000;;", b"TNI;3.500.000.000;10/11/2023;")
    errors = assert_refused(engine, op_pangkep, content, "nphd.csv")
    assert has_error(errors, 4, WHOLE, "sudah tercatat")


def test_dry_run_reports_and_stores_nothing(engine, op_pangkep):
    before = checksums(engine)
    result = import_file(engine, op_pangkep, None, "l.csv", upload("good_laporan_semicolon_bom.csv"), dry_run=True)
    assert (result.dry_run, result.stored, result.receipts) == (True, 3, [])
    assert "uji coba" in result.summary
    assert checksums(engine) == before


# ---- idempotency --------------------------------------------------------------------


def test_reupload_adds_nothing(engine, op_pangkep):
    content = upload("good_laporan_semicolon_bom.csv")
    first = import_file(engine, op_pangkep, None, "laporan.csv", content)
    before = checksums(engine)
    again = import_file(engine, op_pangkep, None, "laporan (1).csv", content)
    assert (again.stored, again.already_present) == (0, 3)
    assert [r.id for r in again.receipts] == [r.id for r in first.receipts]
    assert all(r.duplicate for r in again.receipts)
    assert checksums(engine) == before


def test_partial_overlap_adds_only_new_rows(engine, op_pangkep):
    """The overlap file repeats two rows in other spellings (name, ISO date, 87.5, 'Berjalan')."""
    import_file(engine, op_pangkep, None, "a.csv", upload("good_laporan_semicolon_bom.csv"))
    result = import_file(engine, op_pangkep, None, "b.csv", upload("good_laporan_overlap.csv"))
    assert (result.stored, result.already_present) == (2, 2)
    assert count(engine, m.StageReport) == 5


def test_same_rows_by_another_user_are_not_stored_twice(engine, op_pangkep, op_sulsel):
    import_file(engine, op_pangkep, None, "a.csv", upload("good_hambatan.csv"))
    result = import_file(engine, op_sulsel, None, "a.csv", upload("good_hambatan.csv"))
    assert (result.stored, result.already_present) == (0, 2)


# ---- API pieces ---------------------------------------------------------------------


def test_parse_upload_keeps_spreadsheet_row_numbers_and_headers():
    frame = parse_upload("x.csv", upload("good_laporan_semicolon_bom.csv"))
    assert list(frame.columns) == LAPORAN
    assert list(frame.index) == [2, 3, 4]
    assert frame.loc[2, "progres"] == "62,5"


def test_validate_preview_has_normalised_rows_and_keys(engine, op_pangkep):
    frame = parse_upload("x.csv", upload("good_laporan_region_name.csv"))
    with engine.connect() as conn:
        preview = validate(conn, op_pangkep, None, frame)
    assert preview.ok and preview.kind == "laporan"
    row = preview.rows.loc[2]
    assert (row["wilayah"], row["tahapan"], row["progres"], row["status"]) == ("73.10", "kampanye", 45.0, "berjalan")
    assert row["kunci"].startswith("import:") and len(row["kunci"]) == 71
    assert preview.columns["progres"] == "Progres (%)"


def test_infer_kind():
    assert infer_kind(["Pemilihan", "Wilayah", "Tahapan", "Tanggal Situasi", "Progres", "Status"]) == "laporan"
    assert infer_kind(["kategori", "tingkat", "uraian"]) == "hambatan"
    assert infer_kind(["Mitra", "Nilai NPHD (Rp)"]) == "nphd"
    with pytest.raises(ImportRefused):
        infer_kind(["nama", "alamat"])


@pytest.mark.parametrize("value", ["=1+1", "+62812", "-5", "@SUM(A1)", "\t=x", "=HYPERLINK(\"http://x\")"])
def test_neutralise_formula(value):
    assert neutralise_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["Kabupaten Maros", "", "73.10", 5, None, "a=b"])
def test_neutralise_formula_leaves_plain_values(value):
    assert neutralise_formula(value) == value


def test_error_table_download_is_neutralised(engine, op_pangkep):
    content = ("=HYPERLINK(\"http://evil\");" + ";".join(LAPORAN) + "\n"
               "x;pilkada-2024;73.10;kampanye;24/10/2024;50;berjalan;\n").encode()
    errors = assert_refused(engine, op_pangkep, content)
    assert errors["kolom"].iloc[0].startswith("=HYPERLINK")
    text = errors_csv(errors).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n1;" in text


@pytest.mark.parametrize("kind", ["laporan", "hambatan", "nphd"])
def test_csv_template_round_trip(engine, op_pangkep, kind):
    template = template_csv(kind)
    assert template.startswith(b"\xef\xbb\xbf")
    errors = assert_refused(engine, op_pangkep, template)
    assert errors["pesan"].str.contains("hanya berisi judul kolom").any()
    example = {"laporan": "pilkada-2024;73.10;kampanye;24/10/2024;50;berjalan;ok",
               "hambatan": "pilkada-2024;73.10;;logistik;sedang;Gudang bocor;KPU;20/11/2024;",
               "nphd": "pilkada-2024;73.10;KPU;1.000.000.000;10/11/2023;;400.000.000;20/11/2023;;"}[kind]
    result = import_file(engine, op_pangkep, None, f"{kind}.csv", template + example.encode() + b"\r\n")
    assert result.kind == kind and result.stored >= 1


def sheets(content: bytes) -> dict[str, list[list]]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


@pytest.mark.parametrize(("kind", "lists"), [("laporan", ["Tahapan", "Status"]),
                                              ("hambatan", ["Tahapan", "Kategori", "Tingkat"]),
                                              ("nphd", ["Mitra"])])
def test_xlsx_template_sheets_codes_and_scope(engine, op_pangkep, op_sulsel, kind, lists):
    with engine.connect() as conn:
        mine = template_xlsx(conn, op_pangkep, kind)
        province = template_xlsx(conn, op_sulsel, kind)
    book = sheets(mine)
    assert list(book) == ["Data", "Petunjuk", "Pemilihan", "Wilayah", *lists]
    assert [row[0] for row in book["Wilayah"][1:]] == ["73.10"]
    assert len(sheets(province)["Wilayah"]) - 1 == 25  # province 73 and its 24 regencies
    assert any("DD/MM/YYYY" in str(cell) for row in book["Petunjuk"] for cell in row)
    if kind == "laporan":
        assert [r[0] for r in book["Status"][1:]] == ["belum_mulai", "berjalan", "selesai", "terkendala"]
    with zipfile.ZipFile(io.BytesIO(mine)) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    errors = assert_refused(engine, op_pangkep, mine, "templat.xlsx")
    assert errors["pesan"].str.contains("hanya berisi judul kolom").any()


def test_xlsx_template_filled_in_imports(engine, op_pangkep):
    with engine.connect() as conn:
        headers = sheets(template_xlsx(conn, op_pangkep, "laporan"))["Data"][0]
    content = xlsx([headers, ["pilkada-2024", "73.10", "kampanye", date(2024, 10, 1), 10, "berjalan", None]])
    assert import_file(engine, op_pangkep, None, "isian.xlsx", content).stored == 1


# ---- a killed import leaves nothing -------------------------------------------------


def test_import_killed_mid_commit_leaves_database_unchanged(engine, op_pangkep, tmp_path):
    """SIGKILL while the transaction holds 2 of 3 rows: nothing of it survives; a rerun stores all."""
    before = checksums(engine)
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, PAUSE_ENV: "2", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(Path(__file__).parent / "paused_import.py"),
                             str(UPLOADS / "good_laporan_semicolon_bom.csv"),
                             "--as", op_pangkep.username, "--database-url", url],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for_marker(proc), "the import never reached the pause"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert checksums(engine) == before
    result = import_file(engine, op_pangkep, None, "laporan.csv", upload("good_laporan_semicolon_bom.csv"))
    assert (result.stored, result.already_present) == (3, 0)


def _wait_for_marker(proc, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if PAUSE_MARKER in line:
            return True
        if not line and proc.poll() is not None:
            return False
    return False


# ---- CLI ----------------------------------------------------------------------------


@pytest.fixture
def cli(engine):
    """The command mounted as the main CLI mounts it: `python -m sipantau import …`."""
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """Sipantau."""

    root.command("import")(import_command)
    url = engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(root, ["import", *map(str, args), "--database-url", url])


def test_cli_stores_and_summarises(engine, op_pangkep, cli):
    result = cli(UPLOADS / "good_laporan_semicolon_bom.csv", "--as", "op.pangkep")
    assert result.exit_code == 0, result.output
    assert "3 data baru disimpan" in result.output
    again = cli(UPLOADS / "good_laporan_semicolon_bom.csv", "--as", "op.pangkep")
    assert again.exit_code == 0 and "3 data sudah tersimpan" in again.output


def test_cli_dry_run_touches_nothing(engine, op_pangkep, cli):
    before = checksums(engine)
    result = cli(UPLOADS / "good_nphd.csv", "--as", "op.pangkep", "--dry-run", "--kind", "nphd")
    assert result.exit_code == 0, result.output
    assert "uji coba" in result.output
    assert checksums(engine) == before


def test_cli_refusal_prints_rows_and_exits_2(engine, op_pangkep, cli):
    before = checksums(engine)
    result = cli(UPLOADS / "bad_error_on_last_of_many.csv", "--as", "op.pangkep")
    assert result.exit_code == 2
    assert "Baris 12, kolom 'tanggal_situasi'" in result.output and "masa depan" in result.output
    dry = cli(UPLOADS / "bad_progress_150.csv", "--as", "op.pangkep", "--dry-run")
    assert dry.exit_code == 2 and "bukan 150" in dry.output
    assert checksums(engine) == before


@pytest.mark.parametrize(("args", "fragment"), [
    (["bad_png_renamed.csv", "--as", "op.pangkep"], "gambar PNG"),
    (["good_laporan_semicolon_bom.csv", "--as", "tidak.ada"], "tidak dikenal"),
    (["good_laporan_semicolon_bom.csv", "--as", "op.pangkep", "--kind", "laporan_x"], "tidak dikenal"),
    (["tidak_ada.csv", "--as", "op.pangkep"], "tidak dapat dibaca"),
])
def test_cli_file_level_refusals(engine, op_pangkep, cli, args, fragment):
    before = checksums(engine)
    result = cli(UPLOADS / args[0], *args[1:])
    assert result.exit_code == 2 and fragment in result.output
    assert checksums(engine) == before


def test_cli_sub_app_runs_alone(engine, op_pangkep):
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(import_app, [str(UPLOADS / "good_hambatan.csv"), "--as", "op.pangkep",
                                             "--database-url", url])
    assert result.exit_code == 0, result.output
    assert count(engine, m.Obstacle) == 2
