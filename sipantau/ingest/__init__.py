"""Bulk import of stage reports, obstacles and NPHD from CSV and Excel files.

The flow is one way and every step can refuse:

    parse_upload(filename, bytes)      files.py: size, kind of file, encoding, separator,
                                       empty file, header only, row limit → raw cells
    validate(conn, actor, kind, df)    columns.py (headers), cells.py (values and reference
                                       codes), checks.py (the rulebook over every value with
                                       pandera, lazy: every problem at once; scope, election
                                       window, in-file duplicates) → ImportPreview
    commit(engine, actor, preview)     store.py: one write transaction through reports.add_*;
                                       any refused row rolls the whole file back

`import_file` runs all three; templates.py writes the CSV and Excel templates. Errors
(refusals.py) name the row as the operator sees it in the spreadsheet (the header is row
1, so the first data row is row 2), the column as written in the file, and the problem in
Bahasa Indonesia, worded by the same rulebook (`sipantau.rules`) and catalog as the forms
and the write side. Each row carries the idempotency key "import:" + sha256 of its kind
and normalised values, so uploading the same file, or the same rows in another file or
another format, stores nothing twice.
"""

from sipantau.ingest.cells import CellError, Reference, parse_date, parse_money, parse_number, parse_region
from sipantau.ingest.checks import ImportPreview, row_key, validate
from sipantau.ingest.columns import COLUMNS, KINDS, MAX_TRANCHES, Column, header_key, infer_kind, template_columns
from sipantau.ingest.files import MAX_BYTES, MAX_ROWS, guard_limits, parse_upload
from sipantau.ingest.refusals import (
    ERROR_COLUMNS,
    WHOLE_ROW,
    ImportRefused,
    error_frame,
    errors_csv,
    format_error,
    refusal_message,
)
from sipantau.ingest.store import ImportResult, commit, import_file
from sipantau.ingest.templates import template_csv, template_xlsx

__all__ = [
    "COLUMNS", "ERROR_COLUMNS", "KINDS", "MAX_BYTES", "MAX_ROWS", "MAX_TRANCHES", "WHOLE_ROW", "CellError", "Column",
    "ImportPreview", "ImportRefused", "ImportResult", "Reference", "commit", "error_frame", "errors_csv",
    "format_error", "guard_limits", "header_key", "import_file", "infer_kind", "parse_date", "parse_money",
    "parse_number", "parse_region", "parse_upload", "refusal_message", "row_key", "template_columns", "template_csv",
    "template_xlsx", "validate",
]
