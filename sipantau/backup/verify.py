"""Verification: an archive against its manifest (every member, its size and SHA-256, read in one
pass), and a live database (schema, integrity, the files its documents name). Imports
SQLAlchemy, `sipantau.models`, `sipantau.documents` and the package.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import zlib
from pathlib import Path

from sqlalchemy import Connection, inspect
from sqlalchemy.exc import SQLAlchemyError

from sipantau import documents
from sipantau import models as m
from sipantau.backup.archive import archive_warnings
from sipantau.backup.database import (
    _engine,
    backend_of,
    head_revision,
    known_revisions,
    referenced_documents,
    schema_revision,
    sqlite_path,
    synthetic_documents,
    table_counts,
)
from sipantau.backup.layout import (
    CHUNK,
    DATABASE_MEMBERS,
    DOCS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MANIFEST_MAX,
    _file_digest,
    _Hashing,
    _known_member,
)
from sipantau.backup.postgres import _pg_sanity
from sipantau.backup.results import Check, _ids, _listed
from sipantau.backup.sqlite import _sqlite_integrity


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
