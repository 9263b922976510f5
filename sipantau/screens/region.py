"""One region as people read it: a province's offices, an office's scorecard and the history behind it.

Pure pandas over a `readiness.Snapshot` and the frames the ui caches hand over (offices with their
metrics, an office's reports and reporting days); pages lay these out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from sipantau import codes, i18n
from sipantau.readiness import Snapshot, index_breakdown

# How much reporting history the scorecard charts (weeks).
REPORTING_WEEKS = 26


def row(frame: pd.DataFrame, code: str) -> pd.Series:
    """A region's row of a metrics frame (offices or provinces)."""
    return frame.set_index("region_code").loc[code]


# ---- a province --------------------------------------------------------------------------------


def province_offices(offices: pd.DataFrame, province_code: str) -> pd.DataFrame:
    """The province's own offices: its provincial office and its regencies and cities."""
    return offices[offices["province_code"] == province_code]


def without_boundary(offices: pd.DataFrame, province_code: str, drawn: frozenset[str]) -> list[str]:
    """Names of the province's regencies that have no polygon on the map (listed under it instead)."""
    own = province_offices(offices, province_code)
    regencies = own[own["level"] == "regency"]
    return regencies.loc[~regencies["region_code"].isin(drawn), "name"].tolist()


# ---- an office ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scorecard:
    row: pd.Series  # the office's metrics (readiness.region_metrics)
    province: str  # its province's name
    regencies: int  # regencies ranked nationally: the national rank's denominator
    regencies_in_province: int  # the rank in province's denominator
    breakdown: pd.DataFrame  # why the index is what it is (readiness.index_breakdown)

    @property
    def is_regency(self) -> bool:
        return self.row["level"] == "regency"


def scorecard(offices: pd.DataFrame, names: pd.Series, code: str, lang: str) -> Scorecard:
    office = row(offices, code)
    province = codes.province_of(code)
    regencies = offices["level"] == "regency"
    return Scorecard(office, str(names.get(province, "")), int(regencies.sum()),
                     int((regencies & (offices["province_code"] == province)).sum()), index_breakdown(office, lang))


def charted_stages(snap: Snapshot, stage_id: int | None, as_of: date) -> pd.DataFrame:
    """The stages a scorecard charts: the chosen one, else those running on the as-of date, else
    the last two that had started (between stages nothing runs, and the last ones explain the state)."""
    if stage_id:
        ids = [stage_id]
    else:
        ids = snap.active_stage_ids or snap.stages.loc[snap.stages["start_date"] <= as_of, "stage_id"].tail(2).tolist()
    return snap.stages[snap.stages["stage_id"].isin(ids)]


@dataclass(frozen=True)
class StageChart:
    stage_id: int
    title: str
    start_date: date
    end_date: date
    history: pd.DataFrame  # the office's reports in this stage (situation_date, progress, …)


def stage_charts(snap: Snapshot, history: pd.DataFrame, stage_id: int | None, as_of: date,
                 lang: str) -> list[StageChart]:
    """One progress-over-time chart per charted stage, with the office's reports in it."""
    title = "name_en" if lang == "en" else "name_id"
    return [StageChart(int(s.stage_id), getattr(s, title), s.start_date, s.end_date,
                       history[history["stage_id"] == s.stage_id])
            for s in charted_stages(snap, stage_id, as_of).itertuples()]


def nphd_table(snap: Snapshot, code: str, lang: str) -> pd.DataFrame:
    """The office's NPHD per counterparty: signed when, agreed, disbursed (empty without NPHD)."""
    nphd = snap.nphd[snap.nphd["region_code"] == code] if snap.has_nphd else snap.nphd
    if nphd.empty:
        return pd.DataFrame()
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        t("counterparty"): nphd["counterparty_code"],
        t("signed"): [i18n.day(pd.Timestamp(d).date(), lang, "d MMM y") if d == d else "–"
                      for d in nphd["signed_date"]],
        t("agreed_value"): [i18n.rupiah(v, lang) for v in nphd["agreed_value"]],
        t("realised_value"): [i18n.rupiah(v, lang) for v in nphd["realised"]],
    })


@dataclass(frozen=True)
class Documents:
    held: int
    required: int

    @property
    def share(self) -> float:
        return self.held / self.required if self.required else 0.0


def documents(snap: Snapshot, code: str) -> Documents:
    """Required documents the office holds, out of those the election requires."""
    docs = snap.documents
    if not len(docs):
        return Documents(0, 0)
    return Documents(int(docs["documents_held"].get(code, 0)), int(docs["documents_required"].iloc[0]))


def weekly_reports(days: pd.Series, weeks: int = REPORTING_WEEKS) -> pd.Series:
    """Days with a report per week (indexed by the week's first day), the last `weeks` weeks that had one."""
    weekly = days.dt.to_period("W").value_counts().sort_index().tail(weeks)
    return weekly.rename(index=lambda p: p.start_time)
