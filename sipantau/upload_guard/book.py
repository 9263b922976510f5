"""Reading the book in the child: which kind of file it is (by its first bytes), CSV read with the
standard library, and xlsx/xls/ods read with python_calamine once a zip package has passed its
scan. Only visible worksheets, cells as written, at most the row limit (+1, so the caller can say
so). Imports the standard library, python_calamine (when a workbook is read) and the package.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

from sipantau.upload_guard.cells import _Budget, _Extent, _Rows
from sipantau.upload_guard.limits import NOT_SPREADSHEET, Limits, Refused, _number
from sipantau.upload_guard.package import check_package

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # xls (and password-protected xlsx)
BINARY_MAGIC = {
    b"\x89PNG": "gambar PNG", b"%PDF": "dokumen PDF", b"\xff\xd8\xff": "gambar JPEG", b"GIF8": "gambar GIF",
    b"Rar!": "arsip RAR", b"\x1f\x8b": "arsip GZIP", b"7z\xbc\xaf": "arsip 7-Zip", b"RIFF": "berkas media",
    b"\x7fELF": "program", b"MZ": "program Windows",
}


def read_book(content: bytes, limits: Limits) -> dict:
    """What `read_upload` returns, read here in the calling process (the child, or a benchmark)."""
    if content.startswith(ZIP_MAGIC):
        return _read_workbook(content, check_package(content, limits), limits)
    if content.startswith(OLE2_MAGIC):
        return _read_workbook(content, "xls", limits)
    return _read_csv(content, limits)


# ---- CSV -----------------------------------------------------------------------------------


def _read_csv(content: bytes, limits: Limits) -> dict:
    kind = next((name for magic, name in BINARY_MAGIC.items() if content.startswith(magic)), None)
    if kind:
        raise Refused(f"Berkas ini {kind}, bukan spreadsheet (CSV, XLSX, XLS atau ODS).")
    text, sep = _separator(_decode(content))
    # Cells are bounded by the caller (row and column named), not by the csv module's
    # English "field larger than field limit".
    csv.field_size_limit(max(len(text), 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows = _Rows(limits, "", _Budget())
    try:
        for number, cells in enumerate(reader, 1):
            if not rows.add(number, cells):
                break
    except csv.Error as exc:
        raise Refused(f"Baris {reader.line_num}: CSV tidak dapat dibaca; periksa tanda kutip pada baris itu.",
                      reader.line_num) from exc
    return {"format": "csv", "sheets": [{"name": "", "rows": rows.rows}], "hidden": []}


def _decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = content.decode("utf-16", errors="replace")
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise Refused(NOT_SPREADSHEET + " Pengodean teksnya tidak dikenal; simpan sebagai CSV UTF-8.") from exc
    controls = len(re.findall(r"[\x00-\x08\x0b\x0e-\x1f]", text))
    if "\x00" in text or controls > len(text) // 100:
        raise Refused(NOT_SPREADSHEET)
    return text


def _separator(text: str) -> tuple[str, str]:
    """Excel's 'sep=;' line (hidden by Excel, so not a row), else the commonest of ; , tab in the header."""
    first, _, rest = text.lstrip("\r\n").partition("\n")
    declared = re.fullmatch(r"sep=(.)\r?", first)
    if declared:
        return rest, declared.group(1)
    counts = {sep: first.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return text, best if counts[best] else ","


# ---- the spreadsheet library, on what passed the checks ------------------------------------


def _read_workbook(content: bytes, fmt: str, limits: Limits) -> dict:
    import python_calamine as pc

    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = [s for s in book.sheets_metadata if s.typ == pc.SheetTypeEnum.WorkSheet]
        if len(sheets) > limits.max_sheets:
            raise Refused(f"Berkas berisi {_number(len(sheets))} lembar kerja, melebihi batas {limits.max_sheets}.")
        visible = [s.name for s in sheets if s.visible == pc.SheetVisibleEnum.Visible]
        budget = _Budget()
        return {"format": fmt, "hidden": [s.name for s in sheets if s.visible != pc.SheetVisibleEnum.Visible],
                "sheets": [{"name": name, "rows": _sheet_rows(book.get_sheet_by_name(name), name, limits, budget)}
                           for name in visible]}
    except pc.PasswordError as exc:
        raise Refused("Berkas Excel dilindungi kata sandi; simpan tanpa kata sandi lalu unggah lagi.") from exc
    except pc.CalamineError as exc:
        raise Refused(NOT_SPREADSHEET) from exc


def _sheet_rows(sheet, name: str, limits: Limits, budget: _Budget) -> list:
    # A second look for formats without a pre-scan (xls): refuse before cells become Python objects.
    _Extent(limits, name).check(sheet.height, sheet.width, "sel berisi data membentang")
    rows, pad = _Rows(limits, name, budget), [None] * sheet.start[1]
    # iter_rows starts at row 1 but at the sheet's first used column: pad so that column
    # numbers in messages are the spreadsheet's.
    for number, cells in enumerate(sheet.iter_rows(), 1):
        if not rows.add(number, pad + [None if c == "" else c for c in cells]):
            break
    return rows.rows
