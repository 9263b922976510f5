"""Backup, restore and verification of the report database and the document store.

One backup is one file, `sipantau-cadangan-YYYYMMDD-HHMMSS.tar` (Jakarta time): a plain
tar that any `tar` lists and unpacks, mode 0600 (it holds password hashes), holding

    database/sipantau.sqlite3.gz   SQLite: an online copy (the sqlite3 backup API), gzipped
    database/sipantau.pgdump       PostgreSQL: `pg_dump --format=custom` (compressed by itself)
    documents/ab/ab12…             every file of the document store, named by its SHA-256
    boundaries/…                   the boundaries folder (not in git), unless left out
    manifest.json                  last: what the rest is, with the SHA-256 and size of every member

One file, because it is one thing to copy off the server and to check; not gzipped as a
whole, because documents (PDF, JPEG, PNG) and the pg_dump do not compress further: only
the SQLite copy is. It is written as a hidden `.part` file and linked to its name only
once complete, so a backup that exists is whole.

Consistency: the database comes from one snapshot. SQLite's backup API copies every page
in one step, inside one read transaction, while writers carry on (WAL); pg_dump runs on a
snapshot exported from a REPEATABLE READ transaction, the one in which the manifest's
row counts are taken. The documents are copied after the snapshot: an upload stores its
file before the row naming it commits (`documents.upload_document`) and files are never
deleted, so every file the snapshot names is on disk by then.

Restore goes only into an empty database, from a backup of the same backend: a SQLite file
and a pg_dump are each their engine's own format, and moving rows between engines is a
migration (types, sequences), not a recovery step.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from psycopg.conninfo import make_conninfo
from sqlalchemy import Connection, Engine, and_, create_engine, exists, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

import sipantau
from sipantau import documents
from sipantau import models as m
from sipantau.clock import TIMEZONE
from sipantau.config import DATA_DIR, ROOT
from sipantau.db import make_engine

FORMAT = "sipantau-cadangan"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/sipantau.sqlite3.gz", "postgresql": "database/sipantau.pgdump"}
DOCS = "documents/"
BOUNDS = "boundaries/"
DEFAULT_DIR = DATA_DIR / "backups"
CHUNK = 1 << 20
MANIFEST_MAX = 256 << 20
# Demo rows name files that were never uploaded (synthetic history): not looked for.
SYNTHETIC_SOURCE = "demo"
HASH = re.compile(r"[0-9a-f]{64}")
SAFE_PART = re.compile(r"[A-Za-z0-9._+-]+")
SHOWN = 20  # problems listed one by one before "… dan N lagi"


class BackupError(Exception):
    """A refusal or a failure; the message (Bahasa Indonesia) says what to do."""

    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.details = details or []


@dataclass
class Check:
    """What a verification found: problems (damaged), warnings (intact but incomplete), notes."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    manifest: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.warnings


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    warnings: list[str]


@dataclass
class RestoreResult:
    manifest: dict
    tables: dict[str, int]
    documents_written: int
    boundaries: dict[str, list[str]]
    problems: list[str]
    warnings: list[str]
    notes: list[str]


# ---- facts about a database ------------------------------------------------------------


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


def _ids(ids: list[int]) -> str:
    shown = ", ".join(f"#{i}" for i in ids[:5])
    return shown + (f" (+{len(ids) - 5} lagi)" if len(ids) > 5 else "")


def _listed(lines: list[str]) -> list[str]:
    return lines[:SHOWN] + ([f"… dan {len(lines) - SHOWN} lagi."] if len(lines) > SHOWN else [])


# ---- PostgreSQL tools --------------------------------------------------------------------


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


# ---- the snapshot ------------------------------------------------------------------------


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


def _file_digest(path: Path) -> tuple[str, int]:
    with path.open("rb") as f:
        reader = _Hashing(f)
        while reader.read(CHUNK):
            pass
    return reader.hexdigest(), reader.size


class _Hashing:
    """A reader that hashes what passes through it (tar members are hashed as written)."""

    def __init__(self, raw):
        self.raw, self.size, self._hash = raw, 0, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self._hash.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


# ---- backup ----------------------------------------------------------------------------


def archive_path(out: Path | None, now: datetime) -> Path:
    """`out` is a folder (the name is made from the time) or a file name ending in .tar."""
    out = out or DEFAULT_DIR
    if out.suffix == ".tar" and not out.is_dir():
        return out
    return out / f"sipantau-cadangan-{now:%Y%m%d-%H%M%S}.tar"


def stored_blobs(root: Path) -> list[tuple[str, Path]]:
    """(name in the store, path) of every file the store holds under its hash."""
    if not root.is_dir():
        return []
    return sorted((f"{p.parent.name}/{p.name}", p) for p in root.glob("??/*")
                  if HASH.fullmatch(p.name) and p.parent.name == p.name[:2] and p.is_file())


def boundary_files(root: Path) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    return sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file())


def backup(database_url: str, out: Path | None = None, *, documents_root: Path | None = None,
           boundaries_root: Path | None = None) -> BackupResult:
    """Write one backup archive; `boundaries_root` None leaves the boundaries out."""
    now = datetime.now(TIMEZONE)
    target = archive_path(out, now)
    if target.exists():
        raise BackupError(f"{target} sudah ada; cadangan tidak pernah ditimpa.")
    target.parent.mkdir(parents=True, exist_ok=True)
    backend = backend_of(database_url)
    documents_root = documents_root or documents.documents_dir()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".sipantau-cadangan-") as work:
        snap = (_sqlite_snapshot if backend == "sqlite" else _pg_snapshot)(database_url, Path(work))
        # Listed after the snapshot: every file it names is stored by now.
        members = [(DATABASE_MEMBERS[backend], snap.member)]
        members += [(DOCS + name, path) for name, path in stored_blobs(documents_root)]
        if boundaries_root is not None:
            members += [(BOUNDS + name, path) for name, path in boundary_files(boundaries_root)]
        manifest = _write_archive(target, members, lambda files: _manifest(now, snap, files, boundaries_root))
    return BackupResult(target, manifest, archive_warnings(manifest))


def _manifest(now: datetime, snap: _Snapshot, files: dict, boundaries_root: Path | None) -> dict:
    blobs = {name[len(DOCS):]: meta for name, meta in files.items() if name.startswith(DOCS)}
    intact = {name.rpartition("/")[2] for name, meta in blobs.items() if name.endswith(meta["sha256"])}
    missing = [{"content_hash": digest, "document_ids": info["ids"]}
               for digest, info in snap.referenced.items() if digest not in intact]
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "created_at": now.isoformat(timespec="seconds"),
        "sipantau": sipantau_release(),
        "schema_revision": snap.revision,
        "database": {"member": DATABASE_MEMBERS[snap.database["backend"]], **snap.database},
        "tables": snap.tables,
        "documents": {"files": len(blobs), "bytes": sum(b["size"] for b in blobs.values()),
                      "referenced": len(snap.referenced), "synthetic_rows": snap.synthetic, "missing": missing},
        "boundaries": {"included": boundaries_root is not None,
                       "files": sum(name.startswith(BOUNDS) for name in files)},
        "files": files,
    }


def _write_archive(target: Path, members: list[tuple[str, Path]], manifest_for) -> dict:
    part = target.with_name(f".{target.name}.part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                files = {name: _add_file(tar, name, path) for name, path in members}
                manifest = manifest_for(files)
                _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            raw.flush()
            os.fsync(raw.fileno())
        _publish(part, target)
    finally:
        part.unlink(missing_ok=True)
    return manifest


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> dict:
    with path.open("rb") as f:
        info = tar.gettarinfo(arcname=name, fileobj=f)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _Hashing(f)
        tar.addfile(info, reader)
    return {"sha256": reader.hexdigest(), "size": info.size}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(TIMEZONE).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _publish(part: Path, target: Path) -> None:
    """Give the finished archive its name; a link fails rather than replace a backup."""
    try:
        os.link(part, target)
    except FileExistsError as exc:
        raise BackupError(f"{target} sudah ada; cadangan tidak pernah ditimpa.") from exc
    except OSError:  # no hard links on this file system
        if target.exists():
            raise BackupError(f"{target} sudah ada; cadangan tidak pernah ditimpa.") from None
        os.replace(part, target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def archive_warnings(manifest: dict) -> list[str]:
    """What the archive lacks although intact: files the database named that were not there."""
    warnings = []
    for item in manifest["documents"]["missing"]:
        warnings.append(f"dokumen {_ids(item['document_ids'])}: berkas {item['content_hash']} tidak ada (atau rusak) "
                        f"di folder dokumen saat pencadangan; cadangan ini tidak memuatnya.")
    return _listed(warnings)


# ---- reading an archive -----------------------------------------------------------------


def _known_member(name: str) -> bool:
    if name == MANIFEST or name in DATABASE_MEMBERS.values():
        return True
    if name.startswith(DOCS):
        head, _, digest = name[len(DOCS):].partition("/")
        return bool(HASH.fullmatch(digest)) and head == digest[:2]
    if name.startswith(BOUNDS):
        parts = name[len(BOUNDS):].split("/")
        return all(SAFE_PART.fullmatch(p) and p not in (".", "..") for p in parts)
    return False


def _member_digest(f, gzipped: bool) -> dict:
    """SHA-256 and size of a member, and of its uncompressed bytes when gzipped."""
    reader = _Hashing(f)
    inflate, raw = (zlib.decompressobj(wbits=31), hashlib.sha256()) if gzipped else (None, None)
    raw_size = 0
    while chunk := reader.read(CHUNK):
        if inflate is not None:
            data = inflate.decompress(chunk)
            raw.update(data)
            raw_size += len(data)
    found = {"sha256": reader.hexdigest(), "size": reader.size}
    if inflate is not None:
        found |= {"raw_sha256": raw.hexdigest(), "raw_size": raw_size, "raw_complete": inflate.eof}
    return found


def _scan(path: Path, check: Check) -> tuple[dict, dict | None]:
    """One pass over the archive: digest of every member, and the manifest."""
    seen: dict[str, dict] = {}
    manifest = None
    with tarfile.open(path, mode="r|*") as tar:
        for member in tar:
            name = member.name
            if member.isdir():
                continue
            if not member.isfile():
                check.problems.append(f"{name}: bukan berkas biasa (tautan atau perangkat); ditolak.")
            elif not _known_member(name):
                check.problems.append(f"{name}: nama anggota arsip tidak dikenal atau tidak aman; ditolak.")
            elif name in seen or (name == MANIFEST and manifest is not None):
                check.problems.append(f"{name}: muncul dua kali di arsip.")
            elif name == MANIFEST:
                manifest = _read_manifest(tar.extractfile(member), check)
            else:
                seen[name] = _member_digest(tar.extractfile(member), name == DATABASE_MEMBERS["sqlite"])
    return seen, manifest


def _read_manifest(f, check: Check) -> dict | None:
    data = f.read(MANIFEST_MAX + 1)
    try:
        if len(data) > MANIFEST_MAX:
            raise ValueError("terlalu besar")
        manifest = json.loads(data)
        if not isinstance(manifest, dict):
            raise ValueError("bukan objek JSON")
    except ValueError as exc:
        check.problems.append(f"{MANIFEST}: tidak sah ({exc}).")
        return {}
    return manifest


def verify_archive(path: Path) -> Check:
    """Check a backup archive against its manifest: every member, its size and SHA-256."""
    check = Check()
    if not path.is_file():
        check.problems.append(f"{path}: berkas cadangan tidak ada.")
        return check
    try:
        seen, manifest = _scan(path, check)
    except (OSError, tarfile.TarError, EOFError, zlib.error) as exc:
        check.problems.append(f"{path}: arsip tidak dapat dibaca sampai akhir ({exc}); terpotong atau rusak.")
        return check
    if manifest is None:
        check.problems.append(f"{MANIFEST} tidak ada: {path} bukan cadangan Sipantau, atau terpotong.")
        return check
    try:
        _compare(seen, manifest, check)
    except (KeyError, TypeError, AttributeError) as exc:
        check.problems.append(f"{MANIFEST}: tidak sah (isian {exc} hilang atau salah jenis).")
        return check
    check.manifest = manifest
    return check


def _compare(seen: dict, manifest: dict, check: Check) -> None:
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("format_version"), int):
        raise TypeError("format")
    if manifest["format_version"] > FORMAT_VERSION:
        check.problems.append(f"Format cadangan versi {manifest['format_version']} lebih baru daripada yang dikenal "
                              f"Sipantau ini ({FORMAT_VERSION}); pakai Sipantau yang lebih baru.")
        return
    files, database = manifest["files"], manifest["database"]
    problems = [problem for name, meta in files.items() if (problem := _member_problem(name, meta, seen.get(name)))]
    problems += [f"{name}: ada di arsip tetapi tidak tercatat di manifest." for name in seen if name not in files]
    if database["member"] not in files or database["member"] != DATABASE_MEMBERS.get(database["backend"]):
        problems.append(f"{database['member']}: salinan basis data tidak tercatat di manifest.")
    elif database["member"].endswith(".gz") and database["member"] in seen:
        problems += _raw_problem(database, seen[database["member"]])
    check.problems += _listed(problems)
    check.warnings += _damaged_blobs(files) + archive_warnings(manifest)
    check.notes.append(_summary(manifest))


def _member_problem(name: str, expected: dict, found: dict | None) -> str | None:
    if found is None:
        return f"{name}: tercatat di manifest tetapi tidak ada di arsip."
    if found["size"] != expected["size"]:
        return f"{name}: ukuran {found['size']} bita, manifest mencatat {expected['size']}; berkas rusak atau diubah."
    if found["sha256"] != expected["sha256"]:
        return f"{name}: isi tidak cocok dengan manifest (SHA-256 berbeda); berkas rusak atau diubah."
    return None


def _raw_problem(database: dict, found: dict) -> list[str]:
    if not found["raw_complete"] or found["raw_sha256"] != database["sha256"] or found["raw_size"] != database["size"]:
        return [f"{database['member']}: isi basis data setelah dibuka (gunzip) tidak cocok dengan manifest."]
    return []


def _damaged_blobs(files: dict) -> list[str]:
    return _listed([f"{name}: isi tidak cocok dengan namanya (SHA-256) sejak sebelum dicadangkan; tidak dipulihkan."
                    for name, meta in files.items() if name.startswith(DOCS) and not name.endswith(meta["sha256"])])


def _summary(manifest: dict) -> str:
    db, docs, release = manifest["database"], manifest["documents"], manifest["sipantau"]
    commit = f", commit {release['commit'][:12]}" if release.get("commit") else ""
    rows = sum(manifest["tables"].values())
    return (f"Cadangan {manifest['created_at']} oleh Sipantau {release['version']}{commit}: basis data "
            f"{db['backend']} (skema {manifest['schema_revision']}), {len(manifest['tables'])} tabel, {rows} baris; "
            f"{docs['files']} berkas dokumen ({docs['bytes']} bita); {manifest['boundaries']['files']} berkas batas "
            f"wilayah.")


# ---- restore ---------------------------------------------------------------------------


def target_tables(url: str) -> list[str]:
    """Tables (and views) the target database already holds."""
    if backend_of(url) == "sqlite":
        path = sqlite_path(url)
        if not path.is_file() or path.stat().st_size == 0:
            return []
        with closing(sqlite3.connect(path, timeout=30)) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                                "AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
        return [r[0] for r in rows]
    with _engine(url) as engine, engine.connect() as conn:
        return [f"{schema}.{name}" for schema, name, _kind in conn.execute(text(_PG_USER_TABLES))]


_PG_USER_TABLES = ("SELECT table_schema, table_name, table_type FROM information_schema.tables "
                   "WHERE table_schema <> 'information_schema' AND table_schema NOT LIKE 'pg\\_%' "
                   "ORDER BY table_schema, table_name")


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


def _pg_restore_tool(manifest: dict) -> str:
    tool, major, _ = pg_tool("pg_restore")
    made_by = manifest["database"]["pg_dump_major"]
    if major < made_by:
        raise BackupError(f"pg_restore versi {major} ({tool}) tidak dapat membaca cadangan dari pg_dump versi "
                          f"{made_by}. Pasang postgresql-client-{made_by} atau taruh foldernya di awal PATH.")
    return tool


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


def _sqlite_restore(copy: Path, target: Path) -> None:
    # The backup API replaces the whole target in one write transaction, even one that is open elsewhere.
    with closing(sqlite3.connect(copy)) as src, closing(sqlite3.connect(target, timeout=30)) as dst:
        src.backup(dst)


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


# ---- a live database -------------------------------------------------------------------


def verify_database(database_url: str, documents_root: Path | None = None) -> Check:
    """Integrity of a live database and of the files its documents name."""
    check = Check()
    backend = backend_of(database_url)
    if backend == "sqlite" and not sqlite_path(database_url).is_file():
        check.problems.append(f"Berkas basis data {sqlite_path(database_url)} tidak ada.")
        return check
    root = documents_root or documents.documents_dir()
    with _engine(database_url) as engine:
        try:
            with engine.connect() as conn:
                _check_schema(conn, check)
                (_sqlite_integrity if backend == "sqlite" else _pg_sanity)(conn, check)
                counts = table_counts(conn)
                check.notes.append("Jumlah baris: " + ", ".join(f"{t} {n}" for t, n in counts.items()) + ".")
                _check_documents(conn, root, check)
        except SQLAlchemyError as exc:
            check.problems.append(f"Basis data tidak dapat dibaca: {getattr(exc, 'orig', None) or exc}.")
    return check


def _check_schema(conn: Connection, check: Check) -> None:
    revision, head = schema_revision(conn), head_revision()
    if revision is None:
        check.problems.append("Basis data belum berskema Sipantau (alembic_version kosong): jalankan "
                              "`python -m sipantau init`.")
        return
    if revision != head:
        known = "" if revision in known_revisions() else " (tidak dikenal versi Sipantau ini)"
        check.problems.append(f"Skema revisi {revision}{known}, versi Sipantau ini {head}: jalankan "
                              f"`python -m sipantau init` dengan versi yang sesuai.")
    present = set(inspect(conn).get_table_names())
    missing = [t.name for t in m.Base.metadata.sorted_tables if t.name not in present]
    if missing:
        check.problems.append(f"Tabel tidak ada: {', '.join(missing)}.")
    else:
        check.notes.append(f"Skema revisi {revision}: semua {len(m.Base.metadata.tables)} tabel ada.")


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


def _check_documents(conn: Connection, root: Path, check: Check) -> None:
    referenced = referenced_documents(conn)
    problems = [problem for digest, info in referenced.items() if (problem := _blob_problem(digest, info, root))]
    check.problems += _listed(problems)
    if not problems:
        check.notes.append(f"Dokumen: {len(referenced)} berkas yang dirujuk basis data ada dan utuh di {root}.")
    if synthetic := synthetic_documents(conn):
        check.notes.append(f"{synthetic} baris dokumen demo (sintetis, tanpa berkas) tidak diperiksa.")


def _blob_problem(digest: str, info: dict, root: Path) -> str | None:
    who = f"dokumen {_ids(info['ids'])}"
    try:
        path = documents.blob_path(digest, root)
    except ValueError:
        return f"{who}: sidik isi {digest!r} tidak sah."
    try:
        size = path.stat().st_size
    except OSError:
        return f"{who}: berkas {digest} tidak ada di {root}."
    if size != info["size"]:
        return f"{who}: berkas {digest} berukuran {size} bita, basis data mencatat {info['size']}."
    if _file_digest(path)[0] != digest:
        return f"{who}: berkas {digest} rusak (isi tidak cocok dengan sidiknya)."
    return None
