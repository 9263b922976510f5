"""Shared by every writer: the refusals (`InvalidInput`, `OutOfScope`, …), the receipt, scope and
idempotency checks, stamps, row locks and conflict handling.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Connection, Table, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sipantau import clock, i18n, rules
from sipantau import models as m
from sipantau.auth import Actor, actor_problem, can_write_region
from sipantau.models import er, na, nd, not_replaced, oa, ob, st
from sipantau.rules import MAX_TEXT, Earliest, Problem, clean_text

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


def _exists(conn: Connection, model, code: str) -> bool:
    return conn.execute(select(model.code).where(model.code == code)).first() is not None


def current_agreement(conn: Connection, election_code: str, region_code: str, counterparty_code: str) -> dict | None:
    q = select(na).where(na.c.election_code == election_code, na.c.region_code == region_code,
                         na.c.counterparty_code == counterparty_code, not_replaced(na))
    row = conn.execute(q.order_by(na.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def _agreement_recorded(current_id: int) -> Problem:
    return Problem("mengoreksi", "nphd_recorded", {"id": current_id})


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
