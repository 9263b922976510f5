"""Upload → raw cells. The bytes are read by the confined child of `sipantau.upload_guard`
(kind of file from its content, encoding, separator, sheets), then the one sheet that holds
import data becomes a frame of raw cells: columns are the headers as written, the index is
the row number the spreadsheet shows. Every step can refuse the file as a whole."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from sipantau import rules, upload_guard
from sipantau.ingest.columns import DISTINCTIVE, header_key
from sipantau.ingest.refusals import ImportRefused, error_frame, refusal_message
from sipantau.rules import shown

MAX_BYTES = 5 * 1024 * 1024  # override with SIPANTAU_IMPORT_MAX_BYTES
MAX_ROWS = 5000  # override with SIPANTAU_IMPORT_MAX_ROWS
MAX_HEADER_CHARS = 100  # the longest template header is 22 characters


def _limit(name: str, default: int) -> int:
    value = os.environ.get(f"SIPANTAU_IMPORT_{name}", "")
    return int(value) if value.isdigit() and int(value) > 0 else default


def row_limit() -> int:
    """Data rows one file may hold (what the templates' instructions say)."""
    return _limit("MAX_ROWS", MAX_ROWS)


def byte_limit() -> int:
    return _limit("MAX_BYTES", MAX_BYTES)


def guard_limits(max_rows: int | None = None) -> upload_guard.Limits:
    """What reading one upload may cost (SIPANTAU_IMPORT_MAX_MEMORY_MB, _MAX_SECONDS)."""
    seconds = _limit("MAX_SECONDS", upload_guard.Limits.cpu_seconds)
    return upload_guard.Limits(max_rows=max_rows or _limit("MAX_ROWS", MAX_ROWS),
                               memory_mb=_limit("MAX_MEMORY_MB", upload_guard.Limits.memory_mb),
                               cpu_seconds=seconds, wall_seconds=seconds + 10)


def parse_upload(filename: str, content: bytes, *, max_bytes: int | None = None,
                 max_rows: int | None = None) -> pd.DataFrame:
    """Read the cells of a CSV or spreadsheet, detected by content, not by name.

    The file is read in a confined child process (sipantau.upload_guard), so a hostile file
    costs the server nothing but a refusal. Returns a frame of raw cells (object dtype) whose
    columns are the headers as written and whose index (`baris`) is the row number shown in
    the spreadsheet.
    """
    max_bytes = max_bytes or _limit("MAX_BYTES", MAX_BYTES)
    max_rows = max_rows or _limit("MAX_ROWS", MAX_ROWS)
    name = shown(filename)
    if len(content) > max_bytes:
        raise ImportRefused(f"Berkas {name} berukuran {size_text(len(content))}, melebihi batas "
                            f"{size_text(max_bytes)}. Bagi menjadi beberapa berkas.")
    if not content.strip():
        raise ImportRefused(f"Berkas {name} kosong.")
    try:
        book = upload_guard.read_upload(content, guard_limits(max_rows))
    except upload_guard.Refused as exc:
        raise ImportRefused(exc.message, error_frame([(exc.row, exc.column or "", exc.message)])) from exc
    return _frame(_data_sheet(book), max_rows)


def size_text(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB".replace(".", ",") if n >= 100_000 else f"{n:,} bita".replace(",", ".")


def _data_sheet(book: dict) -> list:
    """The rows of the one visible sheet that holds import data. Hidden sheets are never read
    (the operator does not see them); two visible sheets with import headers are refused
    rather than one chosen. Without any, the template's sheet 'Data', else the first visible
    sheet, whose own problems are then reported."""
    sheets = book["sheets"]
    hidden = ", ".join(f"'{shown(n)}'" for n in book["hidden"])
    if not sheets:
        raise ImportRefused("Berkas Excel tidak berisi lembar kerja yang terlihat"
                            + (f"; lembar tersembunyi ({hidden}) tidak dibaca." if hidden else "."))
    bearing = [s for s in sheets if _has_import_header(s["rows"])]
    if len(bearing) > 1:
        names = ", ".join(f"'{shown(s['name'])}'" for s in bearing)
        raise ImportRefused(f"Berkas berisi beberapa lembar dengan data impor: {names}. Sipantau membaca satu lembar "
                            "saja; pindahkan semua baris ke satu lembar (Data), lalu hapus lembar lainnya.")
    if bearing:
        return bearing[0]["rows"]
    if hidden:
        raise ImportRefused(f"Tidak ada lembar terlihat yang berisi judul kolom impor. Lembar tersembunyi tidak dibaca: "
                            f"{hidden}; bila datanya di sana, tampilkan lembarnya (klik kanan nama lembar → "
                            "Perlihatkan/Unhide) lalu unggah lagi.")
    return next((s for s in sheets if str(s["name"]).strip().lower() == "data"), sheets[0])["rows"]


def _has_import_header(rows: list) -> bool:
    """The sheet's first non-blank row names a column only import data has (the template's
    instruction and code sheets do not)."""
    if not rows:
        return False
    headers = {header_key(_clean(c)) for c in rows[0][1] if _clean(c) is not None}
    return bool(headers & set().union(*DISTINCTIVE.values()))


def _clean(cell: Any) -> Any:
    """A cell as stored: text cleaned by the shared rule (rules.clean_text), blank as None."""
    if isinstance(cell, str):
        return rules.clean_text(cell) or None
    if isinstance(cell, float) and cell != cell:
        return None
    return cell


def _frame(rows: Iterable[tuple[int, list]], max_rows: int) -> pd.DataFrame:
    header, header_row, data = None, 0, []
    for number, cells in rows:
        cells = [_clean(c) for c in cells]
        if all(c is None for c in cells):
            continue  # blank rows (trailing or between) are not data
        if header is None:
            header, header_row = _titles(cells, number), number
            continue
        data.append((number, cells))
        if len(data) > max_rows:
            raise ImportRefused(f"Berkas berisi lebih dari {max_rows} baris data (batas {max_rows} baris). "
                                "Bagi menjadi beberapa berkas.")
    if header is None:
        raise ImportRefused("Berkas kosong: tidak ada judul kolom maupun data.")
    if not data:
        raise ImportRefused("Berkas hanya berisi judul kolom, tanpa baris data.")
    keep = _header_columns(header, data)
    _check_cell_sizes(header, keep, data)
    frame = pd.DataFrame([[_cell(cells, i) for i in keep] for _, cells in data],
                         columns=[str(header[i]) for i in keep], index=pd.Index([n for n, _ in data], name="baris"),
                         dtype=object)
    frame.attrs["header_row"] = header_row
    return frame


def _titles(cells: list, row: int) -> list:
    """Header cells as they are shown in messages (one line); an overlong one refuses the file."""
    for i, title in enumerate(cells):
        if title is not None and len(str(title)) > MAX_HEADER_CHARS:
            message = (f"judul kolom ke-{i + 1} terlalu panjang ({_number(len(str(title)))} karakter, paling banyak "
                       f"{MAX_HEADER_CHARS}); baris judul memuat nama kolom saja.")
            raise ImportRefused(f"Baris {row}: {message}", error_frame([(row, f"kolom ke-{i + 1}", message)]))
    return [None if title is None else re.sub(r"\s+", " ", str(title)) for title in cells]


def _check_cell_sizes(header: list, keep: list[int], data: list[tuple[int, list]]) -> None:
    """No cell longer than Excel allows in one cell, whatever the format (CSV has no limit)."""
    limit = upload_guard.Limits.max_cell_chars
    errors = [(number, header[i], f"isi sel {_number(len(cells[i]))} karakter, melebihi batas {_number(limit)} "
               "karakter per sel.")
              for number, cells in data for i in keep if isinstance(_cell(cells, i), str) and len(cells[i]) > limit]
    if errors:
        raise ImportRefused(refusal_message(error_frame(errors)), error_frame(errors))


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _cell(cells: list, i: int) -> Any:
    return cells[i] if i < len(cells) else None


def _header_columns(header: list, data: list[tuple[int, list]]) -> list[int]:
    """Positions of titled columns; a value under no title, or a title twice, refuses the file."""
    width = max(len(header), *(len(cells) for _, cells in data))
    keep, seen = [], {}
    for i in range(width):
        title = header[i] if i < len(header) else None
        if title is None:
            filled = next((n for n, cells in data if _cell(cells, i) is not None), None)
            if filled is not None:
                message = (f"ada nilai di kolom ke-{i + 1} yang tidak berjudul. Periksa pemisah kolom (; atau ,) "
                           "dan tanda kutip, atau beri judul kolomnya.")
                raise ImportRefused(f"Baris {filled}: {message}", error_frame([(filled, f"kolom ke-{i + 1}", message)]))
            continue
        key = header_key(title)
        if key in seen:
            raise ImportRefused(f"Judul kolom '{seen[key]}' dan '{title}' berarti kolom yang sama; hapus salah satu.")
        seen[key] = str(title)
        keep.append(i)
    return keep
