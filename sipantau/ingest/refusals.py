"""How an import says no: the error table (baris, kolom, pesan) and the refusal of a whole
file (`ImportRefused`). Rows are numbered as the spreadsheet shows them (the header is row
1), columns named as written in the file, messages in Bahasa Indonesia."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import pandas as pd

from sipantau import i18n
from sipantau.export import neutralise_formula
from sipantau.rules import Problem

WHOLE_ROW = "(seluruh baris)"
ERROR_COLUMNS = ["baris", "kolom", "pesan"]


class ImportRefused(ValueError):
    """The file is refused as a whole; nothing was stored. `errors` has baris/kolom/pesan."""

    def __init__(self, message: str, errors: pd.DataFrame | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors if errors is not None else error_frame([(None, "", message)])


def error_frame(errors: Iterable[tuple[int | None, str, str | Problem]]) -> pd.DataFrame:
    """The error table; a problem found by the rulebook is worded by the catalog."""
    rows = [(baris, kolom, i18n.problem(pesan) if isinstance(pesan, Problem) else pesan)
            for baris, kolom, pesan in errors]
    frame = pd.DataFrame(rows, columns=ERROR_COLUMNS, dtype=object)
    frame["baris"] = frame["baris"].astype("Int64")
    return frame


def format_error(baris: Any, kolom: str, pesan: str) -> str:
    if baris is None or pd.isna(baris):
        return f"Kolom '{kolom}': {pesan}" if kolom else pesan
    return f"Baris {baris}, kolom '{kolom}': {pesan}" if kolom else f"Baris {baris}: {pesan}"


def errors_csv(errors: pd.DataFrame) -> bytes:
    """The error table for download (UTF-8 with BOM, semicolons: opens cleanly in Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(ERROR_COLUMNS)
    for baris, kolom, pesan in errors[ERROR_COLUMNS].itertuples(index=False):
        writer.writerow(["" if pd.isna(baris) else int(baris), neutralise_formula(kolom), neutralise_formula(pesan)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def refusal_message(errors: pd.DataFrame) -> str:
    rows = errors["baris"].dropna().nunique()
    where = f" pada {rows} baris" if rows else ""
    return f"Berkas ditolak: {len(errors)} masalah{where}. Tidak ada data yang disimpan; perbaiki lalu unggah lagi."
