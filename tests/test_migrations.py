"""Upgrading a database written under the 0001 schema, on SQLite (batch mode) and
PostgreSQL: the rows survive, forked histories written by the old race are joined into
one chain (nothing deleted, each move audited), and afterwards the database itself
refuses a second correction of a row and a second first version of an NPHD."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from conftest import _database
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from sipantau import models as m
from sipantau.auth import create_user, get_actor
from sipantau.config import ROOT
from sipantau.db import make_engine, migrate, write_tx
from sipantau.models import not_replaced
from sipantau.reference import load_reference
from sipantau.reports import InvalidInput, rebuild_stage_status, submit_stage_report

sr, ss, na, nd, doc = (m.StageReport.__table__, m.StageStatus.__table__, m.NphdAgreement.__table__,
                       m.NphdDisbursement.__table__, m.Document.__table__)
CORRECTABLE = [sr, na, nd, doc]


def _alembic(engine, verb: str, revision: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    with write_tx(engine) as conn:
        cfg.attributes["connection"] = conn
        getattr(command, verb)(cfg, revision)


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request, tmp_path_factory):
    """A database at revision 0001 with reference data and one user."""
    url, drop = _database(request.param, tmp_path_factory, "migr")
    engine = make_engine(url)
    _alembic(engine, "upgrade", "0001")
    with write_tx(engine) as conn:
        load_reference(conn)
        create_user(conn, "admin", "Admin", "admin_pusat")
    yield engine
    engine.dispose()
    drop()


class _Writer:
    """Rows inserted as the old code could leave them (no checks, no unique indexes)."""

    def __init__(self, conn):
        self.conn = conn
        self.user = conn.execute(select(m.User.id)).scalar()
        self.stage = conn.execute(select(m.Stage.id).where(m.Stage.election_code == "pilkada-2024",
                                                           m.Stage.code == "kampanye")).scalar()

    def add(self, table, **values) -> int:
        values |= {"recorded_at": datetime.now(UTC), "recorded_by": self.user, "source": "form"}
        return self.conn.execute(table.insert().values(**values)).inserted_primary_key[0]

    def report(self, day: int, progress: float, replaces: int | None = None) -> int:
        return self.add(sr, region_code="73.10", stage_id=self.stage, situation_date=date(2024, 10, day),
                        progress=progress, status="berjalan", note="", replaces_id=replaces)

    def agreement(self, value: int, replaces: int | None = None, counterparty: str = "KPU") -> int:
        return self.add(na, election_code="pilkada-2024", region_code="73.10", counterparty_code=counterparty,
                        agreed_value=value, signed_date=date(2024, 1, 10), note="", replaces_id=replaces)

    def payment(self, agreement: int, amount: int, replaces: int | None = None) -> int:
        return self.add(nd, agreement_id=agreement, tranche=1, amount=amount, disbursed_date=date(2024, 2, 1),
                        replaces_id=replaces)

    def document(self, name: str, replaces: int | None = None) -> int:
        return self.add(doc, region_code="73.10", election_code=None, requirement_code="sk-tim-pemantauan",
                        document_date=date(2024, 5, 1), filename=name, content_hash="a" * 64, size_bytes=10,
                        media_type="application/pdf", replaces_id=replaces)


def _old_history(engine) -> dict[str, int]:
    """A clean history plus every fork the old race produced; returns the ids the test follows."""
    with write_tx(engine) as conn:
        w = _Writer(conn)
        ids = {"clean_report": w.report(1, 10.0)}
        ids["a"] = w.report(20, 50.0)
        ids["b1"], ids["b2"] = w.report(21, 51.0, ids["a"]), w.report(22, 52.0, ids["a"])
        ids["c"] = w.report(23, 53.0, ids["b1"])  # a correction of one branch: the newest current version
        ids["b3"] = w.report(24, 54.0, ids["a"])
        ids["r1"] = w.agreement(10)
        ids["r2"] = w.agreement(20)  # a second first version of the same NPHD
        ids["r3"] = w.agreement(30, ids["r1"])
        ids["bawaslu"] = w.agreement(5, counterparty="BAWASLU")
        ids["p"] = w.payment(ids["r1"], 1)
        ids["p1"], ids["p2"] = w.payment(ids["r1"], 2, ids["p"]), w.payment(ids["r1"], 3, ids["p"])
        ids["d"] = w.document("sk.pdf")
        ids["d1"], ids["d2"] = w.document("sk-1.pdf", ids["d"]), w.document("sk-2.pdf", ids["d"])
        rebuild_stage_status(conn)
    return ids


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in CORRECTABLE}


def _current(engine, table) -> list[int]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(table.c.id).where(not_replaced(table))).scalars())


def test_upgrade_joins_forked_histories_and_keeps_every_row(old_engine):
    ids = _old_history(old_engine)
    before = _counts(old_engine)
    assert _current(old_engine, na) == sorted([ids["r2"], ids["r3"], ids["bawaslu"]])  # two current KPU NPHDs

    migrate(old_engine)

    assert _counts(old_engine) == before  # nothing deleted
    with old_engine.connect() as conn:
        for table in CORRECTABLE:
            twice = (select(table.c.replaces_id).where(table.c.replaces_id.is_not(None))
                     .group_by(table.c.replaces_id).having(func.count() > 1))
            assert conn.execute(twice).first() is None, table.name
        moves = conn.execute(select(m.AuditLog.__table__).where(m.AuditLog.action == "gabung_koreksi")).all()
        kept_status = conn.execute(select(ss.c.region_code, ss.c.stage_id, ss.c.report_id)).all()
    # The newest version that was current stays current; the others are now its history.
    assert _current(old_engine, na) == sorted([ids["r3"], ids["bawaslu"]])
    assert set(_current(old_engine, sr)) == {ids["clean_report"], ids["b3"]}
    assert _current(old_engine, nd) == [ids["p2"]] and _current(old_engine, doc) == [ids["d2"]]
    # Branches moved: b1 under b2, then b3 under c (a → b2 → b1 → c → b3); r1 under r2
    # (r2 → r1 → r3); p2 under p1; d2 under d1. Each move audited with before and after.
    assert sorted((a.entity, a.entity_id) for a in moves) == sorted([
        ("stage_report", ids["b1"]), ("stage_report", ids["b3"]), ("nphd_agreement", ids["r1"]),
        ("nphd_disbursement", ids["p2"]), ("document", ids["d2"])])
    assert all(a.username == "sistem.migrasi" and a.region_code == "73.10" for a in moves)
    assert {json.loads(a.before)["replaces_id"] for a in moves if a.entity == "stage_report"} == {ids["a"]}
    assert {json.loads(a.after)["replaces_id"] for a in moves if a.entity == "stage_report"} == {ids["b2"], ids["c"]}
    # The derived current status was recomputed for the cell the join touched.
    with write_tx(old_engine) as conn:
        rebuild_stage_status(conn)
        assert conn.execute(select(ss.c.region_code, ss.c.stage_id, ss.c.report_id)).all() == kept_status
    assert [r for _, _, r in kept_status] == [ids["b3"]]


def test_after_upgrade_the_database_refuses_a_fork_and_a_second_chain(old_engine):
    ids = _old_history(old_engine)
    migrate(old_engine)
    with old_engine.connect() as conn:
        unique = {ix["name"] for t in CORRECTABLE for ix in inspect(conn).get_indexes(t.name) if ix["unique"]}
    assert {f"ix_{t.name}_replaces_id" for t in CORRECTABLE} | {"uq_nphd_agreement_chain"} <= unique
    for attempt in (lambda w: w.report(25, 55.0, ids["a"]),  # a ("already corrected") corrected again
                    lambda w: w.agreement(40),  # a third first version
                    lambda w: w.document("sk-3.pdf", ids["d"])):
        with pytest.raises(IntegrityError), write_tx(old_engine) as conn:
            attempt(_Writer(conn))
    with write_tx(old_engine) as conn:  # a new NPHD for another counterparty is still a first version
        _Writer(conn).agreement(7, counterparty="TNI")
    # The service refuses the same with the check's own message.
    with old_engine.connect() as conn:
        actor = get_actor(conn, "admin")
        stage = conn.execute(select(sr.c.stage_id).where(sr.c.id == ids["a"])).scalar()
    with pytest.raises(InvalidInput, match=f"data #{ids['a']} sudah dikoreksi"):
        submit_stage_report(old_engine, actor, region_code="73.10", stage_id=stage,
                            situation_date=date(2024, 10, 25), progress=1.0, status="berjalan",
                            replaces_id=ids["a"])


def test_downgrade_and_upgrade_again(old_engine):
    _old_history(old_engine)
    migrate(old_engine)
    _alembic(old_engine, "downgrade", "0001")
    with old_engine.connect() as conn:
        assert "uq_nphd_agreement_chain" not in {ix["name"] for ix in inspect(conn).get_indexes("nphd_agreement")}
    migrate(old_engine)
    with old_engine.connect() as conn:
        assert "uq_nphd_agreement_chain" in {ix["name"] for ix in inspect(conn).get_indexes("nphd_agreement")}


def test_the_migrated_schema_is_the_models(backend_engine):
    """What the migrations build is what models.py says (indexes, uniqueness, types)."""
    with backend_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, m.Base.metadata) == []
