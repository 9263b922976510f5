"""`python -m sipantau backup | restore | verify`: back up, restore and check the data.

Exit status 0 when all is well, 2 when something is refused, damaged or missing (the
message, in Bahasa Indonesia, names the file, table or document). What a backup holds
and why it is consistent: `sipantau/backup.py`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlalchemy.engine import make_url

from sipantau import backup as bk
from sipantau import documents
from sipantau.cli.options import DbOption, engine_url

PROBLEM = 2

DocsOption = Annotated[Path | None, typer.Option("--documents-dir", help="Folder dokumen (bawaan: SIPANTAU_DOCUMENTS_DIR atau data/documents/).")]
BoundsOption = Annotated[Path | None, typer.Option("--boundaries-dir", help="Folder batas wilayah (bawaan: SIPANTAU_BOUNDARIES_DIR atau data/boundaries/).")]


def _boundaries_dir(given: Path | None) -> Path:
    if given is not None:
        return given
    from sipantau import geo  # geopandas: imported only when the folder is needed

    return geo.boundaries_dir()


def _mb(n: int) -> str:
    return f"{n / 1_048_576:.1f}".replace(".", ",") + " MB"


def _seconds(started: float) -> str:
    return f"{time.perf_counter() - started:.1f}".replace(".", ",") + " s"


def _lines(prefix: str, lines: list[str]) -> None:
    for line in lines:
        typer.echo(f"{prefix}{line}", err=True)


def _refuse(exc: bk.BackupError) -> NoReturn:
    typer.echo(f"Gagal: {exc}", err=True)
    _lines("  - ", exc.details)
    raise typer.Exit(PROBLEM)


def backup_command(
    out: Annotated[Path | None, typer.Option("--out", help="Folder tujuan atau nama berkas .tar (bawaan: data/backups/).")] = None,
    database_url: DbOption = None,
    documents_dir: DocsOption = None,
    boundaries_dir: BoundsOption = None,
    no_boundaries: Annotated[bool, typer.Option("--no-boundaries", help="Tanpa folder batas wilayah.")] = False,
) -> None:
    """Cadangkan basis data, dokumen dan batas wilayah ke satu berkas .tar beserta manifest SHA-256."""
    started = time.perf_counter()
    bounds = None if no_boundaries else _boundaries_dir(boundaries_dir)
    try:
        result = bk.backup(engine_url(database_url), out, documents_root=documents_dir, boundaries_root=bounds)
    except bk.BackupError as exc:
        _refuse(exc)
    manifest = result.manifest
    docs = manifest["documents"]
    typer.echo(f"Cadangan tersimpan: {result.path} ({_mb(result.path.stat().st_size)}, {_seconds(started)}).")
    typer.echo(f"  basis data {manifest['database']['backend']}, skema {manifest['schema_revision']}, "
               f"{sum(manifest['tables'].values())} baris dalam {len(manifest['tables'])} tabel; "
               f"{docs['files']} berkas dokumen ({_mb(docs['bytes'])}); "
               f"{manifest['boundaries']['files']} berkas batas wilayah.")
    if result.warnings:
        typer.echo("Peringatan: cadangan tersimpan tetapi tidak lengkap:", err=True)
        _lines("  - ", result.warnings)
        raise typer.Exit(PROBLEM)


def restore_command(
    backup_file: Annotated[Path, typer.Argument(help="Berkas cadangan .tar.")],
    database_url: DbOption = None,
    documents_dir: DocsOption = None,
    boundaries_dir: BoundsOption = None,
    force: Annotated[bool, typer.Option("--force", help="Ganti seluruh isi basis data tujuan yang tidak kosong.")] = False,
) -> None:
    """Pulihkan cadangan ke basis data kosong (SQLite ke SQLite, PostgreSQL ke PostgreSQL)."""
    started = time.perf_counter()
    url = engine_url(database_url)
    try:
        result = bk.restore(backup_file, url, documents_root=documents_dir,
                            boundaries_root=_boundaries_dir(boundaries_dir), force=force)
    except bk.BackupError as exc:
        _refuse(exc)
    bounds = result.boundaries
    typer.echo(f"Dipulihkan dari {backup_file} ({result.manifest['created_at']}) dalam {_seconds(started)}: "
               f"{sum(result.tables.values())} baris dalam {len(result.tables)} tabel, "
               f"{result.documents_written} berkas dokumen baru, {len(bounds['written'])} berkas batas wilayah "
               f"ditulis ({len(bounds['same'])} sudah sama).")
    for note in result.notes:
        typer.echo(note)
    _lines("Peringatan: ", result.warnings)
    _lines("MASALAH: ", result.problems)
    if result.problems or result.warnings:
        raise typer.Exit(PROBLEM)
    typer.echo("Periksa hasilnya: python -m sipantau verify --database-url …")


def verify_command(
    backup_file: Annotated[Path | None, typer.Argument(help="Berkas cadangan .tar; tanpa ini: periksa basis data yang berjalan.")] = None,
    database_url: DbOption = None,
    documents_dir: DocsOption = None,
) -> None:
    """Periksa berkas cadangan terhadap manifestnya, atau keutuhan basis data dan dokumen yang berjalan."""
    if backup_file is not None and (database_url or documents_dir):
        typer.echo("Gagal: pilih salah satu: berkas cadangan, atau --database-url/--documents-dir.", err=True)
        raise typer.Exit(PROBLEM)
    started = time.perf_counter()
    try:
        if backup_file is not None:
            check, what = bk.verify_archive(backup_file), f"Cadangan {backup_file}"
        else:
            url = engine_url(database_url)
            shown = make_url(url).render_as_string(hide_password=True)
            check, what = bk.verify_database(url, documents_dir or documents.documents_dir()), f"Basis data {shown}"
    except bk.BackupError as exc:
        _refuse(exc)
    for note in check.notes:
        typer.echo(note)
    _lines("Peringatan: ", check.warnings)
    _lines("MASALAH: ", check.problems)
    if not check.ok:
        typer.echo(f"{what}: ada masalah ({_seconds(started)}).", err=True)
        raise typer.Exit(PROBLEM)
    typer.echo(f"{what}: utuh ({_seconds(started)}).")
