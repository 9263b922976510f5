"""Regenerate the committed upload corpus: `python tests/uploads/make_corpus.py`.

Every file is small and made by hand here so that its bytes (encoding, separator,
BOM, line endings) are exactly what an office might send. The two .xls files need
xlwt, which Sipantau does not depend on: they are committed, and regenerated only
when xlwt happens to be installed. Expectations live in tests/test_ingest.py.
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import hostile_files  # noqa: E402

LAPORAN = "pemilihan;wilayah;tahapan;tanggal_situasi;progres;status;catatan"
HAMBATAN = "pemilihan;wilayah;tahapan;kategori;tingkat;uraian;penanggung_jawab;tanggal_diketahui;tenggat"
NPHD = ("pemilihan;wilayah;mitra;nilai_nphd;tanggal_tanda_tangan;catatan;tahap_1_jumlah;tahap_1_tanggal;"
        "tahap_2_jumlah;tahap_2_tanggal")


def csv(*lines: str, header: str = LAPORAN, eol: str = "\r\n", encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = eol.join([header, *lines]) + eol
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def laporan(region="73.10", stage="kampanye", when="24/10/2024", progress="50", status="berjalan", note="",
            election="pilkada-2024") -> str:
    return ";".join([election, region, stage, when, progress, status, note])


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


def pdf() -> bytes:
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def docx_like_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


GOOD = {
    "good_laporan_semicolon_bom.csv": csv(
        laporan(stage="kampanye", when="24/10/2024", progress="62,5", note="Rapat koordinasi dengan KPU"),
        laporan(stage="logistik", when="01/11/2024", progress="87,5", note="Distribusi ke PPK"),
        laporan(stage="pemungutan-suara", when="27/11/2024", progress="100", status="selesai", note="Aman dan lancar"),
        ";;;;;;", ";;;;;;", bom=True),
    "good_laporan_overlap.csv": csv(
        "pilkada-2024,Kabupaten Pangkajene dan Kepulauan,logistik,2024-11-01,87.5,Berjalan,Distribusi ke PPK",
        "pilkada-2024,73.10,pemungutan-suara,27-11-2024,100,selesai,Aman dan lancar",
        "pilkada-2024,73.10,penghitungan-rekapitulasi,05/12/2024,40,berjalan,Rekap tingkat kecamatan",
        "pilkada-2024,73.10,masa-tenang,26/11/2024,100,selesai,",
        header="Pemilihan,Wilayah,Tahapan,Tanggal Situasi,Progres,Status,Catatan", eol="\n"),
    "good_laporan_cp1252.csv": csv(
        'pilkada-2024,73.10,pemutakhiran-data-pemilih,23/09/2024,100,selesai,'
        '"Coklit selesai – dicek ulang oleh tim André, café Pak Hadi"',
        "pilkada-2024,73.10,penetapan-paslon,22/09/2024,100,selesai,Penetapan 2 paslon; lancar",
        header=LAPORAN.replace(";", ","), encoding="cp1252"),
    "good_laporan_region_name.csv": csv(
        "Pilkada Serentak 2024,kabupaten  pangkajene dan kepulauan,Masa Kampanye,2024-10-10 00:00:00,45%,Berjalan,",
        header="  PEMILIHAN ,Nama Wilayah,Kode Tahapan,TANGGAL-SITUASI,Progres (%),STATUS,Keterangan"),
    "good_hambatan.csv": csv(
        "pilkada-2024;73.10;logistik;logistik;sedang;Sebagian kotak suara rusak di gudang;KPU Kabupaten;"
        "20/11/2024;25/11/2024",
        "pilkada-2024;73.10;;penyelenggara;Tinggi;Dua anggota KPPS mengundurkan diri;PPK Liukang Tupabbiring;"
        "22/11/2024;", header=HAMBATAN),
    "good_nphd.csv": csv(
        "pilkada-2024;73.10;KPU;Rp 25.000.000.000;10/11/2023;NPHD KPU;10.000.000.000;20/11/2023;"
        "15.000.000.000;10/06/2024",
        "pilkada-2024;73.10;Bawaslu;8000000000;10/11/2023;;3200000000;20/11/2023;;",
        "pilkada-2024;73.10;POLRI;3.500.000.000;;Belum ditandatangani;;;;", header=NPHD),
}

MANY = [laporan(when=f"{d:02d}/10/2024", progress=str(d * 5)) for d in range(1, 11)]

BAD = {
    "bad_png_renamed.csv": png(),
    "bad_pdf_renamed.xlsx": pdf(),
    "bad_zip_not_spreadsheet.xlsx": docx_like_zip(),
    "bad_binary_garbage.csv": bytes(range(256)) * 4,
    "bad_empty.csv": b"",
    "bad_blank_lines_only.csv": b"\r\n\r\n   \r\n",
    "bad_headers_only.csv": csv(),
    "bad_headers_only_trailing_blanks.csv": csv(";;;;;;", ";;;;;;", bom=True),
    "bad_unknown_column.csv": csv(laporan() + ";x", header=LAPORAN + ";keterangan_lain"),
    "bad_missing_column.csv": csv("pilkada-2024;73.10;kampanye;24/10/2024;berjalan;",
                                  header="pemilihan;wilayah;tahapan;tanggal_situasi;status;catatan"),
    "bad_unknown_kind.csv": csv("a;b;c", header="nama;alamat;telepon"),
    "bad_unnamed_column.csv": csv(laporan(), laporan(stage="logistik", when="01/11/2024") + ";nilai lebih"),
    "bad_duplicate_header.csv": csv("pilkada-2024;73.10;73.10;kampanye;24/10/2024;50;berjalan;",
                                    header="pemilihan;wilayah;kode_wilayah;tahapan;tanggal_situasi;progres;status;"
                                           "catatan"),
    "bad_unknown_region.csv": csv(laporan(region="73.99")),
    "bad_region_short_code.csv": csv(laporan(region="73.1")),
    "bad_region_misspelt_name.csv": csv(laporan(region="Kab. Pangkep")),
    "bad_out_of_scope_region.csv": csv(laporan(region="73.09")),
    "bad_other_province.csv": csv(laporan(region="74.01")),
    "bad_region_not_in_election.csv": csv(laporan(region="31.71")),
    "bad_unknown_election.csv": csv(laporan(election="pilkada-2029")),
    "bad_unknown_stage.csv": csv(laporan(stage="kampanye-akbar")),
    "bad_stage_of_other_election.csv": csv(laporan(stage="pencalonan-dpd")),
    "bad_progress_150.csv": csv(laporan(progress="150")),
    "bad_progress_150_uppercase_header.csv": csv(laporan(progress="150"), header=LAPORAN.upper()),
    "bad_progress_abc.csv": csv(laporan(progress="abc")),
    "bad_progress_negative.csv": csv(laporan(), laporan(stage="logistik", progress="-5")),
    "bad_progress_empty.csv": csv(laporan(progress="")),
    "bad_status_unknown.csv": csv(laporan(status="hampir_selesai")),
    "bad_status_progress_mismatch.csv": csv(laporan(status="selesai", progress="80")),
    "bad_future_date.csv": csv(laporan(when="15/01/2025")),
    "bad_date_outside_election.csv": csv(laporan(when="01/01/2023")),
    "bad_date_impossible.csv": csv(laporan(when="31/02/2024")),
    "bad_date_month_first.csv": csv(laporan(when="10/24/2024")),
    "bad_date_text.csv": csv(laporan(when="kemarin")),
    "bad_duplicate_rows.csv": csv(laporan(), laporan()),
    "bad_duplicate_subject.csv": csv(laporan(progress="50"), laporan(progress="55")),
    "bad_error_on_last_of_many.csv": csv(*MANY, laporan(when="15/01/2025")),
    "bad_cp1252_status.csv": csv(laporan(status="sudah", note="Koordinasi di café – André"), encoding="cp1252"),
    "bad_hambatan_unknown_category.csv": csv(
        "pilkada-2024;73.10;logistik;banjir;sedang;Gudang tergenang;BPBD;20/11/2024;", header=HAMBATAN),
    "bad_hambatan_due_before_found.csv": csv(
        "pilkada-2024;73.10;logistik;logistik;sedang;Gudang tergenang;BPBD;20/11/2024;10/11/2024", header=HAMBATAN),
    "bad_hambatan_missing_description.csv": csv(
        "pilkada-2024;73.10;logistik;logistik;sedang;;BPBD;20/11/2024;", header=HAMBATAN),
    "bad_nphd_tranches_exceed_value.csv": csv(
        "pilkada-2024;73.10;KPU;1.000.000.000;10/11/2023;;600.000.000;20/11/2023;600.000.000;10/06/2024",
        header=NPHD),
    "bad_nphd_tranche_without_signing.csv": csv(
        "pilkada-2024;73.10;KPU;1.000.000.000;;;600.000.000;20/11/2023;;", header=NPHD),
    "bad_nphd_tranche_before_signing.csv": csv(
        "pilkada-2024;73.10;KPU;1.000.000.000;10/11/2023;;600.000.000;01/11/2023;;", header=NPHD),
    "bad_nphd_money_text.csv": csv("pilkada-2024;73.10;KPU;satu miliar;10/11/2023;;;;;", header=NPHD),
    "bad_nphd_election_without_nphd.csv": csv("pemilu-2024;73.10;KPU;1.000.000.000;10/11/2023;;;;;", header=NPHD),
}


def hambatan(found="20/11/2024", owner="KPU Kabupaten", description="Gudang tergenang") -> str:
    return ";".join(["pilkada-2024", "73.10", "logistik", "logistik", "sedang", description, owner, found, ""])


def nphd(value="1.000.000.000", signed="10/11/2023") -> str:
    return ";".join(["pilkada-2024", "73.10", "KPU", value, signed, "", "", "", "", ""])


# Files that were stored, or crashed, other than as the operator saw them (issue #7).
HOSTILE = {
    "bad_progress_thousands_ambiguous.csv": csv(laporan(progress="1.000")),
    "bad_hambatan_zero_width_owner.csv": csv(hambatan(owner="\u200b\u200c\u2060\ufeff"), header=HAMBATAN),
    "bad_hambatan_found_1900.csv": csv(hambatan(found="01/01/1900"), header=HAMBATAN),
    "bad_hambatan_found_before_election.csv": csv(hambatan(found="01/01/2021"), header=HAMBATAN),
    "bad_owner_too_long.csv": csv(hambatan(owner="K" * 161), header=HAMBATAN),
    "bad_note_too_long.csv": csv(laporan(note="n" * 4001)),
    "bad_nphd_signed_1900.csv": csv(nphd(signed="01/01/1900"), header=NPHD),
    "bad_nphd_value_too_large.csv": csv(nphd(value="100000000000000000000"), header=NPHD),
    "bad_nphd_money_cents.csv": csv(nphd(value="1.000.000,50"), header=NPHD),
    "bad_nphd_money_mixed_separators.csv": csv(nphd(value="1.500,000"), header=NPHD),
    "bad_header_escape_sequence.csv": csv(*MANY, header=LAPORAN.replace("progres", "\x1b[31mprogres\x1b[0m")),
    "bad_csv_wide.csv": csv(laporan() + ";" * 300, header=LAPORAN + "".join(f";k{i}" for i in range(300))),
    "bad_xlsx_far_cell.xlsx": hostile_files.far_cell(),
    "bad_xlsx_declared_range.xlsx": hostile_files.declared_range(),
    "bad_xlsx_entity_expansion.xlsx": hostile_files.entity_expansion(),
    "bad_xlsx_deep_xml.xlsx": hostile_files.deep_xml(),
    "bad_ods_repeated_rows.ods": hostile_files.ods_repeated_rows(),
    "bad_xlsb_binary.xlsb": hostile_files.xlsb(),
    "good_laporan_hidden_sheet.ods": hostile_files.ods_hidden_sheet(),
}


def workbook(sheets: list[tuple[str, list[list], str]]) -> bytes:
    """An .xlsx as Excel writes it (xlsxwriter, fixed dates): (name, rows, visible|hidden|very_hidden)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"created": datetime(2024, 1, 1)})
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows, state in sheets:
        sheet = book.add_worksheet(name)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if isinstance(value, date):
                    sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), dates)
                elif value is not None:
                    sheet.write(r, c, value)
        getattr(sheet, {"hidden": "hide", "very_hidden": "very_hidden"}[state])() if state != "visible" else None
    book.worksheets()[next(i for i, s in enumerate(sheets) if s[2] == "visible")].activate()
    book.close()
    return out.getvalue()


def report(stage="kampanye", progress=50, status="berjalan", note="", region="73.10") -> list:
    return ["pilkada-2024", region, stage, date(2024, 10, 24), progress, status, note]


HEAD = LAPORAN.split(";")
HAMBATAN_HEAD = HAMBATAN.split(";")
XLSX = {
    "bad_xlsx_hidden_first_sheet.xlsx": workbook([
        ("Lama", [HEAD, report(note="lembar tersembunyi")], "hidden"),
        ("Data", [HEAD, report(progress=150, note="lembar terlihat")], "visible")]),
    "bad_xlsx_very_hidden_data.xlsx": workbook([
        ("Data", [HEAD, report(note="sangat tersembunyi")], "very_hidden"),
        ("Laporan", [HEAD, report(status="hampir", note="terlihat")], "visible")]),
    "bad_xlsx_two_data_sheets.xlsx": workbook([
        ("Data", [HEAD, report()], "visible"), ("Data (2)", [HEAD, report(stage="logistik")], "visible")]),
    "bad_xlsx_only_hidden_data.xlsx": workbook([
        ("Petunjuk", [["Isi lembar Data."]], "visible"), ("Data", [HEAD, report()], "hidden")]),
    "bad_region_number_73099.xlsx": workbook([("Data", [HEAD, report(region=73.099)], "visible")]),
    "bad_xlsx_nul_description.xlsx": workbook([("Data", [HAMBATAN_HEAD, [
        "pilkada-2024", "73.10", "logistik", "logistik", "sedang", "\x00", "KPU", date(2024, 11, 20), None]],
        "visible")]),
    "bad_xlsx_date_1900.xlsx": workbook([("Data", [HAMBATAN_HEAD, [
        "pilkada-2024", "73.10", "logistik", "logistik", "sedang", "Gudang", "KPU", date(1900, 1, 5), None]],
        "visible")]),
    "bad_xlsx_nphd_number_1e20.xlsx": workbook([("Data", [NPHD.split(";"), [
        "pilkada-2024", "73.10", "KPU", 1e20, date(2023, 11, 10)]], "visible")]),
    "good_laporan_hidden_sheet.xlsx": workbook([
        ("Lama", [HEAD, report(stage="logistik", note="lembar tersembunyi")], "hidden"),
        ("Data", [HEAD, report(note="lembar terlihat")], "visible"),
        ("Rahasia", [HEAD, report(stage="masa-tenang", note="sangat tersembunyi")], "very_hidden")]),
    "good_hambatan_nul_in_text.xlsx": workbook([("Data", [HAMBATAN_HEAD, [
        "pilkada-2024", "73.10", "logistik", "logistik", "sedang", "Gudang\x00 bocor\u200b", "KPU\x1b[0m",
        date(2024, 11, 20), None]], "visible")]),
}


def xls_files() -> dict[str, bytes]:
    try:
        import xlwt
    except ImportError:
        return {}
    files = {}
    for name, progress in (("good_laporan.xls", 30.5), ("bad_progress_150.xls", 150)):
        book = xlwt.Workbook()
        sheet = book.add_sheet("Data")
        dates = xlwt.easyxf(num_format_str="DD/MM/YYYY")
        for c, title in enumerate(LAPORAN.split(";")):
            sheet.write(0, c, title)
        for r, (stage, when) in enumerate((("kampanye", date(2024, 10, 3)), ("logistik", date(2024, 10, 4))), 1):
            for c, value in enumerate(["pilkada-2024", "73.10", stage, when, progress, "berjalan", "dari xls"]):
                sheet.write(r, c, value, dates if isinstance(value, date) else xlwt.Style.default_style)
        book.add_sheet("Petunjuk").write(0, 0, "Isi lembar Data.")
        out = io.BytesIO()
        book.save(out)
        files[name] = out.getvalue()
    return files


def main() -> None:
    for name, content in {**GOOD, **BAD, **HOSTILE, **XLSX, **xls_files()}.items():
        (HERE / name).write_bytes(content)


if __name__ == "__main__":
    main()
