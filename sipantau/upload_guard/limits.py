"""What one upload may cost (`Limits`), how a refusal is raised (`Refused`), and how a value from
the file is shown in a message (`shown`). Imports the standard library and `sipantau.rules` only:
the child process imports it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sipantau.rules import shown  # noqa: F401 - the package exports it (a value as a message may show it)

MIB = 1024 * 1024
NOT_SPREADSHEET = "Berkas ini bukan spreadsheet (CSV, XLSX, XLS atau ODS)."


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
