"""Write side: stage reports, obstacles and their follow-up, NPHD, documents.

Every write function
- takes the acting user and refuses regions outside that user's scope,
- validates everything before it writes and raises `InvalidInput` whose message
  names each field in Bahasa Indonesia,
- is idempotent by key: a retried submission returns the stored one,
- appends (a correction is a new row naming what it replaces) and writes an
  audit row in the same transaction.

The `add_*` functions work inside a caller's transaction (bulk import commits a
whole file at once); the `submit_*`/`record_*` wrappers open one transaction each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, exists, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from sipantau import models as m
from sipantau.auth import Actor, can_write_region
from sipantau.config import today
from sipantau.db import run_write
from sipantau.i18n import rupiah

REPORT_STATUSES = {"belum_mulai": "Belum mulai", "berjalan": "Berjalan", "selesai": "Selesai", "terkendala": "Terkendala"}
OBSTACLE_STATUSES = {"baru": "Baru", "ditangani": "Ditangani", "eskalasi": "Eskalasi", "selesai": "Selesai"}
# Which status may follow which; a solved obstacle can be reopened if it returns.
OBSTACLE_TRANSITIONS = {
    "baru": {"ditangani", "eskalasi", "selesai"},
    "ditangani": {"eskalasi", "selesai"},
    "eskalasi": {"ditangani", "selesai"},
    "selesai": {"ditangani"},
}
SOURCES = {"form", "import", "cli", "demo"}
MAX_TEXT = 4000

sr = m.StageReport.__table__
ss = m.StageStatus.__table__
rd = m.ReportDay.__table__
ob = m.Obstacle.__table__
oa = m.ObstacleAction.__table__
na = m.NphdAgreement.__table__
nd = m.NphdDisbursement.__table__
doc = m.Document.__table__
audit = m.AuditLog.__table__


class InvalidInput(ValueError):
    """Input refused; `errors` maps each field to its problem, in Bahasa Indonesia."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in errors.items()))


class OutOfScope(PermissionError):
    def __init__(self, actor: Actor, region_code: str):
        super().__init__(
            f"Pengguna {actor.username} tidak berwenang menulis data untuk wilayah {region_code}."
        )


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


def _check_text(errors: dict, field: str, value: str | None, required: bool = True) -> None:
    if value is None or not str(value).strip():
        if required:
            errors[field] = "wajib diisi."
    elif len(value) > MAX_TEXT:
        errors[field] = f"terlalu panjang ({len(value)} karakter, paling banyak {MAX_TEXT})."


def _check_date(errors: dict, field: str, value: Any, not_before: date | None = None) -> None:
    if not isinstance(value, date):
        errors[field] = "harus berupa tanggal."
    elif value > today():
        errors[field] = f"tanggal {value:%d-%m-%Y} masih di masa depan."
    elif not_before and value < not_before:
        errors[field] = f"tanggal {value:%d-%m-%Y} lebih awal dari {not_before:%d-%m-%Y}."


def _region_in_election(conn: Connection, region_code: str, election_code: str) -> bool:
    er = m.ElectionRegion.__table__
    q = select(er.c.region_code).where(er.c.region_code == region_code, er.c.election_code == election_code)
    return conn.execute(q).first() is not None


def _check_region(conn: Connection, errors: dict, actor: Actor, region_code: str, election_code: str | None) -> None:
    """Scope first (an out-of-scope request learns nothing else), then existence."""
    _check_scope(actor, region_code)
    if conn.execute(select(m.Region.code).where(m.Region.code == region_code)).first() is None:
        errors["wilayah"] = f"kode wilayah {region_code!r} tidak dikenal."
    elif election_code and not _region_in_election(conn, region_code, election_code):
        errors["wilayah"] = f"wilayah {region_code} tidak mengikuti pemilihan {election_code}."


def _existing(conn: Connection, table, key: str | None) -> int | None:
    if not key:
        return None
    return conn.execute(select(table.c.id).where(table.c.idempotency_key == key)).scalar()


def _stamp(actor: Actor, source: str, key: str | None) -> dict:
    if source not in SOURCES:
        raise InvalidInput({"sumber": f"sumber {source!r} tidak dikenal."})
    return {"recorded_at": datetime.now(UTC), "recorded_by": actor.id, "source": source, "idempotency_key": key}


def _audit(conn: Connection, actor: Actor, action: str, entity: str, entity_id: int | None,
           region_code: str | None, before: dict | None, after: dict | None) -> None:
    conn.execute(audit.insert().values(
        at=datetime.now(UTC), user_id=actor.id, username=actor.username, action=action, entity=entity,
        entity_id=entity_id, region_code=region_code,
        before=json.dumps(before, default=str, ensure_ascii=False) if before is not None else None,
        after=json.dumps(after, default=str, ensure_ascii=False) if after is not None else None,
    ))


def _row(conn: Connection, table, row_id: int) -> dict | None:
    row = conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
    return dict(row) if row else None


def not_replaced(table):
    """Rows no correction points at: the current version (shared by the read side)."""
    newer = table.alias("newer")
    return ~exists(select(newer.c.id).where(newer.c.replaces_id == table.c.id))


def _check_replaces(conn: Connection, errors: dict, table, replaces_id: int | None, same: dict) -> dict | None:
    """A correction names a current row of the same subject; returns that row."""
    if replaces_id is None:
        return None
    old = _row(conn, table, replaces_id)
    if old is None:
        errors["mengoreksi"] = f"data #{replaces_id} yang dikoreksi tidak ada."
        return None
    if any(old[k] != v for k, v in same.items()):
        errors["mengoreksi"] = f"data #{replaces_id} milik wilayah atau subjek lain."
    newer = conn.execute(select(table.c.id).where(table.c.replaces_id == replaces_id)).scalar()
    if newer:
        errors["mengoreksi"] = f"data #{replaces_id} sudah dikoreksi oleh #{newer}; koreksi yang terbaru."
    return old


def _write(engine: Engine, table, key: str | None, work) -> Receipt:
    """One transaction; a retried key, even one racing its twin, returns the stored row."""
    try:
        return run_write(engine, lambda conn: _existing_receipt(conn, table, key) or work(conn))
    except IntegrityError:
        with engine.connect() as conn:
            receipt = _existing_receipt(conn, table, key)
        if receipt is None:
            raise
        return receipt


def _existing_receipt(conn: Connection, table, key: str | None) -> Receipt | None:
    row_id = _existing(conn, table, key)
    if row_id is None:
        return None
    recorded_at = conn.execute(select(table.c.recorded_at).where(table.c.id == row_id)).scalar()
    return Receipt(table.name, row_id, recorded_at, duplicate=True)


# ---- stage reports ----------------------------------------------------------------


def stage_election_window(conn: Connection, stage_id: int) -> tuple[str, date, date] | None:
    """The stage's election and the span of all its stages: reports must fall inside."""
    st = m.Stage.__table__
    election = conn.execute(select(st.c.election_code).where(st.c.id == stage_id)).scalar()
    if election is None:
        return None
    first, last = conn.execute(
        select(func.min(st.c.start_date), func.max(st.c.end_date)).where(st.c.election_code == election)
    ).one()
    return election, first, last


def add_stage_report(conn: Connection, actor: Actor, *, region_code: str, stage_id: int, situation_date: date,
                     progress: float, status: str, note: str = "", source: str = "form",
                     idempotency_key: str | None = None, replaces_id: int | None = None) -> Receipt:
    existing = _existing_receipt(conn, sr, idempotency_key)
    if existing:
        return existing
    errors: dict[str, str] = {}
    window = stage_election_window(conn, stage_id)
    if window is None:
        _check_scope(actor, region_code)
        raise InvalidInput({"tahapan": f"tahapan #{stage_id} tidak dikenal."})
    election, first, last = window
    _check_region(conn, errors, actor, region_code, election)
    _check_date(errors, "tanggal situasi", situation_date)
    if "tanggal situasi" not in errors and not first <= situation_date <= last:
        errors["tanggal situasi"] = (
            f"tanggal {situation_date:%d-%m-%Y} di luar masa pemilihan "
            f"({first:%d-%m-%Y} s.d. {last:%d-%m-%Y})."
        )
    if not isinstance(progress, (int, float)) or progress != progress or not 0 <= progress <= 100:
        errors["progres"] = f"harus angka 0–100, bukan {progress!r}."
    if status not in REPORT_STATUSES:
        errors["status"] = f"{status!r} tidak dikenal; pilihan: {', '.join(REPORT_STATUSES)}."
    elif "progres" not in errors:
        if status == "selesai" and progress < 100:
            errors["status"] = "status selesai memerlukan progres 100%."
        elif status == "belum_mulai" and progress > 0:
            errors["status"] = "status belum mulai memerlukan progres 0%."
    _check_text(errors, "catatan", note, required=False)
    _check_replaces(conn, errors, sr, replaces_id, {"region_code": region_code, "stage_id": stage_id})
    if errors:
        raise InvalidInput(errors)

    row = {"region_code": region_code, "stage_id": stage_id, "situation_date": situation_date,
           "progress": float(progress), "status": status, "note": note or "", "replaces_id": replaces_id,
           **_stamp(actor, source, idempotency_key)}
    _lock_cell(conn, region_code, stage_id)
    report_id = conn.execute(sr.insert().values(**row)).inserted_primary_key[0]
    refresh_stage_status(conn, region_code, stage_id)
    _mark_report_day(conn, election, region_code, situation_date)
    _audit(conn, actor, "koreksi" if replaces_id else "buat", "stage_report", report_id, region_code,
           _row(conn, sr, replaces_id) if replaces_id else None, row)
    return Receipt("stage_report", report_id, row["recorded_at"])


def submit_stage_report(engine: Engine, actor: Actor, **fields) -> Receipt:
    return _write(engine, sr, fields.get("idempotency_key"), lambda conn: add_stage_report(conn, actor, **fields))


def _lock_cell(conn: Connection, region_code: str, stage_id: int) -> None:
    """Serialise writers of one region+stage on PostgreSQL so the current-status row
    reflects every committed report (SQLite's BEGIN IMMEDIATE already serialises)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"{region_code}:{stage_id}"})


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
    st = m.Stage.__table__
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
    existing = _existing_receipt(conn, ob, idempotency_key)
    if existing:
        return existing
    errors: dict[str, str] = {}
    _check_region(conn, errors, actor, region_code, election_code)
    if not _exists(conn, m.ObstacleCategory, category_code):
        errors["kategori"] = f"kategori {category_code!r} tidak dikenal."
    if not _exists(conn, m.Severity, severity_code):
        errors["tingkat"] = f"tingkat keparahan {severity_code!r} tidak dikenal."
    if stage_id is not None:
        window = stage_election_window(conn, stage_id)
        if window is None or window[0] != election_code:
            errors["tahapan"] = f"tahapan #{stage_id} bukan tahapan {election_code}."
    _check_text(errors, "uraian", description)
    _check_text(errors, "penanggung jawab", owner)
    _check_date(errors, "tanggal diketahui", found_date)
    if due_date is not None and isinstance(found_date, date) and due_date < found_date:
        errors["tenggat"] = "tenggat tidak boleh sebelum tanggal diketahui."
    if errors:
        raise InvalidInput(errors)
    row = {"election_code": election_code, "region_code": region_code, "stage_id": stage_id,
           "category_code": category_code, "severity_code": severity_code, "description": description.strip(),
           "owner": owner.strip(), "due_date": due_date, "found_date": found_date, "status": "baru",
           "closed_date": None, **_stamp(actor, source, idempotency_key)}
    obstacle_id = conn.execute(ob.insert().values(**row)).inserted_primary_key[0]
    _audit(conn, actor, "buat", "obstacle", obstacle_id, region_code, None, row)
    return Receipt("obstacle", obstacle_id, row["recorded_at"])


def record_obstacle(engine: Engine, actor: Actor, **fields) -> Receipt:
    return _write(engine, ob, fields.get("idempotency_key"), lambda conn: add_obstacle(conn, actor, **fields))


def _exists(conn: Connection, model, code: str) -> bool:
    return conn.execute(select(model.code).where(model.code == code)).first() is not None


def add_obstacle_action(conn: Connection, actor: Actor, *, obstacle_id: int, action_date: date, actor_name: str,
                        description: str, new_status: str | None = None, evidence: str | None = None,
                        source: str = "form", idempotency_key: str | None = None) -> Receipt:
    """A follow-up step; with `new_status` it moves the obstacle (closing needs evidence)."""
    existing = _existing_receipt(conn, oa, idempotency_key)
    if existing:
        return existing
    obstacle = _row(conn, ob, obstacle_id)
    if obstacle is None:
        raise InvalidInput({"hambatan": f"hambatan #{obstacle_id} tidak ada."})
    _check_scope(actor, obstacle["region_code"])
    errors: dict[str, str] = {}
    _check_text(errors, "pelaksana", actor_name)
    _check_text(errors, "tindak lanjut", description)
    _check_date(errors, "tanggal tindak lanjut", action_date, not_before=obstacle["found_date"])
    if new_status is not None:
        allowed = OBSTACLE_TRANSITIONS[obstacle["status"]]
        if new_status not in OBSTACLE_STATUSES:
            errors["status baru"] = f"{new_status!r} tidak dikenal; pilihan: {', '.join(OBSTACLE_STATUSES)}."
        elif new_status not in allowed:
            errors["status baru"] = (f"dari {OBSTACLE_STATUSES[obstacle['status']]} tidak dapat ke "
                                     f"{OBSTACLE_STATUSES[new_status]}.")
    # Closing needs evidence of what solved it.
    _check_text(errors, "bukti penyelesaian", evidence, required=new_status == "selesai")
    if errors:
        raise InvalidInput(errors)
    row = {"obstacle_id": obstacle_id, "action_date": action_date, "actor": actor_name.strip(),
           "description": description.strip(), "new_status": new_status, "evidence": evidence,
           **_stamp(actor, source, idempotency_key)}
    action_id = conn.execute(oa.insert().values(**row)).inserted_primary_key[0]
    _audit(conn, actor, "tindak_lanjut", "obstacle_action", action_id, obstacle["region_code"], None, row)
    if new_status is not None:
        closed = action_date if new_status == "selesai" else None
        conn.execute(ob.update().where(ob.c.id == obstacle_id).values(status=new_status, closed_date=closed))
        _audit(conn, actor, "ubah_status", "obstacle", obstacle_id, obstacle["region_code"],
               {"status": obstacle["status"], "closed_date": obstacle["closed_date"]},
               {"status": new_status, "closed_date": closed})
    return Receipt("obstacle_action", action_id, row["recorded_at"])


def record_obstacle_action(engine: Engine, actor: Actor, **fields) -> Receipt:
    return _write(engine, oa, fields.get("idempotency_key"), lambda conn: add_obstacle_action(conn, actor, **fields))


# ---- NPHD -------------------------------------------------------------------------


def current_agreement(conn: Connection, election_code: str, region_code: str, counterparty_code: str) -> dict | None:
    q = select(na).where(na.c.election_code == election_code, na.c.region_code == region_code,
                         na.c.counterparty_code == counterparty_code, not_replaced(na))
    row = conn.execute(q.order_by(na.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def _disbursed(conn: Connection, agreement: dict, excluding: int | None = None) -> int:
    """Rupiah disbursed under any version of this agreement (corrections keep their payments)."""
    versions = select(na.c.id).where(*(na.c[k] == agreement[k] for k in ("election_code", "region_code",
                                                                         "counterparty_code")))
    q = select(func.coalesce(func.sum(nd.c.amount), 0)).where(nd.c.agreement_id.in_(versions), not_replaced(nd))
    if excluding is not None:
        q = q.where(nd.c.id != excluding)
    return int(conn.execute(q).scalar())


def _tranche_recorded(conn: Connection, agreement: dict, tranche: int) -> bool:
    versions = select(na.c.id).where(*(na.c[k] == agreement[k] for k in ("election_code", "region_code",
                                                                         "counterparty_code")))
    q = select(nd.c.id).where(nd.c.agreement_id.in_(versions), nd.c.tranche == tranche, not_replaced(nd))
    return conn.execute(q.limit(1)).first() is not None


def add_nphd_agreement(conn: Connection, actor: Actor, *, election_code: str, region_code: str,
                       counterparty_code: str, agreed_value: int, signed_date: date | None = None, note: str = "",
                       replaces_id: int | None = None, source: str = "form",
                       idempotency_key: str | None = None) -> Receipt:
    existing = _existing_receipt(conn, na, idempotency_key)
    if existing:
        return existing
    errors: dict[str, str] = {}
    _check_region(conn, errors, actor, region_code, election_code)
    election = conn.execute(select(m.Election.has_nphd).where(m.Election.code == election_code)).scalar()
    if not election:
        errors["pemilihan"] = f"pemilihan {election_code!r} tidak memakai NPHD."
    if not _exists(conn, m.Counterparty, counterparty_code):
        errors["mitra"] = f"mitra {counterparty_code!r} tidak dikenal."
    if not isinstance(agreed_value, int) or agreed_value <= 0:
        errors["nilai NPHD"] = "harus bilangan bulat rupiah lebih dari 0."
    if signed_date is not None:
        _check_date(errors, "tanggal tanda tangan", signed_date)
    _check_text(errors, "catatan", note, required=False)
    same = {"election_code": election_code, "region_code": region_code, "counterparty_code": counterparty_code}
    _check_replaces(conn, errors, na, replaces_id, same)
    if not errors and replaces_id is None:
        current = current_agreement(conn, election_code, region_code, counterparty_code)
        if current:
            errors["mengoreksi"] = f"NPHD ini sudah tercatat (#{current['id']}); kirim sebagai koreksi."
    if replaces_id is not None and not errors and isinstance(agreed_value, int):
        paid = _disbursed(conn, same)
        if paid > agreed_value:
            errors["nilai NPHD"] = f"lebih kecil dari dana yang sudah dicairkan ({rupiah(paid)})."
    if errors:
        raise InvalidInput(errors)
    row = {**same, "agreed_value": agreed_value, "signed_date": signed_date, "note": note or "",
           "replaces_id": replaces_id, **_stamp(actor, source, idempotency_key)}
    agreement_id = conn.execute(na.insert().values(**row)).inserted_primary_key[0]
    _audit(conn, actor, "koreksi" if replaces_id else "buat", "nphd_agreement", agreement_id, region_code,
           _row(conn, na, replaces_id) if replaces_id else None, row)
    return Receipt("nphd_agreement", agreement_id, row["recorded_at"])


def record_nphd_agreement(engine: Engine, actor: Actor, **fields) -> Receipt:
    return _write(engine, na, fields.get("idempotency_key"), lambda conn: add_nphd_agreement(conn, actor, **fields))


def add_nphd_disbursement(conn: Connection, actor: Actor, *, agreement_id: int, tranche: int, amount: int,
                          disbursed_date: date, replaces_id: int | None = None, source: str = "form",
                          idempotency_key: str | None = None) -> Receipt:
    existing = _existing_receipt(conn, nd, idempotency_key)
    if existing:
        return existing
    agreement = _row(conn, na, agreement_id)
    if agreement is None:
        raise InvalidInput({"NPHD": f"NPHD #{agreement_id} tidak ada."})
    _check_scope(actor, agreement["region_code"])
    errors: dict[str, str] = {}
    if conn.execute(select(na.c.id).where(na.c.replaces_id == agreement_id)).first():
        errors["NPHD"] = f"NPHD #{agreement_id} sudah dikoreksi; catat pencairan pada NPHD terbaru."
    if agreement["signed_date"] is None:
        errors["NPHD"] = "NPHD belum ditandatangani; pencairan belum dapat dicatat."
    if not isinstance(tranche, int) or not 1 <= tranche <= 6:
        errors["tahap"] = "tahap pencairan harus 1–6."
    if not isinstance(amount, int) or amount <= 0:
        errors["jumlah"] = "harus bilangan bulat rupiah lebih dari 0."
    _check_date(errors, "tanggal pencairan", disbursed_date, not_before=agreement["signed_date"])
    _check_replaces(conn, errors, nd, replaces_id, {"agreement_id": agreement_id})
    if "tahap" not in errors and replaces_id is None and _tranche_recorded(conn, agreement, tranche):
        errors["tahap"] = f"pencairan tahap {tranche} sudah tercatat; kirim sebagai koreksi bila berubah."
    if "jumlah" not in errors and not errors.get("NPHD"):
        paid = _disbursed(conn, agreement, excluding=replaces_id)
        if paid + amount > agreement["agreed_value"]:
            errors["jumlah"] = (f"total pencairan {rupiah(paid + amount)} melebihi nilai NPHD "
                                f"{rupiah(agreement['agreed_value'])}.")
    if errors:
        raise InvalidInput(errors)
    row = {"agreement_id": agreement_id, "tranche": tranche, "amount": amount, "disbursed_date": disbursed_date,
           "replaces_id": replaces_id, **_stamp(actor, source, idempotency_key)}
    disbursement_id = conn.execute(nd.insert().values(**row)).inserted_primary_key[0]
    _audit(conn, actor, "koreksi" if replaces_id else "buat", "nphd_disbursement", disbursement_id,
           agreement["region_code"], _row(conn, nd, replaces_id) if replaces_id else None, row)
    return Receipt("nphd_disbursement", disbursement_id, row["recorded_at"])


def record_nphd_disbursement(engine: Engine, actor: Actor, **fields) -> Receipt:
    return _write(engine, nd, fields.get("idempotency_key"), lambda conn: add_nphd_disbursement(conn, actor, **fields))


# ---- documents --------------------------------------------------------------------


def add_document(conn: Connection, actor: Actor, *, region_code: str, requirement_code: str, document_date: date,
                 filename: str, content_hash: str, size_bytes: int, media_type: str,
                 election_code: str | None = None, replaces_id: int | None = None, source: str = "form",
                 idempotency_key: str | None = None) -> Receipt:
    """Document metadata; the file is stored by content hash before this is called."""
    existing = _existing_receipt(conn, doc, idempotency_key)
    if existing:
        return existing
    errors: dict[str, str] = {}
    _check_region(conn, errors, actor, region_code, election_code)
    if not _exists(conn, m.DocumentRequirement, requirement_code):
        errors["jenis dokumen"] = f"jenis dokumen {requirement_code!r} tidak dikenal."
    _check_date(errors, "tanggal dokumen", document_date)
    _check_text(errors, "nama berkas", filename)
    if not (isinstance(content_hash, str) and len(content_hash) == 64):
        errors["berkas"] = "sidik isi berkas (SHA-256) tidak sah."
    _check_replaces(conn, errors, doc, replaces_id, {"region_code": region_code, "requirement_code": requirement_code})
    if errors:
        raise InvalidInput(errors)
    row = {"region_code": region_code, "election_code": election_code, "requirement_code": requirement_code,
           "document_date": document_date, "filename": filename, "content_hash": content_hash,
           "size_bytes": size_bytes, "media_type": media_type, "replaces_id": replaces_id,
           **_stamp(actor, source, idempotency_key)}
    document_id = conn.execute(doc.insert().values(**row)).inserted_primary_key[0]
    _audit(conn, actor, "koreksi" if replaces_id else "buat", "document", document_id, region_code,
           _row(conn, doc, replaces_id) if replaces_id else None, row)
    return Receipt("document", document_id, row["recorded_at"])


def record_document(engine: Engine, actor: Actor, **fields) -> Receipt:
    return _write(engine, doc, fields.get("idempotency_key"), lambda conn: add_document(conn, actor, **fields))


__all__ = [
    "InvalidInput", "OutOfScope", "Receipt", "add_stage_report", "submit_stage_report", "add_obstacle",
    "record_obstacle", "add_obstacle_action", "record_obstacle_action", "add_nphd_agreement",
    "record_nphd_agreement", "add_nphd_disbursement", "record_nphd_disbursement", "add_document",
    "record_document", "rebuild_stage_status", "refresh_stage_status", "latest_report_query", "not_replaced",
]
