"""Facts about a database that a backup records and a restore or a verification compares: its
backend, table counts, schema revision (Alembic), the document files it names, the release of
Sipantau. Imports SQLAlchemy, Alembic, `sipantau.models`, `sipantau.db`, `sipantau.config` and the
package's layout and results.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, inspect, select
from sqlalchemy.engine import make_url

import sipantau
from sipantau import models as m
from sipantau.backup.layout import DATABASE_MEMBERS
from sipantau.backup.results import BackupError
from sipantau.config import ROOT
from sipantau.db import make_engine

# Demo rows name files that were never uploaded (synthetic history): not looked for.
SYNTHETIC_SOURCE = "demo"


def backend_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in DATABASE_MEMBERS:
        raise BackupError(f"Basis data {backend} tidak didukung; hanya SQLite dan PostgreSQL.")
    return backend


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("Basis data SQLite harus berupa berkas (bukan :memory: atau URI).")
    return Path(database)


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per table of the model (`Base.metadata`) that the database holds."""
    present = set(inspect(conn).get_table_names())
    return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in m.Base.metadata.sorted_tables if t.name in present}


def schema_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(ROOT / "migrations"))


def head_revision() -> str | None:
    return _scripts().get_current_head()


def known_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


def referenced_documents(conn: Connection) -> dict[str, dict]:
    """Files the database names: content hash → size and document ids (demo rows aside)."""
    doc = m.Document.__table__
    rows = conn.execute(select(doc.c.id, doc.c.content_hash, doc.c.size_bytes)
                        .where(doc.c.source != SYNTHETIC_SOURCE).order_by(doc.c.id))
    found: dict[str, dict] = {}
    for doc_id, digest, size in rows:
        found.setdefault(digest, {"size": size, "ids": []})["ids"].append(doc_id)
    return found


def synthetic_documents(conn: Connection) -> int:
    doc = m.Document.__table__
    return conn.execute(select(func.count()).where(doc.c.source == SYNTHETIC_SOURCE)).scalar_one()


def sipantau_release() -> dict:
    """The code's version and, when run from a git checkout, its commit."""
    try:
        done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True)
        commit = done.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"version": sipantau.__version__, "commit": commit}


@dataclass
class _Snapshot:
    member: Path  # the database as stored in the archive
    database: dict  # the manifest's "database" entry
    tables: dict[str, int]
    revision: str | None
    referenced: dict[str, dict]
    synthetic: int


def _facts(conn: Connection) -> dict:
    return {"tables": table_counts(conn), "revision": schema_revision(conn),
            "referenced": referenced_documents(conn), "synthetic": synthetic_documents(conn)}
