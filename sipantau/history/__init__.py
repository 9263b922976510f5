"""History: every read query the monitoring screens run for one (election, as-of date).

`load(conn, election_code, as_of)` reads what the screens show for that day into one
`History` bundle, in a dozen round trips; readiness, lists and screens compute from
the bundle in pandas and never query. A past day is replayed by loading its bundle.

Cost depends on the number of regions and stages, not on the length of history:
- the current state of every cell comes from `stage_status` (kept by every write); a
  past day costs one index seek per region and stage (`ix_stage_report_cell`);
- an obstacle's status on the day is one seek into its follow-ups;
- reporting compliance reads `report_day` (≤ offices × days) over the last
  `TIMELINESS_PERIODS` reporting periods only.
`tests/test_query_plans.py` has the database explain these queries: none may scan the
report history.

Also here: the reference frames the filters need (elections, stages, regions, names),
the dates that pick an election's default day, and one region's own history (its
reports, reporting days, obstacle follow-ups).

Imports config, db and models; holds no rule (readiness does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Connection, func, select, true

from sipantau.config import Settings, settings
from sipantau.db import frame, raw
from sipantau.models import (
    cat,
    cp,
    doc,
    dr,
    el,
    er,
    na,
    nd,
    not_replaced,
    oa,
    ob,
    rd,
    rg,
    sev,
    sr,
    ss,
    st,
)

# How many periods of `report_cadence_days` back the bundle holds report days
# (readiness counts the periods with a report over them).
TIMELINESS_PERIODS = 4


@dataclass(frozen=True)
class History:
    """What the database holds about one election as it stood on `as_of`."""

    election_code: str
    as_of: date
    has_nphd: bool
    latest_situation_date: date | None  # the election's last reported situation date (any day)
    last_stage_end: date | None
    regions: pd.DataFrame  # participating offices, with their province code
    names: pd.Series  # every region's name by code, nation included
    stages: pd.DataFrame  # the election's stages, dates as `date`
    cells: pd.DataFrame  # latest report on or before as_of per region × stage (reported cells only)
    obstacles: pd.DataFrame  # found by as_of, with the latest status change by then (None: none yet)
    nphd_agreements: pd.DataFrame  # the version of each region × counterparty known on as_of
    nphd_payments: pd.DataFrame  # rupiah paid by as_of per region × counterparty (current payments)
    documents_held: pd.DataFrame  # per region: distinct required documents dated by as_of
    documents_required: int
    report_days: pd.DataFrame  # (region_code, situation_date) in the last TIMELINESS_PERIODS periods
    cadence_days: int  # the period length those report days were read for
    severities: pd.DataFrame
    categories: pd.DataFrame
    counterparties: pd.DataFrame


def load(conn: Connection, election_code: str, as_of: date, cfg: Settings | None = None) -> History:
    cfg = cfg or settings()
    facts = _facts(conn, election_code)
    regions, names = _regions(conn, election_code)
    has_nphd = bool(facts.has_nphd)
    latest = _day(facts.latest)
    return History(
        election_code=election_code, as_of=as_of, has_nphd=has_nphd, latest_situation_date=latest,
        last_stage_end=_day(facts.last_stage_end), regions=regions, names=names,
        stages=election_stages(conn, election_code), cells=_cells(conn, election_code, as_of, latest),
        obstacles=_obstacles(conn, election_code, as_of),
        nphd_agreements=_nphd_agreements(conn, election_code, as_of) if has_nphd else pd.DataFrame(),
        nphd_payments=_nphd_payments(conn, election_code, as_of) if has_nphd else pd.DataFrame(),
        documents_held=_documents_held(conn, election_code, as_of), documents_required=int(facts.required),
        report_days=_report_days(conn, election_code, as_of, cfg.report_cadence_days),
        cadence_days=cfg.report_cadence_days,
        severities=frame(conn, select(sev).order_by(sev.c.rank)),
        categories=frame(conn, select(cat).order_by(cat.c.order)),
        counterparties=frame(conn, select(cp).order_by(cp.c.order)),
    )


def _day(value) -> date | None:
    return pd.Timestamp(value).date() if value is not None else None


def _documents_required(election_code: str):
    return select(dr.c.code).where((dr.c.election_code == election_code) | dr.c.election_code.is_(None))


def _facts(conn: Connection, election_code: str):
    """The election's scalars in one round trip."""
    latest = (select(func.max(ss.c.situation_date)).join(st, st.c.id == ss.c.stage_id)
              .where(st.c.election_code == election_code))
    last_stage_end = select(func.max(st.c.end_date)).where(st.c.election_code == election_code)
    required = select(func.count()).select_from(_documents_required(election_code).subquery())
    has_nphd = select(el.c.has_nphd).where(el.c.code == election_code)
    return conn.execute(select(has_nphd.scalar_subquery().label("has_nphd"), latest.scalar_subquery().label("latest"),
                               last_stage_end.scalar_subquery().label("last_stage_end"),
                               required.scalar_subquery().label("required"))).one()


# ---- reference frames ---------------------------------------------------------------


def elections(conn: Connection) -> pd.DataFrame:
    return frame(conn, select(el).order_by(el.c.order))


def election_stages(conn: Connection, election_code: str) -> pd.DataFrame:
    df = frame(conn, select(st).where(st.c.election_code == election_code).order_by(st.c.order))
    # Stage dates stay `date` objects: they are few and compared with the as-of date.
    for col in ("start_date", "end_date"):
        df[col] = pd.to_datetime(df[col]).dt.date
    return df.rename(columns={"id": "stage_id"})


def _regions(conn: Connection, election_code: str) -> tuple[pd.DataFrame, pd.Series]:
    """(The offices taking part in the election, every region's name by code), in one query."""
    takes_part = er.c.region_code.is_not(None).label("takes_part")
    q = (select(rg.c.code.label("region_code"), rg.c.name, rg.c.level, rg.c.kind, rg.c.parent_code, takes_part)
         .outerjoin(er, (er.c.region_code == rg.c.code) & (er.c.election_code == election_code))
         .order_by(rg.c.code))
    every = frame(conn, q)
    names = pd.Series(every["name"].to_numpy(), index=pd.Index(every["region_code"], name="code"), name="name")
    offices = every[every.pop("takes_part").astype(bool)].reset_index(drop=True)
    offices["province_code"] = offices["region_code"].str[:2]
    return offices, names


def election_regions(conn: Connection, election_code: str) -> pd.DataFrame:
    """The offices taking part in the election, with their province code."""
    return _regions(conn, election_code)[0]


def regions(conn: Connection) -> pd.DataFrame:
    return frame(conn, select(rg).order_by(rg.c.code))


def region_names(conn: Connection) -> pd.Series:
    return frame(conn, select(rg.c.code, rg.c.name)).set_index("code")["name"]


def election_dates(conn: Connection, election_code: str) -> tuple[date | None, date | None]:
    """(The last situation date reported in the election, the end of its last stage):
    what `readiness.default_as_of` chooses the opening day from."""
    facts = _facts(conn, election_code)
    return _day(facts.latest), _day(facts.last_stage_end)


# ---- stage cells --------------------------------------------------------------------


def _cells(conn: Connection, election_code: str, as_of: date, latest: date | None) -> pd.DataFrame:
    """Latest report on or before `as_of` of every region in every stage (reported cells only)."""
    # An election without reports reads the (empty) current table: typed columns, no special case.
    if latest is None or as_of >= latest:
        q = (select(ss.c.region_code, ss.c.stage_id, ss.c.report_id, raw(ss.c.situation_date), ss.c.progress,
                    ss.c.status)
             .join(st, st.c.id == ss.c.stage_id).where(st.c.election_code == election_code))
    else:
        q = _past_cells_query(election_code, as_of)
    return frame(conn, q, dates=("situation_date",))


def _past_cells_query(election_code: str, as_of: date):
    # One correlated index seek per (region, stage): walk ix_stage_report_cell
    # backwards from as_of and take the first report not corrected by another.
    report_id = (
        select(sr.c.id)
        .where(sr.c.region_code == er.c.region_code, sr.c.stage_id == st.c.id, sr.c.situation_date <= as_of,
               not_replaced(sr))
        .order_by(sr.c.situation_date.desc(), sr.c.id.desc())
        .limit(1)
        .correlate(er, st)
        .scalar_subquery()
    )
    cells = (select(er.c.region_code, st.c.id.label("stage_id"), report_id.label("report_id"))
             .select_from(er.join(st, true()))  # every office × every stage
             .where(er.c.election_code == election_code, st.c.election_code == election_code,
                    st.c.start_date <= as_of + timedelta(days=366))
             .subquery("cells"))
    return select(cells.c.region_code, cells.c.stage_id, sr.c.id.label("report_id"), raw(sr.c.situation_date),
                  sr.c.progress, sr.c.status).join(sr, sr.c.id == cells.c.report_id)


# ---- obstacles, NPHD, documents, report days ----------------------------------------


def _obstacles(conn: Connection, election_code: str, as_of: date) -> pd.DataFrame:
    """Every obstacle found by `as_of`, with its latest status change on or before that day."""
    q = (select(ob.c.id, ob.c.region_code, ob.c.stage_id, ob.c.category_code, ob.c.severity_code,
                ob.c.description, ob.c.owner, raw(ob.c.due_date), raw(ob.c.found_date),
                sev.c.rank.label("severity_rank"), sev.c.weight.label("severity_weight"),
                _status_as_of(oa.c.new_status, as_of).label("status"),
                _status_as_of(raw(oa.c.action_date), as_of).label("status_date"))
         .join(sev, sev.c.code == ob.c.severity_code)
         .where(ob.c.election_code == election_code, ob.c.found_date <= as_of))
    return frame(conn, q, dates=("found_date", "due_date", "status_date"))


def _status_as_of(column, as_of: date):
    """`column` of an obstacle's latest status change on or before `as_of` (one index seek)."""
    return (select(column).where(oa.c.obstacle_id == ob.c.id, oa.c.new_status.is_not(None),
                                 oa.c.action_date <= as_of)
            .order_by(oa.c.action_date.desc(), oa.c.id.desc()).limit(1).correlate(ob).scalar_subquery())


_NPHD_SUBJECT = (na.c.region_code, na.c.counterparty_code)


def _nphd_agreements(conn: Connection, election_code: str, as_of: date) -> pd.DataFrame:
    """The current agreement per region and counterparty as it stood on `as_of`.

    An agreement is known from its signing date (unsigned ones from when they were recorded);
    the newest known version is current (a correction always has a higher id than what it
    corrects)."""
    next_day = datetime.combine(as_of + timedelta(days=1), time())
    known = (na.c.signed_date <= as_of) | (na.c.signed_date.is_(None) & (na.c.recorded_at < next_day))
    latest = (select(func.max(na.c.id).label("id")).where(na.c.election_code == election_code, known)
              .group_by(*_NPHD_SUBJECT).subquery())
    return frame(conn, select(*_NPHD_SUBJECT, na.c.id.label("agreement_id"), na.c.agreed_value, raw(na.c.signed_date))
                 .join(latest, latest.c.id == na.c.id), dates=("signed_date",))


def _nphd_payments(conn: Connection, election_code: str, as_of: date) -> pd.DataFrame:
    """Rupiah paid by `as_of` per region and counterparty: payments under every version
    count; corrected payments do not."""
    return frame(conn, select(*_NPHD_SUBJECT, func.sum(nd.c.amount).label("realised"))
                 .join(na, na.c.id == nd.c.agreement_id)
                 .where(na.c.election_code == election_code, nd.c.disbursed_date <= as_of, not_replaced(nd))
                 .group_by(*_NPHD_SUBJECT))


def _documents_held(conn: Connection, election_code: str, as_of: date) -> pd.DataFrame:
    return frame(conn, select(doc.c.region_code, func.count(doc.c.requirement_code.distinct()).label("documents_held"))
                 .where(doc.c.requirement_code.in_(_documents_required(election_code)), doc.c.document_date <= as_of)
                 .group_by(doc.c.region_code))


def _report_days(conn: Connection, election_code: str, as_of: date, cadence_days: int) -> pd.DataFrame:
    first_day = as_of - timedelta(days=cadence_days * TIMELINESS_PERIODS - 1)
    q = select(rd.c.region_code, raw(rd.c.situation_date)).where(
        rd.c.election_code == election_code, rd.c.situation_date >= first_day, rd.c.situation_date <= as_of)
    return frame(conn, q, dates=("situation_date",))


# ---- one region ---------------------------------------------------------------------


def region_history(conn: Connection, election_code: str, region_code: str, until: date) -> pd.DataFrame:
    """Every current (not corrected) report of an office in the election up to `until`."""
    q = (select(sr.c.id, sr.c.stage_id, raw(sr.c.situation_date), sr.c.progress, sr.c.status, sr.c.note,
                sr.c.source, raw(sr.c.recorded_at), sr.c.replaces_id)
         .join(st, st.c.id == sr.c.stage_id)
         .where(st.c.election_code == election_code, sr.c.region_code == region_code,
                sr.c.situation_date <= until, not_replaced(sr))
         .order_by(sr.c.stage_id, sr.c.situation_date, sr.c.id))
    return frame(conn, q, dates=("situation_date", "recorded_at"))


def reporting_days(conn: Connection, election_code: str, region_code: str, until: date) -> pd.Series:
    q = select(raw(rd.c.situation_date)).where(rd.c.election_code == election_code, rd.c.region_code == region_code,
                                               rd.c.situation_date <= until).order_by(rd.c.situation_date)
    return frame(conn, q, dates=("situation_date",))["situation_date"]


def obstacle_actions(conn: Connection, obstacle_ids: list[int]) -> pd.DataFrame:
    """Follow-up steps of the given obstacles, oldest first."""
    q = (select(oa.c.obstacle_id, raw(oa.c.action_date), oa.c.actor, oa.c.description, oa.c.new_status,
                oa.c.evidence).where(oa.c.obstacle_id.in_(obstacle_ids)).order_by(oa.c.action_date, oa.c.id))
    return frame(conn, q, dates=("action_date",))
