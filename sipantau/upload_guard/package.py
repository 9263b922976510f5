"""Zip packages (xlsx, ods): what they really unpack to, before the spreadsheet library builds
anything. Every member is inflated as far as its data really goes (never trusting the size its
header declares) and its XML fed to the scan that watches it; counts, sizes and ratios are bounded.
Imports the standard library and the package only.
"""

from __future__ import annotations

import copy
import io
import zipfile
import zlib

from sipantau.upload_guard.limits import MIB, NOT_SPREADSHEET, Limits, Refused, _number, shown
from sipantau.upload_guard.xmlscan import _Collect, _OdsContent, _SharedStrings, _XlsxSheet, _Xml

CHUNK = 256 * 1024
# What reading a damaged, truncated or encrypted member raises.
DAMAGED = (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, zlib.error)


def check_package(content: bytes, limits: Limits) -> str:
    """The format of a zip package ("xlsx" or "ods") once every member has passed its scan."""
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
    return fmt


def _is_ods(archive: zipfile.ZipFile, names: set[str]) -> bool:
    if "mimetype" not in names or archive.getinfo("mimetype").compress_size > 100:
        return False
    try:
        return archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet"
    except DAMAGED:
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
    except DAMAGED as exc:
        raise Refused(NOT_SPREADSHEET + " Isinya rusak atau terenkripsi.") from exc
    return size


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


class _OdsScan:
    def __init__(self, limits: Limits):
        self.limits = limits

    def order(self, info: zipfile.ZipInfo) -> int:
        return 0

    def parser_for(self, name: str):
        if name == "content.xml":
            return _OdsContent(self.limits)
        return _Xml(self.limits, name) if name == "styles.xml" else None
