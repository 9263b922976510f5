"""The rule book: the reference tables that say which rules run, with which thresholds, and
who acts on them, read and checked before any detector runs.

warning_rules.csv (kind, detector, severity, escalation days), warning_parameters.csv (each
rule's thresholds, typed by its detector), warning_routes.csv (owner unit per kind, obstacle
category and level), checked against units.csv, severities.csv and obstacle_categories.csv;
document_stages.csv for the document rule. A row that cannot be used raises `RuleError`
naming the file, row and column. Imports numpy, pandas, the settings' reference directory and
the detector registry (to check detector names and parameter types).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sipantau.alerts.detectors import DETECTORS, Detector
from sipantau.config import REFERENCE_DIR

# The escalation chain, from the office's own level up.
LEVELS = ("kabkota", "provinsi", "pusat")
# warning_routes.csv names the unit that acts at each level in these columns.
OWNER_COLUMNS = [f"owner_{level}" for level in LEVELS]


@dataclass(frozen=True)
class RuleBook:
    """`rules`: one row per rule (index: code) with `params` (dict, typed for known
    detectors); `routes`: owners per kind (and obstacle category) and level."""

    rules: pd.DataFrame
    routes: pd.DataFrame


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
