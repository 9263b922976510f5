"""Stage reports, and the derived current status (`stage_status`) and reporting days (`report_day`)
kept in the same transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sipantau import journal, rules
from sipantau.auth import Actor
from sipantau.db import run_write
from sipantau.models import not_replaced, rd, sr, ss, st
from sipantau.reports import core
from sipantau.reports.core import (
    LOCK_STAGE_CELL,
    InvalidInput,
    Receipt,
    _add,
    _check_date,
    _check_region,
    _check_replaces,
    _check_scope,
    _code,
    _conflict,
    _insert,
    _is_row_id,
    _refuse,
    _row,
    _stamp,
    _start,
    _text,
)
from sipantau.rules import Problem


def stage_election_window(conn: Connection, stage_id: int) -> tuple[str, date, date] | None:
    """The stage's election and the span of all its stages: reports must fall inside."""
    if not _is_row_id(stage_id):
        return None
    election = conn.execute(select(st.c.election_code).where(st.c.id == stage_id)).scalar()
    if election is None:
        return None
    first, last = conn.execute(
        select(func.min(st.c.start_date), func.max(st.c.end_date)).where(st.c.election_code == election)
    ).one()
    return election, first, last


def _check_progress(problems: dict, progress: Any, status: str) -> None:
    _add(problems, rules.check_progress("progres", progress))
    unknown = rules.check_status("status", status)
    if unknown or "progres" in problems:
        _add(problems, unknown)
    else:
        _add(problems, rules.status_progress("status", status, progress))


def add_stage_report(conn: Connection, actor: Actor, *, region_code: str, stage_id: int, situation_date: date,
                     progress: float, status: str, note: str = "", source: str = "form",
                     idempotency_key: str | None = None, replaces_id: int | None = None) -> Receipt:
    existing = _start(conn, actor, sr, idempotency_key)
    if existing:
        return existing
    region_code, status = _code(region_code), _code(status)
    problems: dict[str, Problem] = {}
    window = stage_election_window(conn, stage_id)
    if window is None:
        _check_scope(actor, region_code)
        raise InvalidInput(Problem("tahapan", "unknown_stage", {"stage": stage_id}))
    election, first, last = window
    _check_region(conn, problems, actor, region_code, election)
    day = _check_date(problems, "tanggal situasi", situation_date, None)
    if day is not None:
        _add(problems, rules.outside_election("tanggal situasi", day, election, first, last))
    _check_progress(problems, progress, status)
    note = _text(problems, "catatan", note, sr.c.note, required=False)
    # The cell's lock before reading its history: the correction check and the
    # current-status row then see every report committed before this one.
    core._lock(conn, LOCK_STAGE_CELL, region_code, stage_id)
    _check_replaces(conn, problems, sr, replaces_id, {"region_code": region_code, "stage_id": stage_id})
    if problems:
        return _refuse(conn, actor, sr, idempotency_key, problems)

    row = {"region_code": region_code, "stage_id": stage_id, "situation_date": day,
           "progress": float(progress), "status": status, "note": note, "replaces_id": replaces_id,
           **_stamp(actor, source, idempotency_key)}
    report_id = _insert(conn, sr, row)
    if report_id is None:
        return _conflict(conn, actor, sr, row)
    refresh_stage_status(conn, region_code, stage_id)
    _mark_report_day(conn, election, region_code, day)
    journal.record(conn, actor, "koreksi" if replaces_id else "buat", "stage_report", report_id, region_code,
           _row(conn, sr, replaces_id) if replaces_id else None, row)
    return Receipt("stage_report", report_id, row["recorded_at"])


def submit_stage_report(engine: Engine, actor: Actor, **fields) -> Receipt:
    return run_write(engine, lambda conn: add_stage_report(conn, actor, **fields))


def latest_report_query(region_code, stage_id, as_of=None):
    """The current report of a cell: latest situation date, then latest id, not corrected.
    Walks ix_stage_report_cell backwards: one index seek per cell."""
    q = select(sr.c.id, sr.c.situation_date, sr.c.progress, sr.c.status).where(
        sr.c.region_code == region_code, sr.c.stage_id == stage_id, not_replaced(sr))
    if as_of is not None:
        q = q.where(sr.c.situation_date <= as_of)
    return q.order_by(sr.c.situation_date.desc(), sr.c.id.desc()).limit(1)


def refresh_stage_status(conn: Connection, region_code: str, stage_id: int) -> None:
    latest = conn.execute(latest_report_query(region_code, stage_id)).mappings().first()
    if latest is None:
        conn.execute(ss.delete().where(ss.c.region_code == region_code, ss.c.stage_id == stage_id))
        return
    values = {"region_code": region_code, "stage_id": stage_id, "report_id": latest["id"],
              "situation_date": latest["situation_date"], "progress": latest["progress"], "status": latest["status"]}
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(ss).values(**values)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["region_code", "stage_id"],
        set_={k: stmt.excluded[k] for k in ("report_id", "situation_date", "progress", "status")},
    ))


def _mark_report_day(conn: Connection, election_code: str, region_code: str, day: date) -> None:
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(insert(rd).values(election_code=election_code, region_code=region_code, situation_date=day)
                 .on_conflict_do_nothing())


def rebuild_stage_status(conn: Connection) -> int:
    """Recompute the derived tables (current status, report days) from history, after bulk loads."""
    conn.execute(rd.delete())
    days = (select(st.c.election_code, sr.c.region_code, sr.c.situation_date)
            .join(st, st.c.id == sr.c.stage_id).distinct())
    conn.execute(rd.insert().from_select(["election_code", "region_code", "situation_date"], days))
    conn.execute(ss.delete())
    ranked = select(
        sr.c.region_code, sr.c.stage_id, sr.c.id.label("report_id"), sr.c.situation_date, sr.c.progress, sr.c.status,
        func.row_number().over(
            partition_by=(sr.c.region_code, sr.c.stage_id), order_by=(sr.c.situation_date.desc(), sr.c.id.desc())
        ).label("rn"),
    ).where(not_replaced(sr)).subquery()
    cols = ["region_code", "stage_id", "report_id", "situation_date", "progress", "status"]
    conn.execute(ss.insert().from_select(cols, select(*[ranked.c[c] for c in cols]).where(ranked.c.rn == 1)))
    return conn.execute(select(func.count()).select_from(ss)).scalar()
