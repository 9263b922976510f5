"""Restoring a verified archive into an empty database of the same backend (any database with
`force`): the document files first, then the rows that name them (as an upload does), then the
row counts compared with the manifest. Imports SQLAlchemy's errors, `sipantau.documents` and the package.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from sipantau import documents
from sipantau.backup.database import (
    _engine,
    backend_of,
    head_revision,
    known_revisions,
    schema_revision,
    sqlite_path,
    table_counts,
)
from sipantau.backup.layout import BOUNDS, CHUNK, DOCS, _file_digest, _Hashing
from sipantau.backup.postgres import _pg_restore, _pg_restore_tool, _pg_tables
from sipantau.backup.results import BackupError, RestoreResult
from sipantau.backup.sqlite import _sqlite_restore, _sqlite_tables
from sipantau.backup.verify import verify_archive


def target_tables(url: str) -> list[str]:
    """Tables (and views) the target database already holds."""
    if backend_of(url) == "sqlite":
        return _sqlite_tables(sqlite_path(url))
    return _pg_tables(url)


def restore(path: Path, database_url: str, *, documents_root: Path | None = None,
            boundaries_root: Path | None = None, force: bool = False) -> RestoreResult:
    """Restore a backup into an empty database (any database with `force`), its files into
    the document store and, when given, the boundaries folder."""
    check = verify_archive(path)
    if check.problems:
        raise BackupError(f"Cadangan {path} tidak lolos pemeriksaan; tidak ada yang dipulihkan.", check.problems)
    manifest = check.manifest
    backend = _restorable(manifest, database_url)
    occupied = _occupied(database_url, force)
    pg_restore = _pg_restore_tool(manifest) if backend == "postgresql" else None
    documents_root = documents_root or documents.documents_dir()
    work_dir = sqlite_path(database_url).parent if backend == "sqlite" else None
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_dir, prefix=".sipantau-pulih-") as work:
        dump, written, bounds = _unpack(path, manifest, Path(work), documents_root, boundaries_root, force)
        # The files first, then the rows that name them (as an upload does).
        if backend == "sqlite":
            _sqlite_restore(dump, sqlite_path(database_url))
        else:
            _pg_restore(dump, database_url, pg_restore, clear=bool(occupied))
    return _restored(manifest, database_url, written, bounds, check.warnings)


def _restorable(manifest: dict, database_url: str) -> str:
    source, target = manifest["database"]["backend"], backend_of(database_url)
    if source != target:
        raise BackupError(f"Cadangan ini dari {source}; tujuan {target}. Pemulihan hanya ke backend yang sama: "
                          f"salinan SQLite dan pg_dump adalah format mesin masing-masing, dan memindahkan data "
                          f"antarmesin adalah migrasi (tipe data, urutan id), bukan pemulihan.")
    revision = manifest["schema_revision"]
    if revision is not None and revision not in known_revisions():
        release = manifest["sipantau"]
        raise BackupError(f"Cadangan memakai skema revisi {revision} yang tidak dikenal Sipantau ini (cadangan dibuat "
                          f"oleh Sipantau {release['version']}, commit {release.get('commit') or 'tidak diketahui'}). "
                          f"Pulihkan dengan versi Sipantau tersebut atau yang lebih baru.")
    return target


def _occupied(database_url: str, force: bool) -> list[str]:
    try:
        occupied = target_tables(database_url)
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise BackupError(f"Tidak dapat terhubung ke basis data tujuan: {reason}. Buat dulu basis datanya "
                          f"(PostgreSQL: createdb).") from None
    except sqlite3.Error as exc:
        raise BackupError(f"Basis data tujuan tidak dapat dibaca: {exc}.") from None
    if occupied and not force:
        shown = ", ".join(occupied[:5]) + (", …" if len(occupied) > 5 else "")
        raise BackupError(f"Basis data tujuan tidak kosong: berisi {len(occupied)} tabel ({shown}). Pemulihan hanya "
                          f"ke basis data kosong, agar tidak ada data yang tertimpa tanpa sengaja. Pakai --force "
                          f"untuk mengganti seluruh isinya dengan isi cadangan.")
    return occupied


def _unpack(path: Path, manifest: dict, work: Path, documents_root: Path, boundaries_root: Path | None,
            force: bool) -> tuple[Path, int, dict]:
    files, member = manifest["files"], manifest["database"]["member"]
    dump, written = None, 0
    bounds: dict[str, list[str]] = {"written": [], "same": [], "kept": []}
    with tarfile.open(path, mode="r|*") as tar:
        for info in tar:
            meta = files.get(info.name)
            if meta is None or not info.isfile():
                continue
            f = tar.extractfile(info)
            if info.name == member:
                dump = _unpack_database(f, work, manifest)
            elif info.name.startswith(DOCS) and info.name.endswith(meta["sha256"]):
                content = _read_checked(f, info.name, meta)
                written += documents.store_blob(content, documents_root)[2]
            elif info.name.startswith(BOUNDS) and boundaries_root is not None:
                rel = info.name[len(BOUNDS):]
                bounds[_restore_boundary(_read_checked(f, info.name, meta), boundaries_root / rel, force)].append(rel)
    if dump is None:
        raise BackupError(f"{member} tidak ada di arsip; tidak ada yang dipulihkan.")
    return dump, written, bounds


def _changed(name: str) -> BackupError:
    return BackupError(f"{name}: isi arsip berubah sejak diperiksa; pemulihan dihentikan, basis data tidak diubah.")


def _read_checked(f, name: str, meta: dict) -> bytes:
    content = f.read()
    if hashlib.sha256(content).hexdigest() != meta["sha256"]:
        raise _changed(name)
    return content


def _unpack_database(f, work: Path, manifest: dict) -> Path:
    database = manifest["database"]
    member, gzipped = database["member"], database["member"].endswith(".gz")
    target = work / ("sipantau.sqlite3" if gzipped else "sipantau.pgdump")
    reader = _Hashing(f)
    with target.open("wb") as out:
        if gzipped:
            with gzip.GzipFile(fileobj=reader, mode="rb") as inflated:
                shutil.copyfileobj(inflated, out, CHUNK)
        else:
            shutil.copyfileobj(reader, out, CHUNK)
    if reader.hexdigest() != manifest["files"][member]["sha256"] or _file_digest(target)[0] != database["sha256"]:
        raise _changed(member)
    return target


def _restore_boundary(content: bytes, target: Path, force: bool) -> str:
    """Write a boundary file unless a different one is there (kept, unless `force`)."""
    if target.is_file():
        if target.read_bytes() == content:
            return "same"
        if not force:
            return "kept"
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".pulih-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.chmod(tmp, 0o644)  # public map data, read by the dashboard process
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return "written"


def _restored(manifest: dict, database_url: str, written: int, bounds: dict, warnings: list[str]) -> RestoreResult:
    with _engine(database_url) as engine, engine.connect() as conn:
        counts, revision = table_counts(conn), schema_revision(conn)
    problems = [f"tabel {table}: {counts.get(table, 'tidak ada')} baris setelah pemulihan, cadangan mencatat {n}."
                for table, n in manifest["tables"].items() if counts.get(table) != n]
    notes = []
    head = head_revision()
    if revision != head:
        notes.append(f"Skema hasil pemulihan revisi {revision}; versi Sipantau ini {head}: jalankan "
                     f"`python -m sipantau init` untuk memperbaruinya.")
    warnings = warnings + [f"batas wilayah {rel}: berkas berbeda sudah ada di tujuan; dibiarkan (pakai --force "
                           f"untuk menimpanya)." for rel in bounds["kept"]]
    return RestoreResult(manifest, counts, written, bounds, problems, warnings, notes)
