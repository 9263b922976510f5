"""Early warning: rules kept as data turn the read side's frames into warnings.

Pure pandas over frames handed in (no SQL, no Streamlit), so any past day can be
replayed by handing in that day's frames. What is in data, not code
(data/reference/, README "Peringatan dini"):
- `warning_rules.csv`: each rule's kind, detector, severity and escalation days;
- `warning_parameters.csv`: each rule's thresholds (changing one needs no code);
- `warning_routes.csv`: which unit acts on which kind of warning at each level
  (kab/kota → provinsi → pusat), with overrides per obstacle category;
- `units.csv`: the units that act; `document_stages.csv`: which stage needs which document.

`detect` gives one row per (region, rule, subject) that holds on the as-of date,
with a `key` stable across days, so a stateful layer can open, update, escalate
(`escalation_level`) and clear one record per key. `explain` renders a row as
one sentence in Bahasa Indonesia or English.

Input contract: see `AlertInputs` and `COLUMNS` (the columns each frame needs;
extra columns are ignored). Dates may be `date` objects or datetime64.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sipantau import i18n
from sipantau.config import REFERENCE_DIR

LEVELS = ("kabkota", "provinsi", "pusat")
# A warning starts at the level of the office it is about.
REGION_LEVEL = {"regency": "kabkota", "province": "provinsi", "nation": "pusat"}
OWNER_COLUMNS = [f"owner_{level}" for level in LEVELS]

# The columns `detect` reads from each input frame (one election, one as-of date).
COLUMNS: dict[str, list[str]] = {
    # Participating offices (Snapshot.regions); level: regency | province | nation.
    "regions": ["region_code", "level"],
    # The election's stages (Snapshot.stages).
    "stages": ["stage_id", "code", "start_date", "end_date"],
    # Every office × stage (Snapshot.grid): latest progress on or before as-of, expected, lag (NaN: no report).
    "grid": ["region_code", "stage_id", "progress", "expected", "lag", "situation_date"],
    # Per office (Snapshot.compliance): last report on or before as-of (NaT: never).
    "compliance": ["region_code", "last_report"],
    # Current (not corrected) stage reports with situation_date in the projection window
    # (as-of − window_days, as-of]; more rows are fine. Not in Snapshot yet.
    "reports": ["region_code", "stage_id", "situation_date", "progress"],
    # Obstacles found by as-of, as they stood that day (obstacles_as_of) plus last_action_date:
    # the latest follow-up action of any kind on or before as-of (NaT: none). obstacles_as_of
    # has only status_date (the latest status change), so the read side must add it.
    "obstacles": ["id", "region_code", "category_code", "severity_code", "severity_rank", "open", "found_date",
                  "due_date", "last_action_date"],
    # Current agreement per office × counterparty as of the date (nphd_by_region); signed_date NaT: not signed.
    "nphd": ["region_code", "counterparty_code", "signed_date", "agreed_value", "realised"],
    # One row per document an office holds on as-of (document_date ≤ as-of). Not in Snapshot yet
    # (documents_by_region only counts them).
    "documents": ["region_code", "requirement_code"],
    # Which stage needs which document, for this election (load_document_stages).
    "document_stages": ["requirement_code", "stage_code"],
}


def _empty(name: str) -> Callable[[], pd.DataFrame]:
    return lambda: pd.DataFrame(columns=COLUMNS[name])


@dataclass(frozen=True)
class AlertInputs:
    """Everything the detectors read for one election on one as-of date. A frame left
    out is empty, so its rules find nothing."""

    regions: pd.DataFrame = field(default_factory=_empty("regions"))
    stages: pd.DataFrame = field(default_factory=_empty("stages"))
    grid: pd.DataFrame = field(default_factory=_empty("grid"))
    compliance: pd.DataFrame = field(default_factory=_empty("compliance"))
    reports: pd.DataFrame = field(default_factory=_empty("reports"))
    obstacles: pd.DataFrame = field(default_factory=_empty("obstacles"))
    nphd: pd.DataFrame = field(default_factory=_empty("nphd"))
    documents: pd.DataFrame = field(default_factory=_empty("documents"))
    document_stages: pd.DataFrame = field(default_factory=_empty("document_stages"))
    # Counterparties every office signs an NPHD with (counterparties.csv codes); empty
    # when the election has no NPHD, which silences the NPHD rules.
    counterparties: tuple[str, ...] = ()
    # Frames for detectors registered later (e.g. logistics), by name.
    extra: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    def check(self) -> None:
        for name, cols in COLUMNS.items():
            missing = [c for c in cols if c not in getattr(self, name).columns]
            if missing:
                raise ValueError(f"AlertInputs.{name} lacks columns {missing}")


# A detector returns one row per hit, built with `hits`: region_code, subject (text, ""
# for none), since (the first day the condition held, as far as the inputs tell; else
# as-of), evidence (a JSON-able dict) and, to pick an obstacle category's route, category_code.
DetectorRun = Callable[[AlertInputs, Mapping[str, Any], pd.Timestamp], pd.DataFrame]


@dataclass(frozen=True)
class Detector:
    run: DetectorRun
    params: Mapping[str, type]  # parameter name → int | float | str


@dataclass(frozen=True)
class RuleBook:
    """`rules`: one row per rule (index: code) with `params` (dict, typed for known
    detectors); `routes`: owners per kind (and obstacle category) and level."""

    rules: pd.DataFrame
    routes: pd.DataFrame


# ---- helpers ----------------------------------------------------------------------

DAY = np.timedelta64(1, "D")
# Date columns, parsed once per `detect` so that every detector compares datetime64.
DATE_COLUMNS = {"stages": ("start_date", "end_date"), "grid": ("situation_date",), "compliance": ("last_report",),
                "reports": ("situation_date",), "obstacles": ("found_date", "due_date", "last_action_date"),
                "nphd": ("signed_date",)}


def _normalised(inputs: AlertInputs) -> AlertInputs:
    changes = {}
    for name, cols in DATE_COLUMNS.items():
        df = getattr(inputs, name)
        parsed = {c: pd.to_datetime(df[c]) for c in cols if df[c].dtype.kind != "M"}
        if parsed:
            changes[name] = df.assign(**parsed)
    return replace(inputs, **changes) if changes else inputs


def _days(later, earlier) -> np.ndarray:
    """Days from `earlier` to `later` (NaN where either is missing)."""
    return (np.asarray(later, dtype="datetime64[ns]") - np.asarray(earlier, dtype="datetime64[ns]")) / DAY


def _whole(values) -> np.ndarray:
    """Whole numbers (day counts, rupiah) as Python ints, None where missing."""
    return np.array([None if v != v else int(v) for v in np.asarray(values, dtype=float).tolist()], dtype=object)


def _plain(value: Any, n: int) -> list:
    """A column, or a scalar repeated, as JSON-able Python values: ISO dates, None for missing."""
    if value is None or value is pd.NaT:
        return [None] * n
    if isinstance(value, (pd.Timestamp, np.datetime64, date)):
        return [None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")] * n
    if np.ndim(value) == 0:
        return [value.item() if isinstance(value, np.generic) else value] * n
    arr = np.asarray(value)
    if arr.dtype.kind == "M":
        return [None if d == "NaT" else d for d in np.datetime_as_string(arr.astype("datetime64[D]")).tolist()]
    if arr.dtype.kind == "f":
        return [None if v != v else v for v in np.round(arr, 2).tolist()]
    if arr.dtype.kind == "O":
        return [None if v is None or v is pd.NA or v != v else v for v in arr.tolist()]
    return arr.tolist()


def _evidence(columns: Mapping[str, Any], n: int) -> list[dict]:
    keys = list(columns)
    values = [_plain(columns[k], n) for k in keys]
    return [dict(zip(keys, row)) for row in zip(*values)] if keys else [{} for _ in range(n)]


def hits(region_code, subject, since, evidence: Mapping[str, Any], category=None) -> pd.DataFrame:
    """A detector's result from arrays (or scalars, repeated): region_code, subject, since,
    category_code and evidence (a dict per row built from the `evidence` columns)."""
    region_code = np.asarray(region_code, dtype=object)
    n = len(region_code)

    def column(value, dtype):
        return np.asarray(value).astype(dtype) if np.ndim(value) else np.full(n, value, dtype=dtype)

    if isinstance(since, pd.Timestamp):
        since = since.to_datetime64()
    def text(value):
        # Object columns: `detect` concatenates them as they are, with no text conversion.
        return pd.Series(column(value, str), dtype=object)

    return pd.DataFrame({
        "region_code": pd.Series(region_code, dtype=object), "subject": text(subject),
        "since": column(since, "datetime64[ns]"), "category_code": text("" if category is None else category),
        "evidence": pd.Series(_evidence(evidence, n), dtype=object)})


def _no_hits() -> pd.DataFrame:
    return hits([], "", np.datetime64("NaT"), {})


def _positions(table_keys, keys) -> np.ndarray:
    """Row of each key in the table, −1 where absent. A dict beats pandas' indexes here:
    the tables are small and building a MultiIndex costs more than the lookup."""
    rows = {key: i for i, key in enumerate(table_keys)}
    return np.fromiter((rows.get(key, -1) for key in keys), dtype=np.int64)


def _take(values: np.ndarray, row: np.ndarray, missing) -> np.ndarray:
    """`values[row]`, with `missing` where `row` is −1 (also when `values` is empty)."""
    values = np.asarray(values)
    return np.concatenate([values, np.array([missing], dtype=values.dtype)])[row]


def _pairs(frame: pd.DataFrame, a: str, b: str):
    return zip(frame[a].tolist(), frame[b].tolist())


def _by_stage(stages: pd.DataFrame, column: str, stage_ids) -> np.ndarray:
    """`column` of each stage in `stage_ids` (missing for an id not in `stages`)."""
    return _take(stages[column].to_numpy(), _positions(stages["stage_id"].tolist(), np.asarray(stage_ids).tolist()),
                 None)


def _running(stages: pd.DataFrame, now: np.datetime64) -> np.ndarray:
    return ((stages["start_date"] <= now) & (stages["end_date"] >= now)).to_numpy()


# ---- detectors ----------------------------------------------------------------------


def silence(inputs: AlertInputs, p: Mapping[str, Any], as_of: pd.Timestamp) -> pd.DataFrame:
    """Offices without a report for more than `cadence_days` while a stage runs. Silence
    counts from the last report, or from the start of the earliest running stage when
    the office's last report is older (or it never reported): nothing was due before."""
    now = as_of.to_datetime64()
    running = _running(inputs.stages, now)
    if not running.any():
        return _no_hits()
    due_from = inputs.stages["start_date"].to_numpy()[running].min()
    codes = inputs.regions["region_code"].to_numpy()
    row = _positions(inputs.compliance["region_code"].tolist(), codes.tolist())
    last = _take(inputs.compliance["last_report"].to_numpy(), row, np.datetime64("NaT"))
    counted_from = np.where(last > due_from, last, due_from)
    days = _days(now, counted_from)
    hit = days > p["cadence_days"]
    return hits(codes[hit], "", counted_from[hit] + (p["cadence_days"] + 1) * DAY, {
        "days_silent": _whole(days[hit]), "cadence_days": p["cadence_days"], "last_report": last[hit]})


def stage_lag(inputs: AlertInputs, p: Mapping[str, Any], as_of: pd.Timestamp) -> pd.DataFrame:
    """Office × stage whose lag (expected − reported progress) is above `max_lag` points."""
    lag = pd.to_numeric(inputs.grid["lag"], errors="coerce").to_numpy(dtype=float)
    hit = lag > p["max_lag"]
    g = inputs.grid[hit]
    stage = _by_stage(inputs.stages, "code", g["stage_id"])
    return hits(g["region_code"], stage, as_of, {
        "stage": stage, "progress": g["progress"].to_numpy(float), "expected": g["expected"].to_numpy(float),
        "lag": lag[hit], "max_lag": p["max_lag"], "situation_date": g["situation_date"].to_numpy()})


TREND_COLUMNS = ["region_code", "stage_id", "reports", "span_days", "situation_date", "progress", "rate_per_day"]


def trend(reports: pd.DataFrame, as_of: date, window_days: int, min_reports: int, min_span_days: int,
          stage_ids=None) -> pd.DataFrame:
    """Rate of progress per office × stage from its own reports in the last `window_days`.

    Progress is cumulative, so a report below an earlier one (noise, a re-estimate) is
    read as the earlier level (running maximum) rather than as work undone; the rate is
    the least-squares slope over those levels, in points per day, never below 0. One
    level per report day (the day's last report). Cells with fewer than `min_reports`
    report days (at least 2) or whose first and last report are fewer than
    `min_span_days` apart are left out: not enough data. Only `stage_ids` when given.
    Returns TREND_COLUMNS, with `situation_date` and `progress` of the last report.
    """
    now = pd.Timestamp(as_of).to_datetime64()
    when = pd.to_datetime(reports["situation_date"]).to_numpy()
    keep = (when <= now) & (when > now - window_days * DAY)
    if stage_ids is not None:
        keep &= reports["stage_id"].isin(stage_ids).to_numpy()
    if not keep.any():
        return pd.DataFrame(columns=TREND_COLUMNS)
    # Factorise whole columns (cheap on Arrow strings), then keep the window's rows.
    region_index, regions = pd.factorize(reports["region_code"])
    stage_index, stages = pd.factorize(reports["stage_id"])
    region_index, stage_index = region_index[keep], stage_index[keep]
    day = _days(when[keep], now).astype(np.int64)  # −window_days < day ≤ 0
    # One integer per (cell, day, row): sorting it orders reports by cell, then date, then
    # input order, so the last report of a day is the last of its run. Unique keys let the
    # fast unstable sort give that order (a stable sort is 5× slower here); reports that
    # come in cell order (region, stage, date: the order of ix_stage_report_cell) need none.
    rows = len(day)
    cell = region_index.astype(np.int64) * len(stages) + stage_index
    key = (cell * (window_days + 1) + (day + window_days)) * rows + np.arange(rows)
    order = np.arange(rows) if (key[1:] > key[:-1]).all() else np.argsort(key)
    cell_day, cell, day = key[order] // rows, cell[order], day[order]
    last_of_day = np.r_[cell_day[1:] != cell_day[:-1], True]
    cell, day = cell[last_of_day], day[last_of_day].astype(float)
    progress = np.clip(pd.to_numeric(reports["progress"]).to_numpy(float)[keep][order][last_of_day], 0, 100)
    first = np.r_[True, cell[1:] != cell[:-1]]
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(group)] - 1
    # Running maximum per cell in one pass: lifting each cell 200 points above the
    # previous one keeps the maximum from leaking across cells (progress is 0–100).
    y = np.maximum.accumulate(progress + 200.0 * group) - 200.0 * group
    n = np.bincount(group).astype(float)
    st, sy = np.bincount(group, day), np.bincount(group, y)
    stt, sty = np.bincount(group, day * day), np.bincount(group, day * y)
    span = day[ends] - day[starts]
    ok = (n >= max(min_reports, 2)) & (span >= min_span_days)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (n * sty - st * sy) / (n * stt - st * st)
    last_cell = cell[ends][ok]
    return pd.DataFrame({
        "region_code": np.asarray(regions, dtype=object)[last_cell // len(stages)],
        "stage_id": np.asarray(stages)[last_cell % len(stages)], "reports": n[ok].astype(int),
        "span_days": span[ok].astype(int), "situation_date": now + day[ends][ok].astype(np.int64) * DAY,
        "progress": y[ends][ok], "rate_per_day": np.clip(slope[ok], 0, None)}, columns=TREND_COLUMNS)


def projected_finish(trends: pd.DataFrame) -> np.ndarray:
    """The day 100% is reached at the trend's rate, counted from the last report (NaT
    when progress does not rise); whole days, rounded up."""
    rate = trends["rate_per_day"].to_numpy(float)
    remaining = np.clip(100 - trends["progress"].to_numpy(float), 0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Round before ceil so that 60 / 2.0000000001 stays 30 days.
        days = np.ceil(np.round(remaining / np.where(rate > 0, rate, np.nan), 6))
    return (pd.to_datetime(trends["situation_date"]) + pd.to_timedelta(days, unit="D")).to_numpy()


def stage_projection(inputs: AlertInputs, p: Mapping[str, Any], as_of: pd.Timestamp) -> pd.DataFrame:
    """Running stages ending within `horizon_days` that the office's own trend finishes
    more than `grace_days` after the stage end, or never (no rise), whatever today's lag."""
    now = as_of.to_datetime64()
    st = inputs.stages
    live = _running(st, now) & (st["end_date"] <= now + p["horizon_days"] * DAY).to_numpy()
    if not live.any():
        return _no_hits()
    t = trend(inputs.reports, as_of, p["window_days"], p["min_reports"], p["min_span_days"],
              stage_ids=st["stage_id"][live])
    t = t[t["progress"] < 100]
    finish = projected_finish(t)
    end = _by_stage(st, "end_date", t["stage_id"])
    late = _days(finish, end)
    hit = np.isnan(late) | (late > p["grace_days"])
    t, finish, end, late = t[hit], finish[hit], end[hit], late[hit]
    stage = _by_stage(st, "code", t["stage_id"])
    g = inputs.grid[inputs.grid["stage_id"].isin(t["stage_id"].unique())]
    row = _positions(_pairs(g, "region_code", "stage_id"), _pairs(t, "region_code", "stage_id"))
    lag = _take(pd.to_numeric(g["lag"]).to_numpy(float), row, np.nan)
    return hits(t["region_code"], stage, as_of, {
        "stage": stage, "progress": t["progress"].to_numpy(float), "situation_date": t["situation_date"].to_numpy(),
        "rate_per_day": t["rate_per_day"].to_numpy(float), "reports": t["reports"].to_numpy(),
        "span_days": t["span_days"].to_numpy(), "projected_finish": finish, "end_date": end,
        "days_late": _whole(late), "grace_days": p["grace_days"], "lag": lag,
        "variant": np.where(np.isnan(late), "stalled", None)})


def _agreements(inputs: AlertInputs, now: np.datetime64) -> pd.DataFrame:
    """Every office × counterparty with its current agreement, if any, and whether signed by as-of."""
    regions = inputs.regions["region_code"].to_numpy()
    counterparties = np.asarray(inputs.counterparties, dtype=object)
    region, counterparty = np.repeat(regions, len(counterparties)), np.tile(counterparties, len(regions))
    nphd = inputs.nphd
    row = _positions(_pairs(nphd, "region_code", "counterparty_code"), zip(region.tolist(), counterparty.tolist()))
    signed = _take(nphd["signed_date"].to_numpy(), row, np.datetime64("NaT")) <= now
    agreed = _take(pd.to_numeric(nphd["agreed_value"]).to_numpy(float), row, np.nan)
    return pd.DataFrame({
        "region_code": region, "counterparty": counterparty, "signed": signed,
        "agreed_value": np.where(signed, agreed, np.nan),
        "realised": np.nan_to_num(_take(pd.to_numeric(nphd["realised"]).to_numpy(float), row, 0.0))})


def _deadline(inputs: AlertInputs, p: Mapping[str, Any], now: np.datetime64) -> np.datetime64 | None:
    """The deadline (end of `deadline_stage`) once as-of is `days_before` days from it, or past it."""
    codes = inputs.stages["code"].tolist()
    if not inputs.counterparties or p["deadline_stage"] not in codes:
        return None
    end = inputs.stages["end_date"].to_numpy()[codes.index(p["deadline_stage"])]
    return None if now < end - p["days_before"] * DAY else end


def nphd_unsigned(inputs: AlertInputs, p: Mapping[str, Any], as_of: pd.Timestamp) -> pd.DataFrame:
    """Office × counterparty without a signed NPHD from `days_before` days before the signing deadline."""
    now = as_of.to_datetime64()
    deadline = _deadline(inputs, p, now)
    if deadline is None:
        return _no_hits()
    n = _agreements(inputs, now)
    n = n[~n["signed"]]
    return hits(n["region_code"], n["counterparty"], deadline - p["days_before"] * DAY, {
        "counterparty": n["counterparty"].to_numpy(), "deadline": deadline,
        "days_left": int(_days(deadline, now))})


def nphd_undisbursed(inputs: AlertInputs, p: Mapping[str, Any], as_of: pd.Timestamp) -> pd.DataFrame:
    """Office × counterparty whose grant is not disbursed in full (or not even signed)
    from `days_before` days before the disbursement deadline."""
    now = as_of.to_datetime64()
    deadline = _deadline(inputs, p, now)
    if deadline is None:
        return _no_hits()
    n = _agreements(inputs, now)
    n = n[~n["signed"] | (n["realised"] < n["agreed_value"])]
    agreed, realised = n["agreed_value"].to_numpy(), n["realised"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(agreed > 0, 100 * realised / agreed, np.nan)
    return hits(n["region_code"], n["counterparty"], deadline - p["days_before"] * DAY, {
        "counterparty": n["counterparty"].to_numpy(), "signed": n["signed"].to_numpy(), "agreed_value": _whole(agreed),
        "realised": _whole(realised), "realised_pct": share, "deadline": deadline,
        "days_left": int(_days(deadline, now)), "variant": np.where(n["signed"], None, "unsigned")})


def _severe_open(inputs: AlertInputs, p: Mapping[str, Any]) -> pd.DataFrame:
    ob = inputs.obstacles
    rank = pd.to_numeric(ob["severity_rank"]).to_numpy(float)
    return ob[ob["open"].to_numpy(bool) & (rank >= p["min_severity_rank"])]


def _obstacle_hits(ob: pd.DataFrame, since, evidence: Mapping[str, Any]) -> pd.DataFrame:
    about = {"obstacle_id": ob["id"].to_numpy(), "category": ob["category_code"].to_numpy(),
             "severity": ob["severity_code"].to_numpy()}
    return hits(ob["region_code"], ob["id"], since, about | dict(evidence), category=ob["category_code"])


def obstacle_age(inputs: AlertInputs, p: Mapping[str, Any], as_of: pd.Timestamp) -> pd.DataFrame:
    """Open obstacles of at least `min_severity_rank` found more than `max_open_days` ago."""
    ob = _severe_open(inputs, p)
    found = ob["found_date"].to_numpy()
    age = _days(as_of.to_datetime64(), found)
    hit = age > p["max_open_days"]
    return _obstacle_hits(ob[hit], found[hit] + (p["max_open_days"] + 1) * DAY, {
        "found_date": found[hit], "age_days": _whole(age[hit]), "max_open_days": p["max_open_days"]})


def obstacle_overdue(inputs: AlertInputs, p: Mapping[str, Any], as_of: pd.Timestamp) -> pd.DataFrame:
    """Open obstacles of at least `min_severity_rank` more than `grace_days` past their due date."""
    ob = _severe_open(inputs, p)
    due = ob["due_date"].to_numpy()
    late = _days(as_of.to_datetime64(), due)
    hit = late > p["grace_days"]
    return _obstacle_hits(ob[hit], due[hit] + (p["grace_days"] + 1) * DAY, {
        "due_date": due[hit], "days_overdue": _whole(late[hit]), "grace_days": p["grace_days"]})


def obstacle_no_follow_up(inputs: AlertInputs, p: Mapping[str, Any], as_of: pd.Timestamp) -> pd.DataFrame:
    """Open obstacles of at least `min_severity_rank` with no follow-up for more than
    `max_days_without_action` days (counted from the last action, or from when found)."""
    ob = _severe_open(inputs, p)
    found, last = ob["found_date"].to_numpy(), ob["last_action_date"].to_numpy()
    counted_from = np.where(last > found, last, found)
    quiet = _days(as_of.to_datetime64(), counted_from)
    hit = quiet > p["max_days_without_action"]
    return _obstacle_hits(ob[hit], counted_from[hit] + (p["max_days_without_action"] + 1) * DAY, {
        "last_action_date": last[hit], "days_without_action": _whole(quiet[hit]),
        "max_days_without_action": p["max_days_without_action"]})


def document_missing(inputs: AlertInputs, p: Mapping[str, Any], as_of: pd.Timestamp) -> pd.DataFrame:
    """Office × required document not held from `days_before` days before the stage that needs it starts."""
    now = as_of.to_datetime64()
    need = inputs.document_stages
    stage_row = _positions(inputs.stages["code"].tolist(), need["stage_code"].tolist())
    start = _take(inputs.stages["start_date"].to_numpy(), stage_row, np.datetime64("NaT"))
    due = start - p["days_before"] * DAY <= now  # a stage this election lacks never comes due
    documents, stage, start = need["requirement_code"].to_numpy()[due], need["stage_code"].to_numpy()[due], start[due]
    regions = inputs.regions["region_code"].to_numpy()
    region, row = np.repeat(regions, len(documents)), np.tile(np.arange(len(documents)), len(regions))
    document = documents[row]
    missing = _positions(_pairs(inputs.documents, "region_code", "requirement_code"),
                         zip(region.tolist(), document.tolist())) < 0
    row = row[missing]
    return hits(region[missing], document[missing], start[row] - p["days_before"] * DAY, {
        "document": document[missing], "stage": stage[row], "stage_start": start[row],
        "days_left": _whole(_days(start[row], now))})


DETECTORS: dict[str, Detector] = {
    "silence": Detector(silence, {"cadence_days": int}),
    "stage_lag": Detector(stage_lag, {"max_lag": float}),
    "stage_projection": Detector(stage_projection, {"window_days": int, "min_reports": int, "min_span_days": int,
                                                    "grace_days": int, "horizon_days": int}),
    "nphd_unsigned": Detector(nphd_unsigned, {"deadline_stage": str, "days_before": int}),
    "nphd_undisbursed": Detector(nphd_undisbursed, {"deadline_stage": str, "days_before": int}),
    "obstacle_age": Detector(obstacle_age, {"min_severity_rank": int, "max_open_days": int}),
    "obstacle_overdue": Detector(obstacle_overdue, {"min_severity_rank": int, "grace_days": int}),
    "obstacle_no_follow_up": Detector(obstacle_no_follow_up, {"min_severity_rank": int,
                                                              "max_days_without_action": int}),
    "document_missing": Detector(document_missing, {"days_before": int}),
}

RESULT_COLUMNS = ["key", "rule_code", "region_code", "subject", "kind", "detector", "severity", "level",
                  "owner_unit", *OWNER_COLUMNS, "since", "evidence"]


# ---- detection ----------------------------------------------------------------------


def detect(inputs: AlertInputs, book: RuleBook, as_of: date,
           extra_detectors: Mapping[str, Detector] | None = None) -> pd.DataFrame:
    """Every warning that holds on `as_of`: one row per (rule, region, subject).

    `extra_detectors` registers detectors that later capabilities provide (a rule
    marked `provided_later` runs once its detector is given, and is skipped until then).
    `level` is where the warning starts (the office's own level), `owner_unit` the unit
    that acts there; `owner_<level>` name the unit at each level of the chain from there up.
    """
    inputs.check()
    inputs = _normalised(inputs)
    registry = DETECTORS | dict(extra_detectors or {})
    as_of_ts = pd.Timestamp(as_of).normalize()
    found, rules = [], []
    for code, rule in book.rules.sort_values("order").iterrows():
        detector = registry.get(rule["detector"])
        if detector is None:
            if rule["provided_later"]:
                continue
            raise ValueError(f"aturan {code}: detektor {rule['detector']!r} tidak dikenal")
        params = rule["params"] if rule["detector"] in DETECTORS else _typed_params(code, rule["params"], detector)
        rule_hits = detector.run(inputs, params, as_of_ts)
        if len(rule_hits):
            found.append(rule_hits)
            rules.append(rule)
    if not found:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return _assemble(found, pd.DataFrame(rules), inputs.regions, book.routes)


def _assemble(found: list[pd.DataFrame], rules: pd.DataFrame, regions: pd.DataFrame,
              routes: pd.DataFrame) -> pd.DataFrame:
    """One frame from every rule's hits, with level, owners and key; built from arrays
    in one go (pandas' per-column work on a few thousand rows costs more than the rules)."""
    col = {c: np.concatenate([h[c].to_numpy() for h in found]) for c in found[0].columns}
    counts = [len(h) for h in found]
    per_rule = {c: np.repeat(rules[c].to_numpy(), counts) for c in ("code", "kind", "detector", "severity", "order")}
    level_of = {code: REGION_LEVEL[level] for code, level in _pairs(regions, "region_code", "level")}
    level = np.array([level_of.get(code) or _level_of_code(code) for code in col["region_code"].tolist()],
                     dtype=object)
    start = np.array([LEVELS.index(lv) for lv in level.tolist()])
    owners = _owners(routes, per_rule["kind"], col["category_code"])
    # No kab/kota owner for a province office's warning: its chain starts at provinsi.
    owners = np.where(np.arange(len(LEVELS)) >= start[:, None], owners, None)
    key = np.array([f"{r}|{g}|{s}" for r, g, s in zip(per_rule["code"].tolist(), col["region_code"].tolist(),
                                                       col["subject"].tolist())], dtype=object)
    order = np.lexsort((col["subject"], col["region_code"], per_rule["order"].astype(int)))
    out = {"key": key, "rule_code": per_rule["code"], "region_code": col["region_code"], "subject": col["subject"],
           "kind": per_rule["kind"], "detector": per_rule["detector"], "severity": per_rule["severity"],
           "level": level, "owner_unit": owners[np.arange(len(start)), start],
           **{c: owners[:, i] for i, c in enumerate(OWNER_COLUMNS)}, "since": col["since"], "evidence": col["evidence"]}
    # Text stays in object columns: converting a few thousand rows to Arrow strings
    # would cost more than detecting them.
    return pd.DataFrame({c: pd.Series(out[c][order], dtype=None if c == "since" else object) for c in RESULT_COLUMNS})


def _level_of_code(code: str) -> str:
    """For an office missing from `regions`: Kemendagri codes tell ("73" province, "73.10" regency)."""
    return "pusat" if code == "ID" else "kabkota" if "." in code else "provinsi"


def _owners(routes: pd.DataFrame, kinds: np.ndarray, categories: np.ndarray) -> np.ndarray:
    """Owners per level: the route of the kind and category, else the kind's default."""
    kinds, categories = kinds.tolist(), categories.tolist()
    row = _positions(_pairs(routes, "kind", "category_code"), zip(kinds, categories))
    row = np.where(row >= 0, row, _positions(_pairs(routes, "kind", "category_code"), ((k, "") for k in kinds)))
    return routes[OWNER_COLUMNS].to_numpy(dtype=object)[row]


def escalation_level(level_at_open: str, days_without_follow_up: int, rule: Mapping[str, Any]) -> str:
    """The level a warning has reached: one level up for every full `escalate_days` days
    without follow-up (from opening or from the last follow-up), at most `pusat`. A rule
    without `escalate_days` never escalates."""
    step = rule["escalate_days"]
    start = LEVELS.index(level_at_open)
    if step is None or pd.isna(step) or days_without_follow_up <= 0:
        return level_at_open
    return LEVELS[min(start + int(days_without_follow_up) // int(step), len(LEVELS) - 1)]


def owner_at(warning: Mapping[str, Any], level: str) -> str:
    """The unit that must act on `warning` while it is at `level`."""
    return warning[f"owner_{level}"]


# ---- reference data -----------------------------------------------------------------


class RuleError(ValueError):
    """A reference row that cannot be used; the message names the file, row and column."""


def _read(ref_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(ref_dir / name, dtype=str, keep_default_na=False, encoding="utf-8")


def _fail(file: str, index: int, column: str, problem: str) -> RuleError:
    # Row numbers as an editor shows them: the header is row 1.
    return RuleError(f"{file} baris {index + 2}, kolom {column}: {problem}")


def load_units(ref_dir: Path = REFERENCE_DIR) -> pd.DataFrame:
    units = _read(ref_dir, "units.csv")
    for i, row in units.iterrows():
        levels = row["levels"].split(";")
        if not row["levels"] or not set(levels) <= set(LEVELS):
            raise _fail("units.csv", i, "levels", f"{row['levels']!r} harus berisi {', '.join(LEVELS)} (pisah ;)")
    if units["code"].duplicated().any():
        i = int(np.flatnonzero(units["code"].duplicated())[0])
        raise _fail("units.csv", i, "code", f"kode {units.at[i, 'code']!r} ganda")
    return units.set_index("code", drop=False)


def load_rules(ref_dir: Path = REFERENCE_DIR) -> RuleBook:
    """The rule book from warning_rules.csv, warning_parameters.csv and warning_routes.csv,
    checked against units.csv, severities.csv and obstacle_categories.csv."""
    rules = _read(ref_dir, "warning_rules.csv")
    severities = set(_read(ref_dir, "severities.csv")["code"])
    for i, row in rules.iterrows():
        if row["severity"] not in severities:
            raise _fail("warning_rules.csv", i, "severity", f"{row['severity']!r} tidak ada di severities.csv")
        if row["provided_later"] not in ("0", "1"):
            raise _fail("warning_rules.csv", i, "provided_later", "harus 0 atau 1")
        if row["provided_later"] == "0" and row["detector"] not in DETECTORS:
            raise _fail("warning_rules.csv", i, "detector", f"detektor {row['detector']!r} tidak dikenal")
        if row["escalate_days"] and not (row["escalate_days"].isdigit() and int(row["escalate_days"]) > 0):
            raise _fail("warning_rules.csv", i, "escalate_days", "harus bilangan bulat > 0 atau kosong")
    if rules["code"].duplicated().any():
        i = int(np.flatnonzero(rules["code"].duplicated())[0])
        raise _fail("warning_rules.csv", i, "code", f"kode {rules.at[i, 'code']!r} ganda")
    rules["order"] = rules["order"].astype(int)
    rules["provided_later"] = rules["provided_later"] == "1"
    rules["escalate_days"] = [int(v) if v else None for v in rules["escalate_days"]]
    rules = rules.set_index("code", drop=False)
    rules["params"] = _load_params(ref_dir, rules)
    return RuleBook(rules=rules, routes=_load_routes(ref_dir, rules))


def _load_params(ref_dir: Path, rules: pd.DataFrame) -> pd.Series:
    raw = _read(ref_dir, "warning_parameters.csv")
    params: dict[str, dict[str, Any]] = {code: {} for code in rules.index}
    for i, row in raw.iterrows():
        code, name = row["rule_code"], row["name"]
        if code not in params:
            raise _fail("warning_parameters.csv", i, "rule_code", f"aturan {code!r} tidak ada di warning_rules.csv")
        if name in params[code]:
            raise _fail("warning_parameters.csv", i, "name", f"parameter {name!r} ganda untuk {code}")
        detector = DETECTORS.get(rules.at[code, "detector"])
        if detector is None:  # provided later: typed when its detector is registered
            params[code][name] = row["value"]
            continue
        if name not in detector.params:
            raise _fail("warning_parameters.csv", i, "name", f"{code} tidak memakai parameter {name!r}")
        try:
            params[code][name] = _coerce(row["value"], detector.params[name])
        except ValueError as exc:
            raise _fail("warning_parameters.csv", i, "value", str(exc)) from None
    for i, (code, rule) in enumerate(rules.iterrows()):
        detector = DETECTORS.get(rule["detector"])
        missing = sorted(set(detector.params) - set(params[code])) if detector else []
        if missing:
            raise _fail("warning_rules.csv", i, "code", f"{code} belum punya parameter {', '.join(missing)} "
                                                          "di warning_parameters.csv")
    return pd.Series(params)


# Thresholds are days, points, reports or ranks: a bound keeps date arithmetic and the
# trend's sort keys far from overflowing, whatever is typed into the table.
MAX_PARAMETER = 10_000


def _coerce(value: Any, kind: type) -> Any:
    text = str(value).strip()
    if kind is int:
        if not re.fullmatch(r"\d{1,5}", text) or int(text) > MAX_PARAMETER:
            raise ValueError(f"{text!r} harus bilangan bulat 0–{MAX_PARAMETER}")
        return int(text)
    if kind is float:
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{text!r} harus angka (pakai titik desimal)") from None
        if not math.isfinite(number) or not 0 <= number <= MAX_PARAMETER:
            raise ValueError(f"{text!r} harus angka 0–{MAX_PARAMETER}")
        return number
    if not text:
        raise ValueError("tidak boleh kosong")
    return text


def _typed_params(code: str, raw: Mapping[str, Any], detector: Detector) -> dict[str, Any]:
    """Parameters of a rule whose detector was registered after loading."""
    missing = sorted(set(detector.params) - set(raw))
    if missing:
        raise RuleError(f"aturan {code}: parameter {', '.join(missing)} belum ada di warning_parameters.csv")
    out = {}
    for name, kind in detector.params.items():
        try:
            out[name] = _coerce(raw[name], kind)
        except ValueError as exc:
            raise RuleError(f"aturan {code}, parameter {name}: {exc}") from None
    return out


def _load_routes(ref_dir: Path, rules: pd.DataFrame) -> pd.DataFrame:
    routes = _read(ref_dir, "warning_routes.csv")
    units = load_units(ref_dir)
    categories = set(_read(ref_dir, "obstacle_categories.csv")["code"]) | {""}
    for i, row in routes.iterrows():
        if row["kind"] not in set(rules["kind"]):
            raise _fail("warning_routes.csv", i, "kind", f"jenis {row['kind']!r} tidak dipakai aturan mana pun")
        if row["category_code"] not in categories:
            raise _fail("warning_routes.csv", i, "category_code",
                        f"{row['category_code']!r} tidak ada di obstacle_categories.csv")
        for level in LEVELS:
            unit = row[f"owner_{level}"]
            if unit not in units.index:
                raise _fail("warning_routes.csv", i, f"owner_{level}", f"unit {unit!r} tidak ada di units.csv")
            if level not in units.at[unit, "levels"].split(";"):
                raise _fail("warning_routes.csv", i, f"owner_{level}", f"unit {unit!r} tidak ada di tingkat {level}")
    dup = routes.duplicated(["kind", "category_code"])
    if dup.any():
        raise _fail("warning_routes.csv", int(np.flatnonzero(dup)[0]), "category_code", "rute ganda")
    defaults = set(routes.loc[routes["category_code"] == "", "kind"])
    for i, (code, rule) in enumerate(rules.iterrows()):
        if rule["kind"] not in defaults:
            raise _fail("warning_rules.csv", i, "kind", f"jenis {rule['kind']!r} belum punya rute umum "
                                                          "(category_code kosong) di warning_routes.csv")
    return routes


def load_document_stages(election_code: str, ref_dir: Path = REFERENCE_DIR) -> pd.DataFrame:
    """Which stage of `election_code` needs which document (input for `document_missing`)."""
    table = _read(ref_dir, "document_stages.csv")
    return table.loc[table["election_code"] == election_code, ["requirement_code", "stage_code"]].reset_index(
        drop=True)


# ---- explanation --------------------------------------------------------------------

# Every word of a warning, keyed (Indonesian, English); details keyed by detector
# (and ".variant" where the evidence names one).
WORDS: dict[str, tuple[str, str]] = {
    "sentence": ("{region} — {rule}: {detail}; sejak {since}; ditangani {owner} (tingkat {level}).",
                 "{region} — {rule}: {detail}; since {since}; for {owner} to act on ({level} level)."),
    "level.kabkota": ("kabupaten/kota", "regency/city"),
    "level.provinsi": ("provinsi", "province"),
    "level.pusat": ("pusat", "national"),
    "none": ("belum ada", "none"),
    "deadline.before": ("{days} hari sebelum batas {date}", "{days} days before the {date} deadline"),
    "deadline.today": ("batasnya hari ini, {date}", "the deadline is today, {date}"),
    "deadline.after": ("batas {date} sudah lewat {days} hari", "{days} days past the {date} deadline"),
    "start.before": ("dimulai {date}, {days} hari lagi", "starting on {date}, in {days} days"),
    "start.today": ("dimulai hari ini, {date}", "starting today, {date}"),
    "start.after": ("sudah berjalan {days} hari sejak {date}", "running for {days} days since {date}"),
    "silence": ("tidak ada laporan selama {days_silent} hari, melebihi irama lapor {cadence_days} hari "
                "(laporan terakhir: {last_report})",
                "no report for {days_silent} days, beyond the {cadence_days}-day cadence (last report: {last_report})"),
    "stage_lag": ("tahapan {stage} tertinggal {lag} poin dari jadwal (progres {progress}%, seharusnya {expected}%; "
                  "batas {max_lag} poin)",
                  "stage {stage} is {lag} points behind schedule (progress {progress}%, expected {expected}%; "
                  "threshold {max_lag} points)"),
    "stage_projection": ("dengan laju {rate_per_day} poin/hari ({reports} laporan), tahapan {stage} diproyeksikan "
                         "selesai {projected_finish}, {days_late} hari setelah batas akhir {end_date} "
                         "(progres {progress}%, selisih jadwal hari ini {lag} poin)",
                         "at {rate_per_day} points/day ({reports} reports), stage {stage} is projected to finish on "
                         "{projected_finish}, {days_late} days after its {end_date} end "
                         "(progress {progress}%, today's lag {lag} points)"),
    "stage_projection.stalled": ("progres tahapan {stage} tidak naik dalam {span_days} hari ({reports} laporan, "
                                 "tetap {progress}%), sehingga tidak akan selesai sebelum batas akhir {end_date}",
                                 "progress of stage {stage} has not risen in {span_days} days ({reports} reports, "
                                 "still {progress}%), so it will not finish by its {end_date} end"),
    "nphd_unsigned": ("NPHD dengan {counterparty} belum ditandatangani, {deadline_phrase}",
                      "the NPHD with {counterparty} is not signed, {deadline_phrase}"),
    "nphd_undisbursed": ("hibah NPHD {counterparty} baru cair {realised} dari {agreed_value} ({realised_pct}%), "
                         "{deadline_phrase}",
                         "the NPHD grant to {counterparty} is disbursed {realised} of {agreed_value} "
                         "({realised_pct}%), {deadline_phrase}"),
    "nphd_undisbursed.unsigned": ("NPHD dengan {counterparty} belum ditandatangani sehingga hibah belum cair, "
                                  "{deadline_phrase}",
                                  "the NPHD with {counterparty} is not signed, so nothing is disbursed, "
                                  "{deadline_phrase}"),
    "obstacle_age": ("hambatan #{obstacle_id} ({category}, tingkat {severity}) terbuka {age_days} hari sejak "
                     "{found_date}, melebihi {max_open_days} hari",
                     "obstacle #{obstacle_id} ({category}, {severity}) open for {age_days} days since {found_date}, "
                     "beyond {max_open_days} days"),
    "obstacle_overdue": ("hambatan #{obstacle_id} ({category}, tingkat {severity}) melewati tenggat {due_date} "
                         "selama {days_overdue} hari",
                         "obstacle #{obstacle_id} ({category}, {severity}) is {days_overdue} days past its "
                         "{due_date} due date"),
    "obstacle_no_follow_up": ("hambatan #{obstacle_id} ({category}, tingkat {severity}) tanpa tindak lanjut selama "
                              "{days_without_action} hari (batas {max_days_without_action} hari; tindak lanjut "
                              "terakhir: {last_action_date})",
                              "obstacle #{obstacle_id} ({category}, {severity}) without follow-up for "
                              "{days_without_action} days (threshold {max_days_without_action} days; last follow-up: "
                              "{last_action_date})"),
    "document_missing": ("dokumen {document} belum ada, padahal tahapan {stage} yang memerlukannya {start_phrase}",
                         "document {document} is missing while stage {stage}, which needs it, is {start_phrase}"),
}

# Evidence keys that are dates, rupiah amounts, identifiers or codes to be named.
DATE_KEYS = {"last_report", "situation_date", "projected_finish", "end_date", "deadline", "found_date", "due_date",
             "last_action_date", "stage_start"}
RUPIAH_KEYS = {"agreed_value", "realised"}
RAW_KEYS = {"obstacle_id"}
NAMED_KEYS = {"stage", "counterparty", "document", "category", "severity"}


def word(key: str, lang: str) -> str:
    ind, eng = WORDS[key]
    return eng if lang == "en" else ind


@lru_cache(maxsize=1)
def _reference_names() -> dict[str, tuple[str, str]]:
    """Unit and rule names from the reference tables (code → (Indonesian, English))."""
    units = _read(REFERENCE_DIR, "units.csv")
    rules = _read(REFERENCE_DIR, "warning_rules.csv")
    return {r.code: (r.name_id, r.name_en) for t in (units, rules) for r in t.itertuples()}


def _name(code: Any, lang: str, names: Mapping[str, str]) -> str:
    code = str(code)
    if code in names:
        return names[code]
    pair = _reference_names().get(code)
    return (pair[1] if lang == "en" else pair[0]) if pair else code


def _day(value: Any, lang: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return word("none", lang)
    return i18n.day(pd.Timestamp(value).date(), lang)


def _value(key: str, value: Any, lang: str, names: Mapping[str, str]) -> str:
    if key in DATE_KEYS:
        return _day(value, lang)
    if value is None:
        return word("none", lang)
    if key in RAW_KEYS:
        return str(value)
    if key in RUPIAH_KEYS:
        return i18n.rupiah_short(value, lang)
    if key in NAMED_KEYS:
        return _name(value, lang, names)
    if isinstance(value, float):
        return i18n.number(value, lang, 0 if value.is_integer() else 1)
    if isinstance(value, int) and not isinstance(value, bool):
        return i18n.number(value, lang)
    return str(value)


def _phrase(kind: str, days_left: int, when: Any, lang: str) -> str:
    tense = "before" if days_left > 0 else "today" if days_left == 0 else "after"
    return word(f"{kind}.{tense}", lang).format(days=i18n.number(abs(days_left), lang), date=_day(when, lang))


def explain(warning: Mapping[str, Any], lang: str = "id", names: Mapping[str, str] | None = None) -> str:
    """One sentence: which rule, which numbers, since when, who must act (at the row's level).

    `names` maps codes (region, stage, counterparty, document, category) to display
    names; unit and rule names come from the reference tables; anything else shows its code."""
    names = names or {}
    ev = dict(warning["evidence"])
    values = {key: _value(key, value, lang, names) for key, value in ev.items()}
    if "days_left" in ev and "deadline" in ev:
        values["deadline_phrase"] = _phrase("deadline", ev["days_left"], ev["deadline"], lang)
    if "days_left" in ev and "stage_start" in ev:
        values["start_phrase"] = _phrase("start", ev["days_left"], ev["stage_start"], lang)
    key = warning["detector"]
    if ev.get("variant") and f"{key}.{ev['variant']}" in WORDS:
        key = f"{key}.{ev['variant']}"
    if key in WORDS:
        detail = word(key, lang).format(**values)
    else:  # a detector without wording yet: its numbers as they are
        detail = ", ".join(f"{k} {v}" for k, v in values.items() if k != "variant")
    level = warning["level"]
    return word("sentence", lang).format(
        region=_name(warning["region_code"], lang, names), rule=_name(warning["rule_code"], lang, names),
        detail=detail, since=_day(warning["since"], lang), owner=_name(owner_at(warning, level), lang, names),
        level=word(f"level.{level}", lang))
