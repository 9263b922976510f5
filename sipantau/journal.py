"""The journal: the one writer of the audit log.

Every write (reports, documents, accounts and logins, the demo seeder) adds its
audit row through `record`, inside the caller's transaction, so the row and the
change it describes are committed together or not at all. `before` and `after` are
stored as JSON (dates and times as ISO text, Indonesian text unescaped); callers
never pass a password hash. Reading the log is `sipantau.audit`'s.

The Alembic migrations write their own audit rows (0002 records each chain it
joins): a migration must not import application code, which may change after it.

Imports the models and the clock only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from sipantau import clock
from sipantau.models import audit_log


class Author(Protocol):
    """Who did it: an `auth.Actor`, or a `Writer` for someone who is not signed in."""

    id: int | None
    username: str


@dataclass(frozen=True)
class Writer:
    """An author without a session: a failed login's name, the demo seeder."""

    id: int | None
    username: str


def _json(value: dict | None) -> str | None:
    return json.dumps(value, default=str, ensure_ascii=False) if value is not None else None


def record(conn: Connection, who: Author, action: str, entity: str, entity_id: int | None,
           region_code: str | None, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           at: datetime | None = None) -> None:
    """One audit row: who did `action` to `entity` #`entity_id` (of `region_code`), and what changed."""
    conn.execute(audit_log.insert().values(
        at=clock.utc(at) or clock.now(), user_id=who.id, username=who.username, action=action, entity=entity,
        entity_id=entity_id, region_code=region_code, before=_json(before), after=_json(after),
    ))
