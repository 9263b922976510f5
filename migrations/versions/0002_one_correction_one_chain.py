"""one correction per row, one chain per NPHD

Unique `replaces_id` in stage_report, nphd_agreement, nphd_disbursement and document
(a row is corrected at most once), and a partial unique index so that one NPHD
(election, region, counterparty) has one first version.

Databases written before this revision under simultaneous writers on PostgreSQL can
hold what these indexes forbid: a row corrected several times (a forked history) or
several first versions of one NPHD. Nothing is deleted: branches are joined, one
under the newest current version of another, until the history is one chain, and
the newest of the versions that were current stays current (the one the NPHD forms
showed: the highest current id). Every move is written to the audit log as
`gabung_koreksi` by `sistem.migrasi`, and the derived current-status rows of the
stage cells touched are recomputed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

CORRECTABLE = ("stage_report", "nphd_agreement", "nphd_disbursement", "document")
CHAIN = "election_code, region_code, counterparty_code"
ROOTS = sa.text("replaces_id IS NULL")
MIGRATION_USER = "sistem.migrasi"
AUDIT = sa.table("audit_log", sa.column("at", sa.DateTime(timezone=True)), sa.column("user_id", sa.Integer),
                 *(sa.column(c, sa.String) for c in ("username", "action", "entity", "region_code")),
                 sa.column("entity_id", sa.Integer), sa.column("before", sa.Text), sa.column("after", sa.Text))


def upgrade() -> None:
    conn = op.get_bind()
    cells = set()
    for table in CORRECTABLE:
        moved = _join_forks(conn, table)
        if table == "nphd_agreement":
            moved += _join_chains(conn)
        if table == "stage_report":
            cells = {_cell(conn, row_id) for row_id in moved}
    for region_code, stage_id in sorted(cells):
        _refresh_stage_status(conn, region_code, stage_id)
    for table in CORRECTABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_replaces_id")
            batch_op.create_index(f"ix_{table}_replaces_id", ["replaces_id"], unique=True)
    with op.batch_alter_table("nphd_agreement", schema=None) as batch_op:
        batch_op.create_index("uq_nphd_agreement_chain", ["election_code", "region_code", "counterparty_code"],
                              unique=True, sqlite_where=ROOTS, postgresql_where=ROOTS)


def downgrade() -> None:
    # The joined histories stay joined: they are valid under both revisions.
    with op.batch_alter_table("nphd_agreement", schema=None) as batch_op:
        batch_op.drop_index("uq_nphd_agreement_chain")
    for table in CORRECTABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_replaces_id")
            batch_op.create_index(f"ix_{table}_replaces_id", ["replaces_id"], unique=False)


# ---- joining forked histories ------------------------------------------------------------


def _join_forks(conn, table: str) -> list[int]:
    """Rows corrected more than once: their corrections are joined into one chain. Returns the ids moved."""
    moved = []
    while True:
        fork = conn.execute(sa.text(
            f"SELECT replaces_id FROM {table} WHERE replaces_id IS NOT NULL "
            "GROUP BY replaces_id HAVING count(*) > 1 ORDER BY replaces_id LIMIT 1")).scalar()
        if fork is None:
            return moved
        branches = conn.execute(sa.text(f"SELECT id FROM {table} WHERE replaces_id = :fork"), {"fork": fork})
        moved.append(_join(conn, table, fork, list(branches.scalars())))


def _join_chains(conn) -> list[int]:
    """NPHDs with several first versions: joined into one chain. Returns the ids moved."""
    moved = []
    while True:
        chain = conn.execute(sa.text(
            f"SELECT {CHAIN} FROM nphd_agreement WHERE replaces_id IS NULL "
            f"GROUP BY {CHAIN} HAVING count(*) > 1 ORDER BY {CHAIN} LIMIT 1")).mappings().first()
        if chain is None:
            return moved
        roots = conn.execute(sa.text(
            "SELECT id FROM nphd_agreement WHERE replaces_id IS NULL AND election_code = :election_code "
            "AND region_code = :region_code AND counterparty_code = :counterparty_code"), dict(chain))
        moved.append(_join(conn, "nphd_agreement", None, list(roots.scalars())))


def _join(conn, table: str, parent: int | None, branches: list[int]) -> int:
    """Hang one branch under the newest current version of another. The branch holding the
    newest current version overall is never hung under, so that version stays current."""
    newest = {branch: max(_current_under(conn, table, branch)) for branch in branches}
    lower, upper = sorted(branches, key=newest.get)[:2]
    return _hang(conn, table, upper, parent, newest[lower])


def _current_under(conn, table: str, row_id: int) -> list[int]:
    """The versions in the branch starting at `row_id` that nothing replaces."""
    current, level = [], [row_id]
    while level:
        children = conn.execute(sa.text(f"SELECT id, replaces_id FROM {table} WHERE replaces_id IN :ids")
                                .bindparams(sa.bindparam("ids", expanding=True)), {"ids": level}).all()
        parents = {p for _, p in children}
        current += [r for r in level if r not in parents]
        level = [c for c, _ in children]
    return current


def _hang(conn, table: str, row_id: int, old: int | None, new: int) -> int:
    conn.execute(sa.text(f"UPDATE {table} SET replaces_id = :new WHERE id = :id"), {"new": new, "id": row_id})
    conn.execute(AUDIT.insert().values(
        at=datetime.now(UTC), user_id=None, username=MIGRATION_USER, action="gabung_koreksi", entity=table,
        entity_id=row_id, region_code=_region(conn, table, row_id),
        before=json.dumps({"replaces_id": old}), after=json.dumps({"replaces_id": new})))
    return row_id


def _region(conn, table: str, row_id: int) -> str:
    if table == "nphd_disbursement":
        q = ("SELECT a.region_code FROM nphd_disbursement d JOIN nphd_agreement a ON a.id = d.agreement_id "
             "WHERE d.id = :id")
    else:
        q = f"SELECT region_code FROM {table} WHERE id = :id"
    return conn.execute(sa.text(q), {"id": row_id}).scalar()


# ---- the derived current status of the stage cells touched ----------------------------------------


def _cell(conn, report_id: int) -> tuple[str, int]:
    return tuple(conn.execute(sa.text("SELECT region_code, stage_id FROM stage_report WHERE id = :id"),
                              {"id": report_id}).one())


def _refresh_stage_status(conn, region_code: str, stage_id: int) -> None:
    """The cell's latest uncorrected report, as `reports.refresh_stage_status` keeps it."""
    cell = {"region": region_code, "stage": stage_id}
    conn.execute(sa.text("DELETE FROM stage_status WHERE region_code = :region AND stage_id = :stage"), cell)
    conn.execute(sa.text(
        "INSERT INTO stage_status (region_code, stage_id, report_id, situation_date, progress, status) "
        "SELECT s.region_code, s.stage_id, s.id, s.situation_date, s.progress, s.status FROM stage_report s "
        "WHERE s.region_code = :region AND s.stage_id = :stage "
        "AND NOT EXISTS (SELECT 1 FROM stage_report n WHERE n.replaces_id = s.id) "
        "ORDER BY s.situation_date DESC, s.id DESC LIMIT 1"), cell)
