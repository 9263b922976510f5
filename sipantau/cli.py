"""`python -m sipantau …`: set up, seed and inspect the report database."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from sqlalchemy import func, select

from sipantau import cli_backup, cli_boundaries, cli_sessions, cli_users
from sipantau import models as m
from sipantau.cli_import import import_command
from sipantau.cli_map import map_command
from sipantau.cli_serve import serve_command
from sipantau.config import settings
from sipantau.db import create_database, get_engine, migrate, write_tx
from sipantau.demo import DEMO_UNTIL, has_reports, is_demo, seed_demo
from sipantau.reference import load_reference

app = typer.Typer(help="Sipantau: pemantauan tahapan pemilu dan pilkada.", no_args_is_help=True,
                  add_completion=False)
app.add_typer(cli_boundaries.app, name="boundaries")
app.add_typer(cli_users.app, name="users")
app.add_typer(cli_sessions.app, name="sessions")
app.command("serve")(serve_command)
app.command("import")(import_command)
app.command("map")(map_command)
app.command("backup")(cli_backup.backup_command)
app.command("restore")(cli_backup.restore_command)
app.command("verify")(cli_backup.verify_command)

# Report tables, children first: what `demo --replace` empties.
REPORT_TABLES = [m.AuditLog, m.Document, m.NphdDisbursement, m.NphdAgreement, m.ObstacleAction, m.Obstacle,
                 m.StageStatus, m.ReportDay, m.StageReport]


def _url(database_url: str | None) -> str:
    return database_url or settings().database_url


DbOption = Annotated[str | None, typer.Option("--database-url", help="Default: SIPANTAU_DATABASE_URL atau SQLite data/sipantau.db")]


@app.command()
def init(
    demo: Annotated[bool, typer.Option("--demo", help="Isi riwayat demo bila basis data belum berisi laporan.")] = False,
    database_url: DbOption = None,
) -> None:
    """Buat atau perbarui basis data dan data referensi (aman dijalankan berulang)."""
    created = create_database(_url(database_url), demo=demo)
    created.engine.dispose()
    typer.echo(f"Skema terbaru; data referensi diperbarui: {json.dumps(created.reference)}")
    if created.demo:
        typer.echo(f"Riwayat demo dibuat: {json.dumps(created.demo.__dict__)}")
    elif demo:
        typer.echo("Basis data sudah berisi laporan; demo tidak diisikan lagi.")


@app.command("demo")
def demo_cmd(
    reports: Annotated[int | None, typer.Option("--reports", help="Jumlah laporan tahapan yang diinginkan (kira-kira).")] = None,
    seed: Annotated[int, typer.Option(help="Benih acak: benih sama, data sama.")] = 2024,
    until: Annotated[str, typer.Option(help="Tanggal terakhir riwayat (YYYY-MM-DD).")] = DEMO_UNTIL.isoformat(),
    replace: Annotated[bool, typer.Option("--replace", help="Kosongkan dulu laporan di basis data DEMO.")] = False,
    database_url: DbOption = None,
) -> None:
    """Isi riwayat demo sintetis (untuk peragaan dan benchmark)."""
    engine = get_engine(_url(database_url))
    migrate(engine)
    with write_tx(engine) as conn:
        load_reference(conn)
        if has_reports(conn):
            if not replace:
                raise typer.BadParameter("Basis data sudah berisi laporan. Pakai --replace (hanya untuk basis data demo).")
            if not is_demo(conn):
                raise typer.BadParameter("Basis data ini berisi laporan nyata; --replace hanya untuk basis data demo.")
            for model in REPORT_TABLES:
                conn.execute(model.__table__.delete())
    result = seed_demo(engine, reports=reports, seed=seed, until=date.fromisoformat(until))
    typer.echo(json.dumps(result.__dict__))


@app.command()
def status(database_url: DbOption = None) -> None:
    """Cetak ringkasan isi basis data sebagai satu objek JSON."""
    engine = get_engine(_url(database_url))
    with engine.connect() as conn:
        typer.echo(json.dumps(database_status(conn), ensure_ascii=False))


def database_status(conn) -> dict:
    def count(model) -> int:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar()

    regions = dict(conn.execute(select(m.Region.level, func.count()).group_by(m.Region.level)).all())
    stages = dict(conn.execute(select(m.Stage.election_code, func.count()).group_by(m.Stage.election_code)).all())
    elections = conn.execute(select(m.Election.code).order_by(m.Election.order)).scalars()
    return {
        "regions": {"province": regions.get("province", 0), "regency": regions.get("regency", 0)},
        "elections": {code: {"stages": stages.get(code, 0)} for code in elections},
        "stage_reports": count(m.StageReport),
        "obstacles": count(m.Obstacle),
        "obstacle_actions": count(m.ObstacleAction),
        "nphd_agreements": count(m.NphdAgreement),
        "nphd_disbursements": count(m.NphdDisbursement),
        "documents": count(m.Document),
        "users": count(m.User),
        "demo": is_demo(conn),
    }
