"""Users, roles and region scope.

Scope is checked by the write functions in reports.py (not only by what a page
offers), so no request can write for a region outside its author's area.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from sqlalchemy import Connection, select

from sipantau import models as m

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

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Actor:
    """Who is acting: every write names one."""

    id: int
    username: str
    role: str
    region_code: str | None


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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    conn: Connection,
    username: str,
    full_name: str,
    role: str,
    region_code: str | None = None,
    email: str | None = None,
    password: str | None = None,
) -> Actor:
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
        "created_at": datetime.now(UTC),
    }
    user_id = conn.execute(m.User.__table__.insert().values(**row)).inserted_primary_key[0]
    return Actor(user_id, username, role, region_code)


def get_actor(conn: Connection, username: str) -> Actor | None:
    u = m.User.__table__
    row = conn.execute(select(u).where(u.c.username == username, u.c.active)).mappings().first()
    return Actor(row["id"], row["username"], row["role"], row["region_code"]) if row else None
