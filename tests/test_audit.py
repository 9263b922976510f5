"""Audit reading: filters by region, user and Jakarta calendar day; who may see what;
a record's corrections chain with its audit rows; exports that run no formula."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from sipantau import audit
from sipantau import models as m
from sipantau.auth import NotAllowed, create_user
from sipantau.db import write_tx
from sipantau.reports import record_obstacle, record_obstacle_action, submit_stage_report


def stage_id(engine, code="kampanye") -> int:
    with engine.connect() as conn:
        return conn.execute(select(m.Stage.id).where(m.Stage.election_code == "pilkada-2024",
                                                     m.Stage.code == code)).scalar()


def report(engine, actor, **over):
    fields = dict(region_code="73.10", stage_id=stage_id(engine), situation_date=date(2024, 10, 24), progress=50.0,
                  status="berjalan", note="")
    return submit_stage_report(engine, actor, **(fields | over))


def user(engine, username, role, region):
    with write_tx(engine) as conn:
        return create_user(conn, username, username, role, region)


def add_audit_row(engine, **values):
    row = dict(at=datetime(2024, 11, 20, 3, 0, tzinfo=UTC), user_id=None, username="x", action="buat",
               entity="stage_report", entity_id=None, region_code=None, before=None, after=None) | values
    with write_tx(engine) as conn:
        conn.execute(m.AuditLog.__table__.insert().values(**row))


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in m.Base.metadata.sorted_tables}


def test_writes_show_with_before_and_after(engine, op_pangkep, op_sulsel):
    first = report(engine, op_pangkep, note="awal")
    report(engine, op_pangkep, progress=60.0, note="koreksi", replaces_id=first.id)
    report(engine, op_sulsel, region_code="73", note="provinsi")
    with engine.connect() as conn:
        df = audit.audit_frame(conn)
    assert list(df.columns) == audit.COLUMNS
    assert len(df) == 3 and list(df["id"]) == sorted(df["id"], reverse=True)  # newest first
    correction = df[df["action"] == "koreksi"].iloc[0]
    assert json.loads(correction["before"])["note"] == "awal"
    assert json.loads(correction["after"])["note"] == "koreksi"
    assert str(correction["at"].tz) == "Asia/Jakarta"


def test_filters_by_region_prefix_user_and_day(engine, op_pangkep, op_sulsel):
    report(engine, op_pangkep)
    report(engine, op_sulsel, region_code="73")
    report(engine, op_sulsel, region_code="73.09")
    add_audit_row(engine, region_code="73.100", username="lain")  # under 73, but not under 73.10
    add_audit_row(engine, region_code="7", username="lain")
    add_audit_row(engine, region_code="730", username="lain")
    with engine.connect() as conn:
        assert len(audit.audit_frame(conn, region_prefix="73")) == 4
        assert set(audit.audit_frame(conn, region_prefix="73.10")["region_code"]) == {"73.10"}
        assert len(audit.audit_frame(conn, username="op.sulsel")) == 2
        assert len(audit.audit_frame(conn, region_prefix="73", username="op.pangkep")) == 1
        assert len(audit.audit_frame(conn, limit=2)) == 2
        assert audit.audit_users(conn, "73.10") == ["op.pangkep"]
        assert audit.audit_users(conn, "73") == ["lain", "op.pangkep", "op.sulsel"]


def test_days_are_jakarta_calendar_days(engine):
    # 20 Nov 2024 17:30 UTC is 21 Nov 00:30 WIB; 16:59 UTC is still 20 Nov 23:59 WIB.
    add_audit_row(engine, at=datetime(2024, 11, 20, 17, 30, tzinfo=UTC), username="malam")
    add_audit_row(engine, at=datetime(2024, 11, 20, 16, 59, tzinfo=UTC), username="sore")
    with engine.connect() as conn:
        day20 = audit.audit_frame(conn, start=date(2024, 11, 20), end=date(2024, 11, 20))
        day21 = audit.audit_frame(conn, start=date(2024, 11, 21))
        until20 = audit.audit_frame(conn, end=date(2024, 11, 20))
    assert list(day20["username"]) == ["sore"]
    assert list(day21["username"]) == ["malam"]
    assert list(until20["username"]) == ["sore"]
    assert day21["at"].iloc[0].strftime("%d-%m-%Y %H:%M") == "21-11-2024 00:30"


def test_who_may_see_what(engine, admin, op_pangkep, op_sulsel):
    report(engine, op_pangkep)
    report(engine, op_sulsel, region_code="73")
    add_audit_row(engine, region_code="35.01", username="jatim")
    add_audit_row(engine, region_code="73.10", username="op.pangkep", entity="app_user", action="masuk")
    verifier = user(engine, "ver.sulsel", "verifikator_provinsi", "73")
    with engine.connect() as conn:
        assert len(audit.audit_frame(conn, actor=admin)) == 4
        seen = audit.audit_frame(conn, actor=verifier)
        assert set(seen["region_code"]) == {"73", "73.10"} and "app_user" not in set(seen["entity"])
        assert len(audit.audit_frame(conn, "73.10", actor=verifier)) == 1
        with pytest.raises(NotAllowed):
            audit.audit_frame(conn, "35", actor=verifier)
        with pytest.raises(NotAllowed):
            audit.audit_frame(conn, actor=op_sulsel)
        assert audit.scope_prefix(verifier) == "73" and audit.scope_prefix(admin) is None


def test_record_history_walks_the_corrections_chain(engine, op_pangkep):
    first = report(engine, op_pangkep, progress=10.0)
    second = report(engine, op_pangkep, progress=20.0, replaces_id=first.id)
    third = report(engine, op_pangkep, progress=30.0, replaces_id=second.id)
    other = report(engine, op_pangkep, situation_date=date(2024, 10, 25))
    with engine.connect() as conn:
        for start in (first.id, second.id, third.id):
            h = audit.record_history(conn, "stage_report", start)
            assert [r["id"] for r in h.chain] == [first.id, second.id, third.id]
            assert [r["progress"] for r in h.chain] == [10.0, 20.0, 30.0]
            assert h.current_id == third.id and h.record["id"] == start and h.region_code == "73.10"
            assert list(h.audit["action"]) == ["buat", "koreksi", "koreksi"]
            assert json.loads(h.audit["before"].iloc[2])["progress"] == 20.0
        assert [r["id"] for r in audit.record_history(conn, "stage_report", other.id).chain] == [other.id]
        with pytest.raises(LookupError):
            audit.record_history(conn, "stage_report", 999_999)
        with pytest.raises(LookupError):
            audit.record_history(conn, "bukan_tabel", 1)


def test_obstacle_history_has_its_follow_up(engine, op_pangkep, admin):
    ob = record_obstacle(engine, op_pangkep, election_code="pilkada-2024", region_code="73.10",
                         category_code="logistik", severity_code="sedang", description="Kotak suara rusak",
                         owner="KPU", found_date=date(2024, 11, 1))
    record_obstacle_action(engine, op_pangkep, obstacle_id=ob.id, action_date=date(2024, 11, 2), actor_name="KPU",
                           description="Diganti", new_status="selesai", evidence="BA 12/2024")
    verifier_jatim = user(engine, "ver.jatim", "verifikator_provinsi", "35")
    verifier_sulsel = user(engine, "ver.sulsel", "verifikator_provinsi", "73")
    with engine.connect() as conn:
        h = audit.record_history(conn, "obstacle", ob.id, actor=verifier_sulsel)
        assert [a["evidence"] for a in h.related] == ["BA 12/2024"]
        assert list(h.audit["action"]) == ["buat", "tindak_lanjut", "ubah_status"]
        assert json.loads(h.audit["after"].iloc[2])["status"] == "selesai"
        with pytest.raises(NotAllowed):
            audit.record_history(conn, "obstacle", ob.id, actor=verifier_jatim)
        with pytest.raises(NotAllowed):
            audit.record_history(conn, "app_user", op_pangkep.id, actor=verifier_sulsel)
        account = audit.record_history(conn, "app_user", op_pangkep.id, actor=admin)
        assert "password_hash" not in account.record


HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"klik\")"]


def test_exports_neutralise_formulas(engine):
    for i, text in enumerate(HOSTILE):
        add_audit_row(engine, username=text, action=text, region_code="73.10", before=text, after=text, entity_id=i)
    with engine.connect() as conn:
        df = audit.audit_frame(conn)
    raw_csv = audit.export_csv(df).decode("utf-8-sig")
    lines = raw_csv.splitlines()
    assert lines[0].split(";")[:3] == ["id", "waktu (WIB)", "pengguna"]
    for line in lines[1:]:
        for cell in line.split(";")[2:]:
            assert not cell.lstrip('"').startswith(("=", "+", "-", "@")), cell
    assert "'=cmd|' /C calc'!A0" in raw_csv

    book = audit.export_xlsx(df)
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula cells at all
    import python_calamine

    rows = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(book)).get_sheet_by_name("Audit").to_python()
    assert rows[0][:3] == ["id", "waktu (WIB)", "pengguna"]
    assert {r[2] for r in rows[1:]} == {"'" + text for text in HOSTILE}


def test_sql_looking_filters_change_nothing(engine, op_pangkep):
    report(engine, op_pangkep)
    before = counts(engine)
    with engine.connect() as conn:
        for prefix in ["73' OR '1'='1", "73%", "%", "_", "73.1_", "'; DROP TABLE audit_log; --"]:
            assert audit.audit_frame(conn, region_prefix=prefix).empty, prefix
        for name in ["x' OR 1=1 --", "%", "op.pangkep'--"]:
            assert audit.audit_frame(conn, username=name).empty, name
        assert len(audit.audit_frame(conn, region_prefix="73")) == 1
    assert counts(engine) == before
