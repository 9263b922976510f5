"""Write side, field by field and actor by actor: what the service functions store when
text is invisible or holds control characters, when numbers do not fit, when dates are
implausible, when a retried key belongs to another region, and when the Actor handed in
is not the account as stored. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from sipantau import auth
from sipantau import models as m
from sipantau.db import write_tx
from sipantau.reports import (
    ActorRefused,
    InvalidInput,
    KeyOutOfScope,
    OutOfScope,
    record_document,
    record_nphd_agreement,
    record_nphd_disbursement,
    record_obstacle,
    record_obstacle_action,
    submit_stage_report,
)
from sipantau.rules import EARLIEST_DATE, ELECTION_LEAD_DAYS, MAX_RUPIAH, earliest_record_date

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # zero-width space, joiners, word joiner, BOM, soft hyphen


def stage_id(engine, code: str = "kampanye") -> int:
    with engine.connect() as conn:
        return conn.execute(select(m.Stage.id).where(m.Stage.election_code == "pilkada-2024",
                                                     m.Stage.code == code)).scalar()


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar()


def report(engine, actor, **over):
    fields = dict(region_code="73.10", stage_id=stage_id(engine), situation_date=date(2024, 10, 24),
                  progress=50.0, status="berjalan", note="")
    return submit_stage_report(engine, actor, **(fields | over))


def obstacle(engine, actor, **over):
    fields = dict(election_code="pilkada-2024", region_code="73.10", category_code="alam", severity_code="kritis",
                  description="Gelombang tinggi", owner="KPU Kabupaten", found_date=date(2024, 11, 1))
    return record_obstacle(engine, actor, **(fields | over))


def agreement(engine, actor, **over):
    fields = dict(election_code="pilkada-2024", region_code="73.10", counterparty_code="KPU",
                  agreed_value=10_000_000_000, signed_date=date(2024, 1, 10))
    return record_nphd_agreement(engine, actor, **(fields | over))


def document(engine, actor, **over):
    fields = dict(region_code="73.10", requirement_code="sk-tim-pemantauan", document_date=date(2024, 5, 1),
                  filename="sk.pdf", content_hash="a" * 64, size_bytes=1000, media_type="application/pdf")
    return record_document(engine, actor, **(fields | over))


def refused(write, **fields) -> dict[str, str]:
    with pytest.raises(InvalidInput) as info:
        write(**fields)
    return info.value.errors


# ---- text ----------------------------------------------------------------------------------


def test_text_of_invisible_characters_is_empty(engine, op_pangkep):
    errors = refused(obstacle, engine=engine, actor=op_pangkep, description=INVISIBLE, owner=" \u200b\t ")
    assert errors["uraian"] == "wajib diisi." and errors["penanggung jawab"] == "wajib diisi."
    assert count(engine, m.Obstacle) == 0


def test_a_critical_obstacle_cannot_be_closed_with_invisible_evidence(engine, op_pangkep):
    o = obstacle(engine, op_pangkep)
    errors = refused(record_obstacle_action, engine=engine, actor=op_pangkep, obstacle_id=o.id,
                     action_date=date(2024, 11, 2), actor_name="KPU", description="Selesai",
                     new_status="selesai", evidence=INVISIBLE + "\x00")
    assert errors == {"bukti penyelesaian": "wajib diisi."}
    with engine.connect() as conn:
        assert conn.execute(select(m.Obstacle.status)).scalar() == "baru"
    assert count(engine, m.ObstacleAction) == 0


def test_text_is_stored_cleaned(engine, op_pangkep):
    """NUL (which PostgreSQL refuses), other control and zero-width characters are removed,
    text is NFC, outer blanks go; what remains is stored and audited the same."""
    o = obstacle(engine, op_pangkep, description="  Jembatan\x00 putus\u200b di Cafe\u0301  ",
                 owner="\ufeffBPBD\x07")
    r = report(engine, op_pangkep, note="Logistik\x00 tiba\r\ndi 13 kecamatan\u202e")
    with engine.connect() as conn:
        stored = conn.execute(select(m.Obstacle.description, m.Obstacle.owner).where(m.Obstacle.id == o.id)).one()
        note = conn.execute(select(m.StageReport.note).where(m.StageReport.id == r.id)).scalar()
        audited = [json.loads(a) for (a,) in conn.execute(select(m.AuditLog.after))]
    assert tuple(stored) == ("Jembatan putus di Caf\u00e9", "BPBD")
    assert note == "Logistik tiba\ndi 13 kecamatan"
    assert {"description": stored[0]} in [{"description": a.get("description")} for a in audited]


def test_text_is_bounded_by_its_column(engine, op_pangkep):
    errors = refused(obstacle, engine=engine, actor=op_pangkep, owner="x" * 161)
    assert errors["penanggung jawab"] == "terlalu panjang (161 karakter, paling banyak 160)."
    obstacle(engine, op_pangkep, owner="x" * 160 + INVISIBLE)  # invisible characters do not count
    o = obstacle(engine, op_pangkep, idempotency_key="k-2")
    errors = refused(record_obstacle_action, engine=engine, actor=op_pangkep, obstacle_id=o.id,
                     action_date=date(2024, 11, 2), actor_name="y" * 200, description="z")
    assert "paling banyak 160" in errors["pelaksana"]


def test_codes_with_nul_or_invisible_characters_neither_crash_nor_slip_through(engine, admin):
    errors = refused(report, engine=engine, actor=admin, region_code="73.99\x00")
    assert "tidak dikenal" in errors["wilayah"]
    stored = report(engine, admin, region_code="73.\u200b10", status="berjalan\x00")  # cleaned to real codes
    with engine.connect() as conn:
        assert conn.execute(select(m.StageReport.region_code, m.StageReport.status)
                            .where(m.StageReport.id == stored.id)).one() == ("73.10", "berjalan")


# ---- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [10**20, MAX_RUPIAH + 1, 0, -5, 1.5e9, True, "1000"])
def test_rupiah_out_of_range_or_not_whole_is_refused(engine, admin, value):
    errors = refused(agreement, engine=engine, actor=admin, agreed_value=value)
    assert "harus bilangan bulat rupiah" in errors["nilai NPHD"] and "Rp100.000.000.000.000" in errors["nilai NPHD"]
    ag = agreement(engine, admin, idempotency_key=f"ag-{value!r}")
    errors = refused(record_nphd_disbursement, engine=engine, actor=admin, agreement_id=ag.id, tranche=1,
                     amount=value, disbursed_date=date(2024, 2, 1))
    assert "harus bilangan bulat rupiah" in errors["jumlah"]
    assert count(engine, m.NphdDisbursement) == 0


def test_the_largest_rupiah_amount_is_stored_exactly(engine, admin):
    ag = agreement(engine, admin, agreed_value=MAX_RUPIAH)
    with engine.connect() as conn:
        assert conn.execute(select(m.NphdAgreement.agreed_value).where(m.NphdAgreement.id == ag.id)).scalar() \
            == MAX_RUPIAH


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 10**400, True])
def test_progress_that_is_not_a_finite_number_is_refused(engine, admin, value):
    errors = refused(report, engine=engine, actor=admin, progress=value)
    assert "harus angka 0–100" in errors["progres"]


@pytest.mark.parametrize("value", [10**20, -1, 0, True, "3"])
def test_ids_that_cannot_be_rows_are_refused_cleanly(engine, admin, value):
    assert "tidak dikenal" in refused(report, engine=engine, actor=admin, stage_id=value)["tahapan"]
    assert "tidak ada" in refused(report, engine=engine, actor=admin, replaces_id=value)["mengoreksi"]
    assert "tidak ada" in refused(record_nphd_disbursement, engine=engine, actor=admin, agreement_id=value,
                                  tranche=1, amount=1, disbursed_date=date(2024, 2, 1))["NPHD"]
    assert "tidak ada" in refused(record_obstacle_action, engine=engine, actor=admin, obstacle_id=value,
                                  action_date=date(2024, 11, 2), actor_name="x", description="y")["hambatan"]


@pytest.mark.parametrize("value", [0, 7, True, 2**70])
def test_tranche_numbers_outside_one_to_six_are_refused(engine, admin, value):
    ag = agreement(engine, admin)
    errors = refused(record_nphd_disbursement, engine=engine, actor=admin, agreement_id=ag.id, tranche=value,
                     amount=1_000, disbursed_date=date(2024, 2, 1))
    assert errors["tahap"] == "tahap pencairan harus 1–6."


# ---- dates ----------------------------------------------------------------------------------


def test_the_earliest_record_date_is_a_year_before_the_first_stage():
    assert ELECTION_LEAD_DAYS == 365
    assert earliest_record_date(date(2023, 11, 1)) == date(2022, 11, 1)
    assert earliest_record_date(date(2000, 6, 1)) == EARLIEST_DATE
    assert earliest_record_date(None) == EARLIEST_DATE


def test_dates_in_1900_are_refused_for_every_field(engine, admin):
    old = date(1900, 1, 1)
    bound = "terlalu awal untuk pemilihan pilkada-2024; paling awal 01/11/2022"  # its first stage is 1 Nov 2023
    assert bound in refused(obstacle, engine=engine, actor=admin, found_date=old)["tanggal diketahui"]
    assert bound in refused(agreement, engine=engine, actor=admin, signed_date=old)["tanggal tanda tangan"]
    assert bound in refused(document, engine=engine, actor=admin, election_code="pilkada-2024",
                            document_date=old)["tanggal dokumen"]
    assert "terlalu awal; paling awal 01/01/2000" in refused(document, engine=engine, actor=admin,
                                                   document_date=old)["tanggal dokumen"]
    ag, o = agreement(engine, admin), obstacle(engine, admin)
    assert "lebih awal dari tanggal tanda tangan 10/01/2024" in refused(
        record_nphd_disbursement, engine=engine, actor=admin, agreement_id=ag.id, tranche=1, amount=1,
        disbursed_date=old)["tanggal pencairan"]
    assert "lebih awal dari tanggal diketahui 01/11/2024" in refused(
        record_obstacle_action, engine=engine, actor=admin, obstacle_id=o.id, action_date=old, actor_name="x",
        description="y")["tanggal tindak lanjut"]
    assert count(engine, m.NphdDisbursement) == count(engine, m.ObstacleAction) == 0


def test_an_nphd_signed_in_the_year_before_the_first_stage_is_accepted(engine, admin):
    agreement(engine, admin, signed_date=date(2022, 11, 1))
    assert "terlalu awal" in refused(agreement, engine=engine, actor=admin, counterparty_code="BAWASLU",
                                   signed_date=date(2022, 10, 31))["tanggal tanda tangan"]


def test_a_timestamp_counts_as_its_day_and_text_is_not_a_date(engine, admin):
    o = obstacle(engine, admin, found_date=datetime(2024, 11, 1, 9, 30), due_date=datetime(2024, 11, 9, 8, 0))
    with engine.connect() as conn:
        row = conn.execute(select(m.Obstacle.found_date, m.Obstacle.due_date).where(m.Obstacle.id == o.id)).one()
    assert tuple(row) == (date(2024, 11, 1), date(2024, 11, 9))
    errors = refused(obstacle, engine=engine, actor=admin, found_date="2024-11-01", due_date="besok")
    assert errors["tanggal diketahui"] == "harus berupa tanggal." and errors["tenggat"] == "harus berupa tanggal."


# ---- scope: retried keys and the actor as stored ------------------------------------------------


def test_a_key_of_another_region_is_refused_without_its_receipt(engine, op_pangkep, admin):
    maros = _user(engine, "op.maros", "operator_kabkota", "73.09")
    theirs = report(engine, maros, region_code="73.09", idempotency_key="form-rahasia")
    with pytest.raises(KeyOutOfScope) as info:
        report(engine, op_pangkep, idempotency_key="form-rahasia")
    message = str(info.value)
    assert isinstance(info.value, OutOfScope) and "di luar wilayah kewenangan op.pangkep" in message
    assert str(theirs.id) not in message and "73.09" not in message
    assert count(engine, m.StageReport) == 1
    # The owner and an admin (whose scope covers it) still get the receipt.
    assert report(engine, maros, region_code="73.09", idempotency_key="form-rahasia").id == theirs.id
    assert report(engine, admin, region_code="73.09", idempotency_key="form-rahasia").duplicate


def test_keys_of_other_regions_are_refused_for_every_kind_of_record(engine, op_pangkep, admin):
    o = obstacle(engine, admin, region_code="73.09", idempotency_key="hmb")
    record_obstacle_action(engine, admin, obstacle_id=o.id, action_date=date(2024, 11, 2), actor_name="x",
                           description="y", idempotency_key="tl")
    ag = agreement(engine, admin, region_code="73.09", idempotency_key="nphd")
    record_nphd_disbursement(engine, admin, agreement_id=ag.id, tranche=1, amount=1, disbursed_date=date(2024, 2, 1),
                             idempotency_key="cair")
    document(engine, admin, region_code="73.09", idempotency_key="dok")
    mine_obstacle, mine_agreement = obstacle(engine, op_pangkep), agreement(engine, op_pangkep)
    attempts = [
        lambda: obstacle(engine, op_pangkep, idempotency_key="hmb"),
        lambda: record_obstacle_action(engine, op_pangkep, obstacle_id=mine_obstacle.id,
                                       action_date=date(2024, 11, 2), actor_name="x", description="y",
                                       idempotency_key="tl"),
        lambda: agreement(engine, op_pangkep, counterparty_code="BAWASLU", idempotency_key="nphd"),
        lambda: record_nphd_disbursement(engine, op_pangkep, agreement_id=mine_agreement.id, tranche=1, amount=1,
                                         disbursed_date=date(2024, 2, 1), idempotency_key="cair"),
        lambda: document(engine, op_pangkep, idempotency_key="dok"),
    ]
    for attempt in attempts:
        with pytest.raises(KeyOutOfScope):
            attempt()


def test_a_malformed_key_is_refused(engine, op_pangkep):
    for key in ["x" * 81, "kunci\x00", "", 12345]:
        assert "kunci" in refused(report, engine=engine, actor=op_pangkep, idempotency_key=key)
    assert count(engine, m.StageReport) == 0


def _user(engine, username, role, region):
    with write_tx(engine) as conn:
        return auth.create_user(conn, username, username, role, region)


def test_a_disabled_user_writes_nothing(engine, admin, op_pangkep):
    report(engine, op_pangkep)
    with write_tx(engine) as conn:
        conn.execute(m.User.__table__.update().where(m.User.id == op_pangkep.id).values(active=False))
    with pytest.raises(ActorRefused, match="dinonaktifkan"):
        report(engine, op_pangkep, progress=60.0)
    with pytest.raises(ActorRefused, match="dinonaktifkan"):
        report(engine, op_pangkep, progress=50.0)  # even a retry of nothing stored
    assert count(engine, m.StageReport) == 1


def test_an_altered_or_forged_actor_writes_nothing(engine, op_pangkep):
    forged = [
        replace(op_pangkep, role="admin_pusat", region_code=None),  # promoted by hand
        replace(op_pangkep, region_code="73.09"),  # moved by hand
        replace(op_pangkep, username="admin"),  # someone else's name on this id
        replace(op_pangkep, id=99_999),  # no such account
        replace(op_pangkep, id="1"),
    ]
    for actor in forged:
        with pytest.raises(ActorRefused):
            report(engine, actor, region_code=actor.region_code or "73.10")
    with write_tx(engine) as conn:  # the stored account moves: the old Actor is stale
        conn.execute(m.User.__table__.update().where(m.User.id == op_pangkep.id).values(region_code="73.09"))
    with pytest.raises(ActorRefused, match="telah berubah"):
        report(engine, op_pangkep)
    assert count(engine, m.StageReport) == 0


def test_system_identities_still_write(engine):
    with write_tx(engine) as conn:
        cli = auth.system_actor(conn)
    from sipantau.demo import _system_actor

    with write_tx(engine) as conn:
        demo = _system_actor(conn)
    assert report(engine, cli, source="cli").entity == "stage_report"
    assert obstacle(engine, demo, source="demo").entity == "obstacle"
    # A system name with a password is no system identity: inactive, it writes nothing.
    with write_tx(engine) as conn:
        conn.execute(m.User.__table__.update().where(m.User.id == cli.id).values(password_hash="x"))
    with pytest.raises(ActorRefused, match="dinonaktifkan"):
        report(engine, cli, progress=10.0)
