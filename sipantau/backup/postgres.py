"""PostgreSQL: `pg_dump --format=custom` of a snapshot exported from a REPEATABLE READ transaction
(the one the manifest's counts are taken in), `pg_restore` in one transaction, and the checks a
live server still needs (foreign keys, invalid indexes, unvalidated constraints, sequences behind
their table). The password goes in PGPASSWORD, never on a command line. Imports SQLAlchemy,
psycopg's conninfo, `sipantau.models` and the package's database, layout and results.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy import Connection, Engine, and_, exists, func, inspect, select, text
from sqlalchemy.engine import make_url

from sipantau import models as m
from sipantau.backup.database import _engine, _facts, _Snapshot
from sipantau.backup.layout import _file_digest
from sipantau.backup.results import SHOWN, BackupError, Check, _listed


def pg_tool(name: str) -> tuple[str, int, str]:
    """(path, major version, version line) of pg_dump or pg_restore found on PATH."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"Program {name} tidak ditemukan di PATH. Pasang klien PostgreSQL (Debian: "
                          f"apt-get install postgresql-client) atau taruh foldernya di PATH, mis. "
                          f"PATH=/usr/lib/postgresql/16/bin:$PATH.")
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise BackupError(f"{name} ({path}) tidak dapat dijalankan: {exc}.") from exc
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", done.stdout)
    if done.returncode or not found:
        raise BackupError(f"Versi {name} ({path}) tidak terbaca: {done.stdout.strip() or done.stderr.strip()!r}.")
    return path, int(found.group(1)), done.stdout.strip()


def libpq(url: str) -> tuple[str, dict]:
    """Connection string and environment for pg_dump/pg_restore; the password goes in
    PGPASSWORD, never on a command line that `ps` shows."""
    u = make_url(url)
    params = {k: (v[-1] if isinstance(v, tuple) else v) for k, v in u.query.items()}
    given = {"host": u.host, "port": u.port, "user": u.username, "dbname": u.database, **params}
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    return make_conninfo("", **{k: v for k, v in given.items() if v is not None}), env


def _run(args: list[str], env: dict, what: str) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True)
    except OSError as exc:
        raise BackupError(f"{what} tidak dapat dijalankan: {exc}.") from exc
    if done.returncode:
        tail = done.stderr.strip().splitlines()[-SHOWN:]
        raise BackupError(f"{what} gagal (kode keluar {done.returncode}).", tail)


def _server_major(engine: Engine) -> int:
    with engine.connect():
        return engine.dialect.server_version_info[0]


def _pg_snapshot(url: str, work: Path) -> _Snapshot:
    tool, major, version = pg_tool("pg_dump")
    dump = work / "sipantau.pgdump"
    conninfo, env = libpq(url)
    with _engine(url) as engine:
        server = _server_major(engine)
        if major < server:
            raise BackupError(f"pg_dump versi {major} ({tool}) tidak dapat mencadangkan server PostgreSQL {server}: "
                              f"diperlukan pg_dump versi {server} atau lebih baru. Pasang postgresql-client-{server} "
                              f"atau taruh /usr/lib/postgresql/{server}/bin di awal PATH.")
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            # pg_dump reads the snapshot this transaction holds, so the counts below describe the dump.
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = _facts(conn)
            _run([tool, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", f"--dbname={conninfo}"],
                 env, "pg_dump")
    digest, size = _file_digest(dump)
    database = {"backend": "postgresql", "format": "pg_dump-custom", "sha256": digest, "size": size,
                "pg_dump": version, "pg_dump_major": major, "server_major": server}
    return _Snapshot(dump, database, **facts)


_PG_USER_TABLES = ("SELECT table_schema, table_name, table_type FROM information_schema.tables "
                   "WHERE table_schema <> 'information_schema' AND table_schema NOT LIKE 'pg\\_%' "
                   "ORDER BY table_schema, table_name")


def _pg_tables(url: str) -> list[str]:
    with _engine(url) as engine, engine.connect() as conn:
        return [f"{schema}.{name}" for schema, name, _kind in conn.execute(text(_PG_USER_TABLES))]


def _pg_restore_tool(manifest: dict) -> str:
    tool, major, _ = pg_tool("pg_restore")
    made_by = manifest["database"]["pg_dump_major"]
    if major < made_by:
        raise BackupError(f"pg_restore versi {major} ({tool}) tidak dapat membaca cadangan dari pg_dump versi "
                          f"{made_by}. Pasang postgresql-client-{made_by} atau taruh foldernya di awal PATH.")
    return tool


def _pg_restore(dump: Path, database_url: str, tool: str, clear: bool) -> None:
    if clear:
        _drop_everything(database_url)
    conninfo, env = libpq(database_url)
    # One transaction: a failed restore leaves the target as it was.
    _run([tool, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          f"--dbname={conninfo}", str(dump)], env, "pg_restore")


def _drop_everything(database_url: str) -> None:
    """--force on PostgreSQL: empty the target first (tables, views, their sequences)."""
    with _engine(database_url) as engine, engine.begin() as conn:
        quote = conn.dialect.identifier_preparer.quote
        for schema, name, kind in conn.execute(text(_PG_USER_TABLES)).all():
            # IF EXISTS: a view may already have gone with its table (CASCADE).
            what = "VIEW" if kind == "VIEW" else "TABLE"
            conn.execute(text(f"DROP {what} IF EXISTS {quote(schema)}.{quote(name)} CASCADE"))
        for schema, name in conn.execute(text(
                "SELECT sequence_schema, sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema <> 'information_schema' AND sequence_schema NOT LIKE 'pg\\_%'")).all():
            conn.execute(text(f"DROP SEQUENCE IF EXISTS {quote(schema)}.{quote(name)} CASCADE"))


def _pg_sanity(conn: Connection, check: Check) -> None:
    """PostgreSQL checks its own pages; what can still go wrong after a restore or a manual
    fix: foreign keys bypassed, indexes left invalid, constraints not validated, sequences
    behind their table (the next insert would fail)."""
    problems = _pg_orphans(conn)
    problems += [f"indeks {name} tidak sah (INVALID): bangun ulang dengan REINDEX."
                 for (name,) in conn.execute(text("SELECT indexrelid::regclass::text FROM pg_index "
                                                  "WHERE NOT indisvalid"))]
    problems += [f"batasan {name} pada {table} belum divalidasi: jalankan ALTER TABLE … VALIDATE CONSTRAINT."
                 for table, name in conn.execute(text(
                     "SELECT conrelid::regclass::text, conname FROM pg_constraint c JOIN pg_namespace n "
                     "ON n.oid = c.connamespace WHERE NOT convalidated AND n.nspname NOT LIKE 'pg\\_%'"))]
    problems += _pg_sequences(conn)
    check.problems += _listed(problems)
    if not problems:
        check.notes.append("PostgreSQL: rujukan antartabel utuh, indeks sah, urutan id di depan isi tabel.")


def _pg_orphans(conn: Connection) -> list[str]:
    present = set(inspect(conn).get_table_names())
    problems = []
    for table in m.Base.metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            if table.name not in present or fk.referred_table.name not in present:
                continue
            parent = fk.referred_table.alias("parent")
            match = and_(*[parent.c[e.column.name] == e.parent for e in fk.elements])
            q = (select(func.count()).select_from(table)
                 .where(*[e.parent.is_not(None) for e in fk.elements], ~exists().where(match)))
            if n := conn.execute(q).scalar_one():
                cols = ", ".join(c.name for c in fk.columns)
                problems.append(f"tabel {table.name}: {n} baris dengan {cols} merujuk {fk.referred_table.name} "
                                f"yang tidak ada.")
    return problems


def _pg_sequences(conn: Connection) -> list[str]:
    present = set(inspect(conn).get_table_names())
    problems = []
    for table in m.Base.metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None or table.name not in present:
            continue
        sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                {"t": table.name, "c": column.name}).scalar()
        if sequence is None:
            continue
        last, called = conn.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
        top = conn.execute(select(func.max(column))).scalar() or 0
        if top >= (last + 1 if called else last):
            problems.append(f"urutan id {sequence} ({last}) di belakang id terbesar {table.name} ({top}): "
                            f"penulisan berikutnya akan gagal; perbaiki dengan SELECT setval('{sequence}', {top}).")
    return problems
