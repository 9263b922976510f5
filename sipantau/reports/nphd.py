"""NPHD grant agreements per counterparty (one chain of versions) and their disbursements, under a
lock per chain: disbursed ≤ agreed, one current tranche per number.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from sipantau import journal, rules
from sipantau import models as m
from sipantau.auth import Actor
from sipantau.db import run_write
from sipantau.models import na, nd, not_replaced
from sipantau.reports import core
from sipantau.reports.core import (
    LOCK_NPHD_CHAIN,
    InvalidInput,
    Receipt,
    _add,
    _agreement_recorded,
    _check_date,
    _check_region,
    _check_replaces,
    _check_scope,
    _code,
    _conflict,
    _correction_of,
    _exists,
    _insert,
    _is_row_id,
    _record_window,
    _refuse,
    _row,
    _stamp,
    _start,
    _text,
    current_agreement,
)
from sipantau.rules import Problem

CHAIN = ("election_code", "region_code", "counterparty_code")


def _lock_chain(conn: Connection, agreement: dict) -> None:
    """One lock per NPHD and its versions (election, region, counterparty): agreements,
    amendments and disbursements of one NPHD are checked one writer at a time."""
    core._lock(conn, LOCK_NPHD_CHAIN, *(agreement[k] for k in CHAIN))


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
