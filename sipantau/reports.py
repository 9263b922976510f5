"""Write side: stage reports, obstacles and their follow-up, NPHD, documents.

Every write function
- re-reads the acting user inside its transaction (a disabled or altered Actor
  writes nothing) and refuses regions outside that user's scope,
- cleans every text (`rules.clean_text`) and validates everything before it writes by
  the shared rulebook (`sipantau.rules`), raising `InvalidInput` with a `rules.Problem`
  per field (code and parameters), worded by the catalog in Bahasa Indonesia or English,
- is idempotent by key: a retried submission returns the stored one (and a key of a
  record outside the user's scope is refused, never answered with that record),
- appends (a correction is a new row naming what it replaces) and writes an
  audit row (`journal.record`) in the same transaction.

Rules that depend on stored rows hold under simultaneous writers on both databases:
the subject is locked before the check reads (an NPHD's chain of versions, a stage
cell, an obstacle row; on SQLite `BEGIN IMMEDIATE` already holds the one write lock),
and unique indexes make a forked correction or a second NPHD chain impossible
whatever the code does; a writer stopped by an index gets the check's own message.

The `add_*` functions work inside a caller's transaction (bulk import commits a
whole file at once); the `submit_*`/`record_*` wrappers open one transaction each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Connection, Engine, Table, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sipantau import clock, i18n, journal, rules
from sipantau import models as m
from sipantau.auth import Actor, actor_problem, can_write_region
from sipantau.db import run_write
from sipantau.models import doc, er, na, nd, not_replaced, oa, ob, rd, sr, ss, st
from sipantau.rules import MAX_TEXT, REPORT_STATUSES, Earliest, Problem, clean_text

OBSTACLE_STATUSES = {"baru": "Baru", "ditangani": "Ditangani", "eskalasi": "Eskalasi", "selesai": "Selesai"}
# Which status may follow which; a solved obstacle can be reopened if it returns.
OBSTACLE_TRANSITIONS = {
    "baru": {"ditangani", "eskalasi", "selesai"},
    "ditangani": {"eskalasi", "selesai"},
    "eskalasi": {"ditangani", "selesai"},
    "selesai": {"ditangani"},
}
SOURCES = {"form", "import", "cli", "demo"}
MAX_ROW_ID = 2**31 - 1  # Integer primary keys
MAX_BYTES = 2**63 - 1  # BigInteger
# Advisory-lock namespaces on PostgreSQL (first key of pg_advisory_xact_lock(int, int)).
LOCK_STAGE_CELL, LOCK_NPHD_CHAIN = 1, 2



class InvalidInput(ValueError):
    """Input refused. `problems` holds one `rules.Problem` per refused field (code and
    parameters); `errors` maps each field to its message in Bahasa Indonesia, and
    `messages(lang)` words them in the reader's language."""

    def __init__(self, problems: Problem | Iterable[Problem]):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.errors = self.messages("id")
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in self.errors.items()))

    def messages(self, lang: str = "id") -> dict[str, str]:
        return {p.field: i18n.problem(p, lang) for p in self.problems}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class OutOfScope(PermissionError):
    """A region outside the user's scope; `problem` says so in the rulebook's terms."""

    problem: Problem | None = None

    def __init__(self, actor: Actor, region_code: str):
        self.problem = rules.out_of_scope(actor.username, region_code)
        super().__init__(_sentence(i18n.problem(self.problem)))

    def message(self, lang: str = "id") -> str:
        return _sentence(i18n.problem(self.problem, lang)) if self.problem else str(self)


class KeyOutOfScope(OutOfScope):
    """A retried key names a record outside the user's scope: refused without a word about it."""

    def __init__(self, actor: Actor):
        self.problem = Problem("kunci", "key_out_of_scope", {"username": actor.username})
        PermissionError.__init__(self, _sentence(i18n.problem(self.problem)))


class ActorRefused(OutOfScope):
    """The acting user, as stored now, may not write (disabled, role or region changed, unknown)."""

    def __init__(self, message: str):
        PermissionError.__init__(self, message)


@dataclass(frozen=True)
class Receipt:
    """What the operator is shown after a write: the stored record and its reference."""

    entity: str
    id: int
    recorded_at: datetime
    duplicate: bool = False

    @property
    def reference(self) -> str:
        return f"{self.entity.upper()}-{self.id:07d}"


# ---- shared checks ----------------------------------------------------------------


def _check_scope(actor: Actor, region_code: str) -> None:
    if not can_write_region(actor, region_code):
        raise OutOfScope(actor, region_code)


def _code(value: Any) -> str:
    """A code as typed or picked (region, election, category …), cleaned like any text so an
    invisible or NUL character can neither pass nor crash a query."""
    return clean_text(value)


def _is_row_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID


def _add(problems: dict[str, Problem], *found: Problem | None) -> None:
    """Note what the rules found; a later problem of a field replaces an earlier one."""
    problems.update(rules.collect(found))


def _text(problems: dict, field: str, value: Any, column: Column, required: bool = True) -> str:
    """The text as stored (`rules.clean_text`), checked for what a reader sees and what the column holds."""
    cleaned, problem = rules.check_text(field, value, column.type.length or MAX_TEXT, required)
    _add(problems, problem)
    return cleaned


def _check_date(problems: dict, field: str, value: Any, earliest: Earliest | None) -> date | None:
    """The day as stored, or None with the problem noted: a date, not in the future, not
    before `earliest` (which says what that bound is)."""
    day, problem = rules.check_day(field, value, clock.today(), earliest)
    _add(problems, problem)
    return day


def _first_stage(conn: Connection, election_code: str | None) -> date | None:
    return conn.execute(select(func.min(st.c.start_date)).where(st.c.election_code == election_code)).scalar()


def _record_window(conn: Connection, election_code: str | None) -> Earliest:
    """The earliest day a record of the election may carry (`rules.record_earliest`)."""
    return rules.record_earliest(election_code, _first_stage(conn, election_code) if election_code else None)


def _region_in_election(conn: Connection, region_code: str, election_code: str) -> bool:
    q = select(er.c.region_code).where(er.c.region_code == region_code, er.c.election_code == election_code)
    return conn.execute(q).first() is not None


def _check_region(conn: Connection, problems: dict, actor: Actor, region_code: str,
                  election_code: str | None) -> None:
    """Scope first (an out-of-scope request learns nothing else), then existence."""
    _check_scope(actor, region_code)
    name = conn.execute(select(m.Region.name).where(m.Region.code == region_code)).scalar()
    if name is None:
        _add(problems, rules.unknown("wilayah", "region", region_code))
    elif election_code and not _region_in_election(conn, region_code, election_code):
        _add(problems, rules.not_in_election("wilayah", region_code, name, election_code))


def _start(conn: Connection, actor: Actor, table: Table, key: Any) -> Receipt | None:
    """Every write begins here: the actor as stored now, a well-formed key, and a retried
    key answered with its stored receipt (only within the actor's scope)."""
    problem = actor_problem(conn, actor)
    if problem:
        raise ActorRefused(problem)
    if key is None:
        return None
    if not isinstance(key, str) or not key or key != clean_text(key) or len(key) > table.c.idempotency_key.type.length:
        raise InvalidInput(Problem("kunci", "bad_key"))
    return _existing_receipt(conn, actor, table, key)


# Tables whose region is their parent's.
_PARENT = {"obstacle_action": (ob, oa.c.obstacle_id), "nphd_disbursement": (na, nd.c.agreement_id)}


def _existing_receipt(conn: Connection, actor: Actor, table: Table, key: str | None) -> Receipt | None:
    if not key:
        return None
    if table.name in _PARENT:
        parent, fk = _PARENT[table.name]
        q = select(table.c.id, table.c.recorded_at, parent.c.region_code).join(parent, parent.c.id == fk)
    else:
        q = select(table.c.id, table.c.recorded_at, table.c.region_code)
    stored = conn.execute(q.where(table.c.idempotency_key == key)).first()
    if stored is None:
        return None
    if not can_write_region(actor, stored.region_code):
        raise KeyOutOfScope(actor)
    return Receipt(table.name, stored.id, stored.recorded_at, duplicate=True)


def _stamp(actor: Actor, source: str, key: str | None) -> dict:
    if source not in SOURCES:
        raise InvalidInput(rules.unknown("sumber", "source", source))
    return {"recorded_at": clock.now(), "recorded_by": actor.id, "source": source, "idempotency_key": key}


def _row(conn: Connection, table: Table, row_id: Any, lock: bool = False) -> dict | None:
    if not _is_row_id(row_id):
        return None
    q = select(table).where(table.c.id == row_id)
    row = conn.execute(q.with_for_update() if lock else q).mappings().first()
    return dict(row) if row else None


def _lock(conn: Connection, namespace: int, *subject: Any) -> None:
    """Serialise writers of one subject on PostgreSQL until the transaction ends; taken
    before the checks read the rows they depend on. (Under READ COMMITTED every later
    statement then sees what earlier holders committed. A hash collision only makes two
    subjects wait for each other.) SQLite's BEGIN IMMEDIATE already holds the one write lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:ns, hashtext(:k))"),
                     {"ns": namespace, "k": ":".join(map(str, subject))})


def _correction_of(conn: Connection, table: Table, replaces_id: int) -> int | None:
    return conn.execute(select(table.c.id).where(table.c.replaces_id == replaces_id)).scalar()


def _already_corrected(replaces_id: int, newer: int) -> Problem:
    return Problem("mengoreksi", "already_corrected", {"id": replaces_id, "newer": newer})


def _check_replaces(conn: Connection, problems: dict, table: Table, replaces_id: Any, same: dict) -> dict | None:
    """A correction names a current row of the same subject; returns that row."""
    if replaces_id is None:
        return None
    old = _row(conn, table, replaces_id)
    if old is None:
        _add(problems, Problem("mengoreksi", "replaced_missing", {"id": replaces_id}))
        return None
    if any(old[k] != v for k, v in same.items()):
        _add(problems, Problem("mengoreksi", "replaced_other", {"id": replaces_id}))
    newer = _correction_of(conn, table, replaces_id)
    if newer:
        _add(problems, _already_corrected(replaces_id, newer))
    return old


def _insert(conn: Connection, table: Table, row: dict) -> int | None:
    """Insert unless a unique index refuses (None then): a twin with the same key, or a
    correction of a row corrected meanwhile. The database, not the check, has the last word."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    return conn.execute(insert(table).values(**row).on_conflict_do_nothing().returning(table.c.id)).scalar()


def _refuse(conn: Connection, actor: Actor, table: Table, key: str | None, problems: dict) -> Receipt:
    """Refuse, unless a twin with this key (a double click, a retry) was stored since this
    writer looked: then the rule it now breaks is the twin's own doing, and the answer is the twin's receipt."""
    twin = _existing_receipt(conn, actor, table, key)
    if twin:
        return twin
    raise InvalidInput(problems.values())


def _conflict(conn: Connection, actor: Actor, table: Table, row: dict) -> Receipt:
    """Why a unique index refused `row`, told as the check would: the twin's receipt, or InvalidInput."""
    twin = _existing_receipt(conn, actor, table, row["idempotency_key"])
    if twin:
        return twin
    if row.get("replaces_id") is not None:
        newer = _correction_of(conn, table, row["replaces_id"])
        if newer:
            raise InvalidInput(_already_corrected(row["replaces_id"], newer))
    if table is na:
        current = current_agreement(conn, row["election_code"], row["region_code"], row["counterparty_code"])
        if current:
            raise InvalidInput(_agreement_recorded(current["id"]))
    raise RuntimeError(f"{table.name}: a unique index refused a row that no check explains")


# ---- stage reports ----------------------------------------------------------------


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
    _lock(conn, LOCK_STAGE_CELL, region_code, stage_id)
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


# ---- obstacles --------------------------------------------------------------------


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


def _exists(conn: Connection, model, code: str) -> bool:
    return conn.execute(select(model.code).where(model.code == code)).first() is not None


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


# ---- NPHD -------------------------------------------------------------------------

CHAIN = ("election_code", "region_code", "counterparty_code")


def current_agreement(conn: Connection, election_code: str, region_code: str, counterparty_code: str) -> dict | None:
    q = select(na).where(na.c.election_code == election_code, na.c.region_code == region_code,
                         na.c.counterparty_code == counterparty_code, not_replaced(na))
    row = conn.execute(q.order_by(na.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def _lock_chain(conn: Connection, agreement: dict) -> None:
    """One lock per NPHD and its versions (election, region, counterparty): agreements,
    amendments and disbursements of one NPHD are checked one writer at a time."""
    _lock(conn, LOCK_NPHD_CHAIN, *(agreement[k] for k in CHAIN))


def _versions(agreement: dict):
    return select(na.c.id).where(*(na.c[k] == agreement[k] for k in CHAIN))


def _disbursed(conn: Connection, agreement: dict, excluding: int | None = None) -> int:
    """Rupiah disbursed under any version of this agreement (corrections keep their payments)."""
    q = select(func.coalesce(func.sum(nd.c.amount), 0)).where(nd.c.agreement_id.in_(_versions(agreement)),
                                                              not_replaced(nd))
    if excluding is not None:
        q = q.where(nd.c.id != excluding)
    return int(conn.execute(q).scalar())


def _tranche_holder(conn: Connection, agreement: dict, tranche: int) -> int | None:
    """The current disbursement of this tranche under any version of the agreement."""
    q = select(nd.c.id).where(nd.c.agreement_id.in_(_versions(agreement)), nd.c.tranche == tranche,
                              not_replaced(nd))
    return conn.execute(q.limit(1)).scalar()


def _agreement_recorded(current_id: int) -> Problem:
    return Problem("mengoreksi", "nphd_recorded", {"id": current_id})


def add_nphd_agreement(conn: Connection, actor: Actor, *, election_code: str, region_code: str,
                       counterparty_code: str, agreed_value: int, signed_date: date | None = None, note: str = "",
                       replaces_id: int | None = None, source: str = "form",
                       idempotency_key: str | None = None) -> Receipt:
    existing = _start(conn, actor, na, idempotency_key)
    if existing:
        return existing
    same = {"election_code": _code(election_code), "region_code": _code(region_code),
            "counterparty_code": _code(counterparty_code)}
    problems: dict[str, Problem] = {}
    _check_region(conn, problems, actor, same["region_code"], same["election_code"])
    election = conn.execute(select(m.Election.has_nphd).where(m.Election.code == same["election_code"])).scalar()
    if not election:
        _add(problems, rules.without_nphd("pemilihan", same["election_code"]))
    if not _exists(conn, m.Counterparty, same["counterparty_code"]):
        _add(problems, rules.unknown("mitra", "counterparty", same["counterparty_code"]))
    _add(problems, rules.check_rupiah("nilai NPHD", agreed_value))
    signed = None
    if signed_date is not None:
        signed = _check_date(problems, "tanggal tanda tangan", signed_date, _record_window(conn, same["election_code"]))
    note = _text(problems, "catatan", note, na.c.note, required=False)
    _lock_chain(conn, same)
    _check_replaces(conn, problems, na, replaces_id, same)
    if not problems and replaces_id is None:
        current = current_agreement(conn, **same)
        if current:
            _add(problems, _agreement_recorded(current["id"]))
    if replaces_id is not None and not problems:
        paid = _disbursed(conn, same)
        if paid > agreed_value:
            _add(problems, Problem("nilai NPHD", "value_below_disbursed", {"paid": paid}))
    if problems:
        return _refuse(conn, actor, na, idempotency_key, problems)
    row = {**same, "agreed_value": agreed_value, "signed_date": signed, "note": note,
           "replaces_id": replaces_id, **_stamp(actor, source, idempotency_key)}
    agreement_id = _insert(conn, na, row)
    if agreement_id is None:
        return _conflict(conn, actor, na, row)
    journal.record(conn, actor, "koreksi" if replaces_id else "buat", "nphd_agreement", agreement_id, same["region_code"],
           _row(conn, na, replaces_id) if replaces_id else None, row)
    return Receipt("nphd_agreement", agreement_id, row["recorded_at"])


def record_nphd_agreement(engine: Engine, actor: Actor, **fields) -> Receipt:
    return run_write(engine, lambda conn: add_nphd_agreement(conn, actor, **fields))


def _check_tranche(conn: Connection, problems: dict, agreement: dict, tranche: Any, replaces_id: Any) -> None:
    """Tranches 1–6, each held by one current disbursement per NPHD (a correction keeps or frees its own)."""
    problem = rules.check_tranche("tahap", tranche)
    if problem:
        _add(problems, problem)
        return
    holder = _tranche_holder(conn, agreement, tranche)
    if holder is not None and holder != replaces_id:
        _add(problems, Problem("tahap", "tranche_taken", {"tranche": tranche}))


def add_nphd_disbursement(conn: Connection, actor: Actor, *, agreement_id: int, tranche: int, amount: int,
                          disbursed_date: date, replaces_id: int | None = None, source: str = "form",
                          idempotency_key: str | None = None) -> Receipt:
    existing = _start(conn, actor, nd, idempotency_key)
    if existing:
        return existing
    agreement = _row(conn, na, agreement_id)
    if agreement is None:
        raise InvalidInput(Problem("NPHD", "missing_record", {"id": agreement_id}))
    _check_scope(actor, agreement["region_code"])
    # The chain's lock before the totals, the tranche and the agreement's own
    # currency are read: concurrent payments cannot together pass the agreed value.
    _lock_chain(conn, agreement)
    problems: dict[str, Problem] = {}
    if _correction_of(conn, na, agreement["id"]):
        _add(problems, Problem("NPHD", "nphd_corrected", {"id": agreement["id"]}))
    signed = agreement["signed_date"]
    if signed is None:
        _add(problems, rules.unsigned_nphd("NPHD"))
    _check_tranche(conn, problems, agreement, tranche, replaces_id)
    _add(problems, rules.check_rupiah("jumlah", amount))
    day = _check_date(problems, "tanggal pencairan", disbursed_date,
                      rules.after("tanggal tanda tangan", signed) if signed else rules.PLAUSIBLE)
    _check_replaces(conn, problems, nd, replaces_id, {"agreement_id": agreement["id"]})
    if "jumlah" not in problems and "NPHD" not in problems:
        paid = _disbursed(conn, agreement, excluding=replaces_id if _is_row_id(replaces_id) else None)
        _add(problems, rules.disbursed_over_value("jumlah", paid + amount, agreement["agreed_value"]))
    if problems:
        return _refuse(conn, actor, nd, idempotency_key, problems)
    row = {"agreement_id": agreement["id"], "tranche": tranche, "amount": amount, "disbursed_date": day,
           "replaces_id": replaces_id, **_stamp(actor, source, idempotency_key)}
    disbursement_id = _insert(conn, nd, row)
    if disbursement_id is None:
        return _conflict(conn, actor, nd, row)
    journal.record(conn, actor, "koreksi" if replaces_id else "buat", "nphd_disbursement", disbursement_id,
           agreement["region_code"], _row(conn, nd, replaces_id) if replaces_id else None, row)
    return Receipt("nphd_disbursement", disbursement_id, row["recorded_at"])


def record_nphd_disbursement(engine: Engine, actor: Actor, **fields) -> Receipt:
    return run_write(engine, lambda conn: add_nphd_disbursement(conn, actor, **fields))


# ---- documents --------------------------------------------------------------------


def add_document(conn: Connection, actor: Actor, *, region_code: str, requirement_code: str, document_date: date,
                 filename: str, content_hash: str, size_bytes: int, media_type: str,
                 election_code: str | None = None, replaces_id: int | None = None, source: str = "form",
                 idempotency_key: str | None = None) -> Receipt:
    """Document metadata; the file is stored by content hash before this is called.
    No lock: the only rule on stored rows (one correction per document) is the unique
    index on `replaces_id`, and a writer it stops is told what the check says."""
    existing = _start(conn, actor, doc, idempotency_key)
    if existing:
        return existing
    region_code, requirement_code = _code(region_code), _code(requirement_code)
    election_code = _code(election_code) or None
    problems: dict[str, Problem] = {}
    _check_region(conn, problems, actor, region_code, election_code)
    if not _exists(conn, m.DocumentRequirement, requirement_code):
        _add(problems, rules.unknown("jenis dokumen", "requirement", requirement_code))
    day = _check_date(problems, "tanggal dokumen", document_date, _record_window(conn, election_code))
    filename = _text(problems, "nama berkas", filename, doc.c.filename)
    media_type = _text(problems, "berkas", media_type, doc.c.media_type)
    if not (isinstance(content_hash, str) and re.fullmatch(r"[0-9a-f]{64}", content_hash)):
        _add(problems, Problem("berkas", "bad_hash"))
    if isinstance(size_bytes, bool) or not isinstance(size_bytes, int) or not 0 <= size_bytes <= MAX_BYTES:
        _add(problems, Problem("berkas", "bad_size"))
    _check_replaces(conn, problems, doc, replaces_id,
                    {"region_code": region_code, "requirement_code": requirement_code})
    if problems:
        return _refuse(conn, actor, doc, idempotency_key, problems)
    row = {"region_code": region_code, "election_code": election_code, "requirement_code": requirement_code,
           "document_date": day, "filename": filename, "content_hash": content_hash,
           "size_bytes": size_bytes, "media_type": media_type, "replaces_id": replaces_id,
           **_stamp(actor, source, idempotency_key)}
    document_id = _insert(conn, doc, row)
    if document_id is None:
        return _conflict(conn, actor, doc, row)
    journal.record(conn, actor, "koreksi" if replaces_id else "buat", "document", document_id, region_code,
           _row(conn, doc, replaces_id) if replaces_id else None, row)
    return Receipt("document", document_id, row["recorded_at"])


def record_document(engine: Engine, actor: Actor, **fields) -> Receipt:
    return run_write(engine, lambda conn: add_document(conn, actor, **fields))


__all__ = [
    "InvalidInput", "OutOfScope", "KeyOutOfScope", "ActorRefused", "Receipt", "add_stage_report",
    "submit_stage_report", "add_obstacle", "record_obstacle", "add_obstacle_action", "record_obstacle_action",
    "add_nphd_agreement", "record_nphd_agreement", "add_nphd_disbursement", "record_nphd_disbursement",
    "add_document", "record_document", "rebuild_stage_status", "refresh_stage_status", "latest_report_query",
    "not_replaced", "MAX_TEXT", "REPORT_STATUSES",
]
