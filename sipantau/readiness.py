"""Readiness: where every region stands in every stage on one day, in pure pandas.

Everything here is computed from one `history.History` bundle (election + as-of date,
read by `sipantau.history`) into a `Snapshot`, so maps, rankings, lists and the
national picture agree, and a past day is replayed by loading its bundle. Nothing here
queries the database or holds a connection.

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
  apply to the region (NPHD only where the election has NPHD), each 0–100;
- rankings compare two snapshots of the same election (now and some days earlier).

Imports config and the History bundle's type; nothing of SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from sipantau.config import Settings, settings
from sipantau.history import TIMELINESS_PERIODS, History

CLASSES = ["on_track", "behind", "critical", "no_data", "not_started"]
INDEX_WEIGHTS = {"jadwal": 40, "nphd": 20, "dokumen": 10, "ketepatan": 15, "hambatan": 15}
INDEX_LABELS = {
    "jadwal": ("Progres tahapan terhadap jadwal", "Stage progress against schedule"),
    "nphd": ("Penandatanganan dan realisasi NPHD", "NPHD signing and disbursement"),
    "dokumen": ("Kelengkapan dokumen", "Document completeness"),
    "ketepatan": ("Ketepatan waktu pelaporan", "Reporting timeliness"),
    "hambatan": ("Hambatan terbuka (tingkat dan umur)", "Open obstacles (severity and age)"),
}
AGE_BUCKETS = [(0, 7, "0–7 hari"), (8, 30, "8–30 hari"), (31, 90, "31–90 hari"), (91, 100000, "> 90 hari")]


# ---- schedule -----------------------------------------------------------------------


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


# ---- the grid: classes, summaries, roll-ups -----------------------------------------


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


# ---- NPHD, obstacles, documents, compliance ------------------------------------------


def nphd_by_region(h: History) -> pd.DataFrame:
    """Current agreement per region and counterparty as it stood on the day, with realised rupiah."""
    current = h.nphd_agreements.merge(h.nphd_payments, on=["region_code", "counterparty_code"], how="left")
    current["realised"] = current["realised"].fillna(0).astype("int64")
    return current


def nphd_summary(snap: Snapshot) -> pd.DataFrame:
    """Kemendagri's public NPHD table: per counterparty, regions signed / not signed,
    agreed and realised value, how many fully and partly realised."""
    s = snap.nphd[snap.nphd["signed_date"].notna()]
    sums = pd.DataFrame({
        "counterparty_code": s["counterparty_code"], "signed": 1, "agreed_value": s["agreed_value"],
        "realised_value": s["realised"], "fully_realised": s["realised"] >= s["agreed_value"],
        "partly_realised": (s["realised"] > 0) & (s["realised"] < s["agreed_value"]),
    }).groupby("counterparty_code").sum()
    out = snap.counterparties[["code", "name"]].rename(columns={"code": "counterparty_code", "name": "counterparty"})
    out = out.join(sums, on="counterparty_code").fillna(0)
    counts = ["signed", "agreed_value", "realised_value", "fully_realised", "partly_realised"]
    out[counts] = out[counts].astype("int64")
    out.insert(2, "regions", len(snap.regions))
    out.insert(4, "not_signed", len(snap.regions) - out["signed"])
    out["realised_pct"] = (100 * out["realised_value"] / out["agreed_value"].replace(0, np.nan)).round(2)
    return out


def obstacles_as_of(h: History) -> pd.DataFrame:
    """Every obstacle found by the day, with its status and age as they were that day."""
    df = h.obstacles.copy()
    df["status"] = df["status"].fillna("baru")
    df["open"] = df["status"] != "selesai"
    df["age_days"] = (pd.Timestamp(h.as_of) - df["found_date"]).dt.days
    bucket = np.searchsorted([b[1] for b in AGE_BUCKETS], df["age_days"].to_numpy())
    df["age_bucket"] = np.array([b[2] for b in AGE_BUCKETS])[np.minimum(bucket, len(AGE_BUCKETS) - 1)]
    return df


def obstacle_penalty(obstacles: pd.DataFrame) -> pd.Series:
    """Penalty points per region: severity weight × (1 + age/60, at most 2) per open obstacle."""
    open_ = obstacles[obstacles["open"]]
    points = open_["severity_weight"] * (1 + open_["age_days"].clip(0, 60) / 60)
    return points.groupby(open_["region_code"]).sum()


def documents_by_region(h: History) -> pd.DataFrame:
    """Share of required documents each region holds on the day."""
    return h.documents_held.set_index("region_code").assign(documents_required=h.documents_required)


def compliance(h: History, grid: pd.DataFrame) -> pd.DataFrame:
    """Reporting compliance per office: last report, days silent, and on-time rate over
    the last TIMELINESS_PERIODS periods of the cadence (a period is on time when the
    office reported at least once in it)."""
    periods = TIMELINESS_PERIODS
    days = h.report_days
    # Period 0 is the last `cadence` days up to as_of, period 1 the ones before, …
    period = (pd.Timestamp(h.as_of) - days["situation_date"]).dt.days // h.cadence_days
    on_time = period.groupby(days["region_code"]).nunique()
    last = grid.groupby("region_code")["situation_date"].max()
    out = grid[["region_code", "province_code", "level"]].drop_duplicates().set_index("region_code")
    out["last_report"] = last
    out["days_silent"] = (pd.Timestamp(h.as_of) - out["last_report"]).dt.days
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
    severities: pd.DataFrame
    categories: pd.DataFrame
    counterparties: pd.DataFrame
    active_stage_ids: list[int] = field(default_factory=list)

    def region_summary(self, stage_ids: list[int] | None = None) -> pd.DataFrame:
        """Per office over the chosen stages (default: the active ones)."""
        ids = self.active_stage_ids if stage_ids is None else stage_ids
        return summarise_regions(self.grid, ids)


def snapshot(h: History, cfg: Settings | None = None) -> Snapshot:
    """The bundle of one day computed into what the screens show."""
    cfg = cfg or settings()
    grid = stage_grid(h.regions, h.stages, h.cells, h.as_of, cfg)
    return Snapshot(
        election_code=h.election_code, as_of=h.as_of, has_nphd=h.has_nphd, regions=h.regions, names=h.names,
        stages=h.stages, grid=grid, obstacles=obstacles_as_of(h),
        nphd=nphd_by_region(h) if h.has_nphd else pd.DataFrame(),
        documents=documents_by_region(h), compliance=compliance(h, grid),
        severities=h.severities, categories=h.categories, counterparties=h.counterparties,
        active_stage_ids=active_stage_ids(h.stages, h.as_of),
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


def rankings(now: Snapshot, before: Snapshot) -> dict[str, pd.DataFrame]:
    """Provinces and offices by readiness index, with rank change against `before`, an
    earlier day of the same election (positive = moved up)."""
    ranked, earlier = _ranked(now), _ranked(before)
    for key, frame in ranked.items():
        prev = earlier[key].set_index("region_code")["rank"]
        frame["rank_before"] = frame["region_code"].map(prev).astype("Int64")
        frame["rank_change"] = frame["rank_before"] - frame["rank"]
    return ranked


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


# ---- explaining the index -----------------------------------------------------------


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


def national(snap: Snapshot) -> NationalPicture:
    overview = stage_overview(snap.grid, snap.stages)
    open_ = snap.obstacles[snap.obstacles["open"]]
    sev, cat = snap.severities, snap.categories
    by_sev = sev[["code", "name_id", "name_en"]].assign(
        open=sev["code"].map(open_["severity_code"].value_counts()).fillna(0).astype(int))
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
        nphd=nphd_summary(snap) if snap.has_nphd else pd.DataFrame(),
    )


def default_as_of(latest: date | None, last_stage_end: date | None, today: date) -> date:
    """Today, or the last day with reports (`latest`) when the election's data end earlier,
    but never after its last stage ends (a finished election opens on its last stage day).
    `history.election_dates` gives the first two."""
    days = [today] + [d for d in (latest, last_stage_end) if d is not None]
    return min(days) if latest else today
