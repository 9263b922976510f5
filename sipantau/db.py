"""Engine and transactions: SQLite embedded by default, PostgreSQL by URL; reading a
query as a DataFrame (`frame`, `raw`); making a database ready (`create_database`).

Imports config only; `create_database` imports the reference loader and the demo
seeder when called (they build on this module).

SQLite is tuned for many readers and a few concurrent writers: WAL, synchronous=FULL
(a committed report survives a power cut), foreign keys, a busy timeout, and write
transactions that take the write lock up front (`BEGIN IMMEDIATE`). With plain
`BEGIN`, two read-then-write transactions deadlock on lock upgrade and one fails
at once with "database is locked", whatever the timeout; measured here, 87–98% of
such transactions failed under 8 writers. Readers keep deferred `BEGIN` so the
dashboard never queues behind a writer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pandas as pd
from sqlalchemy import Connection, Engine, String, create_engine, event, type_coerce
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from sipantau.config import settings

if TYPE_CHECKING:
    from sipantau.demo import DemoResult

T = TypeVar("T")
_WRITE = "sipantau_write"


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # pool_pre_ping: a dashboard left open overnight must survive a database restart.
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # hide_parameters: an error message must never carry a password hash or a note.
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite would defer it).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection):
        immediate = conn.get_execution_options().get(_WRITE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """One engine (and pool) per URL for the whole process."""
    return make_engine(url or settings().database_url)


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A write transaction: all or nothing, holding SQLite's write lock from the start."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


def run_write(engine: Engine, work: Callable[[Connection], T], attempts: int = 5) -> T:
    """Run `work` in a write transaction, retrying when the database is busy.

    With BEGIN IMMEDIATE and a 30 s busy timeout SQLite should not report "locked",
    but an operator must never see it if it does; PostgreSQL can report
    serialization failures and deadlocks, which are safe to retry the same way.
    """
    for attempt in range(attempts):
        try:
            with write_tx(engine) as conn:
                return work(conn)
        except OperationalError as exc:
            text = str(exc.orig).lower() if exc.orig else str(exc).lower()
            retryable = "locked" in text or "busy" in text or "deadlock" in text or "serializ" in text
            if not retryable or attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest Alembic revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    from sipantau.config import ROOT

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    with write_tx(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@dataclass(frozen=True)
class CreatedDatabase:
    engine: Engine
    reference: dict[str, int]  # reference rows changed, per table
    demo: DemoResult | None  # None: no demo asked, or the database already held reports


def create_database(url: str, demo: bool | int = False) -> CreatedDatabase:
    """Make the database at `url` ready, idempotently: newest schema, reference data, and
    with `demo` the synthetic history (True: the default size; a number: about that many
    stage reports) unless it already holds reports. The caller disposes the engine."""
    from sipantau.demo import has_reports, seed_demo
    from sipantau.reference import load_reference

    engine = make_engine(url)
    migrate(engine)
    with write_tx(engine) as conn:
        changed = load_reference(conn)
    seeded = None
    if demo is not False:
        with engine.connect() as conn:
            empty = not has_reports(conn)
        if empty:
            seeded = seed_demo(engine, reports=None if demo is True else demo)
    return CreatedDatabase(engine, changed, seeded)


# ---- reading ------------------------------------------------------------------------


def raw(column):
    """Select a date/time column without SQLAlchemy's per-row parsing (SQLite stores
    ISO text); `frame` parses the whole column at once, which is ~10× faster."""
    return type_coerce(column, String).label(column.name)


def frame(conn: Connection, query, dates: tuple[str, ...] = ()) -> pd.DataFrame:
    """A query as a DataFrame, with `dates` columns as datetime64 (UTC-naive).
    Select dates through `raw` so both SQLite (text) and PostgreSQL (date) parse alike."""
    result = conn.execute(query)
    # Rows straight from the driver: SQLAlchemy's per-row processing costs more than
    # the query itself on the dashboard's 10⁴-row frames.
    df = pd.DataFrame.from_records(result.cursor.fetchall(), columns=list(result.keys()))
    result.close()
    for col in dates:
        df[col] = pd.to_datetime(df[col], format="ISO8601", utc=True).dt.tz_localize(None)
    return df
