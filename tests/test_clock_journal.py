"""The one clock (frozen once for the whole suite, one format for recorded times) and the
one writer of the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import select

from sipantau import clock, journal
from sipantau.models import audit_log


def test_the_frozen_day_reaches_every_caller(frozen_today):
    from sipantau.clock import today as copied  # a name copied before the freeze

    assert clock.today() == copied() == frozen_today
    clock.freeze(date(2030, 1, 2))
    assert (clock.today(), copied()) == (date(2030, 1, 2), date(2030, 1, 2))
    clock.freeze(frozen_today)


def test_a_recorded_time_is_told_one_way_in_both_languages():
    moment = datetime(2025, 3, 12, 7, 35, tzinfo=UTC)
    assert clock.moment(moment) == "12 Mar 2025 14.35 WIB"
    assert clock.moment(moment, "en") == "12 Mar 2025 14.35 WIB"
    assert clock.moment(pd.Timestamp("2025-05-01 17:30")) == "2 Mei 2025 00.30 WIB"  # naive = UTC (SQLite)
    assert clock.moment(None) == clock.moment(pd.NaT) == "–"


def test_the_journal_writes_who_what_and_the_change_as_json(engine, admin):
    with engine.begin() as conn:
        journal.record(conn, admin, "koreksi", "stage_report", 7, "73.10", {"catatan": "Hujan deras"},
                       {"catatan": "Jalan putus", "tanggal": date(2024, 11, 20)})
        journal.record(conn, journal.Writer(None, "(tidak dikenal)"), "gagal_masuk", "app_user", None, None,
                       after={"alasan": "pengguna_tidak_dikenal"}, at=datetime(2024, 11, 20, 3, 0))
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
    first, second = rows[-2], rows[-1]
    assert (first["user_id"], first["username"], first["action"], first["entity_id"], first["region_code"]) == (
        admin.id, "admin", "koreksi", 7, "73.10")
    assert json.loads(first["before"]) == {"catatan": "Hujan deras"}
    assert json.loads(first["after"]) == {"catatan": "Jalan putus", "tanggal": "2024-11-20"}
    assert (second["user_id"], second["username"], second["before"]) == (None, "(tidak dikenal)", None)
    assert clock.utc(second["at"]) == datetime(2024, 11, 20, 3, 0, tzinfo=UTC)
