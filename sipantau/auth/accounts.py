"""Accounts: create, add, change or reset a password, disable, enable, end sessions; the
built-in tool identities. Every change is audited; only an admin changes another account."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError

from sipantau import clock, sessions
from sipantau import models as m
from sipantau.auth.core import (
    CLI_USERNAME,
    HIDDEN,
    REGIONAL_ROLES,
    ROLE_LEVEL,
    ROLES,
    SYSTEM_PREFIX,
    USERNAME_PATTERN,
    AccountError,
    Actor,
    NotAllowed,
    PasswordRejected,
    _actor,
    _audit,
    _audited,
    _find_user,
    _find_user_by_id,
    _user,
    _verify,
    check_password_policy,
    hash_password,
    log,
    public_user,
)
from sipantau.db import run_write


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
