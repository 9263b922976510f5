"""What refusing each hostile upload costs, and what the confined reader costs a normal import.

Prints one JSON line per measurement:
- "bomb": the file's size; the reader's own peak RSS and time, measured by /usr/bin/time around
  the reader's exact command line (upload_guard.child_command); the wall time of the whole
  read_upload call; and how it ended;
- with --unguarded, the same bomb opened by python_calamine directly (address space capped at
  4 GiB, 120 s), i.e. what the server process itself paid before;
- "overhead": a normal 500-row file (xlsx and CSV) read in process (upload_guard.read_book, no
  child) and through the child (read_upload), median of N; and a whole dry-run import for scale.

    python bench/import_bombs.py [--unguarded] [--runs 7]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import hostile_files as hostile  # noqa: E402
import xlsxwriter  # noqa: E402

from sipantau.upload_guard import Limits, Refused, child_command, read_book, read_upload  # noqa: E402

BOMBS = {
    "far_cell": hostile.far_cell, "declared_range": hostile.declared_range, "huge_member": hostile.huge_member,
    "lying_sizes": hostile.lying_sizes, "extreme_ratio": hostile.extreme_ratio,
    "huge_shared_string": hostile.huge_shared_string, "shared_string_fanout": hostile.shared_string_fanout,
    "many_cells": hostile.many_cells, "many_strings": hostile.many_strings, "deep_xml": hostile.deep_xml,
    "long_token": hostile.long_token, "entity_expansion": hostile.entity_expansion,
    "ods_repeated_rows": hostile.ods_repeated_rows, "csv_big_field": hostile.csv_big_field,
    "csv_wide": hostile.csv_wide,
    "memory_backstop": lambda: hostile.big_but_legal(200_000),  # passes the checks; refused by memory_mb=32
    # At the scale of the files, to compare with what calamine alone pays.
    "shared_string_200M": lambda: hostile.huge_shared_string(200_000_000),
    "many_cells_3M": lambda: hostile.many_cells(3_000_000),
}
UNGUARDED = """
import io, resource, sys, python_calamine as pc
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
book = pc.CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))
print(sum(len(r) for n in book.sheet_names for r in book.get_sheet_by_name(n).to_python()))
"""


def timed(command: list[str], content: bytes, timeout: int = 180) -> tuple[float, float, subprocess.CompletedProcess]:
    """(peak RSS MB, seconds) of `command` itself, by GNU time, and its result."""
    done = subprocess.run(["/usr/bin/time", "-f", "%M %e", *command], input=content, capture_output=True,
                          timeout=timeout)
    rss_kb, seconds = done.stderr.decode().strip().splitlines()[-1].split()
    return round(int(rss_kb) / 1024, 1), float(seconds), done


def bomb(name: str, content: bytes) -> dict:
    limits = Limits(memory_mb=32) if name == "memory_backstop" else Limits()
    rss, seconds, _ = timed(child_command(limits), content)
    start = time.perf_counter()
    try:
        read_upload(content, limits)
        outcome = "read (the import refuses it later)"
    except Refused as exc:
        outcome = exc.message[:90]
    return {"bomb": name, "bytes": len(content), "reader_peak_rss_mb": rss, "reader_s": seconds,
            "read_upload_ms": round((time.perf_counter() - start) * 1000), "outcome": outcome}


def unguarded(name: str, content: bytes) -> dict:
    try:
        rss, seconds, done = timed([sys.executable, "-c", UNGUARDED], content, timeout=120)
        errors = done.stderr.decode(errors="replace").strip().splitlines()
        outcome = (f"read {done.stdout.decode().strip()} cells" if done.returncode == 0 else
                   f"died: {next((e for e in errors if 'memory allocation' in e or 'Error' in e), errors[-2])[:80]}")
    except subprocess.TimeoutExpired:
        rss, seconds, outcome = None, 120.0, "still running after 120 s"
    return {"unguarded": name, "peak_rss_mb": rss, "s": seconds, "outcome": outcome}


def normal_rows(rows: int) -> list[list]:
    """Distinct (stage, day) pairs of Pilkada 2024, as an office would report them."""
    with (ROOT / "data" / "reference" / "stages.csv").open(encoding="utf-8") as f:
        stages = [r["code"] for r in csv.DictReader(f) if r["election_code"] == "pilkada-2024"]
    return [["pilkada-2024", "73.10", stages[r % len(stages)], date(2024, 1, 1) + timedelta(days=r // len(stages)),
             r % 100, "berjalan", f"catatan {r}"] for r in range(rows)]


def normal_xlsx(rows: int) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Data")
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    for c, title in enumerate(hostile.LAPORAN):
        sheet.write(0, c, title)
    for r, values in enumerate(normal_rows(rows), 1):
        for c, value in enumerate(values):
            if isinstance(value, date):
                sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), dates)
            else:
                sheet.write(r, c, value)
    book.close()
    return out.getvalue()


def normal_csv(rows: int) -> bytes:
    lines = [";".join(hostile.LAPORAN)]
    lines += [";".join(f"{v:%d/%m/%Y}" if isinstance(v, date) else str(v) for v in row) for row in normal_rows(rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def overhead(runs: int) -> list[dict]:
    out = []
    for kind, content in (("xlsx", normal_xlsx(500)), ("csv", normal_csv(500))):
        inproc = _median(lambda c=content: read_book(c, Limits()), runs)
        child = _median(lambda c=content: read_upload(c, Limits()), runs)
        rss, _, _ = timed(child_command(Limits()), content)
        out.append({"overhead": f"500-row {kind}", "bytes": len(content), "in_process_ms": inproc,
                    "child_ms": child, "added_ms": round(child - inproc, 1), "reader_peak_rss_mb": rss,
                    "import_dry_run_ms": _dry_run(content)})
    return out


def _median(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def _dry_run(content: bytes) -> float:
    """parse + validate + commit(dry_run) of the whole file on a fresh SQLite database."""
    from sipantau.auth import create_user
    from sipantau.db import make_engine, migrate, write_tx
    from sipantau.ingest import import_file
    from sipantau.reference import load_reference

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        with write_tx(engine) as conn:
            load_reference(conn)
            actor = create_user(conn, "op", "op", "operator_kabkota", "73.10")
        start = time.perf_counter()
        result = import_file(engine, actor, None, "laporan", content, dry_run=True)
        assert result.rows == 500, result.summary
        ms = (time.perf_counter() - start) * 1000
        engine.dispose()
    return round(ms)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--unguarded", action="store_true", help="also open each bomb with calamine directly")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    for name, build in BOMBS.items():
        content = build()
        print(json.dumps(bomb(name, content)), flush=True)
        if args.unguarded and name != "memory_backstop":
            print(json.dumps(unguarded(name, content)), flush=True)
    for line in overhead(args.runs):
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
