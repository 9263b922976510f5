"""Reading the audit log: who wrote what, when, before and after; a record's history.

Every write adds an audit row in its own transaction, through `sipantau.journal`
(the one writer); this module only reads. Admin pusat sees everything; a provincial verifier only rows of
its province and regencies (`scope_prefix`). Exports neutralise spreadsheet
formulas (text starting with =, +, -, @) so that opening one in Excel runs nothing.

Imports models, db, auth and the clock (and ingest's formula neutraliser, for now).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import xlsxwriter
from sqlalchemy import Connection, or_, select

from sipantau import models as m
from sipantau.auth import Actor, NotAllowed, can_read_region, public_user
from sipantau.clock import TIMEZONE
from sipantau.db import frame, raw
from sipantau.export import neutralise_formula
from sipantau.models import audit_log as audit

AUDIT_ROLES = {"admin_pusat", "verifikator_provinsi"}
DEFAULT_LIMIT = 1000
MAX_LIMIT = 50_000
COLUMNS = ["id", "at", "username", "action", "entity", "entity_id", "region_code", "before", "after"]
# Export headers (Bahasa Indonesia), in column order.
EXPORT_HEADERS = {"id": "id", "at": "waktu (WIB)", "username": "pengguna", "action": "aksi", "entity": "data",
                  "entity_id": "id data", "region_code": "wilayah", "before": "sebelum", "after": "sesudah"}

TABLES = {
    "stage_report": m.StageReport.__table__,
    "obstacle": m.Obstacle.__table__,
    "obstacle_action": m.ObstacleAction.__table__,
    "nphd_agreement": m.NphdAgreement.__table__,
    "nphd_disbursement": m.NphdDisbursement.__table__,
    "document": m.Document.__table__,
    "app_user": m.User.__table__,
}


# ---- who may see what -------------------------------------------------------------------


def can_view_audit(actor: Actor | None) -> bool:
    return actor is not None and actor.role in AUDIT_ROLES


def scope_prefix(actor: Actor, requested: str | None = None) -> str | None:
    """The region prefix a user's audit view is limited to.

    Admin pusat: what they ask for (None: everything). Provincial verifier: its
    province, or a region inside it when asked; anything else is refused.
    """
    if not can_view_audit(actor):
        raise NotAllowed(f"Pengguna {actor.username} tidak berwenang melihat log audit.")
    requested = (requested or "").strip() or None
    if actor.role == "admin_pusat":
        return requested
    if requested is None:
        return actor.region_code
    if not can_read_region(actor, requested):
        raise NotAllowed(f"Pengguna {actor.username} hanya dapat melihat log audit wilayah {actor.region_code}.")
    return requested


# ---- the log ------------------------------------------------------------------------------


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Jakarta calendar days → UTC instants [start 00:00 WIB, day after end 00:00 WIB)."""
    lo = datetime.combine(start, time.min, TIMEZONE).astimezone(UTC) if start else None
    hi = datetime.combine(end + timedelta(days=1), time.min, TIMEZONE).astimezone(UTC) if end else None
    return lo, hi


def _region_filter(prefix: str):
    return or_(audit.c.region_code == prefix, audit.c.region_code.startswith(prefix + ".", autoescape=True))


def audit_frame(conn: Connection, region_prefix: str | None = None, username: str | None = None,
                start: date | None = None, end: date | None = None, limit: int = DEFAULT_LIMIT, *,
                entity: str | None = None, actor: Actor | None = None) -> pd.DataFrame:
    """Audit rows, newest first: id, at (Jakarta time), username, action, entity,
    entity_id, region_code, before, after (JSON text as stored).

    `region_prefix` "73" means the province and its regencies; `start`/`end` are
    inclusive calendar days in Jakarta time. With `actor`, the view is limited to
    what that user may see (`scope_prefix`). Every value is a bound parameter.
    """
    if actor is not None:
        region_prefix = scope_prefix(actor, region_prefix)
    limit = max(1, min(int(limit), MAX_LIMIT))
    q = select(audit.c.id, raw(audit.c.at), audit.c.username, audit.c.action, audit.c.entity, audit.c.entity_id,
               audit.c.region_code, audit.c.before, audit.c.after)
    if region_prefix:
        q = q.where(_region_filter(region_prefix.strip()))
    if actor is not None and actor.role != "admin_pusat":
        q = q.where(audit.c.entity != "app_user")  # accounts and log-ins: admin pusat only
    if username:
        q = q.where(audit.c.username == username.strip())
    if entity:
        q = q.where(audit.c.entity == entity)
    lo, hi = _bounds(start, end)
    if lo is not None:
        q = q.where(audit.c.at >= lo)
    if hi is not None:
        q = q.where(audit.c.at < hi)
    df = frame(conn, q.order_by(audit.c.id.desc()).limit(limit), dates=("at",))
    df["at"] = df["at"].dt.tz_localize(UTC).dt.tz_convert(TIMEZONE)
    df["entity_id"] = df["entity_id"].astype("Int64")
    return df[COLUMNS]


def audit_users(conn: Connection, region_prefix: str | None = None, *, actor: Actor | None = None) -> list[str]:
    """Usernames that appear in the (scoped) log, for the user filter."""
    if actor is not None:
        region_prefix = scope_prefix(actor, region_prefix)
    q = select(audit.c.username).distinct()
    if region_prefix:
        q = q.where(_region_filter(region_prefix))
    if actor is not None and actor.role != "admin_pusat":
        q = q.where(audit.c.entity != "app_user")
    return sorted(r[0] for r in conn.execute(q))


# ---- one record's history -------------------------------------------------------------------


@dataclass
class RecordHistory:
    entity: str
    entity_id: int
    record: dict
    chain: list[dict]  # oldest first: the record it corrects … the record … its corrections
    audit: pd.DataFrame  # audit rows of every record in the chain (and of an obstacle's actions)
    region_code: str | None = None
    related: list[dict] = field(default_factory=list)  # an obstacle's actions, an agreement's disbursements

    @property
    def current_id(self) -> int:
        return self.chain[-1]["id"] if self.chain else self.entity_id


def _row(conn: Connection, table, row_id: int) -> dict | None:
    row = conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
    if row is None:
        return None
    return public_user(row) if table is TABLES["app_user"] else dict(row)


def _chain(conn: Connection, table, record: dict) -> list[dict]:
    if "replaces_id" not in table.c:
        return [record]
    back, seen = [record], {record["id"]}
    while back[0].get("replaces_id") and back[0]["replaces_id"] not in seen:
        older = _row(conn, table, back[0]["replaces_id"])
        if older is None:
            break
        seen.add(older["id"])
        back.insert(0, older)
    current = back[-1]
    while True:
        newer = conn.execute(select(table).where(table.c.replaces_id == current["id"]).order_by(table.c.id)
                             ).mappings().first()
        if newer is None or newer["id"] in seen:
            break
        seen.add(newer["id"])
        back.append(dict(newer))
        current = back[-1]
    return back


def _region_of(conn: Connection, entity: str, record: dict) -> str | None:
    if record.get("region_code"):
        return record["region_code"]
    if entity == "obstacle_action":
        ob = TABLES["obstacle"]
        return conn.execute(select(ob.c.region_code).where(ob.c.id == record["obstacle_id"])).scalar()
    if entity == "nphd_disbursement":
        na = TABLES["nphd_agreement"]
        return conn.execute(select(na.c.region_code).where(na.c.id == record["agreement_id"])).scalar()
    return None


def record_history(conn: Connection, entity: str, entity_id: int, *, actor: Actor | None = None) -> RecordHistory:
    """The record, the chain of corrections it belongs to, and their audit rows.

    With `actor`, refused (NotAllowed) unless the user may view the audit log of the
    record's region (accounts: admin pusat only). LookupError when there is no record.
    """
    if entity not in TABLES:
        raise LookupError(f"Jenis data {entity!r} tidak dikenal.")
    table = TABLES[entity]
    record = _row(conn, table, int(entity_id))
    if record is None:
        raise LookupError(f"Data {entity} #{entity_id} tidak ada.")
    region = _region_of(conn, entity, record)
    if actor is not None:
        if not can_view_audit(actor):
            raise NotAllowed(f"Pengguna {actor.username} tidak berwenang melihat log audit.")
        if actor.role != "admin_pusat" and (entity == "app_user" or region is None
                                            or not can_read_region(actor, region)):
            raise NotAllowed(f"Pengguna {actor.username} tidak berwenang melihat riwayat data ini.")
    chain = _chain(conn, table, record)
    ids = {entity: [r["id"] for r in chain]}
    related: list[dict] = []
    if entity == "obstacle":
        oa = TABLES["obstacle_action"]
        related = [dict(r) for r in conn.execute(select(oa).where(oa.c.obstacle_id == record["id"])
                                                 .order_by(oa.c.action_date, oa.c.id)).mappings()]
        ids["obstacle_action"] = [r["id"] for r in related]
    elif entity == "nphd_agreement":
        nd = TABLES["nphd_disbursement"]
        related = [dict(r) for r in conn.execute(select(nd).where(nd.c.agreement_id.in_(ids[entity]))
                                                 .order_by(nd.c.tranche, nd.c.id)).mappings()]
    conds = [(audit.c.entity == name) & audit.c.entity_id.in_(values) for name, values in ids.items() if values]
    q = (select(audit.c.id, raw(audit.c.at), audit.c.username, audit.c.action, audit.c.entity, audit.c.entity_id,
                audit.c.region_code, audit.c.before, audit.c.after)
         .where(or_(*conds)).order_by(audit.c.id))
    rows = frame(conn, q, dates=("at",))
    rows["at"] = rows["at"].dt.tz_localize(UTC).dt.tz_convert(TIMEZONE)
    rows["entity_id"] = rows["entity_id"].astype("Int64")
    return RecordHistory(entity, int(entity_id), record, chain, rows[COLUMNS], region, related)


def pretty_json(text: str | None) -> str:
    """Stored before/after JSON, indented for reading (as text, never as Markdown).
    Missing is "–", whether the frame holds None or NaN (a column of text and nulls)."""
    if not isinstance(text, str) or not text:
        return "–"
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False, default=str)
    except ValueError:
        return str(text)


# ---- exports --------------------------------------------------------------------------------


def export_rows(df: pd.DataFrame) -> tuple[list[str], list[list]]:
    """Headers and cell values for an export: times as WIB text, every text neutralised."""
    cols = [c for c in COLUMNS if c in df.columns]
    headers = [EXPORT_HEADERS[c] for c in cols]
    rows = []
    for rec in df[cols].itertuples(index=False):
        out = []
        for col, value in zip(cols, rec, strict=True):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                out.append("")
            elif col == "at":
                out.append(pd.Timestamp(value).tz_convert(TIMEZONE).strftime("%Y-%m-%d %H:%M:%S"))
            elif isinstance(value, str):
                out.append(neutralise_formula(value))
            else:
                out.append(int(value) if col in ("id", "entity_id") else value)
        rows.append(out)
    return headers, rows


def export_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM and semicolons (Excel in Indonesian settings opens it cleanly)."""
    headers, rows = export_rows(df)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(df: pd.DataFrame, sheet: str = "Audit") -> bytes:
    headers, rows = export_rows(df)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                     "strings_to_urls": False})
    ws = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for c, title in enumerate(headers):
        ws.write_string(0, c, title, bold)
    for r, values in enumerate(rows, 1):
        for c, value in enumerate(values):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, str(value))
    widths = {"waktu (WIB)": 20, "sebelum": 60, "sesudah": 60}
    for c, title in enumerate(headers):
        ws.set_column(c, c, widths.get(title, 16))
    ws.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
