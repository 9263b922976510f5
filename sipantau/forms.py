"""What the input pages offer and show: picker options within the user's scope, the
region's recent records, idempotency keys and receipts. Pure (no Streamlit), so what
a form offers is tested here; scope is still enforced by reports.py on every write.
Recorded times are told by `clock.moment` (re-exported: pages call `forms.moment`).

Imports db, models, auth, i18n, the clock and inert; never Streamlit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select

from sipantau import i18n
from sipantau.auth import WRITER_ROLES, Actor, can_write_region
from sipantau.clock import moment
from sipantau.db import frame, raw
from sipantau.inert import md_escape  # noqa: F401 - pages/import_data.py calls it forms.md_escape
from sipantau.models import er, na, nd, not_replaced, oa, ob, rg, sr, users
from sipantau.models import st as st_


def is_writer(actor: Actor | None) -> bool:
    return actor is not None and actor.role in WRITER_ROLES


# ---- picker options ----------------------------------------------------------------


def election_regions(conn: Connection, election_code: str) -> pd.DataFrame:
    """Offices taking part in the election: code, name, level, kind."""
    q = (select(rg.c.code, rg.c.name, rg.c.level, rg.c.kind).join(er, er.c.region_code == rg.c.code)
         .where(er.c.election_code == election_code).order_by(rg.c.code))
    return frame(conn, q)


def writable_regions(regions: pd.DataFrame, actor: Actor) -> dict[str, str]:
    """code → "73.10 · Kabupaten …" for the regions this user may write for (the picker)."""
    return {code: f"{code} · {name}" for code, name in zip(regions["code"], regions["name"], strict=True)
            if can_write_region(actor, code)}


def code_names(conn: Connection, model, lang: str = "id") -> dict[str, str]:
    """code → name of a code table (categories, severities, counterparties), in order."""
    if hasattr(model, "name_id"):
        label = model.name_en if lang == "en" else model.name_id
    else:
        label = model.name
    order = model.rank if hasattr(model, "rank") else model.order
    return {code: name for code, name in conn.execute(select(model.code, label).order_by(order))}


# ---- what the region has already ----------------------------------------------------


def recent_reports(conn: Connection, region_code: str, election_code: str, lang: str = "id",
                   limit: int = 20) -> pd.DataFrame:
    """The region's latest stage reports in the election (newest recorded first), as text."""
    name = st_.c.name_en if lang == "en" else st_.c.name_id
    q = (select(sr.c.id, name.label("stage"), raw(sr.c.situation_date), sr.c.progress, sr.c.status, sr.c.note,
                raw(sr.c.recorded_at), users.c.username, sr.c.replaces_id)
         .join(st_, st_.c.id == sr.c.stage_id).join(users, users.c.id == sr.c.recorded_by)
         .where(sr.c.region_code == region_code, st_.c.election_code == election_code)
         .order_by(sr.c.id.desc()).limit(limit))
    df = frame(conn, q, dates=("situation_date", "recorded_at"))
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        t("inp_reference"): [reference("stage_report", i) for i in df["id"]],
        t("stage"): df["stage"],
        t("inp_situation_date"): [i18n.day(d.date(), lang, "dd-MM-y") for d in df["situation_date"]],
        t("inp_progress_pct"): df["progress"].round(1),
        t("inp_report_status"): df["status"].map(lambda s: status_label(s, lang)),
        t("inp_note"): df["note"].fillna(""),
        t("inp_recorded_by"): df["username"],
        t("inp_recorded_at"): [moment(ts, lang) for ts in df["recorded_at"]],
    })


def region_obstacles(conn: Connection, region_code: str, election_code: str) -> pd.DataFrame:
    """The region's obstacles in the election, newest found first (raw columns)."""
    q = (select(ob.c.id, ob.c.stage_id, ob.c.category_code, ob.c.severity_code, ob.c.description, ob.c.owner,
                raw(ob.c.found_date), raw(ob.c.due_date), ob.c.status, raw(ob.c.closed_date))
         .where(ob.c.region_code == region_code, ob.c.election_code == election_code)
         .order_by(ob.c.found_date.desc(), ob.c.id.desc()))
    df = frame(conn, q, dates=("found_date", "due_date", "closed_date"))
    for col in ("found_date", "due_date", "closed_date"):
        df[col] = [None if pd.isna(v) else v.date() for v in df[col]]
    return df


def obstacle_actions(conn: Connection, obstacle_id: int) -> pd.DataFrame:
    q = (select(oa.c.id, raw(oa.c.action_date), oa.c.actor, oa.c.description, oa.c.new_status, oa.c.evidence,
                raw(oa.c.recorded_at), users.c.username)
         .join(users, users.c.id == oa.c.recorded_by)
         .where(oa.c.obstacle_id == obstacle_id).order_by(oa.c.action_date, oa.c.id))
    df = frame(conn, q, dates=("action_date", "recorded_at"))
    df["action_date"] = [v.date() for v in df["action_date"]]
    return df


def region_agreements(conn: Connection, region_code: str, election_code: str) -> pd.DataFrame:
    """Current NPHD agreements of the region with what has been disbursed under them."""
    q = (select(na.c.id, na.c.counterparty_code, na.c.agreed_value, raw(na.c.signed_date), na.c.note)
         .where(na.c.region_code == region_code, na.c.election_code == election_code, not_replaced(na))
         .order_by(na.c.counterparty_code))
    df = frame(conn, q, dates=("signed_date",))
    df["signed_date"] = [None if pd.isna(v) else v.date() for v in df["signed_date"]]
    versions = na.alias("v")
    same = na.alias("cur")
    paid = (select(same.c.id.label("agreement_id"), func.coalesce(func.sum(nd.c.amount), 0).label("disbursed"),
                   func.count(nd.c.id).label("tranches"))
            .join(versions, (versions.c.election_code == same.c.election_code)
                  & (versions.c.region_code == same.c.region_code)
                  & (versions.c.counterparty_code == same.c.counterparty_code))
            .join(nd, nd.c.agreement_id == versions.c.id)
            .where(same.c.id.in_(df["id"].tolist() or [-1]), not_replaced(nd))
            .group_by(same.c.id))
    sums = frame(conn, paid).set_index("agreement_id") if len(df) else pd.DataFrame()
    df["disbursed"] = df["id"].map(sums["disbursed"]).fillna(0).astype(int) if len(sums) else 0
    df["tranches"] = df["id"].map(sums["tranches"]).fillna(0).astype(int) if len(sums) else 0
    return df


def agreement_disbursements(conn: Connection, region_code: str, election_code: str) -> pd.DataFrame:
    """Every current disbursement of the region's NPHD (any agreement version)."""
    q = (select(nd.c.id, na.c.counterparty_code, nd.c.tranche, nd.c.amount, raw(nd.c.disbursed_date),
                raw(nd.c.recorded_at))
         .join(na, na.c.id == nd.c.agreement_id)
         .where(na.c.region_code == region_code, na.c.election_code == election_code, not_replaced(nd))
         .order_by(na.c.counterparty_code, nd.c.tranche, nd.c.id))
    df = frame(conn, q, dates=("disbursed_date", "recorded_at"))
    df["disbursed_date"] = [v.date() for v in df["disbursed_date"]]
    return df


# ---- idempotency and receipts --------------------------------------------------------


def form_key(nonce: str, actor: Actor, form: str, values: dict[str, Any]) -> str:
    """The idempotency key of one submission: the session's form nonce, who, which form
    and what was typed. A double click, a retry after a lost connection, or the same
    values sent again in this session return the first receipt; any change is new."""
    payload = json.dumps({"n": nonce, "u": actor.id, "f": form, "v": values}, default=str, sort_keys=True,
                         ensure_ascii=False)
    return "form:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def reference(entity: str, record_id: int) -> str:
    return f"{entity.upper()}-{record_id:07d}"


@dataclass(frozen=True)
class ReceiptView:
    """What the operator sees after a write (kept in the session until the next submit)."""

    reference: str
    recorded_at: str
    duplicate: bool
    rows: tuple[tuple[str, str], ...]  # (field, value as typed) — shown as a table, never as Markdown

    def table(self, field_label: str, value_label: str) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows), columns=[field_label, value_label])


def receipt_view(receipt, rows: list[tuple[str, Any]], lang: str = "id") -> ReceiptView:
    return ReceiptView(receipt.reference, moment(receipt.recorded_at, lang), receipt.duplicate,
                       tuple((label, shown(value, lang)) for label, value in rows))


def shown(value: Any, lang: str = "id") -> str:
    """A typed value as text for the receipt table."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return i18n.t("yes", lang) if value else i18n.t("no", lang)
    if isinstance(value, date):
        return i18n.day(value, lang)
    if isinstance(value, float):
        return i18n.number(value, lang, 0 if value.is_integer() else 1)
    if isinstance(value, int):
        return i18n.number(value, lang)
    return str(value)


# ---- words -------------------------------------------------------------------------

REPORT_STATUS_KEYS = {"belum_mulai": "inp_status_belum_mulai", "berjalan": "inp_status_berjalan",
                      "selesai": "inp_status_selesai", "terkendala": "inp_status_terkendala"}
OBSTACLE_STATUS_KEYS = {"baru": "inp_obstacle_status_baru", "ditangani": "inp_obstacle_status_ditangani",
                        "eskalasi": "inp_obstacle_status_eskalasi", "selesai": "inp_obstacle_status_selesai"}


def status_label(code: str | None, lang: str = "id") -> str:
    key = REPORT_STATUS_KEYS.get(code or "")
    return i18n.t(key, lang) if key else (code or "–")


def obstacle_status_label(code: str | None, lang: str = "id") -> str:
    key = OBSTACLE_STATUS_KEYS.get(code or "")
    return i18n.t(key, lang) if key else (code or "–")


def first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---- accounts ------------------------------------------------------------------------


def account(conn: Connection, actor: Actor) -> dict[str, Any]:
    """What the account page shows about the signed-in user (never the hash)."""
    from sipantau.auth import ROLES

    row = conn.execute(select(users.c.username, users.c.full_name, users.c.role, users.c.region_code,
                              users.c.email, users.c.created_at).where(users.c.id == actor.id)).mappings().first()
    data = dict(row) if row else {"username": actor.username, "full_name": actor.username, "role": actor.role,
                                  "region_code": actor.region_code, "email": None, "created_at": None}
    data["role_name"] = ROLES.get(data["role"], data["role"])
    data["region_name"] = None
    if data["region_code"]:
        data["region_name"] = conn.execute(select(rg.c.name).where(rg.c.code == data["region_code"])).scalar()
    return data


def scope_text(actor: Actor, region_name: str | None, lang: str = "id") -> str:
    """In words: where this user may read and write."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    where = f"{actor.region_code} · {region_name}" if actor.region_code else t("inp_scope_national")
    if actor.role == "admin_pusat":
        return t("inp_scope_admin")
    if actor.role == "operator_provinsi":
        return t("inp_scope_operator_province").format(region=where)
    if actor.role == "operator_kabkota":
        return t("inp_scope_operator_regency").format(region=where)
    if actor.role == "verifikator_provinsi":
        return t("inp_scope_verifier").format(region=where)
    return t("inp_scope_reader")
