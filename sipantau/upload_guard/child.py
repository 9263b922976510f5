"""The confined child process: how the server starts it and turns its fate into a message, how the
child confines itself before it reads a byte, and what crosses the pipe between them (cells as
JSON, dates and times tagged).

The child is `python -I` (no environment, no user site, no current directory on the path) running
`main()`; it imports only the standard library, python_calamine and `sipantau.rules` besides this
package, so it starts in tens of milliseconds and holds no database or pandas.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sipantau.upload_guard.book import read_book
from sipantau.upload_guard.limits import MIB, NOT_SPREADSHEET, Limits, Refused

ROOT = Path(__file__).resolve().parents[2]
MEMORY_EXIT = 3  # the child's exit status when Python itself ran out of memory
log = logging.getLogger(__name__)


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
    bootstrap = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                 "from sipantau.upload_guard.child import main; main()")
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
    result = json.loads(stdout.decode("utf-8", "surrogatepass"),
                        object_hook=lambda o: _decode_cell(o) if len(o) == 1 and next(iter(o)) in _TAGS else o)
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
