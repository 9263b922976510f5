"""Server-side sessions on SQLite and PostgreSQL: the token is stored only as its hash, the idle
and absolute limits hold (time moves through the session functions' `now`), the screen session
outlives idleness and nothing else, and every way a session ends (logout, a new login, password
change or reset, account disabled, an admin's revoke) ends it for good — also under
simultaneous requests."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.config import Config
from conftest import _database
from sqlalchemy import func, inspect, select

from sipantau import auth, sessions
from sipantau import models as m
from sipantau.config import ROOT
from sipantau.db import make_engine, write_tx

T0 = datetime(2024, 11, 20, 8, 0, tzinfo=UTC)
PASSWORD = "Sandi-yang-panjang-1"
LIMITS = sessions.Limits(idle=timedelta(minutes=30), absolute=timedelta(hours=12), screen=timedelta(days=30))
table = m.UserSession.__table__


def _user(engine, username: str, role: str, region: str | None = None) -> auth.Actor:
    with write_tx(engine) as conn:
        return auth.create_user(conn, username, username, role, region, password=PASSWORD)


@pytest.fixture
def operator(engine):
    return _user(engine, "op.pangkep", "operator_kabkota", "73.10")


@pytest.fixture
def screen(engine):
    return _user(engine, "layar", "layar_briefing")


def start(engine, actor, at=T0, **kw):
    return sessions.start(engine, actor.id, sessions.kind_for(actor.role), now=at, limits=LIMITS, **kw)


def resolve(engine, token, at):
    return sessions.resolve(engine, token, now=at, limits=LIMITS)


def rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table).order_by(table.c.id)).mappings()]


# ---- what is stored --------------------------------------------------------------------------


def test_only_the_hash_of_the_token_is_stored(engine, operator):
    token, session = start(engine, operator, client_ip="10.1.2.3", user_agent="Mozilla/5.0 " + "x" * 400)
    assert len(token) >= 43  # 32 random bytes
    [row] = rows(engine)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(row)
    assert (row["client_ip"], len(row["user_agent"])) == ("10.1.2.3", 160)
    assert session.username == "op.pangkep" and session.kind == sessions.PASSWORD
    assert session.expires_at == T0 + timedelta(hours=12)


def test_every_login_gets_a_new_token_and_ends_the_one_the_browser_had(engine, operator):
    first, _ = start(engine, operator)
    second, _ = start(engine, operator, at=T0 + timedelta(minutes=1), replaces=first)
    assert first != second
    assert resolve(engine, first, T0 + timedelta(minutes=2)) is None
    assert sessions.ended_because(engine, first) == sessions.NEW_LOGIN
    assert resolve(engine, second, T0 + timedelta(minutes=2)).user_id == operator.id


def test_a_token_that_names_nothing_resolves_to_nobody(engine, operator):
    start(engine, operator)
    for token in (None, "", "x", "A" * 43, "é" * 100, "y" * (sessions.MAX_TOKEN_CHARS + 1)):
        assert resolve(engine, token, T0) is None
        assert sessions.ended_because(engine, token) is None


# ---- limits ----------------------------------------------------------------------------------


def test_idle_limit_ends_a_session_thirty_minutes_after_its_last_use(engine, operator):
    token, _ = start(engine, operator)
    assert resolve(engine, token, T0 + timedelta(minutes=29, seconds=59)) is not None
    # That use counted: half an hour from it, not from the login.
    assert resolve(engine, token, T0 + timedelta(minutes=59)) is not None
    assert resolve(engine, token, T0 + timedelta(minutes=89, seconds=59)) is None
    assert sessions.ended_because(engine, token) == sessions.IDLE
    # Ended for good: coming back within the window of the last use does not revive it.
    assert resolve(engine, token, T0 + timedelta(minutes=30)) is None


def test_last_seen_is_written_at_most_once_a_minute(engine, operator):
    token, _ = start(engine, operator)
    resolve(engine, token, T0 + timedelta(seconds=59))
    assert rows(engine)[0]["last_seen_at"].replace(tzinfo=UTC) == T0
    resolve(engine, token, T0 + timedelta(seconds=61))
    assert rows(engine)[0]["last_seen_at"].replace(tzinfo=UTC) == T0 + timedelta(seconds=61)


def test_absolute_limit_ends_a_busy_session_after_twelve_hours(engine, operator):
    token, _ = start(engine, operator)
    at = T0
    while at < T0 + timedelta(hours=12) - timedelta(minutes=20):
        at += timedelta(minutes=20)
        assert resolve(engine, token, at) is not None, at
    assert resolve(engine, token, T0 + timedelta(hours=12)) is None
    assert sessions.ended_because(engine, token) == sessions.EXPIRED


def test_the_screen_session_outlives_idleness_but_not_its_own_lifetime(engine, screen):
    token, session = start(engine, screen)
    assert session.kind == sessions.SCREEN and session.expires_at == T0 + timedelta(days=30)
    assert resolve(engine, token, T0 + timedelta(days=3)) is not None  # a weekend switched off
    assert resolve(engine, token, T0 + timedelta(days=29, hours=23)) is not None
    assert resolve(engine, token, T0 + timedelta(days=30)) is None
    assert sessions.ended_because(engine, token) == sessions.EXPIRED


def test_a_screen_session_is_only_for_the_screen_role(engine, screen, operator):
    forged, _ = sessions.start(engine, operator.id, sessions.SCREEN, now=T0, limits=LIMITS)
    assert resolve(engine, forged, T0 + timedelta(minutes=1)) is None
    assert sessions.ended_because(engine, forged) == sessions.ROLE_CHANGED
    token, _ = start(engine, screen)
    with write_tx(engine) as conn:
        conn.execute(m.User.__table__.update().where(m.User.id == screen.id).values(role="pimpinan"))
    assert resolve(engine, token, T0 + timedelta(minutes=1)) is None


def test_limits_come_from_the_settings(monkeypatch):
    monkeypatch.setenv("SIPANTAU_SESSION_TIMEOUT_MINUTES", "5")
    monkeypatch.setenv("SIPANTAU_SESSION_MAX_HOURS", "8")
    monkeypatch.setenv("SIPANTAU_SCREEN_SESSION_DAYS", "7")
    from sipantau.config import settings

    settings.cache_clear()
    try:
        assert sessions.Limits.from_settings() == sessions.Limits(timedelta(minutes=5), timedelta(hours=8),
                                                                  timedelta(days=7))
        monkeypatch.setenv("SIPANTAU_SESSION_TIMEOUT_MINUTES", "nol")
        settings.cache_clear()
        assert sessions.Limits.from_settings().idle == timedelta(minutes=30)
    finally:
        settings.cache_clear()


# ---- ending ----------------------------------------------------------------------------------


def test_logout_ends_the_session_and_is_audited(engine, operator):
    token, session = start(engine, operator)
    other, _ = start(engine, operator)  # another browser stays signed in
    assert sessions.end(engine, token, now=T0 + timedelta(minutes=5))
    assert not sessions.end(engine, token)  # once
    assert resolve(engine, token, T0 + timedelta(minutes=6)) is None
    assert resolve(engine, other, T0 + timedelta(minutes=6)) is not None
    assert sessions.ended_because(engine, token) == sessions.LOGGED_OUT
    with engine.connect() as conn:
        audit = conn.execute(select(m.AuditLog).where(m.AuditLog.action == "keluar")).mappings().one()
    assert (audit["username"], audit["entity"], audit["entity_id"], audit["region_code"]) == (
        "op.pangkep", "app_user", operator.id, "73.10")
    assert str(session.id) in audit["after"] and token not in audit["after"]


@pytest.mark.parametrize("change", ["own_password", "reset_password", "disable"])
def test_a_new_password_or_a_disabled_account_ends_every_session_of_that_user(engine, admin, operator, screen, change):
    now = datetime.now(UTC)  # auth's changes happen now
    tokens = [start(engine, operator, now)[0], start(engine, operator, now)[0]]
    bystander, _ = start(engine, screen, now)
    if change == "own_password":
        auth.change_password(engine, operator, PASSWORD, "Sandi-baru-yang-panjang-2")
    elif change == "reset_password":
        auth.reset_password(engine, admin, "op.pangkep", "Sandi-baru-yang-panjang-2")
    else:
        auth.disable_user(engine, admin, "op.pangkep")
    reason = sessions.ACCOUNT_DISABLED if change == "disable" else sessions.PASSWORD_CHANGED
    assert [resolve(engine, t, now) for t in tokens] == [None, None]
    assert [sessions.ended_because(engine, t) for t in tokens] == [reason, reason]
    assert resolve(engine, bystander, now) is not None


def test_an_admin_revokes_one_session_or_all_of_a_user(engine, admin, operator, screen):
    now = datetime.now(UTC)
    wall, wall_session = start(engine, screen, now)
    spare, _ = start(engine, screen, now)
    desk, _ = start(engine, operator, now)
    assert auth.revoke_session(engine, admin, wall_session.id) == 1
    assert resolve(engine, wall, now) is None and resolve(engine, spare, now) is not None
    assert auth.revoke_sessions(engine, admin, "LAYAR") == 1
    assert resolve(engine, spare, now) is None and resolve(engine, desk, now) is not None
    assert sessions.ended_because(engine, wall) == sessions.REVOKED
    with pytest.raises(auth.NotAllowed):
        auth.revoke_sessions(engine, operator, "layar")
    with engine.connect() as conn:
        audits = conn.execute(select(m.AuditLog.username, m.AuditLog.entity_id)
                              .where(m.AuditLog.action == "cabut_sesi")).all()
    assert sorted(audits) == [("admin", screen.id), ("admin", screen.id)]


def test_listing_shows_state_and_never_the_hash(engine, operator, screen):
    token, _ = start(engine, operator)
    start(engine, screen)
    sessions.end(engine, token)
    with engine.connect() as conn:
        live = sessions.listing(conn, now=T0 + timedelta(minutes=1), limits=LIMITS)
        every = sessions.listing(conn, now=T0 + timedelta(hours=1), limits=LIMITS, include_ended=True)
    assert [(r["username"], r["kind"], r["state"]) for r in live] == [("layar", "screen", "aktif")]
    assert [(r["username"], r["state"]) for r in every] == [("layar", "aktif"), ("op.pangkep", "keluar")]
    assert all("token_hash" not in r for r in every)


# ---- OIDC --------------------------------------------------------------------------------------


def test_an_oidc_identity_gets_one_session_and_keeps_it_ended(engine, operator):
    identity = "2|1:0|10:1732089600|15:_streamlit_user|64:eyJlbWFpbCI6ICJvcEBleGFtcGxlLmlkIn0=|abc123"
    session = sessions.adopt(engine, identity, operator.id, operator.role, now=T0, limits=LIMITS)
    assert session.kind == sessions.OIDC and sessions.known(engine, identity)
    assert resolve(engine, identity, T0 + timedelta(minutes=10)).id == session.id
    sessions.end(engine, identity)
    assert resolve(engine, identity, T0 + timedelta(minutes=11)) is None
    assert len(rows(engine)) == 1


# ---- simultaneous requests -------------------------------------------------------------------


def _together(n: int, work) -> list:
    barrier, results, errors = threading.Barrier(n), [None] * n, []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    return results


def test_simultaneous_first_sights_of_an_oidc_identity_make_one_session(engine, operator):
    identity = "oidc-identity-cookie-value"
    found = _together(8, lambda i: sessions.adopt(engine, identity, operator.id, operator.role, now=T0,
                                                  limits=LIMITS))
    assert len({s.id for s in found}) == 1
    assert len(rows(engine)) == 1


def test_a_revoke_racing_the_session_s_own_requests_wins(engine, admin, screen):
    token, _ = start(engine, screen)
    later = T0 + timedelta(minutes=5)

    def work(i: int):
        if i == 0:
            return auth.revoke_sessions(engine, admin, "layar")
        return resolve(engine, token, later + timedelta(seconds=i))

    results = _together(6, work)
    assert results[0] == 1
    assert resolve(engine, token, later + timedelta(minutes=1)) is None
    [row] = rows(engine)
    assert row["end_reason"] == sessions.REVOKED


# ---- the migration ---------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0003_adds_the_table_and_takes_it_back(tmp_path_factory, backend):
    url, drop = _database(backend, tmp_path_factory, "sess")
    engine = make_engine(url)
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))

    def alembic(verb: str, revision: str) -> None:
        with write_tx(engine) as conn:
            cfg.attributes["connection"] = conn
            getattr(command, verb)(cfg, revision)

    try:
        alembic("upgrade", "0002")
        assert "user_session" not in inspect(engine).get_table_names()
        alembic("upgrade", "0003")
        assert {c["name"] for c in inspect(engine).get_columns("user_session")} == set(table.c.keys())
        assert ["user_id"] in [ix["column_names"] for ix in inspect(engine).get_indexes("user_session")]
        assert [u["column_names"] for u in inspect(engine).get_unique_constraints("user_session")] == [["token_hash"]]
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 0
        alembic("downgrade", "0002")
        assert "user_session" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
        drop()


# ---- the command line ------------------------------------------------------------------------


def test_cli_lists_sessions_and_revokes_the_screen(tmp_path):
    from typer.testing import CliRunner

    from sipantau.cli import app
    from sipantau.db import get_engine, migrate
    from sipantau.reference import load_reference

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = get_engine(url)
    migrate(engine)
    with write_tx(engine) as conn:
        load_reference(conn)
    screen, operator = _user(engine, "layar", "layar_briefing"), _user(engine, "op.pangkep", "operator_kabkota", "73.10")
    now = datetime.now(UTC)
    wall, _ = sessions.start(engine, screen.id, sessions.SCREEN, now=now, user_agent="Chromium kiosk R. Operasi")
    desk, desk_session = sessions.start(engine, operator.id, sessions.PASSWORD, now=now, client_ip="10.20.30.40")

    def run(*args):
        return CliRunner().invoke(app, ["sessions", *args, "--database-url", url])

    listed = run("list")
    assert listed.exit_code == 0, listed.output
    assert "layar" in listed.output and "Chromium kiosk" in listed.output and "10.20.30.40" in listed.output
    assert "WIB" in listed.output and wall not in listed.output and sessions.token_hash(wall) not in listed.output
    revoked = run("revoke", "--user", "layar")
    assert (revoked.exit_code, revoked.output.strip()) == (0, "Sesi diakhiri: 1.")
    assert sessions.resolve(engine, wall) is None and sessions.resolve(engine, desk) is not None
    assert run("revoke", str(desk_session.id)).exit_code == 0
    assert sessions.resolve(engine, desk) is None
    again = run("revoke", "--user", "layar")
    assert again.exit_code == 1 and "Tidak ada sesi aktif" in again.output
    assert run("revoke").exit_code == 1
    assert "Tidak ada sesi aktif." in run("list").output
    assert "dicabut" in run("list", "--all").output
    engine.dispose()
    get_engine.cache_clear()
