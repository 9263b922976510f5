"""What one backup file holds: the member names inside the tar, the manifest that describes them,
and the SHA-256 that every member is read through. Imports the standard library only.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

FORMAT = "sipantau-cadangan"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/sipantau.sqlite3.gz", "postgresql": "database/sipantau.pgdump"}
DOCS = "documents/"
BOUNDS = "boundaries/"
CHUNK = 1 << 20
MANIFEST_MAX = 256 << 20
HASH = re.compile(r"[0-9a-f]{64}")
SAFE_PART = re.compile(r"[A-Za-z0-9._+-]+")


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


def _known_member(name: str) -> bool:
    """A name this format writes: anything else in an archive is refused, never unpacked."""
    if name == MANIFEST or name in DATABASE_MEMBERS.values():
        return True
    if name.startswith(DOCS):
        head, _, digest = name[len(DOCS):].partition("/")
        return bool(HASH.fullmatch(digest)) and head == digest[:2]
    if name.startswith(BOUNDS):
        parts = name[len(BOUNDS):].split("/")
        return all(SAFE_PART.fullmatch(p) and p not in (".", "..") for p in parts)
    return False
