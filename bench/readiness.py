"""How the national frames scale with the length of history.

For each backend and history size it builds a demo database, then prints one JSON
line: {"db", "reports", "national_ms", "naive_ms", "past_ms"} where
- national_ms: the national picture for the last reported day: its History bundle
  loaded (`history.load`) and computed (`readiness.snapshot`, `readiness.national`),
  median of 5, warm,
- past_ms: the same for a replayed past day (per-cell index seeks),
- naive_ms: what a first attempt does: read the whole history into pandas and take
  the latest report per region and stage.
Goal (2-core machine): at 10^6 reports national_ms ≤ 100, at most 2× its value at
10^4, and ≥ 20× faster than naive.

    python bench/readiness.py --quick        # 10^4, 10^5, 10^6 on SQLite and PostgreSQL
    python bench/readiness.py --full         # adds 10^7
    python bench/readiness.py --db sqlite    # one backend
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sipantau import history, readiness  # noqa: E402
from sipantau.db import create_database  # noqa: E402
from sipantau.demo import seed_demo  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ELECTION = "pilkada-2024"


def median_ms(work, runs: int = 5) -> float:
    work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def national(conn, as_of: date) -> readiness.NationalPicture:
    return readiness.national(readiness.snapshot(history.load(conn, ELECTION, as_of)))


def naive_latest(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        history = pd.read_sql(text("SELECT region_code, stage_id, situation_date, id, progress, status "
                                   "FROM stage_report"), conn)
    history = history.sort_values(["situation_date", "id"])
    return history.groupby(["region_code", "stage_id"]).tail(1)


def database(backend: str, workdir: Path):
    if backend == "sqlite":
        return f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.db'}", lambda: None
    name = f"sipantau_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False), drop


def measure(backend: str, reports: int, workdir: Path) -> dict:
    url, drop = database(backend, workdir)
    engine = create_database(url).engine
    try:
        start = time.perf_counter()
        result = seed_demo(engine, reports=reports, accounts=False)
        seed_s = time.perf_counter() - start
        if backend == "postgresql":
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        # Seeding leaves millions of objects behind in this process; freeze them so the
        # collector's passes over them are not billed to the frames being measured.
        gc.collect()
        gc.freeze()
        with engine.connect() as conn:
            latest = readiness.default_as_of(*history.election_dates(conn, ELECTION), date.today())
            national_ms = median_ms(lambda: national(conn, latest))
            past_ms = median_ms(lambda: national(conn, date(2024, 9, 1)))
        naive_ms = median_ms(lambda: naive_latest(engine), runs=1 if reports >= 10**7 else 3)
        return {"db": backend, "reports": result.stage_reports, "national_ms": national_ms, "naive_ms": naive_ms,
                "past_ms": past_ms, "seed_s": round(seed_s, 1)}
    finally:
        gc.unfreeze()
        engine.dispose()
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="10^4, 10^5, 10^6 (default)")
    size.add_argument("--full", action="store_true", help="also 10^7")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    sizes = [10**4, 10**5, 10**6] + ([10**7] if args.full else [])
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.db or ["sqlite", "postgresql"]:
            for reports in sizes:
                print(json.dumps(measure(backend, reports, Path(tmp))), flush=True)


if __name__ == "__main__":
    main()
