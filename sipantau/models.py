"""The report database: tables, their shared column mixins, the table handles every
query uses, and `not_replaced` (which version of a corrected record is current).
Imports SQLAlchemy only; every other module reads and writes through these.

Reference tables (region, election, stage, code lists) are loaded from
data/reference/. Report tables are append-only: a correction is a new row whose
`replaces_id` names the row it corrects; nothing is updated in place except the
derived `stage_status` (latest report per region and stage, kept in the same
transaction as each write so that national frames never read the history), the
derived `report_day` (which days each office reported) and an
obstacle's current `status`, whose every change is an `obstacle_action` row.

Rules the database itself keeps, on SQLite and PostgreSQL alike (migration 0002):
- a row is corrected at most once (`replaces_id` is unique in every correctable
  table), so a history is a chain, never a fork;
- an NPHD has one chain: at most one agreement per (election, region, counterparty)
  replaces nothing (a partial unique index over `replaces_id IS NULL`). With the one
  above, and a correction always naming a row of the same NPHD, exactly one version
  is current. "Current" itself (no row replaces it) cannot be indexed, as it depends
  on other rows; the chain's root can, and the two together say the same.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    exists,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Stable constraint names so Alembic batch migrations on SQLite can find them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# ---- reference data ---------------------------------------------------------------


class Region(Base):
    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)  # "73", "73.10"; "ID" = nation
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))  # nation | province | regency
    kind: Mapped[str] = mapped_column(String(10))  # nasional | provinsi | kabupaten | kota
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    pilkada_2024: Mapped[bool] = mapped_column(Boolean, default=False)


class Election(Base):
    __tablename__ = "election"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    order: Mapped[int] = mapped_column(Integer)
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    regulation: Mapped[str] = mapped_column(String(60))
    voting_date: Mapped[date] = mapped_column(Date)
    has_nphd: Mapped[bool] = mapped_column(Boolean, default=False)


class ElectionRegion(Base):
    """Which offices take part in (and report on) an election."""

    __tablename__ = "election_region"
    election_code: Mapped[str] = mapped_column(ForeignKey("election.code"), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)


class Stage(Base):
    __tablename__ = "stage"
    __table_args__ = (UniqueConstraint("election_code", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_code: Mapped[str] = mapped_column(ForeignKey("election.code"))
    code: Mapped[str] = mapped_column(String(40))
    order: Mapped[int] = mapped_column(Integer)
    name_id: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    supports: Mapped[str] = mapped_column(String(120), default="")  # "logistik;nphd;…"
    source: Mapped[str] = mapped_column(String(120), default="")


class ObstacleCategory(Base):
    __tablename__ = "obstacle_category"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    order: Mapped[int] = mapped_column(Integer)
    name_id: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))


class Severity(Base):
    __tablename__ = "severity"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    name_id: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(40))
    weight: Mapped[float] = mapped_column(Float)  # penalty points in the readiness index


class Counterparty(Base):
    __tablename__ = "counterparty"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    order: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    name_long: Mapped[str] = mapped_column(String(160))


class DocumentRequirement(Base):
    __tablename__ = "document_requirement"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    order: Mapped[int] = mapped_column(Integer)
    name_id: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    election_code: Mapped[str | None] = mapped_column(ForeignKey("election.code"))
    counterparty_code: Mapped[str | None] = mapped_column(ForeignKey("counterparty.code"))


class Meta(Base):
    """Facts about this database (e.g. demo=1 when its reports are synthetic)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# ---- people -----------------------------------------------------------------------


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(30))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    email: Mapped[str | None] = mapped_column(String(160), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UserSession(Base):
    """A signed-in browser (sipantau/sessions.py). Only the SHA-256 of its token is stored, so
    the table cannot be used to sign in. A row is never reused: each login makes a new one, and
    ending a session (logout, password change, account disabled, revoked) stamps `ended_at`."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # password | screen | oidc
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the absolute end
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(24))
    # Which browser it is, so that an admin revokes the right screen (both cut to fit).
    client_ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(160))


# ---- reports (append-only) --------------------------------------------------------


class _Written:
    """Columns every report row carries: who wrote it, when, from where, and a retry key."""

    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    source: Mapped[str] = mapped_column(String(16))  # form | import | cli | demo
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)


class _Correctable:
    """A correction is a new row naming the row it corrects; at most one names each row."""

    @declared_attr
    def replaces_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id"), index=True, unique=True)


class StageReport(_Correctable, _Written, Base):
    __tablename__ = "stage_report"
    __table_args__ = (
        # One index seek answers "latest report of this region in this stage on or before D".
        Index("ix_stage_report_cell", "region_code", "stage_id", "situation_date", "id"),
        Index("ix_stage_report_date", "situation_date"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"))
    situation_date: Mapped[date] = mapped_column(Date)
    progress: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))  # belum_mulai | berjalan | selesai | terkendala
    note: Mapped[str] = mapped_column(Text, default="")


class StageStatus(Base):
    """Derived: the latest report of each region in each stage (by situation date)."""

    __tablename__ = "stage_status"
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("stage_report.id"))
    situation_date: Mapped[date] = mapped_column(Date)
    progress: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))


class ReportDay(Base):
    """Derived: the days on which an office reported in an election. Reporting
    compliance reads this (≤ offices × days) instead of the report history, so its
    cost does not grow with how many reports a day holds."""

    __tablename__ = "report_day"
    __table_args__ = (Index("ix_report_day_election_date", "election_code", "situation_date"),)
    election_code: Mapped[str] = mapped_column(ForeignKey("election.code"), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)
    situation_date: Mapped[date] = mapped_column(Date, primary_key=True)


class Obstacle(_Written, Base):
    __tablename__ = "obstacle"
    __table_args__ = (Index("ix_obstacle_election_found", "election_code", "found_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_code: Mapped[str] = mapped_column(ForeignKey("election.code"))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stage.id"))
    category_code: Mapped[str] = mapped_column(ForeignKey("obstacle_category.code"))
    severity_code: Mapped[str] = mapped_column(ForeignKey("severity.code"))
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(160))  # who acts on it (pihak yang menangani)
    due_date: Mapped[date | None] = mapped_column(Date)
    found_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # current: baru | ditangani | eskalasi | selesai
    closed_date: Mapped[date | None] = mapped_column(Date)


class ObstacleAction(_Written, Base):
    """A follow-up step on an obstacle; `new_status` set when it changes the status."""

    __tablename__ = "obstacle_action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    obstacle_id: Mapped[int] = mapped_column(ForeignKey("obstacle.id"), index=True)
    action_date: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text)
    new_status: Mapped[str | None] = mapped_column(String(16))
    evidence: Mapped[str | None] = mapped_column(Text)


class NphdAgreement(_Correctable, _Written, Base):
    """NPHD (naskah perjanjian hibah daerah) between a regional government and a counterparty."""

    __tablename__ = "nphd_agreement"
    __table_args__ = (
        Index("ix_nphd_agreement_region", "election_code", "region_code", "counterparty_code"),
        # One chain per NPHD: its first version is the only row that replaces nothing.
        Index("uq_nphd_agreement_chain", "election_code", "region_code", "counterparty_code", unique=True,
              sqlite_where=text("replaces_id IS NULL"), postgresql_where=text("replaces_id IS NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_code: Mapped[str] = mapped_column(ForeignKey("election.code"))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    counterparty_code: Mapped[str] = mapped_column(ForeignKey("counterparty.code"))
    agreed_value: Mapped[int] = mapped_column(BigInteger)  # rupiah
    signed_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class NphdDisbursement(_Correctable, _Written, Base):
    __tablename__ = "nphd_disbursement"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("nphd_agreement.id"), index=True)
    tranche: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    disbursed_date: Mapped[date] = mapped_column(Date)


class Document(_Correctable, _Written, Base):
    """An uploaded document; the file itself is stored by content hash, never overwritten."""

    __tablename__ = "document"
    __table_args__ = (Index("ix_document_region", "region_code", "requirement_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    election_code: Mapped[str | None] = mapped_column(ForeignKey("election.code"))
    requirement_code: Mapped[str] = mapped_column(ForeignKey("document_requirement.code"))
    document_date: Mapped[date] = mapped_column(Date)
    filename: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(80))


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_region_at", "region_code", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    region_code: Mapped[str | None] = mapped_column(String(8))
    before: Mapped[str | None] = mapped_column(Text)  # JSON
    after: Mapped[str | None] = mapped_column(Text)  # JSON


# ---- table handles ------------------------------------------------------------------
# The Core tables under the short names every query uses, defined once here.

rg = Region.__table__
el = Election.__table__
er = ElectionRegion.__table__
st = Stage.__table__
cat = ObstacleCategory.__table__
sev = Severity.__table__
cp = Counterparty.__table__
dr = DocumentRequirement.__table__
meta = Meta.__table__
users = User.__table__
sr = StageReport.__table__
ss = StageStatus.__table__
rd = ReportDay.__table__
ob = Obstacle.__table__
oa = ObstacleAction.__table__
na = NphdAgreement.__table__
nd = NphdDisbursement.__table__
doc = Document.__table__
audit_log = AuditLog.__table__


def not_replaced(table):
    """Rows no correction points at: the current version (shared by the read and write sides)."""
    newer = table.alias("newer")
    return ~exists(select(newer.c.id).where(newer.c.replaces_id == table.c.id))
