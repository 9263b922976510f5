"""Storing a checked file: one write transaction through `reports.add_*` (the write side
applies its own rules again), every row or none. A refused row rolls the whole file back;
a row stored before (same key, or the same NPHD entered another way) is answered with the
stored record, so uploading a file twice stores nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from sipantau import reports, rules
from sipantau.auth import Actor, can_write_region
from sipantau.db import run_write
from sipantau.ingest import checks
from sipantau.ingest.checks import ImportPreview, tranche_key, validate
from sipantau.ingest.columns import KINDS, MAX_TRANCHES
from sipantau.ingest.files import parse_upload
from sipantau.ingest.refusals import WHOLE_ROW, ImportRefused, refusal_message
from sipantau.models import na, nd
from sipantau.reports import InvalidInput, OutOfScope, Receipt


@dataclass
class ImportResult:
    kind: str
    rows: int
    stored: int  # records written now (an NPHD row may hold an agreement and its tranches)
    already_present: int  # records found stored already (same content imported before)
    receipts: list[Receipt]
    dry_run: bool = False

    @property
    def summary(self) -> str:
        verb = "akan disimpan (uji coba, tidak ada yang disimpan)" if self.dry_run else "disimpan"
        return (f"{KINDS[self.kind]}: {self.rows} baris diperiksa; {self.stored} data baru {verb}; "
                f"{self.already_present} data sudah tersimpan sebelumnya.")


# reports.add_* field names → canonical column, per kind (anything else: the whole row).
FIELD_COLUMNS = {
    "laporan": {"wilayah": "wilayah", "tahapan": "tahapan", "tanggal situasi": "tanggal_situasi",
                "progres": "progres", "status": "status", "catatan": "catatan"},
    "hambatan": {"wilayah": "wilayah", "tahapan": "tahapan", "kategori": "kategori", "tingkat": "tingkat",
                 "uraian": "uraian", "penanggung jawab": "penanggung_jawab",
                 "tanggal diketahui": "tanggal_diketahui", "tenggat": "tenggat"},
    "nphd": {"wilayah": "wilayah", "pemilihan": "pemilihan", "mitra": "mitra", "nilai NPHD": "nilai_nphd",
             "tanggal tanda tangan": "tanggal_tanda_tangan", "catatan": "catatan"},
}


class _Rollback(Exception):
    pass


@dataclass
class _Outcome:
    receipts: list[Receipt] = field(default_factory=list)
    errors: list = field(default_factory=list)

    def add(self, baris: int, fields: dict[str, str], write: Callable[[], Receipt]) -> Receipt | None:
        """Run one add_*; a refusal becomes row errors (the transaction is rolled back later)."""
        try:
            receipt = write()
        except InvalidInput as exc:
            self.errors += [(baris, fields.get(p.field, WHOLE_ROW), p) for p in exc.problems]
            return None
        except OutOfScope as exc:
            self.errors.append((baris, "wilayah", exc.problem or str(exc)))
            return None
        self.receipts.append(receipt)
        return receipt


def import_file(engine: Engine, actor: Actor, kind: str | None, filename: str, content: bytes,
                dry_run: bool = False, *, max_bytes: int | None = None, max_rows: int | None = None) -> ImportResult:
    """Parse, validate and store a whole file, or refuse it (ImportRefused) storing nothing."""
    frame = parse_upload(filename, content, max_bytes=max_bytes, max_rows=max_rows)
    with engine.connect() as conn:
        preview = validate(conn, actor, kind, frame)
    return commit(engine, actor, preview, dry_run=dry_run)


def commit(engine: Engine, actor: Actor, preview: ImportPreview, *, dry_run: bool = False) -> ImportResult:
    """Store every row in one transaction, or none. With dry_run, roll back at the end."""
    if not preview.ok:
        raise ImportRefused(refusal_message(preview.errors), preview.errors)
    try:
        outcome = _commit_once(engine, actor, preview, dry_run)
    except IntegrityError:
        # A concurrent upload of the same rows committed first: now they are duplicates.
        outcome = _commit_once(engine, actor, preview, dry_run)
    if outcome.errors:
        errors = checks.preview(preview.kind, preview.rows, outcome.errors, preview.columns).errors
        raise ImportRefused(refusal_message(errors), errors)
    new = [r for r in outcome.receipts if not r.duplicate]
    return ImportResult(kind=preview.kind, rows=len(preview.rows), stored=len(new),
                        already_present=len(outcome.receipts) - len(new),
                        receipts=[] if dry_run else outcome.receipts, dry_run=dry_run)


def _commit_once(engine: Engine, actor: Actor, preview: ImportPreview, dry_run: bool) -> _Outcome:
    outcome = _Outcome()
    write_row = WRITERS[preview.kind]

    def work(conn: Connection) -> None:
        outcome.receipts.clear()  # run_write may retry a busy database from the start
        outcome.errors.clear()
        for baris, row in zip(preview.rows.index, preview.rows.to_dict("records"), strict=True):
            write_row(conn, actor, int(baris), _plain(row), outcome)
        if outcome.errors or dry_run:
            raise _Rollback  # leaving write_tx by an exception rolls everything back

    try:
        run_write(engine, work)
    except _Rollback:
        pass
    return outcome


def _plain(row: dict) -> dict:
    """Python values for the add_* functions (no numpy scalars, None for blanks)."""
    return {k: (None if v is None or (isinstance(v, float) and v != v) else v) for k, v in row.items()}


def _write_report(conn: Connection, actor: Actor, baris: int, row: dict, outcome: _Outcome) -> None:
    outcome.add(baris, FIELD_COLUMNS["laporan"], lambda: reports.add_stage_report(
        conn, actor, region_code=row["wilayah"], stage_id=row["stage_id"],
        situation_date=row["tanggal_situasi"], progress=float(row["progres"]), status=row["status"],
        note=row["catatan"] or "", source="import", idempotency_key=row["kunci"]))


def _write_obstacle(conn: Connection, actor: Actor, baris: int, row: dict, outcome: _Outcome) -> None:
    outcome.add(baris, FIELD_COLUMNS["hambatan"], lambda: reports.add_obstacle(
        conn, actor, election_code=row["pemilihan"], region_code=row["wilayah"],
        stage_id=row["stage_id"], category_code=row["kategori"],
        severity_code=row["tingkat"], description=row["uraian"], owner=row["penanggung_jawab"],
        found_date=row["tanggal_diketahui"], due_date=row["tenggat"], source="import",
        idempotency_key=row["kunci"]))


def _write_nphd(conn: Connection, actor: Actor, baris: int, row: dict, outcome: _Outcome) -> None:
    agreement = _agreement(conn, actor, baris, row, outcome)
    if agreement is None:
        return
    for n in range(1, MAX_TRANCHES + 1):
        if row[f"tahap_{n}_jumlah"] is not None:
            _write_tranche(conn, actor, baris, row, n, agreement, outcome)


def _agreement(conn: Connection, actor: Actor, baris: int, row: dict, outcome: _Outcome) -> int | None:
    """The agreement this row describes: stored before (same key, or same value and signing
    date entered another way), or added now. A different stored agreement is refused."""
    if not can_write_region(actor, row["wilayah"]):
        outcome.errors.append((baris, "wilayah", rules.out_of_scope(actor.username, row["wilayah"])))
        return None
    current = reports.current_agreement(conn, row["pemilihan"], row["wilayah"], row["mitra"])
    if current is not None and _id_by_key(conn, na, row["kunci"]) is None:
        if (current["agreed_value"], current["signed_date"]) != (row["nilai_nphd"], row["tanggal_tanda_tangan"]):
            outcome.errors.append((baris, WHOLE_ROW, f"NPHD {row['mitra']} untuk wilayah {row['wilayah']} sudah "
                                   f"tercatat (#{current['id']}) dengan nilai atau tanggal tanda tangan lain; "
                                   "perbaiki lewat formulir koreksi NPHD."))
            return None
        outcome.receipts.append(Receipt("nphd_agreement", current["id"], current["recorded_at"], duplicate=True))
        return current["id"]
    receipt = outcome.add(baris, FIELD_COLUMNS["nphd"], lambda: reports.add_nphd_agreement(
        conn, actor, election_code=row["pemilihan"], region_code=row["wilayah"], counterparty_code=row["mitra"],
        agreed_value=int(row["nilai_nphd"]), signed_date=row["tanggal_tanda_tangan"], note=row["catatan"] or "",
        source="import", idempotency_key=row["kunci"]))
    return receipt.id if receipt else None


def _id_by_key(conn: Connection, table, key: str) -> int | None:
    return conn.execute(select(table.c.id).where(table.c.idempotency_key == key)).scalar()


def _write_tranche(conn: Connection, actor: Actor, baris: int, row: dict, n: int, agreement_id: int,
                   outcome: _Outcome) -> None:
    amount, when, key = int(row[f"tahap_{n}_jumlah"]), row[f"tahap_{n}_tanggal"], tranche_key(row, n)
    stored = _stored_tranche(conn, agreement_id, n) if _id_by_key(conn, nd, key) is None else None
    if stored is not None:
        if (stored["amount"], stored["disbursed_date"]) == (amount, when):
            outcome.receipts.append(Receipt("nphd_disbursement", stored["id"], stored["recorded_at"], True))
        else:
            outcome.errors.append((baris, f"tahap_{n}_jumlah", f"pencairan tahap {n} sudah tercatat "
                                   f"(#{stored['id']}) dengan jumlah atau tanggal lain; perbaiki lewat formulir "
                                   "koreksi NPHD."))
        return
    fields = {"tahap": f"tahap_{n}_jumlah", "jumlah": f"tahap_{n}_jumlah", "NPHD": "tanggal_tanda_tangan",
              "tanggal pencairan": f"tahap_{n}_tanggal"}
    outcome.add(baris, fields, lambda: reports.add_nphd_disbursement(
        conn, actor, agreement_id=agreement_id, tranche=n, amount=amount, disbursed_date=when, source="import",
        idempotency_key=key))


def _stored_tranche(conn: Connection, agreement_id: int, tranche: int) -> dict | None:
    """The current disbursement of this tranche under any version of the agreement."""
    agreement = conn.execute(select(na).where(na.c.id == agreement_id)).mappings().one()
    versions = select(na.c.id).where(*(na.c[k] == agreement[k] for k in ("election_code", "region_code",
                                                                         "counterparty_code")))
    newer = nd.alias("newer")
    q = (select(nd).where(nd.c.agreement_id.in_(versions), nd.c.tranche == tranche)
         .where(~select(newer.c.id).where(newer.c.replaces_id == nd.c.id).exists())
         .order_by(nd.c.id.desc()).limit(1))
    row = conn.execute(q).mappings().first()
    return dict(row) if row else None


# The row writer of each kind, looked up at every commit: a test may wrap one (to stop an
# import inside its open transaction) without a hook in this code.
WRITERS: dict[str, Callable[[Connection, Actor, int, dict, _Outcome], None]] = {
    "laporan": _write_report, "hambatan": _write_obstacle, "nphd": _write_nphd}
