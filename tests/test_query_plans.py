"""The dashboard's queries never scan the whole report history.

Every statement `sipantau.history` runs for the national frames and rankings (the
bundles of today, a week earlier and a past date) is explained by the database
itself; a full scan of `stage_report` (table or index) fails the test. On PostgreSQL sequential scans are disabled for the check, so a
scan in the plan means no index could answer the query.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from sqlalchemy import event, text

from sipantau import history as h
from sipantau import readiness as r

HISTORY_TABLE = "stage_report"


def captured_statements(engine, work) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and HISTORY_TABLE in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        with engine.connect() as conn:
            work(conn)
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    return seen


def history_scans(engine, statement: str, parameters) -> list[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            aliases = {HISTORY_TABLE} | set(re.findall(rf"\b{HISTORY_TABLE} AS (\w+)", statement))
            return [d for *_, d in rows if re.match(rf"SCAN ({'|'.join(aliases)})\b", d)]
        conn.execute(text("SET enable_seqscan = off"))
        plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
        plan = plan if isinstance(plan, list) else json.loads(plan)
        return list(_pg_scans(plan[0]["Plan"]))


def _pg_scans(node: dict):
    if node.get("Relation Name") == HISTORY_TABLE:
        kind = node["Node Type"]
        if kind == "Seq Scan" or (kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node):
            yield f"{kind} on {HISTORY_TABLE}"
    for child in node.get("Plans", []):
        yield from _pg_scans(child)


def test_dashboard_queries_use_indexes_not_history_scans(demo_engine):
    def dashboard(conn):
        for election in ("pilkada-2024", "pemilu-2024"):
            def day(as_of):
                return r.snapshot(h.load(conn, election, as_of))

            latest = r.default_as_of(*h.election_dates(conn, election), date(2026, 11, 29))
            r.national(day(latest))
            r.rankings(day(latest), day(latest - timedelta(days=7)))
            r.national(day(date(2024, 2, 1)))  # a replayed past day

    statements = captured_statements(demo_engine, dashboard)
    assert len(statements) >= 6, "the capture saw the dashboard's history queries"
    offenders = {s: scans for s, p in statements if (scans := history_scans(demo_engine, s, p))}
    assert not offenders, "\n\n".join(f"{scans}\n{s}" for s, scans in offenders.items())


def test_the_check_catches_a_full_history_scan(demo_engine):
    # The naive query (latest per region and stage by window function) must be flagged.
    naive = ("SELECT region_code, stage_id, progress FROM (SELECT region_code, stage_id, progress, "
             "row_number() OVER (PARTITION BY region_code, stage_id ORDER BY situation_date DESC) AS rn "
             "FROM stage_report) AS ranked WHERE rn = 1")
    assert history_scans(demo_engine, naive, ())
