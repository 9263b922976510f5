"""Exports of lists to CSV and Excel, safe to open in a spreadsheet.

Every text cell that a spreadsheet would read as a formula (=, +, -, @, and the
tab/carriage-return variants) is neutralised with a leading apostrophe, so a note
typed by an operator can never run as a formula on a reader's machine.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd


def neutralise_formula(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading quote (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_formula)
    return out


def to_csv(df: pd.DataFrame) -> bytes:
    # UTF-8 with BOM and semicolons: what Excel in an Indonesian locale opens correctly.
    return safe_frame(df).to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")


def to_xlsx(df: pd.DataFrame, sheet: str = "Data") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        safe_frame(df).to_excel(xl, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()
