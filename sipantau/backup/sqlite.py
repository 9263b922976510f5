"""SQLite: an online copy with the backup API (every page in one step, inside one read transaction,
while writers carry on), gzipped into the archive; restored with the same API; checked with
`PRAGMA integrity_check` and `foreign_key_check`. Imports sqlite3, SQLAlchemy and the package's
database, layout and results.
"""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import NullPool

from sipantau.backup.database import _facts, _Snapshot, sqlite_path
from sipantau.backup.layout import CHUNK
from sipantau.backup.results import BackupError, Check, _ids, _listed


def _sqlite_snapshot(url: str, work: Path) -> _Snapshot:
    source = sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"Berkas basis data {source} tidak ada.")
    copy = work / "sipantau.sqlite3"
    # One step (pages=-1) is one read transaction: a consistent copy while writers carry on.
    with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)
    engine = create_engine(f"sqlite:///{copy}", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            facts = _facts(conn)
    finally:
        engine.dispose()
    member = work / "sipantau.sqlite3.gz"
    raw_hash, raw_size = _gzip(copy, member)
    copy.unlink()
    database = {"backend": "sqlite", "format": "sqlite3+gzip", "sha256": raw_hash, "size": raw_size,
                "sqlite_version": sqlite3.sqlite_version}
    return _Snapshot(member, database, **facts)


def _gzip(source: Path, target: Path) -> tuple[str, int]:
    """Compress `source`; returns the SHA-256 and size of the uncompressed bytes."""
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as f, gzip.open(target, "wb", compresslevel=6) as out:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def _sqlite_tables(path: Path) -> list[str]:
    if not path.is_file() or path.stat().st_size == 0:
        return []
    with closing(sqlite3.connect(path, timeout=30)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                            "AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
    return [r[0] for r in rows]


def _sqlite_restore(copy: Path, target: Path) -> None:
    # The backup API replaces the whole target in one write transaction, even one that is open elsewhere.
    with closing(sqlite3.connect(copy)) as src, closing(sqlite3.connect(target, timeout=30)) as dst:
        src.backup(dst)


def _sqlite_integrity(conn: Connection, check: Check) -> None:
    rows = conn.exec_driver_sql("PRAGMA integrity_check").scalars().all()
    if rows == ["ok"]:
        check.notes.append("PRAGMA integrity_check: ok.")
    else:
        check.problems += _listed([f"PRAGMA integrity_check: {row}" for row in rows])
    orphans: dict[tuple[str, str], list[int]] = {}
    for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check").all():
        orphans.setdefault((table, parent), []).append(rowid)
    if not orphans:
        check.notes.append("PRAGMA foreign_key_check: tidak ada rujukan yang putus.")
    for (table, parent), rowids in orphans.items():
        check.problems.append(f"tabel {table}: {len(rowids)} baris merujuk {parent} yang tidak ada "
                              f"(rowid {_ids(rowids)}).")
