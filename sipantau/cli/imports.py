"""`python -m sipantau import FILE --as USERNAME`: bulk import from CSV/Excel.

Mounted by the main CLI with `app.command("import")(import_command)`; runs alone as
`python -m sipantau.cli.imports FILE --as USERNAME`. Exit status 0 when stored (or when
a dry run finds nothing wrong), 2 when refused: the database is then untouched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from sipantau.auth import get_actor
from sipantau.cli.options import DbOption, engine_url
from sipantau.db import get_engine
from sipantau.ingest import KINDS, ImportRefused, format_error, import_file
from sipantau.upload_guard import shown

REFUSED = 2


def import_command(
    file: Annotated[Path, typer.Argument(help="Berkas CSV, XLSX, XLS atau ODS.")],
    as_user: Annotated[str, typer.Option("--as", help="Nama pengguna yang mengimpor (menentukan wilayah kewenangan).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Periksa saja; tidak ada yang disimpan.")] = False,
    kind: Annotated[str | None, typer.Option("--kind", help=f"Jenis data: {', '.join(KINDS)} (bawaan: dari judul kolom).")] = None,
    database_url: DbOption = None,
) -> None:
    """Impor laporan tahapan, hambatan atau NPHD dari CSV/Excel: semua baris tersimpan, atau tidak sama sekali."""
    try:
        content = file.read_bytes()
    except OSError as exc:
        _refuse([f"Berkas {shown(file, 200)} tidak dapat dibaca: {exc.strerror or exc}."])
    engine = get_engine(engine_url(database_url))
    with engine.connect() as conn:
        actor = get_actor(conn, as_user)
    if actor is None:
        _refuse([f"Pengguna {shown(as_user)!r} tidak dikenal atau tidak aktif."])
    try:
        result = import_file(engine, actor, kind, file.name, content, dry_run=dry_run)
    except ImportRefused as exc:
        lines = [format_error(*e) for e in exc.errors.itertuples(index=False)]
        _refuse([exc.message, *(lines if lines != [exc.message] else [])])
    typer.echo(result.summary)


def _refuse(lines: list[str]) -> NoReturn:
    for line in lines:
        # Names and cells from the file are in these lines: never a raw control character
        # (escape sequences would drive the operator's terminal).
        typer.echo(shown(line, 2000), err=True)
    raise typer.Exit(REFUSED)


app = typer.Typer(help="Impor massal dari CSV/Excel.", add_completion=False)
app.command("import")(import_command)

if __name__ == "__main__":
    app()
