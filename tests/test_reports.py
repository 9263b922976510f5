"""Write side: scope, validation, idempotency, append-only corrections, audit."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from sipantau import models as m
from sipantau.reports import (
    InvalidInput,
    OutOfScope,
    record_document,
    record_nphd_agreement,
    record_nphd_disbursement,
    record_obstacle,
    record_obstacle_action,
    submit_stage_report,
)


def stage_id(engine, election: str, code: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(m.Stage.id).where(m.Stage.election_code == election, m.Stage.code == code)).scalar()


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar()


def report(engine, actor, **over):
    fields = dict(region_code="73.10", stage_id=stage_id(engine, "pilkada-2024", "kampanye"),
                  situation_date=date(2024, 10, 24), progress=50.0, status="berjalan", note="")
    return submit_stage_report(engine, actor, **(fields | over))


def test_operator_writes_own_region_and_status_follows(engine, op_pangkep):
    receipt = report(engine, op_pangkep)
    assert receipt.entity == "stage_report" and not receipt.duplicate
    assert receipt.reference.startswith("STAGE_REPORT-")
    with engine.connect() as conn:
        row = conn.execute(select(m.StageStatus.__table__)).one()
    assert (row.region_code, row.report_id, row.progress) == ("73.10", receipt.id, 50.0)


@pytest.mark.parametrize("region", ["73.09", "73", "31.71"])
def test_regency_operator_refused_outside_its_region(engine, op_pangkep, region):
    with pytest.raises(OutOfScope, match="tidak berwenang"):
        report(engine, op_pangkep, region_code=region)
    assert count(engine, m.StageReport) == 0
    assert count(engine, m.AuditLog) == 0


def test_province_operator_covers_its_regencies_only(engine, op_sulsel):
    report(engine, op_sulsel, region_code="73")
    report(engine, op_sulsel, region_code="73.10")
    with pytest.raises(OutOfScope):
        report(engine, op_sulsel, region_code="74.01")
    assert count(engine, m.StageReport) == 2


def test_readers_cannot_write(engine):
    from sipantau.auth import create_user
    from sipantau.db import write_tx

    with write_tx(engine) as conn:
        boss = create_user(conn, "boss", "Pimpinan", "pimpinan")
    with pytest.raises(OutOfScope):
        report(engine, boss)


def test_same_idempotency_key_stores_once(engine, op_pangkep):
    first = report(engine, op_pangkep, idempotency_key="form-abc")
    again = report(engine, op_pangkep, idempotency_key="form-abc")
    assert again.duplicate and again.id == first.id
    assert count(engine, m.StageReport) == 1
    assert count(engine, m.AuditLog) == 1


def test_correction_is_a_new_row_and_replaces_the_current_state(engine, op_pangkep):
    original = report(engine, op_pangkep, progress=50.0)
    fixed = report(engine, op_pangkep, progress=40.0, replaces_id=original.id, note="salah ketik")
    assert count(engine, m.StageReport) == 2  # nothing overwritten
    with engine.connect() as conn:
        status = conn.execute(select(m.StageStatus.__table__)).one()
        kept = conn.execute(select(m.StageReport.progress).where(m.StageReport.id == original.id)).scalar()
        audit = conn.execute(select(m.AuditLog.__table__).order_by(m.AuditLog.id.desc())).first()
    assert (status.report_id, status.progress, kept) == (fixed.id, 40.0, 50.0)
    assert audit.action == "koreksi" and json.loads(audit.before)["progress"] == 50.0
    # A report can be corrected once; later corrections correct the correction.
    with pytest.raises(InvalidInput, match="sudah dikoreksi"):
        report(engine, op_pangkep, progress=45.0, replaces_id=original.id)


def test_correction_moving_the_date_back_restores_the_right_current_report(engine, op_pangkep):
    early = report(engine, op_pangkep, situation_date=date(2024, 10, 1), progress=20.0)
    late = report(engine, op_pangkep, situation_date=date(2024, 10, 20), progress=60.0)
    # The 20 Oct report was really about 5 Oct: the 1 Oct one must not win, nor the old 20 Oct one.
    moved = report(engine, op_pangkep, situation_date=date(2024, 10, 5), progress=30.0, replaces_id=late.id)
    with engine.connect() as conn:
        status = conn.execute(select(m.StageStatus.__table__)).one()
    assert status.report_id == moved.id and early.id != moved.id


def test_audit_row_names_who_and_what(engine, op_pangkep):
    receipt = report(engine, op_pangkep, note="Distribusi logistik ke 13 kecamatan")
    with engine.connect() as conn:
        audit = conn.execute(select(m.AuditLog.__table__)).one()
    after = json.loads(audit.after)
    assert (audit.username, audit.entity, audit.entity_id, audit.region_code) == (
        "op.pangkep", "stage_report", receipt.id, "73.10")
    assert after["note"] == "Distribusi logistik ke 13 kecamatan" and audit.before is None


@pytest.mark.parametrize(
    ("over", "field", "phrase"),
    [
        ({"progress": 120.0}, "progres", "0–100"),
        ({"progress": -1.0}, "progres", "0–100"),
        ({"progress": float("nan")}, "progres", "0–100"),
        ({"status": "hampir"}, "status", "tidak dikenal"),
        ({"status": "selesai", "progress": 80.0}, "status", "progres 100%"),
        ({"situation_date": date(2025, 1, 5)}, "tanggal situasi", "masa depan"),
        ({"situation_date": date(2022, 1, 5)}, "tanggal situasi", "di luar masa pemilihan"),
        ({"region_code": "73.99"}, "wilayah", "tidak dikenal"),
        ({"note": "x" * 5000}, "catatan", "terlalu panjang"),
    ],
)
def test_bad_values_are_refused_naming_the_field(engine, admin, over, field, phrase):
    with pytest.raises(InvalidInput) as info:
        report(engine, admin, **over)
    assert field in info.value.errors and phrase in info.value.errors[field]
    assert count(engine, m.StageReport) == 0 and count(engine, m.StageStatus) == 0


def test_region_not_holding_the_election_is_refused(engine, admin):
    # Kota Administrasi Jakarta Pusat holds no Pilkada of its own.
    with pytest.raises(InvalidInput, match="tidak mengikuti"):
        report(engine, admin, region_code="31.71")


def obstacle(engine, actor, **over):
    fields = dict(election_code="pilkada-2024", region_code="73.10", category_code="alam", severity_code="tinggi",
                  description="Gelombang tinggi, kapal logistik tertunda", owner="KPU Kabupaten",
                  found_date=date(2024, 11, 1), stage_id=stage_id(engine, "pilkada-2024", "logistik"))
    return record_obstacle(engine, actor, **(fields | over))


def test_obstacle_follow_up_and_closing_needs_evidence(engine, op_pangkep):
    o = obstacle(engine, op_pangkep)
    record_obstacle_action(engine, op_pangkep, obstacle_id=o.id, action_date=date(2024, 11, 2),
                           actor_name="KPU Kabupaten", description="Sewa kapal tambahan", new_status="ditangani")
    with pytest.raises(InvalidInput) as info:
        record_obstacle_action(engine, op_pangkep, obstacle_id=o.id, action_date=date(2024, 11, 5),
                               actor_name="KPU", description="Logistik tiba", new_status="selesai")
    assert "bukti penyelesaian" in info.value.errors
    record_obstacle_action(engine, op_pangkep, obstacle_id=o.id, action_date=date(2024, 11, 5), actor_name="KPU",
                           description="Logistik tiba", new_status="selesai", evidence="BA serah terima")
    with engine.connect() as conn:
        row = conn.execute(select(m.Obstacle.__table__)).one()
        actions = conn.execute(select(func.count()).select_from(m.ObstacleAction.__table__)).scalar()
    assert (row.status, row.closed_date, actions) == ("selesai", date(2024, 11, 5), 2)


def test_obstacle_status_transitions_are_checked(engine, op_pangkep):
    o = obstacle(engine, op_pangkep)
    with pytest.raises(InvalidInput, match="tidak dikenal"):
        record_obstacle_action(engine, op_pangkep, obstacle_id=o.id, action_date=date(2024, 11, 2),
                               actor_name="x", description="y", new_status="hilang")
    with pytest.raises(InvalidInput, match="lebih awal"):
        record_obstacle_action(engine, op_pangkep, obstacle_id=o.id, action_date=date(2024, 10, 2),
                               actor_name="x", description="y")


def test_obstacle_of_another_region_refused(engine, op_pangkep, admin):
    other = obstacle(engine, admin, region_code="73.09")
    with pytest.raises(OutOfScope):
        obstacle(engine, op_pangkep, region_code="73.09")
    with pytest.raises(OutOfScope):
        record_obstacle_action(engine, op_pangkep, obstacle_id=other.id, action_date=date(2024, 11, 2),
                               actor_name="x", description="y")


def test_nphd_disbursements_checked_against_agreement(engine, op_pangkep):
    ag = record_nphd_agreement(engine, op_pangkep, election_code="pilkada-2024", region_code="73.10",
                               counterparty_code="KPU", agreed_value=30_000_000_000, signed_date=date(2023, 11, 10))
    with pytest.raises(InvalidInput, match="lebih awal"):
        record_nphd_disbursement(engine, op_pangkep, agreement_id=ag.id, tranche=1, amount=1_000,
                                 disbursed_date=date(2023, 11, 1))
    record_nphd_disbursement(engine, op_pangkep, agreement_id=ag.id, tranche=1, amount=12_000_000_000,
                             disbursed_date=date(2023, 11, 20))
    with pytest.raises(InvalidInput) as info:
        record_nphd_disbursement(engine, op_pangkep, agreement_id=ag.id, tranche=2, amount=20_000_000_000,
                                 disbursed_date=date(2024, 3, 1))
    assert "melebihi nilai NPHD Rp30.000.000.000" in info.value.errors["jumlah"]
    with pytest.raises(InvalidInput, match="tahap 1 sudah tercatat"):
        record_nphd_disbursement(engine, op_pangkep, agreement_id=ag.id, tranche=1, amount=1_000,
                                 disbursed_date=date(2023, 11, 21))
    with pytest.raises(InvalidInput, match="sudah tercatat"):
        record_nphd_agreement(engine, op_pangkep, election_code="pilkada-2024", region_code="73.10",
                              counterparty_code="KPU", agreed_value=1)
    with pytest.raises(InvalidInput, match="tidak memakai NPHD"):
        record_nphd_agreement(engine, op_pangkep, election_code="pemilu-2024", region_code="73.10",
                              counterparty_code="KPU", agreed_value=1)


def test_nphd_amendment_keeps_payments_and_cannot_go_below_them(engine, admin):
    ag = record_nphd_agreement(engine, admin, election_code="pilkada-2024", region_code="73.10",
                               counterparty_code="POLRI", agreed_value=5_000_000_000, signed_date=date(2024, 1, 10))
    record_nphd_disbursement(engine, admin, agreement_id=ag.id, tranche=1, amount=2_000_000_000,
                             disbursed_date=date(2024, 1, 20))
    with pytest.raises(InvalidInput, match="sudah dicairkan"):
        record_nphd_agreement(engine, admin, election_code="pilkada-2024", region_code="73.10",
                              counterparty_code="POLRI", agreed_value=1_000_000_000, signed_date=date(2024, 1, 10),
                              replaces_id=ag.id)
    new = record_nphd_agreement(engine, admin, election_code="pilkada-2024", region_code="73.10",
                                counterparty_code="POLRI", agreed_value=6_000_000_000,
                                signed_date=date(2024, 1, 10), replaces_id=ag.id)
    # 2 M paid under the old version + 4 M now = the new 6 M ceiling, not more.
    record_nphd_disbursement(engine, admin, agreement_id=new.id, tranche=2, amount=4_000_000_000,
                             disbursed_date=date(2024, 3, 1))
    with pytest.raises(InvalidInput, match="melebihi"):
        record_nphd_disbursement(engine, admin, agreement_id=new.id, tranche=3, amount=1,
                                 disbursed_date=date(2024, 3, 2))


def test_document_metadata_in_scope_and_audited(engine, op_pangkep):
    r = record_document(engine, op_pangkep, region_code="73.10", requirement_code="sk-tim-pemantauan",
                        document_date=date(2024, 5, 1), filename="sk.pdf", content_hash="a" * 64,
                        size_bytes=1000, media_type="application/pdf")
    assert r.entity == "document"
    with pytest.raises(OutOfScope):
        record_document(engine, op_pangkep, region_code="73.09", requirement_code="sk-tim-pemantauan",
                        document_date=date(2024, 5, 1), filename="sk.pdf", content_hash="a" * 64,
                        size_bytes=1000, media_type="application/pdf")
    with pytest.raises(InvalidInput) as info:
        record_document(engine, op_pangkep, region_code="73.10", requirement_code="nope",
                        document_date=date(2024, 5, 1), filename="sk.pdf", content_hash="xyz",
                        size_bytes=1000, media_type="application/pdf")
    assert set(info.value.errors) == {"jenis dokumen", "berkas"}
