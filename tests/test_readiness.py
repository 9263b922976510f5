"""Readiness maths on small hand-computed fixtures, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from sipantau import history as h
from sipantau import models as m
from sipantau import readiness as r
from sipantau.config import Settings
from sipantau.reports import (
    record_nphd_agreement,
    record_nphd_disbursement,
    record_obstacle,
    record_obstacle_action,
    submit_stage_report,
)

PILKADA = "pilkada-2024"
CFG = Settings(database_url="", boundaries_dir=None, lang="id", lag_behind=10, lag_critical=25, report_cadence_days=7)


def sid(engine, code: str, election: str = PILKADA) -> int:
    with engine.connect() as conn:
        return conn.execute(select(m.Stage.id).where(m.Stage.election_code == election, m.Stage.code == code)).scalar()


def snap_of(conn, day, election: str = PILKADA, cfg=CFG) -> r.Snapshot:
    return r.snapshot(h.load(conn, election, day, cfg), cfg)


def put(engine, actor, region, stage, day, progress, status="berjalan", **kw):
    return submit_stage_report(engine, actor, region_code=region, stage_id=stage, situation_date=day,
                               progress=progress, status=status, **kw)


def test_expected_progress_is_linear_over_the_schedule():
    stages = pd.DataFrame({"start_date": [date(2024, 9, 25), date(2024, 11, 27)],
                           "end_date": [date(2024, 11, 23), date(2024, 11, 27)]})
    # Kampanye: 60 days; on 24 Oct 30 days have passed → 50%.
    assert r.expected_progress(stages, date(2024, 10, 24)).tolist() == [50.0, 0.0]
    assert r.expected_progress(stages, date(2024, 9, 24)).tolist() == [0.0, 0.0]
    assert r.expected_progress(stages, date(2024, 11, 27)).tolist() == [100.0, 100.0]  # one-day stage


def test_classes_follow_thresholds_and_keep_no_report_distinct():
    lag = pd.Series([5, 10, 10.5, 25, 26, None, None])
    expected = pd.Series([50, 50, 50, 50, 50, 50, 0])
    reported = pd.Series([True, True, True, True, True, False, False])
    status = pd.Series(["berjalan"] * 7)
    assert r.classify(lag, expected, reported, status, CFG).tolist() == [
        "on_track", "on_track", "behind", "behind", "critical", "no_data", "not_started"]
    blocked = r.classify(pd.Series([0.0]), pd.Series([50]), pd.Series([True]), pd.Series(["terkendala"]), CFG)
    assert blocked.tolist() == ["behind"]


def test_grid_lag_and_zero_progress_distinct_from_no_report(engine, admin):
    kampanye = sid(engine, "kampanye")
    put(engine, admin, "73.10", kampanye, date(2024, 10, 24), 35)
    put(engine, admin, "73.09", kampanye, date(2024, 10, 24), 0, status="belum_mulai")
    with engine.connect() as conn:
        snap = snap_of(conn, date(2024, 10, 24))
    g = snap.grid[snap.grid["stage_id"] == kampanye].set_index("region_code")
    assert g.loc["73.10", ["expected", "progress", "lag", "class"]].tolist() == [50.0, 35.0, 15.0, "behind"]
    assert g.loc["73.09", ["progress", "lag", "class"]].tolist() == [0.0, 50.0, "critical"]
    assert pd.isna(g.loc["73.08", "progress"]) and g.loc["73.08", "class"] == "no_data"


def test_replay_of_a_past_date_and_corrections(engine, admin):
    kampanye = sid(engine, "kampanye")
    put(engine, admin, "73.10", kampanye, date(2024, 10, 1), 10)
    second = put(engine, admin, "73.10", kampanye, date(2024, 10, 15), 30)
    put(engine, admin, "73.10", kampanye, date(2024, 11, 1), 60)
    put(engine, admin, "73.10", kampanye, date(2024, 10, 15), 25, replaces_id=second.id)

    def progress_on(day):
        with engine.connect() as conn:
            cells = h.load(conn, PILKADA, day).cells
        row = cells[(cells["region_code"] == "73.10") & (cells["stage_id"] == kampanye)]
        return None if row.empty else float(row["progress"].iloc[0])

    assert progress_on(date(2024, 9, 30)) is None  # before the first report: no report, not 0
    assert progress_on(date(2024, 10, 1)) == 10
    assert progress_on(date(2024, 10, 20)) == 25  # the correction, not the corrected 30
    assert progress_on(date(2024, 11, 20)) == 60  # current: served from stage_status


def test_region_summary_weights_stages(engine, admin):
    kampanye, logistik = sid(engine, "kampanye"), sid(engine, "logistik")
    put(engine, admin, "73.10", kampanye, date(2024, 10, 24), 40)  # weight 3
    put(engine, admin, "73.10", logistik, date(2024, 10, 24), 20)  # weight 3
    with engine.connect() as conn:
        snap = snap_of(conn, date(2024, 10, 24))
    summary = snap.region_summary([kampanye, logistik]).set_index("region_code")
    assert summary.loc["73.10", "progress"] == 30.0
    assert summary.loc["73.10", "stages_reported"] == 2
    assert summary.loc["73.09", "class"] == "no_data"


def test_rollup_is_plain_mean_over_offices_with_data():
    offices = pd.DataFrame({"region_code": ["73", "73.10", "73.09", "74.01"], "value": [80.0, 60.0, None, 30.0],
                            "n": [1, 2, 3, 4]})
    names = pd.Series({"73": "Sulawesi Selatan", "74": "Sulawesi Tenggara", "ID": "Indonesia"})
    out = r.rollup(offices, names, ["value"], ["n"]).set_index("region_code")
    assert out.loc["73", ["value", "n", "offices", "name"]].tolist() == [70.0, 6, 3, "Sulawesi Selatan"]
    assert out.loc["ID", "value"] == pytest.approx((80 + 60 + 30) / 3)
    assert out.loc["ID", "n"] == 10


def test_rank_ties_share_the_best_place():
    assert r.rank(pd.Series([90.0, 80.0, 80.0, 70.0, None])).tolist() == [1, 2, 2, 4, pd.NA]


def test_rankings_with_rank_change(engine, admin):
    kampanye = sid(engine, "kampanye")
    put(engine, admin, "73.10", kampanye, date(2024, 10, 10), 10)
    put(engine, admin, "73.09", kampanye, date(2024, 10, 10), 30)
    put(engine, admin, "73.10", kampanye, date(2024, 10, 24), 60)
    with engine.connect() as conn:
        ranks = r.rankings(snap_of(conn, date(2024, 10, 24), cfg=None), snap_of(conn, date(2024, 10, 10), cfg=None))
    reg = ranks["regencies"].set_index("region_code")
    assert reg.loc["73.10", "rank"] < reg.loc["73.09", "rank"]
    assert reg.loc["73.10", "rank_change"] > 0 and reg.loc["73.09", "rank_change"] < 0
    assert set(ranks["provinces"]["region_code"]) >= {"73", "34"}  # DIY: regencies only, still ranked
    assert ranks["provinces"].set_index("region_code").loc["34", "name"] == "DI Yogyakarta"


def test_readiness_index_components_explain_the_value(engine, admin):
    kampanye = sid(engine, "kampanye")
    put(engine, admin, "73.10", kampanye, date(2024, 10, 24), 50)
    with engine.connect() as conn:
        idx = r.readiness_index(snap_of(conn, date(2024, 10, 24))).set_index("region_code")
    row = idx.loc["73.10"]
    parts = {k: row[k] for k in r.INDEX_WEIGHTS}
    weights = {k: w for k, w in r.INDEX_WEIGHTS.items() if not pd.isna(parts[k])}
    assert row["index"] == pytest.approx(sum(parts[k] * w for k, w in weights.items()) / sum(weights.values()), abs=0.1)
    assert parts["nphd"] == 0 and parts["hambatan"] == 100 and parts["ketepatan"] == 25.0


def test_nphd_summary_as_kemendagri_reports_it(engine, admin):
    a = record_nphd_agreement(engine, admin, election_code=PILKADA, region_code="73.10", counterparty_code="KPU",
                              agreed_value=100, signed_date=date(2023, 11, 10))
    b = record_nphd_agreement(engine, admin, election_code=PILKADA, region_code="73.09", counterparty_code="KPU",
                              agreed_value=200, signed_date=date(2023, 11, 20))
    record_nphd_disbursement(engine, admin, agreement_id=a.id, tranche=1, amount=100, disbursed_date=date(2023, 12, 1))
    record_nphd_disbursement(engine, admin, agreement_id=b.id, tranche=1, amount=80, disbursed_date=date(2023, 12, 1))
    record_nphd_disbursement(engine, admin, agreement_id=b.id, tranche=2, amount=120, disbursed_date=date(2024, 6, 1))
    with engine.connect() as conn:
        dec = r.nphd_summary(snap_of(conn, date(2023, 12, 31))).set_index("counterparty_code").loc["KPU"]
        june = r.nphd_summary(snap_of(conn, date(2024, 6, 30))).set_index("counterparty_code").loc["KPU"]
        nov = r.nphd_summary(snap_of(conn, date(2023, 11, 15))).set_index("counterparty_code").loc["KPU"]
    assert (dec["signed"], dec["not_signed"], dec["agreed_value"], dec["realised_value"]) == (2, 543, 300, 180)
    assert (dec["fully_realised"], dec["partly_realised"]) == (1, 1)
    assert (june["fully_realised"], june["realised_value"]) == (2, 300)
    assert (nov["signed"], nov["realised_value"]) == (1, 0)


def test_obstacles_as_they_stood_on_a_date(engine, admin):
    o = record_obstacle(engine, admin, election_code=PILKADA, region_code="73.10", category_code="alam",
                        severity_code="kritis", description="Banjir", owner="BPBD", found_date=date(2024, 11, 1))
    record_obstacle_action(engine, admin, obstacle_id=o.id, action_date=date(2024, 11, 10), actor_name="BPBD",
                           description="Jalan dibuka", new_status="selesai", evidence="Foto")
    with engine.connect() as conn:
        before = r.obstacles_as_of(h.load(conn, PILKADA, date(2024, 11, 5)))
        after = r.obstacles_as_of(h.load(conn, PILKADA, date(2024, 11, 12)))
        earlier = r.obstacles_as_of(h.load(conn, PILKADA, date(2024, 10, 31)))
    assert before[["status", "open", "age_days"]].iloc[0].tolist() == ["baru", True, 4]
    assert after[["status", "open"]].iloc[0].tolist() == ["selesai", False]
    assert earlier.empty
    assert r.obstacle_penalty(before).to_dict() == {"73.10": pytest.approx(35 * (1 + 4 / 60))}


def test_compliance_counts_periods_with_a_report(engine, admin):
    kampanye = sid(engine, "kampanye")
    for day in (date(2024, 10, 3), date(2024, 10, 17), date(2024, 10, 18), date(2024, 10, 24)):
        put(engine, admin, "73.10", kampanye, day, 40)
    with engine.connect() as conn:
        snap = snap_of(conn, date(2024, 10, 24))
    c = snap.compliance.set_index("region_code")
    # Periods (7 days back from 24 Oct): 18–24 ✓, 11–17 ✓, 4–10 ✗, 27 Sep–3 Oct ✓ → 3 of 4.
    assert c.loc["73.10", ["on_time_reports", "on_time_rate", "days_silent"]].tolist() == [3, 75.0, 0]
    assert c.loc["73.09", "on_time_reports"] == 0 and pd.isna(c.loc["73.09", "last_report"])


def test_national_picture_and_default_date(engine, admin):
    kampanye = sid(engine, "kampanye")
    put(engine, admin, "73.10", kampanye, date(2024, 10, 24), 50)
    with engine.connect() as conn:
        nat = r.national(snap_of(conn, date(2024, 10, 24)))
        assert r.default_as_of(*h.election_dates(conn, PILKADA), date(2026, 11, 29)) == date(2024, 10, 24)
        assert r.default_as_of(*h.election_dates(conn, "pemilu-2024"), date(2026, 11, 29)) == date(2026, 11, 29)
    assert (nat.regions_reporting, nat.regions_total) == (1, 545)
    assert kampanye in nat.active["stage_id"].tolist()
    assert nat.nphd.set_index("counterparty_code").loc["POLRI", "not_signed"] == 545


def test_index_breakdown_adds_up_to_the_index():
    row = pd.Series({"jadwal": 80.0, "nphd": float("nan"), "dokumen": 50.0, "ketepatan": 100.0, "hambatan": 65.0})
    parts = r.index_breakdown(row)
    assert list(parts["component"]) == ["jadwal", "dokumen", "ketepatan", "hambatan"]  # NPHD does not apply
    assert parts["weight"].sum() == pytest.approx(100, abs=0.2)
    expected = (80 * 40 + 50 * 10 + 100 * 15 + 65 * 15) / 80
    assert parts["points"].sum() == pytest.approx(expected, abs=0.2)
    assert (parts["points"] + parts["lost"]).tolist() == pytest.approx(parts["weight"].tolist(), abs=0.15)


def test_region_history_and_reporting_days(engine, admin):
    kampanye = sid(engine, "kampanye")
    first = put(engine, admin, "73.10", kampanye, date(2024, 10, 1), 10)
    put(engine, admin, "73.10", kampanye, date(2024, 10, 1), 12, replaces_id=first.id)
    put(engine, admin, "73.10", kampanye, date(2024, 10, 8), 30)
    put(engine, admin, "73.10", kampanye, date(2024, 11, 8), 70)
    with engine.connect() as conn:
        hist = h.region_history(conn, PILKADA, "73.10", date(2024, 10, 31))
        days = h.reporting_days(conn, PILKADA, "73.10", date(2024, 12, 31))
    assert hist["progress"].tolist() == [12.0, 30.0]  # the corrected report is gone, November not yet
    assert [d.date() for d in days] == [date(2024, 10, 1), date(2024, 10, 8), date(2024, 11, 8)]
