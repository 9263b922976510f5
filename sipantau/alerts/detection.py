"""Detection: every rule of the book run over one day's inputs, assembled into warnings with
a stable key, the level they start at, the owner unit along the chain, and escalation.

Imports numpy, pandas and the package's inputs, arrays, detectors and rule book.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from sipantau.alerts.arrays import _pairs, _positions
from sipantau.alerts.detectors import DETECTORS, Detector
from sipantau.alerts.inputs import AlertInputs, _normalised
from sipantau.alerts.rulebook import LEVELS, OWNER_COLUMNS, RuleBook, _typed_params

# A warning starts at the level of the office it is about.
REGION_LEVEL = {"regency": "kabkota", "province": "provinsi", "nation": "pusat"}
RESULT_COLUMNS = ["key", "rule_code", "region_code", "subject", "kind", "detector", "severity", "level",
                  "owner_unit", *OWNER_COLUMNS, "since", "evidence"]


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
