"""Concurrent writers: 8 threads × 200 stage reports at once, on a SQLite file and on
PostgreSQL. Every report is stored, none is lost, no caller sees "database is locked",
the current-status table matches the history, and a retried submission racing its
twins from several threads is stored once. Figures are printed (run with -s)."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from sipantau import models as m
from sipantau.db import write_tx
from sipantau.reports import rebuild_stage_status, submit_stage_report

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
