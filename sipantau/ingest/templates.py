"""Templates an office fills in: a header-only CSV, and an Excel book whose Data sheet has
the headers (with pick lists), instructions in Bahasa Indonesia, and the valid codes
(only the regions within the user's scope). Every cell is written as text or a number,
never as a formula."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import xlsxwriter
from sqlalchemy import Connection, select

from sipantau import i18n, rules
from sipantau import models as m
from sipantau.auth import Actor, can_write_region
from sipantau.export import neutralise_formula
from sipantau.ingest.columns import KINDS, MAX_TRANCHES, OWNER_CHARS, Column, template_columns
from sipantau.ingest.files import MAX_ROWS, byte_limit, row_limit, size_text


def template_csv(kind: str) -> bytes:
    """Header-only CSV (UTF-8 with BOM, semicolons, as Excel in Indonesian settings expects)."""
    return ("\ufeff" + ";".join(c.name for c in template_columns(kind)) + "\r\n").encode("utf-8")


def template_xlsx(conn: Connection, actor: Actor, kind: str) -> bytes:
    """An Excel template: the Data sheet, instructions in Bahasa Indonesia, and the valid codes
    (regions within the user's scope, elections, stages and the code lists the kind uses)."""
    columns = template_columns(kind)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                     "strings_to_urls": False})
    formats = _formats(book)
    data = book.add_worksheet("Data")
    book.add_worksheet("Petunjuk")
    code_sheets = _code_sheets(conn, actor, kind)
    for name, (headers, rows) in code_sheets.items():
        _write_table(book.add_worksheet(name), headers, rows, formats)
    _write_data_sheet(data, columns, code_sheets, formats)
    _write_instructions(book.get_worksheet_by_name("Petunjuk"), kind, columns, list(code_sheets), formats)
    data.activate()
    book.close()
    return out.getvalue()


def _formats(book) -> dict:
    return {"header": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
            "title": book.add_format({"bold": True, "font_size": 14}),
            "bold": book.add_format({"bold": True}),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
            "date": book.add_format({"num_format": "dd/mm/yyyy"}),
            "money": book.add_format({"num_format": "#,##0"}),
            "text": book.add_format({"num_format": "@"})}


def _write_cell(sheet, row: int, col: int, value: Any, fmt=None) -> None:
    """Every cell goes through here: text is written as text, never as a formula."""
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "ya" if value else "tidak", fmt)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value, fmt)
    elif isinstance(value, date):
        sheet.write_string(row, col, rules.day_text(value), fmt)
    else:
        sheet.write_string(row, col, neutralise_formula(str(value)), fmt)


def _write_table(sheet, headers: list[str], rows: list[tuple], formats: dict) -> None:
    for c, title in enumerate(headers):
        _write_cell(sheet, 0, c, title, formats["header"])
    for r, values in enumerate(rows, 1):
        for c, value in enumerate(values):
            _write_cell(sheet, r, c, value)
    for c, title in enumerate(headers):
        width = max([len(str(title)), *(len(str(v[c])) for v in rows)] or [10])
        sheet.set_column(c, c, min(max(width + 2, 10), 70))
    sheet.freeze_panes(1, 0)


def _code_sheets(conn: Connection, actor: Actor, kind: str) -> dict[str, tuple[list[str], list[tuple]]]:
    el, st = m.Election.__table__, m.Stage.__table__
    elections = conn.execute(select(el.c.code, el.c.name_id, el.c.has_nphd).order_by(el.c.order)).all()
    if kind == "nphd":
        elections = [e for e in elections if e.has_nphd]
    codes = [e.code for e in elections]
    sheets = {"Pemilihan": (["kode", "nama"], [(e.code, e.name_id) for e in elections]),
              "Wilayah": _region_sheet(conn, actor, codes)}
    if kind != "nphd":
        stages = conn.execute(select(st.c.election_code, st.c.code, st.c.name_id, st.c.start_date, st.c.end_date)
                              .where(st.c.election_code.in_(codes)).order_by(st.c.election_code, st.c.order)).all()
        sheets["Tahapan"] = (["pemilihan", "kode", "nama", "mulai", "selesai"], [tuple(s) for s in stages])
    for name, rows in CODE_LISTS[kind].items():
        sheets[name] = (["kode", "nama"], rows(conn))
    return sheets


def _codes(model, label, order) -> Callable[[Connection], list[tuple]]:
    return lambda conn: [tuple(r) for r in conn.execute(select(model.code, label).order_by(order))]


CODE_LISTS: dict[str, dict[str, Callable[[Connection], list[tuple]]]] = {
    "laporan": {"Status": lambda conn: list(rules.REPORT_STATUSES.items())},
    "hambatan": {"Kategori": _codes(m.ObstacleCategory, m.ObstacleCategory.name_id, m.ObstacleCategory.order),
                 "Tingkat": _codes(m.Severity, m.Severity.name_id, m.Severity.rank)},
    "nphd": {"Mitra": _codes(m.Counterparty, m.Counterparty.name_long, m.Counterparty.order)},
}


def _region_sheet(conn: Connection, actor: Actor, elections: list[str]) -> tuple[list[str], list[tuple]]:
    rg, er = m.Region.__table__, m.ElectionRegion.__table__
    regions = conn.execute(select(rg.c.code, rg.c.name, rg.c.kind).where(rg.c.level != "nation")
                           .order_by(rg.c.code)).all()
    taking_part = {tuple(r) for r in conn.execute(select(er.c.election_code, er.c.region_code))}
    rows = [(r.code, r.name, r.kind, *(((e, r.code) in taking_part) for e in elections))
            for r in regions if can_write_region(actor, r.code)]
    return ["kode", "nama", "jenis", *(f"ikut {e}" for e in elections)], rows


VALIDATION_SHEETS = {"election": "Pemilihan", "region": "Wilayah", "stage": "Tahapan", "status": "Status",
                     "category": "Kategori", "severity": "Tingkat", "counterparty": "Mitra"}


def _write_data_sheet(sheet, columns: list[Column], code_sheets: dict, formats: dict) -> None:
    last_row = MAX_ROWS
    for c, col in enumerate(columns):
        _write_cell(sheet, 0, c, col.name, formats["header"])
        fmt = {"date": formats["date"], "money": formats["money"], "number": None}.get(col.parse, formats["text"])
        sheet.set_column(c, c, max(len(col.name) + 4, 16), fmt)
        source = VALIDATION_SHEETS.get(col.parse)
        if source in code_sheets and code_sheets[source][1]:
            code_col = "B" if source == "Tahapan" else "A"
            count = len(code_sheets[source][1])
            sheet.data_validation(1, c, last_row, c, {
                "validate": "list", "source": f"={source}!${code_col}$2:${code_col}${count + 1}",
                "error_type": "warning", "error_title": "Kode tidak ada di daftar",
                "error_message": f"Lihat lembar {source} untuk kode yang sah."})
    sheet.freeze_panes(1, 0)


def _instruction_lines(kind: str, code_sheets: list[str]) -> list[str]:
    lines = [
        f"Templat impor Sipantau — {KINDS[kind]}",
        "",
        "Cara mengisi",
        "1. Isi lembar Data mulai baris 2; baris 1 adalah judul kolom dan tidak boleh diubah.",
        "2. Satu baris untuk satu data. Baris kosong diabaikan.",
        f"3. Tanggal ditulis {rules.DATE_PATTERN} (mis. 27/11/2024) atau sebagai tanggal Excel; paling awal "
        f"{rules.day_text(rules.EARLIEST_DATE)}, dan tanggal hambatan atau NPHD paling awal "
        f"{rules.ELECTION_LEAD_DAYS} hari sebelum tahapan pertama pemilihannya.",
        "4. Pemisah angka: progres ditulis 0–100 dengan paling banyak dua desimal, koma atau titik desimal (12,5 atau "
        "12.5), tanpa pemisah ribuan; rupiah ditulis bilangan bulat, dan titik atau koma yang diikuti tiga angka "
        "adalah pemisah ribuan (1.500.000.000). Nilai yang bisa dibaca dua cara, mis. progres 1.000, ditolak.",
        "5. Wilayah ditulis dengan kode Kemendagri (73.10) atau nama resminya; format kolom wilayah sebagai teks "
        "agar 73.10 tidak berubah menjadi 73,1. Angka tidak pernah dibulatkan: 73.099 ditolak.",
        f"6. Kode yang sah ada di lembar {', '.join(code_sheets)}; lembar Wilayah hanya memuat wilayah "
        "kewenangan Anda.",
        "7. Boleh juga disimpan sebagai CSV (pemisah ; atau ,; UTF-8 atau Windows-1252).",
        f"8. Paling banyak {row_limit()} baris data dan {size_text(byte_limit())} per berkas; teks paling banyak "
        f"{rules.MAX_TEXT} karakter (penanggung jawab {OWNER_CHARS}); rupiah paling banyak "
        f"{i18n.rupiah(rules.MAX_RUPIAH)}.",
        "9. Bila ada satu saja kesalahan, seluruh berkas ditolak dan tidak ada yang disimpan; daftar kesalahan "
        "menyebut baris dan kolomnya.",
        "10. Mengunggah ulang berkas yang sama (atau baris yang sama) tidak menggandakan data.",
        "11. Hanya lembar yang terlihat yang dibaca (lembar tersembunyi diabaikan). Bila lebih dari satu lembar "
        "terlihat berisi judul kolom impor, berkas ditolak: simpan data di lembar Data saja.",
    ]
    if kind == "nphd":
        lines.append(f"12. Satu baris per NPHD (wilayah × mitra). Pencairan ditulis di kolom tahap_N_jumlah dan "
                     f"tahap_N_tanggal; kolom tahap_3 sampai tahap_{MAX_TRANCHES} boleh ditambahkan bila perlu. "
                     "NPHD yang sudah tercatat dengan nilai lain dikoreksi lewat formulir.")
    return lines


def _write_instructions(sheet, kind: str, columns: list[Column], code_sheets: list[str], formats: dict) -> None:
    lines = _instruction_lines(kind, code_sheets)
    for r, line in enumerate(lines):
        _write_cell(sheet, r, 0, line, formats["title"] if r == 0 else formats["bold"] if line == "Cara mengisi"
                    else None)
    start = len(lines) + 1
    _write_cell(sheet, start, 0, "Kolom", formats["header"])
    for c, title in enumerate(["Wajib", "Isi", "Contoh"], 1):
        _write_cell(sheet, start, c, title, formats["header"])
    for r, col in enumerate(columns, start + 1):
        for c, value in enumerate([col.name, "wajib" if col.required else "boleh kosong", col.help, col.example]):
            _write_cell(sheet, r, c, value, formats["wrap"])
    for c, width in enumerate([24, 14, 70, 28]):
        sheet.set_column(c, c, width)

