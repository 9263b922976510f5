"""The pinned reference copy and what a map must credit.

The boundary files are third-party data (MIT, geometry from Badan Informasi Geospasial). Each
installed layer may have a sidecar `<stem>.meta.json` (written by `sipantau.boundaries`) that
records its attribution; maps show that attribution, never a default that may belong to other data.
Imports the standard library, `sipantau.i18n`, `sipantau.rules` and the package's paths.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from sipantau import i18n
from sipantau.geo.paths import read_meta, source_path
from sipantau.rules import clean_text

# Pinned source (see /work/shared/geo/SOURCE.md): a commit, not a branch, so that a fetch today and
# a fetch next year give the same bytes, which the checksums below then prove.
SOURCE_REPO = "mashadinoor/Indonesia-Geojson-2026"
SOURCE_COMMIT = "c95911f3f23af6e01c3bf706c80e36a9f3958588"
SOURCE_FILES = {
    "provinces.geojson": "Geojson/indonesia_provinsi.geojson",
    "regencies.geojson": "Geojson/indonesia_kabupaten.geojson",
}
# MIT asks that the licence travel with the data; fetched if present upstream, never required.
OPTIONAL_SOURCE_FILES = {"LICENSE": "LICENSE"}
SHA256 = {
    "provinces.geojson": "46db1a79679e01b29d1e45fe0e0943605e0b48517226fde49fb22f9dca010bbf",
    "regencies.geojson": "3f270079df289eeb7198256d5407dbda2d5bfb7789f34d39597d4e5cf72fdf23",
    "LICENSE": "19550206d3b33f3073e1a4b85d51702f210da136068747d462f46e8f9c6e3ade",
}
# The reference copy's credit; its English is in the catalog too, so maps translate it.
ATTRIBUTION = i18n.t("boundaries_attribution", "id")
# Shown when an installed file is neither the pinned reference copy nor recorded by an import:
# better an honest "unknown" than crediting the reference source for someone else's data.
UNKNOWN_ATTRIBUTION = (
    "Batas wilayah: sumber tidak tercatat (impor ulang dengan `boundaries import --attribution`)."
)


@functools.lru_cache(maxsize=16)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, computed once per (size, mtime): maps ask on every render."""
    stat = path.stat()
    return _sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def attribution(level: str, directory: Path | str | None = None) -> str:
    """What every map of this level must credit: the sidecar's attribution when the sidecar belongs
    to the installed file (same SHA-256), the reference attribution for the pinned reference copy,
    else UNKNOWN_ATTRIBUTION (a file dropped in by hand, or a sidecar left from another file)."""
    path = source_path(directory, level)
    sha = file_sha256(path)
    meta = read_meta(level, path.parent)
    text = clean_text(meta.get("attribution")) if meta.get("sha256") == sha else ""
    if text:
        return text
    return ATTRIBUTION if SHA256.get(path.name) == sha else UNKNOWN_ATTRIBUTION
