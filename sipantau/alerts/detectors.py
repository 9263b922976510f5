"""The detectors: one function per early-warning condition, and `DETECTORS`, their registry.

A detector takes the inputs, its rule's parameters (typed as `Detector.params` declares) and
the as-of day, and returns `hits`: one row per office (and subject) where the condition
holds. Thresholds are never written here; they come from warning_parameters.csv.
Imports numpy, pandas and the package's inputs and arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from sipantau.alerts.arrays import (
    DAY,
    _by_stage,
    _days,
    _no_hits,
    _pairs,
    _positions,
    _running,
    _take,
    _whole,
    hits,
)
from sipantau.alerts.inputs import AlertInputs

# A detector returns one row per hit, built with `hits`: region_code, subject (text, ""
# for none), since (the first day the condition held, as far as the inputs tell; else
# as-of), evidence (a JSON-able dict) and, to pick an obstacle category's route, category_code.
DetectorRun = Callable[[AlertInputs, Mapping[str, Any], pd.Timestamp], pd.DataFrame]


@dataclass(frozen=True)
class Detector:
    run: DetectorRun
    params: Mapping[str, type]  # parameter name → int | float | str


def _past(counted_from: np.ndarray, as_of: pd.Timestamp, limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where more than `limit` days have passed since `counted_from`: the mask, the whole days
    passed there, and since when the warning holds (the first day past the limit)."""
    days = _days(as_of.to_datetime64(), counted_from)
    hit = days > limit
    return hit, _whole(days[hit]), counted_from[hit] + (limit + 1) * DAY


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
    hit, days, since = _past(np.where(last > due_from, last, due_from), as_of, p["cadence_days"])
    return hits(codes[hit], "", since, {"days_silent": days, "cadence_days": p["cadence_days"],
                                        "last_report": last[hit]})


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
    hit, age, since = _past(found, as_of, p["max_open_days"])
    return _obstacle_hits(ob[hit], since, {
        "found_date": found[hit], "age_days": age, "max_open_days": p["max_open_days"]})


def obstacle_overdue(inputs: AlertInputs, p: Mapping[str, Any], as_of: pd.Timestamp) -> pd.DataFrame:
    """Open obstacles of at least `min_severity_rank` more than `grace_days` past their due date."""
    ob = _severe_open(inputs, p)
    due = ob["due_date"].to_numpy()
    hit, late, since = _past(due, as_of, p["grace_days"])
    return _obstacle_hits(ob[hit], since, {"due_date": due[hit], "days_overdue": late, "grace_days": p["grace_days"]})


def obstacle_no_follow_up(inputs: AlertInputs, p: Mapping[str, Any], as_of: pd.Timestamp) -> pd.DataFrame:
    """Open obstacles of at least `min_severity_rank` with no follow-up for more than
    `max_days_without_action` days (counted from the last action, or from when found)."""
    ob = _severe_open(inputs, p)
    found, last = ob["found_date"].to_numpy(), ob["last_action_date"].to_numpy()
    hit, quiet, since = _past(np.where(last > found, last, found), as_of, p["max_days_without_action"])
    return _obstacle_hits(ob[hit], since, {
        "last_action_date": last[hit], "days_without_action": quiet,
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
