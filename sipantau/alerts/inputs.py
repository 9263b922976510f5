"""What the detectors read: the input frames of one election on one as-of date.

`COLUMNS` is the contract (the columns each frame needs; extra columns are ignored) and
`AlertInputs` carries the frames; `_normalised` parses their date columns once per `detect`.
Imports pandas only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

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
