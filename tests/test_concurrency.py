"""Concurrent writers: 8 threads × 200 stage reports at once, on a SQLite file and on
PostgreSQL. Every report is stored, none is lost, no caller sees "database is locked",
the current-status table matches the history, and a retried submission racing its
twins from several threads is stored once. Then every write rule that depends on
stored rows, with writers released together. Figures are printed (run with -s)."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from sipantau import models as m
from sipantau.db import write_tx
from sipantau.models import not_replaced
from sipantau.reports import (
    InvalidInput,
    Receipt,
    rebuild_stage_status,
    record_document,
    record_nphd_agreement,
    record_nphd_disbursement,
    record_obstacle,
    record_obstacle_action,
    submit_stage_report,
)

THREADS = 8
PER_THREAD = 200
FROZEN_TODAY = date(2024, 12, 31)


def _plan(engine) -> list[list[dict]]:
    """THREADS lists of PER_THREAD valid reports; threads share cells (same region and
    stage) so that they also contend for the same current-status row."""
    st, er = m.Stage.__table__, m.ElectionRegion.__table__
    with engine.connect() as conn:
        stages = conn.execute(select(st.c.id, st.c.start_date, st.c.end_date)
                              .where(st.c.election_code == "pilkada-2024").order_by(st.c.order)).all()
        regions = [r[0] for r in conn.execute(select(er.c.region_code).where(er.c.election_code == "pilkada-2024")
                                              .order_by(er.c.region_code).limit(40))]
    first = min(s.start_date for s in stages)
    last = min(max(s.end_date for s in stages), FROZEN_TODAY)
    span = (last - first).days
    plan = []
    for i in range(THREADS):
        rows = []
        for j in range(PER_THREAD):
            stage = stages[(i + j) % len(stages)]
            rows.append({
                "region_code": regions[(j * 7 + i) % len(regions)],
                "stage_id": stage.id,
                "situation_date": first + timedelta(days=(i * PER_THREAD + j) % (span + 1)),
                "progress": float((i * 13 + j) % 100),
                "status": "berjalan",
                "note": f"thread {i} report {j}",
                "idempotency_key": f"conc:{i}:{j}",
            })
        plan.append(rows)
    return plan


def _run_threads(target, n: int) -> tuple[float, list[BaseException]]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def wrapped(i: int) -> None:
        barrier.wait()
        try:
            target(i)
        except BaseException as exc:  # noqa: BLE001 - every error reaches the assertion
            errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - started, errors


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(m.StageReport.__table__)).scalar()


def _status_rows(conn) -> set[tuple]:
    ss = m.StageStatus.__table__
    return {tuple(r) for r in conn.execute(select(ss.c.region_code, ss.c.stage_id, ss.c.report_id))}


def test_eight_writers_store_every_report(engine, admin):
    plan = _plan(engine)
    receipts: list[list] = [[] for _ in range(THREADS)]

    def work(i: int) -> None:
        for fields in plan[i]:
            receipts[i].append(submit_stage_report(engine, admin, **fields))

    seconds, errors = _run_threads(work, THREADS)
    total = THREADS * PER_THREAD
    print(f"\n[{engine.dialect.name}] {total} reports from {THREADS} threads in {seconds:.1f} s "
          f"({total / seconds:.0f}/s), errors: {len(errors)}")
    assert not errors, [repr(e) for e in errors[:3]]
    assert not any("locked" in repr(e).lower() for e in errors)
    assert _count(engine) == total
    ids = {r.id for rs in receipts for r in rs}
    assert len(ids) == total and not any(r.duplicate for rs in receipts for r in rs)
    with engine.connect() as conn:
        keys = {k for (k,) in conn.execute(select(m.StageReport.idempotency_key))}
        audits = conn.execute(select(func.count()).select_from(m.AuditLog.__table__)
                              .where(m.AuditLog.entity == "stage_report")).scalar()
    assert keys == {f["idempotency_key"] for rows in plan for f in rows}
    assert audits == total
    # The current-status table kept by each write equals a rebuild from the whole history.
    with write_tx(engine) as conn:
        kept = _status_rows(conn)
        rebuild_stage_status(conn)
        assert _status_rows(conn) == kept
    assert seconds < 60


def test_a_retried_submission_racing_its_twins_is_stored_once(engine, admin):
    plan = _plan(engine)[0][:20]
    outcomes: dict[str, list] = {f["idempotency_key"]: [] for f in plan}
    lock = threading.Lock()

    def work(_i: int) -> None:
        for fields in plan:  # every thread sends the same 20 submissions, same keys
            receipt = submit_stage_report(engine, admin, **fields)
            with lock:
                outcomes[fields["idempotency_key"]].append(receipt)

    seconds, errors = _run_threads(work, THREADS)
    print(f"\n[{engine.dialect.name}] 20 submissions × {THREADS} racing retries in {seconds:.1f} s, "
          f"errors: {len(errors)}")
    assert not errors, [repr(e) for e in errors[:3]]
    assert _count(engine) == len(plan)
    for key, receipts in outcomes.items():
        assert len(receipts) == THREADS
        assert len({r.id for r in receipts}) == 1, key
        assert sum(not r.duplicate for r in receipts) == 1, key


@pytest.mark.parametrize("n", [THREADS])
def test_plan_is_valid_and_distinct(engine, n):
    plan = _plan(engine)
    assert len(plan) == n and all(len(rows) == PER_THREAD for rows in plan)
    keys = [f["idempotency_key"] for rows in plan for f in rows]
    assert len(set(keys)) == len(keys)


# ---- rules that depend on stored rows, under writers released together ---------------------
#
# Each test releases RACERS writers at once (threading.Barrier), all trying the conflicting
# write, then checks the rule on what was stored and that every loser got a clean
# InvalidInput naming the rule (never an IntegrityError, never "database is locked").

RACERS = 8
AGREED = 10_000_000_000


def _race(write) -> list:
    """Run write(i) in RACERS threads released together; each outcome is a Receipt or the exception."""
    outcomes: list = [None] * RACERS
    barrier = threading.Barrier(RACERS)

    def one(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = write(i)
        except BaseException as exc:  # noqa: BLE001 - every outcome reaches the assertions
            outcomes[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(RACERS)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    print(f" [{time.perf_counter() - started:.2f} s]", end="")
    return outcomes


def _winners_and_losers(outcomes, field: str, phrase: str) -> list[Receipt]:
    """The stored receipts; every other outcome must be InvalidInput whose `field` says `phrase`."""
    winners = [o for o in outcomes if isinstance(o, Receipt)]
    losers = [o for o in outcomes if not isinstance(o, Receipt)]
    assert all(isinstance(o, InvalidInput) for o in losers), [repr(o) for o in losers]
    assert all(phrase in o.errors.get(field, "") for o in losers), [o.errors for o in losers]
    assert len({w.id for w in winners}) == len(winners) and not any(w.duplicate for w in winners)
    return winners


def _rows(engine, table, *where) -> list:
    with engine.connect() as conn:
        return conn.execute(select(table).where(*where)).all()


def _agreement(engine, actor, value: int = AGREED) -> Receipt:
    return record_nphd_agreement(engine, actor, election_code="pilkada-2024", region_code="73.10",
                                 counterparty_code="KPU", agreed_value=value, signed_date=date(2024, 1, 10))


def _pay(engine, actor, agreement_id: int, tranche: int, amount: int, **over) -> Receipt:
    return record_nphd_disbursement(engine, actor, agreement_id=agreement_id, tranche=tranche, amount=amount,
                                    disbursed_date=date(2024, 2, 1), **over)


def _current_disbursed(engine) -> int:
    nd = m.NphdDisbursement.__table__
    with engine.connect() as conn:
        return conn.execute(select(func.coalesce(func.sum(nd.c.amount), 0)).where(not_replaced(nd))).scalar()


def test_payments_released_together_never_pass_the_agreed_value(engine, admin):
    ag = _agreement(engine, admin)
    # Eight payments of Rp3 M on a Rp10 M NPHD, six tranche numbers among them: three fit.
    outcomes = _race(lambda i: _pay(engine, admin, ag.id, tranche=i % 6 + 1, amount=3_000_000_000))
    winners = [o for o in outcomes if isinstance(o, Receipt)]
    losers = [o for o in outcomes if not isinstance(o, Receipt)]
    assert all(isinstance(o, InvalidInput) and ({"jumlah", "tahap"} & set(o.errors)) for o in losers), losers
    assert len(winners) == 3
    assert _current_disbursed(engine) == 9_000_000_000 <= AGREED


def test_one_tranche_row_when_writers_send_the_same_tranche(engine, admin):
    ag = _agreement(engine, admin)
    outcomes = _race(lambda i: _pay(engine, admin, ag.id, tranche=3, amount=1_000_000_000 + i))
    winners = _winners_and_losers(outcomes, "tahap", "tahap 3 sudah tercatat")
    nd = m.NphdDisbursement.__table__
    assert len(winners) == 1 and len(_rows(engine, nd, nd.c.tranche == 3)) == 1


def test_one_current_agreement_when_writers_record_it_together(engine, admin):
    outcomes = _race(lambda i: _agreement(engine, admin, value=AGREED + i))
    winners = _winners_and_losers(outcomes, "mengoreksi", "sudah tercatat")
    na = m.NphdAgreement.__table__
    assert len(winners) == 1
    assert [r.id for r in _rows(engine, na, not_replaced(na))] == [winners[0].id]


def _correctable(engine, admin, kind: str):
    """A stored row of `kind` and a function writing correction number i of it."""
    if kind == "stage_report":
        stage = _plan(engine)[0][0]
        first = submit_stage_report(engine, admin, **(stage | {"idempotency_key": None}))
        return first.id, lambda i: submit_stage_report(engine, admin, **(stage | {
            "idempotency_key": None, "progress": float(i), "replaces_id": first.id}))
    if kind == "nphd_agreement":
        first = _agreement(engine, admin)
        return first.id, lambda i: record_nphd_agreement(
            engine, admin, election_code="pilkada-2024", region_code="73.10", counterparty_code="KPU",
            agreed_value=AGREED + i, signed_date=date(2024, 1, 10), replaces_id=first.id)
    if kind == "nphd_disbursement":
        ag = _agreement(engine, admin)
        first = _pay(engine, admin, ag.id, tranche=1, amount=1_000_000_000)
        return first.id, lambda i: _pay(engine, admin, ag.id, tranche=1, amount=1_000_000_000 + i,
                                        replaces_id=first.id)
    fields = dict(region_code="73.10", requirement_code="sk-tim-pemantauan", document_date=date(2024, 5, 1),
                  filename="sk.pdf", content_hash="a" * 64, size_bytes=1000, media_type="application/pdf")
    first = record_document(engine, admin, **fields)
    return first.id, lambda i: record_document(engine, admin, **(fields | {
        "filename": f"sk-{i}.pdf", "replaces_id": first.id}))


@pytest.mark.parametrize("kind", ["stage_report", "nphd_agreement", "nphd_disbursement", "document"])
def test_a_row_corrected_by_writers_together_is_corrected_once(engine, admin, kind):
    original, correct = _correctable(engine, admin, kind)
    outcomes = _race(correct)
    winners = _winners_and_losers(outcomes, "mengoreksi", f"data #{original} sudah dikoreksi")
    table = m.Base.metadata.tables[kind]
    assert len(winners) == 1
    assert [r.id for r in _rows(engine, table, table.c.replaces_id == original)] == [winners[0].id]
    if kind == "stage_report":
        ss = m.StageStatus.__table__
        assert [r.report_id for r in _rows(engine, ss)] == [winners[0].id]


def test_an_obstacle_closed_by_writers_together_is_closed_once(engine, admin):
    obstacle = record_obstacle(engine, admin, election_code="pilkada-2024", region_code="73.10",
                               category_code="alam", severity_code="kritis", description="Jembatan putus",
                               owner="BPBD", found_date=date(2024, 11, 1))
    outcomes = _race(lambda i: record_obstacle_action(
        engine, admin, obstacle_id=obstacle.id, action_date=date(2024, 11, 3), actor_name=f"Petugas {i}",
        description="Jembatan darurat dipasang", new_status="selesai", evidence=f"BA nomor {i}"))
    winners = _winners_and_losers(outcomes, "status baru", "dari Selesai tidak dapat ke Selesai")
    oa, ob, log = m.ObstacleAction.__table__, m.Obstacle.__table__, m.AuditLog.__table__
    assert len(winners) == 1
    assert len(_rows(engine, oa, oa.c.new_status.is_not(None))) == 1
    assert len(_rows(engine, log, log.c.action == "ubah_status")) == 1
    assert _rows(engine, ob)[0].status == "selesai"


def test_amendments_and_payments_released_together_keep_payments_within_the_agreement(engine, admin):
    ag = _agreement(engine, admin)

    def write(i: int) -> Receipt:
        if i % 2:  # four writers amend the Rp10 M NPHD down to Rp5 M …
            return record_nphd_agreement(engine, admin, election_code="pilkada-2024", region_code="73.10",
                                         counterparty_code="KPU", agreed_value=5_000_000_000,
                                         signed_date=date(2024, 1, 10), replaces_id=ag.id)
        return _pay(engine, admin, ag.id, tranche=i // 2 + 1, amount=2_000_000_000)  # … four pay Rp2 M

    outcomes = _race(write)
    assert all(isinstance(o, (Receipt, InvalidInput)) for o in outcomes), outcomes
    na = m.NphdAgreement.__table__
    current = _rows(engine, na, not_replaced(na))
    assert len(current) == 1
    assert _current_disbursed(engine) <= current[0].agreed_value
    assert len(_rows(engine, na, na.c.replaces_id == ag.id)) <= 1


@pytest.mark.parametrize("kind", ["stage_report", "nphd_agreement", "nphd_disbursement"])
def test_without_the_locks_the_unique_index_still_allows_one_correction(engine, admin, kind, monkeypatch):
    """The indexes are the proof, not the locks: with the advisory locks taken away, writers
    that all pass the check are stopped by the database and told what the check says."""
    original, correct = _correctable(engine, admin, kind)
    monkeypatch.setattr("sipantau.reports.core._lock", lambda *_args: None)
    winners = _winners_and_losers(_race(correct), "mengoreksi", f"data #{original} sudah dikoreksi")
    table = m.Base.metadata.tables[kind]
    assert len(winners) == 1 and len(_rows(engine, table, table.c.replaces_id == original)) == 1


def test_without_the_locks_the_unique_index_still_allows_one_nphd(engine, admin, monkeypatch):
    monkeypatch.setattr("sipantau.reports.core._lock", lambda *_args: None)
    winners = _winners_and_losers(_race(lambda i: _agreement(engine, admin, value=AGREED + i)),
                                  "mengoreksi", "sudah tercatat")
    na = m.NphdAgreement.__table__
    assert len(winners) == 1 and len(_rows(engine, na)) == 1


def _twin_writes(engine, admin, kind: str):
    """One submission of `kind` whose rule a second copy would break (a correction, a
    closure, an NPHD, a tranche), to be sent by every writer with the same key."""
    if kind == "obstacle_action":
        o = record_obstacle(engine, admin, election_code="pilkada-2024", region_code="73.10",
                            category_code="alam", severity_code="tinggi", description="Banjir", owner="BPBD",
                            found_date=date(2024, 11, 1))
        return lambda: record_obstacle_action(engine, admin, obstacle_id=o.id, action_date=date(2024, 11, 2),
                                              actor_name="BPBD", description="Surut", new_status="selesai",
                                              evidence="Foto", idempotency_key="twin")
    if kind == "nphd_agreement":
        return lambda: record_nphd_agreement(engine, admin, election_code="pilkada-2024", region_code="73.10",
                                             counterparty_code="KPU", agreed_value=AGREED,
                                             signed_date=date(2024, 1, 10), idempotency_key="twin")
    if kind == "nphd_disbursement":
        ag = _agreement(engine, admin)
        return lambda: _pay(engine, admin, ag.id, tranche=2, amount=AGREED, idempotency_key="twin")
    _original, correct = _correctable(engine, admin, kind)
    if kind == "stage_report":
        return lambda: submit_stage_report(engine, admin, **(_plan(engine)[0][0] | {
            "idempotency_key": "twin", "progress": 1.0, "replaces_id": _original}))
    return lambda: record_document(engine, admin, region_code="73.10", requirement_code="sk-tim-pemantauan",
                                   document_date=date(2024, 5, 1), filename="sk-baru.pdf", content_hash="b" * 64,
                                   size_bytes=10, media_type="application/pdf", replaces_id=_original,
                                   idempotency_key="twin")


@pytest.mark.parametrize("kind", ["obstacle_action", "nphd_agreement", "nphd_disbursement", "stage_report",
                                  "document"])
def test_twins_of_a_rule_bound_submission_get_the_stored_receipt(engine, admin, kind):
    """A double click on a correction, a closure, an NPHD or a payment: stored once, and
    every copy answered with that receipt, not with the rule the first copy now fills."""
    write = _twin_writes(engine, admin, kind)
    outcomes = _race(lambda _i: write())
    assert all(isinstance(o, Receipt) for o in outcomes), [repr(o) for o in outcomes]
    assert len({o.id for o in outcomes}) == 1 and sum(not o.duplicate for o in outcomes) == 1
    table = m.Base.metadata.tables[kind]
    assert len(_rows(engine, table, table.c.idempotency_key == "twin")) == 1
