"""Read side: where every region stands in every stage, for any as-of date.

Everything here returns pandas DataFrames and is computed from one `Snapshot`
(election + as-of date), so maps, rankings and lists agree and a past day can be
replayed. Cost depends on the number of regions and stages, not on the length of
history: the current state comes from `stage_status` (kept by every write), and a
past date costs one index seek per region and stage (`ix_stage_report_cell`).

Methods, documented once (README "Cara menghitung"):
- expected progress of a stage on day D rises linearly from 0% the day before
  its start to 100% on its end date; lag = expected − reported (points);
- a region-stage is on track (lag ≤ `lag_behind`), behind (≤ `lag_critical`),
  critical (more, or reported "terkendala" while behind), no data (no report
  although the stage has started) or not started;
- a region's value over several stages is their weight-weighted mean;
- roll-up: a province's value is the plain mean over its offices with data (the
  province office and each regency/city count once); the nation's the same over
  all offices; counts are summed;
- readiness index (0–100): weighted mean of the components in INDEX_WEIGHTS that
  apply to the region (NPHD only where the election has NPHD), each 0–100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, String, case, func, select, true, type_coerce

from sipantau import models as m
from sipantau.config import Settings, settings
from sipantau.reports import not_replaced

sr = m.StageReport.__table__
ss = m.StageStatus.__table__
st = m.Stage.__table__
er = m.ElectionRegion.__table__
rg = m.Region.__table__

CLASSES = ["on_track", "behind", "critical", "no_data", "not_started"]
INDEX_WEIGHTS = {"jadwal": 40, "nphd": 20, "dokumen": 10, "ketepatan": 15, "hambatan": 15}
INDEX_LABELS = {
    "jadwal": ("Progres tahapan terhadap jadwal", "Stage progress against schedule"),
    "nphd": ("Penandatanganan dan realisasi NPHD", "NPHD signing and disbursement"),
    "dokumen": ("Kelengkapan dokumen", "Document completeness"),
    "ketepatan": ("Ketepatan waktu pelaporan", "Reporting timeliness"),
    "hambatan": ("Hambatan terbuka (tingkat dan umur)", "Open obstacles (severity and age)"),
}
# Periods of `report_cadence_days` looked at for timeliness.
TIMELINESS_PERIODS = 4
AGE_BUCKETS = [(0, 7, "0–7 hari"), (8, 30, "8–30 hari"), (31, 90, "31–90 hari"), (91, 100000, "> 90 hari")]


# ---- reading ----------------------------------------------------------------------


def raw(column):
    """Select a date/time column without SQLAlchemy's per-row parsing (SQLite stores
    ISO text); `frame` parses the whole column at once, which is ~10× faster."""
    return type_coerce(column, String).label(column.name)


def frame(conn: Connection, query, dates: tuple[str, ...] = ()) -> pd.DataFrame:
    """A query as a DataFrame, with `dates` columns as datetime64 (UTC-naive).
    Select dates through `raw` so both SQLite (text) and PostgreSQL (date) parse alike."""
    result = conn.execute(query)
    # Rows straight from the driver: SQLAlchemy's per-row processing costs more than
    # the query itself on the dashboard's 10⁴-row frames.
    df = pd.DataFrame.from_records(result.cursor.fetchall(), columns=list(result.keys()))
    result.close()
    for col in dates:
        df[col] = pd.to_datetime(df[col], format="ISO8601", utc=True).dt.tz_localize(None)
    return df


# ---- reference frames -------------------------------------------------------------


def elections(conn: Connection) -> pd.DataFrame:
    return frame(conn, select(m.Election.__table__).order_by(m.Election.order))


def election_stages(conn: Connection, election_code: str) -> pd.DataFrame:
    q = select(st).where(st.c.election_code == election_code).order_by(st.c.order)
    df = frame(conn, q)
    # Stage dates stay `date` objects: they are few and compared with the as-of date.
    for col in ("start_date", "end_date"):
        df[col] = pd.to_datetime(df[col]).dt.date
    return df.rename(columns={"id": "stage_id"})


def election_regions(conn: Connection, election_code: str) -> pd.DataFrame:
    """The offices taking part in the election, with their province code."""
    q = (select(rg.c.code.label("region_code"), rg.c.name, rg.c.level, rg.c.kind, rg.c.parent_code)
         .join(er, er.c.region_code == rg.c.code).where(er.c.election_code == election_code).order_by(rg.c.code))
    df = frame(conn, q)
    df["province_code"] = df["region_code"].str[:2]
    return df


def regions(conn: Connection) -> pd.DataFrame:
    return frame(conn, select(rg).order_by(rg.c.code))


def region_names(conn: Connection) -> pd.Series:
    return frame(conn, select(rg.c.code, rg.c.name)).set_index("code")["name"]


def expected_progress(stages: pd.DataFrame, as_of: date) -> pd.Series:
    """Linear schedule: 0 before the start, 100 on the end date (a one-day stage
    jumps from 0 to 100 on its day)."""
    start = pd.to_datetime(stages["start_date"])
    end = pd.to_datetime(stages["end_date"])
    days_total = (end - start).dt.days + 1
    days_done = (pd.Timestamp(as_of) - start).dt.days + 1
    return (100 * days_done / days_total).clip(0, 100).round(2)


def active_stage_ids(stages: pd.DataFrame, as_of: date) -> list[int]:
    running = stages[(stages["start_date"] <= as_of) & (stages["end_date"] >= as_of)]
    return running["stage_id"].tolist()


# ---- stage cells ------------------------------------------------------------------


def latest_situation_date(conn: Connection, election_code: str) -> date | None:
    """Last situation date reported in the election (from the small current table)."""
    q = select(func.max(ss.c.situation_date)).join(st, st.c.id == ss.c.stage_id).where(
        st.c.election_code == election_code)
    value = conn.execute(q).scalar()
    return pd.Timestamp(value).date() if value is not None else None


def stage_cells(conn: Connection, election_code: str, as_of: date) -> pd.DataFrame:
    """Latest report on or before `as_of` of every region in every stage (reported cells only)."""
    latest = latest_situation_date(conn, election_code)
    cols = ["region_code", "stage_id", "report_id", "situation_date", "progress", "status"]
    if latest is None:
        return pd.DataFrame(columns=cols)
    if as_of >= latest:
        q = (select(ss.c.region_code, ss.c.stage_id, ss.c.report_id, raw(ss.c.situation_date), ss.c.progress,
                    ss.c.status)
             .join(st, st.c.id == ss.c.stage_id).where(st.c.election_code == election_code))
    else:
        q = _past_cells_query(election_code, as_of)
    return frame(conn, q, dates=("situation_date",))[cols]


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


def classify(lag: pd.Series, expected: pd.Series, reported: pd.Series, status: pd.Series,
             cfg: Settings | None = None) -> pd.Series:
    cfg = cfg or settings()
    cls = np.select(
        [~reported & (expected <= 0), ~reported, lag <= cfg.lag_behind, lag <= cfg.lag_critical],
        ["not_started", "no_data", "on_track", "behind"],
        "critical",
    )
    cls = pd.Series(cls, index=lag.index)
    # An office that says it is blocked is never shown as on track.
    cls[(status == "terkendala") & (cls == "on_track")] = "behind"
    return cls


def stage_grid(regions_df: pd.DataFrame, stages: pd.DataFrame, cells: pd.DataFrame, as_of: date,
               cfg: Settings | None = None) -> pd.DataFrame:
    """Every participating region × every stage, with expected, lag and class."""
    stages = stages.assign(expected=expected_progress(stages, as_of).values)
    grid = regions_df[["region_code", "province_code", "level"]].merge(
        stages[["stage_id", "weight", "expected", "start_date", "end_date"]], how="cross")
    grid = grid.merge(cells, on=["region_code", "stage_id"], how="left")
    grid["reported"] = grid["report_id"].notna()
    grid["lag"] = (grid["expected"] - grid["progress"]).round(2)
    grid["class"] = classify(grid["lag"], grid["expected"], grid["reported"], grid["status"], cfg)
    return grid


def summarise_regions(grid: pd.DataFrame, stage_ids: list[int], cfg: Settings | None = None) -> pd.DataFrame:
    """Per region over the chosen stages: weighted progress, expected, lag, class."""
    sub = grid[grid["stage_id"].isin(stage_ids)]
    if sub.empty:
        out = grid[["region_code", "province_code", "level"]].drop_duplicates().set_index("region_code")
        for col in ("progress", "expected", "lag"):
            out[col] = np.nan
        out["stages_reported"], out["stages"], out["class"] = 0, 0, "not_started"
        return out.reset_index()
    w = sub["weight"]
    rep = sub["reported"]
    g = sub.assign(wp=(sub["progress"] * w).where(rep), wr=w.where(rep), we=sub["expected"] * w,
                   we_rep=(sub["expected"] * w).where(rep), terk=sub["status"] == "terkendala")
    agg = g.groupby("region_code").agg(
        province_code=("province_code", "first"), level=("level", "first"), wp=("wp", "sum"), wr=("wr", "sum"),
        we=("we", "sum"), we_rep=("we_rep", "sum"), w=("weight", "sum"), stages_reported=("reported", "sum"),
        stages=("stage_id", "count"), terkendala=("terk", "any"))
    has = agg["wr"] > 0
    agg["progress"] = (agg["wp"] / agg["wr"]).where(has).round(2)
    agg["expected"] = (agg["we"] / agg["w"]).round(2)
    lag_reported = (agg["we_rep"] / agg["wr"]).where(has) - agg["progress"]
    agg["lag"] = lag_reported.round(2)
    agg["class"] = classify(agg["lag"], agg["expected"], has, agg["terkendala"].map({True: "terkendala"}), cfg)
    return agg.reset_index()[["region_code", "province_code", "level", "progress", "expected", "lag",
                              "stages_reported", "stages", "class"]]


def stage_overview(grid: pd.DataFrame, stages: pd.DataFrame) -> pd.DataFrame:
    """Per stage, nationally: mean progress of reporting offices, expected, lag, class counts."""
    counts = grid.groupby(["stage_id", "class"]).size().unstack(fill_value=0).reindex(columns=CLASSES, fill_value=0)
    agg = grid.groupby("stage_id").agg(progress=("progress", "mean"), reporting=("reported", "sum"),
                                       offices=("region_code", "count"), expected=("expected", "first"))
    out = stages.set_index("stage_id")[["code", "order", "name_id", "name_en", "start_date", "end_date", "weight"]]
    out = out.join(agg).join(counts)
    out["progress"] = out["progress"].round(2)
    out["lag"] = (out["expected"] - out["progress"]).round(2)
    return out.reset_index()


def rollup(offices: pd.DataFrame, names: pd.Series, mean_cols: list[str], sum_cols: list[str] = ()) -> pd.DataFrame:
    """Province and nation rows from office rows: plain mean over offices with data
    (`names`: region code → name, for every province)."""
    f = offices.copy()
    f["province_code"] = f["region_code"].str[:2]
    agg = {c: "mean" for c in mean_cols} | {c: "sum" for c in sum_cols}
    prov = f.groupby("province_code").agg(agg | {"region_code": "count"}).rename(columns={"region_code": "offices"})
    prov = prov.reset_index().rename(columns={"province_code": "region_code"})
    prov["level"] = "province"
    nation = f.agg(agg).to_frame().T
    nation["offices"] = len(f)
    nation["region_code"], nation["level"] = "ID", "nation"
    out = pd.concat([prov, nation], ignore_index=True)
    out["name"] = out["region_code"].map(names)
    return out


# ---- NPHD, obstacles, documents ---------------------------------------------------


def nphd_by_region(conn: Connection, election_code: str, as_of: date) -> pd.DataFrame:
    """Current agreement per region and counterparty as it stood on `as_of`, with realised rupiah.

    An agreement is known from its signing date (unsigned ones from when they were recorded);
    the newest known version is current (a correction always has a higher id than what it
    corrects). Payments under every version count; corrected payments do not."""
    na, nd = m.NphdAgreement.__table__, m.NphdDisbursement.__table__
    subject = (na.c.region_code, na.c.counterparty_code)
    next_day = datetime.combine(as_of + timedelta(days=1), time())
    known = ((na.c.signed_date <= as_of) | (na.c.signed_date.is_(None) & (na.c.recorded_at < next_day)))
    latest = (select(func.max(na.c.id).label("id")).where(na.c.election_code == election_code, known)
              .group_by(*subject).subquery())
    current = frame(conn, select(*subject, na.c.id.label("agreement_id"), na.c.agreed_value, raw(na.c.signed_date))
                    .join(latest, latest.c.id == na.c.id), dates=("signed_date",))
    paid = frame(conn, select(*subject, func.sum(nd.c.amount).label("realised"))
                 .join(na, na.c.id == nd.c.agreement_id)
                 .where(na.c.election_code == election_code, nd.c.disbursed_date <= as_of, not_replaced(nd))
                 .group_by(*subject))
    current = current.merge(paid, on=["region_code", "counterparty_code"], how="left")
    current["realised"] = current["realised"].fillna(0).astype("int64")
    return current


def nphd_summary(conn: Connection, election_code: str, as_of: date, regions_df: pd.DataFrame,
                 by_region: pd.DataFrame | None = None) -> pd.DataFrame:
    """Kemendagri's public NPHD table: per counterparty, regions signed / not signed,
    agreed and realised value, how many fully and partly realised."""
    cp = frame(conn, select(m.Counterparty.__table__).order_by(m.Counterparty.order))
    by_region = nphd_by_region(conn, election_code, as_of) if by_region is None else by_region
    s = by_region[by_region["signed_date"].notna()]
    sums = pd.DataFrame({
        "counterparty_code": s["counterparty_code"], "signed": 1, "agreed_value": s["agreed_value"],
        "realised_value": s["realised"], "fully_realised": s["realised"] >= s["agreed_value"],
        "partly_realised": (s["realised"] > 0) & (s["realised"] < s["agreed_value"]),
    }).groupby("counterparty_code").sum()
    out = cp[["code", "name"]].rename(columns={"code": "counterparty_code", "name": "counterparty"})
    out = out.join(sums, on="counterparty_code").fillna(0)
    counts = ["signed", "agreed_value", "realised_value", "fully_realised", "partly_realised"]
    out[counts] = out[counts].astype("int64")
    out.insert(2, "regions", len(regions_df))
    out.insert(4, "not_signed", len(regions_df) - out["signed"])
    out["realised_pct"] = (100 * out["realised_value"] / out["agreed_value"].replace(0, np.nan)).round(2)
    return out


def obstacles_as_of(conn: Connection, election_code: str, as_of: date) -> pd.DataFrame:
    """Every obstacle found by `as_of`, with its status and age as they were that day."""
    ob, oa = m.Obstacle.__table__, m.ObstacleAction.__table__
    sev = m.Severity.__table__
    q = (select(ob.c.id, ob.c.region_code, ob.c.stage_id, ob.c.category_code, ob.c.severity_code,
                ob.c.description, ob.c.owner, raw(ob.c.due_date), raw(ob.c.found_date),
                sev.c.rank.label("severity_rank"), sev.c.weight.label("severity_weight"))
         .join(sev, sev.c.code == ob.c.severity_code)
         .where(ob.c.election_code == election_code, ob.c.found_date <= as_of))
    df = frame(conn, q.add_columns(_status_as_of(oa.c.new_status, as_of).label("status"),
                                   _status_as_of(raw(oa.c.action_date), as_of).label("status_date")),
               dates=("found_date", "due_date", "status_date"))
    df["status"] = df["status"].fillna("baru")
    df["open"] = df["status"] != "selesai"
    df["age_days"] = (pd.Timestamp(as_of) - df["found_date"]).dt.days
    bucket = np.searchsorted([b[1] for b in AGE_BUCKETS], df["age_days"].to_numpy())
    df["age_bucket"] = np.array([b[2] for b in AGE_BUCKETS])[np.minimum(bucket, len(AGE_BUCKETS) - 1)]
    return df


def _status_as_of(column, as_of: date):
    """`column` of an obstacle's latest status change on or before `as_of` (one index seek)."""
    ob, oa = m.Obstacle.__table__, m.ObstacleAction.__table__
    return (select(column).where(oa.c.obstacle_id == ob.c.id, oa.c.new_status.is_not(None),
                                 oa.c.action_date <= as_of)
            .order_by(oa.c.action_date.desc(), oa.c.id.desc()).limit(1).correlate(ob).scalar_subquery())


def obstacle_penalty(obstacles: pd.DataFrame) -> pd.Series:
    """Penalty points per region: severity weight × (1 + age/60, at most 2) per open obstacle."""
    open_ = obstacles[obstacles["open"]]
    points = open_["severity_weight"] * (1 + open_["age_days"].clip(0, 60) / 60)
    return points.groupby(open_["region_code"]).sum()


def documents_by_region(conn: Connection, election_code: str, as_of: date) -> pd.DataFrame:
    """Share of required documents each region holds on `as_of`."""
    dr, dc = m.DocumentRequirement.__table__, m.Document.__table__
    req = frame(conn, select(dr.c.code).where((dr.c.election_code == election_code) | dr.c.election_code.is_(None)))
    held = frame(conn, select(dc.c.region_code, func.count(dc.c.requirement_code.distinct()).label("documents_held"))
                 .where(dc.c.requirement_code.in_(req["code"].tolist()), dc.c.document_date <= as_of)
                 .group_by(dc.c.region_code)).set_index("region_code")
    return held.assign(documents_required=len(req))


def compliance(conn: Connection, election_code: str, as_of: date, grid: pd.DataFrame,
               cfg: Settings | None = None) -> pd.DataFrame:
    """Reporting compliance per office: last report, days silent, and on-time rate over
    the last TIMELINESS_PERIODS periods of `report_cadence_days` (a period is on time
    when the office reported at least once in it)."""
    cfg = cfg or settings()
    cadence, periods = cfg.report_cadence_days, TIMELINESS_PERIODS
    first_day = as_of - timedelta(days=cadence * periods - 1)
    # Period 0 is the last `cadence` days up to as_of, period 1 the ones before, …
    rd = m.ReportDay.__table__
    period = case(*[(rd.c.situation_date > as_of - timedelta(days=cadence * (k + 1)), k)
                    for k in range(periods - 1)], else_=periods - 1)
    recent = frame(conn, select(rd.c.region_code, func.count(period.distinct()).label("periods")).where(
        rd.c.election_code == election_code, rd.c.situation_date >= first_day, rd.c.situation_date <= as_of)
        .group_by(rd.c.region_code))
    on_time = recent.set_index("region_code")["periods"]
    last = grid.groupby("region_code")["situation_date"].max()
    out = grid[["region_code", "province_code", "level"]].drop_duplicates().set_index("region_code")
    out["last_report"] = last
    out["days_silent"] = (pd.Timestamp(as_of) - out["last_report"]).dt.days
    out["expected_reports"] = periods
    out["on_time_reports"] = on_time.reindex(out.index).fillna(0).astype(int)
    out["on_time_rate"] = (100 * out["on_time_reports"] / periods).round(1)
    return out.reset_index()


# ---- the snapshot and the index ---------------------------------------------------


@dataclass
class Snapshot:
    """Everything the screens show for one election on one day."""

    election_code: str
    as_of: date
    has_nphd: bool
    regions: pd.DataFrame  # participating offices
    names: pd.Series  # every region's name by code, nation included
    stages: pd.DataFrame
    grid: pd.DataFrame
    obstacles: pd.DataFrame
    nphd: pd.DataFrame
    documents: pd.DataFrame
    compliance: pd.DataFrame
    active_stage_ids: list[int] = field(default_factory=list)

    def region_summary(self, stage_ids: list[int] | None = None) -> pd.DataFrame:
        """Per office over the chosen stages (default: the active ones)."""
        ids = self.active_stage_ids if stage_ids is None else stage_ids
        return summarise_regions(self.grid, ids)


def snapshot(conn: Connection, election_code: str, as_of: date, cfg: Settings | None = None) -> Snapshot:
    cfg = cfg or settings()
    regions_df = election_regions(conn, election_code)
    stages = election_stages(conn, election_code)
    cells = stage_cells(conn, election_code, as_of)
    grid = stage_grid(regions_df, stages, cells, as_of, cfg)
    has_nphd = bool(conn.execute(select(m.Election.has_nphd).where(m.Election.code == election_code)).scalar())
    return Snapshot(
        election_code=election_code, as_of=as_of, has_nphd=has_nphd, regions=regions_df,
        names=region_names(conn), stages=stages, grid=grid,
        obstacles=obstacles_as_of(conn, election_code, as_of),
        nphd=nphd_by_region(conn, election_code, as_of) if has_nphd else pd.DataFrame(),
        documents=documents_by_region(conn, election_code, as_of),
        compliance=compliance(conn, election_code, as_of, grid, cfg),
        active_stage_ids=active_stage_ids(stages, as_of),
    )


def readiness_index(snap: Snapshot) -> pd.DataFrame:
    """Per office: each component (0–100, NaN where it does not apply) and the index."""
    out = snap.regions[["region_code", "name", "level", "kind", "province_code"]].set_index("region_code")
    active = snap.grid[snap.grid["stage_id"].isin(snap.active_stage_ids)]
    if not active.empty:
        # A missing report counts as 0% done: no evidence of progress.
        lag = (active["expected"] - active["progress"].fillna(0)).clip(lower=0)
        score = (100 - lag).clip(0, 100) * active["weight"]
        out["jadwal"] = score.groupby(active["region_code"]).sum() / active.groupby("region_code")["weight"].sum()
    else:
        out["jadwal"] = np.nan
    if snap.has_nphd:
        n = snap.nphd.copy()
        n["score"] = np.where(n["signed_date"].notna(), 50, 0) + 50 * (n["realised"] / n["agreed_value"]).clip(0, 1)
        counterparties = 4
        out["nphd"] = (n.groupby("region_code")["score"].sum() / counterparties).reindex(out.index).fillna(0)
    else:
        out["nphd"] = np.nan
    docs = snap.documents
    required = int(docs["documents_required"].iloc[0]) if len(docs) else 0
    out["dokumen"] = (100 * docs["documents_held"] / required).reindex(out.index).fillna(0) if required else np.nan
    out["ketepatan"] = snap.compliance.set_index("region_code")["on_time_rate"]
    out["hambatan"] = (100 - obstacle_penalty(snap.obstacles).reindex(out.index).fillna(0)).clip(0, 100)
    parts = list(INDEX_WEIGHTS)
    weights = pd.Series(INDEX_WEIGHTS, dtype=float)
    have = out[parts].notna()
    out["index"] = ((out[parts].fillna(0) * weights).sum(axis=1) / (have * weights).sum(axis=1)).round(1)
    out[parts] = out[parts].round(1)
    return out.reset_index()


def rank(values: pd.Series) -> pd.Series:
    """Competition ranking, highest first: ties share the best rank (1, 2, 2, 4)."""
    return values.rank(ascending=False, method="min").astype("Int64")


def rankings(conn: Connection, election_code: str, as_of: date, compare_days: int = 7,
             snap: Snapshot | None = None) -> dict[str, pd.DataFrame]:
    """Provinces and offices by readiness index, with rank change against `compare_days` earlier
    (positive = moved up)."""
    now = _ranked(snap or snapshot(conn, election_code, as_of))
    before = _ranked(snapshot(conn, election_code, as_of - timedelta(days=compare_days)))
    for key, frame in now.items():
        prev = before[key].set_index("region_code")["rank"]
        frame["rank_before"] = frame["region_code"].map(prev).astype("Int64")
        frame["rank_change"] = frame["rank_before"] - frame["rank"]
    return now


def _ranked(snap: Snapshot) -> dict[str, pd.DataFrame]:
    offices = region_metrics(snap)
    provinces = province_metrics(snap, offices)
    regencies = offices[offices["level"] == "regency"]
    return {"provinces": provinces.sort_values(["rank", "region_code"]).reset_index(drop=True),
            "regencies": regencies.sort_values(["rank", "region_code"]).reset_index(drop=True)}


# ---- map metrics -------------------------------------------------------------------

# What a map or ranking can colour regions by: (Indonesian, English, higher is better).
METRICS = {
    "progress": ("Progres tahapan", "Stage progress", True),
    "lag": ("Selisih terhadap jadwal (poin)", "Lag against schedule (points)", False),
    "index": ("Indeks kesiapan", "Readiness index", True),
    "compliance": ("Kepatuhan pelaporan", "Reporting compliance", True),
    "obstacles": ("Hambatan terbuka", "Open obstacles", False),
    "nphd_realised": ("Realisasi NPHD", "NPHD disbursed", True),
}


def region_metrics(snap: Snapshot, stage_ids: list[int] | None = None) -> pd.DataFrame:
    """Every office with every map metric, its class and its ranks (by readiness index)."""
    summary = snap.region_summary(stage_ids).set_index("region_code")
    idx = readiness_index(snap).set_index("region_code")
    out = idx[["name", "level", "kind", "province_code", "index", *INDEX_WEIGHTS]].copy()
    out[["progress", "expected", "lag", "class"]] = summary[["progress", "expected", "lag", "class"]]
    out["compliance"] = snap.compliance.set_index("region_code")["on_time_rate"]
    out["days_silent"] = snap.compliance.set_index("region_code")["days_silent"]
    open_ = snap.obstacles[snap.obstacles["open"]]
    out["obstacles"] = open_.groupby("region_code").size().reindex(out.index).fillna(0).astype(int)
    if snap.has_nphd and not snap.nphd.empty:
        n = snap.nphd.groupby("region_code")[["agreed_value", "realised"]].sum()
        out["nphd_realised"] = (100 * n["realised"] / n["agreed_value"].replace(0, np.nan)).reindex(
            out.index).round(1)
    else:
        out["nphd_realised"] = np.nan
    # Regencies and cities are ranked among themselves; province offices roll up instead.
    regency_index = out["index"].where(out["level"] == "regency")
    out["rank"] = rank(regency_index)
    out["rank_in_province"] = regency_index.groupby(out["province_code"]).transform(rank).astype("Int64")
    return out.reset_index()


def province_metrics(snap: Snapshot, offices: pd.DataFrame) -> pd.DataFrame:
    """Province rows by the documented roll-up, ranked by readiness index."""
    means = ["index", "progress", "expected", "lag", "compliance", "nphd_realised", *INDEX_WEIGHTS]
    prov = rollup(offices, snap.names, mean_cols=means, sum_cols=["obstacles"])
    prov = prov[prov["level"] == "province"].copy()
    prov[means] = prov[means].astype(float).round(1)
    classes = offices.assign(province_code=offices["region_code"].str[:2])
    counts = pd.crosstab(classes["province_code"], classes["class"]).reindex(columns=CLASSES, fill_value=0)
    prov = prov.join(counts, on="region_code")
    prov["class"] = classify(prov["lag"], prov["expected"], prov["lag"].notna(), pd.Series("", index=prov.index))
    prov["rank"] = rank(prov["index"])
    return prov.reset_index(drop=True)


# ---- one region: the history behind its numbers ------------------------------------


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
    rd = m.ReportDay.__table__
    q = select(raw(rd.c.situation_date)).where(rd.c.election_code == election_code, rd.c.region_code == region_code,
                                               rd.c.situation_date <= until).order_by(rd.c.situation_date)
    return frame(conn, q, dates=("situation_date",))["situation_date"]


def obstacle_actions(conn: Connection, obstacle_ids: list[int]) -> pd.DataFrame:
    """Follow-up steps of the given obstacles, oldest first."""
    oa = m.ObstacleAction.__table__
    q = (select(oa.c.obstacle_id, raw(oa.c.action_date), oa.c.actor, oa.c.description, oa.c.new_status,
                oa.c.evidence).where(oa.c.obstacle_id.in_(obstacle_ids)).order_by(oa.c.action_date, oa.c.id))
    return frame(conn, q, dates=("action_date",))


def index_breakdown(row: pd.Series, lang: str = "id") -> pd.DataFrame:
    """Why a region has its readiness index: each component, its weight and what it adds."""
    parts = [k for k in INDEX_WEIGHTS if not pd.isna(row.get(k))]
    total = sum(INDEX_WEIGHTS[k] for k in parts)
    return pd.DataFrame({
        "component": parts,
        "label": [INDEX_LABELS[k][lang == "en"] for k in parts],
        "score": [float(row[k]) for k in parts],
        "weight": [round(100 * INDEX_WEIGHTS[k] / total, 1) for k in parts],
        "points": [round(float(row[k]) * INDEX_WEIGHTS[k] / total, 1) for k in parts],
        "lost": [round((100 - float(row[k])) * INDEX_WEIGHTS[k] / total, 1) for k in parts],
    })


# ---- the national picture ---------------------------------------------------------


@dataclass
class NationalPicture:
    snapshot: Snapshot
    stage_overview: pd.DataFrame
    active: pd.DataFrame  # active stages only
    regions_reporting: int
    regions_total: int
    obstacles_by_severity: pd.DataFrame
    obstacles_by_category: pd.DataFrame
    nphd: pd.DataFrame


def national(conn: Connection, election_code: str, as_of: date, cfg: Settings | None = None,
             snap: Snapshot | None = None) -> NationalPicture:
    snap = snap or snapshot(conn, election_code, as_of, cfg)
    overview = stage_overview(snap.grid, snap.stages)
    open_ = snap.obstacles[snap.obstacles["open"]]
    sev = frame(conn, select(m.Severity.__table__).order_by(m.Severity.rank))
    by_sev = sev[["code", "name_id", "name_en"]].assign(
        open=sev["code"].map(open_["severity_code"].value_counts()).fillna(0).astype(int))
    cat = frame(conn, select(m.ObstacleCategory.__table__).order_by(m.ObstacleCategory.order))
    by_cat = cat[["code", "name_id", "name_en"]].assign(
        open=cat["code"].map(open_["category_code"].value_counts()).fillna(0).astype(int))
    return NationalPicture(
        snapshot=snap,
        stage_overview=overview,
        active=overview[overview["stage_id"].isin(snap.active_stage_ids)].reset_index(drop=True),
        regions_reporting=int(snap.grid.loc[snap.grid["reported"], "region_code"].nunique()),
        regions_total=len(snap.regions),
        obstacles_by_severity=by_sev,
        obstacles_by_category=by_cat,
        nphd=nphd_summary(conn, election_code, as_of, snap.regions, snap.nphd) if snap.has_nphd else pd.DataFrame(),
    )


def default_as_of(conn: Connection, election_code: str, today: date) -> date:
    """Today, or the last day with reports when the election's data end earlier, but
    never after its last stage ends (a finished election opens on its last stage day)."""
    latest = latest_situation_date(conn, election_code)
    last_stage = conn.execute(select(func.max(st.c.end_date)).where(st.c.election_code == election_code)).scalar()
    days = [today] + [pd.Timestamp(d).date() for d in (latest, last_stage) if d is not None]
    return min(days) if latest else today
