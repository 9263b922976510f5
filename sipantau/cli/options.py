"""What the command groups share: the --database-url option and the settings check."""

from __future__ import annotations

from typing import Annotated

import typer

from sipantau.config import settings, settings_problems

BAD_SETTINGS = 2

DbOption = Annotated[str | None, typer.Option(
    "--database-url", help="Bawaan: pengaturan database_url (SIPANTAU_DATABASE_URL), atau SQLite data/sipantau.db.")]


def engine_url(database_url: str | None) -> str:
    """The --database-url given, or the setting."""
    return database_url or settings().database_url


def require_valid_settings() -> None:
    """Stop with every bad setting named: no command runs on values the operator did not choose."""
    problems = settings_problems()
    if not problems:
        return
    typer.echo("Gagal: pengaturan tidak sah; perbaiki dulu (periksa dengan `python -m sipantau settings`):", err=True)
    for problem in problems:
        typer.echo(f"  - {problem}", err=True)
    raise typer.Exit(BAD_SETTINGS)
