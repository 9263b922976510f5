"""Document records (the files themselves are stored by content hash in sipantau.documents).
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Connection, Engine

from sipantau import journal, rules
from sipantau import models as m
from sipantau.auth import Actor
from sipantau.db import run_write
from sipantau.models import doc
from sipantau.reports.core import (
    MAX_BYTES,
    Receipt,
    _add,
    _check_date,
    _check_region,
    _check_replaces,
    _code,
    _conflict,
    _exists,
    _insert,
    _record_window,
    _refuse,
    _row,
    _stamp,
    _start,
    _text,
)
from sipantau.rules import Problem


def add_document(conn: Connection, actor: Actor, *, region_code: str, requirement_code: str, document_date: date,
                 filename: str, content_hash: str, size_bytes: int, media_type: str,
                 election_code: str | None = None, replaces_id: int | None = None, source: str = "form",
                 idempotency_key: str | None = None) -> Receipt:
    """Document metadata; the file is stored by content hash before this is called.
    No lock: the only rule on stored rows (one correction per document) is the unique
    index on `replaces_id`, and a writer it stops is told what the check says."""
    existing = _start(conn, actor, doc, idempotency_key)
    if existing:
        return existing
    region_code, requirement_code = _code(region_code), _code(requirement_code)
    election_code = _code(election_code) or None
    problems: dict[str, Problem] = {}
    _check_region(conn, problems, actor, region_code, election_code)
    if not _exists(conn, m.DocumentRequirement, requirement_code):
        _add(problems, rules.unknown("jenis dokumen", "requirement", requirement_code))
    day = _check_date(problems, "tanggal dokumen", document_date, _record_window(conn, election_code))
    filename = _text(problems, "nama berkas", filename, doc.c.filename)
    media_type = _text(problems, "berkas", media_type, doc.c.media_type)
    if not (isinstance(content_hash, str) and re.fullmatch(r"[0-9a-f]{64}", content_hash)):
        _add(problems, Problem("berkas", "bad_hash"))
    if isinstance(size_bytes, bool) or not isinstance(size_bytes, int) or not 0 <= size_bytes <= MAX_BYTES:
        _add(problems, Problem("berkas", "bad_size"))
    _check_replaces(conn, problems, doc, replaces_id,
                    {"region_code": region_code, "requirement_code": requirement_code})
    if problems:
        return _refuse(conn, actor, doc, idempotency_key, problems)
    row = {"region_code": region_code, "election_code": election_code, "requirement_code": requirement_code,
           "document_date": day, "filename": filename, "content_hash": content_hash,
           "size_bytes": size_bytes, "media_type": media_type, "replaces_id": replaces_id,
           **_stamp(actor, source, idempotency_key)}
    document_id = _insert(conn, doc, row)
    if document_id is None:
        return _conflict(conn, actor, doc, row)
    journal.record(conn, actor, "koreksi" if replaces_id else "buat", "document", document_id, region_code,
           _row(conn, doc, replaces_id) if replaces_id else None, row)
    return Receipt("document", document_id, row["recorded_at"])


def record_document(engine: Engine, actor: Actor, **fields) -> Receipt:
    return run_write(engine, lambda conn: add_document(conn, actor, **fields))
