"""Reading an uploaded spreadsheet without trusting it.

`read_upload(content, limits)` runs the parse in a child process (this module, started as
`python -I`) and returns the cells of the visible worksheets, or raises `Refused` with a
message in Bahasa Indonesia. The child

1. confines itself first: address space (RLIMIT_AS), CPU time, no files written, no core;
2. checks what the file really unpacks to before the spreadsheet library builds anything:
   zip members (count, inflated size measured by inflating, not as the header claims, and
   ratio), XML (no DTD, depth), sheets (declared range, the range and count of cells that
   hold a value, columns), strings (count, length of one cell);
3. reads only visible worksheets with python_calamine, cells as written (numbers stay
   numbers, text stays text), and at most the row limit (+1, so the caller can say so).

Whatever the file does, the caller gets cells or a message: a child that runs out of memory
or time is reported as a file too large or too slow to read, and the server process never
holds more than the cells. The child imports only the standard library, python_calamine and
sipantau.rules (no pandas, no database), so it starts in tens of milliseconds.
"""

from __future__ import annotations

import codecs
import copy
import csv
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import zipfile
import zlib
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from xml.parsers import expat

from sipantau.rules import shown

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
NOT_SPREADSHEET = "Berkas ini bukan spreadsheet (CSV, XLSX, XLS atau ODS)."
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # xls (and password-protected xlsx)
BINARY_MAGIC = {
    b"\x89PNG": "gambar PNG", b"%PDF": "dokumen PDF", b"\xff\xd8\xff": "gambar JPEG", b"GIF8": "gambar GIF",
    b"Rar!": "arsip RAR", b"\x1f\x8b": "arsip GZIP", b"7z\xbc\xaf": "arsip 7-Zip", b"RIFF": "berkas media",
    b"\x7fELF": "program", b"MZ": "program Windows",
}
MEMORY_EXIT = 3  # the child's exit status when Python itself ran out of memory
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """What one upload may cost. Defaults fit the largest honest file (5,000 rows of the widest
    template, long notes) many times over; see README "Impor: berkas yang ditolak"."""

    max_rows: int = 5000  # data rows (the header and blank rows are extra)
    max_columns: int = 200  # the widest template has 18
    max_cells: int = 500_000  # cells holding a value in one sheet, and the area they span
    max_cell_chars: int = 32_767  # Excel's own limit for one cell: longer text is not from Excel
    # Text of all the cells read, all sheets (one shared string may fill many cells): 5,000
    # rows of 4,000-character notes are 20 million; this bounds what the child sends the server.
    max_text_chars: int = 24_000_000
    max_sheets: int = 100
    max_members: int = 1000  # files inside an .xlsx/.ods (a template has 14)
    max_member_bytes: int = 64 * MIB  # one member, inflated
    max_unpacked_bytes: int = 128 * MIB  # all members, inflated
    max_ratio: int = 200  # inflated/compressed, for members over 1 MiB (XML deflates 5–20×)
    max_xml_depth: int = 64  # spreadsheet XML nests about 8 deep
    memory_mb: int = 512  # address space of the child
    cpu_seconds: int = 20
    wall_seconds: int = 30
    max_parallel: int = 2  # children at once per server process


class Refused(Exception):
    """The upload is refused; `row`/`column` say where when the problem is in one place."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.message, self.row, self.column = message, row, column


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# ---- the parent: run the child, turn its fate into a message ------------------------------

_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def _slot(limits: Limits) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _slots.setdefault(limits.max_parallel, threading.BoundedSemaphore(limits.max_parallel))


def read_upload(content: bytes, limits: Limits = Limits()) -> dict:
    """{"format": csv|xlsx|xls|ods, "sheets": [{"name", "rows": [[row number, cells]]}],
    "hidden": [names]}: the visible worksheets (blank rows left out) and the hidden ones' names."""
    slot = _slot(limits)
    if not slot.acquire(timeout=limits.wall_seconds):
        raise Refused("Server sedang membaca berkas lain; coba unggah lagi sebentar lagi.")
    try:
        return _run_child(content, limits)
    finally:
        slot.release()


def child_command(limits: Limits) -> list[str]:
    """The reader's command line: isolated Python (-I: no environment, no user site, no
    current directory on the path) running main() of this module."""
    bootstrap = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from sipantau.upload_guard import main; main()"
    return [sys.executable, "-I", "-c", bootstrap, json.dumps(asdict(limits))]


def _run_child(content: bytes, limits: Limits) -> dict:
    try:
        done = subprocess.run(child_command(limits), input=content, capture_output=True,
                              timeout=limits.wall_seconds, env={"LC_ALL": "C.UTF-8"})
    except subprocess.TimeoutExpired as exc:
        raise Refused(_too_slow(limits.wall_seconds)) from exc
    if done.returncode == 0:
        try:
            return _decode_result(done.stdout)
        except ValueError:
            pass
    raise Refused(_fate(done.returncode, done.stderr, limits))


def _fate(returncode: int, stderr: bytes, limits: Limits) -> str:
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return _too_slow(limits.cpu_seconds)
    if returncode in (MEMORY_EXIT, -signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS):
        # Rust aborts ("memory allocation of N bytes failed") where Python raises MemoryError.
        return (f"Berkas terlalu besar untuk dibaca: membukanya memerlukan lebih dari {limits.memory_mb} MB memori. "
                "Berkas ini mungkin rusak atau dibuat berlebihan; buka di Excel, simpan ulang sebagai .xlsx atau "
                "CSV, atau bagi menjadi beberapa berkas.")
    log.warning("upload reader ended with status %s: %s", returncode, stderr[-2000:].decode("utf-8", "replace"))
    return NOT_SPREADSHEET + " Berkas tidak dapat dibaca."


def _too_slow(seconds: int) -> str:
    return (f"Berkas terlalu lama dibaca (lebih dari {seconds} detik). Berkas ini mungkin rusak atau "
            "dibuat berlebihan; buka di Excel, simpan ulang sebagai .xlsx atau CSV, atau bagi menjadi beberapa berkas.")


# Cells cross the pipe as JSON; dates and times are tagged so they come back as themselves.
_TAGS = {"d": date.fromisoformat, "dt": datetime.fromisoformat, "t": time.fromisoformat,
         "td": lambda s: timedelta(seconds=float(s))}


def _encode_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, time):
        return {"t": value.isoformat()}
    if isinstance(value, timedelta):
        return {"td": value.total_seconds()}
    raise TypeError(type(value).__name__)


def _decode_cell(obj: dict) -> Any:
    (tag, value), = obj.items()
    return _TAGS[tag](value)


def _decode_result(stdout: bytes) -> dict:
    result = json.loads(stdout.decode("utf-8", "surrogatepass"), object_hook=lambda o: _decode_cell(o) if len(o) == 1 and next(iter(o)) in _TAGS
                        else o)
    if "refused" in result:
        raise Refused(**result["refused"])
    return result


# ---- the child ---------------------------------------------------------------------------


def main() -> None:
    """Child entry: limits as JSON in argv[1], the file on stdin, the result as JSON on stdout."""
    limits = Limits(**json.loads(sys.argv[1]))
    _confine(limits)
    content = sys.stdin.buffer.read()
    try:
        output = _dumps(read_book(content, limits))
    except Refused as exc:
        output = _dumps({"refused": {"message": exc.message, "row": exc.row, "column": exc.column}})
    except MemoryError:
        os._exit(MEMORY_EXIT)
    sys.stdout.buffer.write(output)
    sys.stdout.flush()


def _dumps(result: dict) -> bytes:
    # surrogatepass: any character, even a lone surrogate, crosses the pipe intact.
    return json.dumps(result, default=_encode_cell, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _confine(limits: Limits) -> None:
    import resource

    memory = limits.memory_mb * MIB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # Soft limit: SIGXCPU ends the child; the hard one a second later is SIGKILL.
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def read_book(content: bytes, limits: Limits) -> dict:
    if content.startswith(ZIP_MAGIC):
        return _read_package(content, limits)
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


class _Budget:
    """Cells and characters sent back for the whole workbook: what the server will hold."""

    def __init__(self) -> None:
        self.cells = self.chars = 0


class _Rows:
    """Non-blank rows of one sheet, up to the header + max_rows + 1 (enough to say "too many")."""

    def __init__(self, limits: Limits, sheet: str, budget: _Budget):
        self.limits, self.sheet, self.budget, self.rows = limits, sheet, budget, []

    def add(self, number: int, cells: list) -> bool:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            return True
        if len(cells) > self.limits.max_columns:
            raise Refused(f"{self._where()}baris {number} memiliki {_number(len(cells))} kolom, melebihi batas "
                          f"{_number(self.limits.max_columns)} kolom. Hapus kolom di luar tabel data.", number)
        self.budget.cells += len(cells)
        self.budget.chars += sum(len(c) for c in cells if isinstance(c, str))
        if self.budget.cells > self.limits.max_cells:
            raise Refused(f"{self._where()}lebih dari {_number(self.limits.max_cells)} sel. Bagi menjadi beberapa "
                          "berkas.", number)
        if self.budget.chars > self.limits.max_text_chars:
            raise Refused(f"{self._where()}teks di dalam selnya lebih dari {_number(self.limits.max_text_chars)} "
                          "karakter. Bagi menjadi beberapa berkas.", number)
        self.rows.append([number, cells])
        return len(self.rows) <= self.limits.max_rows + 1

    def _where(self) -> str:
        return f"Lembar '{shown(self.sheet)}': " if self.sheet else "Berkas: "


# ---- zip packages (xlsx, ods): what they really unpack to ----------------------------------

CHUNK = 256 * 1024


def _read_package(content: bytes, limits: Limits) -> dict:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Refused(NOT_SPREADSHEET) from exc
    names = {info.filename for info in infos}
    if len(infos) > limits.max_members:
        raise Refused(f"Berkas berisi {_number(len(infos))} bagian di dalamnya, melebihi batas "
                      f"{_number(limits.max_members)}. Simpan ulang dari Excel sebagai .xlsx.")
    if "xl/workbook.bin" in names:
        raise Refused("Berkas Excel biner (.xlsb) tidak diterima; simpan sebagai .xlsx (Buku Kerja Excel).")
    if "xl/workbook.xml" in names:
        fmt, scan = "xlsx", _XlsxScan(archive, limits)
    elif "content.xml" in names and _is_ods(archive, names):
        fmt, scan = "ods", _OdsScan(limits)
    else:
        raise Refused(NOT_SPREADSHEET)
    _inspect_members(archive, infos, scan, limits)
    return _read_workbook(content, fmt, limits)


def _is_ods(archive: zipfile.ZipFile, names: set[str]) -> bool:
    if "mimetype" not in names or archive.getinfo("mimetype").compress_size > 100:
        return False
    try:
        return archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet"
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, zlib.error):
        return False


def _inspect_members(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], scan, limits: Limits) -> None:
    total = 0
    for info in sorted(infos, key=scan.order):
        size = _inflate(archive, info, scan.parser_for(info.filename), limits)
        total += size
        if total > limits.max_unpacked_bytes:
            raise Refused(f"Isi berkas terurai menjadi lebih dari {limits.max_unpacked_bytes // MIB} MB "
                          f"(batas {limits.max_unpacked_bytes // MIB} MB). Berkas ini mungkin rusak atau dibuat "
                          "berlebihan (bom zip); simpan ulang dari Excel atau sebagai CSV.")
        if size > MIB and size > limits.max_ratio * max(info.compress_size, 1):
            raise Refused(f"Bagian {shown(info.filename)} terurai {_number(size // max(info.compress_size, 1))} kali "
                          f"ukurannya (batas {limits.max_ratio} kali): berkas ini tampak seperti bom zip, bukan "
                          "spreadsheet biasa.")


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, parser, limits: Limits) -> int:
    """Inflate one member as far as its data really goes (never trusting the size the header
    declares), feeding XML to `parser`; the inflated size."""
    probe = copy.copy(info)
    probe.file_size = 1 << 62  # read to the real end of the data; the limit below stops it
    size = 0
    try:
        with archive.open(probe) as member:
            while chunk := member.read(CHUNK):
                size += len(chunk)
                if size > limits.max_member_bytes:
                    raise Refused(f"Bagian {shown(info.filename)} di dalam berkas terurai menjadi lebih dari "
                                  f"{limits.max_member_bytes // MIB} MB (batas {limits.max_member_bytes // MIB} MB). "
                                  "Berkas ini mungkin rusak atau dibuat berlebihan (bom zip).")
                if parser is not None:
                    parser.feed(chunk)
        if parser is not None:
            parser.close()
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, zlib.error) as exc:
        raise Refused(NOT_SPREADSHEET + " Isinya rusak atau terenkripsi.") from exc
    return size


# ---- XML: streamed through expat, stopped at the first limit ------------------------------


MAX_TOKEN_BYTES = MIB  # the longest run without '<': a cell's text is at most ~200 kB


class _Xml:
    """One member's XML: no DTD (so no entity expansion), bounded depth; subclasses watch cells.

    Expat (2.5) rescans an unfinished token on every chunk it is fed, so one token of 60 MB
    takes minutes. Before expat sees a chunk, it is checked for what spreadsheet writers never
    produce and what makes tokens long: '<!' (comments, CDATA, DTD), '<?' after the XML
    declaration, and more than MAX_TOKEN_BYTES without a '<'."""

    def __init__(self, limits: Limits, where: str):
        self.limits, self.where, self.depth = limits, where, 0
        self.offset, self.since_markup, self.tail = 0, 0, b""
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._doctype
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end

    def feed(self, chunk: bytes) -> None:
        self._check_markup(chunk)
        self._parse(chunk, False)

    def _check_markup(self, chunk: bytes) -> None:
        data = self.tail + chunk
        if b"\x00" in chunk:  # UTF-16 (never written by Excel) would hide every check below
            raise Refused(NOT_SPREADSHEET + " XML di dalamnya tidak dalam UTF-8.")
        if b"<!" in data:
            raise Refused(NOT_SPREADSHEET + " XML di dalamnya memuat komentar, CDATA atau DTD, yang tidak pernah "
                          "dibuat Excel.")
        start = self.offset - len(self.tail)
        declaration = data.find(b"<?")
        if declaration != -1 and (start + declaration > 3 or data.find(b"<?", declaration + 2) != -1):
            raise Refused(NOT_SPREADSHEET + " XML di dalamnya memuat instruksi pemrosesan yang tidak pernah dibuat "
                          "Excel.")
        pieces = chunk.split(b"<")
        longest = max([self.since_markup + len(pieces[0]), *(len(piece) for piece in pieces[1:])])
        if longest > MAX_TOKEN_BYTES:
            raise Refused(NOT_SPREADSHEET + f" XML di dalamnya memuat teks atau tag lebih dari "
                          f"{MAX_TOKEN_BYTES // MIB} MB tanpa putus.")
        self.since_markup = len(pieces[-1]) if len(pieces) > 1 else self.since_markup + len(chunk)
        self.offset += len(chunk)
        self.tail = data[-1:]

    def close(self) -> None:
        self._parse(b"", True)

    def _parse(self, chunk: bytes, final: bool) -> None:
        try:
            self.parser.Parse(chunk, final)
        except expat.ExpatError as exc:
            raise Refused(NOT_SPREADSHEET + " XML di dalamnya rusak.") from exc

    def _doctype(self, *_args) -> None:
        raise Refused(NOT_SPREADSHEET + " Berkas memuat deklarasi DTD/entitas, yang tidak pernah dibuat Excel.")

    def _start(self, tag: str, attrs: dict) -> None:
        self.depth += 1
        if self.depth > self.limits.max_xml_depth:
            self._too_deep()
        # Element names without their prefix, as the spreadsheet library matches them.
        self.start(tag[tag.find(":") + 1:], attrs)

    def _end(self, tag: str) -> None:
        self.depth -= 1
        self.end(tag[tag.find(":") + 1:])

    def _too_deep(self) -> None:
        raise Refused(f"XML di dalam berkas bersarang lebih dari {self.limits.max_xml_depth} tingkat; berkas ini "
                      "bukan spreadsheet biasa.")

    def start(self, tag: str, attrs: dict) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def _text(self, on: bool) -> None:
        self.parser.CharacterDataHandler = self._chars if on else None

    def _chars(self, data: str) -> None:
        self.chars += len(data)
        if self.chars > self.limits.max_cell_chars:
            place = f"Lembar '{shown(self.where)}'" if self.where else "Berkas"
            raise Refused(f"{place}: satu sel berisi lebih dari "
                          f"{_number(self.limits.max_cell_chars)} karakter, batas Excel sendiri untuk satu sel. "
                          "Berkas ini tidak dibuat oleh Excel.")


class _Extent:
    """Cells that hold a value in one sheet: how many, and the rectangle they span (what the
    spreadsheet library allocates, cell by cell). Called once per cell: kept lean."""

    def __init__(self, limits: Limits, sheet: str):
        self.limits, self.sheet, self.count = limits, sheet, 0
        self.top = self.left = 1 << 62
        self.bottom = self.right = 0  # one past the last row and column

    def add(self, row: int, col: int, rows: int = 1, cols: int = 1) -> None:
        self.count += rows * cols
        if self.count > self.limits.max_cells:
            raise Refused(f"Lembar '{shown(self.sheet)}' berisi lebih dari {_number(self.limits.max_cells)} sel "
                          "berisi data. Bagi menjadi beberapa berkas.")
        if row < self.top or col < self.left or row + rows > self.bottom or col + cols > self.right:
            self.top, self.left = min(self.top, row), min(self.left, col)
            self.bottom, self.right = max(self.bottom, row + rows), max(self.right, col + cols)
            self.check(self.bottom - self.top, self.right - self.left, "sel berisi data membentang")

    def check(self, height: int, width: int, what: str) -> None:
        if width > self.limits.max_columns or height * width > self.limits.max_cells:
            raise Refused(f"Lembar '{shown(self.sheet)}': {what} {_number(height)} baris × {_number(width)} kolom, "
                          f"melebihi batas {_number(self.limits.max_columns)} kolom dan "
                          f"{_number(self.limits.max_cells)} sel. Hapus baris dan kolom di luar tabel data (pilih, lalu "
                          "klik kanan → Hapus), simpan, lalu unggah lagi.")


_REF = re.compile(r"\$?([A-Za-z]+)\$?(\d+)")


def _cell_ref(ref: str) -> tuple[int, int]:
    """'B12' → (12, 2); a reference that is not one refuses the file."""
    match = _REF.fullmatch(ref)
    if not match:
        raise Refused(NOT_SPREADSHEET + f" Alamat sel {shown(ref)!r} tidak sah.")
    col = 0
    for letter in match.group(1).upper():
        col = col * 26 + ord(letter) - 64
    return int(match.group(2)), col


class _XlsxSheet(_Xml):
    """xl/worksheets/*.xml: the declared range, then every cell's position and value.

    Runs once per element of a sheet that may hold half a million cells, so the handlers are
    lean: a cell holds a value when a <v> or <is> starts inside it, and text is counted from
    the last element start, which bounds every cell's text."""

    def __init__(self, limits: Limits, sheet: str):
        super().__init__(limits, sheet)
        self.extent = _Extent(limits, sheet)
        self.row = self.col = self.chars = 0
        self.parser.StartElementHandler = self._cell_start
        self.parser.EndElementHandler = self._cell_end
        self.parser.CharacterDataHandler = self._chars

    def _cell_end(self, tag: str) -> None:
        self.depth -= 1

    def _cell_start(self, tag: str, attrs: dict) -> None:
        self.chars = 0
        self.depth += 1
        if self.depth > self.limits.max_xml_depth:
            self._too_deep()
        tag = tag[tag.find(":") + 1:]
        if tag == "c":
            ref = attrs.get("r")
            self.row, self.col = _cell_ref(ref) if ref else (self.row, self.col + 1)
        elif tag == "v" or tag == "is":
            self.extent.add(self.row, self.col)
        elif tag == "row":
            ref = attrs.get("r")
            self.row, self.col = _cell_ref("A" + ref)[0] if ref else self.row + 1, 0
        elif tag == "dimension":
            self._declared(attrs.get("ref", ""))

    def _declared(self, ref: str) -> None:
        first, _, last = ref.partition(":")
        a, b = _cell_ref(first), _cell_ref(last or first)
        self.extent.check(abs(b[0] - a[0]) + 1, abs(b[1] - a[1]) + 1, f"rentang yang dinyatakan ({shown(ref)}) "
                          "berukuran")


class _SharedStrings(_Xml):
    """xl/sharedStrings.xml: how many strings, and how long each one is."""

    def __init__(self, limits: Limits):
        super().__init__(limits, "")  # shared by every sheet: the message names the file
        self.count = self.chars = 0

    def start(self, tag: str, attrs: dict) -> None:
        if tag == "sst":
            declared = attrs.get("uniqueCount", "0")
            if declared.isdigit() and int(declared) > self.limits.max_cells:
                self._too_many(int(declared))
        elif tag == "si":
            self.count += 1
            self.chars = 0
            if self.count > self.limits.max_cells:
                self._too_many(self.count)
        elif tag == "t":
            self._text(True)

    def end(self, tag: str) -> None:
        if tag == "t":
            self._text(False)

    def _too_many(self, n: int) -> None:
        raise Refused(f"Berkas memuat {_number(n)}+ teks berbeda, melebihi batas {_number(self.limits.max_cells)}. "
                      "Bagi menjadi beberapa berkas.")


class _Collect(_Xml):
    """Small XML parts whose attributes we need (workbook.xml, its relationships)."""

    def __init__(self, limits: Limits, where: str, tag: str):
        super().__init__(limits, where)
        self.tag, self.found = tag, []

    def start(self, tag: str, attrs: dict) -> None:
        if tag == self.tag:
            self.found.append({k[k.find(":") + 1:]: v for k, v in attrs.items()})


class _XlsxScan:
    """Which parser watches which member of an .xlsx; sheets are named as Excel shows them."""

    FIRST = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")

    def __init__(self, archive: zipfile.ZipFile, limits: Limits):
        self.limits = limits
        self.sheets = _Collect(limits, "xl/workbook.xml", "sheet")
        self.rels = _Collect(limits, "xl/_rels/workbook.xml.rels", "Relationship")

    def order(self, info: zipfile.ZipInfo) -> int:
        return self.FIRST.index(info.filename) if info.filename in self.FIRST else len(self.FIRST)

    def parser_for(self, name: str):
        if name == "xl/workbook.xml":
            return self.sheets
        if name == "xl/_rels/workbook.xml.rels":
            return self.rels
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            return _XlsxSheet(self.limits, self._sheet_name(name))
        if name == "xl/sharedStrings.xml":
            return _SharedStrings(self.limits)
        # The other parts the library reads; the rest (properties, themes, drawings, custom
        # XML) it never parses, so only their inflated size counts.
        return _Xml(self.limits, name) if name == "xl/styles.xml" else None

    def _sheet_name(self, member: str) -> str:
        targets = {r.get("Id"): r.get("Target", "") for r in self.rels.found}
        for sheet in self.sheets.found:
            target = targets.get(sheet.get("id"), "")
            if (target.lstrip("/") if target.startswith("/") else "xl/" + target) == member:
                return sheet.get("name", member)
        return member


class _OdsContent(_Xml):
    """content.xml of an .ods: every table, with repeated rows and columns counted as the
    cells they become (a one-line row "repeated 1,048,576 times" is a million rows)."""

    def __init__(self, limits: Limits):
        super().__init__(limits, "content.xml")
        self.extent, self.row, self.col, self.cell, self.chars, self.row_repeat = None, 0, 0, None, 0, 1

    def start(self, tag: str, attrs: dict) -> None:
        if tag in ("table", "table-row", "table-cell", "covered-table-cell"):
            attrs = {k[k.find(":") + 1:]: v for k, v in attrs.items()}
        if tag == "table":
            self.where = attrs.get("name", "")
            self.extent, self.row = _Extent(self.limits, self.where), 0
        elif tag == "table-row" and self.extent:
            self.row_repeat = _repeat(attrs, "number-rows-repeated")
            self.col = 0
        elif tag in ("table-cell", "covered-table-cell") and self.extent:
            self.cell = [self.col + 1, _repeat(attrs, "number-columns-repeated"), "value-type" in attrs]
        elif tag == "p" and self.cell is not None:
            self.cell[2] = True
            self.chars = 0
            self._text(True)

    def end(self, tag: str) -> None:
        if tag == "p":
            self._text(False)
        elif tag in ("table-cell", "covered-table-cell") and self.cell is not None:
            col, repeat, has_value = self.cell
            if has_value:
                self.extent.add(self.row + 1, col, self.row_repeat, repeat)
            self.col, self.cell = col + repeat - 1, None
        elif tag == "table-row" and self.extent:
            self.row += self.row_repeat


def _repeat(attrs: dict, name: str) -> int:
    value = attrs.get(name, "1")
    return int(value) if value.isdigit() and len(value) < 10 else 10**9


class _OdsScan:
    def __init__(self, limits: Limits):
        self.limits = limits

    def order(self, info: zipfile.ZipInfo) -> int:
        return 0

    def parser_for(self, name: str):
        if name == "content.xml":
            return _OdsContent(self.limits)
        return _Xml(self.limits, name) if name == "styles.xml" else None


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
