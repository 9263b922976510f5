"""The lists people work from: obstacles, offices that have not reported, rankings.

Pure pandas over a `readiness.Snapshot`: pages choose filters and lay the rows
out; exports (sipantau.export) write exactly these rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sipantau import i18n
from sipantau.readiness import AGE_BUCKETS, Snapshot
from sipantau.reports import OBSTACLE_STATUSES

PEER_GROUPS = {"semua": ("Semua", "All"), "kabupaten": ("Kabupaten", "Regencies"), "kota": ("Kota", "Cities")}


@dataclass(frozen=True)
class ObstacleFilter:
    categories: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    province_code: str | None = None
    region_code: str | None = None
    age_buckets: tuple[str, ...] = ()
    stage_id: int | None = None
    open_only: bool = False
    extra: dict = field(default_factory=dict)


def obstacle_rows(snap: Snapshot, categories: pd.DataFrame, severities: pd.DataFrame, f: ObstacleFilter,
                  lang: str = "id") -> pd.DataFrame:
    """Obstacles as they stood on the snapshot's day, filtered, most severe and oldest first."""
    o = snap.obstacles
    keep = pd.Series(True, index=o.index)
    for col, chosen in (("category_code", f.categories), ("severity_code", f.severities), ("status", f.statuses),
                        ("age_bucket", f.age_buckets)):
        if chosen:
            keep &= o[col].isin(chosen)
    if f.province_code:
        keep &= o["region_code"].str[:2] == f.province_code
    if f.region_code:
        keep &= o["region_code"] == f.region_code
    if f.stage_id:
        keep &= o["stage_id"] == f.stage_id
    if f.open_only:
        keep &= o["open"]
    rows = o[keep].sort_values(["open", "severity_rank", "age_days"], ascending=[False, False, False])
    name = "name_en" if lang == "en" else "name_id"
    stage_names = snap.stages.set_index("stage_id")[name]
    return pd.DataFrame({
        "id": rows["id"],
        "region_code": rows["region_code"],
        "region": rows["region_code"].map(snap.names),
        "province": rows["region_code"].str[:2].map(snap.names),
        "stage": rows["stage_id"].map(stage_names),
        "category": rows["category_code"].map(categories.set_index("code")[name]),
        "severity": rows["severity_code"].map(severities.set_index("code")[name]),
        "severity_rank": rows["severity_rank"],
        "status": rows["status"].map(OBSTACLE_STATUSES),
        "open": rows["open"],
        "found_date": rows["found_date"],
        "age_days": rows["age_days"],
        "age_bucket": rows["age_bucket"],
        "due_date": rows["due_date"],
        "owner": rows["owner"],
        "description": rows["description"],
    }).reset_index(drop=True)


def aging(rows: pd.DataFrame) -> pd.DataFrame:
    """Open obstacles per age bucket, in bucket order (empty buckets shown)."""
    open_rows = rows[rows["open"]]
    labels = [b[2] for b in AGE_BUCKETS]
    counts = open_rows["age_bucket"].value_counts().reindex(labels, fill_value=0)
    return counts.rename_axis("age_bucket").reset_index(name="open")


def by_category(rows: pd.DataFrame) -> pd.DataFrame:
    return (rows.groupby("category").agg(open=("open", "sum"), all=("id", "count"))
            .sort_values(["open", "all"], ascending=False).reset_index())


def silent_offices(snap: Snapshot, min_days: int = 7, province_code: str | None = None) -> pd.DataFrame:
    """Offices that have not reported for at least `min_days` (or never), longest silence first."""
    c = snap.compliance.copy()
    c["name"] = c["region_code"].map(snap.names)
    c["province"] = c["province_code"].map(snap.names)
    never = c["last_report"].isna()
    c = c[never | (c["days_silent"] >= min_days)]
    if province_code:
        c = c[c["province_code"] == province_code]
    c = c.assign(never=c["last_report"].isna())
    return c.sort_values(["never", "days_silent", "region_code"], ascending=[False, False, True]).reset_index(drop=True)


def peer_filter(frame: pd.DataFrame, peer: str = "semua", pilkada: bool | None = None,
                pilkada_codes: set[str] | None = None, province_code: str | None = None) -> pd.DataFrame:
    """Regencies by peer group (kabupaten / kota), Pilkada participation and province."""
    out = frame
    if peer in ("kabupaten", "kota"):
        out = out[out["kind"] == peer]
    if pilkada is not None and pilkada_codes is not None:
        out = out[out["region_code"].isin(pilkada_codes) == pilkada]
    if province_code:
        out = out[out["province_code"] == province_code]
    return out


def rank_change_text(change, lang: str = "id") -> str:
    """▲ 3 / ▼ 2 / = for a rank change (positive = moved up); – when not ranked before."""
    if change is None or pd.isna(change):
        return "–"
    change = int(change)
    if change == 0:
        return "="
    return f"{'▲' if change > 0 else '▼'} {i18n.number(abs(change), lang)}"


def action_line(action, lang: str = "id") -> str:
    """One follow-up step as a line of text: date · who → new status: what (evidence)."""
    status = f" → {OBSTACLE_STATUSES.get(action.new_status, action.new_status)}" if isinstance(
        action.new_status, str) else ""
    evidence = f" ({action.evidence})" if isinstance(action.evidence, str) else ""
    return f"{i18n.day(action.action_date.date(), lang)} · {action.actor}{status}: {action.description}{evidence}"
