"""The lists people work from: regions by a metric, obstacles, offices that have not reported, rankings.

Pure pandas over a `readiness.Snapshot` and its frames: pages choose filters and lay the rows
out; exports (sipantau.export) write exactly these rows. Numbers that a table must sort stay
numeric and are rounded to whole points (no decimal separator to localise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from sipantau import codes, i18n
from sipantau.readiness import AGE_BUCKETS, METRICS, Snapshot
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
        keep &= codes.provinces_of(o["region_code"]) == f.province_code
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
        "province": codes.provinces_of(rows["region_code"]).map(snap.names),
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


def action_line(action, lang: str = "id") -> str:
    """One follow-up step as a line of text: date · who → new status: what (evidence)."""
    status = f" → {OBSTACLE_STATUSES.get(action.new_status, action.new_status)}" if isinstance(
        action.new_status, str) else ""
    evidence = f" ({action.evidence})" if isinstance(action.evidence, str) else ""
    return f"{i18n.day(action.action_date.date(), lang)} · {action.actor}{status}: {action.description}{evidence}"


def actions_until(actions: pd.DataFrame, as_of: date, obstacle_id: int | None = None) -> pd.DataFrame:
    """Follow-up steps taken up to the as-of date (of one obstacle when given): a past day
    shows what was known then, not what came later."""
    keep = actions["action_date"] <= pd.Timestamp(as_of)
    if obstacle_id is not None:
        keep &= actions["obstacle_id"] == obstacle_id
    return actions[keep]


# ---- regions by a metric ---------------------------------------------------------------------


def metric_table(frame: pd.DataFrame, metric: str, lang: str) -> pd.DataFrame:
    """Regions sorted by a metric (best first), with rank, class and open obstacles."""
    better_high = METRICS[metric][2]
    rows = frame.sort_values([metric, "region_code"], ascending=[not better_high, True], na_position="last")
    return pd.DataFrame({
        "region_code": rows["region_code"],
        "name": rows["name"],
        "value": rows[metric].astype(float).round(1),
        "class": rows["class"].map(lambda c: i18n.t(c, lang) if isinstance(c, str) else "–"),
        "rank": rows["rank"],
        "obstacles": rows["obstacles"],
    }).reset_index(drop=True)


def most_critical(offices: pd.DataFrame, lang: str, n: int = 12) -> pd.DataFrame:
    """The `n` critical offices furthest behind schedule (largest lag first)."""
    critical = metric_table(offices[offices["class"] == "critical"], "lag", lang)
    return critical.sort_values("value", ascending=False).head(n)


def names_by_code(frame: pd.DataFrame) -> dict[str, str]:
    """code → name of the regions in a frame, in code order (what a region picker offers)."""
    rows = frame.sort_values("region_code")
    return dict(zip(rows["region_code"], rows["name"], strict=True))


def province_choices(names: pd.Series) -> dict[str, str]:
    """code → name of every province (the nation and regencies left out), in code order."""
    return codes.province_names(names).to_dict()


# ---- the obstacle list -----------------------------------------------------------------------


def code_choices(table: pd.DataFrame, lang: str, by: str, descending: bool = False) -> dict[str, str]:
    """code → name of a code table (categories by `order`, severities by `rank`) in `lang`."""
    rows = table.sort_values(by, ascending=not descending)
    return dict(zip(rows["code"], rows["name_en" if lang == "en" else "name_id"], strict=True))


def obstacle_table(rows: pd.DataFrame) -> pd.DataFrame:
    """What the obstacle list shows and exports (`obstacle_rows` without its sorting keys)."""
    return rows.drop(columns=["severity_rank", "region_code", "open"])


def obstacle(rows: pd.DataFrame, obstacle_id: int) -> pd.Series:
    return rows[rows["id"] == obstacle_id].iloc[0]


def severe_open(snap: Snapshot, categories: pd.DataFrame, severities: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Open obstacles of a severe severity (`codes.SEVERE`), most severe and oldest first."""
    return obstacle_rows(snap, categories, severities, ObstacleFilter(severities=codes.SEVERE, open_only=True), lang)


def severe_table(rows: pd.DataFrame, n: int = 8) -> pd.DataFrame:
    """The briefing's short list: where, what, how bad, how old."""
    return rows[["region", "category", "severity", "age_days"]].head(n)


# ---- offices that have not reported ----------------------------------------------------------


def silent_table(rows: pd.DataFrame) -> pd.DataFrame:
    """What the list of silent offices shows and exports (`silent_offices` rows)."""
    return pd.DataFrame({
        "region_code": rows["region_code"], "name": rows["name"], "province": rows["province"],
        "last_report": rows["last_report"], "days_silent": rows["days_silent"], "on_time_rate": rows["on_time_rate"]})


# ---- rankings --------------------------------------------------------------------------------


def ranked_regencies(ranks: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """`readiness.rankings` regencies with their province's name."""
    province = ranks["provinces"].set_index("region_code")["name"]
    return ranks["regencies"].assign(province=lambda d: d["province_code"].map(province))
