"""Load data/reference/*.csv (regions, elections, stages, code lists) into the database.

Loading is an upsert by natural key, so editing a CSV and running
`python -m sipantau init` again updates names, dates and weights in place while
stage ids (which reports point at) stay the same. Rows deleted from a CSV are
kept in the database: reports may still refer to them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Table, select

from sipantau import models as m
from sipantau.config import REFERENCE_DIR


def read_csv(name: str, directory: Path = REFERENCE_DIR) -> pd.DataFrame:
    return pd.read_csv(directory / name, dtype=str, keep_default_na=False)


def _dates(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for col in cols:
        df[col] = pd.to_datetime(df[col]).dt.date
    return df


def _nullable(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for col in cols:
        df[col] = df[col].astype(object).where(df[col] != "", None)
    return df


def _upsert(conn: Connection, table: Table, rows: list[dict], key: tuple[str, ...]) -> int:
    """Insert new rows and update changed ones; returns how many rows changed."""
    existing = {tuple(r[k] for k in key): dict(r) for r in conn.execute(select(table)).mappings()}
    changed = 0
    for row in rows:
        old = existing.get(tuple(row[k] for k in key))
        if old is None:
            conn.execute(table.insert().values(**row))
            changed += 1
        elif any(old[c] != v for c, v in row.items()):
            cond = [table.c[k] == row[k] for k in key]
            conn.execute(table.update().where(*cond).values(**row))
            changed += 1
    return changed


def load_reference(conn: Connection, directory: Path = REFERENCE_DIR) -> dict[str, int]:
    """Load every reference table; returns the number of changed rows per table."""
    regions = _nullable(read_csv("regions.csv", directory), "parent_code")
    regions["pilkada_2024"] = regions["pilkada_2024"] == "1"
    elections = _dates(read_csv("elections.csv", directory), "voting_date")
    elections["order"] = elections["order"].astype(int)
    elections["has_nphd"] = elections["has_nphd"] == "1"
    stages = _dates(read_csv("stages.csv", directory), "start_date", "end_date")
    stages["order"] = stages["order"].astype(int)
    stages["weight"] = stages["weight"].astype(float)
    categories = read_csv("obstacle_categories.csv", directory)
    categories["order"] = categories["order"].astype(int)
    severities = read_csv("severities.csv", directory)
    severities["rank"] = severities["rank"].astype(int)
    severities["weight"] = severities["weight"].astype(float)
    counterparties = read_csv("counterparties.csv", directory)
    counterparties["order"] = counterparties["order"].astype(int)
    documents = _nullable(read_csv("document_requirements.csv", directory), "election_code", "counterparty_code")
    documents["order"] = documents["order"].astype(int)

    # Parents before children, so the region foreign key holds row by row.
    level_order = {"nation": 0, "province": 1, "regency": 2}
    regions = regions.sort_values("level", key=lambda s: s.map(level_order), kind="stable")
    changed = {
        "region": _upsert(conn, m.Region.__table__, regions.to_dict("records"), ("code",)),
        "election": _upsert(
            conn, m.Election.__table__, elections.drop(columns="participants").to_dict("records"), ("code",)
        ),
        "stage": _upsert(conn, m.Stage.__table__, stages.to_dict("records"), ("election_code", "code")),
        "obstacle_category": _upsert(conn, m.ObstacleCategory.__table__, categories.to_dict("records"), ("code",)),
        "severity": _upsert(conn, m.Severity.__table__, severities.to_dict("records"), ("code",)),
        "counterparty": _upsert(conn, m.Counterparty.__table__, counterparties.to_dict("records"), ("code",)),
        "document_requirement": _upsert(
            conn, m.DocumentRequirement.__table__, documents.to_dict("records"), ("code",)
        ),
    }
    changed["election_region"] = _load_participants(conn, elections, regions)
    return changed


def _load_participants(conn: Connection, elections: pd.DataFrame, regions: pd.DataFrame) -> int:
    """An election's offices: every province and regency, or those a flag column marks."""
    offices = regions[regions["level"] != "nation"]
    rows = []
    for election in elections.itertuples():
        flag = election.participants
        chosen = offices if flag == "all" else offices[offices[flag].astype(bool)]
        rows += [{"election_code": election.code, "region_code": c} for c in chosen["code"]]
    return _upsert(conn, m.ElectionRegion.__table__, rows, ("election_code", "region_code"))
