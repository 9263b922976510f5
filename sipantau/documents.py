"""Uploaded documents: files stored by SHA-256 content hash, never overwritten.

Where: `SIPANTAU_DOCUMENTS_DIR` (default data/documents/, git-ignored), a directory
the web server never serves; files are handed out only through `read_document`,
which checks the reader's scope and the file's hash.

What: the kind of a file is read from its first bytes (PDF, PNG, JPEG), never from
its name, so an HTML page or a program renamed .pdf is refused and a PNG renamed
.pdf is stored (and offered for download) as the PNG it is. Size is limited by
`SIPANTAU_MAX_DOCUMENT_MB` (default 10).

How: the request is checked in full first (scope, size, kind, then the same
validation `reports.add_document` applies, in a transaction rolled back at once),
then the file is written to a temporary file in the store and hard-linked to its
hash name, an atomic step that fails rather than replace a file already there,
and only then is the metadata recorded. Same content is stored once on disk
however often, and by whomever, it is uploaded.

Imports config, db, models, auth and the write side (reports); no Streamlit.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, select

from sipantau import reports
from sipantau.auth import Actor, can_read_region, can_write_region
from sipantau.config import DATA_DIR
from sipantau.db import frame, raw, run_write
from sipantau.models import doc, dr, not_replaced
from sipantau.reports import InvalidInput, OutOfScope, Receipt
from sipantau.rules import Problem

log = logging.getLogger(__name__)

DIR_ENV = "SIPANTAU_DOCUMENTS_DIR"
MAX_MB_ENV = "SIPANTAU_MAX_DOCUMENT_MB"
DEFAULT_MAX_MB = 10
# Accepted kinds, recognised by their first bytes.
MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
KIND_NAMES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}
# What else people upload by mistake, to say what the file is.
OTHER_MAGIC = (
    (b"MZ", "program Windows"), (b"\x7fELF", "program"), (b"PK\x03\x04", "arsip ZIP atau dokumen Office"),
    (b"\xd0\xcf\x11\xe0", "dokumen Office lama"), (b"GIF8", "gambar GIF"), (b"Rar!", "arsip RAR"),
    (b"\x1f\x8b", "arsip GZIP"), (b"#!", "skrip"),
)



class NotReadable(PermissionError):
    """The user may not read documents of this region."""


# ---- settings ------------------------------------------------------------------------


def documents_dir() -> Path:
    configured = os.environ.get(DIR_ENV, "").strip()
    return Path(configured) if configured else DATA_DIR / "documents"


def max_bytes() -> int:
    raw_value = os.environ.get(MAX_MB_ENV, "").strip()
    try:
        mb = float(raw_value) if raw_value else DEFAULT_MAX_MB
    except ValueError:
        mb = 0
    if mb <= 0:
        log.warning("%s=%r tidak sah; memakai %d MB.", MAX_MB_ENV, raw_value, DEFAULT_MAX_MB)
        mb = DEFAULT_MAX_MB
    return int(mb * 1024 * 1024)


# ---- content -------------------------------------------------------------------------


def sniff(content: bytes) -> str | None:
    """The media type the first bytes show (PDF, PNG, JPEG), or None."""
    return next((media for magic, media in MAGIC if content.startswith(magic)), None)


def check_content(content: bytes, limit: int | None = None) -> str:
    """The file's media type; `InvalidInput` on field "berkas" when empty, too large or not accepted."""
    limit = limit or max_bytes()
    if not content:
        raise InvalidInput(Problem("berkas", "empty_file"))
    if len(content) > limit:
        raise InvalidInput(Problem("berkas", "file_too_large", {"size": len(content), "max": limit}))
    media = sniff(content)
    if media is None:
        head = content[:512].lstrip().lower()
        what = next((name for magic, name in OTHER_MAGIC if content.startswith(magic)), None)
        if what is None and head.startswith((b"<!doctype html", b"<html", b"<script", b"<?xml", b"<svg")):
            what = "halaman web atau skrip"
        problem = Problem("berkas", "file_type_seen", {"what": what}) if what else Problem("berkas", "file_type")
        raise InvalidInput(problem)
    return media


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def safe_filename(name: str | None) -> str:
    """The name as shown and offered for download: no folders, no control characters."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = base.strip().strip(".") or "dokumen"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:200]
    return base


def download_name(filename: str, media_type: str) -> str:
    """The stored name with the extension of what the file really is."""
    ext = EXTENSIONS.get(media_type, "")
    name = safe_filename(filename)
    if not ext or name.lower().endswith(ext) or (ext == ".jpg" and name.lower().endswith(".jpeg")):
        return name
    return name + ext


# ---- the store -------------------------------------------------------------------------


def blob_path(digest: str, root: Path | None = None) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", digest or ""):
        raise ValueError("sidik isi berkas (SHA-256) tidak sah.")
    return (root or documents_dir()) / digest[:2] / digest


def store_blob(content: bytes, root: Path | None = None) -> tuple[str, Path, bool]:
    """Write `content` under its hash; returns (hash, path, newly_written).

    A file already stored under that hash is kept as it is (never overwritten): the
    new bytes go to a temporary file in the same directory, fsynced, then hard-linked
    to the final name, which fails if the name exists. Where hard links are not
    available, a rename is used only after checking the name is free.
    """
    digest = content_hash(content)
    path = blob_path(digest, root)
    if path.exists() and _intact(path, digest, len(content)):
        return digest, path, False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o640)
        created = _link(tmp, path, digest, len(content))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _fsync_dir(path.parent)
    return digest, path, created


def _link(tmp: str, path: Path, digest: str, size: int) -> bool:
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        if _intact(path, digest, size):
            return False  # a twin upload got there first: same bytes, keep its file
        # A damaged file under this name (e.g. a disk error): repair it from these bytes.
        log.error("Berkas dokumen %s rusak (isi tidak cocok dengan sidiknya); diganti dari unggahan baru.", path)
        os.replace(tmp, path)
        return True
    except OSError:  # no hard links on this file system
        if path.exists():
            return False
        os.replace(tmp, path)
        return True


def _intact(path: Path, digest: str, size: int) -> bool:
    try:
        if path.stat().st_size != size:
            return False
        return _file_hash(path) == digest
    except OSError:
        return False


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---- upload ----------------------------------------------------------------------------


class _Rollback(Exception):
    def __init__(self, receipt: Receipt):
        super().__init__("rollback")
        self.receipt = receipt


def upload_document(engine: Engine, actor: Actor, *, region_code: str, requirement_code: str, document_date: date,
                    filename: str, content: bytes, election_code: str | None = None,
                    replaces_id: int | None = None, source: str = "form", idempotency_key: str | None = None,
                    root: Path | None = None) -> Receipt:
    """Check, store the file by content hash, then record it (`reports.record_document`).

    Raises OutOfScope before reading anything for a region the user may not write,
    and InvalidInput (field → message in Bahasa Indonesia) for everything else.
    """
    if not can_write_region(actor, region_code):
        raise OutOfScope(actor, region_code)
    media_type = check_content(content)
    fields = {"region_code": region_code, "requirement_code": requirement_code, "document_date": document_date,
              "filename": safe_filename(filename), "content_hash": content_hash(content),
              "size_bytes": len(content), "media_type": media_type, "election_code": election_code,
              "replaces_id": replaces_id, "source": source, "idempotency_key": idempotency_key}
    # Validate everything first (rolled back), so a refused upload leaves no file behind.
    trial = _trial(engine, actor, fields)
    if trial.duplicate:
        return trial
    store_blob(content, root)
    return reports.record_document(engine, actor, **fields)


def _trial(engine: Engine, actor: Actor, fields: dict) -> Receipt:
    def work(conn: Connection) -> None:
        raise _Rollback(reports.add_document(conn, actor, **fields))

    try:
        run_write(engine, work)
    except _Rollback as done:
        return done.receipt
    raise AssertionError("unreachable")


# ---- reading -----------------------------------------------------------------------------


def requirements(conn: Connection, election_code: str | None) -> pd.DataFrame:
    """Required documents for the election plus the general ones, in order."""
    cond = dr.c.election_code.is_(None)
    if election_code:
        cond = cond | (dr.c.election_code == election_code)
    return frame(conn, select(dr).where(cond).order_by(dr.c.order))


def checklist(conn: Connection, region_code: str, election_code: str | None,
              root: Path | None = None) -> pd.DataFrame:
    """One row per required document: present or missing, and the latest one held.

    Columns: requirement_code, name_id, name_en, present, count, document_id, filename,
    document_date, media_type, size_bytes, recorded_at, stored (file on this server).
    """
    req = requirements(conn, election_code)
    codes = req["code"].tolist()
    q = (select(doc.c.id, doc.c.requirement_code, doc.c.filename, raw(doc.c.document_date), doc.c.media_type,
                doc.c.size_bytes, doc.c.content_hash, raw(doc.c.recorded_at))
         .where(doc.c.region_code == region_code, doc.c.requirement_code.in_(codes or [""]), not_replaced(doc))
         .order_by(doc.c.document_date, doc.c.id))
    docs = frame(conn, q, dates=("document_date", "recorded_at"))
    counts = docs.groupby("requirement_code")["id"].count() if len(docs) else pd.Series(dtype=int)
    latest = docs.groupby("requirement_code").tail(1).set_index("requirement_code") if len(docs) else None
    rows = []
    for r in req.itertuples():
        d = latest.loc[r.code] if latest is not None and r.code in latest.index else None
        rows.append({
            "requirement_code": r.code, "name_id": r.name_id, "name_en": r.name_en, "present": d is not None,
            "count": int(counts.get(r.code, 0)),
            "document_id": int(d["id"]) if d is not None else None,
            "filename": d["filename"] if d is not None else None,
            "document_date": d["document_date"].date() if d is not None else None,
            "media_type": d["media_type"] if d is not None else None,
            "size_bytes": int(d["size_bytes"]) if d is not None else None,
            "recorded_at": d["recorded_at"] if d is not None else None,
            "stored": bool(d is not None and _exists(d["content_hash"], root)),
        })
    return pd.DataFrame(rows, columns=["requirement_code", "name_id", "name_en", "present", "count", "document_id",
                                       "filename", "document_date", "media_type", "size_bytes", "recorded_at",
                                       "stored"])


def missing(conn: Connection, region_code: str, election_code: str | None) -> list[str]:
    """Codes of required documents the region does not hold yet."""
    c = checklist(conn, region_code, election_code)
    return c.loc[~c["present"], "requirement_code"].tolist()


def _exists(digest: str, root: Path | None) -> bool:
    try:
        return blob_path(digest, root).is_file()
    except ValueError:
        return False


@dataclass(frozen=True)
class StoredFile:
    document_id: int
    filename: str  # for download: the extension follows the content
    media_type: str
    content: bytes


def read_document(conn: Connection, actor: Actor, document_id: int, root: Path | None = None) -> StoredFile:
    """A stored file for download, if the user may read the region's documents.
    FileNotFoundError when the file is not on this server (or fails its hash check)."""
    row = conn.execute(select(doc).where(doc.c.id == document_id)).mappings().first()
    if row is None:
        raise FileNotFoundError(f"Dokumen #{document_id} tidak ada.")
    if not can_read_region(actor, row["region_code"]):
        raise NotReadable(f"Pengguna {actor.username} tidak berwenang membaca dokumen wilayah {row['region_code']}.")
    path = blob_path(row["content_hash"], root)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise FileNotFoundError(f"Berkas dokumen #{document_id} tidak tersedia di server ini.") from exc
    if content_hash(content) != row["content_hash"]:
        log.error("Berkas dokumen #%d rusak: isi tidak cocok dengan sidiknya.", document_id)
        raise FileNotFoundError(f"Berkas dokumen #{document_id} rusak (isi tidak cocok dengan sidiknya).")
    return StoredFile(document_id, download_name(row["filename"], row["media_type"]), row["media_type"], content)
