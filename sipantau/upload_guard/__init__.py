"""Reading an uploaded spreadsheet without trusting it.

`read_upload(content, limits)` runs the parse in a child process (`child.main`, started as
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
holds more than the cells.

The package, from the server's side inwards:
- `limits`: `Limits`, `Refused`, `shown` (a value from the file as a message may show it);
- `child`: starting the child, confining it, the pipe between them, its fate as a message;
- `book`: the child's reading: file kind by its first bytes, CSV, the spreadsheet library;
- `package`: zip members of an xlsx/ods inflated and bounded, each fed to its XML scan;
- `xmlscan`: the XML scans (no DTD, depth, tokens; cells and strings counted);
- `cells`: what one sheet may hold (extent of the cells with a value, rows and text sent back).

Every module here, this one included, imports only the standard library, python_calamine
and `sipantau.rules` (no pandas, no database), because the child imports them all and must
start in tens of milliseconds; `tests/test_import_hostile.py` holds it to that. Names with a
leading underscore are private to the package; this module is its API.
"""

from sipantau.upload_guard.book import read_book
from sipantau.upload_guard.child import child_command, main, read_upload
from sipantau.upload_guard.limits import Limits, Refused, shown

__all__ = ["Limits", "Refused", "child_command", "main", "read_book", "read_upload", "shown"]
