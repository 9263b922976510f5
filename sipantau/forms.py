"""What the input pages read: the offices of an election, code tables, and what a region already
holds (recent reports, obstacles and their follow-up, NPHD and disbursements, the account).

Read queries only (no Streamlit): pages reach them through sipantau.ui.forms, and
sipantau.screens.input turns them into what people read. They belong with the read side
(sipantau.history, issue 8) once it takes queries for one region.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select

from sipantau.auth import Actor
from sipantau.db import frame, raw
from sipantau.inert import md_escape  # noqa: F401 - pages/import_data.py calls it forms.md_escape
from sipantau.models import er, na, nd, not_replaced, oa, ob, rg, sr, users
from sipantau.models import st as st_

# ---- picker options ----------------------------------------------------------------


def election_regions(conn: Connection, election_code: str) -> pd.DataFrame:
    """Offices taking part in the election: code, name, level, kind."""
    q = (select(rg.c.code, rg.c.name, rg.c.level, rg.c.kind).join(er, er.c.region_code == rg.c.code)
         .where(er.c.election_code == election_code).order_by(rg.c.code))
    return frame(conn, q)


def code_names(conn: Connection, model, lang: str = "id") -> dict[str, str]:
    """code → name of a code table (categories, severities, counterparties), in order."""
    if hasattr(model, "name_id"):
        label = model.name_en if lang == "en" else model.name_id
    else:
        label = model.name
    order = model.rank if hasattr(model, "rank") else model.order
    return {code: name for code, name in conn.execute(select(model.code, label).order_by(order))}


# ---- what the region has already ----------------------------------------------------


def recent_reports(conn: Connection, region_code: str, election_code: str, limit: int = 20) -> pd.DataFrame:
    """The region's latest stage reports in the election, newest recorded first."""
    q = (select(sr.c.id, st_.c.name_id.label("stage_name_id"), st_.c.name_en.label("stage_name_en"),
                raw(sr.c.situation_date), sr.c.progress, sr.c.status, sr.c.note, raw(sr.c.recorded_at),
                users.c.username, sr.c.replaces_id)
         .join(st_, st_.c.id == sr.c.stage_id).join(users, users.c.id == sr.c.recorded_by)
         .where(sr.c.region_code == region_code, st_.c.election_code == election_code)
         .order_by(sr.c.id.desc()).limit(limit))
    return frame(conn, q, dates=("situation_date", "recorded_at"))


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


# ---- accounts ------------------------------------------------------------------------


def account(conn: Connection, actor: Actor) -> dict[str, Any]:
    """What the account page shows about the signed-in user (never the hash)."""
    row = conn.execute(select(users.c.username, users.c.full_name, users.c.role, users.c.region_code,
                              users.c.email, users.c.created_at).where(users.c.id == actor.id)).mappings().first()
    data = dict(row) if row else {"username": actor.username, "full_name": actor.username, "role": actor.role,
                                  "region_code": actor.region_code, "email": None, "created_at": None}
    data["region_name"] = None
    if data["region_code"]:
        data["region_name"] = conn.execute(select(rg.c.name).where(rg.c.code == data["region_code"])).scalar()
    return data
