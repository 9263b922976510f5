"""Roles and region scope, passwords, login with lock-out, reading users."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, func, select

from sipantau import clock, journal, sessions
from sipantau import models as m
from sipantau.db import run_write

log = logging.getLogger(__name__)

ROLES = {
    "admin_pusat": "Admin pusat",
    "pimpinan": "Pimpinan",
    "verifikator_provinsi": "Verifikator provinsi",
    "operator_provinsi": "Operator provinsi",
    "operator_kabkota": "Operator kabupaten/kota",
    "layar_briefing": "Layar briefing",
}
WRITER_ROLES = {"admin_pusat", "operator_provinsi", "operator_kabkota"}
# Roles whose scope is a region (and, for province roles, its regencies).
REGIONAL_ROLES = {"verifikator_provinsi", "operator_provinsi", "operator_kabkota"}
# The region level each regional role is bound to.
ROLE_LEVEL = {"verifikator_provinsi": "province", "operator_provinsi": "province", "operator_kabkota": "regency"}

# Login policy (module constants: change here or monkeypatch in tests).
MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256

# Built-in identity the command line acts as: inactive, without password, never logs in.
CLI_USERNAME = "sistem.cli"
SYSTEM_PREFIX = "sistem."
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")

WRONG_CREDENTIALS = "Nama pengguna atau kata sandi salah."
UNKNOWN_USER = "(tidak dikenal)"  # audit/log name of a failed login for a missing user
HIDDEN = "***"

_hasher = PasswordHasher()
_user = m.users


class LoginFailed(Exception):
    """Login refused; `message` can be shown as is. `locked_until` is set when locked."""

    def __init__(self, message: str, locked_until: datetime | None = None):
        super().__init__(message)
        self.message = message
        self.locked_until = locked_until


class AccountError(ValueError):
    """An account request refused for its content (message in Bahasa Indonesia)."""


class PasswordRejected(AccountError):
    """A new password does not meet the policy, or the old password is wrong."""


class NotAllowed(PermissionError):
    """The acting user may not do this."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: every write names one."""

    id: int
    username: str
    role: str
    region_code: str | None


# ---- scope --------------------------------------------------------------------------


def can_read_region(actor: Actor, region_code: str) -> bool:
    if actor.role not in REGIONAL_ROLES:
        return True
    return _within(actor.region_code, region_code)


def can_write_region(actor: Actor, region_code: str) -> bool:
    """Admins write everywhere; an operator only for its own office (a province
    operator also for the province's regencies); everyone else writes nothing."""
    if actor.role == "admin_pusat":
        return True
    if actor.role == "operator_provinsi":
        return _within(actor.region_code, region_code)
    if actor.role == "operator_kabkota":
        return actor.region_code == region_code
    return False


def _within(scope: str | None, region_code: str) -> bool:
    return scope is not None and (region_code == scope or region_code.startswith(scope + "."))


def actor_problem(conn: Connection, actor: Actor) -> str | None:
    """Why `actor` may not write now, judged by its account as stored (None: it may).

    The write side calls this inside its transaction, so an account disabled, or given
    another role or region, since the Actor was made (a session, an import started
    earlier), and an Actor built or altered by hand, cannot write. System identities
    (`sistem.*`, inactive and without password by design) act as what they are stored as.
    """
    row = _find_user_by_id(conn, actor.id) if _is_user_id(actor.id) else None
    if row is None or row["username"] != actor.username:
        return f"Pengguna {actor.username!r} tidak dikenal; masuk ulang lalu kirim lagi."
    if (row["role"], row["region_code"]) != (actor.role, actor.region_code):
        return (f"Peran atau wilayah pengguna {actor.username} telah berubah; "
                "masuk ulang lalu kirim lagi.")
    if not row["active"] and not _is_system(row):
        return f"Akun {actor.username} dinonaktifkan; tidak ada data yang disimpan."
    return None


def _is_user_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def _is_system(row: dict) -> bool:
    """A built-in tool identity (`system_actor`, the demo seeder): never logs in."""
    return row["username"].startswith(SYSTEM_PREFIX) and not row["password_hash"]


# ---- passwords ----------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problems(password: str, username: str) -> list[str]:
    """What is wrong with a new password (empty when it meets the policy)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter.")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Kata sandi paling banyak {MAX_PASSWORD_LENGTH} karakter.")
    if password.strip().casefold() == username.strip().casefold():
        problems.append("Kata sandi tidak boleh sama dengan nama pengguna.")
    return problems


def check_password_policy(password: str, username: str) -> None:
    problems = password_problems(password, username)
    if problems:
        raise PasswordRejected(" ".join(problems))


def _verify(password_hash: str | None, password: str) -> bool:
    """argon2 check; a missing user or a user without password checks a dummy hash."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash(os.urandom(16).hex())


# ---- audit --------------------------------------------------------------------------


def _audit(conn: Connection, actor_id: int | None, actor_name: str, action: str, user: dict | None,
           before: dict | None = None, after: dict | None = None, at: datetime | None = None) -> None:
    """One audit row about an account (entity "app_user"), through the journal; callers never pass a hash."""
    journal.record(conn, journal.Writer(actor_id, actor_name), action, "app_user", user["id"] if user else None,
                   user["region_code"] if user else None, before, after, at)


def public_user(row) -> dict:
    """A user row as shown anywhere: the hash replaced by whether there is one."""
    data = {k: v for k, v in dict(row).items() if k != "password_hash"}
    data["has_password"] = bool(row["password_hash"])
    data["locked_until"] = clock.utc(row["locked_until"])
    data["created_at"] = clock.utc(row["created_at"])
    return data


def _audited(row: dict) -> dict:
    """A user's fields for an audit row: the hash masked, never written."""
    data = {k: v for k, v in row.items() if k not in ("password_hash", "id", "has_password")}
    data["password_hash"] = HIDDEN if row.get("password_hash") or row.get("has_password") else None
    return data


# ---- users: read ----------------------------------------------------------------------


def _actor(row) -> Actor:
    return Actor(row["id"], row["username"], row["role"], row["region_code"])


def session_actor(session: sessions.Session) -> Actor:
    """Who a live session acts as: its user as stored now (sessions.resolve reads the row)."""
    return Actor(session.user_id, session.username, session.role, session.region_code)


def _find_user(conn: Connection, username: str, lock: bool = False) -> dict | None:
    q = select(_user).where(func.lower(_user.c.username) == username.strip().lower()).order_by(_user.c.id)
    row = conn.execute(q.with_for_update() if lock else q).mappings().first()
    return dict(row) if row else None


def get_actor(conn: Connection, username: str) -> Actor | None:
    row = conn.execute(select(_user).where(_user.c.username == username, _user.c.active)).mappings().first()
    return _actor(row) if row else None


def actor_for_email(conn: Connection, email: str | None) -> Actor | None:
    """The active user with this e-mail (case-insensitive), for OIDC (`st.user.email`)."""
    if not email or not email.strip():
        return None
    q = select(_user).where(func.lower(_user.c.email) == email.strip().lower(), _user.c.active)
    row = conn.execute(q.order_by(_user.c.id)).mappings().first()
    return _actor(row) if row else None


def list_users(conn: Connection) -> list[dict]:
    """Every account, by username, without password hashes (`has_password` instead)."""
    rows = conn.execute(select(_user).order_by(_user.c.username)).mappings()
    return [public_user(row) | {"role_name": ROLES.get(row["role"], row["role"])} for row in rows]


# ---- login --------------------------------------------------------------------------


def authenticate(engine: Engine, username: str, password: str, now: datetime | None = None) -> Actor:
    """The user behind a correct username and password, or `LoginFailed`.

    The password is checked outside the write transaction (argon2 is slow on
    purpose); the outcome is then recorded with the account row locked.
    """
    now = clock.utc(now) or clock.now()
    with engine.connect() as conn:
        user = _find_user(conn, username)
    locked = _locked_until(user, now)
    ok = _verify(user["password_hash"] if user else None, password)
    if user is None:
        return _refuse_unknown(engine, now)
    if locked:
        return _refuse_locked(engine, user, locked, now)
    if not ok:
        raise run_write(engine, lambda conn: _record_failure(conn, user["id"], now))
    if not user["active"]:
        _record(engine, user, "gagal_masuk", {"alasan": "akun_nonaktif"}, now)
        raise LoginFailed("Akun ini dinonaktifkan. Hubungi admin pusat.")
    return run_write(engine, lambda conn: _record_success(conn, user, password, now))


def _locked_until(user: dict | None, now: datetime) -> datetime | None:
    until = clock.utc(user["locked_until"]) if user else None
    return until if until and until > now else None


def _refuse_unknown(engine: Engine, now: datetime):
    # The typed name is not recorded: it is often a password typed in the wrong box.
    _record(engine, None, "gagal_masuk", {"alasan": "pengguna_tidak_dikenal"}, now)
    log.info("Gagal masuk: pengguna tidak dikenal.")
    raise LoginFailed(WRONG_CREDENTIALS)


def _refuse_locked(engine: Engine, user: dict, until: datetime, now: datetime):
    _record(engine, user, "gagal_masuk", {"alasan": "akun_terkunci", "terkunci_sampai": until.isoformat()}, now)
    log.info("Gagal masuk: akun %s terkunci.", user["username"])
    raise LoginFailed(_locked_message(until), until)


def _locked_message(until: datetime) -> str:
    return (f"Akun terkunci karena {MAX_FAILED_LOGINS} kali gagal masuk berturut-turut. "
            f"Coba lagi setelah {clock.moment(until)}.")


def _record(engine: Engine, user: dict | None, action: str, after: dict, now: datetime) -> None:
    name = user["username"] if user else UNKNOWN_USER
    run_write(engine, lambda conn: _audit(conn, user["id"] if user else None, name, action, user, None, after, now))


def _record_failure(conn: Connection, user_id: int, now: datetime) -> LoginFailed:
    """Count a wrong password (locking at the limit); returns the error to raise after commit."""
    user = _find_user_by_id(conn, user_id, lock=True)
    lapsed = user["locked_until"] is not None and clock.utc(user["locked_until"]) <= now
    failures = (0 if lapsed else user["failed_logins"]) + 1
    until = now + timedelta(minutes=LOCKOUT_MINUTES) if failures >= MAX_FAILED_LOGINS else None
    conn.execute(_user.update().where(_user.c.id == user_id).values(failed_logins=failures, locked_until=until))
    _audit(conn, user_id, user["username"], "gagal_masuk", user, None,
           {"alasan": "kata_sandi_salah", "gagal_berturut": failures}, now)
    log.info("Gagal masuk: %s (%d kali berturut-turut).", user["username"], failures)
    if until is None:
        return LoginFailed(WRONG_CREDENTIALS)
    _audit(conn, user_id, user["username"], "terkunci", user, None, {"terkunci_sampai": until.isoformat()}, now)
    log.warning("Akun %s terkunci sampai %s.", user["username"], until.isoformat())
    return LoginFailed(f"{WRONG_CREDENTIALS} {_locked_message(until)}", until)


def _record_success(conn: Connection, user: dict, password: str, now: datetime) -> Actor:
    values = {"failed_logins": 0, "locked_until": None}
    if _hasher.check_needs_rehash(user["password_hash"]):
        values["password_hash"] = hash_password(password)
    conn.execute(_user.update().where(_user.c.id == user["id"]).values(**values))
    _audit(conn, user["id"], user["username"], "masuk", user, None,
           {"metode": "kata_sandi", "hash_diperbarui": "password_hash" in values}, now)
    log.info("Masuk: %s.", user["username"])
    return _actor(user)


def record_oidc_login(engine: Engine, actor: Actor, now: datetime | None = None) -> None:
    """Audit a login through OIDC (`st.login`), after `actor_for_email` found the user."""
    user = {"id": actor.id, "region_code": actor.region_code}
    run_write(engine, lambda conn: _audit(conn, actor.id, actor.username, "masuk", user, None, {"metode": "oidc"}, now))


def _find_user_by_id(conn: Connection, user_id: int, lock: bool = False) -> dict | None:
    q = select(_user).where(_user.c.id == user_id)
    row = conn.execute(q.with_for_update() if lock else q).mappings().first()
    return dict(row) if row else None
