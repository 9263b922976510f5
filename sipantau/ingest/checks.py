"""Typed cells → problems, all at once: headers, every value by the rulebook (a pandera
schema over `sipantau.rules`, lazy, so every problem of the file is found in one pass),
the rules that need several columns, and in-file duplicates. `validate` returns the
preview an operator checks before anything is written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import pandera.pandas as pa
from sqlalchemy import Connection

from sipantau import clock, rules
from sipantau.auth import WRITER_ROLES, Actor, can_write_region
from sipantau.ingest.cells import Reference, code_key, normalise
from sipantau.ingest.columns import (
    COLUMNS,
    KINDS,
    MAX_TRANCHES,
    Column,
    check_kind,
    header_key,
    infer_kind,
    template_columns,
)
from sipantau.ingest.refusals import WHOLE_ROW, ImportRefused, error_frame
from sipantau.rules import Problem

Rule = Callable[[Any], Problem | None]


@dataclass
class ImportPreview:
    """A validated file: `rows` normalised (index = spreadsheet row), `errors` to show."""

    kind: str
    rows: pd.DataFrame
    errors: pd.DataFrame
    columns: dict[str, str] = field(default_factory=dict)  # canonical name → header in the file

    @property
    def ok(self) -> bool:
        return self.errors.empty


# ---- the rulebook over every value, all at once -------------------------------------------


def column_rules(col: Column, ref: Reference, actor: Actor, today: date) -> dict[str, Rule]:
    """The rules of one column by name: each answers a value with its problem, or None."""
    name = col.name
    match col.parse:
        case "election":
            elections = set(ref.elections.values())
            return {"known": lambda v: None if v in elections else rules.unknown(name, "election", v)}
        case "region":
            return {"known": lambda v: None if v in ref.region_names else rules.unknown(name, "region", v),
                    "scope": lambda v: None if v not in ref.region_names or can_write_region(actor, v)
                    else rules.out_of_scope(actor.username, v).at(name)}
        case "number":
            return {"range": lambda v: rules.check_progress(name, v)}
        case "money":
            return {"rupiah": lambda v: rules.check_rupiah(name, v)}
        case "text":
            return {"length": lambda v: rules.too_long(name, v, col.limit)}
        case "date":
            dates = {"earliest": lambda d: rules.too_early(name, d, rules.PLAUSIBLE)}
            if col.not_future:
                dates["future"] = lambda d: rules.in_future(name, d, today)
            return dates
        case "status":
            return {"known": lambda v: rules.check_status(name, v)}
        case "category" | "severity" | "counterparty":
            codes = set(ref.lists[col.parse].values())
            return {"known": lambda v: None if v in codes else rules.unknown(name, col.parse, v)}
    return {}


def schema(kind: str, checks: dict[str, dict[str, Rule]]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema({
        col.name: pa.Column(None, [pa.Check(lambda v, rule=rule: rule(v) is None, element_wise=True, error=check)
                                   for check, rule in checks[col.name].items()],
                            nullable=not col.required, required=False)
        for col in COLUMNS[kind]
    })


def _schema_errors(kind: str, frame: pd.DataFrame, ref: Reference, actor: Actor) -> list:
    checks = {col.name: column_rules(col, ref, actor, clock.today()) for col in COLUMNS[kind]}
    try:
        schema(kind, checks).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        found = []
        for case in exc.failure_cases.itertuples(index=False):
            if case.column not in frame.columns or pd.isna(case.index):
                continue
            rule = checks[case.column].get(case.check)
            problem = rule(case.failure_case) if rule else rules.required(case.column)  # pandera's not_nullable
            found.append((int(case.index), case.column, problem))
        return found
    return []


# ---- checks across columns ----------------------------------------------------------

# Dates of an election's records that may come before its first stage (preparation), but
# not by years: the bound is rules.record_earliest, shared with the write side.
ELECTION_DATES = {"hambatan": ("tanggal_diketahui", "tenggat"),
                  "nphd": ("tanggal_tanda_tangan", *(f"tahap_{n}_tanggal" for n in range(1, MAX_TRANCHES + 1)))}


def _row_checks(kind: str, row: dict, ref: Reference) -> list[Problem | None]:
    """Problems that need several columns; `row` holds only cells without errors."""
    found = [_participation(row, ref)]
    if kind == "laporan":
        found += _report_checks(row, ref)
    elif kind == "hambatan":
        due, known = row.get("tenggat"), row.get("tanggal_diketahui")
        if due and known:
            found.append(rules.too_early("tenggat", due, rules.after("tanggal_diketahui", known)))
    else:
        found += _nphd_checks(row, ref)
    return found + _before_election(kind, row, ref)


def _before_election(kind: str, row: dict, ref: Reference) -> list[Problem | None]:
    election = row.get("pemilihan")
    if election not in ref.windows:
        return []
    earliest = rules.record_earliest(election, ref.windows[election][0])
    return [rules.too_early(name, row[name], earliest) for name in ELECTION_DATES.get(kind, ()) if row.get(name)]


def _participation(row: dict, ref: Reference) -> Problem | None:
    election, region = row.get("pemilihan"), row.get("wilayah")
    if election and region and (election, region) not in ref.participants:
        return rules.not_in_election("wilayah", region, ref.region_names[region], election)
    return None


def _report_checks(row: dict, ref: Reference) -> list[Problem | None]:
    found = []
    when, election = row.get("tanggal_situasi"), row.get("pemilihan")
    if when and election:
        found.append(rules.outside_election("tanggal_situasi", when, election, *ref.windows[election]))
    progress, status = row.get("progres"), row.get("status")
    if progress is not None and status:
        found.append(rules.status_progress("status", status, progress))
    return found


def _nphd_checks(row: dict, ref: Reference) -> list[Problem | None]:
    found = []
    election = row.get("pemilihan")
    if election and election not in ref.nphd_elections:
        found.append(rules.without_nphd("pemilihan", election))
    signed, value, total = row.get("tanggal_tanda_tangan"), row.get("nilai_nphd"), 0
    for n in range(1, MAX_TRANCHES + 1):
        amount, when = row.get(f"tahap_{n}_jumlah"), row.get(f"tahap_{n}_tanggal")
        found.append(_tranche_checks(n, amount, when, signed))
        total += amount or 0
    if value:
        found.append(rules.disbursed_over_value("nilai_nphd", total, value))
    return found


def _tranche_checks(n: int, amount: int | None, when: date | None, signed: date | None) -> Problem | None:
    amount_col, date_col = f"tahap_{n}_jumlah", f"tahap_{n}_tanggal"
    if amount is not None and when is None:
        return Problem(date_col, "required_with", {"other": amount_col})
    if amount is None and when is not None:
        return Problem(amount_col, "required_with", {"other": date_col})
    if amount is not None and signed is None:
        return rules.unsigned_nphd("tanggal_tanda_tangan")
    if when is not None and signed is not None:
        return rules.too_early(date_col, when, rules.after("tanggal_tanda_tangan", signed))
    return None


def _cross_errors(kind: str, frame: pd.DataFrame, ref: Reference, errors: list) -> list:
    bad = {(baris, col) for baris, col, _ in errors}
    out = []
    for baris, row in zip(frame.index, frame.to_dict("records"), strict=True):
        clean = {k: v for k, v in row.items() if (baris, k) not in bad}
        out += [(baris, p.field, p) for p in _row_checks(kind, clean, ref) if p is not None]
    return out


# ---- idempotency keys and in-file duplicates ----------------------------------------


def row_key(kind: str, values: Iterable[Any]) -> str:
    """'import:' + sha256 of the kind and the normalised values: same content, same key."""
    payload = json.dumps([kind, *(v.isoformat() if isinstance(v, date) else v for v in values)],
                         ensure_ascii=False, default=str)
    return "import:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


AGREEMENT_FIELDS = ("pemilihan", "wilayah", "mitra", "nilai_nphd", "tanggal_tanda_tangan", "catatan")
# Two rows about the same thing in one file: a duplicate even when other values differ.
SUBJECT = {"laporan": ("pemilihan", "wilayah", "tahapan", "tanggal_situasi"), "nphd": ("pemilihan", "wilayah", "mitra")}


def _keys(kind: str, frame: pd.DataFrame) -> pd.Series:
    fields = AGREEMENT_FIELDS if kind == "nphd" else [c.name for c in COLUMNS[kind]]
    return pd.Series([row_key(kind, (row[f] for f in fields)) for row in frame.to_dict("records")],
                     index=frame.index, dtype=object)


def tranche_key(row: dict, n: int) -> str:
    return row_key("nphd-pencairan", [row["pemilihan"], row["wilayah"], row["mitra"], n,
                                      row[f"tahap_{n}_jumlah"], row[f"tahap_{n}_tanggal"]])


def _stage_ids(frame: pd.DataFrame, ref: Reference) -> pd.Series:
    ids = [ref.stages.get((election, code_key(stage)), (None,))[0] if stage else None
           for election, stage in zip(frame["pemilihan"], frame["tahapan"], strict=True)]
    return pd.Series(ids, index=frame.index, dtype=object)  # object: ints stay ints beside None


def _duplicate_errors(kind: str, frame: pd.DataFrame, bad_rows: set) -> list:
    errors, first_key, first_subject = [], {}, {}
    subject = SUBJECT.get(kind)
    for baris, row in zip(frame.index, frame.to_dict("records"), strict=True):
        if baris in bad_rows:
            continue
        earlier = first_key.setdefault(row["kunci"], baris)
        if earlier != baris:
            errors.append((baris, WHOLE_ROW, f"baris ini sama dengan baris {earlier}; hapus salah satu."))
            continue
        if subject:
            same = first_subject.setdefault(tuple(row[f] for f in subject), baris)
            if same != baris:
                errors.append((baris, WHOLE_ROW, f"data untuk {_subject_text(kind, row)} sudah ada di baris "
                                                 f"{same} dengan isi berbeda; satukan menjadi satu baris."))
    return errors


def _subject_text(kind: str, row: dict) -> str:
    if kind == "laporan":
        return (f"wilayah {row['wilayah']}, tahapan {row['tahapan']}, "
                f"tanggal {rules.day_text(row['tanggal_situasi'])}")
    return f"wilayah {row['wilayah']} dan mitra {row['mitra']}"


# ---- validate -----------------------------------------------------------------------


def validate(conn: Connection, actor: Actor, kind: str | None, df: pd.DataFrame) -> ImportPreview:
    """Check every cell and row; the preview lists all problems at once (nothing written)."""
    if actor.role not in WRITER_ROLES:
        raise ImportRefused(f"Pengguna {actor.username} tidak berwenang mengimpor data.")
    kind = check_kind(kind) if kind else infer_kind(df.columns)
    columns = {header_key(h): str(h) for h in df.columns}
    header_row = df.attrs.get("header_row", 1)
    errors = _header_errors(kind, columns, header_row)
    if errors:
        return preview(kind, pd.DataFrame(), errors, columns)
    ref = Reference.load(conn)
    frame, errors = normalise(kind, df.rename(columns=header_key), ref)
    errors += _schema_errors(kind, frame, ref, actor)
    errors += _cross_errors(kind, frame, ref, errors)
    frame["kunci"] = _keys(kind, frame)
    frame["stage_id"] = _stage_ids(frame, ref) if "tahapan" in frame.columns else None
    errors += _duplicate_errors(kind, frame, {baris for baris, _, _ in errors})
    return preview(kind, frame, errors, columns)


def _header_errors(kind: str, columns: dict[str, str], header_row: int) -> list:
    known = {c.name for c in COLUMNS[kind]}
    errors = [(header_row, title, f"kolom tidak dikenal untuk {KINDS[kind].lower()}; kolom yang dikenal: "
                                  f"{', '.join(c.name for c in template_columns(kind))}.")
              for key, title in columns.items() if key not in known]
    errors += [(header_row, c.name, "kolom wajib tidak ada di baris judul.")
               for c in COLUMNS[kind] if c.required and c.name not in columns]
    return errors


def preview(kind: str, frame: pd.DataFrame, errors: list, columns: dict[str, str]) -> ImportPreview:
    """The preview of `frame` with `errors` (row, canonical column, message or problem):
    one problem per cell (the first found), in the file's row and column order, columns
    named as the file writes them."""
    order = {name: i for i, name in enumerate(columns)}
    seen, unique = set(), []
    for baris, col, msg in errors:
        if (baris, col) not in seen:  # one problem per cell: the first found
            seen.add((baris, col))
            unique.append((baris, col, msg))
    unique.sort(key=lambda e: (e[0] or 0, order.get(e[1], len(order))))
    shown = [(baris, columns.get(col, col), msg) for baris, col, msg in unique]
    return ImportPreview(kind=kind, rows=frame, errors=error_frame(shown), columns=columns)
