"""Server-side sessions: who a browser is, from the cookie it sends.

A login (the password form at /masuk, or the organisation's sign-in through `st.login`)
starts a session. A random 32-byte token goes to the browser in an HttpOnly cookie;
`user_session` keeps only its SHA-256, so the table, or a backup of it, signs nobody in.
Every request that carries the cookie (a page load, each Streamlit run) resolves it here:
the session must not have ended, must be inside its absolute lifetime and its idle limit,
and its user must still be active.

Limits come from the settings: idle `session_timeout_minutes` (30), absolute
`session_max_hours` (12). The operations-room account (role `layar_briefing`) gets a
*screen session* instead: no idle limit, as nobody touches a wall screen, and its own
absolute lifetime `screen_session_days` (30). It is read-only because its role writes
nothing (the write side checks the role), and an admin ends it like any other.

`last_seen_at` is written at most once a minute (TOUCH_EVERY), so that a busy page does
not turn every rerun into a write; the idle limit therefore holds to the minute.

A session ends on logout, on a new login from the same browser (a new token every
time), when its user's password is changed or reset, when the account is disabled, and
when an admin revokes it. An ended row stays, with when and why, for `sessions list`.

For OIDC the token is Streamlit's own signed identity cookie: Streamlit vouches for who
it names, and this table gives it the same limits and revocation (`adopt`).

Streamlit is not imported here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from sipantau import clock, journal
from sipantau import models as m
from sipantau.config import settings
from sipantau.db import run_write

COOKIE = "sipantau_sesi"
PASSWORD, SCREEN, OIDC = "password", "screen", "oidc"
SCREEN_ROLE = "layar_briefing"
TOUCH_EVERY = timedelta(minutes=1)
# A cookie is at most 4 kB; Streamlit splits its identity cookie into a few of them.
MAX_TOKEN_CHARS = 16_384

# Why a session ended (stored in end_reason, shown by `sessions list`).
LOGGED_OUT = "keluar"
NEW_LOGIN = "masuk_lagi"
PASSWORD_CHANGED = "kata_sandi_diganti"
ACCOUNT_DISABLED = "akun_nonaktif"
REVOKED = "dicabut"
IDLE = "tidak_aktif"
EXPIRED = "kedaluwarsa"
ROLE_CHANGED = "peran_berubah"

_session = m.UserSession.__table__
_user = m.User.__table__


@dataclass(frozen=True)
class Limits:
    idle: timedelta
    absolute: timedelta
    screen: timedelta

    @classmethod
    def from_settings(cls) -> Limits:
        s = settings()
        return cls(timedelta(minutes=s.session_timeout_minutes), timedelta(hours=s.session_max_hours),
                   timedelta(days=s.screen_session_days))

    def lifetime(self, kind: str) -> timedelta:
        return self.screen if kind == SCREEN else self.absolute

    def idle_limit(self, kind: str) -> timedelta | None:
        return None if kind == SCREEN else self.idle


@dataclass(frozen=True)
class Session:
    id: int
    user_id: int
    username: str
    role: str
    region_code: str | None
    kind: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


def _now(now: datetime | None) -> datetime:
    return clock.utc(now) or clock.now()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def kind_for(role: str, method: str = PASSWORD) -> str:
    """The operations-room account always gets a screen session, however it signed in."""
    return SCREEN if role == SCREEN_ROLE else method


def csrf_token(token: str) -> str:
    """The logout form's token: derived from the session token, which a page on another
    site cannot read (HttpOnly), so it cannot forge the form."""
    return hmac.new(token.encode(), b"sipantau-keluar", hashlib.sha256).hexdigest()


# ---- starting ---------------------------------------------------------------------------


def start(engine: Engine, user_id: int, kind: str, *, now: datetime | None = None, limits: Limits | None = None,
          replaces: str | None = None, client_ip: str | None = None, user_agent: str | None = None,
          token: str | None = None) -> tuple[str, Session]:
    """A new session for `user_id`; returns its token (for the cookie, nowhere else) and the
    session. `replaces`: the token the browser presented, ended in the same transaction."""
    now, limits = _now(now), limits or Limits.from_settings()
    token = token or secrets.token_urlsafe(32)
    row = {"token_hash": token_hash(token), "user_id": user_id, "kind": kind, "created_at": now, "last_seen_at": now,
           "expires_at": now + limits.lifetime(kind), "client_ip": (client_ip or "")[:45] or None,
           "user_agent": (user_agent or "")[:160] or None}

    def work(conn: Connection) -> Session:
        if replaces and len(replaces) <= MAX_TOKEN_CHARS:
            _end_where(conn, _session.c.token_hash == token_hash(replaces), NEW_LOGIN, now)
        session_id = conn.execute(_session.insert().values(**row)).inserted_primary_key[0]
        return _load(conn, session_id)

    return token, run_write(engine, work)


def adopt(engine: Engine, identity: str, user_id: int, role: str, *, now: datetime | None = None,
          limits: Limits | None = None) -> Session | None:
    """Open the session of an OIDC identity cookie Streamlit has verified, seen for the first
    time (the caller checked `known`). Two runs that see it at once make one row; an ended one
    is never reopened (a new `st.login` gives a new cookie, and so a new session)."""
    try:
        return start(engine, user_id, kind_for(role, OIDC), now=now, limits=limits, token=identity)[1]
    except IntegrityError:  # two runs saw the new identity at once: the other one started it
        return resolve(engine, identity, now=now, limits=limits)


# ---- resolving --------------------------------------------------------------------------


def resolve(engine: Engine, token: str | None, *, now: datetime | None = None,
            limits: Limits | None = None) -> Session | None:
    """The live session named by `token`, or None. Ends (and stamps) a session found past its
    limits, and keeps `last_seen_at` to the minute."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    now, limits = _now(now), limits or Limits.from_settings()
    with engine.connect() as conn:
        row = _row(conn, token_hash(token))
    if row is None or row["ended_at"] is not None:
        return None
    reason = _dead_because(row, now, limits)
    if reason is not None:
        run_write(engine, lambda conn: _end_where(conn, _session.c.id == row["id"], reason, now))
        return None
    if now - clock.utc(row["last_seen_at"]) >= TOUCH_EVERY:
        run_write(engine, lambda conn: conn.execute(
            _session.update().where(_session.c.id == row["id"], _session.c.ended_at.is_(None),
                                    _session.c.last_seen_at < now).values(last_seen_at=now)))
        row = row | {"last_seen_at": now}
    return _session_of(row)


def known(engine: Engine, token: str) -> bool:
    """Whether `token` ever named a session (live or ended)."""
    with engine.connect() as conn:
        return _row(conn, token_hash(token)) is not None


def ended_because(engine: Engine, token: str | None, *, now: datetime | None = None,
                  limits: Limits | None = None) -> str | None:
    """Why the session `token` names is over (None: live, or no such session)."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    with engine.connect() as conn:
        row = _row(conn, token_hash(token))
    if row is None:
        return None
    return row["end_reason"] if row["ended_at"] is not None else _dead_because(
        row, _now(now), limits or Limits.from_settings())


def _row(conn: Connection, digest: str) -> dict | None:
    q = (select(_session, _user.c.username, _user.c.role, _user.c.region_code, _user.c.active)
         .join(_user, _user.c.id == _session.c.user_id).where(_session.c.token_hash == digest))
    row = conn.execute(q).mappings().first()
    return dict(row) if row else None


def _dead_because(row: dict, now: datetime, limits: Limits) -> str | None:
    if not row["active"]:
        return ACCOUNT_DISABLED
    if (row["kind"] == SCREEN) != (row["role"] == SCREEN_ROLE):
        return ROLE_CHANGED  # a screen session only for the screen role, and the reverse
    if now >= clock.utc(row["expires_at"]):
        return EXPIRED
    idle = limits.idle_limit(row["kind"])
    if idle is not None and now >= clock.utc(row["last_seen_at"]) + idle:
        return IDLE
    return None


def _session_of(row: dict) -> Session:
    return Session(row["id"], row["user_id"], row["username"], row["role"], row["region_code"], row["kind"],
                   clock.utc(row["created_at"]), clock.utc(row["last_seen_at"]), clock.utc(row["expires_at"]))


def _load(conn: Connection, session_id: int) -> Session:
    q = (select(_session, _user.c.username, _user.c.role, _user.c.region_code)
         .join(_user, _user.c.id == _session.c.user_id).where(_session.c.id == session_id))
    return _session_of(dict(conn.execute(q).mappings().one()))


# ---- ending -----------------------------------------------------------------------------


def end(engine: Engine, token: str | None, reason: str = LOGGED_OUT, *, now: datetime | None = None) -> bool:
    """End the session `token` names (logout). True when a live session ended."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return False
    now = _now(now)

    def work(conn: Connection) -> bool:
        row = _row(conn, token_hash(token))
        if row is None or row["ended_at"] is not None:
            return False
        _end_where(conn, _session.c.id == row["id"], reason, now)
        _audit(conn, row["user_id"], row["username"], "keluar", row, {"sesi": row["id"], "jenis": row["kind"]}, now)
        return True

    return run_write(engine, work)


def revoke(engine: Engine, admin_id: int, admin_name: str, *, session_id: int | None = None,
           username: str | None = None, now: datetime | None = None) -> int:
    """An admin ends one session, or every live session of a user; audited. Returns how many.
    The caller has checked that `admin_id` is an admin (auth.revoke_session(s))."""
    now = _now(now)
    where = _session.c.id == session_id if session_id is not None else _user.c.username == username

    def work(conn: Connection) -> int:
        rows = conn.execute(select(_session.c.id, _session.c.user_id, _user.c.region_code)
                            .join(_user, _user.c.id == _session.c.user_id)
                            .where(where, _session.c.ended_at.is_(None))).mappings().all()
        for row in rows:
            _end_where(conn, _session.c.id == row["id"], REVOKED, now)
            _audit(conn, admin_id, admin_name, "cabut_sesi", row, {"sesi": row["id"]}, now, subject=row["user_id"])
        return len(rows)

    return run_write(engine, work)


def end_for_user(conn: Connection, user_id: int, reason: str, now: datetime | None = None) -> int:
    """End every live session of a user, inside the caller's transaction (password changed,
    account disabled: the same commit as the change)."""
    return _end_where(conn, _session.c.user_id == user_id, reason, _now(now))


def _end_where(conn: Connection, where, reason: str, now: datetime) -> int:
    result = conn.execute(_session.update().where(where, _session.c.ended_at.is_(None))
                          .values(ended_at=now, end_reason=reason))
    return result.rowcount


def _audit(conn: Connection, actor_id: int, actor_name: str, action: str, row: dict, after: dict, at: datetime,
           subject: int | None = None) -> None:
    """One audit row about the account whose session it is (entity app_user)."""
    journal.record(conn, journal.Writer(actor_id, actor_name), action, "app_user",
                   subject if subject is not None else row["user_id"], row["region_code"], after=after, at=at)


# ---- listing ----------------------------------------------------------------------------


def listing(conn: Connection, *, now: datetime | None = None, limits: Limits | None = None,
            include_ended: bool = False) -> list[dict]:
    """Sessions, newest first, with `state` (aktif or why it ended) and no token hash."""
    now, limits = _now(now), limits or Limits.from_settings()
    q = (select(_session, _user.c.username, _user.c.role, _user.c.region_code, _user.c.active)
         .join(_user, _user.c.id == _session.c.user_id).order_by(_session.c.id.desc()))
    out = []
    for row in conn.execute(q).mappings():
        row = dict(row)
        state = row["end_reason"] if row["ended_at"] is not None else _dead_because(row, now, limits) or "aktif"
        if state == "aktif" or include_ended:
            out.append({k: (clock.utc(v) if isinstance(v, datetime) else v) for k, v in row.items() if k != "token_hash"}
                       | {"state": state})
    return out
