"""Fixtures that build real databases: every database test runs on SQLite and on
PostgreSQL (a fresh database per run, dropped afterwards).

PostgreSQL comes from SIPANTAU_TEST_PG_URL (default: postgres@127.0.0.1:5432/test,
used only to create and drop the per-run database). When it cannot be reached the
PostgreSQL half is skipped, unless SIPANTAU_REQUIRE_PG=1 (as in CI), where it fails.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sipantau import clock
from sipantau import models as m
from sipantau.auth import Actor, create_user
from sipantau.db import create_database, write_tx

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("SIPANTAU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Tables emptied between tests, children first; reference data stays.
DATA_TABLES = [m.AuditLog, m.Document, m.NphdDisbursement, m.NphdAgreement, m.ObstacleAction, m.Obstacle,
               m.StageStatus, m.ReportDay, m.StageReport, m.Meta, m.UserSession, m.User]


def _pg_database(tag: str):
    """Create a throwaway PostgreSQL database; returns (url, drop)."""
    name = f"sipantau_{tag}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        admin.dispose()
        if os.environ.get("SIPANTAU_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL required (SIPANTAU_REQUIRE_PG=1) but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc}")

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False), drop


def _database(backend: str, tmp_path_factory, tag: str):
    if backend == "sqlite":
        path = tmp_path_factory.mktemp(tag) / "sipantau.db"
        return f"sqlite:///{path}", lambda: None
    return _pg_database(tag)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend_engine(request, tmp_path_factory):
    """A migrated database with reference data, one per backend for the session."""
    url, drop = _database(request.param, tmp_path_factory, "unit")
    engine = create_database(url).engine
    yield engine
    engine.dispose()
    drop()


@pytest.fixture
def engine(backend_engine):
    """The session database with every report table empty."""
    with write_tx(backend_engine) as conn:
        for model in DATA_TABLES:
            conn.execute(model.__table__.delete())
    return backend_engine


def _user(engine, username: str, role: str, region: str | None) -> Actor:
    with write_tx(engine) as conn:
        return create_user(conn, username, username, role, region)


@pytest.fixture
def admin(engine) -> Actor:
    return _user(engine, "admin", "admin_pusat", None)


@pytest.fixture
def op_pangkep(engine) -> Actor:
    return _user(engine, "op.pangkep", "operator_kabkota", "73.10")


@pytest.fixture
def op_sulsel(engine) -> Actor:
    return _user(engine, "op.sulsel", "operator_provinsi", "73")


@pytest.fixture(scope="session")
def frozen_today():
    """Write-side checks compare with today; the suite's fixtures live in 2024."""
    return date(2024, 12, 31)


@pytest.fixture(autouse=True)
def _today(frozen_today):
    """The one place the suite fixes the clock (`clock.today()`, for every module)."""
    clock.freeze(frozen_today)
    yield
    clock.freeze(None)


def demo_database(url: str, reports: int):
    """Build a demo database (schema, reference data, synthetic history); returns its engine."""
    return create_database(url, demo=reports).engine


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def demo_engine(request, tmp_path_factory):
    """A small demo history (about 30,000 reports) per backend, for read-side tests."""
    url, drop = _database(request.param, tmp_path_factory, "demo")
    engine = demo_database(url, 30_000)
    yield engine
    engine.dispose()
    drop()


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory) -> str:
    """One shared SQLite demo database for tests that only read (pages, charts, browser)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo-shared') / 'sipantau.db'}"
    demo_database(url, 30_000).dispose()
    return url


# AppTest has no browser connection, so `st.context.cookies` would be empty: its runs read this
# jar instead, which `login` fills with a real session's cookie, as the server's /masuk does.
COOKIE_JAR: dict[str, str] = {}


@dataclass(frozen=True)
class _Connection:
    """What Streamlit keeps of a browser's websocket handshake (its ClientContext)."""

    cookies: dict
    headers: tuple = ()
    remote_ip: str | None = "127.0.0.1"


@pytest.fixture(autouse=True)
def _browser(monkeypatch):
    COOKIE_JAR.clear()
    monkeypatch.setattr("streamlit.runtime.context._get_client_context", lambda: _Connection(COOKIE_JAR))


def login(at, username: str, password: str | None = None):
    """Sign in as /masuk does (the password checked, a new session, its token in the cookie),
    then run the app: the sidebar names the user."""
    from sipantau import auth, sessions
    from sipantau.config import settings
    from sipantau.db import get_engine
    from sipantau.demo import DEMO_PASSWORD

    engine = get_engine(settings().database_url)
    actor = auth.authenticate(engine, username, password or DEMO_PASSWORD)
    COOKIE_JAR[sessions.COOKIE], _ = sessions.start(engine, actor.id, sessions.kind_for(actor.role))
    at.run()
    assert not at.exception
    assert any(username in c.value for c in at.sidebar.caption)
    return at
