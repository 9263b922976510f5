"""`python -m sipantau init | demo | status | settings`: set up, seed and inspect the report database."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from sqlalchemy import func, select

from sipantau import config
from sipantau import models as m
from sipantau.cli.options import BAD_SETTINGS, DbOption, engine_url
from sipantau.db import create_database, get_engine, migrate, write_tx
from sipantau.demo import DEMO_UNTIL, has_reports, is_demo, seed_demo
from sipantau.reference import load_reference

# Report tables, children first: what `demo --replace` empties.
REPORT_TABLES = [m.AuditLog, m.Document, m.NphdDisbursement, m.NphdAgreement, m.ObstacleAction, m.Obstacle,
                 m.StageStatus, m.ReportDay, m.StageReport]


def init(
    demo: Annotated[bool, typer.Option("--demo", help="Isi riwayat demo bila basis data belum berisi laporan.")] = False,
    database_url: DbOption = None,
) -> None:
    """Buat atau perbarui basis data dan data referensi (aman dijalankan berulang)."""
    created = create_database(engine_url(database_url), demo=demo)
    created.engine.dispose()
    typer.echo(f"Skema terbaru; data referensi diperbarui: {json.dumps(created.reference)}")
    if created.demo:
        typer.echo(f"Riwayat demo dibuat: {json.dumps(created.demo.__dict__)}")
    elif demo:
        typer.echo("Basis data sudah berisi laporan; demo tidak diisikan lagi.")


def demo(
    reports: Annotated[int | None, typer.Option("--reports", help="Jumlah laporan tahapan yang diinginkan (kira-kira).")] = None,
    seed: Annotated[int, typer.Option(help="Benih acak: benih sama, data sama.")] = 2024,
    until: Annotated[str, typer.Option(help="Tanggal terakhir riwayat (YYYY-MM-DD).")] = DEMO_UNTIL.isoformat(),
    replace: Annotated[bool, typer.Option("--replace", help="Kosongkan dulu laporan di basis data DEMO.")] = False,
    database_url: DbOption = None,
) -> None:
    """Isi riwayat demo sintetis (untuk peragaan dan benchmark)."""
    engine = get_engine(engine_url(database_url))
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


def status(database_url: DbOption = None) -> None:
    """Cetak ringkasan isi basis data sebagai satu objek JSON."""
    engine = get_engine(engine_url(database_url))
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


def settings_command(
    as_json: Annotated[bool, typer.Option("--json", help="Sebagai satu objek JSON.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Tabel Markdown bagian Configuration di README.")] = False,
) -> None:
    """Cetak setiap pengaturan, nilainya dan asalnya (lingkungan, secrets.toml, bawaan); kata sandi disamarkan."""
    if markdown:
        typer.echo(config.markdown_table())
        return
    report, problems = config.settings_report(), config.settings_problems()
    if as_json:
        rows = [{"name": r.setting.name, "value": r.shown, "source": r.source, "origin": r.origin} for r in report]
        typer.echo(json.dumps({"settings": rows, "problems": [str(p) for p in problems]}, ensure_ascii=False))
    else:
        typer.echo(_settings_table(report))
    if problems:
        typer.echo("Pengaturan tidak sah (tidak dipakai; perintah lain dan dasbor tidak berjalan):", err=True)
        for problem in problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(BAD_SETTINGS)


def _origin(resolved: config.Resolved) -> str:
    if resolved.problem:
        return f"bawaan ({resolved.problem.where} tidak sah)"
    word = config.SOURCE_WORDS[resolved.source]
    return f"{word} {resolved.origin}" if resolved.source == "env" else word


def _settings_table(report: tuple[config.Resolved, ...]) -> str:
    rows = [["Pengaturan", "Nilai", "Asal"]] + [[r.setting.name, r.shown or "(kosong)", _origin(r)] for r in report]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return "\n".join(f"{name.ljust(widths[0])}  {value.ljust(widths[1])}  {origin}" for name, value, origin in rows)
