"""What one sheet may hold: the extent of the cells that hold a value (what the spreadsheet library
would allocate), and the rows and text sent back for the whole workbook (what the server will hold).
Imports the standard library and the package's limits only.
"""

from __future__ import annotations

from sipantau.upload_guard.limits import Limits, Refused, _number, shown


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
