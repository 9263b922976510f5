"""Bulk import of stage reports, obstacles and NPHD from CSV and Excel files.

The flow is one way and every step can refuse:

    parse_upload(filename, bytes)      file-level: size, kind of file, encoding, separator,
                                       empty file, header only, row limit → raw cells
    validate(conn, actor, kind, df)    headers, values (pandera, lazy: every problem at once),
                                       reference codes, scope, election window, in-file
                                       duplicates → ImportPreview with an error table
    commit(engine, actor, preview)     one write transaction through reports.add_*; any
                                       refused row rolls the whole file back

Errors name the row as the operator sees it in the spreadsheet (the header is row 1,
so the first data row is row 2), the column as written in the file, and the problem
in Bahasa Indonesia. Each row carries the idempotency key "import:" + sha256 of its
kind and normalised values, so uploading the same file, or the same rows in another
file or another format, stores nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pandera.pandas as pa
import xlsxwriter
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from sipantau import models as m
from sipantau import reports, rules, upload_guard
from sipantau.auth import WRITER_ROLES, Actor, can_write_region
from sipantau.config import settings
from sipantau.db import run_write
from sipantau.reports import InvalidInput, OutOfScope, Receipt
from sipantau.upload_guard import shown

KINDS = {"laporan": "Laporan tahapan", "hambatan": "Hambatan", "nphd": "NPHD (perjanjian hibah dan pencairan)"}
MAX_ROWS = 5000  # rows a template's drop-down lists cover (the import limit is settings().import_max_rows)
MAX_TRANCHES = 6  # reports.add_nphd_disbursement accepts tranches 1–6
TEMPLATE_TRANCHES = 2  # Pilkada NPHD is paid in two tranches; more columns may be added
WHOLE_ROW = "(seluruh baris)"
ERROR_COLUMNS = ["baris", "kolom", "pesan"]
# Test-only crash hook: after this many rows inside the commit transaction, pause.
PAUSE_ENV = "SIPANTAU_TEST_PAUSE_IMPORT_AFTER"
PAUSE_MARKER = "SIPANTAU_IMPORT_PAUSED"


# ---- results and refusals ----------------------------------------------------------


class ImportRefused(ValueError):
    """The file is refused as a whole; nothing was stored. `errors` has baris/kolom/pesan."""

    def __init__(self, message: str, errors: pd.DataFrame | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors if errors is not None else error_frame([(None, "", message)])


@dataclass
class ImportPreview:
    """A validated file: `rows` normalised (index = spreadsheet row), `errors` to show."""

    kind: str
    rows: pd.DataFrame
    errors: pd.DataFrame
    columns: dict[str, str] = field(default_factory=dict)  # canonical name → header in the file

    @property
    def ok(self) -> bool:
        return self.errors.empty


@dataclass
class ImportResult:
    kind: str
    rows: int
    stored: int  # records written now (an NPHD row may hold an agreement and its tranches)
    already_present: int  # records found stored already (same content imported before)
    receipts: list[Receipt]
    dry_run: bool = False

    @property
    def summary(self) -> str:
        verb = "akan disimpan (uji coba, tidak ada yang disimpan)" if self.dry_run else "disimpan"
        return (f"{KINDS[self.kind]}: {self.rows} baris diperiksa; {self.stored} data baru {verb}; "
                f"{self.already_present} data sudah tersimpan sebelumnya.")


def error_frame(errors: Iterable[tuple[int | None, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(errors), columns=ERROR_COLUMNS, dtype=object)
    frame["baris"] = frame["baris"].astype("Int64")
    return frame


def format_error(baris: Any, kolom: str, pesan: str) -> str:
    if baris is None or pd.isna(baris):
        return f"Kolom '{kolom}': {pesan}" if kolom else pesan
    return f"Baris {baris}, kolom '{kolom}': {pesan}" if kolom else f"Baris {baris}: {pesan}"


def neutralise_formula(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading quote (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def errors_csv(errors: pd.DataFrame) -> bytes:
    """The error table for download (UTF-8 with BOM, semicolons: opens cleanly in Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(ERROR_COLUMNS)
    for baris, kolom, pesan in errors[ERROR_COLUMNS].itertuples(index=False):
        writer.writerow(["" if pd.isna(baris) else int(baris), neutralise_formula(kolom), neutralise_formula(pesan)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ---- the columns of each kind ------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str  # canonical header (the template writes it so)
    parse: str  # text | election | region | stage | date | number | money | status | category | severity | counterparty
    required: bool
    help: str  # for the instruction sheet
    example: str
    not_future: bool = True  # for dates
    limit: int = rules.MAX_TEXT  # for text: characters, as the database column holds


OWNER_CHARS = m.Obstacle.__table__.c.owner.type.length  # what the column holds
ELECTION = Column("pemilihan", "election", True, "Kode pemilihan (lembar Pemilihan).", "pilkada-2024")
REGION = Column("wilayah", "region", True, "Kode Kemendagri (mis. 73.10) atau nama resmi wilayah "
                "(mis. Kabupaten Pangkajene dan Kepulauan), hanya wilayah kewenangan Anda (lembar Wilayah).", "73.10")
NOTE = Column("catatan", "text", False, "Keterangan singkat; boleh kosong.", "Rapat koordinasi dengan KPU")


def _tranche_columns(n: int) -> tuple[Column, Column]:
    return (Column(f"tahap_{n}_jumlah", "money", False, f"Jumlah pencairan tahap {n} dalam rupiah; kosongkan "
                   "bila belum cair.", "600.000.000" if n == 1 else ""),
            Column(f"tahap_{n}_tanggal", "date", False, f"Tanggal pencairan tahap {n} (DD/MM/YYYY); wajib bila "
                   "jumlahnya diisi.", "20/11/2023" if n == 1 else ""))


COLUMNS: dict[str, tuple[Column, ...]] = {
    "laporan": (
        ELECTION, REGION,
        Column("tahapan", "stage", True, "Kode tahapan pada pemilihan itu (lembar Tahapan).", "kampanye"),
        Column("tanggal_situasi", "date", True, "Tanggal keadaan yang dilaporkan (DD/MM/YYYY); di dalam masa "
               "pemilihan dan tidak di masa depan.", "24/10/2024"),
        Column("progres", "number", True, "Persentase 0–100, paling banyak dua desimal dengan koma atau titik "
               "(12,5 atau 12.5), tanpa pemisah ribuan; 1.000 ditolak karena bisa berarti 1 atau 1000.", "50"),
        Column("status", "status", True, "belum_mulai, berjalan, selesai atau terkendala (lembar Status). "
               "Selesai memerlukan progres 100; belum_mulai memerlukan progres 0.", "berjalan"),
        NOTE,
    ),
    "hambatan": (
        ELECTION, REGION,
        Column("tahapan", "stage", False, "Kode tahapan terkait (lembar Tahapan); boleh kosong.", "logistik"),
        Column("kategori", "category", True, "Kategori hambatan (lembar Kategori).", "logistik"),
        Column("tingkat", "severity", True, "Tingkat keparahan (lembar Tingkat).", "sedang"),
        Column("uraian", "text", True, "Uraian hambatan.", "Sebagian kotak suara rusak di gudang"),
        Column("penanggung_jawab", "text", True, f"Pihak yang menangani (paling banyak {OWNER_CHARS} karakter).",
               "KPU Kabupaten", limit=OWNER_CHARS),
        Column("tanggal_diketahui", "date", True, "Tanggal hambatan diketahui (DD/MM/YYYY); tidak di masa depan.",
               "20/11/2024"),
        Column("tenggat", "date", False, "Tenggat penyelesaian (DD/MM/YYYY); boleh kosong, tidak sebelum tanggal "
               "diketahui.", "25/11/2024", not_future=False),
    ),
    "nphd": (
        ELECTION, REGION,
        Column("mitra", "counterparty", True, "Mitra NPHD (lembar Mitra).", "KPU"),
        Column("nilai_nphd", "money", True, "Nilai NPHD dalam rupiah, bilangan bulat: 1500000000 atau dengan "
               "pemisah ribuan 1.500.000.000 (titik atau koma diikuti tiga angka selalu pemisah ribuan).",
               "1.500.000.000"),
        Column("tanggal_tanda_tangan", "date", False, "Tanggal NPHD ditandatangani (DD/MM/YYYY); wajib bila ada "
               "pencairan.", "10/11/2023"),
        NOTE,
        *(col for n in range(1, MAX_TRANCHES + 1) for col in _tranche_columns(n)),
    ),
}
# Headers offices commonly write for the same thing.
ALIASES = {
    "kode_wilayah": "wilayah", "nama_wilayah": "wilayah", "kode_pemilihan": "pemilihan", "kode_tahapan": "tahapan",
    "progres_persen": "progres", "progress": "progres", "tingkat_keparahan": "tingkat",
    "kategori_hambatan": "kategori", "nilai_nphd_rp": "nilai_nphd", "tanggal_ttd": "tanggal_tanda_tangan",
    "keterangan": "catatan",
}
# Columns that tell one kind from another when the kind is not given.
DISTINCTIVE = {
    "laporan": {"tanggal_situasi", "progres", "status"},
    "hambatan": {"kategori", "tingkat", "uraian", "penanggung_jawab", "tanggal_diketahui", "tenggat"},
    "nphd": {"mitra", "nilai_nphd", "tanggal_tanda_tangan", "tahap_1_jumlah", "tahap_1_tanggal"},
}


def header_key(name: Any) -> str:
    """'Tanggal Situasi ', 'TANGGAL-SITUASI' and 'tanggal_situasi' are one column."""
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    key = re.sub(r"[^0-9a-z]+", "_", ascii_name.lower()).strip("_")
    return ALIASES.get(key, key)


def template_columns(kind: str) -> list[Column]:
    hidden = {f"tahap_{n}_{part}" for n in range(TEMPLATE_TRANCHES + 1, MAX_TRANCHES + 1)
              for part in ("jumlah", "tanggal")}
    return [c for c in COLUMNS[_check_kind(kind)] if c.name not in hidden]


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ImportRefused(f"Jenis data {kind!r} tidak dikenal; pilihan: {', '.join(KINDS)}.")
    return kind


def infer_kind(headers: Iterable[str]) -> str:
    """The kind whose distinctive columns the file has most of; refused when unclear."""
    keys = {header_key(h) for h in headers}
    scores = {kind: len(cols & keys) for kind, cols in DISTINCTIVE.items()}
    best = max(scores.values())
    winners = [kind for kind, score in scores.items() if score == best]
    if best == 0 or len(winners) > 1:
        raise ImportRefused("Jenis data tidak dapat dikenali dari judul kolom. Pakai templat yang disediakan, "
                            f"atau sebutkan jenisnya ({', '.join(KINDS)}).")
    return winners[0]


# ---- parse: bytes → cells ----------------------------------------------------------

MAX_HEADER_CHARS = 100  # the longest template header is 22 characters


def guard_limits(max_rows: int | None = None) -> upload_guard.Limits:
    """What reading one upload may cost (settings import_max_memory_mb, import_max_seconds)."""
    limits = settings()
    return upload_guard.Limits(max_rows=max_rows or limits.import_max_rows, memory_mb=limits.import_max_memory_mb,
                               cpu_seconds=limits.import_max_seconds, wall_seconds=limits.import_max_seconds + 10)


def parse_upload(filename: str, content: bytes, *, max_bytes: int | None = None,
                 max_rows: int | None = None) -> pd.DataFrame:
    """Read the cells of a CSV or spreadsheet, detected by content, not by name.

    The file is read in a confined child process (sipantau.upload_guard), so a hostile file
    costs the server nothing but a refusal. Returns a frame of raw cells (object dtype) whose
    columns are the headers as written and whose index (`baris`) is the row number shown in
    the spreadsheet.
    """
    max_bytes = max_bytes or settings().import_max_bytes
    max_rows = max_rows or settings().import_max_rows
    name = shown(filename)
    if len(content) > max_bytes:
        raise ImportRefused(f"Berkas {name} berukuran {_size(len(content))}, melebihi batas {_size(max_bytes)}. "
                            "Bagi menjadi beberapa berkas.")
    if not content.strip():
        raise ImportRefused(f"Berkas {name} kosong.")
    try:
        book = upload_guard.read_upload(content, guard_limits(max_rows))
    except upload_guard.Refused as exc:
        raise ImportRefused(exc.message, error_frame([(exc.row, exc.column or "", exc.message)])) from exc
    return _frame(_data_sheet(book), max_rows)


def _size(n: int) -> str:
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


# ---- reference data for validation -------------------------------------------------


def code_key(value: Any) -> str:
    """Lenient key for codes and labels: 'Belum Mulai', 'belum-mulai', 'belum_mulai'."""
    return re.sub(r"[\s_\-]+", " ", str(value).strip().lower())


def name_key(value: Any) -> str:
    """Official names match exactly up to case and spacing."""
    return re.sub(r"\s+", " ", str(value).strip().lower())


@dataclass
class Reference:
    elections: dict[str, str]  # code_key(code or name) → code
    nphd_elections: set[str]
    regions: dict[str, str]  # code or name_key(name) → code
    region_names: dict[str, str]
    participants: set[tuple[str, str]]  # (election, region)
    stages: dict[tuple[str, str], tuple[int, str]]  # (election, code_key(code or name)) → (id, code)
    windows: dict[str, tuple[date, date]]
    lists: dict[str, dict[str, str]]  # status/category/severity/counterparty: code_key → code

    @classmethod
    def load(cls, conn: Connection) -> Reference:
        el, rg, st = m.Election.__table__, m.Region.__table__, m.Stage.__table__
        elections = conn.execute(select(el.c.code, el.c.name_id, el.c.has_nphd)).all()
        regions = conn.execute(select(rg.c.code, rg.c.name).where(rg.c.level != "nation")).all()
        stages = conn.execute(select(st.c.id, st.c.election_code, st.c.code, st.c.name_id, st.c.start_date,
                                     st.c.end_date)).all()
        er = m.ElectionRegion.__table__
        return cls(
            elections=_lookup((code, name) for code, name, _ in elections),
            nphd_elections={code for code, _, has_nphd in elections if has_nphd},
            regions={**{name_key(name): code for code, name in regions}, **{code: code for code, _ in regions}},
            region_names=dict(regions),
            participants={tuple(r) for r in conn.execute(select(er.c.election_code, er.c.region_code))},
            stages={(s.election_code, code_key(k)): (s.id, s.code) for s in stages for k in (s.name_id, s.code)},
            windows=_windows(stages),
            lists={
                "status": _lookup(reports.REPORT_STATUSES.items()),
                "category": _lookup(conn.execute(select(m.ObstacleCategory.code, m.ObstacleCategory.name_id))),
                "severity": _lookup(conn.execute(select(m.Severity.code, m.Severity.name_id))),
                "counterparty": _lookup(conn.execute(select(m.Counterparty.code, m.Counterparty.name))),
            },
        )


def _lookup(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, name in pairs:
        out[code_key(name)] = code
        out[code_key(code)] = code
    return out


def _windows(stages) -> dict[str, tuple[date, date]]:
    out: dict[str, tuple[date, date]] = {}
    for s in stages:
        first, last = out.get(s.election_code, (s.start_date, s.end_date))
        out[s.election_code] = (min(first, s.start_date), max(last, s.end_date))
    return out


# ---- normalise: raw cells → typed values (or an error per cell) ---------------------

MONTHS = {
    "jan": 1, "januari": 1, "january": 1, "feb": 2, "februari": 2, "february": 2, "mar": 3, "maret": 3, "march": 3,
    "apr": 4, "april": 4, "mei": 5, "may": 5, "jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7, "july": 7,
    "agu": 8, "agt": 8, "ags": 8, "aug": 8, "agustus": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oct": 10, "oktober": 10, "october": 10, "nov": 11, "nop": 11, "november": 11, "nopember": 11,
    "des": 12, "dec": 12, "desember": 12, "december": 12,
}
DATE_HINT = "tulis DD/MM/YYYY, mis. 27/11/2024"


class CellError(ValueError):
    """A cell whose value cannot be read as its column's type; the message is Bahasa Indonesia."""


def _as_text(value: Any) -> str:
    """A cell as text: whole numbers without '.0', dates as DD/MM/YYYY."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _show(value: Any) -> str:
    """A cell as a message may quote it: one line, shortened, no control characters."""
    return shown(_as_text(value))


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
        return date(1899, 12, 30) + timedelta(days=int(value))  # an Excel serial number left unformatted
    text = str(value).strip()
    for pattern, order in ((r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", "dmy"),
                           (r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?", "ymd"),
                           (r"(\d{1,2})[ \-]([A-Za-z]+)\.?[ \-](\d{4})", "dMy")):
        match = re.fullmatch(pattern, text)
        if match:
            return _make_date(match.groups(), order, value)
    raise CellError(f"{_show(value)!r} bukan tanggal; {DATE_HINT}.")


def _make_date(parts: tuple[str, ...], order: str, value: Any) -> date:
    values = dict(zip(order, parts, strict=True))
    month = MONTHS.get(values["M"].lower()) if "M" in values else int(values["m"])
    try:
        return date(int(values["y"]), month or 0, int(values["d"]))
    except ValueError as exc:
        raise CellError(f"{_show(value)!r} bukan tanggal yang ada; {DATE_HINT}.") from exc


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_number(value: Any) -> float:
    """Percent: a number cell, or text with at most two decimals after a comma or a point
    (12,5 or 12.5). Progress never needs a thousands separator, so '1.000' or '12,345' (a
    separator and three digits) could mean two things and is refused, not guessed."""
    if _is_number(value):
        return float(value)
    text = re.sub(r"[\s\xa0]", "", str(value)).removesuffix("%")
    if re.fullmatch(r"[+-]?\d+([.,]\d{1,2})?", text):
        return float(text.replace(",", "."))
    if re.fullmatch(r"[+-]?\d{1,3}([.,]\d{3})+", text):
        raise CellError(f"{_show(value)!r} tidak jelas: titik atau koma yang diikuti tiga angka bisa pemisah ribuan "
                        "atau desimal. Tulis progres tanpa pemisah ribuan, paling banyak dua desimal (mis. 1 atau "
                        "12,5).")
    raise CellError(f"harus angka 0–100 dengan paling banyak dua desimal, bukan {_show(value)!r}.")


def parse_money(value: Any) -> int:
    """Whole rupiah. A point or a comma followed by three digits groups thousands (1.500.000.000,
    1,500,000,000); followed by one or two digits it starts the cents, which must be zero
    (1.500.000,00). Anything else (1.500,000 or 1.000.00) is refused, not guessed."""
    if _is_number(value):
        if float(value).is_integer():
            return int(value)
        raise CellError(f"harus bilangan bulat rupiah, bukan {_show(value)}.")
    text = re.sub(r"(?i)^rp\.?|[\s\xa0]", "", str(value))
    match = re.fullmatch(r"(\d+|\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+)(?:([.,])(\d{1,2}))?", text)
    if match:
        whole, point, cents = match.groups()
        if point is None or point not in whole:
            if cents and int(cents):
                raise CellError(f"harus bilangan bulat rupiah, bukan {_show(value)!r}.")
            return int(re.sub(r"[.,]", "", whole))
    raise CellError(f"{_show(value)!r} bukan jumlah rupiah; tulis bilangan bulat, mis. 1500000000 atau "
                    "1.500.000.000.")


def parse_text(value: Any) -> str:
    return rules.clean_text(_as_text(value))


def parse_region(value: Any, ref: Reference) -> str:
    """A code as written ('73.10', '7310'), or the exact official name. A number cell is read
    as its shortest exact form, never rounded: Excel keeps 73.10 as 73.1, which is padded
    back, but 73.099 stays 73.099 and is refused."""
    if _is_number(value):
        text = _as_text(value) if float(value).is_integer() else repr(float(value))
        if re.fullmatch(r"\d{2}\.\d", text):
            text += "0"
        elif not re.fullmatch(r"\d+(\.\d{2})?", text):
            raise CellError(f"kode wilayah {text} (sel angka) bukan kode Kemendagri, dan angka tidak dibulatkan; "
                            "format kolom wilayah sebagai teks dan tulis kodenya, mis. 73.10.")
    else:
        text = str(value).strip()
    text = re.sub(r"^(\d{2})(\d{2})$", r"\1.\2", text)
    found = ref.regions.get(text) or ref.regions.get(name_key(text))
    if found:
        return found
    if re.fullmatch(r"\d{2}\.\d", text):
        raise CellError(f"kode wilayah {_show(text)!r} tidak lengkap; tulis dua digit setelah titik, mis. 73.10 atau "
                        "73.01 (format kolom sebagai teks).")
    return text  # unknown: the schema names it


def _parse_cell(col: Column, value: Any, ref: Reference, election: str | None) -> Any:
    if value is None:
        return None
    match col.parse:
        case "text":
            return parse_text(value)
        case "date":
            return parse_date(value)
        case "number":
            return parse_number(value)
        case "money":
            return parse_money(value)
        case "region":
            return parse_region(value, ref)
        case "election":
            return ref.elections.get(code_key(value), parse_text(value))
        case "stage":
            return _parse_stage(value, ref, election)
        case _:
            return ref.lists[col.parse].get(code_key(value), parse_text(value))


def _parse_stage(value: Any, ref: Reference, election: str | None) -> Any:
    if election not in ref.windows:
        return parse_text(value)  # the election's own error says enough
    found = ref.stages.get((election, code_key(value)))
    if found is None:
        raise CellError(f"tahapan {_show(value)!r} bukan tahapan {election}; lihat lembar Tahapan.")
    return found[1]


def _normalise(kind: str, raw: pd.DataFrame, ref: Reference) -> tuple[pd.DataFrame, list]:
    records, errors = [], []
    for baris, row in zip(raw.index, raw.to_dict("records"), strict=True):
        out: dict[str, Any] = {}
        for col in COLUMNS[kind]:
            try:
                out[col.name] = _parse_cell(col, row.get(col.name), ref, out.get("pemilihan"))
            except CellError as exc:
                out[col.name] = None
                errors.append((baris, col.name, str(exc)))
        records.append(out)
    frame = pd.DataFrame(records, index=raw.index, columns=[c.name for c in COLUMNS[kind]], dtype=object)
    return frame, errors


# ---- pandera: value checks, all at once --------------------------------------------

MESSAGES = {
    "not_nullable": "wajib diisi.",
    "unknown_election": "pemilihan {value!r} tidak dikenal; lihat lembar Pemilihan.",
    "unknown_region": "wilayah {value!r} tidak dikenal; tulis kode Kemendagri (mis. 73.10) atau nama resmi "
                      "(mis. Kabupaten Pangkajene dan Kepulauan).",
    "out_of_scope": "wilayah {value} di luar kewenangan pengguna {username}.",
    "progress_range": "harus angka 0–100, bukan {value}.",
    "unknown_status": "status {value!r} tidak dikenal; pilihan: " + ", ".join(reports.REPORT_STATUSES) + ".",
    "unknown_category": "kategori {value!r} tidak dikenal; lihat lembar Kategori.",
    "unknown_severity": "tingkat {value!r} tidak dikenal; lihat lembar Tingkat.",
    "unknown_counterparty": "mitra {value!r} tidak dikenal; lihat lembar Mitra.",
    "money_positive": "harus lebih dari 0 rupiah.",
    "money_too_large": "Rp{value} melebihi batas {limit}.",
    "text_too_long": "terlalu panjang ({length} karakter, paling banyak {limit}).",
    "future_date": "tanggal {value} masih di masa depan.",
    "date_too_early": "tanggal {value} terlalu awal; paling awal {limit}.",
}


def _rupiah(n: int) -> str:
    return "Rp" + _number(n)


def _message(check: str, value: Any, username: str) -> str:
    """The Bahasa Indonesia text of a failed check; a check named 'name:limit' carries its bound."""
    name, _, limit = check.partition(":")
    shown_value = _number(value) if name == "money_too_large" else _show(value)
    return MESSAGES.get(name, check).format(value=shown_value, username=username, limit=limit,
                                            length=_number(len(str(value))))


def _checks(col: Column, ref: Reference, actor: Actor) -> list[pa.Check]:
    today = reports.today()
    match col.parse:
        case "election":
            return [pa.Check.isin(sorted(set(ref.elections.values())), error="unknown_election")]
        case "region":
            return [pa.Check.isin(sorted(ref.region_names), error="unknown_region"),
                    pa.Check(lambda code: code not in ref.region_names or can_write_region(actor, code),
                             element_wise=True, error="out_of_scope")]
        case "number":
            return [pa.Check.in_range(0, 100, error="progress_range")]
        case "money":
            return [pa.Check.gt(0, error="money_positive"),
                    pa.Check.le(rules.MAX_RUPIAH, error=f"money_too_large:{_rupiah(rules.MAX_RUPIAH)}")]
        case "text":
            return [pa.Check(lambda s: len(s) <= col.limit, element_wise=True, error=f"text_too_long:{col.limit}")]
        case "date":
            early = pa.Check(lambda d: d >= rules.EARLIEST_DATE, element_wise=True,
                             error=f"date_too_early:{rules.EARLIEST_DATE:%d/%m/%Y}")
            future = pa.Check(lambda d: d <= today, element_wise=True, error="future_date")
            return [early, future] if col.not_future else [early]
        case "status" | "category" | "severity" | "counterparty":
            return [pa.Check.isin(sorted(set(ref.lists[col.parse].values())), error=f"unknown_{col.parse}")]
    return []


def schema(kind: str, ref: Reference, actor: Actor) -> pa.DataFrameSchema:
    return pa.DataFrameSchema({
        col.name: pa.Column(None, _checks(col, ref, actor), nullable=not col.required, required=False)
        for col in COLUMNS[kind]
    })


def _schema_errors(kind: str, frame: pd.DataFrame, ref: Reference, actor: Actor) -> list:
    try:
        schema(kind, ref, actor).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        return [(int(case.index), case.column, _message(case.check, case.failure_case, actor.username))
                for case in cases.itertuples(index=False) if case.column in frame.columns and pd.notna(case.index)]
    return []


# ---- checks across columns ----------------------------------------------------------


def _row_checks(kind: str, row: dict, ref: Reference) -> list[tuple[str, str]]:
    """Problems that need several columns; `row` holds only cells without errors."""
    errors = _participation(row, ref)
    if kind == "laporan":
        errors += _report_checks(row, ref)
    elif kind == "hambatan":
        due, found = row.get("tenggat"), row.get("tanggal_diketahui")
        if due and found and due < found:
            errors.append(("tenggat", f"tenggat {due:%d/%m/%Y} sebelum tanggal diketahui {found:%d/%m/%Y}."))
    else:
        errors += _nphd_checks(row, ref)
    return errors + _before_election(kind, row, ref)


# Dates of an election's records that may come before its first stage (preparation), but
# not by years: the bound is rules.earliest_record_date, shared with the write side.
ELECTION_DATES = {"hambatan": ("tanggal_diketahui", "tenggat"),
                  "nphd": ("tanggal_tanda_tangan", *(f"tahap_{n}_tanggal" for n in range(1, MAX_TRANCHES + 1)))}


def _before_election(kind: str, row: dict, ref: Reference) -> list[tuple[str, str]]:
    election = row.get("pemilihan")
    if election not in ref.windows:
        return []
    first = ref.windows[election][0]
    floor = rules.earliest_record_date(first)
    return [(name, f"tanggal {row[name]:%d/%m/%Y} terlalu awal untuk pemilihan {election}; paling awal "
                   f"{floor:%d/%m/%Y} ({rules.ELECTION_LEAD_DAYS} hari sebelum tahapan pertamanya, {first:%d/%m/%Y}).")
            for name in ELECTION_DATES.get(kind, ()) if row.get(name) and row[name] < floor]


def _participation(row: dict, ref: Reference) -> list[tuple[str, str]]:
    election, region = row.get("pemilihan"), row.get("wilayah")
    if election and region and (election, region) not in ref.participants:
        return [("wilayah", f"wilayah {region} ({ref.region_names[region]}) tidak mengikuti pemilihan {election}.")]
    return []


def _report_checks(row: dict, ref: Reference) -> list[tuple[str, str]]:
    errors = []
    when, election = row.get("tanggal_situasi"), row.get("pemilihan")
    if when and election:
        first, last = ref.windows[election]
        if not first <= when <= last:
            errors.append(("tanggal_situasi", f"tanggal {when:%d/%m/%Y} di luar masa pemilihan {election} "
                                              f"({first:%d/%m/%Y} s.d. {last:%d/%m/%Y})."))
    progress, status = row.get("progres"), row.get("status")
    if progress is not None and status == "selesai" and progress < 100:
        errors.append(("status", f"status selesai memerlukan progres 100, bukan {_show(progress)}."))
    elif progress is not None and status == "belum_mulai" and progress > 0:
        errors.append(("status", f"status belum_mulai memerlukan progres 0, bukan {_show(progress)}."))
    return errors


def _nphd_checks(row: dict, ref: Reference) -> list[tuple[str, str]]:
    errors = []
    election = row.get("pemilihan")
    if election and election not in ref.nphd_elections:
        errors.append(("pemilihan", f"pemilihan {election} tidak memakai NPHD."))
    signed, value, total = row.get("tanggal_tanda_tangan"), row.get("nilai_nphd"), 0
    for n in range(1, MAX_TRANCHES + 1):
        amount, when = row.get(f"tahap_{n}_jumlah"), row.get(f"tahap_{n}_tanggal")
        errors += _tranche_checks(n, amount, when, signed)
        total += amount or 0
    if value and total > value:
        errors.append(("nilai_nphd", f"total pencairan Rp{total:,} melebihi nilai NPHD Rp{value:,}."
                       .replace(",", ".")))
    return errors


def _tranche_checks(n: int, amount: int | None, when: date | None, signed: date | None) -> list[tuple[str, str]]:
    if amount is not None and when is None:
        return [(f"tahap_{n}_tanggal", f"tanggal pencairan tahap {n} wajib diisi bila jumlahnya diisi.")]
    if amount is None and when is not None:
        return [(f"tahap_{n}_jumlah", f"jumlah pencairan tahap {n} wajib diisi bila tanggalnya diisi.")]
    if amount is not None and signed is None:
        return [("tanggal_tanda_tangan", "wajib diisi bila ada pencairan (NPHD harus sudah ditandatangani).")]
    if when is not None and signed is not None and when < signed:
        return [(f"tahap_{n}_tanggal", f"tanggal pencairan {when:%d/%m/%Y} sebelum tanggal tanda tangan "
                                      f"{signed:%d/%m/%Y}.")]
    return []


def _cross_errors(kind: str, frame: pd.DataFrame, ref: Reference, errors: list) -> list:
    bad = {(baris, col) for baris, col, _ in errors}
    out = []
    for baris, row in zip(frame.index, frame.to_dict("records"), strict=True):
        clean = {k: v for k, v in row.items() if (baris, k) not in bad}
        out += [(baris, col, msg) for col, msg in _row_checks(kind, clean, ref)]
    return out


# ---- idempotency keys and in-file duplicates ----------------------------------------


def row_key(kind: str, values: Iterable[Any]) -> str:
    """'import:' + sha256 of the kind and the normalised values: same content, same key."""
    payload = json.dumps([kind, *(v.isoformat() if isinstance(v, date) else v for v in values)],
                         ensure_ascii=False, default=str)
    return "import:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


AGREEMENT_FIELDS = ("pemilihan", "wilayah", "mitra", "nilai_nphd", "tanggal_tanda_tangan", "catatan")
# Two rows about the same thing in one file: a duplicate even when other values differ.
SUBJECT = {"laporan": ("pemilihan", "wilayah", "tahapan", "tanggal_situasi"), "nphd": ("pemilihan", "wilayah", "mitra")}


def _keys(kind: str, frame: pd.DataFrame) -> pd.Series:
    fields = AGREEMENT_FIELDS if kind == "nphd" else [c.name for c in COLUMNS[kind]]
    return pd.Series([row_key(kind, (row[f] for f in fields)) for row in frame.to_dict("records")],
                     index=frame.index, dtype=object)


def tranche_key(row: dict, n: int) -> str:
    return row_key("nphd-pencairan", [row["pemilihan"], row["wilayah"], row["mitra"], n,
                                      row[f"tahap_{n}_jumlah"], row[f"tahap_{n}_tanggal"]])


def _stage_ids(frame: pd.DataFrame, ref: Reference) -> pd.Series:
    ids = [ref.stages.get((election, code_key(stage)), (None,))[0] if stage else None
           for election, stage in zip(frame["pemilihan"], frame["tahapan"], strict=True)]
    return pd.Series(ids, index=frame.index, dtype=object)  # object: ints stay ints beside None


def _duplicate_errors(kind: str, frame: pd.DataFrame, bad_rows: set) -> list:
    errors, first_key, first_subject = [], {}, {}
    subject = SUBJECT.get(kind)
    for baris, row in zip(frame.index, frame.to_dict("records"), strict=True):
        if baris in bad_rows:
            continue
        earlier = first_key.setdefault(row["kunci"], baris)
        if earlier != baris:
            errors.append((baris, WHOLE_ROW, f"baris ini sama dengan baris {earlier}; hapus salah satu."))
            continue
        if subject:
            same = first_subject.setdefault(tuple(row[f] for f in subject), baris)
            if same != baris:
                errors.append((baris, WHOLE_ROW, f"data untuk {_subject_text(kind, row)} sudah ada di baris "
                                                 f"{same} dengan isi berbeda; satukan menjadi satu baris."))
    return errors


def _subject_text(kind: str, row: dict) -> str:
    if kind == "laporan":
        return f"wilayah {row['wilayah']}, tahapan {row['tahapan']}, tanggal {row['tanggal_situasi']:%d/%m/%Y}"
    return f"wilayah {row['wilayah']} dan mitra {row['mitra']}"


# ---- validate -----------------------------------------------------------------------


def validate(conn: Connection, actor: Actor, kind: str | None, df: pd.DataFrame) -> ImportPreview:
    """Check every cell and row; the preview lists all problems at once (nothing written)."""
    if actor.role not in WRITER_ROLES:
        raise ImportRefused(f"Pengguna {actor.username} tidak berwenang mengimpor data.")
    kind = _check_kind(kind) if kind else infer_kind(df.columns)
    columns = {header_key(h): str(h) for h in df.columns}
    header_row = df.attrs.get("header_row", 1)
    errors = _header_errors(kind, columns, header_row)
    if errors:
        return _preview(kind, pd.DataFrame(), errors, columns)
    ref = Reference.load(conn)
    frame, errors = _normalise(kind, df.rename(columns=header_key), ref)
    errors += _schema_errors(kind, frame, ref, actor)
    errors += _cross_errors(kind, frame, ref, errors)
    frame["kunci"] = _keys(kind, frame)
    frame["stage_id"] = _stage_ids(frame, ref) if "tahapan" in frame.columns else None
    errors += _duplicate_errors(kind, frame, {baris for baris, _, _ in errors})
    return _preview(kind, frame, errors, columns)


def _header_errors(kind: str, columns: dict[str, str], header_row: int) -> list:
    known = {c.name for c in COLUMNS[kind]}
    errors = [(header_row, title, f"kolom tidak dikenal untuk {KINDS[kind].lower()}; kolom yang dikenal: "
                                  f"{', '.join(c.name for c in template_columns(kind))}.")
              for key, title in columns.items() if key not in known]
    errors += [(header_row, c.name, "kolom wajib tidak ada di baris judul.")
               for c in COLUMNS[kind] if c.required and c.name not in columns]
    return errors


def _preview(kind: str, frame: pd.DataFrame, errors: list, columns: dict[str, str]) -> ImportPreview:
    order = {name: i for i, name in enumerate(columns)}
    seen, unique = set(), []
    for baris, col, msg in errors:
        if (baris, col) not in seen:  # one problem per cell: the first found
            seen.add((baris, col))
            unique.append((baris, col, msg))
    unique.sort(key=lambda e: (e[0] or 0, order.get(e[1], len(order))))
    shown = [(baris, columns.get(col, col), msg) for baris, col, msg in unique]
    return ImportPreview(kind=kind, rows=frame, errors=error_frame(shown), columns=columns)


# ---- commit ------------------------------------------------------------------------

# reports.add_* field names → canonical column, per kind (anything else: the whole row).
FIELD_COLUMNS = {
    "laporan": {"wilayah": "wilayah", "tahapan": "tahapan", "tanggal situasi": "tanggal_situasi",
                "progres": "progres", "status": "status", "catatan": "catatan"},
    "hambatan": {"wilayah": "wilayah", "tahapan": "tahapan", "kategori": "kategori", "tingkat": "tingkat",
                 "uraian": "uraian", "penanggung jawab": "penanggung_jawab",
                 "tanggal diketahui": "tanggal_diketahui", "tenggat": "tenggat"},
    "nphd": {"wilayah": "wilayah", "pemilihan": "pemilihan", "mitra": "mitra", "nilai NPHD": "nilai_nphd",
             "tanggal tanda tangan": "tanggal_tanda_tangan", "catatan": "catatan"},
}


class _Rollback(Exception):
    pass


@dataclass
class _Outcome:
    receipts: list[Receipt] = field(default_factory=list)
    errors: list = field(default_factory=list)

    def add(self, baris: int, fields: dict[str, str], write: Callable[[], Receipt]) -> Receipt | None:
        """Run one add_*; a refusal becomes row errors (the transaction is rolled back later)."""
        try:
            receipt = write()
        except InvalidInput as exc:
            self.errors += [(baris, fields.get(name, WHOLE_ROW), msg) for name, msg in exc.errors.items()]
            return None
        except OutOfScope as exc:
            self.errors.append((baris, "wilayah", str(exc)))
            return None
        self.receipts.append(receipt)
        return receipt


def commit(engine: Engine, actor: Actor, preview: ImportPreview, *, dry_run: bool = False) -> ImportResult:
    """Store every row in one transaction, or none. With dry_run, roll back at the end."""
    if not preview.ok:
        raise ImportRefused(refusal_message(preview.errors), preview.errors)
    try:
        outcome = _commit_once(engine, actor, preview, dry_run)
    except IntegrityError:
        # A concurrent upload of the same rows committed first: now they are duplicates.
        outcome = _commit_once(engine, actor, preview, dry_run)
    if outcome.errors:
        errors = _preview(preview.kind, preview.rows, outcome.errors, preview.columns).errors
        raise ImportRefused(refusal_message(errors), errors)
    new = [r for r in outcome.receipts if not r.duplicate]
    return ImportResult(kind=preview.kind, rows=len(preview.rows), stored=len(new),
                        already_present=len(outcome.receipts) - len(new),
                        receipts=[] if dry_run else outcome.receipts, dry_run=dry_run)


def _commit_once(engine: Engine, actor: Actor, preview: ImportPreview, dry_run: bool) -> _Outcome:
    outcome = _Outcome()
    write_row = {"laporan": _write_report, "hambatan": _write_obstacle, "nphd": _write_nphd}[preview.kind]

    def work(conn: Connection) -> None:
        outcome.receipts.clear()  # run_write may retry a busy database from the start
        outcome.errors.clear()
        rows = zip(preview.rows.index, preview.rows.to_dict("records"), strict=True)
        for done, (baris, row) in enumerate(rows, 1):
            write_row(conn, actor, int(baris), _plain(row), outcome)
            _pause_for_tests(done)
        if outcome.errors or dry_run:
            raise _Rollback  # leaving write_tx by an exception rolls everything back

    try:
        run_write(engine, work)
    except _Rollback:
        pass
    return outcome


def _plain(row: dict) -> dict:
    """Python values for the add_* functions (no numpy scalars, None for blanks)."""
    return {k: (None if v is None or (isinstance(v, float) and v != v) else v) for k, v in row.items()}


def _pause_for_tests(done: int) -> None:
    """TEST-ONLY: with SIPANTAU_TEST_PAUSE_IMPORT_AFTER=n, stop inside the open transaction
    after n rows so a test can kill the process mid-commit. Unset in production."""
    after = os.environ.get(PAUSE_ENV)
    if after and after.isdigit() and done == int(after):
        print(PAUSE_MARKER, file=sys.stderr, flush=True)
        time.sleep(600)


def _write_report(conn: Connection, actor: Actor, baris: int, row: dict, outcome: _Outcome) -> None:
    outcome.add(baris, FIELD_COLUMNS["laporan"], lambda: reports.add_stage_report(
        conn, actor, region_code=row["wilayah"], stage_id=row["stage_id"],
        situation_date=row["tanggal_situasi"], progress=float(row["progres"]), status=row["status"],
        note=row["catatan"] or "", source="import", idempotency_key=row["kunci"]))


def _write_obstacle(conn: Connection, actor: Actor, baris: int, row: dict, outcome: _Outcome) -> None:
    outcome.add(baris, FIELD_COLUMNS["hambatan"], lambda: reports.add_obstacle(
        conn, actor, election_code=row["pemilihan"], region_code=row["wilayah"],
        stage_id=row["stage_id"], category_code=row["kategori"],
        severity_code=row["tingkat"], description=row["uraian"], owner=row["penanggung_jawab"],
        found_date=row["tanggal_diketahui"], due_date=row["tenggat"], source="import",
        idempotency_key=row["kunci"]))


def _write_nphd(conn: Connection, actor: Actor, baris: int, row: dict, outcome: _Outcome) -> None:
    agreement = _agreement(conn, actor, baris, row, outcome)
    if agreement is None:
        return
    for n in range(1, MAX_TRANCHES + 1):
        if row[f"tahap_{n}_jumlah"] is not None:
            _write_tranche(conn, actor, baris, row, n, agreement, outcome)


def _agreement(conn: Connection, actor: Actor, baris: int, row: dict, outcome: _Outcome) -> int | None:
    """The agreement this row describes: stored before (same key, or same value and signing
    date entered another way), or added now. A different stored agreement is refused."""
    if not can_write_region(actor, row["wilayah"]):
        outcome.errors.append((baris, "wilayah", str(OutOfScope(actor, row["wilayah"]))))
        return None
    current = reports.current_agreement(conn, row["pemilihan"], row["wilayah"], row["mitra"])
    if current is not None and _id_by_key(conn, reports.na, row["kunci"]) is None:
        if (current["agreed_value"], current["signed_date"]) != (row["nilai_nphd"], row["tanggal_tanda_tangan"]):
            outcome.errors.append((baris, WHOLE_ROW, f"NPHD {row['mitra']} untuk wilayah {row['wilayah']} sudah "
                                   f"tercatat (#{current['id']}) dengan nilai atau tanggal tanda tangan lain; "
                                   "perbaiki lewat formulir koreksi NPHD."))
            return None
        outcome.receipts.append(Receipt("nphd_agreement", current["id"], current["recorded_at"], duplicate=True))
        return current["id"]
    receipt = outcome.add(baris, FIELD_COLUMNS["nphd"], lambda: reports.add_nphd_agreement(
        conn, actor, election_code=row["pemilihan"], region_code=row["wilayah"], counterparty_code=row["mitra"],
        agreed_value=int(row["nilai_nphd"]), signed_date=row["tanggal_tanda_tangan"], note=row["catatan"] or "",
        source="import", idempotency_key=row["kunci"]))
    return receipt.id if receipt else None


def _id_by_key(conn: Connection, table, key: str) -> int | None:
    return conn.execute(select(table.c.id).where(table.c.idempotency_key == key)).scalar()


def _write_tranche(conn: Connection, actor: Actor, baris: int, row: dict, n: int, agreement_id: int,
                   outcome: _Outcome) -> None:
    amount, when, key = int(row[f"tahap_{n}_jumlah"]), row[f"tahap_{n}_tanggal"], tranche_key(row, n)
    stored = _stored_tranche(conn, agreement_id, n) if _id_by_key(conn, reports.nd, key) is None else None
    if stored is not None:
        if (stored["amount"], stored["disbursed_date"]) == (amount, when):
            outcome.receipts.append(Receipt("nphd_disbursement", stored["id"], stored["recorded_at"], True))
        else:
            outcome.errors.append((baris, f"tahap_{n}_jumlah", f"pencairan tahap {n} sudah tercatat "
                                   f"(#{stored['id']}) dengan jumlah atau tanggal lain; perbaiki lewat formulir "
                                   "koreksi NPHD."))
        return
    fields = {"tahap": f"tahap_{n}_jumlah", "jumlah": f"tahap_{n}_jumlah", "NPHD": "tanggal_tanda_tangan",
              "tanggal pencairan": f"tahap_{n}_tanggal"}
    outcome.add(baris, fields, lambda: reports.add_nphd_disbursement(
        conn, actor, agreement_id=agreement_id, tranche=n, amount=amount, disbursed_date=when, source="import",
        idempotency_key=key))


def _stored_tranche(conn: Connection, agreement_id: int, tranche: int) -> dict | None:
    """The current disbursement of this tranche under any version of the agreement."""
    na, nd = reports.na, reports.nd
    agreement = conn.execute(select(na).where(na.c.id == agreement_id)).mappings().one()
    versions = select(na.c.id).where(*(na.c[k] == agreement[k] for k in ("election_code", "region_code",
                                                                         "counterparty_code")))
    newer = nd.alias("newer")
    q = (select(nd).where(nd.c.agreement_id.in_(versions), nd.c.tranche == tranche)
         .where(~select(newer.c.id).where(newer.c.replaces_id == nd.c.id).exists())
         .order_by(nd.c.id.desc()).limit(1))
    row = conn.execute(q).mappings().first()
    return dict(row) if row else None


def refusal_message(errors: pd.DataFrame) -> str:
    rows = errors["baris"].dropna().nunique()
    where = f" pada {rows} baris" if rows else ""
    return f"Berkas ditolak: {len(errors)} masalah{where}. Tidak ada data yang disimpan; perbaiki lalu unggah lagi."


# ---- one call for the CLI and the page ----------------------------------------------


def import_file(engine: Engine, actor: Actor, kind: str | None, filename: str, content: bytes,
                dry_run: bool = False, *, max_bytes: int | None = None, max_rows: int | None = None) -> ImportResult:
    """Parse, validate and store a whole file, or refuse it (ImportRefused) storing nothing."""
    frame = parse_upload(filename, content, max_bytes=max_bytes, max_rows=max_rows)
    with engine.connect() as conn:
        preview = validate(conn, actor, kind, frame)
    return commit(engine, actor, preview, dry_run=dry_run)


# ---- templates ----------------------------------------------------------------------


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
        sheet.write_string(row, col, f"{value:%d/%m/%Y}", fmt)
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
    "laporan": {"Status": lambda conn: list(reports.REPORT_STATUSES.items())},
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
        "3. Tanggal ditulis DD/MM/YYYY (mis. 27/11/2024) atau sebagai tanggal Excel; paling awal "
        f"{rules.EARLIEST_DATE:%d/%m/%Y}, dan tanggal hambatan atau NPHD paling awal {rules.ELECTION_LEAD_DAYS} hari "
        "sebelum tahapan pertama pemilihannya.",
        "4. Pemisah angka: progres ditulis 0–100 dengan paling banyak dua desimal, koma atau titik desimal (12,5 atau "
        "12.5), tanpa pemisah ribuan; rupiah ditulis bilangan bulat, dan titik atau koma yang diikuti tiga angka "
        "adalah pemisah ribuan (1.500.000.000). Nilai yang bisa dibaca dua cara, mis. progres 1.000, ditolak.",
        "5. Wilayah ditulis dengan kode Kemendagri (73.10) atau nama resminya; format kolom wilayah sebagai teks "
        "agar 73.10 tidak berubah menjadi 73,1. Angka tidak pernah dibulatkan: 73.099 ditolak.",
        f"6. Kode yang sah ada di lembar {', '.join(code_sheets)}; lembar Wilayah hanya memuat wilayah "
        "kewenangan Anda.",
        "7. Boleh juga disimpan sebagai CSV (pemisah ; atau ,; UTF-8 atau Windows-1252).",
        f"8. Paling banyak {settings().import_max_rows} baris data dan {_size(settings().import_max_bytes)} "
        f"per berkas; teks paling banyak {rules.MAX_TEXT} karakter (penanggung jawab {OWNER_CHARS}); rupiah paling "
        f"banyak {_rupiah(rules.MAX_RUPIAH)}.",
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
