"""Hostile spreadsheets, built byte by byte: the small ones are written to tests/uploads by
make_corpus.py, the large ones (bombs) are built when a test or bench/import_bombs.py runs,
so nothing large is committed. Every builder is deterministic."""

from __future__ import annotations

import io
import random
import zipfile

ZIP_TIME = (2024, 1, 1, 0, 0, 0)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
LAPORAN = ["pemilihan", "wilayah", "tahapan", "tanggal_situasi", "progres", "status", "catatan"]
ROW = ["pilkada-2024", "73.10", "kampanye", "24/10/2024", "50", "berjalan", "baik"]


def _zip(members: dict[str, bytes | str], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, compress_type=method)
    return out.getvalue()


def cells_xml(rows: list[list[str]], first_row: int = 1) -> str:
    """Inline-string cells, as the <sheetData> of a worksheet."""
    out = []
    for r, values in enumerate(rows, first_row):
        cells = "".join(f'<c r="{_col(c)}{r}" t="inlineStr"><is><t>{_escape(v)}</t></is></c>'
                        for c, v in enumerate(values, 1))
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def _col(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def worksheet(sheet_data: str, dimension: str | None = None, prolog: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}<worksheet xmlns="{MAIN}">{dim}'
            f"<sheetData>{sheet_data}</sheetData></worksheet>")


def xlsx(sheets: dict[str, str], shared_strings: str | None = None, states: dict[str, str] | None = None,
         extra: dict[str, bytes | str] | None = None, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal .xlsx: `sheets` maps sheet name → worksheet XML; `states` hides sheets
    ("hidden" or "veryHidden")."""
    states = states or {}
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for i in range(1, len(sheets) + 1))
    members: dict[str, bytes | str] = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
                               '/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
                               'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
                               '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
                               'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                               f"{overrides}</Types>",
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org'
                       f'/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" '
                       'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                           + "".join(f'<sheet name="{_escape(name)}" sheetId="{i}" r:id="rId{i}"'
                                     + (f' state="{states[name]}"' if name in states else "") + "/>"
                                     for i, name in enumerate(sheets, 1))
                           + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                                      'openxmlformats.org/package/2006/relationships">'
                                      + "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" '
                                                f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
                                      + (f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" '
                                         'Target="sharedStrings.xml"/>' if shared_strings is not None else "")
                                      + "</Relationships>",
    }
    for i, xml in enumerate(sheets.values(), 1):
        members[f"xl/worksheets/sheet{i}.xml"] = xml
    if shared_strings is not None:
        members["xl/sharedStrings.xml"] = shared_strings
    return _zip({**members, **(extra or {})}, method)


def laporan_sheet(rows: list[list[str]] | None = None, **kwargs) -> str:
    return worksheet(cells_xml([LAPORAN, *(rows or [ROW])]), **kwargs)


# ---- small hostile files (committed to the corpus) -------------------------------------------


def far_cell() -> bytes:
    """2 KB: a value in A1 and one in XFD1048576, so the sheet spans 2^34 cells (the
    "memory allocation of 549755813888 bytes failed" abort)."""
    data = cells_xml([LAPORAN, ROW]) + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return xlsx({"Data": worksheet(data)})


def declared_range() -> bytes:
    """A sheet that declares it spans the whole grid."""
    return xlsx({"Data": laporan_sheet(dimension="A1:XFD1048576")})


def entity_expansion() -> bytes:
    """"Billion laughs": a DTD whose entities expand to 10^9 characters."""
    dtd = ('<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
           + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)) + "]>")
    cell = '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    return xlsx({"Data": worksheet(cells_xml([LAPORAN]) + cell, prolog=dtd)})


def ods(tables: str, styles: str = "") -> bytes:
    """A minimal .ods; `styles` are automatic styles (e.g. a table style that hides a sheet)."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f"<office:automatic-styles>{styles}</office:automatic-styles><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
               "</office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", ZIP_TIME), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(zipfile.ZipInfo("META-INF/manifest.xml", ZIP_TIME),
                   '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                   'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type='
                   '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
                   '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
        z.writestr(zipfile.ZipInfo("content.xml", ZIP_TIME), content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def ods_row(values: list[str], repeat: int = 1) -> str:
    cells = "".join(f'<table:table-cell office:value-type="string"><text:p>{_escape(v)}</text:p></table:table-cell>'
                    for v in values)
    return f'<table:table-row table:number-rows-repeated="{repeat}">{cells}</table:table-row>'


def ods_repeated_rows() -> bytes:
    """800 bytes: a row of 1,000 filled cells repeated 90,000 times is 9 × 10^7 cells (just under
    calamine's own cap of 10^8), about 3 GB once allocated."""
    bomb = ('<table:table-row table:number-rows-repeated="90000"><table:table-cell '
            'table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p></table:table-cell>'
            "</table:table-row>")
    return ods(f'<table:table table:name="Data">{ods_row(LAPORAN)}{bomb}</table:table>')


def ods_hidden_sheet() -> bytes:
    """A hidden first table 'Lama' with a report, a visible 'Data' with another."""
    hidden = ('<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/>'
              "</style:style>")
    old_row = ["pilkada-2024", "73.10", "logistik", "24/10/2024", "10", "berjalan", "lembar tersembunyi"]
    new_row = ["pilkada-2024", "73.10", "kampanye", "24/10/2024", "50", "berjalan", "lembar terlihat"]
    return ods(f'<table:table table:name="Lama" table:style-name="ta2">{ods_row(LAPORAN)}{ods_row(old_row)}'
               f'</table:table><table:table table:name="Data">{ods_row(LAPORAN)}{ods_row(new_row)}</table:table>',
               styles=hidden)


def xlsb() -> bytes:
    return _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": b"\x83\x01\x00"})


# ---- bombs (built at test time) --------------------------------------------------------------


def huge_member(mib: int = 70) -> bytes:
    """A member that inflates to `mib` MiB: over the member limit."""
    return xlsx({"Data": laporan_sheet()}, extra={"xl/media/image1.png": bytes(mib << 20)})


def long_token(mib: int = 60) -> bytes:
    """A sheet whose one attribute value is `mib` MiB long (one token to the XML parser)."""
    return xlsx({"Data": laporan_sheet().replace("<sheetData>", f'<sheetPr codeName="{"x" * (mib << 20)}"/>'
                                                                  "<sheetData>")})


def comment() -> bytes:
    return xlsx({"Data": laporan_sheet().replace("<sheetData>", "<!-- catatan --><sheetData>")})


def many_members(kib_each: int = 1536, count: int = 3) -> bytes:
    """Several members of text that deflates only about 2×: with limits of 2 MiB per member
    and 4 MiB in all (the test's), each passes and together they do not."""
    rng = random.Random(7)
    pad = {f"xl/media/pad{i}.bin": rng.randbytes(kib_each << 9).hex() for i in range(count)}
    return xlsx({"Data": laporan_sheet()}, extra=pad)


def extreme_ratio() -> bytes:
    """A 2 MiB member that deflates to about 2 kB (ratio ~1000)."""
    return xlsx({"Data": laporan_sheet()}, extra={"xl/media/zeros.bin": bytes(2 << 20)})


def lying_sizes(mib: int = 70) -> bytes:
    """A huge member whose central directory claims it inflates to 1 kB."""
    data = bytearray(huge_member(mib))
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_len = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + name_len] == b"xl/media/image1.png":
            data[at + 24:at + 28] = (1024).to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def huge_shared_string(chars: int = 5_000_000) -> bytes:
    """One shared string of `chars` characters (Excel allows 32,767 in a cell)."""
    sst = f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>{"A" * chars}</t></si></sst>'
    sheet = worksheet(cells_xml([LAPORAN]) + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>')
    return xlsx({"Data": sheet}, shared_strings=sst)


def shared_string_fanout(rows: int = 50, width: int = 20, chars: int = 30_000) -> bytes:
    """One 30,000-character string (legal) in every cell of a block: 30 million characters
    from a 2 kB file."""
    sst = f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>{"A" * chars}</t></si></sst>'
    row = "<row>" + '<c t="s"><v>0</v></c>' * width + "</row>"
    return xlsx({"Data": worksheet(cells_xml([LAPORAN]) + row * rows)}, shared_strings=sst)


def many_cells(count: int = 600_000, width: int = 20) -> bytes:
    """`count` small number cells (positions implicit, as some writers leave them)."""
    row = "<row>" + "<c><v>1</v></c>" * width + "</row>"
    return xlsx({"Data": worksheet(cells_xml([LAPORAN]) + row * (count // width))})


def many_strings(declared: int = 10_000_000) -> bytes:
    sst = f'<sst xmlns="{MAIN}" count="{declared}" uniqueCount="{declared}"><si><t>a</t></si></sst>'
    return xlsx({"Data": laporan_sheet()}, shared_strings=sst)


def deep_xml(depth: int = 100_000) -> bytes:
    """A cell whose inline string nests `depth` elements."""
    cell = '<row r="3"><c r="A3" t="inlineStr"><is>' + "<r>" * depth + "</r>" * depth + "</is></c></row>"
    return xlsx({"Data": worksheet(cells_xml([LAPORAN, ROW]) + cell)})


def slow_xml(elements: int = 30_000_000) -> bytes:
    """A styles part of `elements` empty elements: legal, but long to read."""
    return xlsx({"Data": laporan_sheet()}, extra={"xl/styles.xml": "<s>" + "<x/>" * elements + "</s>"})


def csv_big_field(chars: int = 1 << 20) -> bytes:
    return (";".join(LAPORAN) + "\r\n" + ";".join(ROW[:-1] + ["x" * chars]) + "\r\n").encode()


def csv_wide(columns: int = 300) -> bytes:
    return (";".join(LAPORAN + [f"k{i}" for i in range(columns)]) + "\r\n" + ";".join(ROW) + "\r\n").encode()


def big_but_legal(cells: int = 400_000, width: int = 20) -> bytes:
    """Passes every check (under the cell limit): only the memory limit can stop it."""
    return many_cells(cells, width)
