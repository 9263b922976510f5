"""Writing one backup archive: the snapshot of the database, then every document file and, when
asked, the boundaries folder, then the manifest; written as a hidden `.part` (mode 0600) and
linked to its name only once complete, never over another backup. Imports `sipantau.documents`,
`sipantau.config` and the package.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from sipantau import documents
from sipantau.backup.database import _Snapshot, backend_of, sipantau_release
from sipantau.backup.layout import (
    BOUNDS,
    DATABASE_MEMBERS,
    DOCS,
    FORMAT,
    FORMAT_VERSION,
    HASH,
    MANIFEST,
    _Hashing,
)
from sipantau.backup.postgres import _pg_snapshot
from sipantau.backup.results import BackupError, BackupResult, _ids, _listed
from sipantau.backup.sqlite import _sqlite_snapshot
from sipantau.clock import TIMEZONE
from sipantau.config import DATA_DIR

DEFAULT_DIR = DATA_DIR / "backups"


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
