"""`python -m sipantau users …`: manage accounts from the command line.

Every action runs as the built-in inactive admin `sistem.cli`, so the audit log
names it. Passwords are typed at a hidden prompt (twice) or read from standard
input with `--password-stdin` (scripts); they are never echoed, logged or audited.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer
from sqlalchemy import Engine

from sipantau import auth, clock
from sipantau.config import settings
from sipantau.db import get_engine, write_tx

app = typer.Typer(help="Pengguna: tambah, daftar, (non)aktifkan, atur ulang kata sandi.", no_args_is_help=True,
                  add_completion=False)

DbOption = Annotated[str | None, typer.Option("--database-url", help="Default: SIPANTAU_DATABASE_URL atau SQLite data/sipantau.db")]
StdinOption = Annotated[bool, typer.Option("--password-stdin", help="Baca kata sandi dari stdin (untuk skrip).")]


def _engine(database_url: str | None) -> Engine:
    return get_engine(database_url or settings().database_url)


def _cli_actor(engine: Engine) -> auth.Actor:
    with write_tx(engine) as conn:
        return auth.system_actor(conn)


def _run(action: Callable[[], None]) -> None:
    """Run an account action; a refusal becomes a message and exit code 1."""
    try:
        action()
    except (auth.AccountError, auth.NotAllowed, ValueError) as exc:
        typer.echo(f"Gagal: {exc}", err=True)
        raise typer.Exit(1) from None


def _read_password(from_stdin: bool, username: str) -> str:
    """The new password, from stdin (one line) or typed twice; checked against the policy."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Kata sandi", hide_input=True)
        if typer.prompt("Ulangi kata sandi", hide_input=True) != password:
            typer.echo("Gagal: kedua kata sandi tidak sama.", err=True)
            raise typer.Exit(1)
    problems = auth.password_problems(password, username)
    if problems:
        typer.echo(f"Gagal: {' '.join(problems)}", err=True)
        raise typer.Exit(1)
    return password


@app.command()
def add(
    username: Annotated[str, typer.Argument(help="Nama pengguna (huruf kecil, angka, titik).")],
    role: Annotated[str, typer.Option("--role", help=f"Peran: {', '.join(auth.ROLES)}.")],
    region: Annotated[str | None, typer.Option("--region", help="Kode wilayah Kemendagri (peran regional).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Nama lengkap.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="E-mail (juga untuk masuk lewat SSO/OIDC).")] = None,
    password_stdin: StdinOption = False,
    no_password: Annotated[bool, typer.Option("--no-password", help="Tanpa kata sandi: hanya masuk lewat SSO/OIDC.")] = False,
    database_url: DbOption = None,
) -> None:
    """Tambah pengguna (kata sandi diminta dua kali, tidak ditampilkan)."""
    if no_password and not email:
        typer.echo("Gagal: pengguna tanpa kata sandi memerlukan --email untuk masuk lewat SSO.", err=True)
        raise typer.Exit(1)
    password = None if no_password else _read_password(password_stdin, username)
    engine = _engine(database_url)

    def action() -> None:
        actor = auth.add_user(engine, _cli_actor(engine), username, name or username, role, region, email, password)
        typer.echo(f"Pengguna {actor.username} ({auth.ROLES[actor.role]}) dibuat.")

    _run(action)


@app.command("list")
def list_cmd(
    all_users: Annotated[bool, typer.Option("--all", help="Tampilkan juga akun sistem.")] = False,
    database_url: DbOption = None,
) -> None:
    """Daftar pengguna (tanpa hash kata sandi)."""
    with _engine(database_url).connect() as conn:
        users = auth.list_users(conn)
    if not all_users:
        users = [u for u in users if not u["username"].startswith(auth.SYSTEM_PREFIX)]
    if not users:
        typer.echo("Belum ada pengguna.")
        return
    typer.echo(_table(users))


COLUMNS = [("Nama pengguna", "username"), ("Nama", "full_name"), ("Peran", "role"), ("Wilayah", "region_code"),
           ("E-mail", "email"), ("Status", "status"), ("Sandi", "password")]


def _cells(user: dict) -> dict:
    status = "aktif" if user["active"] else "nonaktif"
    if user["locked_until"] and user["locked_until"] > clock.now():
        status = f"terkunci s.d. {clock.moment(user['locked_until'])}"
    return user | {"status": status, "password": "ada" if user["has_password"] else "-"}


def _table(users: list[dict]) -> str:
    rows = [[str(_cells(u)[key] or "-") for _, key in COLUMNS] for u in users]
    header = [title for title, _ in COLUMNS]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(COLUMNS))]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


@app.command()
def disable(username: Annotated[str, typer.Argument(help="Nama pengguna.")], database_url: DbOption = None) -> None:
    """Nonaktifkan pengguna (tidak bisa masuk lagi; riwayatnya tetap)."""
    engine = _engine(database_url)

    def action() -> None:
        auth.disable_user(engine, _cli_actor(engine), username)
        typer.echo(f"Pengguna {username} dinonaktifkan.")

    _run(action)


@app.command()
def enable(username: Annotated[str, typer.Argument(help="Nama pengguna.")], database_url: DbOption = None) -> None:
    """Aktifkan kembali pengguna (dan buka kunci akunnya)."""
    engine = _engine(database_url)

    def action() -> None:
        auth.enable_user(engine, _cli_actor(engine), username)
        typer.echo(f"Pengguna {username} diaktifkan.")

    _run(action)


@app.command("reset-password")
def reset_password(
    username: Annotated[str, typer.Argument(help="Nama pengguna.")],
    password_stdin: StdinOption = False,
    database_url: DbOption = None,
) -> None:
    """Atur ulang kata sandi pengguna (juga membuka kunci akun)."""
    password = _read_password(password_stdin, username)
    engine = _engine(database_url)

    def action() -> None:
        auth.reset_password(engine, _cli_actor(engine), username, password)
        typer.echo(f"Kata sandi {username} diganti.")

    _run(action)
