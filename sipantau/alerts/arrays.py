"""Array helpers the detectors and the assembly share: day counts, lookups by key, and the
`hits` frame a detector returns (with its evidence as JSON-able dicts).

Detectors work on numpy arrays rather than per-row pandas: a whole election is a few
thousand offices × stages, and the lookups here cost less than building indexes.
Imports numpy and pandas only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")


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
