"""Alembic environment: batch mode so SQLite can alter tables; URL from Sipantau settings."""

from alembic import context

from sipantau.db import get_engine
from sipantau.models import Base


def run_migrations_online() -> None:
    # `sipantau.schema.upgrade` hands us its connection; the alembic CLI does not.
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine().connect() as conn:
        _run(conn)
        conn.commit()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
