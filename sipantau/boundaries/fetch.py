"""Fetching the pinned reference copy (`sipantau.geo.SOURCE_*`): each file streamed while hashed,
named only when its SHA-256 is the pinned one, then installed like an import. It opens a network
connection only when an operator runs `boundaries fetch` (tests hand in their own opener).
Imports the standard library, `sipantau.geo` and the package's install.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
import warnings
from collections.abc import Callable
from pathlib import Path

from sipantau import geo
from sipantau.boundaries.install import _install, _staging


class ChecksumError(ValueError):
    """A downloaded file is not the pinned one."""


def source_base_url() -> str:
    return f"https://raw.githubusercontent.com/{geo.SOURCE_REPO}/{geo.SOURCE_COMMIT}/"


def _download_verified(url: str, target: Path, sha256: str, opener: Callable) -> Path:
    """Stream to target.part while hashing; only a file with the pinned hash gets the real name."""
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with opener(url, timeout=60) as response, part.open("wb") as out:
            for chunk in iter(lambda: response.read(1 << 16), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            raise ChecksumError(
                f"SHA256 {target.name} tidak cocok: diharapkan {sha256}, didapat {digest.hexdigest()} ({url})"
            )
        os.replace(part, target)
        return target
    finally:
        part.unlink(missing_ok=True)


def fetch_boundaries(dest: Path | str | None = None, *, base_url: str | None = None,
                     opener: Callable = urllib.request.urlopen) -> list[Path]:
    """Download the pinned source files (or from a mirror/file:// base), verify their SHA256, then
    install both (previous layers kept): a failed download installs nothing."""
    dest = Path(dest) if dest is not None else geo.boundaries_dir()
    base = base_url or source_base_url()
    base = base if base.endswith("/") else base + "/"
    dest.mkdir(parents=True, exist_ok=True)
    staging = _staging(dest)
    try:
        for name, remote in geo.SOURCE_FILES.items():
            _download_verified(base + remote, staging / name, geo.SHA256[name], opener)
        paths = [_install(staging / f"{stem}.geojson", level, dest,
                          {"level": level, "attribution": geo.ATTRIBUTION,
                           "source": base + geo.SOURCE_FILES[f"{stem}.geojson"], "forced": []})
                 for level, stem in geo.STEMS.items()]
        paths += _fetch_optional(base, staging, dest, opener)
        return paths
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _fetch_optional(base: str, staging: Path, dest: Path, opener: Callable) -> list[Path]:
    paths = []
    for name, remote in geo.OPTIONAL_SOURCE_FILES.items():
        try:
            _download_verified(base + remote, staging / name, geo.SHA256[name], opener)
        except OSError as exc:  # URLError/HTTPError: licence not at that path; the data is still fine
            warnings.warn(f"{name} tidak dapat diunduh ({exc}); sertakan lisensi MIT secara manual", stacklevel=3)
            continue
        os.replace(staging / name, dest / name)
        paths.append(dest / name)
    return paths
