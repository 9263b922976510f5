"""XML of a spreadsheet package, streamed through expat and stopped at the first limit: no DTD (so
no entity expansion), bounded depth and token length; the sheet, shared-string and ODS scans count
cells and their text as they pass. Imports the standard library and the package only.
"""

from __future__ import annotations

import re
from xml.parsers import expat

from sipantau.upload_guard.cells import _Extent
from sipantau.upload_guard.limits import MIB, NOT_SPREADSHEET, Limits, Refused, _number, shown

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
