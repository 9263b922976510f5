"""`python -m sipantau sessions list|revoke`: who is signed in where, and ending a session.

Revoking runs as the built-in admin `sistem.cli`, so the audit log names it. An operations-room
screen (a screen session, 30 days by default) is ended here or on the Pengguna page.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import Engine

from sipantau import auth, clock, sessions
from sipantau.cli.options import DbOption, engine_url
from sipantau.db import get_engine, write_tx

app = typer.Typer(help="Sesi: daftar sesi yang masuk, akhiri sesi (mis. layar ruang operasi).",
                  no_args_is_help=True, add_completion=False)

KINDS = {sessions.PASSWORD: "kata sandi", sessions.SCREEN: "layar", sessions.OIDC: "SSO"}
COLUMNS = [("ID", "id"), ("Pengguna", "username"), ("Jenis", "kind_name"), ("Mulai", "created"),
           ("Terakhir aktif", "seen"), ("Berlaku s.d.", "until"), ("Status", "state"), ("Alamat", "client_ip"),
           ("Peramban", "user_agent")]


def _engine(database_url: str | None) -> Engine:
    return get_engine(engine_url(database_url))


@app.command("list")
def list_cmd(
    all_sessions: Annotated[bool, typer.Option("--all", help="Tampilkan juga sesi yang sudah berakhir.")] = False,
    database_url: DbOption = None,
) -> None:
    """Daftar sesi aktif (terbaru dahulu), tanpa token."""
    with _engine(database_url).connect() as conn:
        rows = sessions.listing(conn, include_ended=all_sessions)
    if not rows:
        typer.echo("Tidak ada sesi aktif." if not all_sessions else "Belum ada sesi.")
        return
    typer.echo(_table([_cells(r) for r in rows]))


def _cells(row: dict) -> list[str]:
    cells = row | {"kind_name": KINDS.get(row["kind"], row["kind"]), "created": clock.moment(row["created_at"]),
                   "seen": clock.moment(row["last_seen_at"]), "until": clock.moment(row["expires_at"]),
                   "user_agent": (row["user_agent"] or "")[:40]}
    return [str(cells[key] or "-") for _, key in COLUMNS]


def _table(rows: list[list[str]]) -> str:
    header = [title for title, _ in COLUMNS]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(COLUMNS))]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


@app.command()
def revoke(
    session_id: Annotated[int | None, typer.Argument(help="ID sesi (lihat `sessions list`).")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Akhiri semua sesi aktif pengguna ini.")] = None,
    database_url: DbOption = None,
) -> None:
    """Akhiri satu sesi, atau semua sesi seorang pengguna (--user)."""
    if (session_id is None) == (user is None):
        typer.echo("Gagal: sebut satu ID sesi atau --user NAMA, salah satu.", err=True)
        raise typer.Exit(1)
    engine = _engine(database_url)
    with write_tx(engine) as conn:
        cli = auth.system_actor(conn)
    ended = (auth.revoke_session(engine, cli, session_id) if session_id is not None
             else auth.revoke_sessions(engine, cli, user))
    if not ended:
        typer.echo("Tidak ada sesi aktif yang cocok.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Sesi diakhiri: {ended}.")
