"""Demo history and the command line."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from sipantau import models as m
from sipantau.cli import app
from sipantau.db import make_engine
from sipantau.demo import REMOTE_PROVINCES

runner = CliRunner()


def fingerprint(url: str) -> str:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(m.StageReport.region_code, m.StageReport.stage_id, m.StageReport.situation_date,
                                   m.StageReport.progress, m.StageReport.status).order_by(m.StageReport.id)).all()
        obstacles = conn.execute(select(m.Obstacle.region_code, m.Obstacle.description).order_by(m.Obstacle.id)).all()
    engine.dispose()
    return hashlib.sha256(repr((rows, obstacles)).encode()).hexdigest()


def run(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_init_demo_status_and_idempotence(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    run("init", "--database-url", url)
    run("demo", "--reports", "20000", "--database-url", url)
    status = json.loads(run("status", "--database-url", url).strip().splitlines()[-1])
    assert status["regions"] == {"province": 38, "regency": 514}
    assert status["elections"] == {"pemilu-2024": {"stages": 15}, "pilkada-2024": {"stages": 15}}
    assert 19_000 <= status["stage_reports"] <= 20_000
    assert status["demo"] is True
    for key in ("obstacles", "obstacle_actions", "nphd_agreements", "documents", "users"):
        assert status[key] > 0, key
    # init --demo again: schema current, nothing seeded twice.
    out = run("init", "--demo", "--database-url", url)
    assert "tidak diisikan lagi" in out
    assert json.loads(run("status", "--database-url", url).splitlines()[-1])["stage_reports"] == status["stage_reports"]


def test_demo_is_deterministic_and_replace_only_on_demo(tmp_path):
    a, b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    for url in (a, b):
        run("demo", "--reports", "15000", "--seed", "7", "--database-url", url)
    assert fingerprint(a) == fingerprint(b)
    run("demo", "--reports", "15000", "--seed", "8", "--replace", "--database-url", b)
    assert fingerprint(a) != fingerprint(b)
    refused = runner.invoke(app, ["demo", "--reports", "15000", "--database-url", a])
    assert refused.exit_code != 0 and "--replace" in refused.output


def test_default_demo_is_large_and_realistic(tmp_path):
    from sipantau import history as h
    from sipantau import readiness as r
    from sipantau.db import create_database

    created = create_database(f"sqlite:///{tmp_path / 'full.db'}", demo=True)
    engine, result = created.engine, created.demo
    assert result.stage_reports >= 50_000
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.User.__table__)).scalar() >= 7
        day = r.default_as_of(*h.election_dates(conn, "pilkada-2024"), date(2026, 11, 29))
        snap = r.snapshot(h.load(conn, "pilkada-2024", day))
        nphd = r.nphd_summary(r.snapshot(h.load(conn, "pilkada-2024", date(2024, 7, 1)))).set_index("counterparty_code")
    assert day == date(2024, 11, 20)
    summary = snap.region_summary().set_index("region_code")
    # Remote offices are slower on logistics than the rest.
    logistik = snap.stages.set_index("code").loc["logistik", "stage_id"]
    logi = snap.region_summary([logistik]).set_index("region_code")
    remote = logi.index.str[:2].isin(["81", "82", "94", "95"])
    assert logi.loc[remote, "progress"].mean() < logi.loc[~remote, "progress"].mean() - 5
    # Some offices fell silent; most reported this week.
    silent = snap.compliance["days_silent"]
    assert (silent > 14).sum() >= 5 and (silent <= 7).mean() > 0.8
    # NPHD by mid-2024: KPU nearly all signed and mostly paid; security counterparts behind.
    assert nphd.loc["KPU", "signed"] >= 0.95 * len(snap.regions)
    assert nphd.loc["POLRI", "signed"] < nphd.loc["KPU", "signed"]
    assert nphd.loc["KPU", "realised_value"] / nphd.loc["KPU", "agreed_value"] > 0.7
    # Obstacles get follow-ups and most get solved; weather hits the remote ones.
    obstacles = snap.obstacles
    assert len(obstacles) > 300 and (~obstacles["open"]).mean() > 0.5
    weather = snap.regions.set_index("region_code").loc[
        obstacles.loc[obstacles["category_code"] == "alam", "region_code"]]
    assert len(weather) > 10
    assert (weather["province_code"].isin(REMOTE_PROVINCES) | weather["name"].str.contains("Kepulauan")).all()
    assert set(summary["class"]) >= {"on_track", "behind"}


@pytest.mark.parametrize("command", ["init", "status", "demo"])
def test_help_is_in_bahasa_indonesia(command):
    out = run(command, "--help")
    assert any(word in out for word in ("basis data", "Basis data", "demo"))
