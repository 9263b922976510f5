"""Users, roles and region scope; passwords, login, lock-out, sessions and accounts.

Scope is checked by the write functions in reports.py (not only by what a page
offers), so no request can write for a region outside its author's area.

Passwords are stored only as argon2id hashes. No password, and no hash, is ever
written to the audit log, to a log record or into an exception message: audit
rows show a changed hash as "***". A login failure says the same thing whether
or not the user exists (and costs the same: an unknown user is verified against a
dummy hash). Five consecutive failures lock the account for fifteen minutes.

Every account change and login is audited through the journal. Imports models, db,
the clock and the journal (never reports or the read side).
"""

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
from sqlalchemy.exc import IntegrityError

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


# ---- accounts -----------------------------------------------------------------------


def create_user(
    conn: Connection,
    username: str,
    full_name: str,
    role: str,
    region_code: str | None = None,
    email: str | None = None,
    password: str | None = None,
) -> Actor:
    """Insert a user inside the caller's transaction (no policy, no audit: seeding and
    tests). Accounts made by people go through `add_user`."""
    if role not in ROLES:
        raise ValueError(f"Peran tidak dikenal: {role}. Pilihan: {', '.join(ROLES)}")
    if role in REGIONAL_ROLES and not region_code:
        raise ValueError(f"Peran {ROLES[role]} memerlukan wilayah (kode Kemendagri).")
    row = {
        "username": username,
        "full_name": full_name,
        "role": role,
        "region_code": region_code,
        "email": email,
        "password_hash": hash_password(password) if password else None,
        "active": True,
        "failed_logins": 0,
        "created_at": clock.now(),
    }
    user_id = conn.execute(_user.insert().values(**row)).inserted_primary_key[0]
    return Actor(user_id, username, role, region_code)


def _require_admin(conn: Connection, actor: Actor, what: str) -> None:
    """The actor, as stored now, is an admin (an active one, or the CLI system identity)."""
    row = _find_user_by_id(conn, actor.id)
    if not row or row["role"] != "admin_pusat" or not (row["active"] or row["username"] == CLI_USERNAME):
        raise NotAllowed(f"Hanya admin pusat yang boleh {what}.")


def _target(conn: Connection, username: str, lock: bool = False) -> dict:
    """An account an admin acts on: it exists and is not a system identity."""
    user = _find_user(conn, username, lock)
    if user is None:
        raise AccountError(f"Pengguna {username!r} tidak ada.")
    if user["username"].startswith(SYSTEM_PREFIX):
        raise AccountError(f"Akun sistem {user['username']!r} tidak dapat diubah.")
    return user


def _check_new_user(conn: Connection, username: str, role: str, region_code: str | None, email: str | None) -> None:
    if not USERNAME_PATTERN.match(username):
        raise AccountError("Nama pengguna 3–60 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung.")
    if username.startswith(SYSTEM_PREFIX):
        raise AccountError(f"Nama pengguna berawalan {SYSTEM_PREFIX!r} dicadangkan untuk sistem.")
    if role not in ROLES:
        raise AccountError(f"Peran tidak dikenal: {role}. Pilihan: {', '.join(ROLES)}.")
    _check_region(conn, role, region_code)
    if _find_user(conn, username):
        raise AccountError(f"Nama pengguna {username!r} sudah dipakai.")
    if email and conn.execute(select(_user.c.id).where(func.lower(_user.c.email) == email)).first():
        raise AccountError(f"E-mail {email} sudah dipakai pengguna lain.")


def _check_region(conn: Connection, role: str, region_code: str | None) -> None:
    """Regional roles need a region of their level; other roles see the whole nation."""
    if role not in REGIONAL_ROLES:
        if region_code:
            raise AccountError(f"Peran {ROLES[role]} berlaku nasional; jangan isi wilayah.")
        return
    if not region_code:
        raise AccountError(f"Peran {ROLES[role]} memerlukan wilayah (kode Kemendagri).")
    level = conn.execute(select(m.Region.level).where(m.Region.code == region_code)).scalar()
    if level is None:
        raise AccountError(f"Kode wilayah {region_code!r} tidak dikenal.")
    if level != ROLE_LEVEL[role]:
        wanted = "provinsi" if ROLE_LEVEL[role] == "province" else "kabupaten/kota"
        raise AccountError(f"Peran {ROLES[role]} memerlukan kode wilayah {wanted}, bukan {region_code}.")


def add_user(engine: Engine, admin: Actor, username: str, full_name: str, role: str,
             region_code: str | None = None, email: str | None = None, password: str | None = None) -> Actor:
    """Create an account (admin only, audited). Without a password the user can only
    log in through OIDC (by e-mail)."""
    username, email = username.strip().lower(), (email or "").strip().lower() or None
    if password is not None:
        check_password_policy(password, username)
    password_hash = hash_password(password) if password is not None else None

    def work(conn: Connection) -> Actor:
        _require_admin(conn, admin, "menambah pengguna")
        _check_new_user(conn, username, role, region_code, email)
        actor = create_user(conn, username, full_name.strip() or username, role, region_code, email)
        conn.execute(_user.update().where(_user.c.id == actor.id).values(password_hash=password_hash))
        user = _find_user_by_id(conn, actor.id)
        _audit(conn, admin.id, admin.username, "buat", user, None, _audited(public_user(user)))
        return actor

    try:
        actor = run_write(engine, work)
    except IntegrityError:  # a concurrent twin; its message would carry the hash
        raise AccountError(f"Nama pengguna {username!r} atau e-mailnya sudah dipakai.") from None
    log.info("Pengguna %s dibuat oleh %s.", username, admin.username)
    return actor


def change_password(engine: Engine, actor: Actor, old_password: str, new_password: str) -> None:
    """A user changes their own password: the old one must be right."""
    with engine.connect() as conn:
        user = _find_user_by_id(conn, actor.id)
    if user is None or not user["active"]:
        raise NotAllowed("Akun ini tidak aktif.")
    if not _verify(user["password_hash"], old_password):
        raise PasswordRejected("Kata sandi lama salah.")
    if new_password == old_password:
        raise PasswordRejected("Kata sandi baru harus berbeda dari kata sandi lama.")
    check_password_policy(new_password, user["username"])
    _set_password(engine, actor, user["id"], hash_password(new_password), "ubah_kata_sandi")


def reset_password(engine: Engine, admin: Actor, username: str, new_password: str) -> None:
    """An admin sets someone's password (and lifts a lock-out)."""
    with engine.connect() as conn:
        _require_admin(conn, admin, "mengatur ulang kata sandi")
        user = _target(conn, username)
    check_password_policy(new_password, user["username"])
    _set_password(engine, admin, user["id"], hash_password(new_password), "atur_ulang_kata_sandi")


def _set_password(engine: Engine, actor: Actor, user_id: int, password_hash: str, action: str) -> None:
    def work(conn: Connection) -> None:
        user = _find_user_by_id(conn, user_id, lock=True)
        before = {"failed_logins": user["failed_logins"], "locked_until": user["locked_until"],
                  "password_hash": HIDDEN if user["password_hash"] else None}
        conn.execute(_user.update().where(_user.c.id == user_id)
                     .values(password_hash=password_hash, failed_logins=0, locked_until=None))
        # Whoever knew the old password is signed out with it, on every browser.
        sessions.end_for_user(conn, user_id, sessions.PASSWORD_CHANGED)
        _audit(conn, actor.id, actor.username, action, user, before,
               {"failed_logins": 0, "locked_until": None, "password_hash": HIDDEN})

    run_write(engine, work)
    log.info("Kata sandi pengguna #%d diganti oleh %s (%s).", user_id, actor.username, action)


def disable_user(engine: Engine, admin: Actor, username: str) -> None:
    """Stop an account from logging in (rows it wrote keep naming it)."""
    _set_active(engine, admin, username, False)


def enable_user(engine: Engine, admin: Actor, username: str) -> None:
    _set_active(engine, admin, username, True)


def _set_active(engine: Engine, admin: Actor, username: str, active: bool) -> None:
    def work(conn: Connection) -> None:
        _require_admin(conn, admin, "mengaktifkan atau menonaktifkan pengguna")
        user = _target(conn, username, lock=True)
        if user["id"] == admin.id and not active:
            raise AccountError("Tidak dapat menonaktifkan akun sendiri.")
        values = {"active": active} | ({"failed_logins": 0, "locked_until": None} if active else {})
        conn.execute(_user.update().where(_user.c.id == user["id"]).values(**values))
        if not active:
            sessions.end_for_user(conn, user["id"], sessions.ACCOUNT_DISABLED)
        _audit(conn, admin.id, admin.username, "aktifkan" if active else "nonaktifkan", user,
               {"active": user["active"]}, values)

    run_write(engine, work)
    log.info("Pengguna %s %s oleh %s.", username, "diaktifkan" if active else "dinonaktifkan", admin.username)


def revoke_sessions(engine: Engine, admin: Actor, username: str) -> int:
    """An admin (or the CLI) ends every live session of `username`; audited. Returns how many."""
    with engine.connect() as conn:
        _require_admin(conn, admin, "mengakhiri sesi pengguna")
    return sessions.revoke(engine, admin.id, admin.username, username=username.strip().lower())


def revoke_session(engine: Engine, admin: Actor, session_id: int) -> int:
    """An admin (or the CLI) ends one session by its id (`sessions list`); audited."""
    with engine.connect() as conn:
        _require_admin(conn, admin, "mengakhiri sesi pengguna")
    return sessions.revoke(engine, admin.id, admin.username, session_id=session_id)


def system_actor(conn: Connection, username: str = CLI_USERNAME) -> Actor:
    """The built-in admin identity of a tool (default: the CLI), created inactive and
    without password on first use so that the audit log can name it."""
    user = _find_user(conn, username)
    if user is None:
        actor = create_user(conn, username, "Sistem (baris perintah)", "admin_pusat")
        conn.execute(_user.update().where(_user.c.id == actor.id).values(active=False))
        user = _find_user_by_id(conn, actor.id)
        _audit(conn, actor.id, username, "buat", user, None, _audited(public_user(user)))
        return actor
    if user["role"] != "admin_pusat" or user["password_hash"]:
        raise NotAllowed(f"Akun sistem {username!r} telah diubah; periksa tabel pengguna.")
    return _actor(user)
