"""Size and time of a backup, a verify and a restore of the default demo database.

For each backend it builds the default demo (`python -m sipantau init --demo`, about
240,000 stage reports) in a temporary place, optionally puts N incompressible files of
500 kB in the document store, then runs the commands as an operator would (each a new
process, so start-up is included) and prints one JSON line: database size, archive size,
and seconds for backup, verify of the archive, restore into an empty database, and verify
of the restored database.

    python bench/backup.py                       # SQLite and PostgreSQL
    python bench/backup.py --db sqlite --documents 200
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sipantau import documents  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def sipantau(*args: str, env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sipantau", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return round(time.perf_counter() - started, 1)


def pg_database() -> tuple[str, callable]:
    name = f"sipantau_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False), drop


def database_bytes(url: str) -> int:
    if url.startswith("sqlite"):
        return Path(make_url(url).database).stat().st_size
    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return size


def run(db: str, n_documents: int, work: Path) -> dict:
    drops = []
    if db == "sqlite":
        source, target = f"sqlite:///{work / 'sumber.db'}", f"sqlite:///{work / 'pulih.db'}"
    else:
        (source, drop_source), (target, drop_target) = pg_database(), pg_database()
        drops += [drop_source, drop_target]
    try:
        docs, restored_docs = work / "dokumen", work / "dokumen-pulih"
        env = dict(os.environ, SIPANTAU_DATABASE_URL=source, SIPANTAU_DOCUMENTS_DIR=str(docs))
        seed_s = sipantau("init", "--demo", env=env)
        for _ in range(n_documents):
            documents.store_blob(b"%PDF-1.7\n" + os.urandom(500_000), docs)
        archive = work / "cadangan.tar"
        backup_s = sipantau("backup", "--out", str(archive), "--no-boundaries", env=env)
        verify_s = sipantau("verify", str(archive), env=env)
        restore_s = sipantau("restore", str(archive), "--database-url", target, "--documents-dir",
                             str(restored_docs), "--boundaries-dir", str(work / "batas"), env=env)
        verify_live_s = sipantau("verify", "--database-url", target, "--documents-dir", str(restored_docs), env=env)
        return {"db": db, "documents": n_documents, "database_mb": round(database_bytes(source) / 1e6, 1),
                "archive_mb": round(archive.stat().st_size / 1e6, 1), "seed_s": seed_s, "backup_s": backup_s,
                "verify_archive_s": verify_s, "restore_s": restore_s, "verify_restored_s": verify_live_s}
    finally:
        for drop in drops:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--documents", type=int, default=0, help="incompressible 500 kB files in the store")
    args = parser.parse_args()
    for db in args.db or ["sqlite", "postgresql"]:
        with tempfile.TemporaryDirectory(prefix="sipantau-bench-backup-") as work:
            print(json.dumps(run(db, args.documents, Path(work))), flush=True)


if __name__ == "__main__":
    main()
