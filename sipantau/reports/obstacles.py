"""Obstacles (hambatan) and their follow-up actions; a status change moves along the allowed
transitions, under a row lock.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Engine

from sipantau import clock, journal, rules
from sipantau import models as m
from sipantau.auth import Actor
from sipantau.db import run_write
from sipantau.models import oa, ob
from sipantau.reports.core import (
    OBSTACLE_STATUSES,
    OBSTACLE_TRANSITIONS,
    InvalidInput,
    Receipt,
    _add,
    _check_date,
    _check_region,
    _check_scope,
    _code,
    _conflict,
    _exists,
    _insert,
    _record_window,
    _refuse,
    _row,
    _stamp,
    _start,
    _text,
)
from sipantau.reports.stages import stage_election_window
from sipantau.rules import Problem


def add_obstacle(conn: Connection, actor: Actor, *, election_code: str, region_code: str, category_code: str,
                 severity_code: str, description: str, owner: str, found_date: date, stage_id: int | None = None,
                 due_date: date | None = None, source: str = "form", idempotency_key: str | None = None) -> Receipt:
    existing = _start(conn, actor, ob, idempotency_key)
    if existing:
        return existing
    election_code, region_code = _code(election_code), _code(region_code)
    category_code, severity_code = _code(category_code), _code(severity_code)
    problems: dict[str, Problem] = {}
    _check_region(conn, problems, actor, region_code, election_code)
    if not _exists(conn, m.ObstacleCategory, category_code):
        _add(problems, rules.unknown("kategori", "category", category_code))
    if not _exists(conn, m.Severity, severity_code):
        _add(problems, rules.unknown("tingkat", "severity", severity_code))
    if stage_id is not None:
        window = stage_election_window(conn, stage_id)
        if window is None or window[0] != election_code:
            _add(problems, rules.stage_not_in_election("tahapan", stage_id, election_code))
    description = _text(problems, "uraian", description, ob.c.description)
    owner = _text(problems, "penanggung jawab", owner, ob.c.owner)
    found = _check_date(problems, "tanggal diketahui", found_date, _record_window(conn, election_code))
    due = None
    if due_date is not None:
        due, problem = rules.check_day("tenggat", due_date, clock.today(),
                                       rules.after("tanggal diketahui", found) if found else None, not_future=False)
        _add(problems, problem)
    if problems:
        return _refuse(conn, actor, ob, idempotency_key, problems)
    row = {"election_code": election_code, "region_code": region_code, "stage_id": stage_id,
           "category_code": category_code, "severity_code": severity_code, "description": description,
           "owner": owner, "due_date": due, "found_date": found, "status": "baru",
           "closed_date": None, **_stamp(actor, source, idempotency_key)}
    obstacle_id = _insert(conn, ob, row)
    if obstacle_id is None:
        return _conflict(conn, actor, ob, row)
    journal.record(conn, actor, "buat", "obstacle", obstacle_id, region_code, None, row)
    return Receipt("obstacle", obstacle_id, row["recorded_at"])


def record_obstacle(engine: Engine, actor: Actor, **fields) -> Receipt:
    return run_write(engine, lambda conn: add_obstacle(conn, actor, **fields))


def _check_move(problems: dict, current: str, new_status: str | None) -> None:
    if new_status is None:
        return
    unknown = rules.check_status("status baru", new_status, OBSTACLE_STATUSES)
    if unknown:
        _add(problems, unknown)
    elif new_status not in OBSTACLE_TRANSITIONS[current]:
        _add(problems, Problem("status baru", "status_move", {"current": current, "new": new_status}))


def add_obstacle_action(conn: Connection, actor: Actor, *, obstacle_id: int, action_date: date, actor_name: str,
                        description: str, new_status: str | None = None, evidence: str | None = None,
                        source: str = "form", idempotency_key: str | None = None) -> Receipt:
    """A follow-up step; with `new_status` it moves the obstacle (closing needs evidence)."""
    existing = _start(conn, actor, oa, idempotency_key)
    if existing:
        return existing
    # The obstacle row locked (FOR UPDATE) before its status is read: of two writers
    # closing it at once, the second sees it closed.
    obstacle = _row(conn, ob, obstacle_id, lock=True)
    if obstacle is None:
        raise InvalidInput(Problem("hambatan", "missing_record", {"id": obstacle_id}))
    _check_scope(actor, obstacle["region_code"])
    problems: dict[str, Problem] = {}
    actor_name = _text(problems, "pelaksana", actor_name, oa.c.actor)
    description = _text(problems, "tindak lanjut", description, oa.c.description)
    day = _check_date(problems, "tanggal tindak lanjut", action_date,
                      rules.after("tanggal diketahui", obstacle["found_date"]))
    new_status = None if new_status is None else _code(new_status)
    _check_move(problems, obstacle["status"], new_status)
    # Closing needs evidence of what solved it.
    evidence = _text(problems, "bukti penyelesaian", evidence, oa.c.evidence, required=new_status == "selesai")
    if problems:
        return _refuse(conn, actor, oa, idempotency_key, problems)
    row = {"obstacle_id": obstacle["id"], "action_date": day, "actor": actor_name, "description": description,
           "new_status": new_status, "evidence": evidence or None, **_stamp(actor, source, idempotency_key)}
    action_id = _insert(conn, oa, row)
    if action_id is None:
        return _conflict(conn, actor, oa, row)
    journal.record(conn, actor, "tindak_lanjut", "obstacle_action", action_id, obstacle["region_code"], None, row)
    if new_status is not None:
        closed = day if new_status == "selesai" else None
        conn.execute(ob.update().where(ob.c.id == obstacle["id"]).values(status=new_status, closed_date=closed))
        journal.record(conn, actor, "ubah_status", "obstacle", obstacle["id"], obstacle["region_code"],
               {"status": obstacle["status"], "closed_date": obstacle["closed_date"]},
               {"status": new_status, "closed_date": closed})
    return Receipt("obstacle_action", action_id, row["recorded_at"])


def record_obstacle_action(engine: Engine, actor: Actor, **fields) -> Receipt:
    return run_write(engine, lambda conn: add_obstacle_action(conn, actor, **fields))
